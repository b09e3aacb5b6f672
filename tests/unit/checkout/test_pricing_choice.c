/* test_pricing_choice.c: unit tests of the engine's choices in
 * fcgi/checkout/pricing.c (and the deposit line of promo_presale.c): bad
 * input first, then tables of the deposit line, exclusive pairs and the
 * subsidy budget with exact totals, then a property test over thousands of
 * random carts and promotion sets (seeded, so a failure repeats): the total
 * is never negative nor below the floor, every discount stays within its
 * config, the chosen set of kinds is never worse than any allowed set, and
 * the same input always gives the same quote. */
#include <stdio.h>
#include <string.h>

#include "checkout/pricing.h"
#include "unit.h"

#define NOW 1800000000LL
#define DAY 86400LL

static struct price_rules no_rules = { 0 };

static struct price_full_reduction reduction_of(int64_t id, int64_t threshold, int64_t off)
{
	struct price_full_reduction reduction = { .promotion_id = id, .title = "满减", .starts_at = NOW - DAY,
						  .ends_at = NOW + DAY, .tier_count = 1 };
	reduction.tiers[0] = (struct price_tier){ .min_spend_fen = threshold, .off_fen = off };
	return reduction;
}

static struct price_coupon coupon_of(int64_t id, int64_t amount)
{
	return (struct price_coupon){ id, "券", amount, 0, NOW - DAY, NOW + DAY, 0, true };
}

/* ============================================================ bad input */

START_TEST(bad_budget_pairs_and_deposits_are_refused)
{
	struct price_line line = { 1, 1, 30000, 0, false, 0 };
	struct price_quote quote;
	struct price_input input = { .lines = &line, .line_count = 1, .rules = &no_rules, .now = NOW,
				     .has_budget = true, .budget_left_fen = -1 };
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	struct price_exclusive pairs[PRICE_EXCLUSIVE_MAX + 1] = { { "coupon", "full_reduction" } };
	input = (struct price_input){ .lines = &line, .line_count = 1, .rules = &no_rules, .now = NOW,
				      .exclusive = pairs, .exclusive_count = PRICE_EXCLUSIVE_MAX + 1 };
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
	input = (struct price_input){ .lines = &line, .line_count = 1, .rules = &no_rules, .now = NOW,
				      .exclusive_count = 1 };
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT); /* pairs counted but not given */
	input = (struct price_input){ .lines = &line, .line_count = 1, .rules = &no_rules, .now = NOW,
				      .deposit_value_fen = -1 };
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_BAD_INPUT);
}
END_TEST

/* ============================================================== deposit */

START_TEST(the_deposit_counts_at_its_value_above_the_floor)
{
	/* 300 yuan, floor 100: a deposit worth 150 takes 150; one worth 250
	 * only the 200 above the floor */
	struct price_line line = { 3, 1, 30000, 10000, false, 0 };
	struct price_quote quote;
	struct price_input input = { .lines = &line, .line_count = 1, .rules = &no_rules, .now = NOW,
				     .deposit_value_fen = 15000 };
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.discount_count, 1);
	ck_assert_int_eq(quote.discounts[0].kind, PRICE_DEPOSIT);
	ck_assert_str_eq(price_kind_name(quote.discounts[0].kind), "deposit");
	ck_assert_str_eq(quote.discounts[0].label, "定金翻倍：定金抵150元");
	ck_assert_int_eq(quote.total_fen, 15000);
	ck_assert_int_eq(quote.subsidy_fen, 0); /* the deposit is the shopper's money, not the budget's */
	input.deposit_value_fen = 25000;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.discounts[0].amount_fen, 20000);
	ck_assert_int_eq(quote.total_fen, 10000);
	/* after the full reduction and the coupon (API.md's order) */
	struct price_full_reduction reduction = reduction_of(4, 30000, 4000);
	struct price_coupon coupon = coupon_of(9, 1000);
	input = (struct price_input){ .lines = &line, .line_count = 1, .rules = &no_rules, .now = NOW,
				      .reductions = &reduction, .reduction_count = 1, .coupons = &coupon,
				      .coupon_count = 1, .deposit_value_fen = 20000 };
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.discount_count, 3);
	ck_assert_int_eq(quote.discounts[0].kind, PRICE_FULL_REDUCTION);
	ck_assert_int_eq(quote.discounts[1].kind, PRICE_COUPON);
	ck_assert_int_eq(quote.discounts[2].kind, PRICE_DEPOSIT);
	ck_assert_int_eq(quote.discounts[2].amount_fen, 15000); /* 300 - 40 - 10 - floor 100 */
	ck_assert_int_eq(quote.total_fen, 10000);
}
END_TEST

/* ============================================================ exclusive */

START_TEST(exclusive_kinds_never_apply_together)
{
	/* 满300减40 and a 50-yuan coupon may not go together: the coupon
	 * saves more, the reduction is left out and the quote says why */
	struct price_line line = { 1, 1, 30000, 0, false, 0 };
	struct price_full_reduction reduction = reduction_of(4, 30000, 4000);
	struct price_coupon coupon = coupon_of(9, 5000);
	struct price_exclusive pair = { "coupon", "full_reduction" };
	struct price_input input = { .lines = &line, .line_count = 1, .rules = &no_rules, .now = NOW,
				     .reductions = &reduction, .reduction_count = 1, .coupons = &coupon,
				     .coupon_count = 1, .exclusive = &pair, .exclusive_count = 1 };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.discount_count, 1);
	ck_assert_int_eq(quote.discounts[0].kind, PRICE_COUPON);
	ck_assert_int_eq(quote.total_fen, 25000);
	ck_assert_int_eq(quote.skipped_count, 1);
	ck_assert_str_eq(quote.skipped[0].kind, "full_reduction");
	ck_assert_str_eq(quote.skipped[0].reason, "exclusive");
	ck_assert_str_eq(quote.skipped[0].with, "coupon");
	ck_assert_int_eq(quote.skipped[0].amount_fen, 4000);
	ck_assert(!quote.budget_limited);
	/* the reduction saves more: the coupon is left out */
	coupon.amount_fen = 3000;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.discount_count, 1);
	ck_assert_int_eq(quote.discounts[0].kind, PRICE_FULL_REDUCTION);
	ck_assert_int_eq(quote.total_fen, 26000);
	ck_assert_str_eq(quote.skipped[0].kind, "coupon");
	/* a tie: the kind later in the registry's order is kept (the smaller set left out first) */
	coupon.amount_fen = 4000;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.discounts[0].kind, PRICE_COUPON);
	ck_assert_int_eq(quote.total_fen, 26000);
	/* a pair the cart does not meet changes nothing */
	struct price_exclusive other = { "coupon", "member_price" };
	input.exclusive = &other;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.discount_count, 2);
	ck_assert_int_eq(quote.skipped_count, 0);
	ck_assert_int_eq(quote.total_fen, 22000);
}
END_TEST

START_TEST(the_bargain_is_never_left_out)
{
	struct price_line line = { 1, 1, 30000, 0, true, 20000 };
	struct price_coupon coupon = coupon_of(9, 1000);
	struct price_exclusive pair = { "bargain", "coupon" };
	struct price_input input = { .lines = &line, .line_count = 1, .rules = &no_rules, .now = NOW,
				     .coupons = &coupon, .coupon_count = 1, .exclusive = &pair, .exclusive_count = 1,
				     .has_budget = true, .budget_left_fen = 0 };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.discount_count, 1);
	ck_assert_int_eq(quote.discounts[0].kind, PRICE_BARGAIN);
	ck_assert_int_eq(quote.total_fen, 20000);
	ck_assert_str_eq(quote.skipped[0].kind, "coupon");
}
END_TEST

START_TEST(where_kinds_compete_an_item_price_may_give_way_to_a_lower_total)
{
	/* 100 yuan at a timed 95 misses 满100减30; a first-order 1 yuan and a
	 * 2-yuan coupon may not go together. Leaving out the timed price and
	 * the first order reaches the reduction: 100 - 30 - 2 = 68 */
	struct price_line line = { 1, 1, 10000, 0, false, 0 };
	struct price_timed_discount timed = { .promotion_id = 3, .title = "限时", .starts_at = NOW - DAY,
					      .ends_at = NOW + DAY, .item_count = 1 };
	timed.items[0] = (struct price_timed_item){ .item_id = 1, .price_fen = 9500 };
	struct price_full_reduction reduction = reduction_of(4, 10000, 3000);
	struct price_first_order first = { .promotion_id = 5, .title = "首单", .starts_at = NOW - DAY,
					   .ends_at = NOW + DAY, .off_fen = 100 };
	struct price_coupon coupon = coupon_of(9, 200);
	struct price_exclusive pair = { "coupon", "first_order" };
	struct price_input input = { .lines = &line, .line_count = 1, .rules = &no_rules, .now = NOW, .timed = &timed,
				     .timed_count = 1, .reductions = &reduction, .reduction_count = 1,
				     .first_orders = &first, .first_order_count = 1, .coupons = &coupon, .coupon_count = 1,
				     .exclusive = &pair, .exclusive_count = 1 };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.total_fen, 6800);
	ck_assert_int_eq(quote.discount_count, 2);
	ck_assert_int_eq(quote.discounts[0].kind, PRICE_FULL_REDUCTION);
	ck_assert_int_eq(quote.discounts[1].kind, PRICE_COUPON);
	ck_assert_int_eq(quote.skipped_count, 2);
	ck_assert_str_eq(quote.skipped[0].kind, "timed_discount");
	ck_assert_str_eq(quote.skipped[0].reason, "lower_total");
	ck_assert_int_eq(quote.skipped[0].amount_fen, 500);
	ck_assert_str_eq(quote.skipped[1].kind, "first_order");
	ck_assert_str_eq(quote.skipped[1].reason, "exclusive");
	ck_assert_str_eq(quote.skipped[1].with, "coupon");
	ck_assert(!quote.budget_limited);
	/* nothing competes (no pair): the documented order, timed price and all */
	input.exclusive_count = 0;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.total_fen, 9200);
	ck_assert_int_eq(quote.skipped_count, 0);
}
END_TEST

/* =============================================================== budget */

START_TEST(a_discount_the_budget_cannot_cover_is_not_applied)
{
	struct price_line line = { 1, 1, 30000, 0, false, 0 };
	struct price_full_reduction reduction = reduction_of(4, 30000, 4000);
	struct price_coupon coupon = coupon_of(9, 1000);
	struct price_input input = { .lines = &line, .line_count = 1, .rules = &no_rules, .now = NOW,
				     .reductions = &reduction, .reduction_count = 1, .coupons = &coupon,
				     .coupon_count = 1, .has_budget = true, .budget_left_fen = 3000 };
	struct price_quote quote;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.discount_count, 1);
	ck_assert_int_eq(quote.discounts[0].kind, PRICE_COUPON);
	ck_assert_int_eq(quote.subsidy_fen, 1000);
	ck_assert_int_eq(quote.total_fen, 29000);
	ck_assert(quote.budget_limited);
	ck_assert_str_eq(quote.skipped[0].kind, "full_reduction");
	ck_assert_str_eq(quote.skipped[0].reason, "budget");
	ck_assert_ptr_null(quote.skipped[0].with);
	/* exactly enough for both */
	input.budget_left_fen = 5000;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.discount_count, 2);
	ck_assert_int_eq(quote.subsidy_fen, 5000);
	ck_assert(!quote.budget_limited);
	/* nothing left: nothing applies */
	input.budget_left_fen = 0;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.discount_count, 0);
	ck_assert_int_eq(quote.total_fen, 30000);
	ck_assert_int_eq(quote.skipped_count, 2);
	/* no budget: everything */
	input.has_budget = false;
	ck_assert_int_eq(price_quote(&input, &quote), PRICE_OK);
	ck_assert_int_eq(quote.total_fen, 25000);
	ck_assert_int_eq(quote.subsidy_fen, 5000);
}
END_TEST

/* ============================================================= property */

#define PROPERTY_SEED 20261207u
#define PROPERTY_CARTS 4000

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64*: small, fast, and the same everywhere */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static int64_t between(int64_t low, int64_t high)
{
	return low + (int64_t)(rng() % (uint64_t)(high - low + 1));
}

/* One random cart with its promotions; the arrays are the caller's. */
struct random_cart {
	struct price_line lines[4];
	struct price_timed_discount timed[2];
	struct price_full_reduction reductions[2];
	struct price_first_order first;
	struct price_coupon coupons[2];
	struct price_rules rules;
	struct price_exclusive pairs[3];
	struct price_input input;
};

static const char *const pair_kinds[] = { "timed_discount", "full_reduction", "first_order", "coupon", "presale" };

static void random_cart(struct random_cart *c)
{
	memset(c, 0, sizeof(*c));
	int line_count = (int)between(1, 4);
	bool bargain = between(0, 4) == 0;
	for (int i = 0; i < line_count; i++) {
		int64_t price = between(100, 50000), floor_fen = between(0, 2) == 0 ? 0 : between(0, price / 2);
		c->lines[i] = (struct price_line){ .item_id = i + 1, .qty = between(1, 5), .unit_price_fen = price,
						   .unit_floor_fen = floor_fen };
		if (bargain && i == 0) {
			c->lines[i].has_bargain = true;
			c->lines[i].bargain_price_fen = between(floor_fen, price);
		}
	}
	int timed_count = (int)between(0, 2);
	for (int t = 0; t < timed_count; t++) {
		c->timed[t] = (struct price_timed_discount){ .promotion_id = 10 + t, .title = "限时",
							     .starts_at = NOW - DAY, .ends_at = NOW + DAY, .item_count = 1 };
		c->timed[t].items[0].item_id = between(1, 4);
		if (between(0, 1))
			c->timed[t].items[0].percent = between(1, 99);
		else
			c->timed[t].items[0].price_fen = between(0, 50000);
	}
	int reduction_count = (int)between(0, 2);
	for (int r = 0; r < reduction_count; r++) {
		c->reductions[r] = reduction_of(20 + r, between(0, 100000), between(1, 20000));
		if (between(0, 2) == 0) {
			c->reductions[r].repeat = true;
			c->reductions[r].tiers[0].min_spend_fen = between(1, 30000);
			c->reductions[r].cap_fen = between(0, 50000);
		}
	}
	int first_count = (int)between(0, 1);
	if (first_count) {
		c->first = (struct price_first_order){ .promotion_id = 30, .title = "首单", .starts_at = NOW - DAY,
						       .ends_at = NOW + DAY, .max_off_fen = between(0, 5000) };
		if (between(0, 1))
			c->first.percent = between(1, 99);
		else
			c->first.off_fen = between(1, 20000);
	}
	int coupon_count = (int)between(0, 2);
	for (int i = 0; i < coupon_count; i++)
		c->coupons[i] = (struct price_coupon){ 40 + i, "券", between(1, 10000), between(0, 3) == 0 ? between(0, 20000) : 0,
						       NOW - DAY, NOW + DAY, 0, true };
	c->rules.coupons_stackable = true;
	int pair_count = (int)between(0, 3);
	for (int p = 0; p < pair_count; p++) {
		int a = (int)between(0, 4), b = (int)between(0, 4);
		c->pairs[p] = (struct price_exclusive){ pair_kinds[a], pair_kinds[b == a ? (a + 1) % 5 : b] };
	}
	bool has_budget = between(0, 1) == 1;
	c->input = (struct price_input){
		.lines = c->lines, .line_count = line_count, .coupons = c->coupons, .coupon_count = coupon_count,
		.rules = &c->rules, .timed = c->timed, .timed_count = timed_count, .reductions = c->reductions,
		.reduction_count = reduction_count, .first_orders = &c->first, .first_order_count = first_count,
		.deposit_value_fen = between(0, 2) == 0 ? between(1, 60000) : 0, .has_budget = has_budget,
		.budget_left_fen = has_budget ? between(0, 30000) : 0, .exclusive = c->pairs, .exclusive_count = pair_count,
		.now = NOW,
	};
}

static bool pair_named(const struct price_input *input, const char *a, const char *b)
{
	for (int p = 0; p < input->exclusive_count; p++)
		if ((strcmp(input->exclusive[p].kind_a, a) == 0 && strcmp(input->exclusive[p].kind_b, b) == 0) ||
		    (strcmp(input->exclusive[p].kind_a, b) == 0 && strcmp(input->exclusive[p].kind_b, a) == 0))
			return true;
	return false;
}

static const char *pair_name_of(enum price_kind kind)
{
	return kind == PRICE_DEPOSIT ? "presale" : price_kind_name(kind);
}

/* Whether quote keeps input's exclusive pairs and budget. */
static bool quote_allowed(const struct price_input *input, const struct price_quote *quote)
{
	if (input->has_budget && quote->subsidy_fen > input->budget_left_fen)
		return false;
	for (int i = 0; i < quote->discount_count; i++)
		for (int j = 0; j < quote->discount_count; j++)
			if (quote->discounts[i].kind != quote->discounts[j].kind &&
			    pair_named(input, pair_name_of(quote->discounts[i].kind), pair_name_of(quote->discounts[j].kind)))
				return false;
	return true;
}

/* input with the kinds of bit set `out` taken away (timed, reduction,
 * first order, coupon; deposit, which the engine never leaves out), and no
 * pairs nor budget. */
static struct price_input input_without(const struct price_input *input, unsigned out)
{
	struct price_input copy = *input;
	if (out & 1)
		copy.timed_count = 0;
	if (out & 2)
		copy.reduction_count = 0;
	if (out & 4)
		copy.first_order_count = 0;
	if (out & 8)
		copy.coupon_count = 0;
	if (out & 16)
		copy.deposit_value_fen = 0;
	copy.exclusive_count = 0;
	copy.has_budget = false;
	return copy;
}

static void check_within_config(const struct price_input *input, const struct price_quote *quote)
{
	int64_t sum = 0, floor_fen = 0, subsidy = 0;
	for (int i = 0; i < input->line_count; i++)
		floor_fen += input->lines[i].qty * input->lines[i].unit_floor_fen;
	for (int d = 0; d < quote->discount_count; d++) {
		const struct price_discount *discount = &quote->discounts[d];
		ck_assert_int_gt(discount->amount_fen, 0);
		sum += discount->amount_fen;
		if (price_kind_subsidised(discount->kind))
			subsidy += discount->amount_fen;
		switch (discount->kind) {
		case PRICE_COUPON: {
			int64_t amount = 0;
			for (int i = 0; i < input->coupon_count; i++)
				if (input->coupons[i].id == discount->coupon_id)
					amount = input->coupons[i].amount_fen;
			ck_assert_int_le(discount->amount_fen, amount);
			break;
		}
		case PRICE_FULL_REDUCTION: {
			const struct price_full_reduction *reduction = NULL;
			for (int r = 0; r < input->reduction_count; r++)
				if (input->reductions[r].promotion_id == discount->promotion_id)
					reduction = &input->reductions[r];
			ck_assert_ptr_nonnull(reduction);
			if (!reduction->repeat)
				ck_assert_int_le(discount->amount_fen, reduction->tiers[0].off_fen);
			else if (reduction->cap_fen > 0)
				ck_assert_int_le(discount->amount_fen, reduction->cap_fen);
			ck_assert_int_le(discount->amount_fen, quote->subtotal_fen);
			break;
		}
		case PRICE_FIRST_ORDER:
			if (input->first_orders[0].max_off_fen > 0)
				ck_assert_int_le(discount->amount_fen, input->first_orders[0].max_off_fen);
			if (input->first_orders[0].off_fen > 0)
				ck_assert_int_le(discount->amount_fen, input->first_orders[0].off_fen);
			break;
		case PRICE_DEPOSIT:
			ck_assert_int_le(discount->amount_fen, input->deposit_value_fen);
			break;
		case PRICE_BARGAIN:
			ck_assert_int_le(discount->amount_fen,
					 input->lines[0].unit_price_fen - input->lines[0].bargain_price_fen);
			break;
		case PRICE_TIMED_DISCOUNT:
		case PRICE_BUNDLE:
		case PRICE_MEMBER_PRICE:
		case PRICE_ADDON:
		case PRICE_RED_PACKET:
		case PRICE_POINTS_CASH:
			/* kinds A: their own bounds are test_promo_kinds_random.c's */
			ck_assert_int_le(discount->amount_fen, quote->subtotal_fen);
			break;
		}
	}
	ck_assert_int_eq(sum, quote->discount_fen);
	ck_assert_int_eq(subsidy, quote->subsidy_fen);
	ck_assert_int_eq(quote->total_fen, quote->subtotal_fen - quote->discount_fen);
	ck_assert_int_ge(quote->total_fen, 0);
	ck_assert_int_ge(quote->total_fen, floor_fen);
}

START_TEST(random_carts_keep_every_promise)
{
	rng_state = PROPERTY_SEED;
	static struct random_cart cart;
	static struct price_quote quote, again, other;
	int priced = 0, chosen = 0;
	for (int n = 0; n < PROPERTY_CARTS; n++) {
		random_cart(&cart);
		const struct price_input *input = &cart.input;
		enum price_error error = price_quote(input, &quote);
		/* the same input, the same quote */
		ck_assert_int_eq(price_quote(input, &again), error);
		if (error != PRICE_OK)
			continue;
		priced++;
		ck_assert_int_eq(again.total_fen, quote.total_fen);
		ck_assert_int_eq(again.discount_count, quote.discount_count);
		for (int d = 0; d < quote.discount_count; d++)
			ck_assert_int_eq(again.discounts[d].amount_fen, quote.discounts[d].amount_fen);
		check_within_config(input, &quote);
		ck_assert_msg(quote_allowed(input, &quote), "cart %d: the chosen set breaks a pair or the budget", n);
		if (quote.skipped_count > 0)
			chosen++;
		/* Nothing competes (every kind together keeps the pairs and the
		 * budget): every kind applies, as without pairs nor budget. */
		struct price_input free_input = input_without(input, 0);
		ck_assert_int_eq(price_quote(&free_input, &other), PRICE_OK);
		if (quote_allowed(input, &other)) {
			ck_assert_int_eq(quote.total_fen, other.total_fen);
			ck_assert_int_eq(quote.skipped_count, 0);
			continue;
		}
		/* They compete: never worse than any allowed set, that is every
		 * set of kinds left out that keeps the pairs and the budget costs
		 * at least as much. The deposit, paid for, always counts. */
		for (unsigned out = 0; out < 16; out++) {
			struct price_input fewer = input_without(input, out);
			if (price_quote(&fewer, &other) != PRICE_OK || !quote_allowed(input, &other))
				continue;
			ck_assert_msg(quote.total_fen <= other.total_fen,
				      "cart %d: chose %lld but leaving out set %u costs %lld", n, (long long)quote.total_fen,
				      out, (long long)other.total_fen);
		}
	}
	/* the carts cover the cases: most priced, many with a choice made */
	ck_assert_int_gt(priced, PROPERTY_CARTS / 2);
	ck_assert_int_gt(chosen, PROPERTY_CARTS / 20);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("pricing_choice");
	TCase *bad = tcase_create("refusals");
	tcase_add_test(bad, bad_budget_pairs_and_deposits_are_refused);
	suite_add_tcase(suite, bad);
	TCase *tables = tcase_create("tables");
	tcase_add_test(tables, the_deposit_counts_at_its_value_above_the_floor);
	tcase_add_test(tables, exclusive_kinds_never_apply_together);
	tcase_add_test(tables, the_bargain_is_never_left_out);
	tcase_add_test(tables, where_kinds_compete_an_item_price_may_give_way_to_a_lower_total);
	tcase_add_test(tables, a_discount_the_budget_cannot_cover_is_not_applied);
	suite_add_tcase(suite, tables);
	TCase *property = tcase_create("property");
	tcase_add_test(property, random_carts_keep_every_promise);
	suite_add_tcase(suite, property);
	return suite;
}
