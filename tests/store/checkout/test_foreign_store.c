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
	tcase_add_test(bad, points_reads_for_a_refund);
	suite_add_tcase(suite, bad);
	return suite;
}
