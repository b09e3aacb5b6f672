/* test_promotion.c: unit tests of fcgi/checkout/promotion.c and its kinds
 * (promo_*.c): the registry's rows in API.md's order, each kind's admin
 * config refused where it is wrong (failure cases first), and the engine
 * applying the kinds in that order. */
#include <stdio.h>
#include <string.h>

#include "checkout/promotion.h"
#include "core/outcome.h"
#include "unit.h"

#define NOW 1800000000LL

static bool valid(const char *kind, const char *text, const char **message)
{
	const struct promotion_kind *row = promotion_kind_find(kind);
	ck_assert_ptr_nonnull(row);
	ck_assert_ptr_nonnull(row->validate);
	json_error_t error;
	json_t *config = json_loads(text, 0, &error);
	ck_assert_ptr_nonnull(config);
	*message = NULL;
	bool result = row->validate(config, message);
	json_decref(config);
	return result;
}

START_TEST(bad_full_reduction_configs_name_their_field)
{
	const char *message;
	ck_assert(!valid("full_reduction", "{}", &message));
	ck_assert_str_eq(message, "config.tiers");
	ck_assert(!valid("full_reduction", "{\"tiers\": []}", &message));
	ck_assert(!valid("full_reduction", "{\"tiers\": [{\"threshold_fen\": 100}]}", &message));
	ck_assert_str_eq(message, "config.tiers");
	ck_assert(!valid("full_reduction", "{\"tiers\": [{\"threshold_fen\": 100, \"off_fen\": 0}]}", &message));
	ck_assert_str_eq(message, "config.tiers.off_fen");
	ck_assert(!valid("full_reduction", "{\"tiers\": [{\"threshold_fen\": -1, \"off_fen\": 5}]}", &message));
	ck_assert_str_eq(message, "config.tiers.threshold_fen");
	ck_assert(!valid("full_reduction",
			 "{\"tiers\": [{\"threshold_fen\": 100, \"off_fen\": 5}, {\"threshold_fen\": 100, \"off_fen\": 9}]}",
			 &message));
	ck_assert_str_eq(message, "config.tiers.threshold_fen");
	ck_assert(!valid("full_reduction",
			 "{\"tiers\": [{\"threshold_fen\": 100, \"off_fen\": 5, \"extra\": 1}]}", &message));
	ck_assert(!valid("full_reduction", "{\"tiers\": [{\"threshold_fen\": 100, \"off_fen\": 5}], \"x\": 1}",
			 &message));
	ck_assert_str_eq(message, "config");
	ck_assert(!valid("full_reduction",
			 "{\"tiers\": [{\"threshold_fen\": 100, \"off_fen\": 5}], \"repeat\": 1}", &message));
	ck_assert_str_eq(message, "config.repeat");
	ck_assert(!valid("full_reduction",
			 "{\"tiers\": [{\"threshold_fen\": 100, \"off_fen\": 5}, {\"threshold_fen\": 200, \"off_fen\": 9}], "
			 "\"repeat\": true}", &message));
	ck_assert_str_eq(message, "config.tiers"); /* repeat is one tier */
	ck_assert(!valid("full_reduction",
			 "{\"tiers\": [{\"threshold_fen\": 0, \"off_fen\": 5}], \"repeat\": true}", &message));
	ck_assert_str_eq(message, "config.tiers.threshold_fen");
	ck_assert(!valid("full_reduction", "{\"tiers\": [{\"threshold_fen\": 100, \"off_fen\": 5}], \"cap_fen\": 0}",
			 &message));
	ck_assert_str_eq(message, "config.cap_fen");
	ck_assert(!valid("full_reduction",
			 "{\"tiers\": [{\"threshold_fen\": 100, \"off_fen\": 5}], \"item_ids\": [1, 1]}", &message));
	ck_assert_str_eq(message, "config.item_ids");
	ck_assert(!valid("full_reduction", "{\"tiers\": [{\"threshold_fen\": 100, \"off_fen\": 5}], \"item_ids\": []}",
			 &message));
	ck_assert_str_eq(message, "config.item_ids");
}
END_TEST

/* A coupon on the promotion resource is a template (coupon_template.h). */
START_TEST(bad_coupon_configs_name_their_field)
{
	const char *message;
	ck_assert(!valid("coupon", "{}", &message));
	ck_assert_str_eq(message, "config.amount_fen");
	ck_assert(!valid("coupon", "{\"amount_fen\": 0}", &message));
	ck_assert_str_eq(message, "config.amount_fen");
	ck_assert(!valid("coupon", "{\"amount_fen\": \"500\"}", &message));
	ck_assert_str_eq(message, "config.amount_fen");
	ck_assert(!valid("coupon", "{\"amount_fen\": 500, \"min_spend_fen\": -1}", &message));
	ck_assert_str_eq(message, "config.min_spend_fen");
	ck_assert(!valid("coupon", "{\"amount_fen\": 500, \"valid_days\": 0}", &message));
	ck_assert_str_eq(message, "config.valid_days");
	ck_assert(!valid("coupon", "{\"amount_fen\": 500, \"valid_days\": 3651}", &message));
	ck_assert_str_eq(message, "config.valid_days");
	ck_assert(!valid("coupon", "{\"amount_fen\": 500, \"item_ids\": []}", &message));
	ck_assert_str_eq(message, "config.item_ids");
	ck_assert(!valid("coupon", "{\"amount_fen\": 500, \"item_ids\": [1, 2]}", &message));
	ck_assert_str_eq(message, "config.item_ids"); /* a coupon row has one item scope */
	ck_assert(!valid("coupon", "{\"amount_fen\": 500, \"claimable\": 1}", &message));
	ck_assert_str_eq(message, "config.claimable");
	ck_assert(!valid("coupon", "{\"amount_fen\": 500, \"coupons_stackable\": true}", &message));
	ck_assert_str_eq(message, "config");
}
END_TEST

START_TEST(bad_presale_configs_name_their_field)
{
	const char *message;
	const char *window = "\"final_starts_at\": \"2027-01-01T00:00:00Z\", \"final_ends_at\": \"2027-01-02T00:00:00Z\"";
	char text[512];
	ck_assert(!valid("presale", "{}", &message));
	ck_assert_str_eq(message, "config.item_id");
	snprintf(text, sizeof(text), "{\"item_id\": 3, \"deposit_fen\": 0, \"deposit_value_fen\": 100, %s}", window);
	ck_assert(!valid("presale", text, &message));
	ck_assert_str_eq(message, "config.deposit_fen");
	snprintf(text, sizeof(text), "{\"item_id\": 3, \"deposit_fen\": 10000, \"deposit_value_fen\": 9999, %s}",
		 window);
	ck_assert(!valid("presale", text, &message));
	ck_assert_str_eq(message, "config.deposit_value_fen"); /* it counts at least what was paid */
	ck_assert(!valid("presale",
			 "{\"item_id\": 3, \"deposit_fen\": 100, \"deposit_value_fen\": 200, "
			 "\"final_starts_at\": \"2027-01-02T00:00:00Z\", \"final_ends_at\": \"2027-01-02T00:00:00Z\"}",
			 &message));
	ck_assert_str_eq(message, "config.final_ends_at");
	ck_assert(!valid("presale",
			 "{\"item_id\": 3, \"deposit_fen\": 100, \"deposit_value_fen\": 200, "
			 "\"final_starts_at\": \"soon\", \"final_ends_at\": \"2027-01-02T00:00:00Z\"}",
			 &message));
	ck_assert_str_eq(message, "config.final_starts_at");
	snprintf(text, sizeof(text), "{\"item_id\": 3, \"deposit_fen\": 100, \"deposit_value_fen\": 200, \"x\": 1, %s}",
		 window);
	ck_assert(!valid("presale", text, &message));
	ck_assert_str_eq(message, "config");
	ck_assert(!valid("share_reward", "{}", &message));
	ck_assert_str_eq(message, "config.coupon_promotion_id");
	ck_assert(!valid("share_reward", "{\"coupon_promotion_id\": 0}", &message));
	ck_assert_str_eq(message, "config.coupon_promotion_id");
	ck_assert(!valid("share_reward", "{\"coupon_promotion_id\": 4, \"points\": 5}", &message));
	ck_assert_str_eq(message, "config");
}
END_TEST

START_TEST(an_unknown_kind_has_no_row)
{
	ck_assert_ptr_null(promotion_kind_find("nonsense")); /* gift is a kind since issue 14 */
	ck_assert_ptr_null(promotion_kind_find(""));
}
END_TEST

START_TEST(good_configs_pass)
{
	const char *message;
	ck_assert(valid("full_reduction",
			"{\"tiers\": [{\"threshold_fen\": 30000, \"off_fen\": 4000}, {\"threshold_fen\": 0, \"off_fen\": 1}]}",
			&message));
	ck_assert(valid("full_reduction",
			"{\"tiers\": [{\"threshold_fen\": 10000, \"off_fen\": 1000}], \"repeat\": true, \"cap_fen\": 5000, "
			"\"item_ids\": [3, 4]}",
			&message));
	ck_assert(valid("coupon", "{\"amount_fen\": 500}", &message));
	ck_assert(valid("coupon", "{\"amount_fen\": 4000, \"min_spend_fen\": 30000, \"valid_days\": 7, "
			"\"item_ids\": null, \"claimable\": false}",
			&message));
	ck_assert(valid("coupon", "{\"amount_fen\": 500, \"item_ids\": [3]}", &message));
	ck_assert(valid("presale",
			"{\"item_id\": 3, \"deposit_fen\": 10000, \"deposit_value_fen\": 20000, "
			"\"final_starts_at\": \"2027-01-01T00:00:00Z\", \"final_ends_at\": \"2027-01-02T00:00:00Z\"}",
			&message));
	ck_assert(valid("share_reward", "{\"coupon_promotion_id\": 4}", &message));
}
END_TEST

START_TEST(the_rows_follow_the_documented_order)
{
	/* API.md "The price of an order": item prices, then the order's
	 * promotions in their order. */
	static const char *const expected[] = { "bargain",	"bundle",     "timed_discount", "member_price", "addon",
						"first_order",	"full_reduction", "coupon",	"presale",	"red_packet",
						"points_cash", "gift",	     "share_reward",	"budget" };
	/* the last two take nothing off: the sharer's coupon when paid, the budget's charge */
	static const bool applies[] = { true, true, true, true, true, true, true,
					true, true, true, true, true, false, false };
	ck_assert_int_eq(promotion_kind_count, 14);
	enum promotion_stage last = PROMOTION_ITEM_PRICE;
	for (int k = 0; k < promotion_kind_count; k++) {
		ck_assert_str_eq(promotion_kinds[k]->name, expected[k]);
		ck_assert_int_eq(promotion_kinds[k]->apply != NULL, applies[k]);
		ck_assert_int_ge(promotion_kinds[k]->stage, last); /* no item price after an order promotion */
		last = promotion_kinds[k]->stage;
	}
	ck_assert_int_eq(promotion_kind_find("bargain")->stage, PROMOTION_ITEM_PRICE);
	ck_assert_int_eq(promotion_kind_find("timed_discount")->stage, PROMOTION_ITEM_PRICE);
	ck_assert(promotion_kind_find("timed_discount")->configurable);
	ck_assert(promotion_kind_find("full_reduction")->configurable);
	ck_assert(!promotion_kind_find("bargain")->configurable);
	/* what an order keeps and gives back */
	ck_assert_ptr_nonnull(promotion_kind_find("bargain")->claim);
	ck_assert_ptr_nonnull(promotion_kind_find("coupon")->persist);
	ck_assert_ptr_nonnull(promotion_kind_find("coupon")->give_back);
	ck_assert(promotion_kind_find("coupon")->configurable); /* as a template */
	ck_assert(promotion_kind_find("presale")->configurable);
	ck_assert(promotion_kind_find("share_reward")->configurable);
	ck_assert(!promotion_kind_find("budget")->configurable);
	ck_assert_ptr_nonnull(promotion_kind_find("presale")->paid);
	ck_assert_ptr_nonnull(promotion_kind_find("share_reward")->paid);
	ck_assert_ptr_nonnull(promotion_kind_find("budget")->give_back);
}
END_TEST

START_TEST(the_engine_applies_the_rows_in_order)
{
	/* 2 x 100 yuan, one at a bargain of 60; 满150减20; a 10-yuan coupon:
	 * the tier is reached on what the bargain leaves (160), the coupon
	 * comes last. */
	struct price_line lines[] = { { 1, 2, 10000, 0, true, 6000 } };
	struct price_tier tiers[] = { { 15000, 2000 } };
	struct price_coupon coupons[] = { { 9, "十元券", 1000, 0, NOW - 1, NOW + 1, 0, true } };
	struct price_rules rules = { .tiers = tiers, .tier_count = 1 };
	struct price_input input = { .lines = lines, .line_count = 1, .coupons = coupons, .coupon_count = 1,
				     .rules = &rules, .now = NOW };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.discount_count, 3);
	ck_assert_int_eq(quote.discounts[0].kind, PRICE_BARGAIN);
	ck_assert_int_eq(quote.discounts[0].amount_fen, 4000);
	ck_assert_int_eq(quote.merchandise_fen, 16000);
	ck_assert_int_eq(quote.discounts[1].kind, PRICE_FULL_REDUCTION);
	ck_assert_str_eq(quote.discounts[1].label, "满150元减20元");
	ck_assert_int_eq(quote.discounts[2].kind, PRICE_COUPON);
	ck_assert_str_eq(quote.discounts[2].label, "优惠券：十元券");
	ck_assert_int_eq(quote.total_fen, 13000);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("promotion");
	TCase *bad = tcase_create("refusals");
	tcase_add_test(bad, bad_full_reduction_configs_name_their_field);
	tcase_add_test(bad, bad_coupon_configs_name_their_field);
	tcase_add_test(bad, bad_presale_configs_name_their_field);
	tcase_add_test(bad, an_unknown_kind_has_no_row);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("registry");
	tcase_add_test(good, good_configs_pass);
	tcase_add_test(good, the_rows_follow_the_documented_order);
	tcase_add_test(good, the_engine_applies_the_rows_in_order);
	suite_add_tcase(suite, good);
	return suite;
}
