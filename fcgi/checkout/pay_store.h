/* pay_store.h: the SQL of the real payment providers' flow (pay_routes.c):
 * finding a payment by the provider's reference, what a refund needs, and
 * the record of each refund call (payment_refund). Works on a unit;
 * returns the door's codes (db.h). */
#ifndef KANJIA_PAY_STORE_H
#define KANJIA_PAY_STORE_H

#include <stdint.h>

#include "checkout/payment.h"
#include "db/db.h"

/* The payment an order's refund goes through. */
struct pay_refund_target {
	bool found;            /* the order exists and has a payment */
	char order_status[16]; /* pending_payment, paid, shipped, ... */
	int64_t payment_id;
	char provider[21];
	char ref[PAYMENT_REF_SIZE];
	int64_t amount_fen;
	char payment_status[16];
};

/* The order of the payment (provider, ref) into *order_id (0: none). */
int pay_store_order_of(struct unit *unit, const char *provider, const char *ref, int64_t *order_id);
/* What refunding order_id at its provider needs, into *target. */
int pay_store_refund_target(struct unit *unit, int64_t order_id, struct pay_refund_target *target);
/* Records one refund call. */
int pay_store_refund_record(struct unit *unit, const struct pay_refund_target *target, const char *refund_ref,
			    const char *provider_refund_id, const char *outcome, const char *answer,
			    const char *request_id);

#endif
