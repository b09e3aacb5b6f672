/* test_promo_gift.c: unit tests of the gift kind (fcgi/checkout/
 * promo_gift.c): its admin config refused naming the field (first), then
 * the gifts a cart reaches: threshold, item scope, window, stock, on the
 * amount after item prices, beside a full reduction and a coupon. */
#include "kinds.h"

static struct price_gift gift_of(int64_t promotion_id, int index, const char *name, int64_t threshold,
				 int64_t item_id, bool in_stock)
{
	struct price_gift gift = { .promotion_id = promotion_id, .gift_index = index, .name = name,
				   .starts_at = NOW - 60, .ends_at = NOW + 60, .threshold_fen = threshold,
				   .in_stock = in_stock };
	if (item_id != 0) {
		gift.item_ids[0] = item_id;
		gift.item_count = 1;
	}
	return gift;
}

START_TEST(bad_configs_name_their_field)
{
	REFUSED("gift", "{}", "config.gifts");
	REFUSED("gift", "{\"gifts\": []}", "config.gifts");
	REFUSED("gift", "{\"gifts\": [{\"name\": \"杯子\", \"stock\": 1}], \"x\": 1}", "config");
	REFUSED("gift", "{\"gifts\": [{\"name\": \"\", \"stock\": 1}]}", "config.gifts.name");
	REFUSED("gift", "{\"gifts\": [{\"stock\": 1}]}", "config.gifts.name");
	REFUSED("gift", "{\"gifts\": [{\"name\": \"杯子\"}]}", "config.gifts.stock");
	REFUSED("gift", "{\"gifts\": [{\"name\": \"杯子\", \"stock\": -1}]}", "config.gifts.stock");
	REFUSED("gift", "{\"gifts\": [{\"name\": \"杯子\", \"stock\": 1, \"threshold_fen\": -1}]}",
		"config.gifts.threshold_fen");
	REFUSED("gift", "{\"gifts\": [{\"name\": \"杯子\", \"stock\": 1, \"item_ids\": []}]}", "config.gifts.item_ids");
	REFUSED("gift", "{\"gifts\": [{\"name\": \"杯子\", \"stock\": 1, \"item_ids\": [3, 3]}]}",
		"config.gifts.item_ids");
	REFUSED("gift", "{\"gifts\": [{\"name\": \"杯子\", \"stock\": 1, \"colour\": \"red\"}]}", "config.gifts");
	TAKEN("gift", "{\"gifts\": [{\"name\": \"杯子\", \"stock\": 0}]}");
	TAKEN("gift", "{\"gifts\": [{\"name\": \"鼠标垫\", \"stock\": 100, \"threshold_fen\": 0, \"item_ids\": null}, "
		      "{\"name\": \"耳机\", \"stock\": 5, \"threshold_fen\": 30000, \"item_ids\": [3, 4]}]}");
	/* the parsed config: stock decides in_stock, indexes in order */
	struct price_gift gifts[4];
	int64_t stocks[4];
	int count;
	const char *field;
	json_t *config = json_loads("{\"gifts\": [{\"name\": \"a\", \"stock\": 0}, {\"name\": \"b\", \"stock\": 7, "
				    "\"threshold_fen\": 500, \"item_ids\": [9]}]}", 0, NULL);
	ck_assert(gift_parse(config, gifts, stocks, 4, &count, &field));
	ck_assert_int_eq(count, 2);
	ck_assert(!gifts[0].in_stock);
	ck_assert(gifts[1].in_stock);
	ck_assert_int_eq(stocks[1], 7);
	ck_assert_int_eq(gifts[1].gift_index, 1);
	ck_assert_int_eq(gifts[1].threshold_fen, 500);
	ck_assert_int_eq(gifts[1].item_ids[0], 9);
	ck_assert(!gift_parse(config, gifts, stocks, 1, &count, &field)); /* no room for two */
	json_decref(config);
}
END_TEST

START_TEST(bad_input_is_refused)
{
	struct price_line lines[] = { line_of(1, 1, 10000, 0) };
	struct price_gift gift = gift_of(6, 0, "杯子", -1, 0, true);
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 1, .rules = &rules, .gifts = &gift,
				     .gift_count = 1, .now = NOW };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	gift.threshold_fen = 0;
	input.gift_count = PRICE_GIFTS_MAX + 1;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
}
END_TEST

START_TEST(the_table)
{
	static const struct {
		const char *name;
		int64_t threshold, item_id, qty, now;
		bool in_stock, given;
	} cases[] = {
		{ "out of stock: simply not given", 0, 0, 1, NOW, false, false },
		{ "below the threshold", 30001, 0, 2, NOW, true, false },
		{ "at the threshold", 30000, 0, 2, NOW, true, true },
		{ "a base gift for any order", 0, 0, 1, NOW, true, true },
		{ "before its window", 0, 0, 1, NOW - 61, true, false },
		{ "at its end", 0, 0, 1, NOW + 60, true, false },
		{ "its item is not in the cart", 0, 9, 1, NOW, true, false },
		{ "its item is", 0, 1, 1, NOW, true, true },
		{ "its item's amount below the threshold", 30000, 1, 2, NOW, true, false },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct price_line lines[] = { line_of(1, cases[c].qty, 10000, 0), line_of(2, 1, 10000, 0) };
		struct price_gift gift = gift_of(6, 0, "杯子", cases[c].threshold, cases[c].item_id, cases[c].in_stock);
		struct price_rules rules = { 0 };
		struct price_input input = { .lines = lines, .line_count = 2,
					     .rules = &rules, .gifts = &gift, .gift_count = 1, .now = cases[c].now };
		struct price_quote quote;
		ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
		ck_assert_msg(quote.gift_count == (cases[c].given ? 1 : 0), "%s", cases[c].name);
		ck_assert_int_eq(quote.discount_count, 0); /* a gift takes nothing off */
		ck_assert_int_eq(quote.total_fen, quote.subtotal_fen);
		if (cases[c].given) {
			ck_assert_int_eq(quote.gifts[0].promotion_id, 6);
			ck_assert_str_eq(quote.gifts[0].name, "杯子");
		}
	}
}
END_TEST

START_TEST(tiers_of_one_promotion_each_given_when_reached)
{
	/* 买就赠 a base gift, 满300送 an upgrade: both at 300, the base alone at 100 */
	struct price_gift gifts[] = { gift_of(6, 0, "鼠标垫", 0, 0, true), gift_of(6, 1, "耳机", 30000, 0, true) };
	struct price_line lines[] = { line_of(1, 3, 10000, 0) };
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 1, .rules = &rules, .gifts = gifts,
				     .gift_count = 2, .now = NOW };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.gift_count, 2);
	ck_assert_int_eq(quote.gifts[1].gift_index, 1);
	lines[0].qty = 1;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.gift_count, 1);
	ck_assert_str_eq(quote.gifts[0].name, "鼠标垫");
}
END_TEST

START_TEST(the_threshold_is_on_the_amount_after_item_prices)
{
	/* a timed discount halves 2 x 100: 100 no longer reaches 150 */
	struct price_line lines[] = { line_of(1, 2, 10000, 0) };
	struct price_gift gift = gift_of(6, 0, "杯子", 15000, 0, true);
	struct price_timed_discount timed = timed_of(9, 1, 50, 0);
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 1, .rules = &rules, .gifts = &gift,
				     .gift_count = 1, .timed = &timed, .timed_count = 1, .now = NOW };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.gift_count, 0);
	input.timed_count = 0;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.gift_count, 1);
}
END_TEST

START_TEST(beside_a_full_reduction_and_a_coupon)
{
	/* 满200减30 and a 20-yuan coupon take off the order; the gift at 200
	 * is still given (its threshold is the merchandise, not the total) */
	struct price_line lines[] = { line_of(1, 2, 10000, 0) };
	struct price_gift gift = gift_of(6, 0, "杯子", 20000, 0, true);
	struct price_full_reduction reduction = { .promotion_id = 4, .title = "满减", .starts_at = NOW - 60,
						  .ends_at = NOW + 60, .tier_count = 1 };
	reduction.tiers[0] = (struct price_tier){ 20000, 3000 };
	struct price_coupon coupon = { .id = 3, .title = "券", .amount_fen = 2000, .starts_at = NOW - 60,
				       .expires_at = NOW + 60, .available = true };
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 1, .rules = &rules, .gifts = &gift, .gift_count = 1,
				     .reductions = &reduction, .reduction_count = 1, .coupons = &coupon,
				     .coupon_count = 1, .now = NOW };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	quote_sound(&input, &quote);
	ck_assert_int_eq(quote.total_fen, 15000);
	ck_assert_int_eq(quote.gift_count, 1);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("promo_gift");
	TCase *bad = tcase_create("refusals");
	tcase_add_test(bad, bad_configs_name_their_field);
	tcase_add_test(bad, bad_input_is_refused);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("engine");
	tcase_add_test(good, the_table);
	tcase_add_test(good, tiers_of_one_promotion_each_given_when_reached);
	tcase_add_test(good, the_threshold_is_on_the_amount_after_item_prices);
	tcase_add_test(good, beside_a_full_reduction_and_a_coupon);
	suite_add_tcase(suite, good);
	return suite;
}
