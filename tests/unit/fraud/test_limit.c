/* test_limit.c: unit tests of fcgi/fraud/limit.c's window arithmetic (the
 * upserts need a database: tests/api covers them). */
#include "unit.h"

#include "fraud/limit.h"

START_TEST(retry_after_never_below_one)
{
	/* The window is already over: still at least a second. */
	ck_assert_int_eq(limit_retry_after(7200 + 3600, 7200, 3600), 1);
	ck_assert_int_eq(limit_retry_after(7200 + 3601, 7200, 3600), 1);
	ck_assert_int_eq(limit_retry_after(100000, 7200, 3600), 1);
	ck_assert_int_eq(limit_retry_after(0, 0, 0), 1);
}
END_TEST

START_TEST(retry_after_exact_values)
{
	ck_assert_int_eq(limit_retry_after(7205, 7200, 3600), 3595);
	ck_assert_int_eq(limit_retry_after(7200, 7200, 3600), 3600);
	ck_assert_int_eq(limit_retry_after(10799, 7200, 3600), 1);
	ck_assert_int_eq(limit_retry_after(10798, 7200, 3600), 2);
	/* A gap: the last take at 1000, gap 60. */
	ck_assert_int_eq(limit_retry_after(1001, 1000, 60), 59);
	ck_assert_int_eq(limit_retry_after(1059, 1000, 60), 1);
}
END_TEST

START_TEST(window_start_hour)
{
	ck_assert_int_eq(limit_window_start(7205, 3600), 7200);
	ck_assert_int_eq(limit_window_start(7200, 3600), 7200);  /* exact boundary */
	ck_assert_int_eq(limit_window_start(7199, 3600), 3600);
	ck_assert_int_eq(limit_window_start(10799, 3600), 7200);
	ck_assert_int_eq(limit_window_start(0, 3600), 0);
	ck_assert_int_eq(limit_window_start(3599, 3600), 0);
	/* 2026-11-30T15:59:59Z */
	ck_assert_int_eq(limit_window_start(1796054399, 3600), 1796050800);
}
END_TEST

START_TEST(window_start_minute)
{
	ck_assert_int_eq(limit_window_start(7205, 60), 7200);
	ck_assert_int_eq(limit_window_start(7259, 60), 7200);
	ck_assert_int_eq(limit_window_start(7260, 60), 7260);
	ck_assert_int_eq(limit_window_start(59, 60), 0);
	ck_assert_int_eq(limit_window_start(60, 60), 60);
}
END_TEST

START_TEST(window_start_day_and_negative_time)
{
	ck_assert_int_eq(limit_window_start(1796054399, 86400), 1795996800);
	ck_assert_int_eq(limit_window_start(86400, 86400), 86400);
	/* Before the epoch the window still starts at or before now. */
	ck_assert_int_eq(limit_window_start(-1, 60), -60);
	ck_assert_int_eq(limit_window_start(-60, 60), -60);
	ck_assert_int_eq(limit_window_start(-61, 60), -120);
}
END_TEST

START_TEST(window_and_retry_agree)
{
	for (int64_t now = 7000; now < 7000 + 200; now++) {
		int64_t start = limit_window_start(now, 60);
		ck_assert_int_le(start, now);
		ck_assert_int_gt(start + 60, now);
		int64_t retry = limit_retry_after(now, start, 60);
		ck_assert_int_ge(retry, 1);
		ck_assert_int_le(retry, 60);
		ck_assert_int_eq(limit_window_start(now + retry, 60), start + 60);
	}
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("limit");
	TCase *bad = tcase_create("bad_input");
	tcase_add_test(bad, retry_after_never_below_one);
	suite_add_tcase(suite, bad);
	TCase *window = tcase_create("window");
	tcase_add_test(window, retry_after_exact_values);
	tcase_add_test(window, window_start_hour);
	tcase_add_test(window, window_start_minute);
	tcase_add_test(window, window_start_day_and_negative_time);
	tcase_add_test(window, window_and_retry_agree);
	suite_add_tcase(suite, window);
	return suite;
}
