/* points.h: the points ledger's store (the only SQL on points_ledger and on
 * shopper.points_balance). Every change of a shopper's balance is one
 * conditional update and one ledger row with the balance after it, in the
 * caller's transaction; the balance never goes negative. */
#ifndef KANJIA_POINTS_H
#define KANJIA_POINTS_H

#include <stdint.h>

struct unit;

/* Adds delta (negative: takes) to user's balance with reason and the order
 * it belongs to (0: none). Returns DB_OK, OUT_CONFLICT when the balance
 * would go below zero, or a door code. */
int points_apply(struct unit *unit, int64_t user_id, int64_t delta, const char *reason, int64_t order_id);

struct points_entry {
	int64_t id, delta, balance_after;
	const char *reason;
	int64_t order_id; /* 0: none */
	int64_t at;
};

/* The shopper's balance (OUT). Returns DB_OK, OUT_UNAUTHORIZED when there
 * is no such shopper (a token outliving its account), or a door code. */
int points_balance(struct unit *unit, int64_t user_id, int64_t *balance);
/* The shopper's ledger rows with id below before, newest first, at most
 * limit; *entries (OUT) in the unit's arena, *count (OUT). */
int points_ledger_page(struct unit *unit, int64_t user_id, int64_t before, int64_t limit,
		       struct points_entry **entries, int *count);

/* *earned (OUT): the points order_id earned when paid (0: none). Returns
 * DB_OK or a door code. */
int points_earned_for_order(struct unit *unit, int64_t order_id, int64_t *earned);

#endif
