/* pay.c: the flows behind a real provider's notify and refund (see pay.h).
 * The provider's own protocol is in pay_wechat.c and pay_alipay.c; here the
 * facts are loaded, the provider called, and what came of it written. */
#include "checkout/pay.h"

#include <stdio.h>
#include <string.h>

#include "checkout/checkout_store.h"
#include "checkout/order.h"
#include "checkout/pay_store.h"
#include "core/log.h"
#include "db/db.h"

int pay_notice_take(struct unit *unit, const char *provider, const struct provider_notice *notice)
{
	int64_t order_id = 0;
	int result = pay_store_order_of(unit, provider, notice->ref, &order_id);
	if (result != DB_OK)
		return result;
	if (strcmp(notice->reported, "success") == 0 &&
	    (result = payment_keep_txn(unit, provider, notice->ref, notice->transaction_id)) != DB_OK)
		return result;
	struct payment_notice applied = {
		.provider = provider,
		.ref = notice->ref,
		.reported = notice->reported,
		.order_id = order_id,
		.amount_fen = notice->amount_fen,
	};
	return payment_notify(unit, &applied);
}

int pay_refund_take(struct unit *unit, int64_t order_id, const char *reason, enum pay_refund_result *result)
{
	*result = PAY_REFUND_NOT_THERE;
	struct pay_refund_target target;
	int status = pay_store_refund_target(unit, order_id, &target);
	if (status != DB_OK)
		return status;
	const struct payment_provider *provider = target.found ? payment_provider_find(target.provider) : NULL;
	/* nothing to refund at a provider: the transaction answers (404, 409, sandbox) */
	if (provider == NULL || provider->refund == NULL || strcmp(target.payment_status, "succeeded") != 0 ||
	    (strcmp(target.order_status, "paid") != 0 && strcmp(target.order_status, "shipped") != 0))
		return DB_OK;
	char refund_ref[PAYMENT_REF_SIZE + 2], provider_refund_id[PAYMENT_REF_SIZE] = "", why[PAYMENT_WHY_SIZE] = "";
	snprintf(refund_ref, sizeof(refund_ref), "rf%s", target.ref);
	struct payment_refund refund = {
		.ref = target.ref,
		.refund_ref = refund_ref,
		.amount_fen = target.amount_fen,
		.total_fen = target.amount_fen,
		.reason = reason,
	};
	int called = provider->refund(unit->config, &refund, provider_refund_id, sizeof(provider_refund_id), why,
				      sizeof(why));
	*result = called == PAYMENT_OK        ? PAY_REFUND_ACCEPTED
		  : called == PAYMENT_REFUSED ? PAY_REFUND_REFUSED
					      : PAY_REFUND_UNAVAILABLE;
	const char *outcome = called == PAYMENT_OK ? "accepted" : called == PAYMENT_REFUSED ? "refused" : "unavailable";
	if ((status = pay_store_refund_record(unit, &target, refund_ref, provider_refund_id, outcome, why,
					      unit->request_id)) != DB_OK)
		return status;
	if (called != PAYMENT_OK)
		log_warn("refund of order %lld at %s: %s", (long long)order_id, target.provider, why);
	return DB_OK;
}
