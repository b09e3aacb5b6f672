/* pay.h: the flows behind a real provider's notify and refund
 * (pay_routes.c is their HTTP side, pay_store.c their SQL). */
#ifndef KANJIA_PAY_H
#define KANJIA_PAY_H

#include <stdint.h>

#include "checkout/payment.h"

struct unit;

/* Applies a notice whose signature was verified: finds its order by the
 * provider's reference, keeps the provider's transaction id of a success,
 * then applies it as checkout applies any (payment_notify, order.h: the
 * amount must match; a repeat is a duplicate). Returns DB_OK, an outcome
 * (OUT_NOT_FOUND: no such payment, OUT_AMOUNT_MISMATCH) or a door code. */
int pay_notice_take(struct unit *unit, const char *provider, const struct provider_notice *notice);

/* What came of refunding an order at its provider. */
enum pay_refund_result {
	PAY_REFUND_NOT_THERE,   /* nothing to refund at a provider: the refund's transaction decides */
	PAY_REFUND_ACCEPTED,    /* the provider took it */
	PAY_REFUND_REFUSED,     /* the provider said no */
	PAY_REFUND_UNAVAILABLE, /* the provider did not answer */
};

/* Refunds order_id at the provider it was paid through, if any, with the
 * same refund reference every time (a retry is the same refund), and
 * records the call. *result (OUT). Returns DB_OK or a door code. */
int pay_refund_take(struct unit *unit, int64_t order_id, const char *reason, enum pay_refund_result *result);

#endif
