/* payment.h: payment providers behind one interface.
 *
 * A provider creates a payment for an order (what the shopper's client
 * needs to pay: for the sandbox, an id to put in the notify) and verifies
 * the notifies its servers send back. Orders and stock are not its
 * business: checkout_routes.c applies a verified notify to the order. Real
 * providers (WeChat Pay, Alipay) plug in as more entries of the table in
 * payment.c. */
#ifndef KANJIA_PAYMENT_H
#define KANJIA_PAYMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAYMENT_REF_SIZE 65 /* provider references: up to 64 characters */

struct config;

struct payment_provider {
	const char *name;
	/* Writes a fresh provider reference for a new payment into ref (OUT). */
	void (*new_ref)(char ref[PAYMENT_REF_SIZE]);
	/* True when signature (as sent in the provider's header) is the
	 * provider's signature of the raw body. Compares in constant time. */
	bool (*verify)(const struct config *config, const char *signature, const void *body, size_t body_size);
};

/* The provider called name, or NULL. */
const struct payment_provider *payment_provider_find(const char *name);

/* The sandbox's signature of body: lower-case hex HMAC-SHA256 under key,
 * into out[65]. Exposed for tests and the demo. */
void payment_sandbox_sign(const char *key, const void *body, size_t body_size, char out[65]);

#endif
