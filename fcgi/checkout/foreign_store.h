/* foreign_store.h: checkout's statements on tables it does not own
 * (bargain, coupon, shopper, points_ledger), as named operations.
 *
 * TEMPORARY: written while the owners' stores were being split in other
 * branches (issue 10). At merge the coordinator folds each function into
 * its owner's store (bargain_* into bargain/bargain_store.c, coupon_* and
 * points_* into reward/, shopper_* into shopper/) and deletes this file;
 * the names and contracts stay, so checkout's callers do not change.
 *
 * Results: DB_OK, a door code (db/db.h) or an outcome (core/outcome.h). */
#ifndef KANJIA_FOREIGN_STORE_H
#define KANJIA_FOREIGN_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "checkout/promotion.h"
#include "db/db.h"

/* ---------------------------------------------------------------- bargain */

/* Reads bargain_id for an order into *bargain (OUT; found false when there
 * is no such bargain). Returns DB_OK or a door code. */
int bargain_for_order(struct unit *unit, int64_t bargain_id, struct promotion_bargain *bargain);
/* succeeded -> ordered for user_id's bargain, unless it is held for
 * review. Returns DB_OK, OUT_BARGAIN_NOT_SUCCEEDED (not succeeded, not
 * the user's, or held), or a door code. */
int bargain_mark_ordered(struct unit *unit, int64_t bargain_id, int64_t user_id);
/* ordered -> succeeded for user_id's bargain whose order was cancelled:
 * open again and orderable until its pay window ends (its expiry, or
 * pay_within_s after it succeeded if later); once that window is over the
 * bargain closes (expired) instead. Returns DB_OK or a door code. */
int bargain_unmark_ordered(struct unit *unit, int64_t bargain_id, int64_t user_id);

/* ----------------------------------------------------------------- coupon */

/* Reads coupon_id into *coupon (OUT) for user_id's cart: another's coupon,
 * or none, reads as not available (amount 1, so pricing's bounds hold).
 * Returns DB_OK or a door code. */
int coupon_for_order(struct unit *unit, int64_t coupon_id, int64_t user_id, struct price_coupon *coupon);
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

/* ---------------------------------------------------------------- shopper */

/* Locks user_id's shopper row (a shopper's orders with coupons go one at a
 * time). Returns DB_OK or a door code. */
int shopper_lock(struct unit *unit, int64_t user_id);
/* Locks user_id's row and reads its points balance into *balance (OUT;
 * *found false for no such shopper). Returns DB_OK or a door code. */
int shopper_lock_points(struct unit *unit, int64_t user_id, bool *found, int64_t *balance);
/* Reads user_id's points balance (*found false: no such shopper). Returns
 * DB_OK or a door code. */
int shopper_points_balance(struct unit *unit, int64_t user_id, bool *found, int64_t *balance);

/* ----------------------------------------------------------------- points */

/* *earned (OUT): the points order_id earned when paid (0: none). Returns
 * DB_OK or a door code. */
int points_earned_for_order(struct unit *unit, int64_t order_id, int64_t *earned);
/* (points_ledger_page, the wallet's read, is folded into reward/points.c,
 * the ledger's store; GET /me/points moved to reward/reward_routes.c.) */

#endif
