/* promo_full_reduction.c: full reduction (满减) as a promotion kind. Two
 * sources, one discount: the campaign's legacy tiers (full_reduction_tier,
 * the best tier the merchandise amount reaches, the larger minimum on a
 * tie) and the promotion resource's full reductions (API.md: the best
 * tier the amount of its items reaches, or with repeat "every X spent,
 * Y off" up to cap_fen). Of all of them the one that takes off most applies (the
 * legacy tiers, then the lower promotion id, on a tie), clipped at the
 * floor. The discount line names its promotion; the order records what
 * it took (order_promotion). */
#include <stdio.h>
#include <string.h>

#include "checkout/promotion.h"
#include "checkout/promotion_store.h"
#include "core/outcome.h"
#include "http/messages.h"

/* ---------------------------------------------------------------- parse */

bool full_reduction_parse(const json_t *config, struct price_full_reduction *reduction, const char **message)
{
	memset(reduction, 0, sizeof(*reduction));
	const char *key;
	const json_t *value;
	json_object_foreach((json_t *)config, key, value)
	{
		if (strcmp(key, "tiers") != 0 && strcmp(key, "repeat") != 0 && strcmp(key, "cap_fen") != 0 &&
		    strcmp(key, "item_ids") != 0) {
			*message = "config";
			return false;
		}
	}
	const json_t *tiers = json_object_get(config, "tiers");
	size_t count = json_array_size(tiers);
	if (!json_is_array(tiers) || count < 1 || count > PRICE_TIERS_MAX) {
		*message = "config.tiers";
		return false;
	}
	const json_t *repeat = json_object_get(config, "repeat");
	if (repeat != NULL && !json_is_boolean(repeat)) {
		*message = "config.repeat";
		return false;
	}
	reduction->repeat = json_is_true(repeat);
	if (reduction->repeat && count != 1) {
		*message = "config.tiers"; /* "every X spent, Y off" is one tier */
		return false;
	}
	for (size_t i = 0; i < count; i++) {
		const json_t *tier = json_array_get(tiers, i);
		const json_t *threshold = json_object_get(tier, "threshold_fen"), *off = json_object_get(tier, "off_fen");
		if (!json_is_object(tier) || json_object_size(tier) != 2 || !json_is_integer(threshold) ||
		    !json_is_integer(off)) {
			*message = "config.tiers";
			return false;
		}
		json_int_t spend = json_integer_value(threshold), take = json_integer_value(off);
		if (spend < (reduction->repeat ? 1 : 0) || spend > PRICE_UNIT_MAX * PRICE_LINES_MAX * PRICE_QTY_MAX) {
			*message = "config.tiers.threshold_fen";
			return false;
		}
		if (take <= 0 || take > PRICE_UNIT_MAX) {
			*message = "config.tiers.off_fen";
			return false;
		}
		for (size_t j = 0; j < i; j++)
			if (reduction->tiers[j].min_spend_fen == spend) {
				*message = "config.tiers.threshold_fen";
				return false;
			}
		reduction->tiers[i] = (struct price_tier){ .min_spend_fen = spend, .off_fen = take };
	}
	reduction->tier_count = (int)count;
	const json_t *cap = json_object_get(config, "cap_fen");
	if (cap != NULL && !json_is_null(cap)) {
		if (!json_is_integer(cap) || json_integer_value(cap) < 1 || json_integer_value(cap) > PRICE_UNIT_MAX) {
			*message = "config.cap_fen";
			return false;
		}
		reduction->cap_fen = json_integer_value(cap);
	}
	const json_t *items = json_object_get(config, "item_ids");
	if (items != NULL && !json_is_null(items)) {
		size_t item_count = json_array_size(items);
		if (!json_is_array(items) || item_count < 1 || item_count > PRICE_LINES_MAX) {
			*message = "config.item_ids";
			return false;
		}
		for (size_t i = 0; i < item_count; i++) {
			const json_t *item = json_array_get(items, i);
			if (!json_is_integer(item) || json_integer_value(item) < 1) {
				*message = "config.item_ids";
				return false;
			}
			reduction->item_ids[i] = json_integer_value(item);
			for (size_t j = 0; j < i; j++)
				if (reduction->item_ids[j] == reduction->item_ids[i]) {
					*message = "config.item_ids";
					return false;
				}
		}
		reduction->item_count = (int)item_count;
	}
	return true;
}

/* The promotion resource's shape: {"tiers": [{"threshold_fen",
 * "off_fen"}], "repeat": false, "cap_fen": null, "item_ids": null}. */
static bool full_reduction_validate(const json_t *config, const char **message)
{
	struct price_full_reduction reduction;
	return full_reduction_parse(config, &reduction, message);
}

/* ----------------------------------------------------------------- load */

static int full_reduction_load(struct unit *unit, struct promotion_config *config)
{
	(void)unit; /* the tiers came with promotion_load()'s campaign read */
	config->rules.tiers = config->tiers;
	config->reduction_count = 0;
	for (int r = 0; r < config->live_count && config->reduction_count < PRICE_PROMOTIONS_MAX; r++) {
		const struct promotion_live *live = &config->live[r];
		if (strcmp(live->kind, "full_reduction") != 0 || live->config == NULL || promotion_live_exhausted(live))
			continue;
		struct price_full_reduction *reduction = &config->reductions[config->reduction_count];
		const char *ignored;
		if (!full_reduction_parse(live->config, reduction, &ignored))
			continue;
		reduction->promotion_id = live->id;
		reduction->title = live->title;
		reduction->starts_at = live->starts_at;
		reduction->ends_at = live->ends_at;
		config->reduction_count++;
	}
	return DB_OK;
}

/* ---------------------------------------------------------------- apply */

/* The tier that takes off most among those amount reaches (the larger
 * minimum on a tie), or NULL. */
static const struct price_tier *best_tier(const struct price_tier *tiers, int count, int64_t amount)
{
	const struct price_tier *best = NULL;
	for (int i = 0; i < count; i++) {
		const struct price_tier *tier = &tiers[i];
		if (amount < tier->min_spend_fen)
			continue;
		if (best == NULL || tier->off_fen > best->off_fen ||
		    (tier->off_fen == best->off_fen && tier->min_spend_fen > best->min_spend_fen))
			best = tier;
	}
	return best;
}

/* What reduction takes off quote's cart before the floor, and its label. */
static int64_t reduction_off(const struct price_input *input, const struct price_quote *quote,
			     const struct price_full_reduction *reduction, char *label, size_t size)
{
	if (input->now < reduction->starts_at || input->now >= reduction->ends_at)
		return 0;
	int64_t amount = 0, ignored;
	if (reduction->item_count == 0) {
		amount = quote->merchandise_fen;
	} else {
		for (int i = 0; i < reduction->item_count; i++) {
			int64_t part = 0;
			if (price_item_in_cart(input, reduction->item_ids[i]))
				price_scope_amounts(input, quote, reduction->item_ids[i], &part, &ignored);
			amount += part;
		}
	}
	char over[32], minus[32];
	if (reduction->repeat) {
		const struct price_tier *tier = &reduction->tiers[0];
		int64_t off = amount / tier->min_spend_fen * tier->off_fen;
		if (reduction->cap_fen > 0 && off > reduction->cap_fen)
			off = reduction->cap_fen;
		price_yuan(tier->min_spend_fen, over, sizeof(over));
		price_yuan(tier->off_fen, minus, sizeof(minus));
		http_text_format(label, size, "discount.full_reduction_repeat", over, minus);
		return off;
	}
	const struct price_tier *tier = best_tier(reduction->tiers, reduction->tier_count, amount);
	if (tier == NULL)
		return 0;
	price_yuan(tier->min_spend_fen, over, sizeof(over));
	price_yuan(tier->off_fen, minus, sizeof(minus));
	http_text_format(label, size, "discount.full_reduction", over, minus);
	return tier->off_fen;
}

static enum price_error full_reduction_apply(const struct price_input *input, struct price_quote *quote)
{
	int64_t best_off = 0, best_promotion = 0;
	char best_label[PRICE_LABEL_SIZE] = "";
	const struct price_tier *tier = best_tier(input->rules->tiers, input->rules->tier_count, quote->merchandise_fen);
	if (tier != NULL) {
		char over[32], minus[32];
		price_yuan(tier->min_spend_fen, over, sizeof(over));
		price_yuan(tier->off_fen, minus, sizeof(minus));
		http_text_format(best_label, sizeof(best_label), "discount.full_reduction", over, minus);
		best_off = tier->off_fen;
	}
	for (int r = 0; r < input->reduction_count; r++) {
		char label[PRICE_LABEL_SIZE];
		int64_t off = reduction_off(input, quote, &input->reductions[r], label, sizeof(label));
		if (off > best_off) {
			best_off = off;
			best_promotion = input->reductions[r].promotion_id;
			snprintf(best_label, sizeof(best_label), "%s", label);
		}
	}
	int64_t off = price_min(best_off, quote->total_fen - quote->floor_fen);
	if (off <= 0)
		return PRICE_OK;
	struct price_discount *discount = price_discount_add(quote, PRICE_FULL_REDUCTION, off);
	discount->promotion_id = best_promotion;
	snprintf(discount->label, sizeof(discount->label), "%s", best_label);
	return PRICE_OK;
}

const struct promotion_kind promo_full_reduction = {
	.name = "full_reduction",
	.stage = PROMOTION_ORDER,
	.configurable = true,
	.load = full_reduction_load,
	.validate = full_reduction_validate,
	.apply = full_reduction_apply,
};
