/* test_promotion_store.c: fcgi/checkout/promotion_store.c against
 * MariaDB: bad tiers and rules refused, unknown campaigns refused, then
 * tiers set, replaced, read by spend and cleared; rules set and read, all
 * through the campaign read every cart makes, whose budget is the budget's
 * own read. */
#include "store.h"

#include "checkout/promotion_kinds_store.h"
#include "checkout/promotion_store.h"
#include "core/outcome.h"
#include "fixtures.h"

/* promotion_campaign_read() of campaign into tiers and *rules; the budget
 * read with it into *budget and *pairs when they are not NULL. */
static void campaign_read(int64_t campaign, struct price_tier *tiers, struct price_rules *rules,
			  struct promotion_budget *budget, const char **pairs)
{
	struct promotion_budget ignored_budget;
	const char *ignored_pairs;
	ck_assert_int_eq(promotion_campaign_read(&store_unit, campaign, tiers, rules, budget ? budget : &ignored_budget,
						 pairs ? pairs : &ignored_pairs),
			 DB_OK);
}

START_TEST(bad_tiers_and_rules_are_refused)
{
	int64_t campaign = fixture_campaign();
	ck_assert_int_eq(full_reduction_tier_set(&store_unit, campaign, 1000, 0), OUT_UNPROCESSABLE_FIELD);
	ck_assert_int_eq(full_reduction_tier_set(&store_unit, campaign, -1, 10), OUT_UNPROCESSABLE_FIELD);
	ck_assert_int_eq(full_reduction_tier_set(&store_unit, INT64_MAX, 1000, 10), OUT_UNPROCESSABLE_FIELD);
	ck_assert_int_eq(checkout_rules_set(&store_unit, campaign, false, -1), OUT_UNPROCESSABLE_FIELD);
	ck_assert_int_eq(checkout_rules_set(&store_unit, INT64_MAX, true, 0), OUT_UNPROCESSABLE_FIELD);
	struct price_tier tiers[PRICE_TIERS_MAX];
	struct price_rules rules = { .tier_count = -1 };
	campaign_read(campaign, tiers, &rules, NULL, NULL);
	ck_assert_int_eq(rules.tier_count, 0);
}
END_TEST

START_TEST(without_a_row_the_rules_are_one_coupon_and_no_limit)
{
	int64_t campaign = fixture_campaign();
	struct price_tier tiers[PRICE_TIERS_MAX];
	struct price_rules rules = { .coupons_stackable = true, .coupon_uses_per_customer = 9 };
	campaign_read(campaign, tiers, &rules, NULL, NULL);
	ck_assert(!rules.coupons_stackable);
	ck_assert_int_eq(rules.coupon_uses_per_customer, 0);
}
END_TEST

static int64_t fixture_promotion(int64_t campaign, int64_t starts, int64_t ends, bool enabled)
{
	struct promotion_row row = { .campaign_id = campaign, .kind = "timed_discount", .title = "限时",
				     .starts_at = starts, .ends_at = ends, .enabled = enabled,
				     .config_json = "{\"items\":[{\"item_id\":1,\"percent\":50}]}", .limit_total = 3 };
	int64_t id;
	ck_assert_int_eq(promotion_insert(&store_unit, &row, &id), DB_OK);
	return id;
}

START_TEST(only_live_promotions_load_and_a_used_one_is_disabled_not_deleted)
{
	int64_t campaign = fixture_campaign(), user = fixture_shopper();
	int64_t now = store_unit.now;
	int64_t live = fixture_promotion(campaign, now - 60, now + 60, true);
	fixture_promotion(campaign, now + 1, now + 60, true);  /* not started */
	fixture_promotion(campaign, now - 60, now, true);      /* ended */
	fixture_promotion(campaign, now - 60, now + 60, false); /* disabled */
	struct promotion_live *rows;
	int count;
	ck_assert_int_eq(promotions_live_load(&store_unit, campaign, user, &rows, &count), DB_OK);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(rows[0].id, live);
	ck_assert_str_eq(rows[0].kind, "timed_discount");
	ck_assert_ptr_nonnull(rows[0].config);
	struct promotion_row row;
	ck_assert_int_eq(promotion_read(&store_unit, INT64_MAX, false, &row), OUT_NOT_FOUND);
	ck_assert_int_eq(promotion_read(&store_unit, live, true, &row), DB_OK);
	ck_assert_int_eq(row.limit_total, 3);
	ck_assert_int_eq(row.limit_per_user, 0);
	ck_assert_int_eq(row.used_count, 0);
	/* used by an order: counted while the order stands, then never deleted */
	int64_t order = fixture_order(user, campaign, 1000, now + 600);
	ck_assert_int_eq(order_promotion_insert(&store_unit, order, live, 250, 0), DB_OK);
	ck_assert_int_eq(order_promotion_insert(&store_unit, order, live, 250, 0), DB_DUPLICATE); /* once per order */
	ck_assert_int_eq(promotion_read(&store_unit, live, false, &row), DB_OK);
	ck_assert_int_eq(row.used_count, 1);
	ck_assert_int_eq(row.used_subsidy_fen, 250);
	ck_assert_int_eq(order_cancelled_mark(&store_unit, order, user), DB_OK);
	ck_assert_int_eq(promotion_read(&store_unit, live, false, &row), DB_OK);
	ck_assert_int_eq(row.used_count, 0);
	ck_assert_int_eq(promotion_delete_or_disable(&store_unit, live), OUT_IN_USE);
	ck_assert_int_eq(promotion_read(&store_unit, live, false, &row), DB_OK);
	ck_assert(!row.enabled);
	int64_t unused = fixture_promotion(campaign, now - 60, now + 60, true);
	ck_assert_int_eq(promotion_delete_or_disable(&store_unit, unused), DB_OK);
	ck_assert_int_eq(promotion_read(&store_unit, unused, false, &row), OUT_NOT_FOUND);
}
END_TEST

START_TEST(limits_are_counters_that_stop_at_their_limit_and_come_back_once)
{
	int64_t campaign = fixture_campaign(), alice = fixture_shopper(), bob = fixture_shopper();
	int64_t now = store_unit.now;
	int64_t id = fixture_promotion(campaign, now - 60, now + 60, true); /* limits.total 3 */
	/* per user 2: alice twice, then refused; the total is 3 */
	ck_assert_int_eq(promotion_take(&store_unit, id, alice, 3, 2), DB_OK);
	ck_assert_int_eq(promotion_take(&store_unit, id, alice, 3, 2), DB_OK);
	ck_assert_int_eq(promotion_take(&store_unit, id, bob, 3, 2), DB_OK);
	ck_assert_int_eq(promotion_take(&store_unit, id, bob, 3, 2), OUT_CONFLICT); /* the total */
	struct promotion_live *rows;
	int count;
	ck_assert_int_eq(promotions_live_load(&store_unit, campaign, alice, &rows, &count), DB_OK);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(rows[0].used_orders, 3);
	ck_assert_int_eq(rows[0].user_uses, 2);
	ck_assert(promotion_live_exhausted(&rows[0]));
	/* an order that took both counters gives both back, once */
	int64_t order = fixture_order(alice, campaign, 1000, now + 600);
	ck_assert_int_eq(order_promotion_insert(&store_unit, order, id, 100,
						PROMOTION_COUNTED_TOTAL | PROMOTION_COUNTED_PER_USER), DB_OK);
	ck_assert_int_eq(promotion_give_back_uses(&store_unit, order, alice), DB_OK);
	ck_assert_int_eq(promotions_live_load(&store_unit, campaign, alice, &rows, &count), DB_OK);
	ck_assert_int_eq(rows[0].used_orders, 2);
	ck_assert_int_eq(rows[0].user_uses, 1);
	ck_assert(!promotion_live_exhausted(&rows[0]));
	ck_assert_int_eq(promotion_take(&store_unit, id, alice, 3, 2), DB_OK);
	ck_assert_int_eq(promotion_take(&store_unit, id, alice, 3, 2), OUT_CONFLICT);
}
END_TEST

START_TEST(tiers_are_set_replaced_read_and_cleared)
{
	int64_t campaign = fixture_campaign();
	ck_assert_int_eq(full_reduction_tier_set(&store_unit, campaign, 30000, 4000), DB_OK);
	ck_assert_int_eq(full_reduction_tier_set(&store_unit, campaign, 10000, 1000), DB_OK);
	ck_assert_int_eq(full_reduction_tier_set(&store_unit, campaign, 30000, 5000), DB_OK); /* replaced */
	struct price_tier tiers[PRICE_TIERS_MAX];
	struct price_rules rules;
	campaign_read(campaign, tiers, &rules, NULL, NULL);
	ck_assert_int_eq(rules.tier_count, 2);
	ck_assert_int_eq(tiers[0].min_spend_fen, 10000);
	ck_assert_int_eq(tiers[1].min_spend_fen, 30000);
	ck_assert_int_eq(tiers[1].off_fen, 5000);
	ck_assert_int_eq(full_reduction_tiers_clear(&store_unit, campaign), DB_OK);
	campaign_read(campaign, tiers, &rules, NULL, NULL);
	ck_assert_int_eq(rules.tier_count, 0);
}
END_TEST

START_TEST(rules_are_set_and_read)
{
	int64_t campaign = fixture_campaign();
	struct price_tier tiers[PRICE_TIERS_MAX];
	struct price_rules rules;
	ck_assert_int_eq(checkout_rules_set(&store_unit, campaign, true, 2), DB_OK);
	campaign_read(campaign, tiers, &rules, NULL, NULL);
	ck_assert(rules.coupons_stackable);
	ck_assert_int_eq(rules.coupon_uses_per_customer, 2);
	ck_assert_int_eq(checkout_rules_set(&store_unit, campaign, false, 0), DB_OK); /* no limit: NULL */
	campaign_read(campaign, tiers, &rules, NULL, NULL);
	ck_assert(!rules.coupons_stackable);
	ck_assert_int_eq(rules.coupon_uses_per_customer, 0);
}
END_TEST

/* The campaign read's budget is what the budget's own read gives. */
static void campaign_budget_matches_its_own_read(int64_t campaign)
{
	struct price_tier tiers[PRICE_TIERS_MAX];
	struct price_rules rules;
	struct promotion_budget one_budget, all_budget;
	const char *one_pairs, *all_pairs = "x";
	ck_assert_int_eq(campaign_budget_read(&store_unit, campaign, false, &one_budget, &one_pairs), DB_OK);
	campaign_read(campaign, tiers, &rules, &all_budget, &all_pairs);
	ck_assert_int_eq(all_budget.found, one_budget.found);
	ck_assert_int_eq(all_budget.has_budget, one_budget.has_budget);
	ck_assert_int_eq(all_budget.budget_fen, one_budget.budget_fen);
	ck_assert_int_eq(all_budget.spent_fen, one_budget.spent_fen);
	if (one_pairs == NULL)
		ck_assert_ptr_null(all_pairs);
	else
		ck_assert_str_eq(all_pairs, one_pairs);
}

START_TEST(the_campaign_read_gives_tiers_rules_and_budget_in_one)
{
	int64_t campaign = fixture_campaign();
	struct price_tier tiers[PRICE_TIERS_MAX];
	struct price_rules rules = { .tier_count = -1, .coupons_stackable = true, .coupon_uses_per_customer = 9 };
	struct promotion_budget budget;
	const char *pairs = "x";
	campaign_read(campaign, tiers, &rules, &budget, &pairs); /* nothing set */
	ck_assert_int_eq(rules.tier_count, 0);
	ck_assert(!rules.coupons_stackable);
	ck_assert_int_eq(rules.coupon_uses_per_customer, 0);
	ck_assert(!budget.found);
	ck_assert_ptr_null(pairs);
	campaign_budget_matches_its_own_read(campaign);
	for (int64_t t = 21; t >= 1; t--) /* one tier more than are read */
		ck_assert_int_eq(full_reduction_tier_set(&store_unit, campaign, t * 1000, t * 10), DB_OK);
	ck_assert_int_eq(checkout_rules_set(&store_unit, campaign, true, 3), DB_OK);
	ck_assert_int_eq(campaign_budget_write(&store_unit, campaign, true, true, 500000,
					       "[[\"coupon\",\"full_reduction\"]]"), DB_OK);
	campaign_read(campaign, tiers, &rules, &budget, &pairs);
	ck_assert_int_eq(rules.tier_count, PRICE_TIERS_MAX); /* the lowest 20, by minimum spend */
	for (int t = 0; t < PRICE_TIERS_MAX; t++) {
		ck_assert_int_eq(tiers[t].min_spend_fen, (t + 1) * 1000);
		ck_assert_int_eq(tiers[t].off_fen, (t + 1) * 10);
	}
	ck_assert(rules.coupons_stackable);
	ck_assert_int_eq(rules.coupon_uses_per_customer, 3);
	ck_assert(budget.found && budget.has_budget);
	ck_assert_int_eq(budget.budget_fen, 500000);
	ck_assert_str_eq(pairs, "[[\"coupon\",\"full_reduction\"]]");
	campaign_budget_matches_its_own_read(campaign);
	ck_assert_int_eq(campaign_budget_write(&store_unit, campaign, true, false, 0, NULL), DB_OK); /* unlimited */
	campaign_budget_matches_its_own_read(campaign);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("promotion_store");
	TCase *bad = tcase_create("refusals");
	tcase_add_checked_fixture(bad, store_setup, store_teardown);
	tcase_add_test(bad, bad_tiers_and_rules_are_refused);
	tcase_add_test(bad, without_a_row_the_rules_are_one_coupon_and_no_limit);
	tcase_add_test(bad, only_live_promotions_load_and_a_used_one_is_disabled_not_deleted);
	tcase_add_test(bad, limits_are_counters_that_stop_at_their_limit_and_come_back_once);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("config");
	tcase_add_checked_fixture(good, store_setup, store_teardown);
	tcase_add_test(good, tiers_are_set_replaced_read_and_cleared);
	tcase_add_test(good, rules_are_set_and_read);
	tcase_add_test(good, the_campaign_read_gives_tiers_rules_and_budget_in_one);
	suite_add_tcase(suite, good);
	return suite;
}
