/* promotion_store.h: the only SQL of the promotion config tables checkout
 * owns: full_reduction_tier (a campaign's 满减 tiers) and
 * campaign_checkout (its coupon rules). The admin API for them comes with
 * issue 14; until then these writers serve the store tests and the tools.
 *
 * Results: DB_OK, a door code (db/db.h) or an outcome (core/outcome.h). */
#ifndef KANJIA_PROMOTION_STORE_H
#define KANJIA_PROMOTION_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "checkout/pricing.h"
#include "db/db.h"

/* campaign_id's tiers by minimum spend, at most PRICE_TIERS_MAX, into
 * tiers (OUT) and *count (OUT). Returns DB_OK or a door code. */
int full_reduction_tiers_load(struct unit *unit, int64_t campaign_id, struct price_tier *tiers, int *count);
/* Sets the tier of campaign_id at min_spend_fen to take off off_fen
 * (inserted or replaced). Returns DB_OK, OUT_UNPROCESSABLE_FIELD (off_fen
 * not positive, min_spend_fen negative, no such campaign), or a door code. */
int full_reduction_tier_set(struct unit *unit, int64_t campaign_id, int64_t min_spend_fen, int64_t off_fen);
/* Removes every tier of campaign_id. Returns DB_OK or a door code. */
int full_reduction_tiers_clear(struct unit *unit, int64_t campaign_id);

/* campaign_id's coupon rules into *rules (OUT: coupons_stackable and
 * coupon_uses_per_customer; no row: one coupon per order, no limit).
 * Returns DB_OK or a door code. */
int checkout_rules_load(struct unit *unit, int64_t campaign_id, struct price_rules *rules);
/* Sets campaign_id's coupon rules (uses_per_customer 0: no limit).
 * Returns DB_OK, OUT_UNPROCESSABLE_FIELD (a negative limit, no such
 * campaign), or a door code. */
int checkout_rules_set(struct unit *unit, int64_t campaign_id, bool coupons_stackable, int64_t uses_per_customer);

#endif
