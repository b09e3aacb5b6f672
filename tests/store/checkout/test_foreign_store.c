/* test_foreign_store.c: fcgi/checkout/foreign_store.c (checkout's writes on
 * other features' tables, to be folded into their stores) against
 * MariaDB: a coupon is used only by its owner while valid and once, given
 * back only from its order; a bargain is marked ordered only when
 * succeeded; the points read for a refund. */
#include "store.h"

#include "checkout/foreign_store.h"
#include "core/outcome.h"
#include "fixtures.h"

START_TEST(a_coupon_is_used_only_by_its_owner_while_valid)
{
	int64_t user = fixture_shopper(), other = fixture_shopper(), campaign = fixture_campaign();
	int64_t order = fixture_order(user, campaign, 1000, store_unit.now + 600);
	int64_t coupon = fixture_coupon(user, store_unit.now - 60, store_unit.now + 60);
	int64_t expired = fixture_coupon(user, store_unit.now - 60, store_unit.now);
	int64_t early = fixture_coupon(user, store_unit.now + 1, store_unit.now + 60);
	ck_assert_int_eq(coupon_use(&store_unit, coupon, other, order), OUT_COUPON_NOT_APPLICABLE);
	ck_assert_int_eq(coupon_use(&store_unit, expired, user, order), OUT_COUPON_NOT_APPLICABLE);
	ck_assert_int_eq(coupon_use(&store_unit, early, user, order), OUT_COUPON_NOT_APPLICABLE);
	ck_assert_int_eq(coupon_use(&store_unit, INT64_MAX, user, order), OUT_COUPON_NOT_APPLICABLE);
	ck_assert_int_eq(coupon_use(&store_unit, coupon, user, order), DB_OK);
	ck_assert_int_eq(coupon_use(&store_unit, coupon, user, order), OUT_COUPON_NOT_APPLICABLE); /* once */
	struct price_coupon read;
	ck_assert_int_eq(coupon_for_order(&store_unit, coupon, other, &read), DB_OK);
	ck_assert(!read.available); /* another's reads as none */
	ck_assert_int_eq(coupon_for_order(&store_unit, coupon, user, &read), DB_OK);
	ck_assert(!read.available); /* used */
	int64_t uses;
	ck_assert_int_eq(coupon_uses_in_campaign(&store_unit, user, campaign, &uses), DB_OK);
	ck_assert_int_eq(uses, 1);
	ck_assert_int_eq(coupon_give_back(&store_unit, order + 1), DB_OK); /* another order's: nothing */
	ck_assert_int_eq(coupon_for_order(&store_unit, coupon, user, &read), DB_OK);
	ck_assert(!read.available);
	ck_assert_int_eq(coupon_give_back(&store_unit, order), DB_OK);
	ck_assert_int_eq(coupon_for_order(&store_unit, coupon, user, &read), DB_OK);
	ck_assert(read.available);
	ck_assert_int_eq(read.amount_fen, 500);
}
END_TEST

START_TEST(only_a_succeeded_bargain_is_marked_ordered)
{
	int64_t user = fixture_shopper();
	ck_assert_int_eq(bargain_mark_ordered(&store_unit, INT64_MAX, user), OUT_BARGAIN_NOT_SUCCEEDED);
	struct promotion_bargain bargain;
	ck_assert_int_eq(bargain_for_order(&store_unit, INT64_MAX, &bargain), DB_OK);
	ck_assert(!bargain.found);
}
END_TEST

/* A succeeded bargain of user_id on a new item of campaign_id that expires
 * at expires (succeeded an hour ago, 600 s to pay); its id. */
static int64_t fixture_bargain(int64_t user_id, int64_t campaign_id, int64_t expires)
{
	struct db_rows rows;
	store_sql(&rows,
		  "INSERT INTO campaign_item (campaign_id, name, images_json, original_price_fen, floor_price_fen, "
		  "stock_total, stock_left, cut_min_fen, cut_max_fen, self_cuts_per_day, helps_per_user_per_day, "
		  "bargains_per_user, bargain_ttl_s, pay_within_s, rewards_json, created_at, updated_at) VALUES "
		  "(?, 'item', '[]', 1000, 500, 5, 5, 100, 200, 3, 3, 1, 86400, 600, '{}', NOW(), NOW())",
		  "i", campaign_id);
	int64_t item = (int64_t)rows.insert_id;
	store_sql(&rows,
		  "INSERT INTO bargain (campaign_id, item_id, user_id, status, share_code, original_price_fen, "
		  "floor_price_fen, current_price_fen, cut_total_fen, cut_min_fen, cut_max_fen, self_cuts_per_day, "
		  "helps_per_user_per_day, pay_within_s, rewards_json, started_at, expires_at, succeeded_at) VALUES "
		  "(?, ?, ?, 'succeeded', LEFT(MD5(RAND()), 16), 1000, 500, 500, 500, 100, 200, 3, 3, 600, '{}', "
		  "FROM_UNIXTIME(?) - INTERVAL 2 HOUR, FROM_UNIXTIME(?), FROM_UNIXTIME(?) - INTERVAL 1 HOUR)",
		  "iiiiii", campaign_id, item, user_id, store_unit.now, expires, store_unit.now);
	return (int64_t)rows.insert_id;
}

START_TEST(a_bargain_is_given_back_only_from_ordered_and_within_its_window)
{
	int64_t user = fixture_shopper(), other = fixture_shopper(), campaign = fixture_campaign();
	int64_t bargain = fixture_bargain(user, campaign, store_unit.now + 60);
	struct promotion_bargain read;
	ck_assert_int_eq(bargain_for_order(&store_unit, bargain, &read), DB_OK);
	ck_assert(read.succeeded);
	ck_assert_int_eq(read.pay_window_end, store_unit.now + 60); /* its expiry: later than success + 600 s */
	/* not ordered: nothing to give back */
	ck_assert_int_eq(bargain_unmark_ordered(&store_unit, bargain, user), DB_OK);
	ck_assert_int_eq(bargain_mark_ordered(&store_unit, bargain, other), OUT_BARGAIN_NOT_SUCCEEDED);
	ck_assert_int_eq(bargain_mark_ordered(&store_unit, bargain, user), DB_OK);
	ck_assert_int_eq(bargain_mark_ordered(&store_unit, bargain, user), OUT_BARGAIN_NOT_SUCCEEDED); /* once */
	ck_assert_int_eq(bargain_unmark_ordered(&store_unit, bargain, other), DB_OK); /* another's: nothing */
	ck_assert_int_eq(bargain_for_order(&store_unit, bargain, &read), DB_OK);
	ck_assert(!read.succeeded);
	ck_assert_int_eq(bargain_unmark_ordered(&store_unit, bargain, user), DB_OK);
	ck_assert_int_eq(bargain_for_order(&store_unit, bargain, &read), DB_OK);
	ck_assert(read.succeeded);
	ck_assert_int_eq(bargain_mark_ordered(&store_unit, bargain, user), DB_OK); /* orderable again */
	/* past its window: closed, not succeeded */
	int64_t late = fixture_bargain(user, campaign, store_unit.now);
	ck_assert_int_eq(bargain_mark_ordered(&store_unit, late, user), DB_OK);
	ck_assert_int_eq(bargain_unmark_ordered(&store_unit, late, user), DB_OK);
	ck_assert_int_eq(bargain_for_order(&store_unit, late, &read), DB_OK);
	ck_assert(!read.succeeded);
	struct db_rows rows;
	store_sql(&rows, "SELECT status, open_slot IS NULL FROM bargain WHERE id = ?", "i", late);
	ck_assert_str_eq(db_text(&rows, 0, 0), "expired");
	ck_assert_int_eq(db_int(&rows, 0, 1), 1);
}
END_TEST

START_TEST(points_reads_for_a_refund)
{
	int64_t user = fixture_shopper();
	int64_t earned = -1;
	ck_assert_int_eq(points_earned_for_order(&store_unit, INT64_MAX, &earned), DB_OK);
	ck_assert_int_eq(earned, 0);
	bool found;
	int64_t balance;
	ck_assert_int_eq(shopper_lock_points(&store_unit, INT64_MAX, &found, &balance), DB_OK);
	ck_assert(!found);
	ck_assert_int_eq(shopper_lock_points(&store_unit, user, &found, &balance), DB_OK);
	ck_assert(found);
	ck_assert_int_eq(balance, 0);
	ck_assert_int_eq(shopper_lock(&store_unit, user), DB_OK);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("foreign_store");
	TCase *bad = tcase_create("guards");
	tcase_add_checked_fixture(bad, store_setup, store_teardown);
	tcase_add_test(bad, a_coupon_is_used_only_by_its_owner_while_valid);
	tcase_add_test(bad, only_a_succeeded_bargain_is_marked_ordered);
	tcase_add_test(bad, a_bargain_is_given_back_only_from_ordered_and_within_its_window);
	tcase_add_test(bad, points_reads_for_a_refund);
	suite_add_tcase(suite, bad);
	return suite;
}
