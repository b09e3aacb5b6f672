/* test_stats_store.c: fcgi/admin/stats_store.c against MariaDB: one
 * upsert per event on the campaign's counter rows, summed exactly, and the
 * reads of the dashboard and the daily report. */
#include "store.h"

#include "admin/stats.h"
#include "core/outcome.h"

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

/* A campaign row of the test's own (no items), inside its transaction. */
static int64_t campaign_row(void)
{
	struct db_rows rows;
	store_sql(&rows,
		  "INSERT INTO campaign (title, starts_at, ends_at, created_at, updated_at) VALUES "
		  "('store test', FROM_UNIXTIME(?), FROM_UNIXTIME(?), NOW(), NOW())",
		  "ii", store_unit.now - 3600, store_unit.now + 3600);
	return (int64_t)rows.insert_id;
}

START_TEST(a_missing_campaign_has_no_dashboard)
{
	struct stats_campaign_facts facts;
	ck_assert_int_eq(stats_campaign_load(&store_unit, test_campaign(), 0, &facts), DB_OK);
	ck_assert(!facts.found);
	struct stats_campaign_view view;
	ck_assert_int_eq(stats_campaign(&store_unit, test_campaign(), &view), OUT_NOT_FOUND);
}
END_TEST

START_TEST(the_dashboard_sums_items_orders_and_hours)
{
	int64_t campaign = campaign_row();
	ck_assert_int_eq(stats_bump(&store_unit, campaign, 7, "helps", 4), DB_OK);
	ck_assert_int_eq(stats_bump(&store_unit, campaign, 8, "helps", 1), DB_OK);
	ck_assert_int_eq(stats_bargain_started(&store_unit, campaign, 7, 42), DB_OK);
	struct stats_campaign_view view;
	ck_assert_int_eq(stats_campaign(&store_unit, campaign, &view), DB_OK);
	ck_assert_str_eq(view.facts.title, "store test");
	ck_assert_int_eq(view.facts.starts_at, store_unit.now - 3600);
	ck_assert_int_eq(view.totals.value[3], 5); /* helps */
	ck_assert_int_eq(view.totals.value[1], 1); /* bargains_started */
	ck_assert_int_eq(view.totals.value[0], 1); /* participants */
	ck_assert_int_eq(view.facts.by_item_count, 2);
	ck_assert_int_eq(view.facts.item_count, 0);
	/* This hour is the chart's last. */
	ck_assert_int_eq(view.hours[STATS_HOURS - 1].hour_start, store_unit.now - store_unit.now % 3600);
	ck_assert_int_eq(view.hours[STATS_HOURS - 1].helps, 5);
	ck_assert_int_eq(view.hours[0].helps, 0);
}
END_TEST

START_TEST(the_report_has_one_row_per_day_and_campaign)
{
	int64_t campaign = campaign_row();
	ck_assert_int_eq(stats_bump(&store_unit, campaign, 7, "share_opens", 2), DB_OK);
	char today[11];
	stats_local_day(store_unit.now - store_unit.now % 3600, today);
	struct stats_report_row *rows;
	int count;
	ck_assert_int_eq(stats_daily_report(&store_unit, today, today, campaign, &rows, &count), DB_OK);
	ck_assert_int_eq(count, 1);
	ck_assert_str_eq(rows[0].date, today);
	ck_assert_int_eq(rows[0].campaign_id, campaign);
	ck_assert_int_eq(rows[0].counters.value[4], 2); /* share_opens */
	ck_assert_int_eq(stats_daily_report(&store_unit, "2001-01-01", "2001-01-02", campaign, &rows, &count), DB_OK);
	ck_assert_int_eq(count, 0);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("stats_store");
	TCase *bad = tcase_create("refusals");
	tcase_add_checked_fixture(bad, store_setup, store_teardown);
	tcase_add_test(bad, an_unknown_counter_is_refused_and_counts_nothing);
	tcase_add_test(bad, a_missing_campaign_has_no_dashboard);
	suite_add_tcase(suite, bad);
	TCase *counts = tcase_create("counts");
	tcase_add_checked_fixture(counts, store_setup, store_teardown);
	tcase_add_test(counts, bumps_add_up_exactly);
	tcase_add_test(counts, a_participant_counts_once_per_campaign);
	tcase_add_test(counts, the_dashboard_sums_items_orders_and_hours);
	tcase_add_test(counts, the_report_has_one_row_per_day_and_campaign);
	suite_add_tcase(suite, counts);
	return suite;
}
