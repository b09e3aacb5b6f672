/* promo_full_reduction.c: full reduction (满减) as a promotion kind: among
 * the campaign's tiers whose minimum spend the merchandise amount reaches,
 * the one that takes off most (the larger minimum on a tie), clipped at
 * the floor. Nothing to persist or give back: the order's discount line
 * says what it took. */
#include <stdio.h>
#include <string.h>

#include "checkout/promotion.h"
#include "checkout/promotion_store.h"
#include "core/outcome.h"

static int full_reduction_load(struct unit *unit, struct promotion_config *config)
{
	config->rules.tiers = config->tiers;
	return full_reduction_tiers_load(unit, config->campaign_id, config->tiers, &config->rules.tier_count);
}

/* {"tiers": [{"min_spend_fen": 30000, "off_fen": 4000}, ...]}: 1 to
 * PRICE_TIERS_MAX tiers, each minimum spend once. */
static bool full_reduction_validate(const json_t *config, const char **message)
{
	const json_t *tiers = json_object_get(config, "tiers");
	size_t count = json_array_size(tiers);
	if (!json_is_array(tiers) || count < 1 || count > PRICE_TIERS_MAX) {
		*message = "tiers";
		return false;
	}
	for (size_t i = 0; i < count; i++) {
		const json_t *tier = json_array_get(tiers, i);
		const json_t *min_spend = json_object_get(tier, "min_spend_fen"), *off = json_object_get(tier, "off_fen");
		if (!json_is_object(tier) || json_object_size(tier) != 2 || !json_is_integer(min_spend) ||
		    !json_is_integer(off)) {
			*message = "tiers";
			return false;
		}
		json_int_t spend = json_integer_value(min_spend), take = json_integer_value(off);
		if (spend < 0 || spend > PRICE_UNIT_MAX * PRICE_LINES_MAX * PRICE_QTY_MAX) {
			*message = "tiers.min_spend_fen";
			return false;
		}
		if (take <= 0 || take > PRICE_UNIT_MAX) {
			*message = "tiers.off_fen";
			return false;
		}
		for (size_t j = 0; j < i; j++)
			if (json_integer_value(json_object_get(json_array_get(tiers, j), "min_spend_fen")) == spend) {
				*message = "tiers.min_spend_fen";
				return false;
			}
	}
	return true;
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

static enum price_error full_reduction_apply(const struct price_input *input, struct price_quote *quote)
{
	const struct price_tier *tier = best_tier(input->rules, quote->merchandise_fen);
	if (tier == NULL)
		return PRICE_OK;
	int64_t off = price_min(tier->off_fen, quote->total_fen - quote->floor_fen);
	if (off <= 0)
		return PRICE_OK;
	struct price_discount *discount = price_discount_add(quote, PRICE_FULL_REDUCTION, off);
	char over[32], minus[32];
	price_yuan(tier->min_spend_fen, over, sizeof(over));
	price_yuan(tier->off_fen, minus, sizeof(minus));
	snprintf(discount->label, sizeof(discount->label), "满%s减%s", over, minus);
	return PRICE_OK;
}

const struct promotion_kind promo_full_reduction = {
	.name = "full_reduction",
	.stage = PROMOTION_ORDER,
	.load = full_reduction_load,
	.validate = full_reduction_validate,
	.apply = full_reduction_apply,
};
