/* promo_share_reward.c: share-to-win (分享赢券) as a promotion kind: a
 * friend's order placed through your item share link (the cart's
 * "share_code", engagement's `/p/{code}` links) earns you the coupon of
 * the campaign's share_reward promotion ({"coupon_promotion_id"}, a
 * coupon template) once that order is paid. Nothing comes off the order.
 *
 * The order records the link (order_share) when the sharer is someone else
 * and the shared item is in the cart; the payment's transaction issues the
 * coupon from the template (coupon_template.h: limits.total holds) and
 * marks the row rewarded by one conditional UPDATE, so an order earns at
 * most one coupon, and a shopper never earns from their own orders. An
 * unknown code, or one of the shopper's own, simply earns nothing: the
 * order is never refused for it. */
#include <string.h>

#include "checkout/coupon_template.h"
#include "checkout/promotion.h"
#include "checkout/promotion_kinds_store.h"
#include "core/log.h"
#include "core/outcome.h"
#include "db/db.h"
#include "engagement/engagement_store.h"

bool share_reward_parse(const json_t *config, int64_t *coupon_promotion_id, const char **message)
{
	const char *key;
	const json_t *value;
	json_object_foreach((json_t *)config, key, value)
	{
		if (strcmp(key, "coupon_promotion_id") != 0) {
			*message = "config";
			return false;
		}
	}
	const json_t *id = json_object_get(config, "coupon_promotion_id");
	if (!json_is_integer(id) || json_integer_value(id) < 1) {
		*message = "config.coupon_promotion_id";
		return false;
	}
	*coupon_promotion_id = json_integer_value(id);
	return true;
}

static bool share_reward_validate(const json_t *config, const char **message)
{
	int64_t coupon_promotion_id;
	return share_reward_parse(config, &coupon_promotion_id, message);
}

/* The link's sharer and item, and the campaign's live share_reward (the
 * lowest id when there are several). */
static int share_reward_load(struct unit *unit, struct promotion_config *config)
{
	if (config->share_code == NULL || config->share_code[0] == '\0')
		return DB_OK;
	const struct promotion_live *found = NULL;
	int64_t coupon_promotion_id = 0;
	for (int r = 0; r < config->live_count && found == NULL; r++) {
		const struct promotion_live *live = &config->live[r];
		const char *ignored;
		if (strcmp(live->kind, "share_reward") == 0 && live->config != NULL &&
		    share_reward_parse(live->config, &coupon_promotion_id, &ignored))
			found = live;
	}
	if (found == NULL)
		return DB_OK;
	int64_t sharer_id = 0, item_id = 0;
	int result = share_find(unit, config->share_code, &sharer_id, &item_id);
	if (result == OUT_NOT_FOUND)
		return DB_OK;
	if (result != DB_OK)
		return result;
	config->share = (struct promotion_share){ .sharer_id = sharer_id, .item_id = item_id,
						  .promotion_id = found->id,
						  .coupon_promotion_id = coupon_promotion_id };
	return DB_OK;
}

static int share_reward_persist(struct unit *unit, const struct promotion_config *config, int64_t order_id,
				const char **message)
{
	(void)message;
	const struct promotion_share *share = &config->share;
	if (share->sharer_id == 0 || share->sharer_id == config->user_id)
		return DB_OK; /* no link, or the shopper's own: nothing to earn */
	/* order_share_insert records it only when the order has the shared item */
	return order_share_insert(unit, order_id, share);
}

/* The friend's order is paid: the sharer's coupon, once. */
static int share_reward_paid(struct unit *unit, int64_t order_id)
{
	struct promotion_share share;
	int result = order_share_pending(unit, order_id, &share);
	if (result != DB_OK || share.sharer_id == 0)
		return result;
	struct coupon coupon;
	result = coupon_template_issue(unit, share.coupon_promotion_id, share.sharer_id, COUPON_GRANTED, "share_reward",
				       &coupon);
	if (result == OUT_NOT_FOUND || result == OUT_OUT_OF_STOCK) {
		/* the template was removed, disabled or is spent: the payment stands */
		log_info("share_reward: order %lld earns no coupon (template %lld unavailable)", (long long)order_id,
			 (long long)share.coupon_promotion_id);
		coupon.id = 0;
	} else if (result != DB_OK) {
		return result;
	}
	return order_share_rewarded(unit, order_id, coupon.id);
}

/* What share_reward_persist writes for: see its early returns. */
static bool share_reward_writes(const struct promotion_config *config)
{
	return config->share.sharer_id != 0 && config->share.sharer_id != config->user_id;
}

const struct promotion_kind promo_share_reward = {
	.name = "share_reward",
	.stage = PROMOTION_ORDER,
	.configurable = true,
	.load = share_reward_load,
	.validate = share_reward_validate,
	.persist = share_reward_persist,
	.paid = share_reward_paid,
	.writes = share_reward_writes,
};
