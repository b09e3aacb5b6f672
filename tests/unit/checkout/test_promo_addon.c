/* test_promo_addon.c: unit tests of the add-on kind (fcgi/checkout/
 * promo_addon.c): its admin config refused naming the field, add-ons that
 * do not apply refused (first), then the offers a cart qualifies for, the
 * offer's price, the floor, and the pairs: the threshold on the rest of
 * the order after item prices, a full reduction over both. */
#include "kinds.h"

static struct price_addon_offer offer_of(int64_t id, int64_t threshold, int64_t item_id, int64_t price, int64_t max_qty)
{
	return (struct price_addon_offer){ .promotion_id = id, .starts_at = NOW - 60, .ends_at = NOW + 60,
					   .threshold_fen = threshold, .item_id = item_id, .price_fen = price,
					   .max_qty = max_qty };
}

/* An add-on line (the input's addon_lines says which: ADDON_SECOND) */
static struct price_line addon_line(int64_t item_id, int64_t qty, int64_t price, int64_t floor_fen)
{
	return line_of(item_id, qty, price, floor_fen);
}

#define ADDON_SECOND (1u << 1)

START_TEST(bad_configs_name_their_field)
{
	REFUSED("addon", "{}", "config.threshold_fen");
	REFUSED("addon", "{\"threshold_fen\": -1, \"offers\": [{\"item_id\": 9, \"price_fen\": 990}]}",
		"config.threshold_fen");
	REFUSED("addon", "{\"threshold_fen\": 100}", "config.offers");
	REFUSED("addon", "{\"threshold_fen\": 100, \"offers\": []}", "config.offers");
	REFUSED("addon", "{\"threshold_fen\": 100, \"offers\": [{\"price_fen\": 990}]}", "config.offers.item_id");
	REFUSED("addon", "{\"threshold_fen\": 100, \"offers\": [{\"item_id\": 9}]}", "config.offers.price_fen");
	REFUSED("addon", "{\"threshold_fen\": 100, \"offers\": [{\"item_id\": 9, \"price_fen\": -1}]}",
		"config.offers.price_fen");
	REFUSED("addon", "{\"threshold_fen\": 100, \"offers\": [{\"item_id\": 9, \"price_fen\": 1, \"max_qty\": 0}]}",
		"config.offers.max_qty");
	REFUSED("addon", "{\"threshold_fen\": 100, \"offers\": [{\"item_id\": 9, \"price_fen\": 1}, "
			 "{\"item_id\": 9, \"price_fen\": 2}]}", "config.offers.item_id");
	REFUSED("addon", "{\"threshold_fen\": 100, \"offers\": [{\"item_id\": 9, \"price_fen\": 1, \"x\": 1}]}",
		"config.offers");
	REFUSED("addon", "{\"threshold_fen\": 100, \"offers\": [{\"item_id\": 9, \"price_fen\": 1}], \"x\": 1}", "config");
	TAKEN("addon", "{\"threshold_fen\": 10000, \"offers\": [{\"item_id\": 9, \"price_fen\": 990, \"max_qty\": 2}]}");
}
END_TEST

START_TEST(addons_that_do_not_apply_are_refused)
{
	static const struct {
		const char *name;
		int64_t item_id, qty, main_qty, now;
	} cases[] = {
		{ "no offer of that item", 8, 1, 2, NOW },
		{ "more than max_qty", 9, 3, 2, NOW },
		{ "the rest below the threshold", 9, 1, 1, NOW },
		{ "before its window", 9, 1, 2, NOW - 61 },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct price_line lines[] = { line_of(1, cases[c].main_qty, 10000, 0),
					      addon_line(cases[c].item_id, cases[c].qty, 5000, 0) };
		struct price_addon_offer offer = offer_of(7, 20000, 9, 990, 2);
		struct price_rules rules = { 0 };
		struct price_input input = { .lines = lines, .line_count = 2, .rules = &rules, .addon_offers = &offer,
					     .addon_offer_count = 1, .now = cases[c].now, .addon_lines = ADDON_SECOND };
		struct price_quote quote;
		ck_assert_msg(price_quote(&input, &quote) == PRICE_ADDON_NOT_APPLICABLE, "%s", cases[c].name);
		ck_assert_int_eq(quote.error_item_id, cases[c].item_id);
	}
}
END_TEST

START_TEST(the_offer_price_and_the_offers_shown)
{
	struct price_line lines[] = { line_of(1, 2, 10000, 0), addon_line(9, 2, 5000, 0) };
	struct price_addon_offer offers[] = { offer_of(7, 20000, 9, 990, 2), offer_of(8, 50000, 10, 100, 1) };
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 2, .rules = &rules, .addon_offers = offers,
				     .addon_offer_count = 2, .now = NOW, .addon_lines = ADDON_SECOND };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	quote_sound(&input, &quote);
	ck_assert_int_eq(quote.total_fen, 20000 + 2 * 990);
	ck_assert_int_eq(quote.addon_offer_count, 1); /* 200 reaches offer 7's 200, not offer 8's 500 */
	ck_assert_int_eq(quote.addon_offers[0], 0);
	ck_assert_int_eq(quote.discount_count, 1);
	ck_assert_int_eq(quote.discounts[0].kind, PRICE_ADDON);
	ck_assert_int_eq(quote.discounts[0].promotion_id, 7);
	/* no add-on asked: the offers still show, nothing taken off */
	input.line_count = 1;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.addon_offer_count, 1);
	ck_assert_int_eq(quote.total_fen, 20000);
	/* the floor of the add-on's item */
	input.line_count = 2;
	lines[1] = addon_line(9, 2, 5000, 2000);
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	quote_sound(&input, &quote);
	ck_assert_int_eq(quote.total_fen, 20000 + 2 * 2000);
}
END_TEST

START_TEST(the_threshold_is_the_rest_after_item_prices)
{
	/* a timed discount of 50% on item 1: 2 x 100 is 100, below 200 */
	struct price_line lines[] = { line_of(1, 2, 10000, 0), addon_line(9, 1, 5000, 0) };
	struct price_addon_offer offer = offer_of(7, 20000, 9, 990, 1);
	struct price_timed_discount timed = timed_of(9, 1, 50, 0);
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 2, .rules = &rules, .addon_offers = &offer,
				     .addon_offer_count = 1, .timed = &timed, .timed_count = 1, .now = NOW,
				     .addon_lines = ADDON_SECOND };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_ADDON_NOT_APPLICABLE);
	/* the add-on's own price never counts toward its threshold */
	input.timed_count = 0;
	lines[0].qty = 1;
	lines[1] = addon_line(9, 1, 50000, 0);
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_ADDON_NOT_APPLICABLE);
}
END_TEST

START_TEST(a_full_reduction_over_the_whole_order)
{
	/* 200 + add-on at 9.90: 满200减20 applies to 209.90 */
	struct price_line lines[] = { line_of(1, 2, 10000, 0), addon_line(9, 1, 5000, 0) };
	struct price_addon_offer offer = offer_of(7, 20000, 9, 990, 1);
	struct price_full_reduction reduction = { .promotion_id = 4, .title = "满减", .starts_at = NOW - 60,
						  .ends_at = NOW + 60, .tier_count = 1 };
	reduction.tiers[0] = (struct price_tier){ 20000, 2000 };
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 2, .rules = &rules, .addon_offers = &offer,
				     .addon_offer_count = 1, .reductions = &reduction, .reduction_count = 1, .now = NOW,
				     .addon_lines = ADDON_SECOND };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	quote_sound(&input, &quote);
	ck_assert_int_eq(quote.total_fen, 20990 - 2000);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("promo_addon");
	TCase *bad = tcase_create("refusals");
	tcase_add_test(bad, bad_configs_name_their_field);
	tcase_add_test(bad, addons_that_do_not_apply_are_refused);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("engine");
	tcase_add_test(good, the_offer_price_and_the_offers_shown);
	tcase_add_test(good, the_threshold_is_the_rest_after_item_prices);
	tcase_add_test(good, a_full_reduction_over_the_whole_order);
	suite_add_tcase(suite, good);
	return suite;
}
