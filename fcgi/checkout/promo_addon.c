/* promo_addon.c: the add-on purchase (加价购) as a promotion kind of the
 * promotion resource: config {"threshold_fen", "offers": [{"item_id",
 * "price_fen", "max_qty": 1}]}. When the rest of the order (its lines that
 * are not add-ons, after item prices) reaches threshold_fen, the shopper
 * may add up to max_qty of each offer's item at price_fen each: the body's
 * "addons" [{"item_id", "qty"}] become lines of their own (stock reserved
 * like any line) priced by this step. An add-on no live offer serves, past
 * its max_qty or below its threshold refuses the cart (422
 * promotion_not_applicable). The quote's `addon_offers` lists the offers
 * the cart qualifies for. An item-price step after the member price; never
 * below the item's floor; one discount line per promotion. */
#include <stdio.h>
#include <string.h>

#include "checkout/promotion.h"
#include "db/db.h"
#include "http/messages.h"

#define OFFERS_PER_PROMOTION_MAX 10

/* ---------------------------------------------------------------- parse */

bool addon_parse(const json_t *config, struct price_addon_offer *offers, int max, int *count, const char **message)
{
	*count = 0;
	const char *key;
	const json_t *value;
	json_object_foreach((json_t *)config, key, value)
	{
		if (strcmp(key, "threshold_fen") != 0 && strcmp(key, "offers") != 0) {
			*message = "config";
			return false;
		}
	}
	const json_t *threshold = json_object_get(config, "threshold_fen");
	if (!json_is_integer(threshold) || json_integer_value(threshold) < 0 ||
	    json_integer_value(threshold) > PRICE_UNIT_MAX * PRICE_LINES_MAX * PRICE_QTY_MAX) {
		*message = "config.threshold_fen";
		return false;
	}
	const json_t *list = json_object_get(config, "offers");
	size_t size = json_array_size(list);
	if (!json_is_array(list) || size < 1 || size > OFFERS_PER_PROMOTION_MAX || (int)size > max) {
		*message = "config.offers";
		return false;
	}
	for (size_t i = 0; i < size; i++) {
		const json_t *entry = json_array_get(list, i);
		const json_t *item_id = json_object_get(entry, "item_id"), *price = json_object_get(entry, "price_fen");
		const json_t *max_qty = json_object_get(entry, "max_qty");
		json_object_foreach((json_t *)entry, key, value)
		{
			if (strcmp(key, "item_id") != 0 && strcmp(key, "price_fen") != 0 && strcmp(key, "max_qty") != 0) {
				*message = "config.offers";
				return false;
			}
		}
		if (!json_is_object(entry) || !json_is_integer(item_id) || json_integer_value(item_id) < 1) {
			*message = "config.offers.item_id";
			return false;
		}
		if (!json_is_integer(price) || json_integer_value(price) < 0 || json_integer_value(price) > PRICE_UNIT_MAX) {
			*message = "config.offers.price_fen";
			return false;
		}
		if (max_qty != NULL && (!json_is_integer(max_qty) || json_integer_value(max_qty) < 1 ||
					json_integer_value(max_qty) > PRICE_QTY_MAX)) {
			*message = "config.offers.max_qty";
			return false;
		}
		offers[i] = (struct price_addon_offer){
			.threshold_fen = json_integer_value(threshold), .item_id = json_integer_value(item_id),
			.price_fen = json_integer_value(price), .max_qty = max_qty ? json_integer_value(max_qty) : 1,
		};
		for (size_t j = 0; j < i; j++)
			if (offers[j].item_id == offers[i].item_id) {
				*message = "config.offers.item_id";
				return false;
			}
	}
	*count = (int)size;
	return true;
}

static bool addon_validate(const json_t *config, const char **message)
{
	struct price_addon_offer offers[OFFERS_PER_PROMOTION_MAX];
	int count;
	return addon_parse(config, offers, OFFERS_PER_PROMOTION_MAX, &count, message);
}

/* ----------------------------------------------------------------- load */

static int addon_load(struct unit *unit, struct promotion_config *config)
{
	(void)unit;
	config->addon_offer_count = 0;
	for (int r = 0; r < config->live_count; r++) {
		const struct promotion_live *live = &config->live[r];
		if (strcmp(live->kind, "addon") != 0 || live->config == NULL || promotion_live_exhausted(live))
			continue;
		struct price_addon_offer *offers = &config->addon_offers[config->addon_offer_count];
		int count;
		const char *ignored;
		if (!addon_parse(live->config, offers, PRICE_ADDON_OFFERS_MAX - config->addon_offer_count, &count, &ignored))
			continue;
		for (int o = 0; o < count; o++) {
			offers[o].promotion_id = live->id;
			offers[o].starts_at = live->starts_at;
			offers[o].ends_at = live->ends_at;
		}
		config->addon_offer_count += count;
	}
	return DB_OK;
}

/* ---------------------------------------------------------------- apply */

static enum price_error addon_apply(const struct price_input *input, struct price_quote *quote)
{
	if (input->addon_offer_count < 0 || input->addon_offer_count > PRICE_ADDON_OFFERS_MAX)
		return price_refuse(quote, PRICE_BAD_INPUT, 0);
	int64_t rest = 0;
	for (int i = 0; i < input->line_count; i++)
		if (!price_line_is_addon(input, i))
			rest += price_line_paid(input, quote, i);
	for (int o = 0; o < input->addon_offer_count; o++) {
		const struct price_addon_offer *offer = &input->addon_offers[o];
		if (offer->max_qty < 1 || offer->price_fen < 0 || offer->price_fen > PRICE_UNIT_MAX)
			return price_refuse(quote, PRICE_BAD_INPUT, 0);
		if (input->now >= offer->starts_at && input->now < offer->ends_at && rest >= offer->threshold_fen)
			quote->addon_offers[quote->addon_offer_count++] = o;
	}
	/* each add-on line at the lowest price an offer it qualifies for gives */
	int64_t off_of[PRICE_LINES_MAX];
	int64_t promotion_of[PRICE_LINES_MAX];
	int promotions = 0;
	for (int i = 0; i < input->line_count; i++) {
		const struct price_line *line = &input->lines[i];
		if (!price_line_is_addon(input, i))
			continue;
		const struct price_addon_offer *best = NULL;
		for (int q = 0; q < quote->addon_offer_count; q++) {
			const struct price_addon_offer *offer = &input->addon_offers[quote->addon_offers[q]];
			if (offer->item_id == line->item_id && line->qty <= offer->max_qty &&
			    (best == NULL || offer->price_fen < best->price_fen))
				best = offer;
		}
		if (best == NULL) {
			quote->error_item_id = line->item_id;
			return price_refuse(quote, PRICE_ADDON_NOT_APPLICABLE, 0);
		}
		int64_t unit_price = best->price_fen > line->unit_floor_fen ? best->price_fen : line->unit_floor_fen;
		int64_t off = price_line_paid(input, quote, i) - line->qty * unit_price;
		if (off <= 0)
			continue; /* already as cheap */
		quote->lines[i].item_off_fen += off;
		int p = 0;
		while (p < promotions && promotion_of[p] != best->promotion_id)
			p++;
		if (p == promotions) {
			promotion_of[promotions] = best->promotion_id;
			off_of[promotions++] = 0;
		}
		off_of[p] += off;
	}
	for (int p = 0; p < promotions; p++) {
		struct price_discount *discount = price_discount_add(quote, PRICE_ADDON, off_of[p]);
		discount->promotion_id = promotion_of[p];
		snprintf(discount->label, sizeof(discount->label), "%s", http_text("discount.addon"));
	}
	return PRICE_OK;
}

const struct promotion_kind promo_addon = {
	.name = "addon",
	.stage = PROMOTION_ITEM_PRICE,
	.configurable = true,
	.load = addon_load,
	.validate = addon_validate,
	.apply = addon_apply,
};
