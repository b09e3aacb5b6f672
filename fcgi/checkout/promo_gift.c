/* promo_gift.c: gifts with purchase (满就送 / 买就赠) as a promotion kind of
 * the promotion resource: config {"gifts": [{"name", "stock",
 * "threshold_fen": 0, "item_ids": null}]}. Every gift whose threshold the
 * amount of its items (after item prices; null: the whole cart) reaches,
 * and (with item_ids) whose items the cart holds, is given while its stock
 * lasts: first paid-or-pending order first. No discount: the quote lists
 * the gifts in stock when it was priced; the order takes each unit by one
 * conditional statement (promotion_gift.given < stock), so no race gives
 * more than the stock, and a gift gone meanwhile is simply not given. A
 * cancel, timeout or refund gives the units back once (order_gift
 * .returned). The order's `used` counts it through order_promotion. */
#include <stdio.h>
#include <string.h>

#include "checkout/promo_kinds_store.h"
#include "checkout/promotion.h"
#include "core/outcome.h"
#include "db/db.h"

#define GIFTS_PER_PROMOTION_MAX 10
#define GIFT_NAME_BYTES_MAX 300 /* 100 characters of 3 bytes: order_gift.name */
#define GIFT_STOCK_MAX 100000000

/* ---------------------------------------------------------------- parse */

static bool only_keys(const json_t *object, const char *const *keys)
{
	const char *key;
	const json_t *value;
	json_object_foreach((json_t *)object, key, value)
	{
		bool known = false;
		for (int k = 0; keys[k] != NULL; k++)
			known = known || strcmp(key, keys[k]) == 0;
		if (!known)
			return false;
	}
	return true;
}

bool gift_parse(const json_t *config, struct price_gift *gifts, int64_t *stocks, int max, int *count,
		const char **message)
{
	static const char *const top[] = { "gifts", NULL };
	static const char *const keys[] = { "name", "stock", "threshold_fen", "item_ids", NULL };
	*count = 0;
	const json_t *list = json_object_get(config, "gifts");
	size_t size = json_array_size(list);
	if (!only_keys(config, top)) {
		*message = "config";
		return false;
	}
	if (!json_is_array(list) || size < 1 || size > GIFTS_PER_PROMOTION_MAX || (int)size > max) {
		*message = "config.gifts";
		return false;
	}
	for (size_t i = 0; i < size; i++) {
		const json_t *entry = json_array_get(list, i);
		if (!json_is_object(entry) || !only_keys(entry, keys)) {
			*message = "config.gifts";
			return false;
		}
		struct price_gift *gift = &gifts[i];
		memset(gift, 0, sizeof(*gift));
		gift->gift_index = (int)i;
		const json_t *name = json_object_get(entry, "name");
		if (!json_is_string(name) || json_string_length(name) < 1 || json_string_length(name) > GIFT_NAME_BYTES_MAX) {
			*message = "config.gifts.name";
			return false;
		}
		gift->name = json_string_value(name);
		const json_t *stock = json_object_get(entry, "stock");
		if (!json_is_integer(stock) || json_integer_value(stock) < 0 || json_integer_value(stock) > GIFT_STOCK_MAX) {
			*message = "config.gifts.stock";
			return false;
		}
		gift->in_stock = json_integer_value(stock) > 0;
		if (stocks != NULL)
			stocks[i] = json_integer_value(stock);
		const json_t *threshold = json_object_get(entry, "threshold_fen");
		if (threshold != NULL && !json_is_null(threshold)) {
			if (!json_is_integer(threshold) || json_integer_value(threshold) < 0 ||
			    json_integer_value(threshold) > PRICE_UNIT_MAX * PRICE_LINES_MAX * PRICE_QTY_MAX) {
				*message = "config.gifts.threshold_fen";
				return false;
			}
			gift->threshold_fen = json_integer_value(threshold);
		}
		const json_t *items = json_object_get(entry, "item_ids");
		if (items != NULL && !json_is_null(items)) {
			size_t item_count = json_array_size(items);
			if (!json_is_array(items) || item_count < 1 || item_count > PRICE_LINES_MAX) {
				*message = "config.gifts.item_ids";
				return false;
			}
			for (size_t k = 0; k < item_count; k++) {
				const json_t *item = json_array_get(items, k);
				if (!json_is_integer(item) || json_integer_value(item) < 1) {
					*message = "config.gifts.item_ids";
					return false;
				}
				gift->item_ids[k] = json_integer_value(item);
				for (size_t j = 0; j < k; j++)
					if (gift->item_ids[j] == gift->item_ids[k]) {
						*message = "config.gifts.item_ids";
						return false;
					}
			}
			gift->item_count = (int)item_count;
		}
	}
	*count = (int)size;
	return true;
}

static bool gift_validate(const json_t *config, const char **message)
{
	struct price_gift gifts[GIFTS_PER_PROMOTION_MAX];
	int count;
	return gift_parse(config, gifts, NULL, GIFTS_PER_PROMOTION_MAX, &count, message);
}

/* ----------------------------------------------------------------- load */

/* The live gift promotions' gifts, in stock when their given count (one
 * statement for the campaign) is below their stock. */
static int gift_load(struct unit *unit, struct promotion_config *config)
{
	config->gift_count = 0;
	bool any = false;
	for (int r = 0; r < config->live_count; r++)
		any = any || strcmp(config->live[r].kind, "gift") == 0;
	if (!any)
		return DB_OK;
	struct db_rows given;
	int result = gift_given_load(unit, config->campaign_id, &given);
	if (result != DB_OK)
		return result;
	for (int r = 0; r < config->live_count; r++) {
		const struct promotion_live *live = &config->live[r];
		if (strcmp(live->kind, "gift") != 0 || live->config == NULL || promotion_live_exhausted(live))
			continue;
		struct price_gift *gifts = &config->gifts[config->gift_count];
		int64_t stocks[GIFTS_PER_PROMOTION_MAX];
		int count;
		const char *ignored;
		if (!gift_parse(live->config, gifts, stocks, PRICE_GIFTS_MAX - config->gift_count, &count, &ignored))
			continue; /* no room left, or a stored config that no longer parses: serves nothing */
		for (int g = 0; g < count; g++) {
			gifts[g].promotion_id = live->id;
			gifts[g].starts_at = live->starts_at;
			gifts[g].ends_at = live->ends_at;
			for (int k = 0; k < given.row_count; k++)
				if (db_int(&given, k, 0) == live->id && db_int(&given, k, 1) == g)
					gifts[g].in_stock = db_int(&given, k, 2) < stocks[g];
		}
		config->gift_count += count;
	}
	return DB_OK;
}

/* ---------------------------------------------------------------- apply */

/* Whether the priced cart reaches gift. */
static bool gift_reached(const struct price_input *input, const struct price_quote *quote,
			 const struct price_gift *gift)
{
	if (input->now < gift->starts_at || input->now >= gift->ends_at)
		return false;
	int64_t amount = 0;
	bool holds = gift->item_count == 0;
	for (int i = 0; i < input->line_count; i++) {
		bool in_scope = gift->item_count == 0;
		for (int k = 0; k < gift->item_count; k++)
			in_scope = in_scope || gift->item_ids[k] == input->lines[i].item_id;
		if (!in_scope)
			continue;
		holds = true;
		amount += price_line_paid(input, quote, i);
	}
	return holds && amount >= gift->threshold_fen;
}

static enum price_error gift_apply(const struct price_input *input, struct price_quote *quote)
{
	if (input->gift_count < 0 || input->gift_count > PRICE_GIFTS_MAX)
		return price_refuse(quote, PRICE_BAD_INPUT, 0);
	for (int g = 0; g < input->gift_count; g++) {
		const struct price_gift *gift = &input->gifts[g];
		if (gift->item_count < 0 || gift->item_count > PRICE_LINES_MAX || gift->threshold_fen < 0)
			return price_refuse(quote, PRICE_BAD_INPUT, 0);
		if (!gift->in_stock || !gift_reached(input, quote, gift))
			continue; /* out of stock: simply not given */
		quote->gifts[quote->gift_count++] = (struct price_gift_given){
			.promotion_id = gift->promotion_id, .gift_index = gift->gift_index, .name = gift->name
		};
	}
	return PRICE_OK;
}

/* --------------------------------------------------------------- write */

/* Each gift the quote gave: one unit taken while in stock, and the
 * promotion's use (order_promotion, its limits) once per promotion. */
static int gift_persist(struct unit *unit, const struct promotion_config *config, int64_t order_id,
			const char **message)
{
	(void)message;
	const struct price_quote *quote = config->quote;
	int64_t counted[PRICE_GIFTS_MAX];
	int counted_count = 0;
	for (int q = 0; quote != NULL && q < quote->gift_count; q++) {
		const struct price_gift_given *given = &quote->gifts[q];
		const struct promotion_live *live = NULL;
		for (int r = 0; r < config->live_count; r++)
			if (config->live[r].id == given->promotion_id)
				live = &config->live[r];
		struct price_gift gifts[GIFTS_PER_PROMOTION_MAX];
		int64_t stocks[GIFTS_PER_PROMOTION_MAX];
		int count;
		const char *ignored;
		if (live == NULL || live->config == NULL ||
		    !gift_parse(live->config, gifts, stocks, GIFTS_PER_PROMOTION_MAX, &count, &ignored) ||
		    given->gift_index >= count)
			continue;
		bool taken;
		int result = gift_take(unit, order_id, given->promotion_id, given->gift_index, stocks[given->gift_index],
				       given->name, &taken);
		if (result != DB_OK)
			return result;
		if (!taken)
			continue; /* the last one went to an earlier order */
		bool seen = false;
		for (int c = 0; c < counted_count; c++)
			seen = seen || counted[c] == given->promotion_id;
		if (seen)
			continue;
		counted[counted_count++] = given->promotion_id;
		if ((result = promotion_take_for_order(unit, config, order_id, given->promotion_id, 0)) != DB_OK)
			return result;
	}
	return DB_OK;
}

/* A cancelled, timed-out or refunded order's gifts go back to stock. */
static int gift_return(struct unit *unit, int64_t order_id, enum promotion_return why)
{
	(void)why;
	return gift_give_back(unit, order_id);
}

/* What gift_persist writes for: see its early returns. */
static bool gift_writes(const struct promotion_config *config)
{
	return config->quote != NULL && config->quote->gift_count > 0;
}

const struct promotion_kind promo_gift = {
	.name = "gift",
	.stage = PROMOTION_ORDER,
	.configurable = true,
	.load = gift_load,
	.validate = gift_validate,
	.apply = gift_apply,
	.persist = gift_persist,
	.give_back = gift_return,
	.writes = gift_writes,
};
