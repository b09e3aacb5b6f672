/* campaign_store.h: the only SQL of the campaign and campaign_item tables,
 * as named operations on a unit of work.
 *
 * Results are DB_OK, a door code (db/db.h) or an outcome (core/outcome.h);
 * the route layer maps them with http_outcome(). Every struct and text
 * filled here lives in the unit's arena (JSON values are released when the
 * arena is reset).
 *
 * Stock lives in campaign_item as stock_left + stock_reserved + stock_sold
 * = stock_total (a CHECK). It moves only by the conditional UPDATEs of the
 * stock_* operations below, checked by affected rows, each riding in the
 * transaction of its caller's own conditional status change (an order's,
 * a refund's, an admin's patch), so each happens exactly once:
 *
 *   stock_reserve  (order placed)   left -= q, reserved += q  WHERE left >= q
 *   stock_confirm  (order paid)     reserved -= q, sold += q  WHERE reserved >= q
 *   stock_release  (order cancelled) reserved -= q, left += q WHERE reserved >= q
 *   stock_unsell   (refund, unshipped) sold -= q, left += q   WHERE sold >= q
 *   stock_adjust   (admin)          total += d, left += d     WHERE left + d >= 0
 *
 * The item row is the hot row of a flash sale: callers take it last in
 * their transaction, by item id, so its lock is held only until COMMIT. */
#ifndef KANJIA_CAMPAIGN_STORE_H
#define KANJIA_CAMPAIGN_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "campaign/campaign.h"
#include "campaign/price_history.h"
#include "db/db.h"

/* Loads campaign id with its items (locking the campaign row when
 * for_update). Returns DB_OK, OUT_NOT_FOUND, or a door code. */
int campaign_load(struct unit *unit, int64_t id, bool for_update, struct campaign *campaign);
/* A promotion of campaign_id changed: its promotion_version + 1 (workers
 * holding the old config read it again), and its items' price history
 * follows the change (price_history_refresh(): a timed discount's window
 * is a change of price). The promotion resource calls it inside each of
 * its writes. Returns DB_OK or a door code. */
int campaign_promotion_version_bump(struct unit *unit, int64_t campaign_id);
/* Loads item id (locking its row when for_update). Returns DB_OK,
 * OUT_NOT_FOUND, or a door code. */
int campaign_item_load(struct unit *unit, int64_t id, bool for_update, struct campaign_item *item);
/* One page of campaigns with their items. VIEW_PUBLIC: campaigns not yet
 * ended at unit->now, by id ascending after cursor; VIEW_ADMIN: all, by id
 * descending before cursor (0: from the start). *campaigns (OUT) is arena
 * memory; *more (OUT) says whether another page follows. Returns DB_OK or
 * a door code. */
int campaign_list(struct unit *unit, enum campaign_view view, int64_t cursor, int64_t limit,
		  struct campaign **campaigns, int *count, bool *more);
/* VIEW_PUBLIC's items are paged: the list shows each campaign's first
 * CAMPAIGN_ITEMS_SHOWN (items_more when more follow; only the items of
 * campaigns still listed are read). */
#define CAMPAIGN_ITEMS_SHOWN 50
/* One campaign with one page of its items: at most items_limit after the
 * item id items_cursor (0: from the first), campaign->items_more when more
 * follow. Returns DB_OK, OUT_NOT_FOUND, or a door code. */
int campaign_load_page(struct unit *unit, int64_t id, int64_t items_cursor, int64_t items_limit,
		       struct campaign *campaign);
/* Inserts campaign and its items at unit->now; fills the ids and the
 * timestamps. Returns DB_OK or a door code. */
int campaign_insert(struct unit *unit, struct campaign *campaign);
/* Inserts one item of campaign_id; fills item->id and its stock fields
 * (all of stock_total left). Returns DB_OK or a door code. */
int campaign_item_insert(struct unit *unit, int64_t campaign_id, struct campaign_item *item);
/* Writes title and window. Returns DB_OK or a door code. */
int campaign_update(struct unit *unit, const struct campaign *campaign);
/* Writes an item's name, images, prices, rules and rewards (never stock).
 * Returns DB_OK or a door code. */
int campaign_item_update(struct unit *unit, const struct campaign_item *item);

/* What a cart needs of an item and its campaign. */
struct item_for_cart {
	bool found;
	int64_t campaign_id;
	const char *name;
	int64_t price_fen;  /* original_price_fen */
	int64_t floor_fen;  /* checkout_floor_fen */
	int64_t stock_left; /* unlocked: a hint; stock_reserve decides */
	int64_t starts_at, ends_at; /* the campaign's window */
	int64_t promotion_version;  /* the campaign's (checkout/promotion_cache.h) */
};
/* Reads item_id for a cart into *item (OUT; found false when there is no
 * such item). Returns DB_OK or a door code. */
int campaign_item_for_cart(struct unit *unit, int64_t item_id, struct item_for_cart *item);

/* ------------------------------------------------------------------ stock */

/* Adds delta to stock_total and stock_left, never taking stock_left below
 * 0. Returns DB_OK, OUT_INSUFFICIENT_STOCK, or a door code. */
int stock_adjust(struct unit *unit, int64_t item_id, int64_t delta);
/* qty from left to reserved. Returns DB_OK, OUT_OUT_OF_STOCK (fewer than
 * qty left, or no such item), or a door code. */
int stock_reserve(struct unit *unit, int64_t item_id, int64_t qty);
/* qty from reserved to sold. Returns DB_OK, OUT_CONFLICT (fewer than qty
 * reserved: the stock columns disagree with the orders, a bug the caller
 * logs), or a door code. */
int stock_confirm(struct unit *unit, int64_t item_id, int64_t qty);
/* qty from reserved back to left. Returns DB_OK, OUT_CONFLICT (as above),
 * or a door code. */
int stock_release(struct unit *unit, int64_t item_id, int64_t qty);
/* qty from sold back to left (a refund before shipping). Returns DB_OK,
 * OUT_CONFLICT (fewer than qty sold), or a door code. */
int stock_unsell(struct unit *unit, int64_t item_id, int64_t qty);

/* ========================================================= price history */

/* What a price refresh needs of one item. */
struct item_price_basis {
	int64_t item_id;
	int64_t list_fen;  /* original_price_fen */
	int64_t floor_fen; /* checkout_floor_fen: no timed discount goes below it */
	int64_t created_at;
};
/* One recorded change point of an item's public price. */
struct item_price_row {
	int64_t item_id;
	struct price_point point;
};

/* Locks campaign_id's row (refreshes of one campaign's prices run one
 * after the other). Returns DB_OK, OUT_NOT_FOUND, or a door code. */
int campaign_lock(struct unit *unit, int64_t campaign_id);
/* campaign_id's items by id into *items (OUT, the arena's) and *count. */
int item_price_bases_load(struct unit *unit, int64_t campaign_id, struct item_price_basis **items, int *count);
/* The recorded points of campaign_id's items from the one in force at
 * since on (future ones included), by item, time and id, into *rows (OUT,
 * the arena's) and *count. Returns DB_OK or a door code. */
int item_price_points_load(struct unit *unit, int64_t campaign_id, int64_t since, struct item_price_row **rows,
			   int *count);
/* Records point for item_id: one conditional INSERT that writes nothing
 * when the price in force at point->at is already point->price_fen.
 * Returns DB_OK (written or not) or a door code. */
int item_price_record(struct unit *unit, int64_t item_id, const struct price_point *point);
/* Removes item_id's points after `after` (a plan about to be replaced;
 * points up to it are history and stay). Returns DB_OK or a door code. */
int item_price_future_clear(struct unit *unit, int64_t item_id, int64_t after);
/* The point in force at unit->now of each of campaign_id's items with an
 * id in [first_item_id, last_item_id] that has one, by item id, into
 * *rows (OUT, the arena's) and *count. Returns DB_OK or a door code. */
int item_prices_in_force(struct unit *unit, int64_t campaign_id, int64_t first_item_id, int64_t last_item_id,
			 struct item_price_row **rows, int *count);

#endif
