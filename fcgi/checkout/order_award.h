/* order_award.h: an order given to a game's winner (an auction's highest
 * bidder or its Dutch taker; API.md "Games"): pending_payment, kind
 * normal, one unit of the item at the winning price, its stock reserved.
 *
 * A named operation for other features (games/) built only on the stores'
 * existing operations (campaign_store.h's item read and stock_reserve,
 * checkout_store.h's order_insert, order_line_insert, order_event_add),
 * so the order is paid, cancelled and swept like any other. The winner
 * has given no address yet: the order carries their phone and empty
 * address lines. */
#ifndef KANJIA_ORDER_AWARD_H
#define KANJIA_ORDER_AWARD_H

#include <stdint.h>

struct unit;

struct order_award {
	int64_t user_id;
	int64_t item_id;
	int64_t price_fen; /* the winning price, above 0 */
	const char *phone; /* the winner's (the order's contact phone) */
	const char *note;  /* the order event's note, e.g. "auction:12" */
};

/* Places the award's order in the caller's transaction; *order_id (OUT).
 * Returns DB_OK, OUT_NOT_FOUND (no such item), OUT_OUT_OF_STOCK, or a door
 * code. The item's row is taken last (its stock), as orders do. */
int order_award(struct unit *unit, const struct order_award *award, int64_t *order_id);

#endif
