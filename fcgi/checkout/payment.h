/* payment.h: payment providers behind one interface.
 *
 * A provider creates a payment for an order (what the shopper's client
 * needs to pay: for the sandbox, an id to put in the notify) and verifies
 * the notifies its servers send back. Orders and stock are not its
 * business: checkout_routes.c applies a verified notify to the order.
 *
 * Real providers (pay_wechat.c: WeChat Pay API v3; pay_alipay.c: Alipay)
 * also open the payment at the provider (the shopper's client needs what
 * the provider answers: JSAPI parameters, an H5 or a gateway URL) and
 * refund it; their notifies come to routes of their own (pay_routes.c),
 * which verify them before anything is read from them. */
#ifndef KANJIA_PAYMENT_H
#define KANJIA_PAYMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define PAYMENT_REF_SIZE 65 /* provider references: up to 64 characters */
#define PAYMENT_WHY_SIZE 200
/* Outbound calls from a request: a worker waits at most this long. */
#define PAYMENT_CALL_TIMEOUT_MS 8000

struct config;

/* What a provider needs to open a payment. */
struct payment_order {
	int64_t order_id;
	int64_t amount_fen;
	const char *ref;         /* our reference: WeChat's out_trade_no, Alipay's out_trade_no */
	const char *description; /* shown to the payer */
	const char *client_ip;
	const char *channel;     /* wechat: "jsapi" (inside WeChat) or "h5"; alipay: "wap" */
	const char *openid;      /* wechat jsapi: the payer */
	const char *notify_url;  /* absolute */
	int64_t pay_by;          /* epoch seconds */
};

/* A full refund of one payment. */
struct payment_refund {
	const char *ref;        /* the payment's reference */
	const char *refund_ref; /* ours, stable per payment: a repeat is the same refund */
	int64_t amount_fen, total_fen;
	const char *reason;
};

/* A notification, once verified and decrypted. */
struct provider_notice {
	char ref[PAYMENT_REF_SIZE];
	char transaction_id[PAYMENT_REF_SIZE];
	int64_t amount_fen;
	char reported[24]; /* "success", or the provider's state, lower-case */
};

enum payment_result {
	PAYMENT_OK = 0,
	PAYMENT_REFUSED = 1,     /* the provider said no (why says its code) */
	PAYMENT_UNAVAILABLE = 2, /* no answer, or one not signed by the provider */
};

struct payment_provider {
	const char *name;
	/* Writes a fresh provider reference for a new payment into ref (OUT). */
	void (*new_ref)(char ref[PAYMENT_REF_SIZE]);
	/* Sandbox only: true when signature (as sent in the provider's header)
	 * is the provider's signature of the raw body. Constant time. */
	bool (*verify)(const struct config *config, const char *signature, const void *body, size_t body_size);
	/* Real providers: opens the payment at the provider; *client (OUT, a
	 * new reference) is what the shopper's client needs. Returns a
	 * payment_result; why (no secrets) says what went wrong. */
	int (*open)(const struct config *config, const struct payment_order *order, json_t **client, char *why,
		    size_t why_size);
	/* Real providers: refunds at the provider; provider_refund_id (OUT). */
	int (*refund)(const struct config *config, const struct payment_refund *refund, char *provider_refund_id,
		      size_t id_size, char *why, size_t why_size);
};

/* The provider called name, or NULL. */
const struct payment_provider *payment_provider_find(const char *name);

/* WeChat Pay v3 (pay_wechat.c). */
int wechatpay_open(const struct config *config, const struct payment_order *order, json_t **client, char *why,
		   size_t why_size);
int wechatpay_refund(const struct config *config, const struct payment_refund *refund, char *provider_refund_id,
		     size_t id_size, char *why, size_t why_size);
/* Verifies a notification (the Wechatpay-Timestamp, -Nonce and -Signature
 * headers against the platform key, the timestamp within 5 minutes of
 * now), then decrypts its resource (AEAD_AES_256_GCM under the APIv3 key)
 * and checks it names our mchid and appid. Returns 0 with notice filled,
 * or -1 (nothing in the body may be trusted). */
int wechatpay_notice(const struct config *config, int64_t now, const char *timestamp, const char *nonce,
		     const char *signature, const char *body, size_t body_size, struct provider_notice *notice);
/* The message WeChat Pay v3 signs for a request: METHOD\nPATH\nTS\nNONCE\nBODY\n
 * (malloc'd). */
char *wechatpay_request_message(const char *method, const char *path, const char *timestamp, const char *nonce,
				const char *body);

/* Alipay (pay_alipay.c). */
int alipay_open(const struct config *config, const struct payment_order *order, json_t **client, char *why,
		size_t why_size);
int alipay_refund(const struct config *config, const struct payment_refund *refund, char *provider_refund_id,
		  size_t id_size, char *why, size_t why_size);
/* Verifies an async notify (form-encoded body: the RSA2 signature over the
 * sorted parameters but sign and sign_type, under Alipay's public key;
 * app_id ours). Returns 0 with notice filled, or -1. */
int alipay_notice(const struct config *config, const char *body, size_t body_size, struct provider_notice *notice);
/* The string Alipay signs: the parameters sorted by name, "name=value"
 * joined by '&', empty values and the names in skip left out (malloc'd).
 * names/values are count pairs. */
char *alipay_sign_content(const char *const *names, const char *const *values, size_t count, const char *const *skip);
/* Parses "12.34" (yuan, at most two decimals) into fen; false when not
 * that shape. */
bool payment_parse_yuan(const char *text, int64_t *fen);

/* The sandbox's signature of body: lower-case hex HMAC-SHA256 under key,
 * into out[65]. Exposed for tests and the demo. */
void payment_sandbox_sign(const char *key, const void *body, size_t body_size, char out[65]);

#endif
