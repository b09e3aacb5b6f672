/* test_order.c: unit tests of fcgi/checkout/order.c's pure decisions, no
 * database: the cart's items and promotions (missing item, mixed
 * campaigns, someone else's or an unfinished bargain, a bargain item not
 * in the cart, the campaign's window, a coupon pricing refuses), stock,
 * the pay window, the notify verdicts, the refund and its points.
 * Failure cases first. */
#include <string.h>

#include "checkout/order.h"
#include "core/outcome.h"
#include "unit.h"

#define NOW 1800000000LL
#define USER 7
#define CAMPAIGN 3

static struct item_for_cart item(int64_t campaign_id, int64_t price, int64_t floor_fen, int64_t stock)
{
	return (struct item_for_cart){ .found = true, .campaign_id = campaign_id, .name = "商品", .price_fen = price,
				       .floor_fen = floor_fen, .stock_left = stock, .starts_at = NOW - 3600,
				       .ends_at = NOW + 3600 };
}

/* A cart of lines (item ids 1, 2, ...) of CAMPAIGN, loaded and decided up
 * to the items. */
static void cart_of(struct cart *cart, int line_count, int64_t qty, int64_t price)
{
	memset(cart, 0, sizeof(*cart));
	cart->promotions.user_id = USER;
	cart->line_count = line_count;
	for (int i = 0; i < line_count; i++) {
		cart->lines[i].item_id = i + 1;
		cart->lines[i].qty = qty;
		cart->lines[i].item = item(CAMPAIGN, price, 0, 10);
	}
	cart->promotions.rules.tiers = cart->promotions.tiers;
}

static void bargain_of(struct cart *cart, int64_t user_id, int64_t item_id, bool succeeded, int64_t price)
{
	cart->promotions.bargain_id = 99;
	cart->promotions.bargain = (struct promotion_bargain){ .found = true, .user_id = user_id, .item_id = item_id,
							       .succeeded = succeeded, .price_fen = price,
							       .pay_within_s = 600, .pay_window_end = NOW + 86400 };
}

/* ------------------------------------------------------------- refusals */

START_TEST(a_missing_item_is_not_found_and_named)
{
	struct cart cart;
	cart_of(&cart, 2, 1, 1000);
	cart.lines[1].item.found = false;
	ck_assert_int_eq(cart_items_decide(&cart), OUT_NOT_FOUND);
	ck_assert_str_eq(cart.message, "商品 2 不存在。");
}
END_TEST

START_TEST(items_of_two_campaigns_are_refused)
{
	struct cart cart;
	cart_of(&cart, 2, 1, 1000);
	cart.lines[1].item.campaign_id = CAMPAIGN + 1;
	ck_assert_int_eq(cart_items_decide(&cart), OUT_MIXED_CAMPAIGNS);
}
END_TEST

START_TEST(the_first_missing_item_wins_over_a_later_mix)
{
	struct cart cart;
	cart_of(&cart, 3, 1, 1000);
	cart.lines[1].item.found = false;
	cart.lines[2].item.campaign_id = CAMPAIGN + 1;
	ck_assert_int_eq(cart_items_decide(&cart), OUT_NOT_FOUND);
}
END_TEST

START_TEST(someone_elses_bargain_is_not_found)
{
	struct cart cart;
	cart_of(&cart, 1, 1, 1000);
	ck_assert_int_eq(cart_items_decide(&cart), DB_OK);
	bargain_of(&cart, USER + 1, 1, true, 500);
	ck_assert_int_eq(cart_decide(&cart, NOW), OUT_NOT_FOUND);
	ck_assert_str_eq(cart.message, "找不到这个砍价。");
	cart.promotions.bargain.found = false;
	ck_assert_int_eq(cart_decide(&cart, NOW), OUT_NOT_FOUND);
}
END_TEST

START_TEST(an_unfinished_bargain_cannot_be_ordered)
{
	struct cart cart;
	cart_of(&cart, 1, 1, 1000);
	ck_assert_int_eq(cart_items_decide(&cart), DB_OK);
	bargain_of(&cart, USER, 1, false, 500);
	ck_assert_int_eq(cart_decide(&cart, NOW), OUT_BARGAIN_NOT_SUCCEEDED);
}
END_TEST

START_TEST(a_bargain_past_its_pay_window_cannot_be_ordered)
{
	struct cart cart;
	cart_of(&cart, 1, 1, 1000);
	ck_assert_int_eq(cart_items_decide(&cart), DB_OK);
	bargain_of(&cart, USER, 1, true, 500);
	cart.promotions.bargain.pay_window_end = NOW;
	ck_assert_int_eq(cart_decide(&cart, NOW), OUT_BARGAIN_NOT_SUCCEEDED);
	ck_assert_str_eq(cart.message, "砍价的下单时限已过。");
	cart.promotions.bargain.pay_window_end = NOW + 1;
	ck_assert_int_eq(cart_decide(&cart, NOW), DB_OK);
}
END_TEST

START_TEST(a_bargain_whose_item_is_not_in_the_cart_is_refused)
{
	struct cart cart;
	cart_of(&cart, 1, 1, 1000);
	ck_assert_int_eq(cart_items_decide(&cart), DB_OK);
	bargain_of(&cart, USER, 5, true, 500);
	ck_assert_int_eq(cart_decide(&cart, NOW), OUT_INVALID_FIELD);
	ck_assert_str_eq(cart.message, "砍价的商品不在 lines 中。");
}
END_TEST

START_TEST(outside_the_campaign_window_is_not_active)
{
	struct cart cart;
	cart_of(&cart, 1, 1, 1000);
	ck_assert_int_eq(cart_items_decide(&cart), DB_OK);
	ck_assert_int_eq(cart_decide(&cart, NOW - 3601), OUT_CAMPAIGN_NOT_ACTIVE);
	ck_assert_int_eq(cart_decide(&cart, NOW + 3600), OUT_CAMPAIGN_NOT_ACTIVE);
	ck_assert_int_eq(cart_decide(&cart, NOW + 3599), DB_OK);
}
END_TEST

START_TEST(a_succeeded_bargain_outlives_its_campaign_but_not_its_start)
{
	struct cart cart;
	cart_of(&cart, 1, 1, 1000);
	ck_assert_int_eq(cart_items_decide(&cart), DB_OK);
	bargain_of(&cart, USER, 1, true, 300);
	ck_assert_int_eq(cart_decide(&cart, NOW + 7200), DB_OK);
	ck_assert_int_eq(cart.quote.total_fen, 300);
	ck_assert_int_eq(cart_decide(&cart, NOW - 7200), OUT_CAMPAIGN_NOT_ACTIVE);
}
END_TEST

START_TEST(a_coupon_pricing_refuses_is_named_with_its_reason)
{
	struct cart cart;
	cart_of(&cart, 1, 1, 1000);
	ck_assert_int_eq(cart_items_decide(&cart), DB_OK);
	cart.promotions.coupon_count = 1;
	cart.promotions.coupon_ids[0] = 42;
	cart.promotions.coupons[0] = (struct price_coupon){ .id = 42, .title = "券", .amount_fen = 100,
							    .min_spend_fen = 5000, .starts_at = NOW - 1,
							    .expires_at = NOW + 1, .available = true };
	ck_assert_int_eq(cart_decide(&cart, NOW), OUT_COUPON_NOT_APPLICABLE);
	ck_assert_str_eq(cart.message, "优惠券 42 不可用：未达到优惠券的使用门槛。");
}
END_TEST

START_TEST(a_price_out_of_bounds_is_an_invalid_field)
{
	struct cart cart;
	cart_of(&cart, 1, 1, PRICE_UNIT_MAX + 1);
	ck_assert_int_eq(cart_items_decide(&cart), DB_OK);
	ck_assert_int_eq(cart_decide(&cart, NOW), OUT_INVALID_FIELD);
	ck_assert_str_eq(cart.message, "购物车内容不正确。");
}
END_TEST

START_TEST(a_line_asking_more_than_was_left_is_out_of_stock)
{
	struct cart cart;
	cart_of(&cart, 2, 3, 1000);
	cart.lines[1].item.stock_left = 2;
	ck_assert_int_eq(order_stock_decide(&cart), OUT_OUT_OF_STOCK);
	cart.lines[1].item.stock_left = 3;
	ck_assert_int_eq(order_stock_decide(&cart), DB_OK);
}
END_TEST

START_TEST(paying_needs_the_owner_a_pending_order_and_time)
{
	const char *message;
	struct order_head head = { .user_id = USER, .status = "pending_payment", .total_fen = 100, .pay_by = NOW + 60 };
	ck_assert_int_eq(pay_decide(&head, USER + 1, NOW, &message), OUT_NOT_FOUND);
	head.status = "paid";
	ck_assert_int_eq(pay_decide(&head, USER, NOW, &message), OUT_INVALID_STATE);
	ck_assert_ptr_null(message);
	head.status = "pending_payment";
	head.pay_by = NOW;
	ck_assert_int_eq(pay_decide(&head, USER, NOW, &message), OUT_INVALID_STATE);
	ck_assert_str_eq(message, "订单已超过支付时限。");
	head.pay_by = NOW + 1;
	ck_assert_int_eq(pay_decide(&head, USER, NOW, &message), DB_OK);
}
END_TEST

START_TEST(notify_verdicts)
{
	struct payment_row payment = { .found = false };
	struct payment_notice notice = { .order_id = 5, .amount_fen = 990, .reported = "success" };
	struct order_head order = { .total_fen = 990 };
	ck_assert_int_eq(notify_decide(&payment, &notice, NULL), NOTIFY_UNKNOWN);
	payment = (struct payment_row){ .found = true, .order_id = 6, .amount_fen = 990 };
	ck_assert_int_eq(notify_decide(&payment, &notice, NULL), NOTIFY_UNKNOWN); /* another order's */
	payment.order_id = 5;
	notice.reported = "failed";
	ck_assert_int_eq(notify_decide(&payment, &notice, &order), NOTIFY_IGNORED);
	notice.reported = "success";
	notice.amount_fen = 989;
	ck_assert_int_eq(notify_decide(&payment, &notice, &order), NOTIFY_AMOUNT_MISMATCH);
	notice.amount_fen = 990;
	order.total_fen = 991; /* the order's total moved away from the payment's */
	ck_assert_int_eq(notify_decide(&payment, &notice, &order), NOTIFY_AMOUNT_MISMATCH);
	order.total_fen = 990;
	ck_assert_int_eq(notify_decide(&payment, &notice, &order), NOTIFY_APPLY);
}
END_TEST

START_TEST(only_paid_or_shipped_orders_are_refunded)
{
	bool restock = true;
	const char *message;
	const char *refused[] = { "pending_payment", "cancelled", "refunded", "completed", "" };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		ck_assert_int_eq(refund_decide(refused[i], &restock, &message), OUT_INVALID_STATE);
		ck_assert_str_eq(message, "只有已支付或已发货的订单可以退款。");
		ck_assert(!restock);
	}
	ck_assert_int_eq(refund_decide("shipped", &restock, &message), DB_OK);
	ck_assert(!restock); /* the goods left: no stock back */
	ck_assert_int_eq(refund_decide("paid", &restock, &message), DB_OK);
	ck_assert(restock);
}
END_TEST

START_TEST(a_refund_takes_back_no_more_points_than_are_left)
{
	ck_assert_int_eq(refund_points_to_take(0, true, 100), 0);
	ck_assert_int_eq(refund_points_to_take(-5, true, 100), 0);
	ck_assert_int_eq(refund_points_to_take(50, true, 0), 0);
	ck_assert_int_eq(refund_points_to_take(50, true, 20), 20);
	ck_assert_int_eq(refund_points_to_take(50, true, 80), 50);
	ck_assert_int_eq(refund_points_to_take(50, false, 0), 50); /* no shopper row: the ledger refuses it */
}
END_TEST

/* -------------------------------------------------------------- success */

START_TEST(a_bargain_cart_is_priced_and_pays_within_the_bargains_window)
{
	struct cart cart;
	cart_of(&cart, 2, 2, 1000);
	cart.lines[0].item.floor_fen = 5000; /* a floor above the price is the price */
	ck_assert_int_eq(cart_items_decide(&cart), DB_OK);
	ck_assert_int_eq(cart.promotions.campaign_id, CAMPAIGN);
	bargain_of(&cart, USER, 2, true, 400);
	ck_assert_int_eq(cart_decide(&cart, NOW), DB_OK);
	ck_assert_int_eq(cart.price_lines[0].unit_floor_fen, 1000);
	ck_assert(!cart.price_lines[0].has_bargain);
	ck_assert(cart.price_lines[1].has_bargain);
	ck_assert_int_eq(cart.quote.subtotal_fen, 4000);
	ck_assert_int_eq(cart.quote.discount_count, 1);
	ck_assert_int_eq(cart.quote.discounts[0].kind, PRICE_BARGAIN);
	ck_assert_int_eq(cart.quote.total_fen, 3400);
	ck_assert_int_eq(order_pay_by(&cart, NOW, 1800), NOW + 600);
	cart.promotions.bargain_id = 0;
	ck_assert_int_eq(order_pay_by(&cart, NOW, 1800), NOW + 1800);
}
END_TEST

/* What the order writes: its lines as priced (the bargained one with its
 * bargain price), its discounts in order (seq from 1); whether its stock
 * goes in the one CALL (no promotion writes after the order row); and
 * whether it is plain (one CALL in a transaction of its own). */
START_TEST(the_rows_an_order_writes_and_where_its_stock_is_reserved)
{
	struct cart cart;
	cart_of(&cart, 2, 2, 1000);
	ck_assert_int_eq(cart_items_decide(&cart), DB_OK);
	ck_assert_int_eq(cart_decide(&cart, NOW), DB_OK);
	ck_assert(order_reserves_at_once(&cart));
	ck_assert(order_is_plain(&cart)); /* one CALL in its own transaction */
	bargain_of(&cart, USER, 2, true, 400);
	ck_assert_int_eq(cart_decide(&cart, NOW), DB_OK);
	struct order_line_new lines[PRICE_LINES_MAX];
	struct order_discount_new discounts[PRICE_DISCOUNTS_MAX];
	order_rows_decide(&cart, lines, discounts);
	ck_assert_int_eq(lines[0].item_id, 1);
	ck_assert_int_eq(lines[0].qty, 2);
	ck_assert_int_eq(lines[0].unit_price_fen, 1000);
	ck_assert_int_eq(lines[0].amount_fen, cart.quote.lines[0].amount_fen);
	ck_assert(!lines[0].bargained);
	ck_assert(lines[1].bargained);
	ck_assert_int_eq(lines[1].bargain_price_fen, 400);
	ck_assert_str_eq(lines[1].name, "商品");
	ck_assert_int_eq(cart.quote.discount_count, 1);
	ck_assert_int_eq(discounts[0].seq, 1);
	ck_assert_str_eq(discounts[0].kind, "bargain");
	ck_assert_int_eq(discounts[0].amount_fen, 600);
	ck_assert_int_eq(discounts[0].coupon_id, 0);
	ck_assert(!order_reserves_at_once(&cart)); /* the bargain's mark comes first: reserved after */
	ck_assert(!order_is_plain(&cart));
	cart.promotions.bargain_id = 0;
	cart.promotions.coupon_count = 1;
	ck_assert(!order_reserves_at_once(&cart)); /* coupons before items */
	cart.promotions.coupon_count = 0;
	cart.quote.discounts[0].promotion_id = 5;
	ck_assert(!order_reserves_at_once(&cart)); /* a promotion's use is taken after the order row */
	ck_assert(!order_is_plain(&cart));         /* a discount: the order's transaction */
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("order");
	TCase *bad = tcase_create("refusals");
	tcase_add_test(bad, a_missing_item_is_not_found_and_named);
	tcase_add_test(bad, items_of_two_campaigns_are_refused);
	tcase_add_test(bad, the_first_missing_item_wins_over_a_later_mix);
	tcase_add_test(bad, someone_elses_bargain_is_not_found);
	tcase_add_test(bad, an_unfinished_bargain_cannot_be_ordered);
	tcase_add_test(bad, a_bargain_past_its_pay_window_cannot_be_ordered);
	tcase_add_test(bad, a_bargain_whose_item_is_not_in_the_cart_is_refused);
	tcase_add_test(bad, outside_the_campaign_window_is_not_active);
	tcase_add_test(bad, a_succeeded_bargain_outlives_its_campaign_but_not_its_start);
	tcase_add_test(bad, a_coupon_pricing_refuses_is_named_with_its_reason);
	tcase_add_test(bad, a_price_out_of_bounds_is_an_invalid_field);
	tcase_add_test(bad, a_line_asking_more_than_was_left_is_out_of_stock);
	tcase_add_test(bad, paying_needs_the_owner_a_pending_order_and_time);
	tcase_add_test(bad, notify_verdicts);
	tcase_add_test(bad, only_paid_or_shipped_orders_are_refunded);
	tcase_add_test(bad, a_refund_takes_back_no_more_points_than_are_left);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("decisions");
	tcase_add_test(good, a_bargain_cart_is_priced_and_pays_within_the_bargains_window);
	tcase_add_test(good, the_rows_an_order_writes_and_where_its_stock_is_reserved);
	suite_add_tcase(suite, good);
	return suite;
}
