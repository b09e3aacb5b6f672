/* pricing.c: the pricing engine (see pricing.h for the order of
 * application and the floor). Pure arithmetic on int64 fen; inputs are
 * bounded first so no sum can overflow. The steps themselves are the
 * promotion registry's kinds (promotion.c), applied in its order. */
#include "checkout/pricing.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "checkout/promotion.h"
#include "http/messages.h"

const char *price_kind_name(enum price_kind kind)
{
	switch (kind) {
	case PRICE_BARGAIN: return "bargain";
	case PRICE_FULL_REDUCTION: return "full_reduction";
	case PRICE_COUPON: return "coupon";
	case PRICE_TIMED_DISCOUNT: return "timed_discount";
	case PRICE_FIRST_ORDER: return "first_order";
	case PRICE_DEPOSIT: return "deposit";
	case PRICE_BUNDLE: return "bundle";
	case PRICE_MEMBER_PRICE: return "member_price";
	case PRICE_ADDON: return "addon";
	case PRICE_RED_PACKET: return "red_packet";
	case PRICE_POINTS_CASH: return "points_cash";
	}
	return "discount";
}

const char *price_error_text(enum price_error error)
{
	switch (error) {
	case PRICE_OK: return "";
	case PRICE_BAD_INPUT: return http_text("pricing.bad_input");
	case PRICE_COUPON_UNAVAILABLE: return http_text("pricing.coupon_unavailable");
	case PRICE_COUPON_NOT_STARTED: return http_text("pricing.coupon_not_started");
	case PRICE_COUPON_EXPIRED: return http_text("pricing.coupon_expired");
	case PRICE_COUPON_MIN_SPEND: return http_text("pricing.coupon_min_spend");
	case PRICE_COUPON_SCOPE: return http_text("pricing.coupon_scope");
	case PRICE_COUPON_NOT_STACKABLE: return http_text("pricing.coupon_not_stackable");
	case PRICE_COUPON_DUPLICATE: return http_text("pricing.coupon_duplicate");
	case PRICE_COUPON_CUSTOMER_LIMIT: return http_text("pricing.coupon_customer_limit");
	case PRICE_COUPON_NO_VALUE: return http_text("pricing.coupon_no_value");
	case PRICE_ADDON_NOT_APPLICABLE: return http_text("pricing.addon_not_applicable");
	case PRICE_RED_PACKET_UNAVAILABLE: return http_text("pricing.red_packet_unavailable");
	case PRICE_RED_PACKET_NO_VALUE: return http_text("pricing.red_packet_no_value");
	case PRICE_POINTS_NOT_APPLICABLE: return http_text("pricing.points_not_applicable");
	case PRICE_POINTS_INSUFFICIENT: return http_text("pricing.points_insufficient");
	}
	return http_text("pricing.failed");
}

static bool input_bounded(const struct price_input *input)
{
	const struct price_rules *rules = input->rules;
	if (rules == NULL || input->line_count < 1 || input->line_count > PRICE_LINES_MAX || input->coupon_count < 0 ||
	    input->coupon_count > PRICE_COUPONS_MAX || rules->tier_count < 0 || rules->tier_count > PRICE_TIERS_MAX ||
	    rules->coupon_uses_per_customer < 0 || rules->coupon_uses_so_far < 0)
		return false;
	int bargains = 0;
	for (int i = 0; i < input->line_count; i++) {
		const struct price_line *line = &input->lines[i];
		if (line->qty < 1 || line->qty > PRICE_QTY_MAX || line->unit_price_fen < 0 ||
		    line->unit_price_fen > PRICE_UNIT_MAX || line->unit_floor_fen < 0 ||
		    line->unit_floor_fen > line->unit_price_fen)
			return false;
		if (line->has_bargain) {
			bargains++;
			if (line->bargain_price_fen < 0 || line->bargain_price_fen > line->unit_price_fen)
				return false;
		}
	}
	if (bargains > 1)
		return false;
	if (input->timed_count < 0 || input->timed_count > PRICE_PROMOTIONS_MAX || input->reduction_count < 0 ||
	    input->reduction_count > PRICE_PROMOTIONS_MAX)
		return false;
	if (input->first_order_count < 0 || input->first_order_count > PRICE_PROMOTIONS_MAX)
		return false;
	if (input->deposit_value_fen < 0 || input->deposit_value_fen > PRICE_UNIT_MAX * PRICE_QTY_MAX)
		return false;
	if ((input->has_budget && input->budget_left_fen < 0) || input->exclusive_count < 0 ||
	    input->exclusive_count > PRICE_EXCLUSIVE_MAX || (input->exclusive_count > 0 && input->exclusive == NULL))
		return false;
	for (int f = 0; f < input->first_order_count; f++) {
		const struct price_first_order *first = &input->first_orders[f];
		if (first->percent < 0 || first->percent > 99 || first->off_fen < 0 || first->off_fen > PRICE_UNIT_MAX ||
		    first->max_off_fen < 0 || (first->percent == 0) == (first->off_fen == 0))
			return false;
	}
	for (int r = 0; r < input->reduction_count; r++) {
		const struct price_full_reduction *reduction = &input->reductions[r];
		if (reduction->tier_count < 1 || reduction->tier_count > PRICE_TIERS_MAX || reduction->item_count < 0 ||
		    reduction->item_count > PRICE_LINES_MAX || reduction->cap_fen < 0 ||
		    (reduction->repeat && reduction->tier_count != 1))
			return false;
		for (int t = 0; t < reduction->tier_count; t++)
			if (reduction->tiers[t].off_fen <= 0 || reduction->tiers[t].off_fen > PRICE_UNIT_MAX ||
			    reduction->tiers[t].min_spend_fen < (reduction->repeat ? 1 : 0) ||
			    reduction->tiers[t].min_spend_fen > PRICE_UNIT_MAX * PRICE_LINES_MAX * PRICE_QTY_MAX)
				return false;
	}
	for (int t = 0; t < input->timed_count; t++) {
		const struct price_timed_discount *timed = &input->timed[t];
		if (timed->item_count < 0 || timed->item_count > PRICE_LINES_MAX)
			return false;
		for (int i = 0; i < timed->item_count; i++)
			if (timed->items[i].percent < 0 || timed->items[i].percent > 99 || timed->items[i].price_fen < 0 ||
			    timed->items[i].price_fen > PRICE_UNIT_MAX)
				return false;
	}
	for (int i = 0; i < input->coupon_count; i++) {
		const struct price_coupon *coupon = &input->coupons[i];
		if (coupon->amount_fen <= 0 || coupon->amount_fen > PRICE_UNIT_MAX || coupon->min_spend_fen < 0 ||
		    coupon->min_spend_fen > PRICE_UNIT_MAX * PRICE_LINES_MAX * PRICE_QTY_MAX)
			return false;
	}
	for (int i = 0; i < rules->tier_count; i++) {
		const struct price_tier *tier = &rules->tiers[i];
		if (tier->off_fen <= 0 || tier->off_fen > PRICE_UNIT_MAX || tier->min_spend_fen < 0 ||
		    tier->min_spend_fen > PRICE_UNIT_MAX * PRICE_LINES_MAX * PRICE_QTY_MAX)
			return false;
	}
	return true;
}

/* ============================================ helpers for the promotion kinds */

void price_yuan(int64_t fen, char *out, size_t size)
{
	if (fen % 100 == 0)
		http_text_format(out, size, "pricing.yuan", (long long)(fen / 100));
	else
		http_text_format(out, size, "pricing.yuan_fen", (long long)(fen / 100), (long long)(fen % 100));
}

enum price_error price_refuse(struct price_quote *quote, enum price_error error, int64_t coupon_id)
{
	quote->error = error;
	quote->error_coupon_id = coupon_id;
	return error;
}

struct price_discount *price_discount_add(struct price_quote *quote, enum price_kind kind, int64_t amount)
{
	assert(quote->discount_count < PRICE_DISCOUNTS_MAX);
	assert(amount > 0);
	struct price_discount *discount = &quote->discounts[quote->discount_count++];
	discount->kind = kind;
	discount->amount_fen = amount;
	quote->discount_fen += amount;
	quote->total_fen -= amount;
	return discount;
}

int64_t price_min(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

void price_scope_amounts(const struct price_input *input, const struct price_quote *quote, int64_t item_id,
			 int64_t *amount, int64_t *floor_fen)
{
	*amount = 0;
	*floor_fen = 0;
	for (int i = 0; i < input->line_count; i++) {
		const struct price_line *line = &input->lines[i];
		if (item_id != 0 && line->item_id != item_id)
			continue;
		int64_t paid = line->qty * line->unit_price_fen;
		if (line->has_bargain)
			paid -= line->unit_price_fen - line->bargain_price_fen;
		if (quote != NULL)
			paid -= quote->lines[i].item_off_fen;
		*amount += paid;
		*floor_fen += price_min(line->qty * line->unit_floor_fen, paid);
	}
}

bool price_line_is_addon(const struct price_input *input, int line)
{
	return line >= 0 && line < 32 && (input->addon_lines >> line & 1u) != 0;
}

int64_t price_line_paid(const struct price_input *input, const struct price_quote *quote, int line)
{
	const struct price_line *priced = &input->lines[line];
	int64_t paid = priced->qty * priced->unit_price_fen - quote->lines[line].item_off_fen;
	if (priced->has_bargain)
		paid -= priced->unit_price_fen - priced->bargain_price_fen;
	return paid;
}

bool price_item_in_cart(const struct price_input *input, int64_t item_id)
{
	for (int i = 0; i < input->line_count; i++)
		if (input->lines[i].item_id == item_id)
			return true;
	return false;
}

/* ================================================================ engine */

/* Applies the registry's kinds of stage in their order, but the rows in
 * left_out (bit k: promotion_kinds[k]). */
static enum price_error apply_stage(const struct price_input *input, struct price_quote *quote,
				    enum promotion_stage stage, uint32_t left_out)
{
	for (int k = 0; k < promotion_kind_count; k++) {
		const struct promotion_kind *kind = promotion_kinds[k];
		if (kind->stage != stage || kind->apply == NULL || (left_out >> k & 1u) != 0)
			continue;
		enum price_error error = kind->apply(input, quote);
		if (error != PRICE_OK)
			return error;
	}
	return PRICE_OK;
}

bool price_kind_subsidised(enum price_kind kind)
{
	return kind != PRICE_BARGAIN && kind != PRICE_DEPOSIT;
}

/* The quote with every kind but those in left_out. */
static enum price_error quote_with(const struct price_input *input, struct price_quote *quote, uint32_t left_out)
{
	memset(quote, 0, sizeof(*quote));
	/* 1. lines */
	for (int i = 0; i < input->line_count; i++) {
		const struct price_line *line = &input->lines[i];
		quote->lines[i].amount_fen = line->qty * line->unit_price_fen;
		quote->subtotal_fen += quote->lines[i].amount_fen;
	}
	quote->total_fen = quote->subtotal_fen;

	/* 2. item prices (the registry's item-price kinds: the bargain) */
	enum price_error error = apply_stage(input, quote, PROMOTION_ITEM_PRICE, left_out);
	if (error != PRICE_OK)
		return error;
	quote->merchandise_fen = quote->total_fen;
	int64_t ignored;
	price_scope_amounts(input, quote, 0, &ignored, &quote->floor_fen);

	/* 3. order promotions, in the registry's order (full reduction, coupons) */
	if ((error = apply_stage(input, quote, PROMOTION_ORDER, left_out)) != PRICE_OK)
		return error;
	for (int d = 0; d < quote->discount_count; d++)
		if (price_kind_subsidised(quote->discounts[d].kind))
			quote->subsidy_fen += quote->discounts[d].amount_fen;
	return PRICE_OK;
}

/* ============================================ exclusive pairs and budget */

/* The registry row a discount kind comes from, or -1. */
static int row_of(enum price_kind kind)
{
	const char *name = kind == PRICE_DEPOSIT ? "presale" : price_kind_name(kind);
	for (int k = 0; k < promotion_kind_count; k++)
		if (strcmp(promotion_kinds[k]->name, name) == 0)
			return k;
	return -1;
}

static int row_named(const char *name)
{
	for (int k = 0; name != NULL && k < promotion_kind_count; k++)
		if (strcmp(promotion_kinds[k]->name, name) == 0)
			return k;
	return -1;
}

/* The rows that took something off quote, as bits. */
static uint32_t rows_applied(const struct price_quote *quote)
{
	uint32_t rows = 0;
	for (int d = 0; d < quote->discount_count; d++) {
		int k = row_of(quote->discounts[d].kind);
		if (k >= 0)
			rows |= 1u << k;
	}
	return rows;
}

/* The rows never left out: the bargain and the deposit are what the
 * shopper asked for by id and paid for. */
static uint32_t rows_fixed(void)
{
	uint32_t fixed = 0;
	int k = row_of(PRICE_BARGAIN);
	if (k >= 0)
		fixed |= 1u << k;
	if ((k = row_of(PRICE_DEPOSIT)) >= 0)
		fixed |= 1u << k;
	return fixed;
}

/* The row that row may not go with among rows (an exclusive pair), or -1.
 * A pair of two rows never left out cannot be kept by leaving one out:
 * it is not enforced (the order flow never has both). */
static int exclusive_partner(const struct price_input *input, int row, uint32_t rows)
{
	uint32_t fixed = rows_fixed();
	for (int p = 0; p < input->exclusive_count; p++) {
		int a = row_named(input->exclusive[p].kind_a), b = row_named(input->exclusive[p].kind_b);
		if (a < 0 || b < 0 || a == b || ((fixed >> a & 1u) && (fixed >> b & 1u)))
			continue;
		if (a == row && (rows >> b & 1u))
			return b;
		if (b == row && (rows >> a & 1u))
			return a;
	}
	return -1;
}

static bool quote_allowed(const struct price_input *input, const struct price_quote *quote)
{
	if (input->has_budget && quote->subsidy_fen > input->budget_left_fen)
		return false;
	uint32_t rows = rows_applied(quote);
	for (int k = 0; k < promotion_kind_count; k++)
		if ((rows >> k & 1u) && exclusive_partner(input, k, rows) >= 0)
			return false;
	return true;
}

static int bits(uint32_t value)
{
	int count = 0;
	for (; value != 0; value &= value - 1)
		count++;
	return count;
}

/* quote, priced with every kind, breaks a pair or the budget: the allowed
 * set with the lowest total (pricing.h), the kinds left out in skipped. */
static enum price_error quote_best_allowed(const struct price_input *input, struct price_quote *quote)
{
	uint32_t fixed = rows_fixed();
	int k;
	/* every row that may take something off, not only those that did: one
	 * left out can make room for another (a coupon that filled the order
	 * to its floor leaves room for a first-order discount) */
	uint32_t all = rows_applied(quote), candidates = 0;
	for (k = 0; k < promotion_kind_count; k++)
		if (promotion_kinds[k]->apply != NULL)
			candidates |= 1u << k;
	candidates &= ~fixed;
	struct price_quote trial, best;
	memset(&best, 0, sizeof(best));
	uint32_t best_out = 0;
	bool found = false;
	/* every non-empty subset of the candidates, each priced afresh: leaving
	 * one kind out changes what the later ones take */
	for (uint32_t out = candidates; out != 0; out = (out - 1) & candidates) {
		if (quote_with(input, &trial, out) != PRICE_OK || !quote_allowed(input, &trial))
			continue;
		if (!found || trial.total_fen < best.total_fen ||
		    (trial.total_fen == best.total_fen &&
		     (bits(out) < bits(best_out) || (bits(out) == bits(best_out) && out < best_out)))) {
			best = trial;
			best_out = out;
			found = true;
		}
	}
	if (!found) /* only the fixed kinds break it: nothing to choose */
		return PRICE_OK;
	struct price_quote with_all = *quote;
	*quote = best;
	for (k = 0; k < promotion_kind_count && quote->skipped_count < PRICE_SKIPPED_MAX; k++) {
		if ((best_out >> k & 1u) == 0 || (all >> k & 1u) == 0)
			continue;
		struct price_skipped *skipped = &quote->skipped[quote->skipped_count++];
		skipped->kind = promotion_kinds[k]->name;
		for (int d = 0; d < with_all.discount_count; d++)
			if (row_of(with_all.discounts[d].kind) == k)
				skipped->amount_fen += with_all.discounts[d].amount_fen;
		/* why: what the chosen set would break with this kind back in */
		int partner = -1;
		bool back_priced = quote_with(input, &trial, best_out & ~(1u << k)) == PRICE_OK;
		if (back_priced)
			partner = exclusive_partner(input, k, rows_applied(&trial));
		if (partner >= 0) {
			skipped->reason = "exclusive";
			skipped->with = promotion_kinds[partner]->name;
		} else if (back_priced && input->has_budget && trial.subsidy_fen > input->budget_left_fen) {
			skipped->reason = "budget";
			quote->budget_limited = true;
		} else {
			skipped->reason = "lower_total"; /* the set without it simply costs less */
		}
	}
	return PRICE_OK;
}

enum price_error price_quote(const struct price_input *input, struct price_quote *quote)
{
	memset(quote, 0, sizeof(*quote));
	if (!input_bounded(input))
		return price_refuse(quote, PRICE_BAD_INPUT, 0);
	assert(promotion_kind_count <= 32); /* left_out holds a bit per registry row */
	enum price_error error = quote_with(input, quote, 0);
	if (error != PRICE_OK || quote_allowed(input, quote))
		return error;
	return quote_best_allowed(input, quote);
}
