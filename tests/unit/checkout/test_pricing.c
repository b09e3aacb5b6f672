/* test_pricing.c: unit tests of fcgi/checkout/pricing.c: bad input first, then a
 * table of carts, coupons and tiers with their exact totals, including the
 * boundaries (a spend exactly at a tier or a coupon's minimum, a coupon
 * at the second it starts and the second it expires, the floor). */
#include <string.h>

#include "checkout/pricing.h"
#include "unit.h"

#define NOW 1800000000LL
#define DAY 86400LL

/* Shorthands for the tables. */
#define LINE(item, qty, price) { (item), (qty), (price), 0, false, 0 }
#define LINE_FLOOR(item, qty, price, floor_fen) { (item), (qty), (price), (floor_fen), false, 0 }
#define LINE_BARGAIN(item, qty, price, bargain) { (item), (qty), (price), 0, true, (bargain) }
#define COUPON(id, amount, min_spend) { (id), "券", (amount), (min_spend), NOW - DAY, NOW + DAY, 0, true }
#define COUPON_ITEM(id, amount, min_spend, item) { (id), "券", (amount), (min_spend), NOW - DAY, NOW + DAY, (item), true }

static const struct price_tier tiers_30_100[] = { { 3000, 500 }, { 10000, 1000 } };
/* A badly made list: the higher tier takes off less. The best applies. */
static const struct price_tier tiers_odd[] = { { 5000, 800 }, { 8000, 600 } };

struct price_case {
	const char *name;
	struct price_line lines[4];
	int line_count;
	struct price_coupon coupons[3];
	int coupon_count;
	const struct price_tier *tiers;
	int tier_count;
	bool stackable;
	int64_t per_customer;
	int64_t used_so_far;
	/* expected */
	enum price_error error;
	int64_t error_coupon;
	int64_t subtotal, total;
	int discount_count;
	enum price_kind kinds[4];
	int64_t amounts[4];
};

static const struct price_case cases[] = {
	/* plain lines */
	{ "one line", { LINE(1, 1, 9900) }, 1, {}, 0, NULL, 0, false, 0, 0, PRICE_OK, 0, 9900, 9900, 0, {}, {} },
	{ "quantities add up", { LINE(1, 3, 1999), LINE(2, 2, 500) }, 2, {}, 0, NULL, 0, false, 0, 0, PRICE_OK, 0,
	  6997, 6997, 0, {}, {} },
	{ "a free item", { LINE(1, 1, 0) }, 1, {}, 0, NULL, 0, false, 0, 0, PRICE_OK, 0, 0, 0, 0, {}, {} },

	/* bargain price: one unit */
	{ "bargain price for one unit", { LINE_BARGAIN(1, 1, 50000, 30000) }, 1, {}, 0, NULL, 0, false, 0, 0, PRICE_OK,
	  0, 50000, 30000, 1, { PRICE_BARGAIN }, { 20000 } },
	{ "bargain price for one of two units", { LINE_BARGAIN(1, 2, 50000, 30000) }, 1, {}, 0, NULL, 0, false, 0, 0,
	  PRICE_OK, 0, 100000, 80000, 1, { PRICE_BARGAIN }, { 20000 } },
	{ "bargain at zero", { LINE_BARGAIN(1, 1, 50000, 0) }, 1, {}, 0, NULL, 0, false, 0, 0, PRICE_OK, 0, 50000, 0, 1,
	  { PRICE_BARGAIN }, { 50000 } },

	/* full reduction: the best tier, boundaries */
	{ "below every tier", { LINE(1, 1, 2999) }, 1, {}, 0, tiers_30_100, 2, false, 0, 0, PRICE_OK, 0, 2999, 2999,
	  0, {}, {} },
	{ "exactly at the first tier", { LINE(1, 1, 3000) }, 1, {}, 0, tiers_30_100, 2, false, 0, 0, PRICE_OK, 0, 3000,
	  2500, 1, { PRICE_FULL_REDUCTION }, { 500 } },
	{ "one fen below the second tier", { LINE(1, 1, 9999) }, 1, {}, 0, tiers_30_100, 2, false, 0, 0, PRICE_OK, 0,
	  9999, 9499, 1, { PRICE_FULL_REDUCTION }, { 500 } },
	{ "exactly at the second tier", { LINE(1, 2, 5000) }, 1, {}, 0, tiers_30_100, 2, false, 0, 0, PRICE_OK, 0,
	  10000, 9000, 1, { PRICE_FULL_REDUCTION }, { 1000 } },
	{ "only the best tier, not both", { LINE(1, 1, 20000) }, 1, {}, 0, tiers_30_100, 2, false, 0, 0, PRICE_OK, 0,
	  20000, 19000, 1, { PRICE_FULL_REDUCTION }, { 1000 } },
	{ "the best tier is the one that takes off most", { LINE(1, 1, 9000) }, 1, {}, 0, tiers_odd, 2, false, 0, 0,
	  PRICE_OK, 0, 9000, 8200, 1, { PRICE_FULL_REDUCTION }, { 800 } },
	{ "tiers count the bargain price, not the original",
	  { LINE_BARGAIN(1, 1, 12000, 9000) }, 1, {}, 0, tiers_30_100, 2, false, 0, 0, PRICE_OK, 0, 12000, 8500, 2,
	  { PRICE_BARGAIN, PRICE_FULL_REDUCTION }, { 3000, 500 } },

	/* coupons */
	{ "a coupon at exactly its minimum spend", { LINE(1, 1, 10000) }, 1, { COUPON(7, 5000, 10000) }, 1, NULL, 0,
	  false, 0, 0, PRICE_OK, 0, 10000, 5000, 1, { PRICE_COUPON }, { 5000 } },
	{ "a coupon one fen short of its minimum", { LINE(1, 1, 9999) }, 1, { COUPON(7, 5000, 10000) }, 1, NULL, 0,
	  false, 0, 0, PRICE_COUPON_MIN_SPEND, 7, 9999, 9999, 0, {}, {} },
	{ "the coupon minimum counts the bargain price", { LINE_BARGAIN(1, 1, 12000, 9000) }, 1,
	  { COUPON(7, 1000, 10000) }, 1, NULL, 0, false, 0, 0, PRICE_COUPON_MIN_SPEND, 7, 12000, 9000, 1,
	  { PRICE_BARGAIN }, { 3000 } },
	{ "tier then coupon", { LINE(1, 1, 10000) }, 1, { COUPON(7, 2000, 0) }, 1, tiers_30_100, 2, false, 0, 0,
	  PRICE_OK, 0, 10000, 7000, 2, { PRICE_FULL_REDUCTION, PRICE_COUPON }, { 1000, 2000 } },
	{ "a coupon larger than the order stops at 0", { LINE(1, 1, 800) }, 1, { COUPON(7, 1000, 0) }, 1, NULL, 0,
	  false, 0, 0, PRICE_OK, 0, 800, 0, 1, { PRICE_COUPON }, { 800 } },
	{ "a second coupon without stacking", { LINE(1, 1, 10000) }, 1, { COUPON(7, 1000, 0), COUPON(8, 1000, 0) }, 2,
	  NULL, 0, false, 0, 0, PRICE_COUPON_NOT_STACKABLE, 8, 10000, 9000, 1, { PRICE_COUPON }, { 1000 } },
	{ "two coupons when stackable", { LINE(1, 1, 10000) }, 1, { COUPON(7, 1000, 0), COUPON(8, 1500, 0) }, 2, NULL,
	  0, true, 0, 0, PRICE_OK, 0, 10000, 7500, 2, { PRICE_COUPON, PRICE_COUPON }, { 1000, 1500 } },
	{ "the same coupon twice", { LINE(1, 1, 10000) }, 1, { COUPON(7, 1000, 0), COUPON(7, 1000, 0) }, 2, NULL, 0,
	  true, 0, 0, PRICE_COUPON_DUPLICATE, 7, 10000, 9000, 1, { PRICE_COUPON }, { 1000 } },
	{ "per-customer limit reached", { LINE(1, 1, 10000) }, 1, { COUPON(7, 1000, 0) }, 1, NULL, 0, false, 2, 2,
	  PRICE_COUPON_CUSTOMER_LIMIT, 7, 10000, 10000, 0, {}, {} },
	{ "per-customer limit: the last use", { LINE(1, 1, 10000) }, 1, { COUPON(7, 1000, 0) }, 1, NULL, 0, false, 2,
	  1, PRICE_OK, 0, 10000, 9000, 1, { PRICE_COUPON }, { 1000 } },
	{ "per-customer limit counts this order's coupons too", { LINE(1, 1, 10000) }, 1,
	  { COUPON(7, 1000, 0), COUPON(8, 1000, 0) }, 2, NULL, 0, true, 2, 1, PRICE_COUPON_CUSTOMER_LIMIT, 8, 10000,
	  9000, 1, { PRICE_COUPON }, { 1000 } },

	/* scope */
	{ "an item's coupon with its item", { LINE(1, 1, 3000), LINE(2, 1, 4000) }, 2, { COUPON_ITEM(7, 500, 4000, 2) },
	  1, NULL, 0, false, 0, 0, PRICE_OK, 0, 7000, 6500, 1, { PRICE_COUPON }, { 500 } },
	{ "an item's coupon without its item", { LINE(1, 1, 3000) }, 1, { COUPON_ITEM(7, 500, 0, 2) }, 1, NULL, 0,
	  false, 0, 0, PRICE_COUPON_SCOPE, 7, 3000, 3000, 0, {}, {} },
	{ "an item's coupon: its minimum counts its lines only", { LINE(1, 1, 9000), LINE(2, 1, 1000) }, 2,
	  { COUPON_ITEM(7, 500, 2000, 2) }, 1, NULL, 0, false, 0, 0, PRICE_COUPON_MIN_SPEND, 7, 10000, 10000, 0, {},
	  {} },
	{ "an item's coupon takes only from its lines", { LINE(1, 1, 9000), LINE(2, 1, 1000) }, 2,
	  { COUPON_ITEM(7, 3000, 0, 2) }, 1, NULL, 0, false, 0, 0, PRICE_OK, 0, 10000, 9000, 1, { PRICE_COUPON },
	  { 1000 } },

	/* the floor */
	{ "the floor stops a coupon", { LINE_FLOOR(1, 2, 5000, 4000) }, 1, { COUPON(7, 3000, 0) }, 1, NULL, 0, false, 0,
	  0, PRICE_OK, 0, 10000, 8000, 1, { PRICE_COUPON }, { 2000 } },
	{ "the floor stops full reduction", { LINE_FLOOR(1, 1, 10000, 9500) }, 1, {}, 0, tiers_30_100, 2, false, 0, 0,
	  PRICE_OK, 0, 10000, 9500, 1, { PRICE_FULL_REDUCTION }, { 500 } },
	{ "at the floor a coupon is refused, not spent", { LINE_FLOOR(1, 1, 10000, 9000) }, 1, { COUPON(7, 500, 0) }, 1,
	  tiers_30_100, 2, false, 0, 0, PRICE_COUPON_NO_VALUE, 7, 10000, 9000, 1, { PRICE_FULL_REDUCTION }, { 1000 } },
	{ "a bargain below the floor: the bargain price stands", { { 1, 1, 50000, 40000, true, 30000 } }, 1,
	  { COUPON(7, 100, 0) }, 1, NULL, 0, false, 0, 0, PRICE_COUPON_NO_VALUE, 7, 50000, 30000, 1, { PRICE_BARGAIN },
	  { 20000 } },
};

START_TEST(bad_input_is_refused)
{
	struct price_rules rules = { 0 };
	struct price_quote quote;
	struct price_line lines[PRICE_LINES_MAX + 1];
	for (int i = 0; i <= PRICE_LINES_MAX; i++)
		lines[i] = (struct price_line)LINE(i + 1, 1, 100);
	struct price_input input = { .lines = lines, .line_count = 0, .rules = &rules, .now = NOW };
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT); /* no lines */
	input.line_count = PRICE_LINES_MAX + 1;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT); /* too many */
	input.line_count = PRICE_LINES_MAX;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.total_fen, PRICE_LINES_MAX * 100);
	input.line_count = 1;
	input.rules = NULL;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	input.rules = &rules;
	lines[0].qty = 0;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	lines[0].qty = PRICE_QTY_MAX + 1;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	lines[0].qty = 1;
	lines[0].unit_price_fen = -1;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	lines[0].unit_price_fen = PRICE_UNIT_MAX + 1;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	lines[0].unit_price_fen = 100;
	lines[0].unit_floor_fen = 101; /* a floor above the price */
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	lines[0].unit_floor_fen = 0;
	lines[0].has_bargain = true;
	lines[0].bargain_price_fen = 101; /* a bargain dearer than the price */
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	lines[0].bargain_price_fen = -1;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	lines[0].bargain_price_fen = 50;
	lines[1].has_bargain = true; /* two bargains in one cart */
	lines[1].bargain_price_fen = 50;
	input.line_count = 2;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	lines[1].has_bargain = false;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.total_fen, 150);

	struct price_coupon coupon = COUPON(1, 0, 0); /* worth nothing */
	input.coupons = &coupon;
	input.coupon_count = 1;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	coupon.amount_fen = 10;
	coupon.min_spend_fen = -1;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	coupon.min_spend_fen = 0;
	input.coupon_count = PRICE_COUPONS_MAX + 1;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	input.coupon_count = 0;

	struct price_tier tier = { 100, 0 }; /* takes off nothing */
	rules.tiers = &tier;
	rules.tier_count = 1;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	tier.off_fen = 10;
	tier.min_spend_fen = -5;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	rules.tier_count = PRICE_TIERS_MAX + 1;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	rules.tier_count = 0;
	rules.coupon_uses_per_customer = -1;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	ck_assert_int_eq(quote.error, PRICE_BAD_INPUT);
}
END_TEST

START_TEST(coupons_unavailable_or_outside_their_window)
{
	struct price_rules rules = { 0 };
	struct price_line line = LINE(1, 1, 10000);
	struct price_coupon coupon = COUPON(9, 1000, 0);
	struct price_input input = { .lines = &line, .line_count = 1, .coupons = &coupon, .coupon_count = 1,
				     .rules = &rules, .now = NOW };
	struct price_quote quote;
	coupon.available = false;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_COUPON_UNAVAILABLE);
	ck_assert_int_eq(quote.error_coupon_id, 9);
	coupon.available = true;
	coupon.starts_at = NOW + 1;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_COUPON_NOT_STARTED);
	coupon.starts_at = NOW; /* valid from its first second */
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.total_fen, 9000);
	coupon.expires_at = NOW + 1; /* valid until the second before */
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	coupon.expires_at = NOW;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_COUPON_EXPIRED);
}
END_TEST

START_TEST(the_table)
{
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct price_case *t = &cases[c];
		struct price_rules rules = { .tiers = t->tiers, .tier_count = t->tier_count,
					     .coupons_stackable = t->stackable,
					     .coupon_uses_per_customer = t->per_customer,
					     .coupon_uses_so_far = t->used_so_far };
		struct price_input input = { .lines = t->lines, .line_count = t->line_count, .coupons = t->coupons,
					     .coupon_count = t->coupon_count, .rules = &rules, .now = NOW };
		struct price_quote quote;
		enum price_error error = price_quote(&input, &quote);
		ck_assert_msg(error == t->error, "%s: error %d, expected %d", t->name, error, t->error);
		ck_assert_msg(quote.error_coupon_id == t->error_coupon, "%s: error coupon %lld", t->name,
			      (long long)quote.error_coupon_id);
		ck_assert_msg(quote.subtotal_fen == t->subtotal, "%s: subtotal %lld, expected %lld", t->name,
			      (long long)quote.subtotal_fen, (long long)t->subtotal);
		ck_assert_msg(quote.total_fen == t->total, "%s: total %lld, expected %lld", t->name,
			      (long long)quote.total_fen, (long long)t->total);
		ck_assert_msg(quote.discount_count == t->discount_count, "%s: %d discounts, expected %d", t->name,
			      quote.discount_count, t->discount_count);
		int64_t sum = 0;
		for (int d = 0; d < quote.discount_count; d++) {
			ck_assert_msg(quote.discounts[d].kind == t->kinds[d], "%s: discount %d kind", t->name, d);
			ck_assert_msg(quote.discounts[d].amount_fen == t->amounts[d], "%s: discount %d is %lld, expected %lld",
				      t->name, d, (long long)quote.discounts[d].amount_fen, (long long)t->amounts[d]);
			ck_assert_msg(quote.discounts[d].amount_fen > 0, "%s: an empty discount line", t->name);
			ck_assert_msg(quote.discounts[d].label[0] != '\0', "%s: discount %d has no label", t->name, d);
			sum += quote.discounts[d].amount_fen;
		}
		ck_assert_msg(quote.discount_fen == sum, "%s: discount_fen", t->name);
		ck_assert_msg(quote.total_fen == quote.subtotal_fen - sum, "%s: total is not subtotal - discounts", t->name);
		ck_assert_msg(quote.total_fen >= 0, "%s: negative total", t->name);
	}
}
END_TEST

START_TEST(labels_say_what_and_how_much)
{
	struct price_rules rules = { .tiers = tiers_30_100, .tier_count = 2 };
	struct price_line line = LINE_BARGAIN(1, 1, 12990, 10050);
	struct price_coupon coupon = COUPON(3, 500, 0);
	coupon.title = "新人专享券";
	struct price_input input = { .lines = &line, .line_count = 1, .coupons = &coupon, .coupon_count = 1,
				     .rules = &rules, .now = NOW };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.discount_count, 3);
	ck_assert_str_eq(quote.discounts[0].label, "砍价成功，一件按 100.50元 计");
	ck_assert_str_eq(quote.discounts[1].label, "满100元减10元");
	ck_assert_str_eq(quote.discounts[2].label, "优惠券：新人专享券");
	ck_assert_str_eq(price_kind_name(quote.discounts[1].kind), "full_reduction");
	ck_assert_int_eq(quote.discounts[2].coupon_id, 3);
	ck_assert_int_eq(quote.total_fen, 10050 - 1000 - 500);
	ck_assert_int_eq(quote.merchandise_fen, 10050);
}
END_TEST

/* Whatever the cart, the total is never negative nor below the floor, and
 * the discounts explain it exactly. */
START_TEST(totals_never_below_the_floor)
{
	uint64_t state = 0x9e3779b97f4a7c15ULL;
#define NEXT() (state ^= state << 13, state ^= state >> 7, state ^= state << 17, state)
	for (int run = 0; run < 200000; run++) {
		struct price_line lines[4];
		int line_count = 1 + (int)(NEXT() % 4);
		for (int i = 0; i < line_count; i++) {
			int64_t price = (int64_t)(NEXT() % 20000);
			lines[i] = (struct price_line)LINE_FLOOR(i + 1, 1 + (int64_t)(NEXT() % 5), price,
								 price ? (int64_t)(NEXT() % (uint64_t)(price + 1)) : 0);
		}
		if (NEXT() % 2) {
			lines[0].has_bargain = true;
			lines[0].bargain_price_fen = (int64_t)(NEXT() % (uint64_t)(lines[0].unit_price_fen + 1));
		}
		struct price_coupon coupons[2] = { COUPON(1, 1 + (int64_t)(NEXT() % 30000), (int64_t)(NEXT() % 20000)),
						   COUPON_ITEM(2, 1 + (int64_t)(NEXT() % 30000), 0, 1) };
		struct price_rules rules = { .tiers = tiers_30_100, .tier_count = 2, .coupons_stackable = true };
		struct price_input input = { .lines = lines, .line_count = line_count, .coupons = coupons,
					     .coupon_count = (int)(NEXT() % 3), .rules = &rules, .now = NOW };
		struct price_quote quote;
		enum price_error error = price_quote(&input, &quote);
		ck_assert(error == PRICE_OK || error == PRICE_COUPON_MIN_SPEND || error == PRICE_COUPON_NO_VALUE);
		if (error != PRICE_OK)
			continue;
		ck_assert_int_ge(quote.total_fen, 0);
		ck_assert_int_ge(quote.total_fen, quote.floor_fen);
		int64_t sum = 0;
		for (int d = 0; d < quote.discount_count; d++) {
			ck_assert_int_gt(quote.discounts[d].amount_fen, 0);
			sum += quote.discounts[d].amount_fen;
		}
		ck_assert_int_eq(quote.total_fen, quote.subtotal_fen - sum);
	}
#undef NEXT
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("pricing");
	TCase *tc = tcase_create("pricing");
	tcase_add_test(tc, bad_input_is_refused);
	tcase_add_test(tc, coupons_unavailable_or_outside_their_window);
	tcase_add_test(tc, the_table);
	tcase_add_test(tc, labels_say_what_and_how_much);
	tcase_add_test(tc, totals_never_below_the_floor);
	suite_add_tcase(suite, tc);
	return suite;
}
