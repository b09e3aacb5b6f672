/* promo_kinds_store.h: the only SQL of the tables of the promotion kinds
 * gift, points_cash and member_price (sql/022_promotion_kinds.sql):
 * promotion_gift (each gift's units given), order_gift (what an order
 * took), order_points_cash (the points an order spent) and member_level
 * (the shop's levels). Results: DB_OK, a door code (db/db.h) or an
 * outcome (core/outcome.h). */
#ifndef KANJIA_PROMO_KINDS_STORE_H
#define KANJIA_PROMO_KINDS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* ================================================================ gifts */

/* The units given of every gift of campaign_id's gift promotions: rows
 * (OUT) of promotion_id, gift_index, given. */
int gift_given_load(struct unit *unit, int64_t campaign_id, struct db_rows *rows);
/* Takes one unit of gift_index of promotion_id for order_id while fewer
 * than stock were given (one conditional statement) and records it with
 * name. *taken (OUT): false when the stock is gone (nothing written).
 * Returns DB_OK, DB_RETRY (two orders raced to give its very first unit:
 * the caller's transaction is tried again), or a door code. */
int gift_take(struct unit *unit, int64_t order_id, int64_t promotion_id, int gift_index, int64_t stock,
	      const char *name, bool *taken);
/* Gives back the gifts order_id took, once (order_gift.returned). */
int gift_give_back(struct unit *unit, int64_t order_id);
/* order_id's gifts: rows (OUT) of promotion_id, name, gift_index. */
int order_gifts_read(struct unit *unit, int64_t order_id, struct db_rows *rows);
/* The gifts of orders low..high (the console's page): rows (OUT) of
 * order_id, promotion_id, name, by order. */
int order_gifts_between(struct unit *unit, int64_t low, int64_t high, struct db_rows *rows);

/* =============================================================== points */

/* Records that order_id of user_id spent points worth amount_fen. */
int order_points_record(struct unit *unit, int64_t order_id, int64_t user_id, int64_t points, int64_t amount_fen);
/* Marks order_id's points returned, once: *points (OUT) what to give
 * back to *user_id (OUT) (0: none, or returned already). */
int order_points_return(struct unit *unit, int64_t order_id, int64_t *user_id, int64_t *points);
/* *points (OUT): what order_id spent (0: none). */
int order_points_read(struct unit *unit, int64_t order_id, int64_t *points);

/* ========================================================= member levels */

#define MEMBER_LEVELS_MAX 20

struct member_level_row {
	int64_t level;
	const char *name;
	int64_t min_paid_fen;
};

/* The shop's levels by level into *levels (OUT, the arena's) and *count. */
int member_levels_read(struct unit *unit, struct member_level_row **levels, int *count);
/* Replaces every level with levels. */
int member_levels_replace(struct unit *unit, const struct member_level_row *levels, int count);
/* user_id's level (OUT, 0: none) and its name (OUT, the arena's, NULL for
 * none): the highest whose min_paid_fen the shopper's paid, shipped or
 * completed orders reach. One statement. */
int member_level_of(struct unit *unit, int64_t user_id, int64_t *level, const char **name);
/* The condition a member_level row l meets for the shopper whose id is the
 * SQL expression user: the shopper's paid total reaches its threshold. The
 * one text of the rule, for member_level_of() and for reads that fold the
 * level in (GET /me, shopper_store.c). */
#define MEMBER_LEVEL_REACHED_SQL(user)                                                                            \
	"l.min_paid_fen <= (SELECT COALESCE(SUM(total_fen), 0) FROM orders WHERE user_id = " user " "             \
	"AND status IN ('paid', 'shipped', 'completed'))"

#endif
