/* test_stats_store.c: fcgi/admin/stats.c against MariaDB: one upsert per
 * event on the campaign's counter rows, summed exactly. */
#include "store.h"

#include "admin/stats.h"

/* Campaign ids far above any real one: the counters table has no foreign
 * key, so the test's rows stand alone and roll back with it. */
static int64_t test_campaign(void)
{
	return ((int64_t)1 << 50) + (int64_t)(clock_micros() % 1000000);
}

static int64_t sum_of(int64_t campaign_id, const char *column_sql)
{
	struct db_rows rows;
	store_sql(&rows, column_sql, "i", campaign_id);
	return rows.row_count == 1 ? db_int(&rows, 0, 0) : -1;
}

START_TEST(an_unknown_counter_is_refused_and_counts_nothing)
{
	int64_t campaign = test_campaign();
	ck_assert_int_eq(stats_bump(&store_unit, campaign, 0, "no_such_counter", 1), DB_FAILED);
	ck_assert_int_eq(sum_of(campaign, "SELECT COUNT(*) FROM campaign_stat WHERE campaign_id = ?"), 0);
}
END_TEST

START_TEST(bumps_add_up_exactly)
{
	int64_t campaign = test_campaign();
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(stats_bump(&store_unit, campaign, 7, "helps", 1), DB_OK);
	ck_assert_int_eq(stats_bump(&store_unit, campaign, 7, "share_opens", 3), DB_OK);
	ck_assert_int_eq(sum_of(campaign, "SELECT SUM(helps) FROM campaign_stat WHERE campaign_id = ?"), 5);
	ck_assert_int_eq(sum_of(campaign, "SELECT SUM(share_opens) FROM campaign_stat WHERE campaign_id = ?"), 3);
	/* One worker, one hour: one row. */
	ck_assert_int_eq(sum_of(campaign, "SELECT COUNT(*) FROM campaign_stat WHERE campaign_id = ?"), 1);
}
END_TEST

START_TEST(a_participant_counts_once_per_campaign)
{
	int64_t campaign = test_campaign();
	ck_assert_int_eq(stats_bargain_started(&store_unit, campaign, 1, 42), DB_OK);
	ck_assert_int_eq(stats_bargain_started(&store_unit, campaign, 2, 42), DB_OK);
	ck_assert_int_eq(stats_bargain_started(&store_unit, campaign, 1, 43), DB_OK);
	ck_assert_int_eq(sum_of(campaign, "SELECT SUM(bargains_started) FROM campaign_stat WHERE campaign_id = ?"), 3);
	ck_assert_int_eq(sum_of(campaign, "SELECT SUM(participants) FROM campaign_stat WHERE campaign_id = ?"), 2);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("stats_store");
	TCase *bad = tcase_create("refusals");
	tcase_add_checked_fixture(bad, store_setup, store_teardown);
	tcase_add_test(bad, an_unknown_counter_is_refused_and_counts_nothing);
	suite_add_tcase(suite, bad);
	TCase *counts = tcase_create("counts");
	tcase_add_checked_fixture(counts, store_setup, store_teardown);
	tcase_add_test(counts, bumps_add_up_exactly);
	tcase_add_test(counts, a_participant_counts_once_per_campaign);
	suite_add_tcase(suite, counts);
	return suite;
}
