/* sms.h: SMS login codes and the provider interface.
 *
 * Codes are 6 digits from the OS's CSPRNG, stored only as an HMAC keyed by
 * a key derived from the config's secret, and compared in constant time.
 * A provider delivers a message; the default "outbox" inserts it into the
 * sms_outbox table in the caller's transaction (demos and tests read codes
 * from there). */
#ifndef KANJIA_SMS_H
#define KANJIA_SMS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/crypto.h"

#define SMS_CODE_DIGITS 6
#define SMS_BODY_MAX 256

struct request;

struct sms_provider {
	const char *name;
	/* Sends body to phone. Returns 0 or an HTTP error status. */
	int (*send)(struct request *request, const char *phone, const char *body);
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

#endif
