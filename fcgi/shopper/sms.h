/* sms.h: SMS login codes and the provider interface.
 *
 * Codes are 6 digits from the OS's CSPRNG, stored only as an HMAC keyed by
 * a key derived from the config's secret, and compared in constant time.
 * Every message is inserted into the sms_outbox table in the caller's
 * transaction. With the default provider "outbox" that is all (demos and
 * tests read codes from there). With a real provider (aliyun, tencent) the
 * row is queued ('pending') and the sender process (sms_sender.c), which
 * the master starts, delivers it outside any request, with retries and
 * backoff, and records the provider's answer on the row. */
#ifndef KANJIA_SMS_H
#define KANJIA_SMS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/crypto.h"

#define SMS_CODE_DIGITS 6
#define SMS_BODY_MAX 256

#define SMS_ANSWER_MAX 256
#define SMS_REF_MAX 65
/* Outbound calls of the sender: a slow provider delays the queue, no more. */
#define SMS_SEND_TIMEOUT_MS 10000

struct config;
struct unit;

enum sms_outcome {
	SMS_SENT,    /* the provider took the message */
	SMS_RETRY,   /* no answer, or a refusal that may pass (throttling, outage, keys): try again later */
	SMS_REFUSED, /* the provider refuses this message for good (bad number, say) */
};

/* What the provider answered, kept on the outbox row. */
struct sms_receipt {
	char answer[SMS_ANSWER_MAX]; /* "<HTTP status> <provider code> <message>", no secrets */
	char ref[SMS_REF_MAX];       /* the provider's id of the message (BizId, SerialNo), or "" */
};

struct sms_provider {
	const char *name;
	/* Queues body for phone in the unit's transaction. Returns DB_OK or a
	 * door code. */
	int (*send)(struct unit *unit, const char *phone, const char *body);
	/* Delivers one queued message (the sender process calls it); NULL when
	 * send is all there is to it (outbox). */
	enum sms_outcome (*deliver)(const struct config *config, const char *phone, const char *body,
				    struct sms_receipt *receipt);
};

/* The provider called name, or NULL. */
const struct sms_provider *sms_provider_find(const char *name);
/* Writes a fresh code, 6 digits and NUL, into code. */
void sms_code_new(char code[SMS_CODE_DIGITS + 1]);
/* True for exactly six ASCII digits. */
bool sms_code_shape(const char *code);
/* The stored form of code for phone under secret. */
void sms_code_digest(const char *secret, const char *phone, const char *code,
		     unsigned char digest[CRYPTO_HMAC_SIZE]);
/* The login message carrying code (the only run of six digits in it). */
void sms_login_message(const char *code, long valid_minutes, char body[SMS_BODY_MAX]);
/* The code in a login message body (its only run of six digits) into
 * code; false when there is none. Template providers send only the code. */
bool sms_body_code(const char *body, char code[SMS_CODE_DIGITS + 1]);

/* The providers (sms_aliyun.c, sms_tencent.c). */
enum sms_outcome sms_aliyun_deliver(const struct config *config, const char *phone, const char *body,
				    struct sms_receipt *receipt);
enum sms_outcome sms_tencent_deliver(const struct config *config, const char *phone, const char *body,
				     struct sms_receipt *receipt);

/* The sender process: delivers queued messages until SIGTERM. Returns the
 * process exit code. */
int sms_sender_run(const struct config *config);

#endif
