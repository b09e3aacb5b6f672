/* test_promo_full_reduction.c: unit tests of the full reduction kind's
 * promotion-resource side (fcgi/checkout/promo_full_reduction.c): its
 * window, the best tier of its items' amount, "每满 X 减 Y" with and
 * without a cap, its item scope after item prices, the floor, and the
 * choice between it, another one and the legacy tiers (the most off). */
#include <string.h>

#include "checkout/pricing.h"
#include "checkout/promotion.h"
#include "kinds.h"
#include "unit.h"

static struct price_full_reduction reduction_of(int64_t id, int64_t threshold, int64_t off, bool repeat,
						int64_t cap, int64_t item_id)
{
	struct price_full_reduction reduction = { .promotion_id = id, .title = "满减", .starts_at = NOW - 60,
						  .ends_at = NOW + 60, .tier_count = 1, .repeat = repeat, .cap_fen = cap };
	reduction.tiers[0] = (struct price_tier){ .min_spend_fen = threshold, .off_fen = off };
	if (item_id != 0) {
		reduction.item_ids[0] = item_id;
		reduction.item_count = 1;
	}
	return reduction;
}

static int64_t total_of(const struct price_line *lines, int line_count, const struct price_full_reduction *reductions,
			int count, const struct price_tier *tiers, int tier_count, int64_t now, struct price_quote *quote)
{
	struct price_rules rules = { .tiers = tiers, .tier_count = tier_count };
	struct price_input input = { .lines = lines, .line_count = line_count, .rules = &rules,
				     .reductions = reductions, .reduction_count = count, .now = now };
	ck_assert_int_eq(price_quote(&input, quote), PRICE_OK);
	return quote->total_fen;
}

START_TEST(bad_reductions_are_bad_input)
{
	struct price_line lines[] = { { 1, 1, 10000, 0, false, 0 } };
	struct price_full_reduction reduction = reduction_of(4, 100, 0, false, 0, 0);
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 1, .rules = &rules, .reductions = &reduction,
				     .reduction_count = 1, .now = NOW };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT); /* off 0 */
	reduction = reduction_of(4, 0, 100, true, 0, 0);
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT); /* every 0 fen */
	reduction = reduction_of(4, 100, 100, false, -1, 0);
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	reduction = reduction_of(4, 100, 100, true, 0, 0);
	reduction.tier_count = 2;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT); /* repeat is one tier */
}
END_TEST

START_TEST(the_table)
{
	static const struct {
		const char *name;
		int64_t threshold, off, cap, item_id, qty, now, total;
		bool repeat;
		const char *label;
	} cases[] = {
		{ "below the threshold", 30001, 4000, 0, 0, 3, NOW, 30000, false, NULL },
		{ "at the threshold", 30000, 4000, 0, 0, 3, NOW, 26000, false, "满300元减40元" },
		{ "before its window", 30000, 4000, 0, 0, 3, NOW - 61, 30000, false, NULL },
		{ "at its end", 30000, 4000, 0, 0, 3, NOW + 60, 30000, false, NULL },
		{ "every 100 minus 10, three times", 10000, 1000, 0, 0, 3, NOW, 27000, true, "每满100元减10元" },
		{ "every 100 minus 10, capped at 25", 10000, 1000, 2500, 0, 3, NOW, 27500, true, "每满100元减10元" },
		{ "every 70: four times in 300", 7000, 1000, 0, 0, 3, NOW, 26000, true, "每满70元减10元" },
		{ "its item is not in the cart", 100, 1000, 0, 9, 3, NOW, 30000, false, NULL },
		{ "its item is", 100, 1000, 0, 1, 3, NOW, 29000, false, "满1元减10元" },
		{ "never below the floor", 100, 100000, 0, 0, 3, NOW, 6000, false, "满1元减1000元" },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct price_line lines[] = { { 1, cases[c].qty, 10000, 2000, false, 0 } };
		struct price_full_reduction reduction = reduction_of(4, cases[c].threshold, cases[c].off, cases[c].repeat,
								     cases[c].cap, cases[c].item_id);
		struct price_quote quote;
		int64_t total = total_of(lines, 1, &reduction, 1, NULL, 0, cases[c].now, &quote);
		ck_assert_msg(total == cases[c].total, "%s: %lld", cases[c].name, (long long)total);
		if (cases[c].label == NULL) {
			ck_assert_int_eq(quote.discount_count, 0);
			continue;
		}
		ck_assert_int_eq(quote.discount_count, 1);
		ck_assert_int_eq(quote.discounts[0].promotion_id, 4);
		ck_assert_str_eq(quote.discounts[0].label, cases[c].label);
	}
}
END_TEST

START_TEST(the_one_that_takes_most_applies_legacy_first_on_a_tie)
{
	static const struct price_tier legacy[] = { { 20000, 3000 } };
	struct price_line lines[] = { { 1, 2, 10000, 0, false, 0 }, { 2, 1, 5000, 0, false, 0 } };
	struct price_full_reduction two[2] = { reduction_of(4, 20000, 3000, false, 0, 0),
					       reduction_of(5, 5000, 500, true, 0, 0) };
	struct price_quote quote;
	/* 25000: legacy 30 off, #4 30 off (tie: legacy), #5 every 50 minus 5 = 25 */
	ck_assert_int_eq(total_of(lines, 2, two, 2, legacy, 1, NOW, &quote), 22000);
	ck_assert_int_eq(quote.discounts[0].promotion_id, 0);
	/* without the legacy tiers #4 serves */
	ck_assert_int_eq(total_of(lines, 2, two, 2, NULL, 0, NOW, &quote), 22000);
	ck_assert_int_eq(quote.discounts[0].promotion_id, 4);
	/* #5 uncapped at 500 per 50: 250 in 25000 beats 30 */
	two[1] = reduction_of(5, 5000, 5000, true, 0, 0);
	ck_assert_int_eq(total_of(lines, 2, two, 2, legacy, 1, NOW, &quote), 0);
	ck_assert_int_eq(quote.discounts[0].promotion_id, 5);
	ck_assert_int_eq(quote.discount_count, 1); /* one full reduction per order */
	/* scoped to item 2 (5000): #4 does not reach 20000 */
	two[0] = reduction_of(4, 5000, 4000, false, 0, 2);
	two[1] = reduction_of(5, 5000, 100, true, 0, 0);
	ck_assert_int_eq(total_of(lines, 2, two, 2, NULL, 0, NOW, &quote), 21000);
	ck_assert_int_eq(quote.discounts[0].promotion_id, 4);
}
END_TEST

START_TEST(item_prices_come_first)
{
	/* a timed discount halves the item: 20000 -> 10000 no longer reaches 15000 */
	struct price_line lines[] = { { 1, 2, 10000, 0, false, 0 } };
	struct price_full_reduction reduction = reduction_of(4, 15000, 2000, false, 0, 1);
	struct price_timed_discount timed = timed_of(9, 1, 50, 0);
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 1, .rules = &rules, .reductions = &reduction,
				     .reduction_count = 1, .timed = &timed, .timed_count = 1, .now = NOW };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.total_fen, 10000);
	timed.items[0].percent = 80;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.total_fen, 16000 - 2000);
}
END_TEST

/* The first order (promo_first_order.c) sits between the item prices and
 * the full reduction (whose threshold is on the merchandise after item
 * prices, like a coupon's): its table here, with the one it competes with. */
START_TEST(a_first_order_takes_its_share_before_the_full_reduction)
{
	const char *field = NULL;
	struct price_first_order first;
	json_t *bad = json_loads("{\"percent\": 80, \"off_fen\": 100}", 0, NULL);
	ck_assert(!first_order_parse(bad, &first, &field));
	ck_assert_str_eq(field, "config.percent");
	json_decref(bad);
	bad = json_loads("{\"off_fen\": 100, \"max_off_fen\": 0}", 0, NULL);
	ck_assert(!first_order_parse(bad, &first, &field));
	ck_assert_str_eq(field, "config.max_off_fen");
	json_decref(bad);
	json_t *good = json_loads("{\"percent\": 80, \"max_off_fen\": 3000}", 0, NULL);
	ck_assert(first_order_parse(good, &first, &field));
	json_decref(good);
	first.promotion_id = 8;
	first.title = "新人八折";
	first.starts_at = NOW - 60;
	first.ends_at = NOW + 60;
	struct price_first_order off_200 = { .promotion_id = 9, .title = "立减", .starts_at = NOW - 60,
					     .ends_at = NOW + 60, .off_fen = 2000 };
	struct price_first_order both[2] = { first, off_200 };
	struct price_line lines[] = { { 1, 1, 10000, 0, false, 0 } };
	struct price_full_reduction reduction = reduction_of(4, 10000, 1000, false, 0, 0);
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 1, .rules = &rules, .reductions = &reduction,
				     .reduction_count = 1, .first_orders = both, .first_order_count = 2, .now = NOW };
	struct price_quote quote;
	/* 20% of 100 = 20, the 20-off ties: the lower id; the full reduction's
	 * threshold is on the merchandise (after item prices), so it still applies */
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.total_fen, 7000);
	ck_assert_int_eq(quote.discount_count, 2);
	ck_assert_int_eq(quote.discounts[0].kind, PRICE_FIRST_ORDER);
	ck_assert_int_eq(quote.discounts[0].promotion_id, 8);
	ck_assert_str_eq(quote.discounts[0].label, "新客首单：新人八折");
	/* 3 units: 20% of 300 = 60, capped at 30; the 20-off loses */
	lines[0].qty = 3;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.total_fen, 30000 - 3000 - 1000);
	/* out of its window, or for a shopper who paid before (no first orders loaded): nothing */
	input.now = NOW + 60;
	reduction.ends_at = NOW + 61;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.total_fen, 30000 - 1000);
	input.now = NOW;
	input.first_order_count = 0;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.total_fen, 30000 - 1000);
	/* never below the floor */
	lines[0] = (struct price_line){ 1, 1, 10000, 9500, false, 0 };
	input.first_order_count = 2;
	input.reduction_count = 0;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.total_fen, 9500);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("promo_full_reduction");
	TCase *bad = tcase_create("refusals");
	tcase_add_test(bad, bad_reductions_are_bad_input);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("engine");
	tcase_add_test(good, the_table);
	tcase_add_test(good, the_one_that_takes_most_applies_legacy_first_on_a_tie);
	tcase_add_test(good, item_prices_come_first);
	tcase_add_test(good, a_first_order_takes_its_share_before_the_full_reduction);
	suite_add_tcase(suite, good);
	return suite;
}
