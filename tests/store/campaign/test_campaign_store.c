/* test_campaign_store.c: fcgi/campaign/campaign_store.c against MariaDB:
 * a missing row is OUT_NOT_FOUND; every stock movement is one guarded
 * update that refuses to pass its guard and keeps
 * left + reserved + sold = total; a price point is written by its one
 * conditional INSERT only when the price in force changes, the future
 * points go and the past stays. */
#include "store.h"

#include "campaign/campaign_store.h"
#include "campaign/price_history.h"
#include "core/outcome.h"

/* A campaign with one item of stock units, inserted through the store. */
static int64_t new_item(int64_t stock)
{
	struct campaign_item *item = arena_alloc(store_unit.arena, sizeof(*item));
	memset(item, 0, sizeof(*item));
	item->name = "store test item";
	item->images = json_array();
	arena_defer(store_unit.arena, (arena_cleanup_fn)json_decref, item->images);
	item->rewards = json_pack("{s:[], s:n, s:[]}", "initiator", "helper", "leaderboard");
	arena_defer(store_unit.arena, (arena_cleanup_fn)json_decref, item->rewards);
	item->original_price_fen = 10000;
	item->floor_price_fen = 100;
	item->stock_total = stock;
	item->rules = (struct campaign_rules){ .cut_min_fen = 1, .cut_max_fen = 10, .self_cuts_per_day = 3,
					       .helps_per_user_per_day = 3, .bargains_per_user = 1,
					       .bargain_ttl_s = 86400, .pay_within_s = 1800 };
	struct campaign campaign = { .title = "store test", .starts_at = store_unit.now - 60,
				     .ends_at = store_unit.now + 3600, .items = item, .item_count = 1 };
	ck_assert_int_eq(campaign_insert(&store_unit, &campaign), DB_OK);
	ck_assert_int_gt(item->id, 0);
	return item->id;
}

/* left, reserved, sold of item. */
static void stock_of(int64_t item_id, int64_t expected_left, int64_t expected_reserved, int64_t expected_sold)
{
	struct campaign_item item;
	ck_assert_int_eq(campaign_item_load(&store_unit, item_id, false, &item), DB_OK);
	ck_assert_int_eq(item.stock_left, expected_left);
	ck_assert_int_eq(item.stock_reserved, expected_reserved);
	ck_assert_int_eq(item.stock_sold, expected_sold);
	ck_assert_int_eq(item.stock_total, item.stock_left + item.stock_reserved + item.stock_sold);
}

START_TEST(missing_rows_are_not_found)
{
	struct campaign campaign;
	struct campaign_item item;
	ck_assert_int_eq(campaign_load(&store_unit, INT64_MAX, false, &campaign), OUT_NOT_FOUND);
	ck_assert_int_eq(campaign_item_load(&store_unit, INT64_MAX, true, &item), OUT_NOT_FOUND);
	ck_assert_int_eq(stock_reserve(&store_unit, INT64_MAX, 1), OUT_OUT_OF_STOCK);
	ck_assert_int_eq(stock_release(&store_unit, INT64_MAX, 1), OUT_CONFLICT);
}
END_TEST

START_TEST(reserving_more_than_is_left_moves_nothing)
{
	int64_t item = new_item(3);
	ck_assert_int_eq(stock_reserve(&store_unit, item, 4), OUT_OUT_OF_STOCK);
	stock_of(item, 3, 0, 0);
}
END_TEST

START_TEST(confirming_release_and_unsell_refuse_more_than_they_hold)
{
	int64_t item = new_item(5);
	ck_assert_int_eq(stock_confirm(&store_unit, item, 1), OUT_CONFLICT);
	ck_assert_int_eq(stock_release(&store_unit, item, 1), OUT_CONFLICT);
	ck_assert_int_eq(stock_unsell(&store_unit, item, 1), OUT_CONFLICT);
	stock_of(item, 5, 0, 0);
}
END_TEST

START_TEST(an_adjustment_never_takes_left_below_zero)
{
	int64_t item = new_item(2);
	ck_assert_int_eq(stock_reserve(&store_unit, item, 1), DB_OK);
	ck_assert_int_eq(stock_adjust(&store_unit, item, -2), OUT_INSUFFICIENT_STOCK);
	stock_of(item, 1, 1, 0);
}
END_TEST

START_TEST(stock_moves_through_its_life)
{
	int64_t item = new_item(10);
	ck_assert_int_eq(stock_reserve(&store_unit, item, 4), DB_OK);
	stock_of(item, 6, 4, 0);
	ck_assert_int_eq(stock_confirm(&store_unit, item, 3), DB_OK);
	stock_of(item, 6, 1, 3);
	ck_assert_int_eq(stock_release(&store_unit, item, 1), DB_OK);
	stock_of(item, 7, 0, 3);
	ck_assert_int_eq(stock_unsell(&store_unit, item, 2), DB_OK);
	stock_of(item, 9, 0, 1);
	ck_assert_int_eq(stock_adjust(&store_unit, item, 5), DB_OK);
	stock_of(item, 14, 0, 1);
	ck_assert_int_eq(stock_adjust(&store_unit, item, -14), DB_OK);
	stock_of(item, 0, 0, 1);
}
END_TEST

START_TEST(a_campaign_loads_with_its_items_and_updates)
{
	int64_t item_id = new_item(1);
	struct campaign_item item;
	ck_assert_int_eq(campaign_item_load(&store_unit, item_id, true, &item), DB_OK);
	struct campaign campaign;
	ck_assert_int_eq(campaign_load(&store_unit, item.campaign_id, false, &campaign), DB_OK);
	ck_assert_int_eq(campaign.item_count, 1);
	ck_assert_int_eq(campaign.items[0].id, item_id);
	ck_assert_str_eq(campaign.items[0].name, "store test item");
	campaign.title = "renamed";
	ck_assert_int_eq(campaign_update(&store_unit, &campaign), DB_OK);
	item.name = "renamed item";
	ck_assert_int_eq(campaign_item_update(&store_unit, &item), DB_OK);
	ck_assert_int_eq(campaign_load(&store_unit, item.campaign_id, false, &campaign), DB_OK);
	ck_assert_str_eq(campaign.title, "renamed");
	ck_assert_str_eq(campaign.items[0].name, "renamed item");
}
END_TEST

/* How many price points item has (after: only those after that time, or all). */
static int64_t points_of(int64_t item_id, int64_t after)
{
	struct db_rows rows;
	store_sql(&rows,
		  "SELECT COUNT(*) FROM item_price_history WHERE item_id = ? "
		  "AND effective_at > TIMESTAMPADD(SECOND, ?, '1970-01-01')",
		  "ii", item_id, after);
	return db_int(&rows, 0, 0);
}

START_TEST(a_price_point_is_written_only_when_the_price_changes)
{
	int64_t item_id = new_item(1), now = store_unit.now;
	ck_assert_int_eq(points_of(item_id, 0), 0);
	struct price_point listed = { .at = now - 100, .price_fen = 10000, .low_7d_fen = PRICE_HISTORY_NONE };
	ck_assert_int_eq(item_price_record(&store_unit, item_id, &listed), DB_OK);
	ck_assert_int_eq(points_of(item_id, 0), 1);
	/* the same price again, later: it is already in force, nothing is written */
	struct price_point again = { .at = now - 50, .price_fen = 10000, .low_7d_fen = PRICE_HISTORY_NONE };
	ck_assert_int_eq(item_price_record(&store_unit, item_id, &again), DB_OK);
	ck_assert_int_eq(points_of(item_id, 0), 1);
	struct price_point cut = { .at = now, .price_fen = 6000, .low_7d_fen = 10000, .promotion_id = 7 };
	ck_assert_int_eq(item_price_record(&store_unit, item_id, &cut), DB_OK);
	ck_assert_int_eq(item_price_record(&store_unit, item_id, &cut), DB_OK);
	ck_assert_int_eq(points_of(item_id, 0), 2);
	/* a point ahead: recorded, but the price in force now is still the cut */
	struct price_point ahead = { .at = now + 3600, .price_fen = 10000, .low_7d_fen = 6000 };
	ck_assert_int_eq(item_price_record(&store_unit, item_id, &ahead), DB_OK);
	ck_assert_int_eq(points_of(item_id, now), 1);
	struct campaign_item item;
	ck_assert_int_eq(campaign_item_load(&store_unit, item_id, false, &item), DB_OK);
	struct item_price_row *rows;
	int count;
	ck_assert_int_eq(item_prices_in_force(&store_unit, item.campaign_id, item_id, item_id, &rows, &count), DB_OK);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(rows[0].point.price_fen, 6000);
	ck_assert_int_eq(rows[0].point.low_7d_fen, 10000);
	ck_assert_int_eq(rows[0].point.promotion_id, 7);
	ck_assert_int_eq(price_was(rows[0].point.price_fen, rows[0].point.low_7d_fen), 10000);
	/* a plan withdrawn: the future goes, the past stays */
	ck_assert_int_eq(item_price_future_clear(&store_unit, item_id, now), DB_OK);
	ck_assert_int_eq(points_of(item_id, now), 0);
	ck_assert_int_eq(points_of(item_id, 0), 2);
}
END_TEST

START_TEST(a_refresh_without_promotions_starts_the_history_once)
{
	int64_t item_id = new_item(1);
	struct campaign_item item;
	ck_assert_int_eq(campaign_item_load(&store_unit, item_id, false, &item), DB_OK);
	ck_assert_int_eq(price_history_refresh(&store_unit, item.campaign_id), DB_OK);
	ck_assert_int_eq(points_of(item_id, 0), 1);
	ck_assert_int_eq(price_history_refresh(&store_unit, item.campaign_id), DB_OK);
	ck_assert_int_eq(points_of(item_id, 0), 1);
	ck_assert_int_eq(price_history_refresh(&store_unit, INT64_MAX), OUT_NOT_FOUND);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("campaign_store");
	TCase *bad = tcase_create("refusals");
	tcase_add_checked_fixture(bad, store_setup, store_teardown);
	tcase_add_test(bad, missing_rows_are_not_found);
	tcase_add_test(bad, reserving_more_than_is_left_moves_nothing);
	tcase_add_test(bad, confirming_release_and_unsell_refuse_more_than_they_hold);
	tcase_add_test(bad, an_adjustment_never_takes_left_below_zero);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("moves");
	tcase_add_checked_fixture(good, store_setup, store_teardown);
	tcase_add_test(good, stock_moves_through_its_life);
	tcase_add_test(good, a_campaign_loads_with_its_items_and_updates);
	suite_add_tcase(suite, good);
	TCase *prices = tcase_create("price history");
	tcase_add_checked_fixture(prices, store_setup, store_teardown);
	tcase_add_test(prices, a_price_point_is_written_only_when_the_price_changes);
	tcase_add_test(prices, a_refresh_without_promotions_starts_the_history_once);
	suite_add_tcase(suite, prices);
	return suite;
}
