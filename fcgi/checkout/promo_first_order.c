/* promo_first_order.c: the new shopper's first order (新客首单) as a
 * promotion kind of the promotion resource: a shopper who has never paid
 * an order in the shop pays percent of the total, or off_fen less, at most
 * max_off_fen off, above the floor. After the item prices, before the full
 * reduction (API.md's order). Of several live ones the one that takes most
 * applies (the lower id on a tie). The "first" is the first PAID order:
 * until one is paid every order of the shopper may take it, which
 * limits.per_user (e.g. 1) caps. */
#include <stdio.h>
#include <string.h>

#include "checkout/checkout_store.h"
#include "checkout/promotion.h"
#include "db/db.h"
#include "http/messages.h"

bool first_order_parse(const json_t *config, struct price_first_order *first, const char **message)
{
	memset(first, 0, sizeof(*first));
	const char *key;
	const json_t *value;
	json_object_foreach((json_t *)config, key, value)
	{
		if (strcmp(key, "percent") != 0 && strcmp(key, "off_fen") != 0 && strcmp(key, "max_off_fen") != 0) {
			*message = "config";
			return false;
		}
	}
	const json_t *percent = json_object_get(config, "percent"), *off = json_object_get(config, "off_fen");
	const json_t *max = json_object_get(config, "max_off_fen");
	if ((percent == NULL) == (off == NULL)) {
		*message = "config.percent"; /* one of percent or off_fen */
		return false;
	}
	if (percent != NULL) {
		if (!json_is_integer(percent) || json_integer_value(percent) < 1 || json_integer_value(percent) > 99) {
			*message = "config.percent";
			return false;
		}
		first->percent = json_integer_value(percent);
	} else {
		if (!json_is_integer(off) || json_integer_value(off) < 1 || json_integer_value(off) > PRICE_UNIT_MAX) {
			*message = "config.off_fen";
			return false;
		}
		first->off_fen = json_integer_value(off);
	}
	if (max != NULL && !json_is_null(max)) {
		if (!json_is_integer(max) || json_integer_value(max) < 1 || json_integer_value(max) > PRICE_UNIT_MAX) {
			*message = "config.max_off_fen";
			return false;
		}
		first->max_off_fen = json_integer_value(max);
	}
	return true;
}

static bool first_order_validate(const json_t *config, const char **message)
{
	struct price_first_order first;
	return first_order_parse(config, &first, message);
}

/* Live first-order promotions, and only for a shopper who never paid (one
 * statement, only when the campaign has one). */
static int first_order_load(struct unit *unit, struct promotion_config *config)
{
	config->first_order_count = 0;
	bool any = false;
	for (int r = 0; r < config->live_count; r++)
		any = any || (strcmp(config->live[r].kind, "first_order") == 0 && !promotion_live_exhausted(&config->live[r]));
	if (!any || config->user_id == 0)
		return DB_OK;
	bool paid;
	int result = shopper_has_paid_order(unit, config->user_id, &paid);
	if (result != DB_OK || paid)
		return result;
	for (int r = 0; r < config->live_count && config->first_order_count < PRICE_PROMOTIONS_MAX; r++) {
		const struct promotion_live *live = &config->live[r];
		if (strcmp(live->kind, "first_order") != 0 || live->config == NULL || promotion_live_exhausted(live))
			continue;
		struct price_first_order *first = &config->first_orders[config->first_order_count];
		const char *ignored;
		if (!first_order_parse(live->config, first, &ignored))
			continue;
		first->promotion_id = live->id;
		first->title = live->title;
		first->starts_at = live->starts_at;
		first->ends_at = live->ends_at;
		config->first_order_count++;
	}
	return DB_OK;
}

static enum price_error first_order_apply(const struct price_input *input, struct price_quote *quote)
{
	const struct price_first_order *best = NULL;
	int64_t best_off = 0;
	for (int f = 0; f < input->first_order_count; f++) {
		const struct price_first_order *first = &input->first_orders[f];
		if (input->now < first->starts_at || input->now >= first->ends_at)
			continue;
		int64_t off = first->percent > 0 ? quote->total_fen * (100 - first->percent) / 100 : first->off_fen;
		if (first->max_off_fen > 0 && off > first->max_off_fen)
			off = first->max_off_fen;
		if (off > best_off) {
			best = first;
			best_off = off;
		}
	}
	int64_t off = price_min(best_off, quote->total_fen - quote->floor_fen);
	if (best == NULL || off <= 0)
		return PRICE_OK;
	struct price_discount *discount = price_discount_add(quote, PRICE_FIRST_ORDER, off);
	discount->promotion_id = best->promotion_id;
	http_text_format(discount->label, sizeof(discount->label), "discount.first_order", best->title);
	return PRICE_OK;
}

const struct promotion_kind promo_first_order = {
	.name = "first_order",
	.stage = PROMOTION_ORDER,
	.configurable = true,
	.load = first_order_load,
	.validate = first_order_validate,
	.apply = first_order_apply,
};
