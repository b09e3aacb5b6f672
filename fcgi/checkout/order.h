/* order.h: what the rest of the program needs of orders: the sweeper that
 * cancels orders not paid by their pay_by. The routes are in
 * checkout_routes.c (declared in routes.h).
 *
 * The order state machine (sql/004_orders.sql): every transition is one
 * conditional UPDATE of the order row, checked by affected rows, in the
 * same transaction as what rides on it and an order_event row:
 *
 *   placed    -> pending_payment  INSERT; stock reserved (left -> reserved)
 *   paid      pending_payment -> paid       WHERE status = 'pending_payment'
 *             (the provider's notify)       stock confirmed (reserved -> sold)
 *   cancelled pending_payment -> cancelled  WHERE status = 'pending_payment'
 *             (shopper, or timeout: AND pay_by <= now)
 *                                           stock released (reserved -> left),
 *                                           coupons back to 'available'
 *   shipped   paid -> shipped      SET carrier, tracking_no, shipped_at
 *                                  WHERE status = 'paid'
 *   completed shipped -> completed WHERE status = 'shipped'
 *   refunded  paid -> refunded     WHERE status = 'paid'; the points the
 *             order earned go back (a negative points_ledger row); whether
 *             stock returns is the refund's call (sold -> left, or not).
 *
 * Lock order, to keep clear of deadlocks: payment row, order row, shopper
 * row, coupon rows, then item rows by id. */
#ifndef KANJIA_ORDER_H
#define KANJIA_ORDER_H

struct request;

/* Cancels pending orders past pay_by (returning their stock and coupons,
 * each exactly once) and forgets idempotency keys older than
 * idempotency_ttl_s. One worker at a time (a named lock). Returns the
 * number of orders cancelled, or -1 on a DB error. */
long order_sweep(struct request *request);

#endif
