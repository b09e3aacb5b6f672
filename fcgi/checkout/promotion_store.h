/* promotion_store.h: the only SQL of the promotion config tables checkout
 * owns: promotion (the promotion resource, API.md "Promotions (admin)"),
 * order_promotion (what each order took from each), full_reduction_tier
 * (a campaign's 满减 tiers) and campaign_checkout (its coupon rules). The admin API for them comes with
 * issue 14; until then these writers serve the store tests and the tools.
 *
 * Results: DB_OK, a door code (db/db.h) or an outcome (core/outcome.h). */
#ifndef KANJIA_PROMOTION_STORE_H
#define KANJIA_PROMOTION_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "checkout/pricing.h"
#include "checkout/promotion.h"
#include "db/db.h"

/* ============================================== the promotion resource */

#define PROMOTIONS_LIVE_MAX 64 /* live promotions one campaign may hold */

/* A promotion row as the resource shows it. limit_* 0: no limit. */
struct promotion_row {
	int64_t id, campaign_id;
	const char *kind, *title;
	int64_t starts_at, ends_at;
	bool enabled;
	const char *config_json;
	int64_t limit_total, limit_per_user;
	int64_t used_count, used_subsidy_fen; /* orders not cancelled nor refunded */
};

/* campaign_id's live promotions at unit->now (enabled, in their window),
 * by id, at most PROMOTIONS_LIVE_MAX, into *live (OUT, the arena's; each
 * config parsed, NULL if it does not parse) and *count. Returns DB_OK or
 * a door code. */
int promotions_live_load(struct unit *unit, int64_t campaign_id, int64_t user_id, struct promotion_live **live,
			 int *count);
/* For the per-worker cache (promotion_cache.c): campaign_id's enabled
 * promotions by id, at most PROMOTIONS_LIVE_MAX: rows (OUT) of id, kind,
 * title, starts_at, ends_at, config_json, limit_total, limit_per_user (0:
 * none). */
int promotions_enabled_load(struct unit *unit, int64_t campaign_id, struct db_rows *rows);
/* The counters of campaign_id's enabled promotions that have a limit:
 * rows (OUT) of id, used_orders, user_id's uses. */
int promotion_counters_load(struct unit *unit, int64_t campaign_id, int64_t user_id, struct db_rows *rows);
/* Inserts row (id, used ignored) at unit->now; *id (OUT). */
int promotion_insert(struct unit *unit, const struct promotion_row *row, int64_t *id);
/* Reads promotion id with its used counts into *row (OUT). Returns DB_OK,
 * OUT_NOT_FOUND, or a door code. */
int promotion_read(struct unit *unit, int64_t id, bool for_update, struct promotion_row *row);
/* campaign_id's promotions by id into *rows (OUT, the arena's) and *count. */
int promotions_of_campaign(struct unit *unit, int64_t campaign_id, struct promotion_row **rows, int *count);
/* Writes row's title, window, enabled, config and limits. */
int promotion_update(struct unit *unit, const struct promotion_row *row);
/* Deletes promotion id if no order used it; else disables it. Returns
 * DB_OK (deleted), OUT_IN_USE (disabled instead), or a door code. */
int promotion_delete_or_disable(struct unit *unit, int64_t id);
/* One order_promotion row: order_id took amount_fen from promotion_id,
 * moving the counters of counted (PROMOTION_COUNTED_*). */
#define PROMOTION_COUNTED_TOTAL 1
#define PROMOTION_COUNTED_PER_USER 2
int order_promotion_insert(struct unit *unit, int64_t order_id, int64_t promotion_id, int64_t amount_fen,
			   int counted);
/* Takes one use of promotion_id for user_id: used_orders + 1 while below
 * its limits.total (limit_total > 0), and user_id's uses + 1 while below
 * limit_per_user (> 0), each one conditional statement. Returns DB_OK,
 * OUT_CONFLICT (a limit was reached meanwhile), or a door code. */
int promotion_take(struct unit *unit, int64_t promotion_id, int64_t user_id, int64_t limit_total,
		   int64_t limit_per_user);
/* Gives back what order_id took from every promotion's counters (called
 * once, with the order's cancel or refund). */
int promotion_give_back_uses(struct unit *unit, int64_t order_id, int64_t user_id);

/* ============================================ full reduction, coupons */

/* Sets the tier of campaign_id at min_spend_fen to take off off_fen
 * (inserted or replaced). Returns DB_OK, OUT_UNPROCESSABLE_FIELD (off_fen
 * not positive, min_spend_fen negative, no such campaign), or a door code. */
int full_reduction_tier_set(struct unit *unit, int64_t campaign_id, int64_t min_spend_fen, int64_t off_fen);
/* Removes every tier of campaign_id. Returns DB_OK or a door code. */
int full_reduction_tiers_clear(struct unit *unit, int64_t campaign_id);

/* What pricing reads of campaign_id for every cart, in one statement:
 * its full-reduction tiers by minimum spend, at most PRICE_TIERS_MAX, into
 * tiers (OUT) and rules->tier_count; its coupon rules into *rules
 * (coupons_stackable and coupon_uses_per_customer; no row: one coupon per
 * order, no limit); and what campaign_budget_read()
 * (promotion_kinds_store.h) gives unlocked into *budget and
 * *exclusive_json (OUT). Returns DB_OK or a door code. */
int promotion_campaign_read(struct unit *unit, int64_t campaign_id, struct price_tier *tiers,
			    struct price_rules *rules, struct promotion_budget *budget, const char **exclusive_json);
/* Sets campaign_id's coupon rules (uses_per_customer 0: no limit).
 * Returns DB_OK, OUT_UNPROCESSABLE_FIELD (a negative limit, no such
 * campaign), or a door code. */
int checkout_rules_set(struct unit *unit, int64_t campaign_id, bool coupons_stackable, int64_t uses_per_customer);

/* ======================================== what shoppers see (issue 14) */

/* campaign_id's promotions a shopper's page shows: enabled, and not ended
 * at unit->now (a presale also after its deposit window: its final
 * payment comes later), newest first, at most PROMOTIONS_LIVE_MAX, into
 * *shown (OUT, the arena's; config parsed, NULL if it does not parse;
 * limits and counters 0) and *count. The campaign's price history reads
 * its timed discounts here too. Returns DB_OK or a door code. */
int promotions_shown_load(struct unit *unit, int64_t campaign_id, struct promotion_live **shown, int *count);

/* ============================================ coupon templates' counters */

/* One more issue of promotion_id while below its limits.total. Returns
 * DB_OK, OUT_OUT_OF_STOCK, or a door code. */
int coupon_template_take_total(struct unit *unit, int64_t promotion_id);
/* Makes user_id's counter row of promotion_id (if it has limits.per_user
 * and the row is missing), outside the claim's transaction. */
int coupon_template_user_row(struct unit *unit, int64_t promotion_id, int64_t user_id);
/* One more claim of promotion_id by user_id while below limit_per_user
 * (the row made above). Returns DB_OK, OUT_LIMIT_REACHED, or a door code. */
int coupon_template_take_per_user(struct unit *unit, int64_t promotion_id, int64_t user_id, int64_t limit_per_user);

#endif
