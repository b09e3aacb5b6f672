/* test_stats.c: unit tests of fcgi/admin/stats.c's pure parts: the report's
 * dates, its CSV text (quoting, formulas defused, yuan) and the shop's
 * local day. The counters themselves are SQL, tested through the API
 * (tests/api/test_admin_console.py) against the raw events. */
#include "unit.h"

#include <string.h>

#include "core/arena.h"
#include "core/clock.h"
#include "admin/stats.h"

START_TEST(bad_dates_refused)
{
	static const char *const bad[] = {
		"", "2026-1-01", "2026-01-1", "2026/01/01", "2026-13-01", "2026-00-10", "2026-02-30",
		"2026-04-31", "1999-12-31", "2201-01-01", "2026-01-01x", "2026-01-0a", "+026-01-01", " 2026-01-01",
		"2026-01-01 ", "20260101", "2026--1-01",
	};
	int64_t days = 7;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(stats_date_parse(bad[i], &days) == -1, "\"%s\" accepted", bad[i]);
	ck_assert_int_eq(stats_date_parse(NULL, &days), -1);
	ck_assert_int_eq(days, 7);
}
END_TEST

START_TEST(dates_count_days)
{
	int64_t a, b;
	ck_assert_int_eq(stats_date_parse("1970-01-02", &a), -1); /* before 2000: refused */
	ck_assert_int_eq(stats_date_parse("2026-02-28", &a), 0);
	ck_assert_int_eq(stats_date_parse("2026-03-01", &b), 0);
	ck_assert_int_eq(b - a, 1);
	ck_assert_int_eq(stats_date_parse("2024-02-29", &a), 0); /* a leap day */
	ck_assert_int_eq(stats_date_parse("2025-01-01", &b), 0);
	ck_assert_int_eq(b - a, 307);
	ck_assert_int_eq(stats_date_parse("2000-01-01", &a), 0);
	ck_assert_int_eq(a, 10957);
}
END_TEST

START_TEST(csv_fields_are_quoted_and_formulas_defused)
{
	struct arena arena;
	arena_init(&arena);
	struct stats_csv csv;
	stats_csv_init(&csv, &arena);
	stats_csv_text(&csv, "plain");
	stats_csv_raw(&csv, ",", 1);
	stats_csv_text(&csv, "say \"hi\", ok");
	stats_csv_raw(&csv, ",", 1);
	stats_csv_text(&csv, "=HYPERLINK(\"x\")");
	stats_csv_raw(&csv, ",", 1);
	stats_csv_text(&csv, "-1+2");
	stats_csv_raw(&csv, ",", 1);
	stats_csv_text(&csv, "@SUM(A1)");
	stats_csv_raw(&csv, ",", 1);
	stats_csv_text(&csv, "");
	stats_csv_raw(&csv, ",", 1);
	stats_csv_text(&csv, "冬季\n砍价");
	ck_assert_str_eq(csv.text, "\"plain\",\"say \"\"hi\"\", ok\",\"'=HYPERLINK(\"\"x\"\")\",\"'-1+2\",\"'@SUM(A1)\",\"\","
				   "\"冬季\n砍价\"");
	ck_assert_uint_eq(csv.used, strlen(csv.text));
	arena_destroy(&arena);
}
END_TEST

START_TEST(csv_numbers_and_growth)
{
	struct arena arena;
	arena_init(&arena);
	struct stats_csv csv;
	stats_csv_init(&csv, &arena);
	stats_csv_number(&csv, 42, false);
	stats_csv_number(&csv, 12345, true);
	stats_csv_number(&csv, 5, true);
	stats_csv_number(&csv, -250, true);
	stats_csv_number(&csv, 0, true);
	ck_assert_str_eq(csv.text, ",42,123.45,0.05,-2.50,0.00");
	/* far past the first block: the text grows and stays whole */
	for (int i = 0; i < 5000; i++)
		stats_csv_raw(&csv, "0123456789", 10);
	ck_assert_uint_eq(csv.used, strlen(",42,123.45,0.05,-2.50,0.00") + 50000);
	ck_assert_uint_eq(strlen(csv.text), csv.used);
	ck_assert_int_eq(csv.text[csv.used - 1], '9');
	arena_destroy(&arena);
}
END_TEST

START_TEST(local_day_follows_the_shop_zone)
{
	char day[11];
	clock_use_zone("Asia/Shanghai");
	stats_local_day(1764518400, day); /* 2025-11-30T16:00:00Z = 12-01 00:00 in Shanghai */
	ck_assert_str_eq(day, "2025-12-01");
	stats_local_day(1764518399, day);
	ck_assert_str_eq(day, "2025-11-30");
	clock_use_zone("UTC");
	stats_local_day(1764518400, day);
	ck_assert_str_eq(day, "2025-11-30");
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("stats");
	TCase *tc = tcase_create("stats");
	tcase_add_test(tc, bad_dates_refused);
	tcase_add_test(tc, dates_count_days);
	tcase_add_test(tc, csv_fields_are_quoted_and_formulas_defused);
	tcase_add_test(tc, csv_numbers_and_growth);
	tcase_add_test(tc, local_day_follows_the_shop_zone);
	suite_add_tcase(suite, tc);
	return suite;
}
