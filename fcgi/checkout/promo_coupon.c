/* promo_coupon.c: coupons as a promotion kind: the shopper's chosen
 * coupons, in the order given, each checked for validity at now, its
 * minimum spend against the merchandise of its scope (the whole cart, or
 * its item's lines), one per order unless the campaign says stackable, and
 * the shopper's per-campaign use limit. The order uses each coupon (one
 * conditional update); a cancelled order gives them back.
 *
 * On the promotion resource a `coupon` is a template: its config says what
 * each coupon issued from it is worth (coupon_template.c issues them). */
#include <stdio.h>
#include <string.h>

#include "checkout/coupon_template.h"
#include "checkout/promotion.h"
#include "checkout/promotion_store.h"
#include "core/arena.h"
#include "core/outcome.h"
#include "http/messages.h"
#include "reward/reward_store.h"

static int coupon_load(struct unit *unit, struct promotion_config *config)
{
	int result;
	for (int i = 0; i < config->coupon_count; i++) {
		struct coupon coupon;
		bool found;
		if ((result = coupon_for_order(unit, config->coupon_ids[i], config->user_id, &coupon, &found)) != DB_OK)
			return result;
		/* someone else's is as good as none (amount 1, so pricing's bounds hold) */
		config->coupons[i] = !found ? (struct price_coupon){ .id = coupon.id, .amount_fen = 1 }
				   : (struct price_coupon){ .id = coupon.id, .title = coupon.title,
							    .amount_fen = coupon.amount_fen,
							    .min_spend_fen = coupon.min_spend_fen,
							    .starts_at = coupon.starts_at, .expires_at = coupon.expires_at,
							    .item_id = coupon.item_id,
							    .available = strcmp(coupon.status, "available") == 0 };
	}
	/* the campaign's coupon rules came with promotion_load()'s campaign read */
	if (config->rules.coupon_uses_per_customer > 0 && config->coupon_count > 0)
		return coupon_uses_in_campaign(unit, config->user_id, config->campaign_id,
					       &config->rules.coupon_uses_so_far);
	return DB_OK;
}

bool coupon_template_parse(const json_t *config, struct coupon_template *template, const char **message)
{
	static const char *const keys[] = { "amount_fen", "min_spend_fen", "valid_days", "item_ids", "claimable", NULL };
	*template = (struct coupon_template){ .valid_days = COUPON_TEMPLATE_VALID_DAYS_DEFAULT, .claimable = true };
	const char *key;
	const json_t *value;
	json_object_foreach((json_t *)config, key, value)
	{
		bool known = false;
		for (int k = 0; keys[k] != NULL; k++)
			known = known || strcmp(key, keys[k]) == 0;
		if (!known) {
			*message = "config";
			return false;
		}
	}
	const json_t *amount = json_object_get(config, "amount_fen"), *min_spend = json_object_get(config, "min_spend_fen");
	const json_t *days = json_object_get(config, "valid_days"), *items = json_object_get(config, "item_ids");
	const json_t *claimable = json_object_get(config, "claimable");
	if (!json_is_integer(amount) || json_integer_value(amount) < 1 || json_integer_value(amount) > PRICE_UNIT_MAX) {
		*message = "config.amount_fen";
		return false;
	}
	template->amount_fen = json_integer_value(amount);
	if (min_spend != NULL && !json_is_null(min_spend)) {
		if (!json_is_integer(min_spend) || json_integer_value(min_spend) < 0 ||
		    json_integer_value(min_spend) > PRICE_UNIT_MAX) {
			*message = "config.min_spend_fen";
			return false;
		}
		template->min_spend_fen = json_integer_value(min_spend);
	}
	if (days != NULL && !json_is_null(days)) {
		if (!json_is_integer(days) || json_integer_value(days) < 1 ||
		    json_integer_value(days) > COUPON_TEMPLATE_VALID_DAYS_MAX) {
			*message = "config.valid_days";
			return false;
		}
		template->valid_days = json_integer_value(days);
	}
	/* a coupon row has one item scope: null (shop-wide) or one item */
	if (items != NULL && !json_is_null(items)) {
		if (!json_is_array(items) || json_array_size(items) != 1 || !json_is_integer(json_array_get(items, 0)) ||
		    json_integer_value(json_array_get(items, 0)) < 1) {
			*message = "config.item_ids";
			return false;
		}
		template->item_id = json_integer_value(json_array_get(items, 0));
	}
	if (claimable != NULL) {
		if (!json_is_boolean(claimable)) {
			*message = "config.claimable";
			return false;
		}
		template->claimable = json_is_true(claimable);
	}
	return true;
}

/* A coupon template of the promotion resource (API.md: {"amount_fen",
 * "min_spend_fen", "valid_days", "item_ids", "claimable"}). */
static bool coupon_validate(const json_t *config, const char **message)
{
	struct coupon_template template;
	return coupon_template_parse(config, &template, message);
}

static enum price_error coupon_apply(const struct price_input *input, struct price_quote *quote)
{
	const struct price_rules *rules = input->rules;
	for (int i = 0; i < input->coupon_count; i++) {
		const struct price_coupon *coupon = &input->coupons[i];
		for (int j = 0; j < i; j++)
			if (input->coupons[j].id == coupon->id)
				return price_refuse(quote, PRICE_COUPON_DUPLICATE, coupon->id);
		if (!coupon->available)
			return price_refuse(quote, PRICE_COUPON_UNAVAILABLE, coupon->id);
		if (input->now < coupon->starts_at)
			return price_refuse(quote, PRICE_COUPON_NOT_STARTED, coupon->id);
		if (input->now >= coupon->expires_at)
			return price_refuse(quote, PRICE_COUPON_EXPIRED, coupon->id);
		if (coupon->item_id != 0 && !price_item_in_cart(input, coupon->item_id))
			return price_refuse(quote, PRICE_COUPON_SCOPE, coupon->id);
		int64_t scope_amount, scope_floor;
		price_scope_amounts(input, quote, coupon->item_id, &scope_amount, &scope_floor);
		if (scope_amount < coupon->min_spend_fen)
			return price_refuse(quote, PRICE_COUPON_MIN_SPEND, coupon->id);
		if (i > 0 && !rules->coupons_stackable)
			return price_refuse(quote, PRICE_COUPON_NOT_STACKABLE, coupon->id);
		if (rules->coupon_uses_per_customer > 0 &&
		    rules->coupon_uses_so_far + i + 1 > rules->coupon_uses_per_customer)
			return price_refuse(quote, PRICE_COUPON_CUSTOMER_LIMIT, coupon->id);
		int64_t room = quote->total_fen - quote->floor_fen;
		if (coupon->item_id != 0) {
			/* an item's coupon takes only from that item's lines */
			int64_t scope_room = scope_amount - scope_floor;
			for (int d = 0; d < quote->discount_count; d++)
				if (quote->discounts[d].kind == PRICE_COUPON && quote->discounts[d].item_id == coupon->item_id)
					scope_room -= quote->discounts[d].amount_fen;
			room = price_min(room, scope_room);
		}
		int64_t off = price_min(coupon->amount_fen, room);
		if (off <= 0)
			return price_refuse(quote, PRICE_COUPON_NO_VALUE, coupon->id);
		struct price_discount *discount = price_discount_add(quote, PRICE_COUPON, off);
		discount->coupon_id = coupon->id;
		discount->item_id = coupon->item_id;
		http_text_format(discount->label, sizeof(discount->label), "discount.coupon",
				 coupon->title ? coupon->title : "");
	}
	return PRICE_OK;
}

static int coupon_persist(struct unit *unit, const struct promotion_config *config, int64_t order_id,
			  const char **message)
{
	for (int i = 0; i < config->coupon_count; i++) {
		int result = coupon_use(unit, config->coupon_ids[i], config->user_id, order_id);
		if (result == OUT_COUPON_NOT_APPLICABLE) {
			char sentence[256];
			http_text_format(sentence, sizeof(sentence), "pricing.coupon_refused",
					 (long long)config->coupon_ids[i], price_error_text(PRICE_COUPON_UNAVAILABLE));
			*message = arena_strdup(unit->arena, sentence);
		}
		if (result != DB_OK)
			return result;
	}
	return DB_OK;
}

/* A cancelled order's coupons are the shopper's again; a refunded order's
 * stay used (the refund returns the money paid, not the coupon). */
static int coupon_return(struct unit *unit, int64_t order_id, enum promotion_return why)
{
	if (why != PROMOTION_CANCELLED)
		return DB_OK;
	return coupon_give_back(unit, order_id);
}

const struct promotion_kind promo_coupon = {
	.name = "coupon",
	.stage = PROMOTION_ORDER,
	.configurable = true, /* as a template: shoppers claim it, rewards issue it (coupon_template.h) */
	.load = coupon_load,
	.validate = coupon_validate,
	.apply = coupon_apply,
	.persist = coupon_persist,
	.give_back = coupon_return,
};
