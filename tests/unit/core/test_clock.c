/* test_clock.c: unit tests of fcgi/core/clock.c. */
#include "unit.h"

#include <string.h>

#include "core/clock.h"

/* Parses text, failing the test if it is refused. */
static int64_t parsed(const char *text)
{
	int64_t when = -12345;
	ck_assert_msg(clock_parse_rfc3339(text, &when) == 0, "\"%s\" refused", text);
	return when;
}

static void assert_refused(const char *text)
{
	int64_t when = -12345;
	ck_assert_msg(clock_parse_rfc3339(text, &when) == -1, "\"%s\" accepted", text);
	ck_assert_int_eq(when, -12345); /* untouched */
}

/* ---- refused ---- */

START_TEST(parse_refuses_garbage)
{
	assert_refused("");
	assert_refused("garbage");
	assert_refused("2026-11-30");                 /* too short */
	assert_refused("2026-11-30T15:59:59");        /* no zone */
	assert_refused("2026-11-30T15:59Z");          /* no seconds */
	assert_refused("2026-11-30 15:59:59Z");       /* space for T */
	assert_refused("2026/11/30T15:59:59Z");
	assert_refused("2026-11-30T15:59:59ZZ");
	assert_refused("2026-11-30T15:59:59Z ");
	assert_refused(" 2026-11-30T15:59:59Z");
	assert_refused("2026-11-30T15:59:59+0800");   /* offset needs a colon */
	assert_refused("2026-11-30T15:59:59+08");
	assert_refused("2026-11-30T15:59:59+08:00:00");
	assert_refused("2026-11-30T15:59:59.Z");      /* a dot needs digits */
	assert_refused("2026-11-30T15:59:59,5Z");
	assert_refused("2026-1a-30T15:59:59Z");
	assert_refused("+026-11-30T15:59:59Z");
}
END_TEST

START_TEST(parse_refuses_out_of_range_fields)
{
	assert_refused("2026-13-01T00:00:00Z"); /* month 13 */
	assert_refused("2026-00-01T00:00:00Z");
	assert_refused("2026-11-00T00:00:00Z");
	assert_refused("2026-11-31T00:00:00Z"); /* November has 30 days */
	assert_refused("2026-04-31T00:00:00Z");
	assert_refused("2026-02-29T00:00:00Z"); /* not a leap year */
	assert_refused("1900-02-29T00:00:00Z"); /* century, not leap */
	assert_refused("2100-02-29T00:00:00Z");
	assert_refused("2026-11-30T24:00:00Z");
	assert_refused("2026-11-30T23:60:00Z");
	assert_refused("2026-11-30T23:59:61Z");
	assert_refused("2026-11-30T15:59:59+24:00");
	/* past DATETIME's last second once the offset is applied */
	assert_refused("9999-12-31T23:59:59-00:01");
	assert_refused("1970-01-01T00:00:00+00:01"); /* before the epoch */
	assert_refused("2026-11-30T15:59:59+08:60");
	assert_refused("1969-12-31T23:59:59Z"); /* before the epoch */
}
END_TEST

/* ---- accepted ---- */

START_TEST(parse_utc_values)
{
	ck_assert_int_eq(parsed("1970-01-01T00:00:00Z"), 0);
	ck_assert_int_eq(parsed("2026-11-30T15:59:59Z"), 1796054399);
	ck_assert_int_eq(parsed("2026-11-30t15:59:59z"), 1796054399);
	ck_assert_int_eq(parsed("2026-11-23T08:00:00Z"), 1795420800);
	ck_assert_int_eq(parsed("9999-12-31T23:59:59Z"), 253402300799);
}
END_TEST

START_TEST(parse_leap_years)
{
	ck_assert_int_eq(parsed("2024-02-29T00:00:00Z"), 1709164800);
	ck_assert_int_eq(parsed("2000-02-29T12:00:00Z"), 951825600); /* divisible by 400 */
	ck_assert_int_eq(parsed("2028-02-29T00:00:00Z") - parsed("2028-02-28T00:00:00Z"), 86400);
}
END_TEST

START_TEST(parse_offsets)
{
	/* The same instant written three ways. */
	ck_assert_int_eq(parsed("2026-11-30T23:59:59+08:00"), 1796054399);
	ck_assert_int_eq(parsed("2026-11-30T10:29:59-05:30"), 1796054399);
	ck_assert_int_eq(parsed("2026-11-30T15:59:59+00:00"), 1796054399);
	ck_assert_int_eq(parsed("2026-11-30T15:59:59-00:00"), 1796054399);
	/* Crossing midnight and the year. */
	ck_assert_int_eq(parsed("2027-01-01T07:59:59+08:00"), parsed("2026-12-31T23:59:59Z"));
	ck_assert_int_eq(parsed("2026-12-31T23:00:00-01:00"), parsed("2027-01-01T00:00:00Z"));
}
END_TEST

START_TEST(parse_fractions_dropped)
{
	ck_assert_int_eq(parsed("2026-11-30T15:59:59.0Z"), 1796054399);
	ck_assert_int_eq(parsed("2026-11-30T15:59:59.999999999Z"), 1796054399);
	ck_assert_int_eq(parsed("2026-11-30T23:59:59.5+08:00"), 1796054399);
}
END_TEST

START_TEST(parse_times_beyond_2038)
{
	/* 2^31 - 1 is 2038-01-19T03:14:07Z: nothing special here. */
	ck_assert_int_eq(parsed("2038-01-19T03:14:08Z"), INT64_C(2147483648));
	ck_assert_int_eq(parsed("2040-02-29T12:00:00Z"), INT64_C(2214129600));
	ck_assert_int_eq(parsed("2100-01-01T00:00:00Z"), INT64_C(4102444800));
	ck_assert_int_eq(parsed("9999-12-31T23:59:59Z"), CLOCK_MAX_EPOCH);
}
END_TEST

START_TEST(parse_leap_second_counts_as_59)
{
	ck_assert_int_eq(parsed("2016-12-31T23:59:60Z"), parsed("2016-12-31T23:59:59Z"));
}
END_TEST

START_TEST(format_and_round_trip)
{
	char out[CLOCK_RFC3339_SIZE];
	memset(out, 'x', sizeof(out));
	clock_format_rfc3339(0, out);
	ck_assert_str_eq(out, "1970-01-01T00:00:00Z");
	clock_format_rfc3339(1796054399, out);
	ck_assert_str_eq(out, "2026-11-30T15:59:59Z");
	clock_format_rfc3339(1709164800, out);
	ck_assert_str_eq(out, "2024-02-29T00:00:00Z");
	clock_format_rfc3339(253402300799, out);
	ck_assert_str_eq(out, "9999-12-31T23:59:59Z");
	ck_assert_uint_eq(strlen(out), CLOCK_RFC3339_SIZE - 1);
	static const int64_t samples[] = { 0, 1, 59, 86399, 86400, 951825600, 1709164800, 1796054399, 1796054400,
					   4102444800, 253402300799 };
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		clock_format_rfc3339(samples[i], out);
		ck_assert_int_eq(parsed(out), samples[i]);
	}
}
END_TEST

/* ---- zones and the local day ---- */

START_TEST(zone_valid_refuses_paths_and_unknown_names)
{
	ck_assert_int_eq(clock_zone_valid("../etc/passwd"), -1);
	ck_assert_int_eq(clock_zone_valid("Asia/../../../etc/passwd"), -1);
	ck_assert_int_eq(clock_zone_valid("/etc/localtime"), -1);
	ck_assert_int_eq(clock_zone_valid("/usr/share/zoneinfo/UTC"), -1);
	ck_assert_int_eq(clock_zone_valid("Nowhere/City"), -1);
	ck_assert_int_eq(clock_zone_valid("Asia/Shanghai "), -1);
	ck_assert_int_eq(clock_zone_valid("Asia/Shanghai\n"), -1);
	ck_assert_int_eq(clock_zone_valid(""), -1);
	/* A directory of the zoneinfo tree is not a zone. */
	ck_assert_int_eq(clock_zone_valid("Asia"), -1);
	ck_assert_int_eq(clock_zone_valid("Asia/"), -1);
	/* Files of the tree that are not zones. */
	ck_assert_int_eq(clock_zone_valid("zone.tab"), -1);
	ck_assert_int_eq(clock_zone_valid("leapseconds"), -1);
}
END_TEST

START_TEST(zone_valid_accepts_known_zones)
{
	ck_assert_int_eq(clock_zone_valid("Asia/Shanghai"), 0);
	ck_assert_int_eq(clock_zone_valid("UTC"), 0);
	ck_assert_int_eq(clock_zone_valid("Asia/Hong_Kong"), 0);
	ck_assert_int_eq(clock_zone_valid("America/Port-au-Prince"), 0);
}
END_TEST

START_TEST(day_start_in_shanghai)
{
	clock_use_zone("Asia/Shanghai");
	/* 23:59:59 local on 30 November: the day began at 00:00 local. */
	ck_assert_int_eq(clock_day_start(parsed("2026-11-30T15:59:59Z")), parsed("2026-11-29T16:00:00Z"));
	/* One second later it is 1 December in Shanghai. */
	ck_assert_int_eq(clock_day_start(parsed("2026-11-30T16:00:00Z")), parsed("2026-11-30T16:00:00Z"));
	ck_assert_int_eq(clock_day_start(parsed("2026-11-30T00:00:00Z")), parsed("2026-11-29T16:00:00Z"));
	ck_assert_int_eq(clock_day_start(parsed("2026-12-31T16:30:00Z")), parsed("2026-12-31T16:00:00Z"));
	clock_use_zone("UTC");
}
END_TEST

START_TEST(day_start_in_utc)
{
	clock_use_zone("UTC");
	ck_assert_int_eq(clock_day_start(parsed("2026-11-30T15:59:59Z")), parsed("2026-11-30T00:00:00Z"));
	ck_assert_int_eq(clock_day_start(parsed("2026-11-30T16:00:00Z")), parsed("2026-11-30T00:00:00Z"));
	ck_assert_int_eq(clock_day_start(parsed("2026-11-30T00:00:00Z")), parsed("2026-11-30T00:00:00Z"));
	ck_assert_int_eq(clock_day_start(parsed("2026-11-30T23:59:59Z")), parsed("2026-11-30T00:00:00Z"));
	ck_assert_int_eq(clock_day_start(0), 0);
}
END_TEST

START_TEST(now_and_micros_move_forward)
{
	int64_t now = clock_now();
	ck_assert_int_gt(now, parsed("2024-01-01T00:00:00Z"));
	int64_t before = clock_micros();
	int64_t after = clock_micros();
	ck_assert_int_ge(after, before);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("clock");
	TCase *bad = tcase_create("bad_input");
	tcase_add_test(bad, parse_refuses_garbage);
	tcase_add_test(bad, parse_refuses_out_of_range_fields);
	tcase_add_test(bad, zone_valid_refuses_paths_and_unknown_names);
	suite_add_tcase(suite, bad);
	TCase *parse = tcase_create("rfc3339");
	tcase_add_test(parse, parse_utc_values);
	tcase_add_test(parse, parse_leap_years);
	tcase_add_test(parse, parse_offsets);
	tcase_add_test(parse, parse_fractions_dropped);
	tcase_add_test(parse, parse_leap_second_counts_as_59);
	tcase_add_test(parse, parse_times_beyond_2038);
	tcase_add_test(parse, format_and_round_trip);
	suite_add_tcase(suite, parse);
	TCase *zone = tcase_create("zone");
	tcase_add_test(zone, zone_valid_accepts_known_zones);
	tcase_add_test(zone, day_start_in_shanghai);
	tcase_add_test(zone, day_start_in_utc);
	tcase_add_test(zone, now_and_micros_move_forward);
	suite_add_tcase(suite, zone);
	return suite;
}
