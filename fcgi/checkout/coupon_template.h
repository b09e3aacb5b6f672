/* coupon_template.h: coupon templates (优惠券) of the promotion resource
 * (API.md "Promotions (admin)", kind `coupon`; "Engagement", the claim).
 *
 * A template says what every coupon issued from it is worth: amount,
 * minimum spend, days valid, an item scope. Coupons are issued from it
 * three ways, all through coupon_template_issue(): a shopper claims one
 * (POST /api/v1/coupons/{promotion_id}/claim, while the template is
 * enabled, in its window and claimable), a reward names the template
 * (share_reward's coupon_promotion_id), or a pack does. Every issue takes
 * one of limits.total (the template's used_orders counter, one conditional
 * UPDATE); a claim also takes one of limits.per_user (promotion_user, one
 * conditional UPDATE): no race passes either. */
#ifndef KANJIA_COUPON_TEMPLATE_H
#define KANJIA_COUPON_TEMPLATE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "reward/reward_store.h"

struct unit;

#define COUPON_TEMPLATE_VALID_DAYS_DEFAULT 30
#define COUPON_TEMPLATE_VALID_DAYS_MAX 3650

struct coupon_template {
	int64_t amount_fen, min_spend_fen, valid_days;
	int64_t item_id; /* 0: shop-wide */
	bool claimable;
};

/* Pure: a template's config into *template (OUT). Returns true, or false
 * with *message (OUT, static) naming the field (promo_coupon.c). */
bool coupon_template_parse(const json_t *config, struct coupon_template *template, const char **message);

/* Pure: a share_reward's config ({"coupon_promotion_id"}) into
 * *coupon_promotion_id (OUT). Returns true, or false with *message naming
 * the field (promo_share_reward.c). */
bool share_reward_parse(const json_t *config, int64_t *coupon_promotion_id, const char **message);

/* Why a coupon is issued. */
enum coupon_issue_way {
	COUPON_CLAIMED, /* the shopper asked: claimable, in the window, per_user counted */
	COUPON_GRANTED, /* a reward or a pack: enabled is enough, per_user not counted */
};

/* Issues one coupon of template promotion_id to user_id in the caller's
 * transaction, source naming why ("claim", "share_reward", ...). Returns
 * DB_OK with *coupon (OUT, the arena's strings), OUT_NOT_FOUND (no such
 * coupon template, disabled, or not claimable for a claim),
 * OUT_CAMPAIGN_NOT_ACTIVE (a claim outside the template's window),
 * OUT_LIMIT_REACHED (the shopper's claims are spent), OUT_OUT_OF_STOCK
 * (limits.total issued), or a door code. */
int coupon_template_issue(struct unit *unit, int64_t promotion_id, int64_t user_id, enum coupon_issue_way way,
			  const char *source, struct coupon *coupon);

/* A shopper's claim as its own transaction: coupon_template_issue() with
 * COUPON_CLAIMED. Same results. */
int coupon_claim(struct unit *unit, int64_t promotion_id, int64_t user_id, struct coupon *coupon);

#endif
