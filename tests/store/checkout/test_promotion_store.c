/* test_promotion_store.c: fcgi/checkout/promotion_store.c against
 * MariaDB: bad tiers and rules refused, unknown campaigns refused, then
 * tiers set, replaced, read by spend and cleared; rules set and read. */
#include "store.h"

#include "checkout/promotion_store.h"
#include "core/outcome.h"
#include "fixtures.h"

START_TEST(bad_tiers_and_rules_are_refused)
{
	int64_t campaign = fixture_campaign();
	ck_assert_int_eq(full_reduction_tier_set(&store_unit, campaign, 1000, 0), OUT_UNPROCESSABLE_FIELD);
	ck_assert_int_eq(full_reduction_tier_set(&store_unit, campaign, -1, 10), OUT_UNPROCESSABLE_FIELD);
	ck_assert_int_eq(full_reduction_tier_set(&store_unit, INT64_MAX, 1000, 10), OUT_UNPROCESSABLE_FIELD);
	ck_assert_int_eq(checkout_rules_set(&store_unit, campaign, false, -1), OUT_UNPROCESSABLE_FIELD);
	ck_assert_int_eq(checkout_rules_set(&store_unit, INT64_MAX, true, 0), OUT_UNPROCESSABLE_FIELD);
	struct price_tier tiers[PRICE_TIERS_MAX];
	int count = -1;
	ck_assert_int_eq(full_reduction_tiers_load(&store_unit, campaign, tiers, &count), DB_OK);
	ck_assert_int_eq(count, 0);
}
END_TEST

START_TEST(without_a_row_the_rules_are_one_coupon_and_no_limit)
{
	int64_t campaign = fixture_campaign();
	struct price_rules rules = { .coupons_stackable = true, .coupon_uses_per_customer = 9 };
	ck_assert_int_eq(checkout_rules_load(&store_unit, campaign, &rules), DB_OK);
	ck_assert(!rules.coupons_stackable);
	ck_assert_int_eq(rules.coupon_uses_per_customer, 0);
}
END_TEST

START_TEST(tiers_are_set_replaced_read_and_cleared)
{
	int64_t campaign = fixture_campaign();
	ck_assert_int_eq(full_reduction_tier_set(&store_unit, campaign, 30000, 4000), DB_OK);
	ck_assert_int_eq(full_reduction_tier_set(&store_unit, campaign, 10000, 1000), DB_OK);
	ck_assert_int_eq(full_reduction_tier_set(&store_unit, campaign, 30000, 5000), DB_OK); /* replaced */
	struct price_tier tiers[PRICE_TIERS_MAX];
	int count;
	ck_assert_int_eq(full_reduction_tiers_load(&store_unit, campaign, tiers, &count), DB_OK);
	ck_assert_int_eq(count, 2);
	ck_assert_int_eq(tiers[0].min_spend_fen, 10000);
	ck_assert_int_eq(tiers[1].min_spend_fen, 30000);
	ck_assert_int_eq(tiers[1].off_fen, 5000);
	ck_assert_int_eq(full_reduction_tiers_clear(&store_unit, campaign), DB_OK);
	ck_assert_int_eq(full_reduction_tiers_load(&store_unit, campaign, tiers, &count), DB_OK);
	ck_assert_int_eq(count, 0);
}
END_TEST

START_TEST(rules_are_set_and_read)
{
	int64_t campaign = fixture_campaign();
	struct price_rules rules;
	ck_assert_int_eq(checkout_rules_set(&store_unit, campaign, true, 2), DB_OK);
	ck_assert_int_eq(checkout_rules_load(&store_unit, campaign, &rules), DB_OK);
	ck_assert(rules.coupons_stackable);
	ck_assert_int_eq(rules.coupon_uses_per_customer, 2);
	ck_assert_int_eq(checkout_rules_set(&store_unit, campaign, false, 0), DB_OK); /* no limit: NULL */
	ck_assert_int_eq(checkout_rules_load(&store_unit, campaign, &rules), DB_OK);
	ck_assert(!rules.coupons_stackable);
	ck_assert_int_eq(rules.coupon_uses_per_customer, 0);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("promotion_store");
	TCase *bad = tcase_create("refusals");
	tcase_add_checked_fixture(bad, store_setup, store_teardown);
	tcase_add_test(bad, bad_tiers_and_rules_are_refused);
	tcase_add_test(bad, without_a_row_the_rules_are_one_coupon_and_no_limit);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("config");
	tcase_add_checked_fixture(good, store_setup, store_teardown);
	tcase_add_test(good, tiers_are_set_replaced_read_and_cleared);
	tcase_add_test(good, rules_are_set_and_read);
	suite_add_tcase(suite, good);
	return suite;
}
