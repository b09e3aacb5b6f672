/* promo_presale.c: deposit presale (定金翻倍) as a promotion kind (see
 * presale.h for the flow). On the promotion resource it is the presale's
 * config; in a cart it is the final payment: the paid deposit the cart
 * names (deposit_order_id) is loaded, checked (the shopper's, paid, no
 * other final order standing, the final window open, the same item and
 * quantity), and counted at its value as a `deposit` discount line after
 * the coupons (API.md's order). The final order claims the deposit (one
 * conditional UPDATE), gives it back when cancelled, and marks it kept
 * when paid. */
#include <stdio.h>
#include <string.h>

#include "checkout/presale.h"
#include "checkout/promotion.h"
#include "checkout/promotion_kinds_store.h"
#include "core/clock.h"
#include "core/outcome.h"
#include "db/db.h"
#include "http/messages.h"

static bool time_field(const json_t *config, const char *key, int64_t *when)
{
	const json_t *value = json_object_get(config, key);
	return json_is_string(value) && clock_parse_rfc3339(json_string_value(value), when) == 0;
}

bool presale_parse(const json_t *config, struct presale_config *presale, const char **message)
{
	static const char *const keys[] = { "item_id", "deposit_fen", "deposit_value_fen", "final_starts_at",
					    "final_ends_at", NULL };
	memset(presale, 0, sizeof(*presale));
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
	const json_t *item = json_object_get(config, "item_id"), *deposit = json_object_get(config, "deposit_fen");
	const json_t *worth = json_object_get(config, "deposit_value_fen");
	if (!json_is_integer(item) || json_integer_value(item) < 1) {
		*message = "config.item_id";
		return false;
	}
	if (!json_is_integer(deposit) || json_integer_value(deposit) < 1 || json_integer_value(deposit) > PRICE_UNIT_MAX) {
		*message = "config.deposit_fen";
		return false;
	}
	if (!json_is_integer(worth) || json_integer_value(worth) < json_integer_value(deposit) ||
	    json_integer_value(worth) > PRICE_UNIT_MAX) {
		*message = "config.deposit_value_fen"; /* counts at least what was paid */
		return false;
	}
	presale->item_id = json_integer_value(item);
	presale->deposit_fen = json_integer_value(deposit);
	presale->deposit_value_fen = json_integer_value(worth);
	if (!time_field(config, "final_starts_at", &presale->final_starts_at)) {
		*message = "config.final_starts_at";
		return false;
	}
	if (!time_field(config, "final_ends_at", &presale->final_ends_at) ||
	    presale->final_ends_at <= presale->final_starts_at) {
		*message = "config.final_ends_at";
		return false;
	}
	return true;
}

bool presale_deposit_open(int64_t starts_at, int64_t ends_at, int64_t now)
{
	return now >= starts_at && now < ends_at;
}

bool presale_final_open(int64_t final_starts_at, int64_t final_ends_at, int64_t now)
{
	return now >= final_starts_at && now < final_ends_at;
}

static bool presale_validate(const json_t *config, const char **message)
{
	struct presale_config presale;
	return presale_parse(config, &presale, message);
}

static int presale_load(struct unit *unit, struct promotion_config *config)
{
	if (config->deposit_order_id == 0)
		return DB_OK;
	return presale_deposit_read(unit, config->deposit_order_id, config->user_id, &config->presale);
}

static int presale_check(const struct promotion_config *config, const struct price_line *lines, int line_count,
			 const char **message)
{
	if (config->deposit_order_id == 0)
		return DB_OK;
	const struct promotion_presale *presale = &config->presale;
	if (!presale->found) {
		*message = http_text("presale.deposit_missing");
		return OUT_NOT_FOUND;
	}
	if (strcmp(presale->status, "paid") != 0) {
		*message = http_text("presale.deposit_unpaid");
		return OUT_INVALID_STATE;
	}
	if (presale->final_order_id != 0) {
		*message = http_text("presale.final_pending");
		return OUT_INVALID_STATE;
	}
	if (!presale_final_open(presale->final_starts_at, presale->final_ends_at, config->now))
		return OUT_PRESALE_CLOSED;
	if (config->bargain_id != 0 || line_count != 1 || lines[0].item_id != presale->item_id ||
	    lines[0].qty != presale->qty) {
		*message = http_text("presale.final_lines");
		return OUT_INVALID_FIELD;
	}
	return DB_OK;
}

static enum price_error presale_apply(const struct price_input *input, struct price_quote *quote)
{
	if (input->deposit_value_fen <= 0)
		return PRICE_OK;
	/* the floor holds here too: a deposit worth more than the room left
	 * counts only as far as the floor */
	int64_t off = price_min(input->deposit_value_fen, quote->total_fen - quote->floor_fen);
	if (off <= 0)
		return PRICE_OK;
	struct price_discount *discount = price_discount_add(quote, PRICE_DEPOSIT, off);
	char worth[32];
	price_yuan(input->deposit_value_fen, worth, sizeof(worth));
	http_text_format(discount->label, sizeof(discount->label), "discount.deposit", worth);
	return PRICE_OK;
}

static int presale_persist(struct unit *unit, const struct promotion_config *config, int64_t order_id,
			   const char **message)
{
	if (config->deposit_order_id == 0)
		return DB_OK;
	int result = presale_final_claim(unit, config->deposit_order_id, order_id);
	if (result == OUT_INVALID_STATE)
		*message = http_text("presale.final_exists");
	if (result == DB_OK)
		result = order_mark_final(unit, order_id);
	return result;
}

/* A cancelled final order frees its deposit for another final order (a
 * paid one keeps it: presale_final_release leaves paid deposits alone). */
static int presale_give_back(struct unit *unit, int64_t order_id, enum promotion_return why)
{
	(void)why;
	return presale_final_release(unit, order_id);
}

static int presale_paid(struct unit *unit, int64_t order_id)
{
	return presale_final_paid(unit, order_id);
}

/* What presale_persist writes for: see its early returns. */
static bool presale_writes(const struct promotion_config *config)
{
	return config->deposit_order_id != 0;
}

const struct promotion_kind promo_presale = {
	.name = "presale",
	.stage = PROMOTION_ORDER,
	.configurable = true,
	.load = presale_load,
	.check = presale_check,
	.validate = presale_validate,
	.apply = presale_apply,
	.persist = presale_persist,
	.give_back = presale_give_back,
	.paid = presale_paid,
	.writes = presale_writes,
};
