/* red_packet_store.h: the only SQL on red_packet (API.md "Engagement").
 *
 * A red packet is cash a shopper was given (the new-user pack, the points
 * exchange, the lucky wheel): available until it expires, locked by an
 * order at checkout (the pricing engine's red_packet line), used when the
 * order is paid, given back when the order is cancelled or refunded before
 * use. Every change of status is one conditional UPDATE, so two orders
 * never lock the same packet. Callers issue once per grant: the caller's
 * own key (a reward_grant row, an exchange row) guards a red packet. */
#ifndef KANJIA_RED_PACKET_STORE_H
#define KANJIA_RED_PACKET_STORE_H

#include <stdbool.h>
#include <stdint.h>

struct unit;

#define RED_PACKET_FEN_MAX 100000000 /* 1,000,000 yuan: above anything the shop gives */
#define RED_PACKET_DAYS_MAX 365
#define RED_PACKET_SOURCE_MAX 40

struct red_packet {
	int64_t id;
	int64_t amount_fen;
	const char *source;
	int64_t created_at, expires_at;
	const char *status; /* as shown at the unit's now: available, locked, used, expired */
	int64_t order_id;   /* 0: none */
};

/* Gives user a red packet of amount_fen (1..RED_PACKET_FEN_MAX) valid for
 * days (1..RED_PACKET_DAYS_MAX) from the unit's now, from source ("pack",
 * "exchange", "wheel", ...). *id (OUT) is its id. Returns DB_OK,
 * OUT_INVALID_FIELD for an amount or days out of bounds, or a door code. */
int red_packet_issue(struct unit *unit, int64_t user_id, int64_t amount_fen, int64_t days, const char *source,
		     int64_t *id);

/* user's red packets with id below before, newest first, at most limit;
 * an available packet past its end shows as expired. */
int red_packet_page(struct unit *unit, int64_t user_id, int64_t before, int64_t limit,
		    struct red_packet **packets, int *count);

/* Locks the n red packets ids of user for order_id: each must be
 * available and unexpired at the unit's now. *total_fen (OUT) is their sum.
 * Returns DB_OK; OUT_INVALID_STATE (and nothing locked, when the caller
 * rolls back) when any is not; or a door code. In the order's
 * transaction. */
int red_packet_lock_for_order(struct unit *unit, int64_t user_id, const int64_t *ids, int n, int64_t order_id,
			      int64_t *total_fen);
/* Red packet id as a cart sees it: *amount_fen (OUT) and *available
 * (OUT: user's, available and unexpired at the unit's now; false when
 * there is no such packet). Returns DB_OK or a door code. */
int red_packet_for_order(struct unit *unit, int64_t user_id, int64_t id, int64_t *amount_fen, bool *available);
/* The order was paid: its locked packets become used. */
int red_packet_use(struct unit *unit, int64_t order_id);
/* The order was cancelled: its locked (or used, for a refund) packets
 * become available again, or expired when past their end. */
int red_packet_give_back(struct unit *unit, int64_t order_id);

/* The sweeper: available packets past their end become expired, at most
 * limit at a time. *expired (OUT) counts them. */
int red_packet_expire_due(struct unit *unit, int64_t limit, int64_t *expired);

#endif
