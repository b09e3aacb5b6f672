/* test_limit_store.c: fcgi/fraud/limit.c against MariaDB: the conditional
 * upserts on rate_counter that no race can pass. */
#include "store.h"

#include "core/outcome.h"
#include "fraud/limit.h"

static char bucket[LIMIT_BUCKET_MAX];

static void fresh_bucket(const char *kind)
{
	snprintf(bucket, sizeof(bucket), "store-test:%s:%lld:%d", kind, (long long)clock_micros(), rand());
}

START_TEST(a_full_bucket_refuses_and_says_when)
{
	fresh_bucket("zero");
	int64_t retry_after = 0;
	int64_t start = limit_window_start(store_unit.now, 60);
	/* The first take inserts the row whatever max is (callers' limits are
	 * at least 1); a bucket at its max refuses and says when to come back. */
	limit_take(&store_unit, bucket, start, 60, 0, &retry_after);
	ck_assert_int_eq(limit_take(&store_unit, bucket, start, 60, 0, &retry_after), OUT_RATE_LIMITED);
	ck_assert_int_ge(retry_after, 1);
	ck_assert_int_le(retry_after, 60);
}
END_TEST

START_TEST(exactly_max_takes_in_a_window)
{
	fresh_bucket("max");
	int64_t retry_after = 0, start = limit_window_start(store_unit.now, 3600);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(limit_take(&store_unit, bucket, start, 3600, 3, &retry_after), DB_OK);
	ck_assert_int_eq(limit_take(&store_unit, bucket, start, 3600, 3, &retry_after), OUT_RATE_LIMITED);
	ck_assert_int_eq(retry_after, start + 3600 - store_unit.now < 1 ? 1 : start + 3600 - store_unit.now);
	struct db_rows rows;
	store_sql(&rows, "SELECT hits FROM rate_counter WHERE bucket = ?", "s", bucket);
	ck_assert_int_eq(rows.row_count, 1);
	ck_assert_int_eq(db_int(&rows, 0, 0), 3);
}
END_TEST

START_TEST(a_new_window_starts_counting_again)
{
	fresh_bucket("window");
	int64_t retry_after = 0, start = limit_window_start(store_unit.now, 60);
	ck_assert_int_eq(limit_take(&store_unit, bucket, start, 60, 1, &retry_after), DB_OK);
	ck_assert_int_eq(limit_take(&store_unit, bucket, start, 60, 1, &retry_after), OUT_RATE_LIMITED);
	ck_assert_int_eq(limit_take(&store_unit, bucket, start + 60, 60, 1, &retry_after), DB_OK);
}
END_TEST

START_TEST(a_gap_refuses_until_it_has_passed)
{
	fresh_bucket("gap");
	int64_t retry_after = 0;
	ck_assert_int_eq(limit_gap(&store_unit, bucket, 60, &retry_after), DB_OK);
	ck_assert_int_eq(limit_gap(&store_unit, bucket, 60, &retry_after), OUT_RATE_LIMITED);
	ck_assert_int_eq(retry_after, 60);
	store_unit.now += 60;
	ck_assert_int_eq(limit_gap(&store_unit, bucket, 60, &retry_after), DB_OK);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("limit_store");
	TCase *bad = tcase_create("refusals");
	tcase_add_checked_fixture(bad, store_setup, store_teardown);
	tcase_add_test(bad, a_full_bucket_refuses_and_says_when);
	tcase_add_test(bad, exactly_max_takes_in_a_window);
	suite_add_tcase(suite, bad);
	TCase *windows = tcase_create("windows");
	tcase_add_checked_fixture(windows, store_setup, store_teardown);
	tcase_add_test(windows, a_new_window_starts_counting_again);
	tcase_add_test(windows, a_gap_refuses_until_it_has_passed);
	suite_add_tcase(suite, windows);
	return suite;
}
