/* test_promo_red_packet.c: unit tests of the red packet line
 * (fcgi/checkout/promo_red_packet.c): packets refused when not available,
 * named twice or worth nothing above the floor (first), then their cash
 * after the coupons, several in order, clipped at the floor, and what the
 * refusal answers (promo_refusal.c). */
#include "kinds.h"

#include "core/outcome.h"

static enum price_error packets_quote(const struct price_red_packet *packets, int count, int64_t floor_fen,
				      struct price_quote *quote)
{
	struct price_line lines[] = { line_of(1, 1, 10000, floor_fen) };
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 1, .rules = &rules, .red_packets = packets,
				     .red_packet_count = count, .now = NOW };
	enum price_error error = price_quote(&input, quote);
	if (error == PRICE_OK)
		quote_sound(&input, quote);
	return error;
}

START_TEST(packets_that_do_not_apply_are_refused)
{
	struct price_red_packet packets[] = { { 21, 1000, true }, { 22, 1000, false } };
	struct price_quote quote;
	ck_assert_int_eq(packets_quote(packets, 2, 0, &quote), PRICE_RED_PACKET_UNAVAILABLE);
	ck_assert_int_eq(quote.error_item_id, 22);
	char message[200];
	ck_assert_int_eq(promotion_refusal(&quote, message, sizeof(message)), OUT_PROMOTION_NOT_APPLICABLE);
	ck_assert_ptr_nonnull(strstr(message, "红包 22"));
	packets[1] = packets[0];
	ck_assert_int_eq(packets_quote(packets, 2, 0, &quote), PRICE_RED_PACKET_UNAVAILABLE); /* twice */
	ck_assert_int_eq(packets_quote(packets, 1, 10000, &quote), PRICE_RED_PACKET_NO_VALUE);
	ck_assert_int_eq(promotion_refusal(&quote, message, sizeof(message)), OUT_PROMOTION_NOT_APPLICABLE);
	ck_assert_int_eq(packets_quote(packets, PRICE_RED_PACKETS_MAX + 1, 0, &quote), PRICE_BAD_INPUT);
	/* the other refusals answer as the API says */
	quote.error = PRICE_POINTS_INSUFFICIENT;
	ck_assert_int_eq(promotion_refusal(&quote, message, sizeof(message)), OUT_INSUFFICIENT_POINTS);
	quote.error = PRICE_POINTS_NOT_APPLICABLE;
	ck_assert_int_eq(promotion_refusal(&quote, message, sizeof(message)), OUT_POINTS_NOT_ACCEPTED);
	quote.error = PRICE_ADDON_NOT_APPLICABLE;
	ck_assert_int_eq(promotion_refusal(&quote, message, sizeof(message)), OUT_PROMOTION_NOT_APPLICABLE);
	quote.error = PRICE_COUPON_EXPIRED;
	ck_assert_int_eq(promotion_refusal(&quote, message, sizeof(message)), 0); /* the coupon's own answer */
}
END_TEST

START_TEST(their_cash_in_order_down_to_the_floor)
{
	struct price_red_packet packets[] = { { 21, 1000, true }, { 22, 2550, true } };
	struct price_quote quote;
	ck_assert_int_eq(packets_quote(packets, 2, 0, &quote), PRICE_OK);
	ck_assert_int_eq(quote.total_fen, 10000 - 3550);
	ck_assert_int_eq(quote.discount_count, 2);
	ck_assert_str_eq(quote.discounts[0].label, "红包：10元");
	ck_assert_str_eq(quote.discounts[1].label, "红包：25.50元");
	ck_assert_int_eq(quote.discounts[1].promotion_id, 0);
	/* the floor clips the second */
	ck_assert_int_eq(packets_quote(packets, 2, 8000, &quote), PRICE_OK);
	ck_assert_int_eq(quote.total_fen, 8000);
	ck_assert_int_eq(discount_of(&quote, PRICE_RED_PACKET), 2000);
}
END_TEST

START_TEST(after_the_full_reduction_and_coupon)
{
	/* 满100减10, a 20 coupon, a 30 red packet: 40 off, in that order */
	struct price_line lines[] = { line_of(1, 1, 10000, 0) };
	struct price_full_reduction reduction = { .promotion_id = 4, .title = "满减", .starts_at = NOW - 60,
						  .ends_at = NOW + 60, .tier_count = 1 };
	reduction.tiers[0] = (struct price_tier){ 10000, 1000 };
	struct price_coupon coupon = { .id = 3, .title = "券", .amount_fen = 2000, .starts_at = NOW - 60,
				       .expires_at = NOW + 60, .available = true };
	struct price_red_packet packet = { 21, 3000, true };
	struct price_rules rules = { 0 };
	struct price_input input = { .lines = lines, .line_count = 1, .rules = &rules, .reductions = &reduction,
				     .reduction_count = 1, .coupons = &coupon, .coupon_count = 1, .red_packets = &packet,
				     .red_packet_count = 1, .now = NOW };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	quote_sound(&input, &quote);
	ck_assert_int_eq(quote.total_fen, 4000);
	ck_assert_int_eq(quote.discounts[0].kind, PRICE_FULL_REDUCTION);
	ck_assert_int_eq(quote.discounts[1].kind, PRICE_COUPON);
	ck_assert_int_eq(quote.discounts[2].kind, PRICE_RED_PACKET);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("promo_red_packet");
	TCase *bad = tcase_create("refusals");
	tcase_add_test(bad, packets_that_do_not_apply_are_refused);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("engine");
	tcase_add_test(good, their_cash_in_order_down_to_the_floor);
	tcase_add_test(good, after_the_full_reduction_and_coupon);
	suite_add_tcase(suite, good);
	return suite;
}
