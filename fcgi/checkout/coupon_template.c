/* coupon_template.c: issuing coupons from templates (see
 * coupon_template.h): load the template, decide, then the counters (each
 * one conditional UPDATE) and the coupon row. */
#include "checkout/coupon_template.h"

#include <string.h>

#include "checkout/promotion_kinds_store.h"
#include "checkout/promotion_store.h"
#include "core/arena.h"
#include "core/outcome.h"
#include "db/db.h"

#define DAY_S 86400

int coupon_template_issue(struct unit *unit, int64_t promotion_id, int64_t user_id, enum coupon_issue_way way,
			  const char *source, struct coupon *coupon)
{
	memset(coupon, 0, sizeof(*coupon));
	struct promotion_row row;
	int result = promotion_read(unit, promotion_id, false, &row);
	if (result != DB_OK)
		return result;
	json_t *config = json_loads(row.config_json, 0, NULL);
	struct coupon_template template;
	const char *ignored;
	bool parsed = config != NULL && coupon_template_parse(config, &template, &ignored);
	json_decref(config);
	if (strcmp(row.kind, "coupon") != 0 || !parsed || !row.enabled)
		return OUT_NOT_FOUND;
	if (way == COUPON_CLAIMED) {
		if (!template.claimable)
			return OUT_NOT_FOUND;
		if (unit->now < row.starts_at || unit->now >= row.ends_at)
			return OUT_CAMPAIGN_NOT_ACTIVE;
		/* the shopper's own limit first: it is the answer when both are spent */
		if (row.limit_per_user > 0 &&
		    (result = coupon_template_take_per_user(unit, promotion_id, user_id, row.limit_per_user)) != DB_OK)
			return result;
	}
	if (row.limit_total > 0 && (result = coupon_template_take_total(unit, promotion_id)) != DB_OK)
		return result;
	int64_t expires_at = unit->now + template.valid_days * DAY_S;
	int64_t coupon_id;
	if ((result = coupon_issue(unit, user_id, row.campaign_id, source, row.title, template.amount_fen,
				   template.min_spend_fen, unit->now, expires_at, &coupon_id)) != DB_OK ||
	    (result = coupon_template_link(unit, coupon_id, promotion_id, template.item_id)) != DB_OK)
		return result;
	*coupon = (struct coupon){ .id = coupon_id, .title = row.title, .amount_fen = template.amount_fen,
				   .min_spend_fen = template.min_spend_fen, .starts_at = unit->now,
				   .expires_at = expires_at, .status = "available" };
	return DB_OK;
}

struct claim {
	int64_t promotion_id, user_id;
	struct coupon *coupon;
};

static int claim_body(struct unit *unit, void *context)
{
	struct claim *claim = context;
	return coupon_template_issue(unit, claim->promotion_id, claim->user_id, COUPON_CLAIMED, "claim", claim->coupon);
}

int coupon_claim(struct unit *unit, int64_t promotion_id, int64_t user_id, struct coupon *coupon)
{
	struct claim claim = { .promotion_id = promotion_id, .user_id = user_id, .coupon = coupon };
	int result = coupon_template_user_row(unit, promotion_id, user_id);
	if (result != DB_OK)
		return result;
	return db_atomic(unit, claim_body, &claim);
}
