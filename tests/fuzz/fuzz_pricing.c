/* fuzz_pricing.c: the pricing engine (fcgi/checkout/pricing.c and the
 * promotion rows it walks) on carts and promotions made from the input:
 * a quote is refused with a reason or it is whole: every discount
 * positive, their sum the discount, the total never negative nor below
 * the floor, the subsidy within the budget, and the same input prices the
 * same twice. */
#include "fuzz.h"

#include <assert.h>

#include "checkout/pricing.h"

struct reader {
	const uint8_t *data;
	size_t size;
};

static uint64_t take(struct reader *in, int bytes)
{
	uint64_t value = 0;
	for (int i = 0; i < bytes && in->size > 0; i++, in->data++, in->size--)
		value = value << 8 | *in->data;
	return value;
}

/* Amounts mostly in range, sometimes wild (the engine must refuse those). */
static int64_t money(struct reader *in)
{
	uint64_t raw = take(in, 5);
	if ((raw & 0xff) == 0xff)
		return (int64_t)(take(in, 8) & 0x7fffffffffffffffULL);
	return (int64_t)(raw % 2000000);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader in = { data, size };
	static struct price_line lines[PRICE_LINES_MAX + 1];
	static struct price_coupon coupons[PRICE_COUPONS_MAX + 1];
	static struct price_tier tiers[PRICE_TIERS_MAX];
	static struct price_full_reduction reductions[2];
	static struct price_timed_discount timed[2];
	static struct price_first_order first[1];
	memset(lines, 0, sizeof(lines));
	memset(coupons, 0, sizeof(coupons));
	memset(reductions, 0, sizeof(reductions));
	memset(timed, 0, sizeof(timed));
	memset(first, 0, sizeof(first));

	int line_count = (int)(take(&in, 1) % (PRICE_LINES_MAX + 2));
	for (int i = 0; i < line_count && i <= PRICE_LINES_MAX; i++) {
		lines[i].item_id = (int64_t)(take(&in, 1) % 8) + 1;
		lines[i].qty = (int64_t)(take(&in, 1) % (PRICE_QTY_MAX + 2));
		lines[i].unit_price_fen = money(&in);
		lines[i].unit_floor_fen = lines[i].unit_price_fen > 0 && lines[i].unit_price_fen < INT64_MAX
					  ? money(&in) % (lines[i].unit_price_fen + 1)
					  : 0;
		lines[i].has_bargain = take(&in, 1) % 4 == 0;
		lines[i].bargain_price_fen = money(&in);
	}
	int tier_count = (int)(take(&in, 1) % 4);
	for (int i = 0; i < tier_count; i++) {
		tiers[i].min_spend_fen = money(&in);
		tiers[i].off_fen = money(&in) % 50000;
	}
	struct price_rules rules = { .tiers = tiers, .tier_count = tier_count,
				     .coupons_stackable = take(&in, 1) % 2 == 0,
				     .coupon_uses_per_customer = (int64_t)(take(&in, 1) % 3),
				     .coupon_uses_so_far = (int64_t)(take(&in, 1) % 3) };
	int coupon_count = (int)(take(&in, 1) % (PRICE_COUPONS_MAX + 2));
	for (int i = 0; i < coupon_count; i++) {
		coupons[i].id = (int64_t)(take(&in, 1) % 6) + 1;
		coupons[i].title = "券";
		coupons[i].amount_fen = money(&in) % 100000;
		coupons[i].min_spend_fen = money(&in);
		coupons[i].starts_at = 0;
		coupons[i].expires_at = take(&in, 1) % 8 == 0 ? 10 : 4000000000LL;
		coupons[i].item_id = take(&in, 1) % 3 == 0 ? (int64_t)(take(&in, 1) % 8) + 1 : 0;
		coupons[i].available = take(&in, 1) % 8 != 0;
	}
	int reduction_count = (int)(take(&in, 1) % 3);
	for (int r = 0; r < reduction_count; r++) {
		reductions[r].promotion_id = r + 1;
		reductions[r].title = "满减";
		reductions[r].starts_at = 0;
		reductions[r].ends_at = 4000000000LL;
		reductions[r].tier_count = (int)(take(&in, 1) % 3) + 1;
		for (int i = 0; i < reductions[r].tier_count; i++) {
			reductions[r].tiers[i].min_spend_fen = money(&in);
			reductions[r].tiers[i].off_fen = money(&in) % 50000;
		}
		reductions[r].repeat = take(&in, 1) % 2 == 0;
		reductions[r].cap_fen = take(&in, 1) % 2 == 0 ? money(&in) : 0;
	}
	int timed_count = (int)(take(&in, 1) % 3);
	for (int t = 0; t < timed_count; t++) {
		timed[t].promotion_id = 10 + t;
		timed[t].title = "限时折扣";
		timed[t].starts_at = 0;
		timed[t].ends_at = 4000000000LL;
		timed[t].item_count = (int)(take(&in, 1) % 3);
		for (int i = 0; i < timed[t].item_count; i++) {
			timed[t].items[i].item_id = (int64_t)(take(&in, 1) % 8) + 1;
			if (take(&in, 1) % 2 == 0)
				timed[t].items[i].percent = (int64_t)(take(&in, 1) % 101);
			else
				timed[t].items[i].price_fen = money(&in);
		}
	}
	int first_count = (int)(take(&in, 1) % 2);
	if (first_count) {
		first[0].promotion_id = 20;
		first[0].title = "新客首单";
		first[0].starts_at = 0;
		first[0].ends_at = 4000000000LL;
		first[0].percent = (int64_t)(take(&in, 1) % 101);
		first[0].off_fen = first[0].percent ? 0 : money(&in) % 100000;
		first[0].max_off_fen = money(&in) % 100000;
	}
	/* issue 14: a presale deposit, the budget, exclusive pairs */
	static const char *const kinds[] = { "bargain", "timed_discount", "first_order", "full_reduction", "coupon",
					     "presale", "member_price" };
	static struct price_exclusive pairs[3];
	int pair_count = (int)(take(&in, 1) % 4);
	for (int p = 0; p < pair_count; p++)
		pairs[p] = (struct price_exclusive){ kinds[take(&in, 1) % 7], kinds[take(&in, 1) % 7] };
	uint64_t budget_byte = take(&in, 1);
	struct price_input input = { .lines = lines, .line_count = line_count, .coupons = coupons,
				     .coupon_count = coupon_count, .rules = &rules, .timed = timed,
				     .timed_count = timed_count, .reductions = reductions,
				     .reduction_count = reduction_count, .first_orders = first,
				     .first_order_count = first_count, .now = 1800000000,
				     .deposit_value_fen = take(&in, 1) % 3 == 0 ? money(&in) : 0,
				     .has_budget = budget_byte % 2 == 1, .budget_left_fen = budget_byte % 2 == 1 ? money(&in) : 0,
				     .exclusive = pairs, .exclusive_count = pair_count };
	static struct price_quote quote, again;
	enum price_error error = price_quote(&input, &quote);
	enum price_error error_again = price_quote(&input, &again);
	assert(error == error_again);
	if (error != PRICE_OK)
		return 0;
	assert(quote.total_fen == again.total_fen && quote.discount_count == again.discount_count);
	assert(quote.discount_count >= 0 && quote.discount_count <= PRICE_DISCOUNTS_MAX);
	int64_t sum = 0;
	for (int i = 0; i < quote.discount_count; i++) {
		assert(quote.discounts[i].amount_fen > 0);
		sum += quote.discounts[i].amount_fen;
	}
	assert(sum == quote.discount_fen);
	assert(quote.total_fen >= 0);
	assert(quote.total_fen >= quote.floor_fen);
	assert(!input.has_budget || quote.subsidy_fen <= input.budget_left_fen);
	return 0;
}
