/* pay_routes.h: the real payment providers' HTTP side (pay_routes.c): their
 * notify routes, and the two hooks checkout and fulfilment call. */
#ifndef KANJIA_CHECKOUT_PAY_ROUTES_H
#define KANJIA_CHECKOUT_PAY_ROUTES_H

#include <stdint.h>

#include <jansson.h>

#include "checkout/payment.h"
#include "http/router.h"

extern const struct route_table pay_route_table;

/* The pay route's answer for a provider with an open() (WeChat Pay,
 * Alipay): opens the payment ref at the provider for the order and adds
 * "client" (what the shopper's client passes to the provider) to answer
 * (a new reference, taken). ?channel= picks jsapi or h5 (WeChat Pay) or
 * wap (Alipay); ?openid= is the payer for jsapi. Returns 200, 400, or 503
 * unavailable when the provider did not open it. */
int pay_open_reply(struct request *request, const struct payment_provider *provider, int64_t order_id,
		   int64_t amount_fen, const char *ref, int64_t pay_by, json_t *answer);

/* Before the admin refund's transaction: when the order was paid through a
 * real provider, refunds it there first (the same refund_ref every time,
 * so a retry is the same refund). Returns 0 to go on (refunded, or nothing
 * to do at a provider: the transaction then decides), or 503 unavailable
 * when the provider refused or did not answer (nothing changes here). */
int pay_refund_at_provider(struct request *request, int64_t order_id);

#endif
