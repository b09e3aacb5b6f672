/* promo_budget.c: the campaign's subsidy budget and exclusive pairs as a
 * row of the promotion registry. It takes nothing off itself: its load
 * gives the engine the budget left and the pairs (pricing.h chooses the
 * allowed set of kinds with the lowest total), its persist charges what
 * the order's discounts cost the shop (quote->subsidy_fen, all but the
 * bargain's and the deposit's) by one conditional UPDATE, and a cancel or
 * refund gives exactly that back, once. A charge the budget no longer
 * covers (spent by a racing order since the cart was priced) prices the
 * order again, with the budget read afresh. */
#include <string.h>

#include "checkout/budget.h"
#include "checkout/promotion.h"
#include "checkout/promotion_kinds_store.h"
#include "core/arena.h"
#include "core/arena_json.h"
#include "core/outcome.h"
#include "db/db.h"

static int budget_load(struct unit *unit, struct promotion_config *config)
{
	if (config->campaign_id == 0)
		return DB_OK;
	/* The row came unlocked with promotion_load()'s campaign read. After
	 * a lost charge the retry holds it from here to COMMIT, so it cannot
	 * lose again (orders that never lost read it unlocked: a budget far
	 * from spent serialises nothing). */
	const char *exclusive_text = config->budget_exclusive_json;
	if (config->budget_charge_lost > 0) {
		int result = campaign_budget_read(unit, config->campaign_id, true, &config->budget, &exclusive_text);
		if (result != DB_OK)
			return result;
	}
	if (exclusive_text == NULL)
		return DB_OK;
	json_t *pairs = json_loads(exclusive_text, 0, NULL);
	if (pairs == NULL)
		return DB_OK; /* written by budget.c, so it parses; else no pairs */
	arena_json_own(unit->arena, pairs);
	const char *ignored;
	if (!exclusive_parse(pairs, config->budget.pairs, &config->budget.pair_count, &ignored))
		config->budget.pair_count = 0;
	return DB_OK;
}

static int budget_persist(struct unit *unit, const struct promotion_config *config, int64_t order_id,
			  const char **message)
{
	(void)message;
	if (!config->budget.found || config->subsidy_fen <= 0)
		return DB_OK;
	int result = campaign_budget_charge(unit, config->campaign_id, order_id, config->subsidy_fen);
	if (result != OUT_BUDGET_EXHAUSTED)
		return result;
	/* spent meanwhile: priced again with what is left, reading it locked.
	 * The config is the cart's own (not const in fact): the count is the
	 * one thing a persist hook keeps for the retry. */
	((struct promotion_config *)config)->budget_charge_lost++;
	return DB_RETRY;
}

static int budget_give_back(struct unit *unit, int64_t order_id, enum promotion_return why)
{
	(void)why; /* cancelled or refunded: the shop pays none of it */
	return campaign_budget_give_back(unit, order_id);
}

/* What budget_persist writes for: see its early returns. */
static bool budget_writes(const struct promotion_config *config)
{
	return config->budget.found && config->subsidy_fen > 0;
}

const struct promotion_kind promo_budget = {
	.name = "budget",
	.stage = PROMOTION_ORDER,
	.load = budget_load,
	.persist = budget_persist,
	.give_back = budget_give_back,
	.writes = budget_writes,
};
