/* order.h: what the rest of the program needs of orders: the sweeper that
 * cancels orders not paid by their pay_by. The routes are in
 * route_order.c (declared in routes.h). */
#ifndef KANJIA_ORDER_H
#define KANJIA_ORDER_H

struct request;

/* Cancels pending orders past pay_by (returning their stock and coupons,
 * each exactly once) and forgets idempotency keys older than
 * idempotency_ttl_s. One worker at a time (a named lock). Returns the
 * number of orders cancelled, or -1 on a DB error. */
long order_sweep(struct request *request);

#endif
