/* test_promo_kinds_random.c: a property test of the pricing engine with
 * the kinds of issue 14 part A (bundle, member price, add-on, gift, red
 * packets, points) stacked on the others (bargain, timed discount, first
 * order, full reduction, coupon): over thousands of random carts and
 * promotion sets, every quote is refused with a reason or whole: discounts
 * positive and summing to the discount, the total never negative nor below
 * the floor, each kind within its config, gifts only in stock, the same
 * inputs always the same quote. Seeded, so a failure repeats. */
#include <stdlib.h>

#include "kinds.h"

#define CARTS 20000

static int64_t pick(int64_t low, int64_t high)
{
	return low + (int64_t)(random() % (long)(high - low + 1));
}

struct world {
	struct price_line lines[6];
	struct price_bundle bundle;
	struct price_member_price member;
	struct price_addon_offer offer;
	struct price_gift gifts[2];
	struct price_red_packet packets[2];
	struct price_points_cash points;
	struct price_timed_discount timed;
	struct price_first_order first;
	struct price_full_reduction reduction;
	struct price_coupon coupon;
	struct price_rules rules;
	struct price_input input;
};

static void world_make(struct world *w)
{
	memset(w, 0, sizeof(*w));
	int count = (int)pick(1, 5);
	for (int i = 0; i < count; i++) {
		int64_t price = pick(1, 50000);
		w->lines[i] = line_of(i + 1, pick(1, 4), price, pick(0, 1) ? pick(0, price) : 0);
	}
	if (pick(0, 3) == 0) {
		w->lines[0].has_bargain = true;
		w->lines[0].bargain_price_fen = pick(w->lines[0].unit_floor_fen, w->lines[0].unit_price_fen);
	}
	bool addon = count > 1 && pick(0, 1);
	w->bundle = (struct price_bundle){ .promotion_id = 5, .title = "套餐", .starts_at = NOW - 1, .ends_at = NOW + 1,
					   .item_count = 2, .price_fen = pick(0, 60000) };
	w->bundle.items[0] = (struct price_bundle_item){ 1, pick(1, 2) };
	w->bundle.items[1] = (struct price_bundle_item){ 2, pick(1, 2) };
	w->member = (struct price_member_price){ .promotion_id = 6, .title = "会员", .starts_at = NOW - 1,
						 .ends_at = NOW + 1, .level = 1, .percent = pick(1, 99) };
	w->offer = (struct price_addon_offer){ .promotion_id = 7, .starts_at = NOW - 1, .ends_at = NOW + 1,
					       .threshold_fen = pick(0, 30000), .item_id = count, .price_fen = pick(0, 20000),
					       .max_qty = pick(1, 4) };
	for (int g = 0; g < 2; g++)
		w->gifts[g] = (struct price_gift){ .promotion_id = 8, .gift_index = g, .name = "礼品",
						   .starts_at = NOW - 1, .ends_at = NOW + 1,
						   .threshold_fen = pick(0, 100000), .in_stock = pick(0, 1) };
	for (int p = 0; p < 2; p++)
		w->packets[p] = (struct price_red_packet){ .id = 20 + p, .amount_fen = pick(1, 5000), .available = true };
	w->points = (struct price_points_cash){ .promotion_id = 9, .title = "积分", .points_per_yuan = pick(1, 1000),
						.max_percent = pick(1, 100) };
	w->timed = (struct price_timed_discount){ .promotion_id = 10, .title = "限时", .starts_at = NOW - 1,
						  .ends_at = NOW + 1, .item_count = 1 };
	w->timed.items[0] = (struct price_timed_item){ .item_id = pick(1, 3), .percent = pick(1, 99) };
	w->first = (struct price_first_order){ .promotion_id = 11, .title = "首单", .starts_at = NOW - 1,
					       .ends_at = NOW + 1, .percent = pick(1, 99) };
	w->reduction = (struct price_full_reduction){ .promotion_id = 12, .title = "满减", .starts_at = NOW - 1,
						      .ends_at = NOW + 1, .tier_count = 1 };
	w->reduction.tiers[0] = (struct price_tier){ pick(0, 100000), pick(1, 20000) };
	w->coupon = (struct price_coupon){ .id = 3, .title = "券", .amount_fen = pick(1, 5000), .starts_at = NOW - 1,
					   .expires_at = NOW + 1, .available = true };
	w->input = (struct price_input){
		.lines = w->lines, .line_count = count, .rules = &w->rules, .now = NOW,
		.bundles = &w->bundle, .bundle_count = (int)pick(0, 1),
		.member_prices = &w->member, .member_price_count = (int)pick(0, 1),
		.addon_offers = &w->offer, .addon_offer_count = (int)pick(0, 1),
		.gifts = w->gifts, .gift_count = (int)pick(0, 2),
		.red_packets = w->packets, .red_packet_count = (int)pick(0, 2),
		.points_cash = pick(0, 1) ? &w->points : NULL, .points_asked = pick(0, 1) ? pick(0, 20000) : 0,
		.points_balance = pick(0, 20000),
		.timed = &w->timed, .timed_count = (int)pick(0, 1),
		.first_orders = &w->first, .first_order_count = (int)pick(0, 1),
		.reductions = &w->reduction, .reduction_count = (int)pick(0, 1),
		.coupons = &w->coupon, .coupon_count = (int)pick(0, 1),
		.addon_lines = addon ? 1u << (count - 1) : 0,
	};
}

START_TEST(random_carts_are_refused_with_a_reason_or_priced_whole)
{
	srandom(20261207);
	int priced = 0, refused = 0;
	for (int c = 0; c < CARTS; c++) {
		struct world w;
		world_make(&w);
		struct price_quote quote, again;
		enum price_error error = price_quote(&w.input, &quote);
		ck_assert_int_eq(price_quote(&w.input, &again), error);
		ck_assert_int_eq(again.total_fen, quote.total_fen); /* the same inputs, the same quote */
		ck_assert_int_eq(again.discount_count, quote.discount_count);
		ck_assert_int_eq(again.points_used, quote.points_used);
		ck_assert_int_eq(again.gift_count, quote.gift_count);
		if (error != PRICE_OK) {
			ck_assert_int_ne(error, PRICE_BAD_INPUT); /* every world above is well-formed */
			refused++;
			continue;
		}
		priced++;
		quote_sound(&w.input, &quote);
		/* each kind within its config */
		int64_t points_money = discount_of(&quote, PRICE_POINTS_CASH);
		if (points_money > 0) {
			ck_assert_ptr_nonnull(w.input.points_cash);
			ck_assert_int_le(quote.points_used, w.input.points_asked);
			ck_assert_int_le(quote.points_used, w.input.points_balance);
			ck_assert_int_le(points_money * w.points.points_per_yuan, quote.points_used * 100);
			ck_assert_int_le(points_money, (quote.total_fen + points_money) * w.points.max_percent / 100);
		} else {
			ck_assert_int_eq(quote.points_used, 0);
		}
		for (int d = 0; d < quote.discount_count; d++)
			if (quote.discounts[d].kind == PRICE_RED_PACKET)
				ck_assert_int_le(quote.discounts[d].amount_fen, 5000);
		if (discount_of(&quote, PRICE_COUPON) > 0)
			ck_assert_int_le(discount_of(&quote, PRICE_COUPON), w.coupon.amount_fen);
		for (int g = 0; g < quote.gift_count; g++) {
			const struct price_gift *gift = &w.gifts[quote.gifts[g].gift_index];
			ck_assert(gift->in_stock);
			ck_assert_int_le(gift->threshold_fen, quote.subtotal_fen);
		}
		/* after the item prices no line costs more than its price nor less than its floor */
		for (int i = 0; i < w.input.line_count; i++) {
			const struct price_line *line = &w.lines[i];
			int64_t paid = price_line_paid(&w.input, &quote, i);
			ck_assert_int_le(paid, line->qty * line->unit_price_fen);
			ck_assert_int_ge(paid, line->qty * line->unit_floor_fen);
		}
	}
	ck_assert_int_gt(priced, CARTS / 4);
	ck_assert_int_gt(refused, 0);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("promo_kinds_random");
	TCase *property = tcase_create("property");
	tcase_add_test(property, random_carts_are_refused_with_a_reason_or_priced_whole);
	suite_add_tcase(suite, property);
	return suite;
}
