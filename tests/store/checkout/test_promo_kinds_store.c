/* test_promo_kinds_store.c: fcgi/checkout/promo_kinds_store.c and the
 * promotion config cache (promotion_cache.c) against MariaDB: a gift's
 * stock that no take passes and that comes back once, an order's points
 * returned once, member levels replaced and a shopper's level from paid
 * spend, and the cache kept while the campaign's promotion_version holds,
 * its counters always read fresh. */
#include "store.h"

#include "checkout/promo_kinds_store.h"
#include "checkout/promotion_cache.h"
#include "checkout/promotion_store.h"
#include "core/outcome.h"
#include "shopper/shopper_store.h"
#include "fixtures.h"

static int64_t fixture_gift_promotion(int64_t campaign)
{
	struct promotion_row row = { .campaign_id = campaign, .kind = "gift", .title = "满就送",
				     .starts_at = store_unit.now - 60, .ends_at = store_unit.now + 60, .enabled = true,
				     .config_json = "{\"gifts\":[{\"name\":\"杯子\",\"stock\":2}]}" };
	int64_t id;
	ck_assert_int_eq(promotion_insert(&store_unit, &row, &id), DB_OK);
	return id;
}

static int64_t gift_given(int64_t campaign, int64_t promotion)
{
	struct db_rows rows;
	ck_assert_int_eq(gift_given_load(&store_unit, campaign, &rows), DB_OK);
	for (int r = 0; r < rows.row_count; r++)
		if (db_int(&rows, r, 0) == promotion)
			return db_int(&rows, r, 2);
	return 0;
}

START_TEST(a_gift_stock_no_take_passes_and_comes_back_once)
{
	int64_t campaign = fixture_campaign(), user = fixture_shopper();
	int64_t promotion = fixture_gift_promotion(campaign);
	int64_t orders[3];
	bool taken;
	for (int i = 0; i < 3; i++) {
		orders[i] = fixture_order(user, campaign, 1000, store_unit.now + 600);
		ck_assert_int_eq(gift_take(&store_unit, orders[i], promotion, 0, 2, "杯子", &taken), DB_OK);
		ck_assert(taken == (i < 2)); /* the third finds the stock gone */
	}
	ck_assert_int_eq(gift_take(&store_unit, orders[2], promotion, 0, 0, "杯子", &taken), DB_OK);
	ck_assert(!taken); /* no stock at all */
	ck_assert_int_eq(gift_given(campaign, promotion), 2);
	struct db_rows rows;
	ck_assert_int_eq(order_gifts_read(&store_unit, orders[0], &rows), DB_OK);
	ck_assert_int_eq(rows.row_count, 1);
	ck_assert_str_eq(db_text(&rows, 0, 1), "杯子");
	ck_assert_int_eq(order_gifts_read(&store_unit, orders[2], &rows), DB_OK);
	ck_assert_int_eq(rows.row_count, 0);
	ck_assert_int_eq(gift_give_back(&store_unit, orders[0]), DB_OK);
	ck_assert_int_eq(gift_give_back(&store_unit, orders[0]), DB_OK); /* a second time changes nothing */
	ck_assert_int_eq(gift_given(campaign, promotion), 1);
	ck_assert_int_eq(gift_take(&store_unit, orders[2], promotion, 0, 2, "杯子", &taken), DB_OK);
	ck_assert(taken);
	ck_assert_int_eq(gift_given(campaign, promotion), 2);
}
END_TEST

START_TEST(an_orders_points_come_back_once)
{
	int64_t campaign = fixture_campaign(), user = fixture_shopper();
	int64_t order = fixture_order(user, campaign, 1000, store_unit.now + 600);
	int64_t owner, points;
	ck_assert_int_eq(order_points_return(&store_unit, order, &owner, &points), DB_OK);
	ck_assert_int_eq(points, 0); /* spent none */
	ck_assert_int_eq(order_points_record(&store_unit, order, user, 1500, 1500), DB_OK);
	ck_assert_int_eq(order_points_read(&store_unit, order, &points), DB_OK);
	ck_assert_int_eq(points, 1500);
	ck_assert_int_eq(order_points_return(&store_unit, order, &owner, &points), DB_OK);
	ck_assert_int_eq(points, 1500);
	ck_assert_int_eq(owner, user);
	ck_assert_int_eq(order_points_return(&store_unit, order, &owner, &points), DB_OK);
	ck_assert_int_eq(points, 0);
	ck_assert_int_eq(order_points_record(&store_unit, order, user, 1, 1), DB_DUPLICATE); /* one row per order */
}
END_TEST

START_TEST(member_levels_and_a_shoppers_level)
{
	static const struct member_level_row levels[] = { { 1, "银卡", 0 }, { 2, "金卡", 10000 } };
	int64_t campaign = fixture_campaign(), user = fixture_shopper();
	ck_assert_int_eq(member_levels_replace(&store_unit, NULL, 0), DB_OK);
	int64_t level;
	const char *name;
	ck_assert_int_eq(member_level_of(&store_unit, user, &level, &name), DB_OK);
	ck_assert_int_eq(level, 0);
	ck_assert_ptr_null(name);
	ck_assert_int_eq(member_levels_replace(&store_unit, levels, 2), DB_OK);
	struct member_level_row *read;
	int count;
	ck_assert_int_eq(member_levels_read(&store_unit, &read, &count), DB_OK);
	ck_assert_int_eq(count, 2);
	ck_assert_str_eq(read[1].name, "金卡");
	ck_assert_int_eq(member_level_of(&store_unit, user, &level, &name), DB_OK);
	ck_assert_int_eq(level, 1);
	/* a pending order does not count, a paid one does */
	int64_t order = fixture_order(user, campaign, 10000, store_unit.now + 600);
	ck_assert_int_eq(member_level_of(&store_unit, user, &level, &name), DB_OK);
	ck_assert_int_eq(level, 1);
	struct db_rows rows;
	store_sql(&rows, "UPDATE orders SET status = 'paid', paid_at = NOW() WHERE id = ?", "i", order);
	ck_assert_int_eq(member_level_of(&store_unit, user, &level, &name), DB_OK);
	ck_assert_int_eq(level, 2);
	ck_assert_str_eq(name, "金卡");
	/* GET /me reads the same level in its one read of the shopper */
	struct shopper_profile profile;
	ck_assert_int_eq(shopper_profile_read(&store_unit, user, &profile), DB_OK);
	ck_assert_int_eq(profile.member_level, 2);
	ck_assert_str_eq(profile.member_level_name, "金卡");
	static const struct member_level_row spaced[] = { { 3, "黑卡 至尊 会员", 0 } };
	ck_assert_int_eq(member_levels_replace(&store_unit, spaced, 1), DB_OK);
	ck_assert_int_eq(shopper_profile_read(&store_unit, user, &profile), DB_OK);
	ck_assert_int_eq(profile.member_level, 3);
	ck_assert_str_eq(profile.member_level_name, "黑卡 至尊 会员");
	ck_assert_int_eq(member_levels_replace(&store_unit, NULL, 0), DB_OK);
	ck_assert_int_eq(shopper_profile_read(&store_unit, user, &profile), DB_OK);
	ck_assert_int_eq(profile.member_level, 0);
	ck_assert_ptr_null(profile.member_level_name);
}
END_TEST

START_TEST(the_cache_holds_while_the_version_does)
{
	promotion_cache_clear();
	int64_t campaign = fixture_campaign(), user = fixture_shopper();
	int64_t first = fixture_gift_promotion(campaign);
	struct promotion_live *live;
	int count;
	ck_assert_int_eq(promotion_cache_live(&store_unit, campaign, 7, user, &live, &count), DB_OK);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(live[0].id, first);
	ck_assert_str_eq(live[0].kind, "gift");
	ck_assert_ptr_nonnull(live[0].config);
	/* a row written behind the version's back is not seen ... */
	int64_t second = fixture_gift_promotion(campaign);
	ck_assert_int_eq(promotion_cache_live(&store_unit, campaign, 7, user, &live, &count), DB_OK);
	ck_assert_int_eq(count, 1);
	/* ... until the version moves */
	ck_assert_int_eq(promotion_cache_live(&store_unit, campaign, 8, user, &live, &count), DB_OK);
	ck_assert_int_eq(count, 2);
	ck_assert_int_eq(live[1].id, second);
	/* the counters of a limited promotion are read every time */
	struct db_rows rows;
	store_sql(&rows, "UPDATE promotion SET limit_total = 5, used_orders = 3 WHERE id = ?", "i", second);
	ck_assert_int_eq(promotion_cache_live(&store_unit, campaign, 9, user, &live, &count), DB_OK);
	ck_assert_int_eq(live[1].limit_total, 5);
	ck_assert_int_eq(live[1].used_orders, 3);
	store_sql(&rows, "UPDATE promotion SET used_orders = 5 WHERE id = ?", "i", second);
	ck_assert_int_eq(promotion_cache_live(&store_unit, campaign, 9, user, &live, &count), DB_OK);
	ck_assert_int_eq(live[1].used_orders, 5);
	ck_assert(promotion_live_exhausted(&live[1]));
	/* out of its window at the unit's now: not live, though cached */
	int64_t now = store_unit.now;
	store_unit.now = now + 61;
	ck_assert_int_eq(promotion_cache_live(&store_unit, campaign, 9, user, &live, &count), DB_OK);
	ck_assert_int_eq(count, 0);
	store_unit.now = now;
	promotion_cache_clear();
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("promo_kinds_store");
	TCase *bad = tcase_create("limits");
	tcase_add_checked_fixture(bad, store_setup, store_teardown);
	tcase_add_test(bad, a_gift_stock_no_take_passes_and_comes_back_once);
	tcase_add_test(bad, an_orders_points_come_back_once);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("config");
	tcase_add_checked_fixture(good, store_setup, store_teardown);
	tcase_add_test(good, member_levels_and_a_shoppers_level);
	tcase_add_test(good, the_cache_holds_while_the_version_does);
	suite_add_tcase(suite, good);
	return suite;
}
