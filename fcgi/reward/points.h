/* points.h: the points ledger. Every change of a shopper's balance is one
 * conditional update and one ledger row with the balance after it, in the
 * caller's transaction; the balance never goes negative. */
#ifndef KANJIA_POINTS_H
#define KANJIA_POINTS_H

#include <stdint.h>

struct request;

/* Adds delta (negative: takes) to user's balance with reason and the order
 * it belongs to (0: none). Returns 0, 409 conflict when the balance would
 * go below zero, or a DB status. */
int points_apply(struct request *request, int64_t user_id, int64_t delta, const char *reason, int64_t order_id);

#endif
