/* test_promo_member_price.c: unit tests of the member price kind
 * (fcgi/checkout/promo_member_price.c): its admin config refused naming
 * the field (first), the entry of the shopper's level, then the engine:
 * percent of what a unit costs after the timed discount, the floor, the
 * lowest of two, and the pairs with a bargain, a bundle and a coupon. */
#include "kinds.h"

static struct price_member_price member_of(int64_t id, int64_t percent)
{
	return (struct price_member_price){ .promotion_id = id, .title = "金卡九折", .starts_at = NOW - 60,
					    .ends_at = NOW + 60, .level = 2, .percent = percent };
}

START_TEST(bad_configs_name_their_field)
{
	REFUSED("member_price", "{}", "config.levels");
	REFUSED("member_price", "{\"levels\": []}", "config.levels");
	REFUSED("member_price", "{\"levels\": [{\"level\": 1, \"percent\": 90}], \"x\": 1}", "config.levels");
	REFUSED("member_price", "{\"levels\": [{\"level\": 0, \"percent\": 90}]}", "config.levels.level");
	REFUSED("member_price", "{\"levels\": [{\"percent\": 90}]}", "config.levels.level");
	REFUSED("member_price", "{\"levels\": [{\"level\": 1, \"percent\": 90}, {\"level\": 1, \"percent\": 80}]}",
		"config.levels.level");
	REFUSED("member_price", "{\"levels\": [{\"level\": 1, \"percent\": 100}]}", "config.levels.percent");
	REFUSED("member_price", "{\"levels\": [{\"level\": 1, \"percent\": 0}]}", "config.levels.percent");
	TAKEN("member_price", "{\"levels\": [{\"level\": 1, \"percent\": 95}, {\"level\": 2, \"percent\": 90}]}");
	/* the entry of a level, none for another */
	json_t *config = json_loads("{\"levels\": [{\"level\": 1, \"percent\": 95}, {\"level\": 2, \"percent\": 90}]}", 0,
				    NULL);
	int64_t percent;
	const char *field;
	ck_assert(member_price_parse(config, 2, &percent, &field));
	ck_assert_int_eq(percent, 90);
	ck_assert(member_price_parse(config, 3, &percent, &field));
	ck_assert_int_eq(percent, 0);
	json_decref(config);
}
END_TEST

START_TEST(bad_input_is_refused)
{
	struct price_line lines[] = { line_of(1, 1, 10000, 0) };
	struct price_member_price member = member_of(7, 100);
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 1, .rules = &rules, .member_prices = &member,
				     .member_price_count = 1, .now = NOW };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
}
END_TEST

START_TEST(the_table)
{
	static const struct {
		const char *name;
		int64_t percent, qty, floor_fen, now, total;
	} cases[] = {
		{ "90% of 3 x 100", 90, 3, 0, NOW, 27000 },
		{ "before its window", 90, 3, 0, NOW - 61, 30000 },
		{ "at its end", 90, 3, 0, NOW + 60, 30000 },
		{ "never below the floor", 50, 2, 8000, NOW, 16000 },
		{ "rounding keeps whole fen", 33, 1, 0, NOW, 3300 },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct price_line lines[] = { line_of(1, cases[c].qty, 10000, cases[c].floor_fen) };
		struct price_member_price member = member_of(7, cases[c].percent);
		struct price_rules rules = { 0 };
		struct price_input input = { .lines = lines, .line_count = 1, .rules = &rules, .member_prices = &member,
					     .member_price_count = 1, .now = cases[c].now };
		struct price_quote quote;
		ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
		quote_sound(&input, &quote);
		ck_assert_msg(quote.total_fen == cases[c].total, "%s: %lld", cases[c].name, (long long)quote.total_fen);
		if (quote.discount_count == 1) {
			ck_assert_int_eq(quote.discounts[0].kind, PRICE_MEMBER_PRICE);
			ck_assert_int_eq(quote.discounts[0].promotion_id, 7);
			ck_assert_str_eq(quote.discounts[0].label, "会员价：金卡九折");
		}
	}
}
END_TEST

START_TEST(the_lowest_percent_applies_once)
{
	struct price_line lines[] = { line_of(1, 1, 10000, 0) };
	struct price_member_price members[] = { member_of(7, 90), member_of(8, 85) };
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 1, .rules = &rules, .member_prices = members,
				     .member_price_count = 2, .now = NOW };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.total_fen, 8500);
	ck_assert_int_eq(quote.discount_count, 1);
	ck_assert_int_eq(quote.discounts[0].promotion_id, 8);
}
END_TEST

START_TEST(on_the_timed_price_after_the_bargain_and_bundle)
{
	/* item 1: 3 units, one bargained at 60, one in a set with item 2 (set
	 * 150), one left at the timed 80%: the member's 90% only on that one */
	struct price_line lines[] = { line_of(1, 3, 10000, 0), line_of(2, 1, 10000, 0) };
	lines[0].has_bargain = true;
	lines[0].bargain_price_fen = 6000;
	struct price_bundle bundle = { .promotion_id = 5, .title = "套餐", .starts_at = NOW - 60, .ends_at = NOW + 60,
				       .item_count = 2, .price_fen = 15000 };
	bundle.items[0] = (struct price_bundle_item){ 1, 1 };
	bundle.items[1] = (struct price_bundle_item){ 2, 1 };
	struct price_timed_discount timed = timed_of(9, 1, 80, 0);
	struct price_member_price member = member_of(7, 90);
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 2, .rules = &rules, .bundles = &bundle,
				     .bundle_count = 1, .timed = &timed, .timed_count = 1, .member_prices = &member,
				     .member_price_count = 1, .now = NOW };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	quote_sound(&input, &quote);
	ck_assert_int_eq(quote.total_fen, 6000 + 15000 + 7200);
	ck_assert_int_eq(discount_of(&quote, PRICE_MEMBER_PRICE), 800);
	/* API.md's order of the lines */
	ck_assert_int_eq(quote.discounts[0].kind, PRICE_BARGAIN);
	ck_assert_int_eq(quote.discounts[1].kind, PRICE_BUNDLE);
	ck_assert_int_eq(quote.discounts[2].kind, PRICE_TIMED_DISCOUNT);
	ck_assert_int_eq(quote.discounts[3].kind, PRICE_MEMBER_PRICE);
}
END_TEST

START_TEST(a_coupon_minimum_is_on_the_member_price)
{
	/* 100 at 90%: a coupon of minimum 100 no longer applies */
	struct price_line lines[] = { line_of(1, 1, 10000, 0) };
	struct price_member_price member = member_of(7, 90);
	struct price_coupon coupon = { .id = 3, .title = "券", .amount_fen = 1000, .min_spend_fen = 10000,
				       .starts_at = NOW - 60, .expires_at = NOW + 60, .available = true };
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 1, .rules = &rules, .member_prices = &member,
				     .member_price_count = 1, .coupons = &coupon, .coupon_count = 1, .now = NOW };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_COUPON_MIN_SPEND);
	coupon.min_spend_fen = 9000;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	quote_sound(&input, &quote);
	ck_assert_int_eq(quote.total_fen, 8000);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("promo_member_price");
	TCase *bad = tcase_create("refusals");
	tcase_add_test(bad, bad_configs_name_their_field);
	tcase_add_test(bad, bad_input_is_refused);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("engine");
	tcase_add_test(good, the_table);
	tcase_add_test(good, the_lowest_percent_applies_once);
	tcase_add_test(good, on_the_timed_price_after_the_bargain_and_bundle);
	tcase_add_test(good, a_coupon_minimum_is_on_the_member_price);
	suite_add_tcase(suite, good);
	return suite;
}
