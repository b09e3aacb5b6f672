/* test_promo_points_cash.c: unit tests of points as cash (fcgi/checkout/
 * promo_points_cash.c): its admin config refused naming the field, points
 * refused without a live promotion or above the balance (first), then the
 * money they make: the rate, max_percent, the floor, whole fen and only
 * the points that money needs, last after a coupon and a red packet. */
#include "kinds.h"

static const struct price_points_cash hundred_per_yuan = { .promotion_id = 11, .title = "积分抵现",
							    .points_per_yuan = 100, .max_percent = 20 };

static enum price_error points_quote(int64_t price, int64_t floor_fen, const struct price_points_cash *points,
				     int64_t asked, int64_t balance, struct price_quote *quote)
{
	struct price_line lines[] = { line_of(1, 1, price, floor_fen) };
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 1, .rules = &rules, .points_cash = points,
				     .points_asked = asked, .points_balance = balance, .now = NOW };
	enum price_error error = price_quote(&input, quote);
	if (error == PRICE_OK)
		quote_sound(&input, quote);
	return error;
}

START_TEST(bad_configs_name_their_field)
{
	REFUSED("points_cash", "{}", "config.points_per_yuan");
	REFUSED("points_cash", "{\"points_per_yuan\": 0, \"max_percent\": 20}", "config.points_per_yuan");
	REFUSED("points_cash", "{\"points_per_yuan\": 10001, \"max_percent\": 20}", "config.points_per_yuan");
	REFUSED("points_cash", "{\"points_per_yuan\": 100}", "config.max_percent");
	REFUSED("points_cash", "{\"points_per_yuan\": 100, \"max_percent\": 0}", "config.max_percent");
	REFUSED("points_cash", "{\"points_per_yuan\": 100, \"max_percent\": 101}", "config.max_percent");
	REFUSED("points_cash", "{\"points_per_yuan\": 100, \"max_percent\": 20, \"x\": 1}", "config");
	TAKEN("points_cash", "{\"points_per_yuan\": 100, \"max_percent\": 20}");
}
END_TEST

START_TEST(points_are_refused_without_a_promotion_or_balance)
{
	struct price_quote quote;
	ck_assert_int_eq(points_quote(10000, 0, NULL, 100, 1000, &quote), PRICE_POINTS_NOT_APPLICABLE);
	ck_assert_int_eq(points_quote(10000, 0, &hundred_per_yuan, 1001, 1000, &quote), PRICE_POINTS_INSUFFICIENT);
	ck_assert_int_eq(points_quote(10000, 0, &hundred_per_yuan, -1, 1000, &quote), PRICE_BAD_INPUT);
	/* none asked: nothing to refuse */
	ck_assert_int_eq(points_quote(10000, 0, NULL, 0, 0, &quote), PRICE_OK);
	ck_assert_int_eq(quote.points_used, 0);
}
END_TEST

START_TEST(the_table)
{
	static const struct {
		const char *name;
		int64_t price, floor_fen, per_yuan, max_percent, asked, used, money;
	} cases[] = {
		{ "500 points are 5 yuan", 10000, 0, 100, 20, 500, 500, 500 },
		{ "at most 20% of 100 yuan", 10000, 0, 100, 20, 5000, 2000, 2000 },
		{ "never below the floor", 10000, 9500, 100, 20, 5000, 500, 500 },
		{ "at the floor: nothing", 10000, 10000, 100, 20, 5000, 0, 0 },
		{ "10 points a fen: 15 points make 1 fen, 10 are spent", 10000, 0, 1000, 20, 15, 10, 1 },
		{ "too few points for a fen", 10000, 0, 1000, 20, 9, 0, 0 },
		{ "3 points a yuan: 2 points are 66 fen, both spent", 10000, 0, 3, 100, 2, 2, 66 },
		{ "3 points a yuan, a cap of 50 fen: 1 point, 33 fen", 50, 0, 3, 100, 2, 1, 33 },
		{ "100%: the whole order", 10000, 0, 100, 100, 20000, 10000, 10000 },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct price_points_cash points = { .promotion_id = 11, .title = "积分",
						    .points_per_yuan = cases[c].per_yuan,
						    .max_percent = cases[c].max_percent };
		struct price_quote quote;
		ck_assert_int_eq(points_quote(cases[c].price, cases[c].floor_fen, &points, cases[c].asked, 1000000, &quote),
				 PRICE_OK);
		ck_assert_msg(quote.points_used == cases[c].used && discount_of(&quote, PRICE_POINTS_CASH) == cases[c].money,
			      "%s: %lld points, %lld fen", cases[c].name, (long long)quote.points_used,
			      (long long)discount_of(&quote, PRICE_POINTS_CASH));
		if (cases[c].money > 0) {
			ck_assert_int_eq(quote.discounts[0].promotion_id, 11);
			ck_assert_int_eq(quote.discounts[0].kind, PRICE_POINTS_CASH);
		}
	}
}
END_TEST

START_TEST(last_after_a_coupon_and_a_red_packet)
{
	/* 100 yuan, a 10-yuan coupon, a 20-yuan red packet: 70 left, of which 20% is 14 */
	struct price_line lines[] = { line_of(1, 1, 10000, 0) };
	struct price_coupon coupon = { .id = 3, .title = "券", .amount_fen = 1000, .starts_at = NOW - 60,
				       .expires_at = NOW + 60, .available = true };
	struct price_red_packet packet = { .id = 21, .amount_fen = 2000, .available = true };
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 1, .rules = &rules, .coupons = &coupon,
				     .coupon_count = 1, .red_packets = &packet, .red_packet_count = 1,
				     .points_cash = &hundred_per_yuan, .points_asked = 5000, .points_balance = 5000,
				     .now = NOW };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	quote_sound(&input, &quote);
	ck_assert_int_eq(quote.points_used, 1400);
	ck_assert_int_eq(quote.total_fen, 5600);
	ck_assert_int_eq(quote.discounts[0].kind, PRICE_COUPON);
	ck_assert_int_eq(quote.discounts[1].kind, PRICE_RED_PACKET);
	ck_assert_int_eq(quote.discounts[2].kind, PRICE_POINTS_CASH);
	ck_assert_str_eq(quote.discounts[2].label, "积分抵现：1400积分");
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("promo_points_cash");
	TCase *bad = tcase_create("refusals");
	tcase_add_test(bad, bad_configs_name_their_field);
	tcase_add_test(bad, points_are_refused_without_a_promotion_or_balance);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("engine");
	tcase_add_test(good, the_table);
	tcase_add_test(good, last_after_a_coupon_and_a_red_packet);
	suite_add_tcase(suite, good);
	return suite;
}
