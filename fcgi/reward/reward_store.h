/* reward_store.h: the only SQL on coupon, prize and reward_grant.
 *
 * Named operations on a unit; each returns DB_OK, an outcome
 * (core/outcome.h), or a door code (db/db.h). Rows read are copied into
 * structs whose strings the unit's arena owns. Orders use coupons through
 * their own named operations (coupon_for_order, coupon_uses_in_campaign,
 * coupon_use, coupon_give_back). */
#ifndef KANJIA_REWARD_STORE_H
#define KANJIA_REWARD_STORE_H

#include <stdbool.h>
#include <stdint.h>

struct unit;

struct coupon {
	int64_t id;
	const char *title;
	int64_t amount_fen, min_spend_fen;
	int64_t starts_at, expires_at;
	const char *status; /* as stored: available, used, ... */
	int64_t item_id;    /* 0: shop-wide (read for orders only) */
};

struct prize {
	int64_t id, user_id;
	const char *user_phone;
	int64_t campaign_id;
	const char *campaign_title;
	int64_t bargain_id; /* 0: none */
	const char *title;
	const char *status; /* pending, fulfilled */
	int64_t created_at;
	int64_t fulfilled_at; /* 0: not yet */
	const char *note;     /* NULL: none */
};

/* Inserts an available coupon for user. *coupon_id (OUT) is its id. */
int coupon_issue(struct unit *unit, int64_t user_id, int64_t campaign_id, const char *source, const char *title,
		 int64_t amount_fen, int64_t min_spend_fen, int64_t starts_at, int64_t expires_at, int64_t *coupon_id);
/* Inserts a pending prize for user (bargain_id 0: none). *prize_id (OUT). */
int prize_issue(struct unit *unit, int64_t user_id, int64_t campaign_id, int64_t bargain_id, const char *title,
		int64_t *prize_id);
/* Records the grant (bargain_id, milestone) with what it issued (0: none).
 * DB_DUPLICATE when that grant exists. */
int reward_grant_record(struct unit *unit, int64_t bargain_id, int64_t campaign_id, int64_t user_id,
			const char *milestone, int64_t coupon_id, int64_t prize_id, int64_t now);

/* ------------------------------------------------------------ orders */

/* Reads coupon_id for user_id's order into *coupon (OUT); *found (OUT) is
 * false when there is none or it is another's. Returns DB_OK or a door
 * code. */
int coupon_for_order(struct unit *unit, int64_t coupon_id, int64_t user_id, struct coupon *coupon, bool *found);
/* *uses (OUT): user_id's coupons used by orders of campaign_id. Returns
 * DB_OK or a door code. */
int coupon_uses_in_campaign(struct unit *unit, int64_t user_id, int64_t campaign_id, int64_t *uses);
/* available -> used by order_id, while valid at unit->now. Returns DB_OK,
 * OUT_COUPON_NOT_APPLICABLE (not available, not the user's, not valid
 * now), or a door code. */
int coupon_use(struct unit *unit, int64_t coupon_id, int64_t user_id, int64_t order_id);
/* used -> available for every coupon order_id used. Returns DB_OK or a
 * door code. */
int coupon_give_back(struct unit *unit, int64_t order_id);

/* ------------------------------------------------------------ wallet */

/* user's coupons with id below before, newest first, at most limit. */
int coupon_page(struct unit *unit, int64_t user_id, int64_t before, int64_t limit, struct coupon **coupons,
		int *count);

/* Prizes with status (pending, fulfilled) and id below before, of
 * campaign_id (0: every campaign), newest first, at most limit. */
int prize_page(struct unit *unit, const char *status, int64_t campaign_id, int64_t before, int64_t limit,
	       struct prize **prizes, int *count);
/* One prize; OUT_NOT_FOUND when there is none. */
int prize_get(struct unit *unit, int64_t prize_id, struct prize *prize);
/* pending -> fulfilled by admin_id at the unit's now with note (NULL: none).
 * OUT_INVALID_STATE when the prize is not pending (or does not exist). */
int prize_fulfil(struct unit *unit, int64_t prize_id, int64_t admin_id, const char *note);

/* Names coupon_id's coupon template (a promotion of kind coupon) and its
 * item scope (0: shop-wide). */
int coupon_template_link(struct unit *unit, int64_t coupon_id, int64_t promotion_id, int64_t item_id);

#endif
