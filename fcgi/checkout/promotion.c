/* promotion.c: the promotion registry's table and its walks (see
 * promotion.h). The order of the rows is the order of application. */
#include "checkout/promotion.h"

#include <assert.h>
#include <string.h>

#include "checkout/checkout_store.h"
#include "checkout/promotion_cache.h"
#include "checkout/promotion_store.h"
#include "core/outcome.h"
#include "db/db.h"

const struct promotion_kind *const promotion_kinds[] = {
	/* item prices: bargain, bundle, timed_discount, member_price, addon */
	&promo_bargain,
	&promo_bundle,
	&promo_timed_discount,
	&promo_member_price,
	&promo_addon, /* an item price too: the add-on lines at their offer's price */
	&promo_first_order,
	&promo_full_reduction,
	&promo_coupon,
	&promo_presale, /* the deposit line of a final payment */
	&promo_red_packet,
	&promo_points_cash,
	&promo_gift, /* no discount: the gifts the priced order reaches */
	&promo_share_reward, /* takes nothing off: the sharer's coupon when paid */
	&promo_budget, /* takes nothing off: charges the quote's subsidy to the campaign's budget */
};
const int promotion_kind_count = (int)(sizeof(promotion_kinds) / sizeof(promotion_kinds[0]));

const struct promotion_kind *promotion_kind_find(const char *name)
{
	for (int k = 0; k < promotion_kind_count; k++)
		if (strcmp(promotion_kinds[k]->name, name) == 0)
			return promotion_kinds[k];
	return NULL;
}

int promotion_load(struct unit *unit, struct promotion_config *config)
{
	/* what the shopper asked stays; what is loaded is loaded afresh (a
	 * transaction that is tried again loads again) */
	memset(&config->bargain, 0, sizeof(config->bargain));
	memset(config->coupons, 0, sizeof(config->coupons));
	memset(config->tiers, 0, sizeof(config->tiers));
	memset(&config->rules, 0, sizeof(config->rules));
	config->rules.tiers = config->tiers;
	config->timed_count = 0;
	config->reduction_count = 0;
	config->first_order_count = 0;
	memset(&config->presale, 0, sizeof(config->presale));
	memset(&config->share, 0, sizeof(config->share));
	memset(&config->budget, 0, sizeof(config->budget));
	config->live = NULL;
	config->live_count = 0;
	/* the campaign's live promotions, once for every kind, from the
	 * worker's cache while the campaign's promotion_version holds */
	int result = config->campaign_id == 0 ? DB_OK
		     : promotion_cache_live(unit, config->campaign_id, config->promotion_version, config->user_id,
					    &config->live, &config->live_count);
	if (result != DB_OK)
		return result;
	/* what the kinds read of the campaign for every cart (full-reduction
	 * tiers, coupon rules, the budget), in one statement */
	config->budget_exclusive_json = NULL;
	if (config->campaign_id != 0 &&
	    (result = promotion_campaign_read(unit, config->campaign_id, config->tiers, &config->rules, &config->budget,
					      &config->budget_exclusive_json)) != DB_OK)
		return result;
	for (int k = 0; k < promotion_kind_count; k++) {
		if (promotion_kinds[k]->load == NULL)
			continue;
		result = promotion_kinds[k]->load(unit, config);
		if (result != DB_OK)
			return result;
	}
	return DB_OK;
}

int promotion_paid(struct unit *unit, int64_t order_id)
{
	for (int k = 0; k < promotion_kind_count; k++) {
		if (promotion_kinds[k]->paid == NULL)
			continue;
		int result = promotion_kinds[k]->paid(unit, order_id);
		if (result != DB_OK)
			return result;
	}
	return DB_OK;
}

int promotion_check(const struct promotion_config *config, const struct price_line *lines, int line_count,
		    const char **message)
{
	for (int k = 0; k < promotion_kind_count; k++) {
		if (promotion_kinds[k]->check == NULL)
			continue;
		int result = promotion_kinds[k]->check(config, lines, line_count, message);
		if (result != DB_OK)
			return result;
	}
	return DB_OK;
}

int promotion_claim(struct unit *unit, const struct promotion_config *config, const char **message)
{
	for (int k = 0; k < promotion_kind_count; k++) {
		if (promotion_kinds[k]->claim == NULL)
			continue;
		int result = promotion_kinds[k]->claim(unit, config, message);
		if (result != DB_OK)
			return result;
	}
	return DB_OK;
}

int promotion_persist(struct unit *unit, const struct promotion_config *config, int64_t order_id,
		      const char **message)
{
	for (int k = 0; k < promotion_kind_count; k++) {
		if (promotion_kinds[k]->persist == NULL)
			continue;
		int result = promotion_kinds[k]->persist(unit, config, order_id, message);
		if (result != DB_OK)
			return result;
	}
	return DB_OK;
}

bool promotion_live_exhausted(const struct promotion_live *live)
{
	return (live->limit_total > 0 && live->used_orders >= live->limit_total) ||
	       (live->limit_per_user > 0 && live->user_uses >= live->limit_per_user);
}

int promotion_take_for_order(struct unit *unit, const struct promotion_config *config, int64_t order_id,
			     int64_t promotion_id, int64_t amount_fen)
{
	const struct promotion_live *live = NULL;
	for (int r = 0; r < config->live_count; r++)
		if (config->live[r].id == promotion_id)
			live = &config->live[r];
	assert(live != NULL); /* every promotion a quote names was loaded */
	int counted = (live->limit_total > 0 ? PROMOTION_COUNTED_TOTAL : 0) |
		      (live->limit_per_user > 0 ? PROMOTION_COUNTED_PER_USER : 0);
	int result = promotion_take(unit, promotion_id, config->user_id, live->limit_total, live->limit_per_user);
	if (result == OUT_CONFLICT)
		return DB_RETRY; /* priced again, the counters read afresh: it is skipped */
	if (result != DB_OK)
		return result;
	return order_promotion_insert(unit, order_id, promotion_id, amount_fen, counted);
}

int promotion_give_back(struct unit *unit, int64_t order_id, enum promotion_return why)
{
	/* the promotion resource's counters, once per cancel or refund */
	struct order_head head;
	int result = order_head_read(unit, order_id, &head);
	if (result != DB_OK || (result = promotion_give_back_uses(unit, order_id, head.user_id)) != DB_OK)
		return result;
	for (int k = 0; k < promotion_kind_count; k++) {
		if (promotion_kinds[k]->give_back == NULL)
			continue;
		result = promotion_kinds[k]->give_back(unit, order_id, why);
		if (result != DB_OK)
			return result;
	}
	return DB_OK;
}

