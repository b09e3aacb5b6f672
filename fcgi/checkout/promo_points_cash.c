/* promo_points_cash.c: points as cash (积分抵现) as a promotion kind of the
 * promotion resource: config {"points_per_yuan": 100, "max_percent": 20}.
 * The body's "points" are spent as money, last of all (API.md's order):
 * at most max_percent of what the order costs before them and never below
 * the floor; only whole fen, and only the points that money needs
 * (points_used). Points asked where no points_cash promotion is live: 422
 * points_not_accepted; more than the balance: 409 insufficient_points
 * (also when a race spent them first: the ledger's conditional update).
 * The order writes a ledger row (reason points_cash) through
 * fcgi/reward/points.c; a cancel, timeout or refund gives them back once
 * (points_cash_returned). The live promotion of the lowest id serves. */
#include <stdio.h>
#include <string.h>

#include "checkout/promo_kinds_store.h"
#include "checkout/promotion.h"
#include "core/outcome.h"
#include "db/db.h"
#include "http/messages.h"
#include "reward/points.h"

#define POINTS_PER_YUAN_MAX 10000

bool points_cash_parse(const json_t *config, struct price_points_cash *points, const char **message)
{
	memset(points, 0, sizeof(*points));
	const json_t *rate = json_object_get(config, "points_per_yuan"), *share = json_object_get(config, "max_percent");
	const char *key;
	const json_t *value;
	json_object_foreach((json_t *)config, key, value)
	{
		if (strcmp(key, "points_per_yuan") != 0 && strcmp(key, "max_percent") != 0) {
			*message = "config";
			return false;
		}
	}
	if (!json_is_integer(rate) || json_integer_value(rate) < 1 || json_integer_value(rate) > POINTS_PER_YUAN_MAX) {
		*message = "config.points_per_yuan";
		return false;
	}
	if (!json_is_integer(share) || json_integer_value(share) < 1 || json_integer_value(share) > 100) {
		*message = "config.max_percent";
		return false;
	}
	points->points_per_yuan = json_integer_value(rate);
	points->max_percent = json_integer_value(share);
	return true;
}

static bool points_cash_validate(const json_t *config, const char **message)
{
	struct price_points_cash points;
	return points_cash_parse(config, &points, message);
}

static int points_cash_load(struct unit *unit, struct promotion_config *config)
{
	config->points_cash_live = false;
	config->points_balance = 0;
	for (int r = 0; r < config->live_count && !config->points_cash_live; r++) {
		const struct promotion_live *live = &config->live[r];
		const char *ignored;
		if (strcmp(live->kind, "points_cash") != 0 || live->config == NULL || promotion_live_exhausted(live) ||
		    !points_cash_parse(live->config, &config->points_cash, &ignored))
			continue;
		config->points_cash.promotion_id = live->id;
		config->points_cash.title = live->title;
		config->points_cash_live = true;
	}
	if (config->points_asked <= 0 || config->user_id == 0)
		return DB_OK;
	int result = points_balance(unit, config->user_id, &config->points_balance);
	return result == OUT_UNAUTHORIZED ? DB_OK : result; /* no shopper: no points */
}

static enum price_error points_cash_apply(const struct price_input *input, struct price_quote *quote)
{
	if (input->points_asked < 0)
		return price_refuse(quote, PRICE_BAD_INPUT, 0);
	if (input->points_asked == 0)
		return PRICE_OK;
	const struct price_points_cash *points = input->points_cash;
	if (points == NULL)
		return price_refuse(quote, PRICE_POINTS_NOT_APPLICABLE, 0);
	if (points->points_per_yuan < 1 || points->points_per_yuan > POINTS_PER_YUAN_MAX || points->max_percent < 1 ||
	    points->max_percent > 100)
		return price_refuse(quote, PRICE_BAD_INPUT, 0);
	if (input->points_asked > input->points_balance)
		return price_refuse(quote, PRICE_POINTS_INSUFFICIENT, 0);
	int64_t limit = price_min(quote->total_fen * points->max_percent / 100, quote->total_fen - quote->floor_fen);
	if (limit <= 0)
		return PRICE_OK;
	/* the points limit fen buys (whole points), the whole fen they are
	 * worth, then only the points that money needs */
	int64_t usable = price_min(input->points_asked, limit * points->points_per_yuan / 100);
	int64_t money = usable * 100 / points->points_per_yuan;
	if (money <= 0)
		return PRICE_OK;
	quote->points_used = (money * points->points_per_yuan + 99) / 100;
	struct price_discount *discount = price_discount_add(quote, PRICE_POINTS_CASH, money);
	discount->promotion_id = points->promotion_id;
	http_text_format(discount->label, sizeof(discount->label), "discount.points_cash", (long long)quote->points_used);
	return PRICE_OK;
}

static int points_cash_persist(struct unit *unit, const struct promotion_config *config, int64_t order_id,
			       const char **message)
{
	const struct price_quote *quote = config->quote;
	if (quote == NULL || quote->points_used <= 0)
		return DB_OK;
	int64_t money = 0;
	for (int d = 0; d < quote->discount_count; d++)
		if (quote->discounts[d].kind == PRICE_POINTS_CASH)
			money = quote->discounts[d].amount_fen;
	int result = points_apply(unit, config->user_id, -quote->points_used, "points_cash", order_id);
	if (result == OUT_CONFLICT) { /* spent by another order since it was priced */
		*message = price_error_text(PRICE_POINTS_INSUFFICIENT);
		return OUT_INSUFFICIENT_POINTS;
	}
	if (result != DB_OK)
		return result;
	return order_points_record(unit, order_id, config->user_id, quote->points_used, money);
}

/* Cancelled, timed out or refunded: the points come back, once. */
static int points_cash_return(struct unit *unit, int64_t order_id, enum promotion_return why)
{
	(void)why;
	int64_t user_id, points;
	int result = order_points_return(unit, order_id, &user_id, &points);
	if (result != DB_OK || points <= 0)
		return result;
	return points_apply(unit, user_id, points, "points_cash_returned", order_id);
}

/* What points_cash_persist writes for: see its early returns. */
static bool points_cash_writes(const struct promotion_config *config)
{
	return config->quote != NULL && config->quote->points_used > 0;
}

const struct promotion_kind promo_points_cash = {
	.name = "points_cash",
	.stage = PROMOTION_ORDER,
	.configurable = true,
	.load = points_cash_load,
	.validate = points_cash_validate,
	.apply = points_cash_apply,
	.persist = points_cash_persist,
	.give_back = points_cash_return,
	.writes = points_cash_writes,
};
