/* promo_bundle.c: the bundle (组合套餐) as a promotion kind of the
 * promotion resource: config {"items": [{"item_id", "qty"}], "price_fen"}.
 * Every whole set of its items in the cart costs price_fen instead of the
 * items' prices. An item-price step after the bargain (API.md's order):
 * the bargained unit and add-ons are never in a set, and units in a set
 * take no other item price (timed discount, member price: the set price
 * is the price). What a set saves is shared over its items in proportion
 * to their prices, never taking a unit below its floor (the set then
 * costs a little more than price_fen). Several bundles apply in id order,
 * each to the units the ones before left. One discount line per bundle. */
#include <stdio.h>
#include <string.h>

#include "checkout/promotion.h"
#include "db/db.h"
#include "http/messages.h"

#define BUNDLE_PRICE_MAX (PRICE_UNIT_MAX * PRICE_QTY_MAX)

/* ---------------------------------------------------------------- parse */

bool bundle_parse(const json_t *config, struct price_bundle *bundle, const char **message)
{
	memset(bundle->items, 0, sizeof(bundle->items));
	bundle->item_count = 0;
	bundle->price_fen = 0;
	const char *key;
	const json_t *value;
	json_object_foreach((json_t *)config, key, value)
	{
		if (strcmp(key, "items") != 0 && strcmp(key, "price_fen") != 0) {
			*message = "config";
			return false;
		}
	}
	const json_t *items = json_object_get(config, "items");
	size_t count = json_array_size(items);
	if (!json_is_array(items) || count < 1 || count > PRICE_LINES_MAX) {
		*message = "config.items";
		return false;
	}
	int64_t units = 0;
	for (size_t i = 0; i < count; i++) {
		const json_t *entry = json_array_get(items, i);
		const json_t *item_id = json_object_get(entry, "item_id"), *qty = json_object_get(entry, "qty");
		if (!json_is_object(entry) || json_object_size(entry) != 2 || !json_is_integer(item_id) ||
		    json_integer_value(item_id) < 1) {
			*message = "config.items.item_id";
			return false;
		}
		if (!json_is_integer(qty) || json_integer_value(qty) < 1 || json_integer_value(qty) > PRICE_QTY_MAX) {
			*message = "config.items.qty";
			return false;
		}
		bundle->items[i] = (struct price_bundle_item){ json_integer_value(item_id), json_integer_value(qty) };
		for (size_t j = 0; j < i; j++)
			if (bundle->items[j].item_id == bundle->items[i].item_id) {
				*message = "config.items.item_id";
				return false;
			}
		units += bundle->items[i].qty;
	}
	if (units < 2) {
		*message = "config.items"; /* a set is at least two units */
		return false;
	}
	bundle->item_count = (int)count;
	const json_t *price = json_object_get(config, "price_fen");
	if (!json_is_integer(price) || json_integer_value(price) < 0 || json_integer_value(price) > BUNDLE_PRICE_MAX) {
		*message = "config.price_fen";
		return false;
	}
	bundle->price_fen = json_integer_value(price);
	return true;
}

static bool bundle_validate(const json_t *config, const char **message)
{
	struct price_bundle bundle;
	return bundle_parse(config, &bundle, message);
}

/* ----------------------------------------------------------------- load */

static int bundle_load(struct unit *unit, struct promotion_config *config)
{
	(void)unit;
	config->bundle_count = 0;
	for (int r = 0; r < config->live_count && config->bundle_count < PRICE_PROMOTIONS_MAX; r++) {
		const struct promotion_live *live = &config->live[r];
		if (strcmp(live->kind, "bundle") != 0 || live->config == NULL || promotion_live_exhausted(live))
			continue;
		struct price_bundle *bundle = &config->bundles[config->bundle_count];
		const char *ignored;
		if (!bundle_parse(live->config, bundle, &ignored))
			continue;
		bundle->promotion_id = live->id;
		bundle->title = live->title;
		bundle->starts_at = live->starts_at;
		bundle->ends_at = live->ends_at;
		config->bundle_count++;
	}
	return DB_OK;
}

/* ---------------------------------------------------------------- apply */

/* The line of item_id that may go into sets, or -1. */
static int line_of(const struct price_input *input, int64_t item_id)
{
	for (int i = 0; i < input->line_count; i++)
		if (input->lines[i].item_id == item_id && !price_line_is_addon(input, i))
			return i;
	return -1;
}

/* Units of line i not yet in a set nor bargained. */
static int64_t free_units(const struct price_input *input, const struct price_quote *quote, int i)
{
	return input->lines[i].qty - (input->lines[i].has_bargain ? 1 : 0) - quote->lines[i].bundled_units;
}

static bool bundle_bounded(const struct price_bundle *bundle)
{
	if (bundle->item_count < 1 || bundle->item_count > PRICE_LINES_MAX || bundle->price_fen < 0 ||
	    bundle->price_fen > BUNDLE_PRICE_MAX)
		return false;
	for (int k = 0; k < bundle->item_count; k++)
		if (bundle->items[k].qty < 1 || bundle->items[k].qty > PRICE_QTY_MAX)
			return false;
	return true;
}

/* Takes bundle's sets off the cart; the discount it gave (0: none). */
static int64_t bundle_take(const struct price_input *input, struct price_quote *quote, const struct price_bundle *bundle)
{
	int lines[PRICE_LINES_MAX];
	int64_t sets = PRICE_QTY_MAX, normal = 0, room[PRICE_LINES_MAX], weight[PRICE_LINES_MAX];
	for (int k = 0; k < bundle->item_count; k++) {
		lines[k] = line_of(input, bundle->items[k].item_id);
		if (lines[k] < 0)
			return 0;
		int64_t fit = free_units(input, quote, lines[k]) / bundle->items[k].qty;
		sets = fit < sets ? fit : sets;
	}
	if (sets <= 0)
		return 0;
	int64_t rooms = 0;
	for (int k = 0; k < bundle->item_count; k++) {
		const struct price_line *line = &input->lines[lines[k]];
		int64_t units = bundle->items[k].qty * sets;
		weight[k] = line->unit_price_fen * units;
		room[k] = (line->unit_price_fen - line->unit_floor_fen) * units;
		normal += weight[k];
		rooms += room[k];
	}
	int64_t off = normal - bundle->price_fen * sets;
	if (off <= 0)
		return 0;
	off = price_min(off, rooms);
	/* shares in proportion to the items' prices, each within its room;
	 * what rounding or a room left over goes to the items with room left */
	int64_t share[PRICE_LINES_MAX], shared = 0;
	for (int k = 0; k < bundle->item_count; k++) {
		share[k] = price_min(room[k], (int64_t)((__int128)off * weight[k] / normal));
		shared += share[k];
	}
	for (int k = 0; k < bundle->item_count && shared < off; k++) {
		int64_t more = price_min(room[k] - share[k], off - shared);
		share[k] += more;
		shared += more;
	}
	for (int k = 0; k < bundle->item_count; k++) {
		struct price_line_total *total = &quote->lines[lines[k]];
		total->bundled_units += bundle->items[k].qty * sets;
		total->bundle_off_fen += share[k];
		total->item_off_fen += share[k];
	}
	return off;
}

static enum price_error bundle_apply(const struct price_input *input, struct price_quote *quote)
{
	if (input->bundle_count < 0 || input->bundle_count > PRICE_PROMOTIONS_MAX)
		return price_refuse(quote, PRICE_BAD_INPUT, 0);
	for (int b = 0; b < input->bundle_count; b++) {
		const struct price_bundle *bundle = &input->bundles[b];
		if (!bundle_bounded(bundle))
			return price_refuse(quote, PRICE_BAD_INPUT, 0);
		if (input->now < bundle->starts_at || input->now >= bundle->ends_at)
			continue;
		int64_t off = bundle_take(input, quote, bundle);
		if (off <= 0)
			continue;
		struct price_discount *discount = price_discount_add(quote, PRICE_BUNDLE, off);
		discount->promotion_id = bundle->promotion_id;
		http_text_format(discount->label, sizeof(discount->label), "discount.bundle",
				 bundle->title ? bundle->title : "");
	}
	return PRICE_OK;
}

const struct promotion_kind promo_bundle = {
	.name = "bundle",
	.stage = PROMOTION_ITEM_PRICE,
	.configurable = true,
	.load = bundle_load,
	.validate = bundle_validate,
	.apply = bundle_apply,
};
