/* test_promo_bundle.c: unit tests of the bundle kind (fcgi/checkout/
 * promo_bundle.c): its admin config refused naming the field (first),
 * then whole sets at the set price, what is left over at its price, the
 * bargained unit outside sets, the floor, and the pairs: a timed discount
 * never on units in a set, a full reduction on the amount after sets. */
#include "kinds.h"

/* A bundle of one item_a and one item_b (qty_b of it) at price. */
static struct price_bundle bundle_of(int64_t id, int64_t item_a, int64_t item_b, int64_t qty_b, int64_t price)
{
	struct price_bundle bundle = { .promotion_id = id, .title = "套餐", .starts_at = NOW - 60, .ends_at = NOW + 60,
				       .item_count = 2, .price_fen = price };
	bundle.items[0] = (struct price_bundle_item){ item_a, 1 };
	bundle.items[1] = (struct price_bundle_item){ item_b, qty_b };
	return bundle;
}

START_TEST(bad_configs_name_their_field)
{
	REFUSED("bundle", "{}", "config.items");
	REFUSED("bundle", "{\"items\": [], \"price_fen\": 100}", "config.items");
	REFUSED("bundle", "{\"items\": [{\"item_id\": 1, \"qty\": 1}], \"price_fen\": 100}", "config.items");
	REFUSED("bundle", "{\"items\": [{\"item_id\": 0, \"qty\": 1}, {\"item_id\": 2, \"qty\": 1}], \"price_fen\": 1}",
		"config.items.item_id");
	REFUSED("bundle", "{\"items\": [{\"item_id\": 1, \"qty\": 1}, {\"item_id\": 1, \"qty\": 1}], \"price_fen\": 1}",
		"config.items.item_id");
	REFUSED("bundle", "{\"items\": [{\"item_id\": 1, \"qty\": 0}, {\"item_id\": 2, \"qty\": 1}], \"price_fen\": 1}",
		"config.items.qty");
	REFUSED("bundle", "{\"items\": [{\"item_id\": 1, \"qty\": 100}], \"price_fen\": 1}", "config.items.qty");
	REFUSED("bundle", "{\"items\": [{\"item_id\": 1, \"qty\": 2}]}", "config.price_fen");
	REFUSED("bundle", "{\"items\": [{\"item_id\": 1, \"qty\": 2}], \"price_fen\": -1}", "config.price_fen");
	REFUSED("bundle", "{\"items\": [{\"item_id\": 1, \"qty\": 2}], \"price_fen\": 1, \"x\": 1}", "config");
	TAKEN("bundle", "{\"items\": [{\"item_id\": 1, \"qty\": 2}], \"price_fen\": 15000}");
	TAKEN("bundle", "{\"items\": [{\"item_id\": 1, \"qty\": 1}, {\"item_id\": 2, \"qty\": 1}], \"price_fen\": 0}");
}
END_TEST

START_TEST(bad_input_is_refused)
{
	struct price_line lines[] = { line_of(1, 1, 10000, 0) };
	struct price_bundle bundle = bundle_of(5, 1, 2, 1, -1);
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 1, .rules = &rules, .bundles = &bundle,
				     .bundle_count = 1, .now = NOW };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	bundle = bundle_of(5, 1, 2, 0, 100);
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
}
END_TEST

START_TEST(the_table)
{
	/* item 1 at 100, item 2 at 50; the set: one of 1 and two of 2 at 150 (normal 200) */
	static const struct {
		const char *name;
		int64_t qty_1, qty_2, floor_1, now, total;
	} cases[] = {
		{ "no whole set", 1, 1, 0, NOW, 15000 },
		{ "one set", 1, 2, 0, NOW, 15000 },
		{ "one set and one left over", 1, 3, 0, NOW, 20000 },
		{ "two sets", 2, 4, 0, NOW, 30000 },
		{ "two sets, one of item 1 left", 3, 4, 0, NOW, 40000 },
		{ "before its window", 1, 2, 0, NOW - 61, 20000 },
		{ "at its end", 1, 2, 0, NOW + 60, 20000 },
		{ "item 1's floor of 90 and item 2's 0: 50 off fits", 1, 2, 9000, NOW, 15000 },
		{ "item 1's floor of 100: only item 2 gives", 1, 2, 10000, NOW, 15000 },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct price_line lines[] = { line_of(1, cases[c].qty_1, 10000, cases[c].floor_1),
					      line_of(2, cases[c].qty_2, 5000, 0) };
		struct price_bundle bundle = bundle_of(5, 1, 2, 2, 15000);
		struct price_rules rules = { 0 };
		struct price_input input = { .lines = lines, .line_count = 2, .rules = &rules, .bundles = &bundle,
					     .bundle_count = 1, .now = cases[c].now };
		struct price_quote quote;
		ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
		quote_sound(&input, &quote);
		ck_assert_msg(quote.total_fen == cases[c].total, "%s: %lld", cases[c].name, (long long)quote.total_fen);
		if (discount_of(&quote, PRICE_BUNDLE) > 0) {
			ck_assert_int_eq(quote.discounts[0].promotion_id, 5);
			ck_assert_str_eq(quote.discounts[0].label, "组合套餐：套餐");
		}
	}
}
END_TEST

START_TEST(the_floor_can_make_a_set_cost_more)
{
	/* both at 100 with floors of 90: the set of 150 costs 180 */
	struct price_line lines[] = { line_of(1, 1, 10000, 9000), line_of(2, 1, 10000, 9000) };
	struct price_bundle bundle = bundle_of(5, 1, 2, 1, 15000);
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 2, .rules = &rules, .bundles = &bundle,
				     .bundle_count = 1, .now = NOW };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	quote_sound(&input, &quote);
	ck_assert_int_eq(quote.total_fen, 18000);
	/* a set price above the items' prices gives nothing */
	bundle.price_fen = 25000;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.discount_count, 0);
}
END_TEST

START_TEST(the_bargained_unit_is_not_in_a_set)
{
	struct price_line lines[] = { line_of(1, 1, 10000, 0), line_of(2, 1, 10000, 0) };
	lines[0].has_bargain = true;
	lines[0].bargain_price_fen = 6000;
	struct price_bundle bundle = bundle_of(5, 1, 2, 1, 15000);
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 2, .rules = &rules, .bundles = &bundle,
				     .bundle_count = 1, .now = NOW };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.total_fen, 16000); /* bargain 60 + item 2 at 100: no set */
	lines[0].qty = 2;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	quote_sound(&input, &quote);
	ck_assert_int_eq(quote.total_fen, 6000 + 15000);
}
END_TEST

START_TEST(with_a_timed_discount_units_in_a_set_keep_the_set_price)
{
	/* item 1 at 50% in a timed discount; the set of 1 + 2 at 150: the
	 * unit of item 1 in the set is not halved again, the second is */
	struct price_line lines[] = { line_of(1, 2, 10000, 0), line_of(2, 1, 10000, 0) };
	struct price_bundle bundle = bundle_of(5, 1, 2, 1, 15000);
	struct price_timed_discount timed = timed_of(9, 1, 50, 0);
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 2, .rules = &rules, .bundles = &bundle,
				     .bundle_count = 1, .timed = &timed, .timed_count = 1, .now = NOW };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	quote_sound(&input, &quote);
	ck_assert_int_eq(quote.total_fen, 15000 + 5000);
	ck_assert_int_eq(discount_of(&quote, PRICE_BUNDLE), 5000);
	ck_assert_int_eq(discount_of(&quote, PRICE_TIMED_DISCOUNT), 5000);
	ck_assert_int_eq(quote.discounts[0].kind, PRICE_BUNDLE); /* API.md's order: bundle before timed */
}
END_TEST

START_TEST(a_full_reduction_sees_the_set_price)
{
	/* 200 of items, a set at 150: 满200减30 no longer applies, 满150减20 does */
	struct price_line lines[] = { line_of(1, 1, 10000, 0), line_of(2, 1, 10000, 0) };
	struct price_bundle bundle = bundle_of(5, 1, 2, 1, 15000);
	struct price_full_reduction reduction = { .promotion_id = 4, .title = "满减", .starts_at = NOW - 60,
						  .ends_at = NOW + 60, .tier_count = 2 };
	reduction.tiers[0] = (struct price_tier){ 20000, 3000 };
	reduction.tiers[1] = (struct price_tier){ 15000, 2000 };
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 2, .rules = &rules, .bundles = &bundle,
				     .bundle_count = 1, .reductions = &reduction, .reduction_count = 1, .now = NOW };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	quote_sound(&input, &quote);
	ck_assert_int_eq(quote.total_fen, 13000);
}
END_TEST

START_TEST(two_bundles_share_nothing)
{
	/* two bundles over item 1: the first takes the units, the second what is left */
	struct price_line lines[] = { line_of(1, 3, 10000, 0), line_of(2, 1, 10000, 0), line_of(3, 1, 10000, 0) };
	struct price_bundle bundles[] = { bundle_of(5, 1, 2, 1, 15000), bundle_of(6, 1, 3, 1, 16000) };
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 3, .rules = &rules, .bundles = bundles,
				     .bundle_count = 2, .now = NOW };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	quote_sound(&input, &quote);
	ck_assert_int_eq(quote.total_fen, 15000 + 16000 + 10000);
	ck_assert_int_eq(quote.discount_count, 2);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("promo_bundle");
	TCase *bad = tcase_create("refusals");
	tcase_add_test(bad, bad_configs_name_their_field);
	tcase_add_test(bad, bad_input_is_refused);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("engine");
	tcase_add_test(good, the_table);
	tcase_add_test(good, the_floor_can_make_a_set_cost_more);
	tcase_add_test(good, the_bargained_unit_is_not_in_a_set);
	tcase_add_test(good, with_a_timed_discount_units_in_a_set_keep_the_set_price);
	tcase_add_test(good, a_full_reduction_sees_the_set_price);
	tcase_add_test(good, two_bundles_share_nothing);
	suite_add_tcase(suite, good);
	return suite;
}
