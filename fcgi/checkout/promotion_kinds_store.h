/* promotion_kinds_store.h: the only SQL of the tables of the presale,
 * share_reward and budget kinds (sql/020_presale_coupons.sql):
 * the template's issue counters (promotion.used_orders and promotion_user,
 * each moved by one conditional UPDATE), a template coupon's link to it,
 * presale_deposit with the deposit orders, and order_share.
 *
 * Results: DB_OK, a door code (db/db.h) or an outcome (core/outcome.h).
 * Texts live in the unit's arena. */
#ifndef KANJIA_PROMOTION_KINDS_STORE_H
#define KANJIA_PROMOTION_KINDS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "checkout/checkout_store.h"
#include "checkout/promotion.h"
#include "checkout/promotion_store.h"
#include "reward/reward_store.h"
#include "db/db.h"


/* ============================================================== presale */

struct presale_deposit_new {
	int64_t deposit_order_id, promotion_id, user_id, item_id, qty;
	int64_t deposit_fen, deposit_value_fen, final_starts_at, final_ends_at;
};
int presale_deposit_insert(struct unit *unit, const struct presale_deposit_new *deposit);
/* deposit_order_id's deposit, if user_id's, into *presale (OUT; found
 * false otherwise). */
int presale_deposit_read(struct unit *unit, int64_t deposit_order_id, int64_t user_id,
			 struct promotion_presale *presale);
/* Makes final_order_id the deposit's final order while it has none (the
 * order's kind is checkout_store.h's order_mark_final). Returns DB_OK, OUT_INVALID_STATE (another stands), or a door
 * code. */
int presale_final_claim(struct unit *unit, int64_t deposit_order_id, int64_t final_order_id);
/* The deposit of final_order_id (cancelled) may take another final order. */
int presale_final_release(struct unit *unit, int64_t final_order_id);
/* The deposit of final_order_id (paid) is never forfeited. */
int presale_final_paid(struct unit *unit, int64_t final_order_id);
/* Paid deposits whose final payment was not paid by final_ends_at (and no
 * final order still pending), at most limit: rows (OUT) of ids. */
int presale_forfeits_due(struct unit *unit, int64_t limit, struct db_rows *rows);
/* Locks deposit_order_id's deposit row while it is due (as above), before
 * its order is marked forfeited (checkout_store.h's order_forfeit_mark): a
 * final order placed meanwhile holds it. Returns DB_OK, OUT_INVALID_STATE
 * (not due any more), or a door code. */
int presale_forfeit_lock(struct unit *unit, int64_t deposit_order_id);

/* ========================================================= share_reward */

/* Records that order_id came through share, if the order has a line of the
 * shared item (its lines are written before). */
int order_share_insert(struct unit *unit, int64_t order_id, const struct promotion_share *share);
/* order_id's share not rewarded yet into *share (OUT; sharer_id 0: none). */
int order_share_pending(struct unit *unit, int64_t order_id, struct promotion_share *share);
/* Marks order_id's share rewarded (coupon_id 0: none could be issued),
 * once. Returns DB_OK, OUT_INVALID_STATE (rewarded before), or a door code. */
int order_share_rewarded(struct unit *unit, int64_t order_id, int64_t coupon_id);

/* =============================================================== budget */

/* campaign_id's budget row (locked: FOR UPDATE, until the transaction
 * ends) into *budget (OUT; found false: none) and its exclusive pairs'
 * JSON text into *exclusive_json (OUT, NULL: none). */
int campaign_budget_read(struct unit *unit, int64_t campaign_id, bool locked, struct promotion_budget *budget,
			 const char **exclusive_json);
/* Sets campaign_id's budget (has_budget false: unlimited) when
 * set_budget, and its pairs' JSON text when exclusive_json is not NULL;
 * the row is made when missing. */
int campaign_budget_write(struct unit *unit, int64_t campaign_id, bool set_budget, bool has_budget, int64_t budget_fen,
			  const char *exclusive_json);
/* Charges amount_fen (> 0) of order_id to campaign_id's budget while it
 * covers it (one conditional UPDATE) and records it. Returns DB_OK,
 * OUT_BUDGET_EXHAUSTED (spent meanwhile), or a door code. */
int campaign_budget_charge(struct unit *unit, int64_t campaign_id, int64_t order_id, int64_t amount_fen);
/* Gives back what order_id was charged, once. */
int campaign_budget_give_back(struct unit *unit, int64_t order_id);

#endif
