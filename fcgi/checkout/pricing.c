/* pricing.c: the pricing engine (see pricing.h for the order of
 * application and the floor). Pure arithmetic on int64 fen; inputs are
 * bounded first so no sum can overflow. */
#include "checkout/pricing.h"

#include <stdio.h>
#include <string.h>

const char *price_kind_name(enum price_kind kind)
{
	switch (kind) {
	case PRICE_BARGAIN: return "bargain";
	case PRICE_FULL_REDUCTION: return "full_reduction";
	case PRICE_COUPON: return "coupon";
	}
	return "discount";
}

const char *price_error_text(enum price_error error)
{
	switch (error) {
	case PRICE_OK: return "";
	case PRICE_BAD_INPUT: return "购物车内容不正确。";
	case PRICE_COUPON_UNAVAILABLE: return "优惠券不可用（已使用或不属于你）。";
	case PRICE_COUPON_NOT_STARTED: return "优惠券还未到可用时间。";
	case PRICE_COUPON_EXPIRED: return "优惠券已过期。";
	case PRICE_COUPON_MIN_SPEND: return "未达到优惠券的使用门槛。";
	case PRICE_COUPON_SCOPE: return "优惠券不适用于所选商品。";
	case PRICE_COUPON_NOT_STACKABLE: return "每笔订单只能使用一张优惠券。";
	case PRICE_COUPON_DUPLICATE: return "同一张优惠券不能重复使用。";
	case PRICE_COUPON_CUSTOMER_LIMIT: return "你在本活动中使用优惠券的次数已用完。";
	case PRICE_COUPON_NO_VALUE: return "订单已是最低价，无法再使用优惠券。";
	}
	return "无法计算价格。";
}

/* "30元", "29.90元": fen as yuan for labels. */
static void yuan(int64_t fen, char *out, size_t size)
{
	if (fen % 100 == 0)
		snprintf(out, size, "%lld元", (long long)(fen / 100));
	else
		snprintf(out, size, "%lld.%02lld元", (long long)(fen / 100), (long long)(fen % 100));
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

static enum price_error refuse(struct price_quote *quote, enum price_error error, int64_t coupon_id)
{
	quote->error = error;
	quote->error_coupon_id = coupon_id;
	return error;
}

static struct price_discount *discount_add(struct price_quote *quote, enum price_kind kind, int64_t amount)
{
	struct price_discount *discount = &quote->discounts[quote->discount_count++];
	discount->kind = kind;
	discount->amount_fen = amount;
	quote->discount_fen += amount;
	quote->total_fen -= amount;
	return discount;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* What the lines of item (0: all) cost after the bargain, and their floor. */
static void scope_amounts(const struct price_input *input, int64_t item_id, int64_t *amount, int64_t *floor_fen)
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
		*amount += paid;
		*floor_fen += min64(line->qty * line->unit_floor_fen, paid);
	}
}

static bool item_in_cart(const struct price_input *input, int64_t item_id)
{
	for (int i = 0; i < input->line_count; i++)
		if (input->lines[i].item_id == item_id)
			return true;
	return false;
}

/* The tier that takes off most among those merchandise reaches, or NULL. */
static const struct price_tier *best_tier(const struct price_rules *rules, int64_t merchandise)
{
	const struct price_tier *best = NULL;
	for (int i = 0; i < rules->tier_count; i++) {
		const struct price_tier *tier = &rules->tiers[i];
		if (merchandise < tier->min_spend_fen)
			continue;
		if (best == NULL || tier->off_fen > best->off_fen ||
		    (tier->off_fen == best->off_fen && tier->min_spend_fen > best->min_spend_fen))
			best = tier;
	}
	return best;
}

enum price_error price_quote(const struct price_input *input, struct price_quote *quote)
{
	memset(quote, 0, sizeof(*quote));
	if (!input_bounded(input))
		return refuse(quote, PRICE_BAD_INPUT, 0);
	const struct price_rules *rules = input->rules;

	/* 1. lines */
	for (int i = 0; i < input->line_count; i++) {
		const struct price_line *line = &input->lines[i];
		quote->lines[i].amount_fen = line->qty * line->unit_price_fen;
		quote->subtotal_fen += quote->lines[i].amount_fen;
	}
	quote->total_fen = quote->subtotal_fen;

	/* 2. the bargain price */
	for (int i = 0; i < input->line_count; i++) {
		const struct price_line *line = &input->lines[i];
		int64_t off = line->unit_price_fen - line->bargain_price_fen;
		if (!line->has_bargain || off == 0)
			continue;
		struct price_discount *discount = discount_add(quote, PRICE_BARGAIN, off);
		char price[32];
		yuan(line->bargain_price_fen, price, sizeof(price));
		snprintf(discount->label, sizeof(discount->label), "砍价成功，一件按 %s 计", price);
	}
	quote->merchandise_fen = quote->total_fen;
	int64_t ignored;
	scope_amounts(input, 0, &ignored, &quote->floor_fen);

	/* 3. full reduction: the best tier reached */
	const struct price_tier *tier = best_tier(rules, quote->merchandise_fen);
	if (tier != NULL) {
		int64_t off = min64(tier->off_fen, quote->total_fen - quote->floor_fen);
		if (off > 0) {
			struct price_discount *discount = discount_add(quote, PRICE_FULL_REDUCTION, off);
			char over[32], minus[32];
			yuan(tier->min_spend_fen, over, sizeof(over));
			yuan(tier->off_fen, minus, sizeof(minus));
			snprintf(discount->label, sizeof(discount->label), "满%s减%s", over, minus);
		}
	}

	/* 4. coupons */
	for (int i = 0; i < input->coupon_count; i++) {
		const struct price_coupon *coupon = &input->coupons[i];
		for (int j = 0; j < i; j++)
			if (input->coupons[j].id == coupon->id)
				return refuse(quote, PRICE_COUPON_DUPLICATE, coupon->id);
		if (!coupon->available)
			return refuse(quote, PRICE_COUPON_UNAVAILABLE, coupon->id);
		if (input->now < coupon->starts_at)
			return refuse(quote, PRICE_COUPON_NOT_STARTED, coupon->id);
		if (input->now >= coupon->expires_at)
			return refuse(quote, PRICE_COUPON_EXPIRED, coupon->id);
		if (coupon->item_id != 0 && !item_in_cart(input, coupon->item_id))
			return refuse(quote, PRICE_COUPON_SCOPE, coupon->id);
		int64_t scope_amount, scope_floor;
		scope_amounts(input, coupon->item_id, &scope_amount, &scope_floor);
		if (scope_amount < coupon->min_spend_fen)
			return refuse(quote, PRICE_COUPON_MIN_SPEND, coupon->id);
		if (i > 0 && !rules->coupons_stackable)
			return refuse(quote, PRICE_COUPON_NOT_STACKABLE, coupon->id);
		if (rules->coupon_uses_per_customer > 0 &&
		    rules->coupon_uses_so_far + i + 1 > rules->coupon_uses_per_customer)
			return refuse(quote, PRICE_COUPON_CUSTOMER_LIMIT, coupon->id);
		int64_t room = quote->total_fen - quote->floor_fen;
		if (coupon->item_id != 0) {
			/* an item's coupon takes only from that item's lines */
			int64_t scope_room = scope_amount - scope_floor;
			for (int d = 0; d < quote->discount_count; d++)
				if (quote->discounts[d].kind == PRICE_COUPON && quote->discounts[d].item_id == coupon->item_id)
					scope_room -= quote->discounts[d].amount_fen;
			room = min64(room, scope_room);
		}
		int64_t off = min64(coupon->amount_fen, room);
		if (off <= 0)
			return refuse(quote, PRICE_COUPON_NO_VALUE, coupon->id);
		struct price_discount *discount = discount_add(quote, PRICE_COUPON, off);
		discount->coupon_id = coupon->id;
		discount->item_id = coupon->item_id;
		snprintf(discount->label, sizeof(discount->label), "优惠券：%s", coupon->title ? coupon->title : "");
	}
	return PRICE_OK;
}
