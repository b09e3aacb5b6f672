/* promo_timed_discount.c: the timed discount (限时折扣) as a promotion kind
 * of the promotion resource: in its window each of its items costs percent
 * of its price (1..99: the 50/60/70% tiers of a sale) or a fixed price,
 * never below the item's floor. An item-price step after the bargain: the
 * bargained unit keeps its bargain price, the other units take the lowest
 * price any live timed discount gives them. One discount line per
 * promotion, naming it; the order records what each took
 * (order_promotion), which the promotion's `used` counts. */
#include <stdio.h>
#include <string.h>

#include "checkout/promotion.h"
#include "db/db.h"
#include "http/messages.h"

/* Reads {"items": [{"item_id", "percent"} or {"item_id", "price_fen"}]}
 * into *timed (OUT; promotion_id, title and window left to the caller).
 * Returns true, or false with *message (static) naming the field. */
bool timed_discount_parse(const json_t *config, struct price_timed_discount *timed, const char **message)
{
	memset(timed->items, 0, sizeof(timed->items));
	timed->item_count = 0;
	const json_t *items = json_object_get(config, "items");
	size_t count = json_array_size(items);
	if (!json_is_object(config) || json_object_size(config) != 1 || !json_is_array(items) || count < 1 ||
	    count > PRICE_LINES_MAX) {
		*message = "config.items";
		return false;
	}
	for (size_t i = 0; i < count; i++) {
		const json_t *entry = json_array_get(items, i);
		const json_t *item_id = json_object_get(entry, "item_id");
		const json_t *percent = json_object_get(entry, "percent"), *price = json_object_get(entry, "price_fen");
		if (!json_is_object(entry) || json_object_size(entry) != 2 || !json_is_integer(item_id) ||
		    json_integer_value(item_id) < 1) {
			*message = "config.items.item_id";
			return false;
		}
		struct price_timed_item *out = &timed->items[i];
		out->item_id = json_integer_value(item_id);
		if (percent != NULL) {
			if (!json_is_integer(percent) || json_integer_value(percent) < 1 || json_integer_value(percent) > 99) {
				*message = "config.items.percent";
				return false;
			}
			out->percent = json_integer_value(percent);
		} else {
			if (!json_is_integer(price) || json_integer_value(price) < 0 ||
			    json_integer_value(price) > PRICE_UNIT_MAX) {
				*message = "config.items.price_fen";
				return false;
			}
			out->price_fen = json_integer_value(price);
		}
		for (size_t j = 0; j < i; j++)
			if (timed->items[j].item_id == out->item_id) {
				*message = "config.items.item_id";
				return false;
			}
	}
	timed->item_count = (int)count;
	return true;
}

static bool timed_discount_validate(const json_t *config, const char **message)
{
	struct price_timed_discount timed;
	return timed_discount_parse(config, &timed, message);
}

/* The live timed discounts of the cart's campaign, from the rows
 * promotion_load() read once for every kind. */
static int timed_discount_load(struct unit *unit, struct promotion_config *config)
{
	(void)unit;
	config->timed_count = 0;
	for (int r = 0; r < config->live_count && config->timed_count < PRICE_PROMOTIONS_MAX; r++) {
		const struct promotion_live *live = &config->live[r];
		if (strcmp(live->kind, "timed_discount") != 0 || live->config == NULL || promotion_live_exhausted(live))
			continue; /* a promotion whose limits are used up serves nothing */
		struct price_timed_discount *timed = &config->timed[config->timed_count];
		const char *ignored;
		if (!timed_discount_parse(live->config, timed, &ignored))
			continue; /* stored configs were validated: one that no longer parses serves nothing */
		timed->promotion_id = live->id;
		timed->title = live->title;
		timed->starts_at = live->starts_at;
		timed->ends_at = live->ends_at;
		config->timed_count++;
	}
	return DB_OK;
}

/* The unit price timed gives line (its price when it does not name the
 * line's item), never below the floor. */
static int64_t timed_price(const struct price_timed_discount *timed, const struct price_line *line)
{
	for (int i = 0; i < timed->item_count; i++) {
		const struct price_timed_item *item = &timed->items[i];
		if (item->item_id != line->item_id)
			continue;
		int64_t price = item->percent > 0 ? line->unit_price_fen * item->percent / 100
						  : price_min(item->price_fen, line->unit_price_fen);
		return price < line->unit_floor_fen ? line->unit_floor_fen : price;
	}
	return line->unit_price_fen;
}

static enum price_error timed_discount_apply(const struct price_input *input, struct price_quote *quote)
{
	int best[PRICE_LINES_MAX];
	int64_t best_price[PRICE_LINES_MAX];
	for (int i = 0; i < input->line_count; i++) {
		best[i] = -1;
		best_price[i] = input->lines[i].unit_price_fen;
		for (int t = 0; t < input->timed_count; t++) {
			const struct price_timed_discount *timed = &input->timed[t];
			if (input->now < timed->starts_at || input->now >= timed->ends_at)
				continue;
			int64_t price = timed_price(timed, &input->lines[i]);
			if (price < best_price[i]) { /* the first of equal prices keeps the line */
				best[i] = t;
				best_price[i] = price;
			}
		}
	}
	for (int t = 0; t < input->timed_count; t++) {
		int64_t off = 0;
		for (int i = 0; i < input->line_count; i++) {
			if (best[i] != t)
				continue;
			const struct price_line *line = &input->lines[i];
			int64_t units = line->qty - (line->has_bargain ? 1 : 0); /* the bargained unit keeps its price */
			units -= quote->lines[i].bundled_units; /* so do units in a bundle's sets (promo_bundle.c) */
			int64_t line_off = (line->unit_price_fen - best_price[i]) * units;
			quote->lines[i].item_off_fen += line_off;
			off += line_off;
		}
		if (off <= 0)
			continue;
		struct price_discount *discount = price_discount_add(quote, PRICE_TIMED_DISCOUNT, off);
		discount->promotion_id = input->timed[t].promotion_id;
		http_text_format(discount->label, sizeof(discount->label), "discount.timed_discount", input->timed[t].title);
	}
	return PRICE_OK;
}

const struct promotion_kind promo_timed_discount = {
	.name = "timed_discount",
	.stage = PROMOTION_ITEM_PRICE,
	.configurable = true,
	.load = timed_discount_load,
	.validate = timed_discount_validate,
	.apply = timed_discount_apply,
};
