/* points.h: the points ledger. Every change of a shopper's balance is one
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

#endif
