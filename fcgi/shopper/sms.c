/* sms.c: login codes and SMS providers. */
#include "shopper/sms.h"

#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "db/db.h"
#include "http/http.h"
#include "shopper/shopper_store.h"

/* A real provider: the row waits for the sender process. */
static int queue_send(struct unit *unit, const char *phone, const char *body)
{
	return sms_outbox_queue(unit, phone, body, unit->config->sms_provider);
}

static const struct sms_provider providers[] = {
	{ "outbox", sms_outbox_add, NULL },
	{ "aliyun", queue_send, sms_aliyun_deliver },
	{ "tencent", queue_send, sms_tencent_deliver },
};

const struct sms_provider *sms_provider_find(const char *name)
{
	for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		if (strcmp(providers[i].name, name) == 0)
			return &providers[i];
	return NULL;
}

void sms_code_new(char code[SMS_CODE_DIGITS + 1])
{
	snprintf(code, SMS_CODE_DIGITS + 1, "%06u", (unsigned)crypto_random_below(1000000));
}

bool sms_code_shape(const char *code)
{
	if (code == NULL || strlen(code) != SMS_CODE_DIGITS)
		return false;
	for (int i = 0; i < SMS_CODE_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return false;
	return true;
}

void sms_code_digest(const char *secret, const char *phone, const char *code,
		     unsigned char digest[CRYPTO_HMAC_SIZE])
{
	/* A key of its own, so a code digest says nothing about session keys. */
	unsigned char key[CRYPTO_HMAC_SIZE];
	static const char purpose[] = "kanjia sms login code v1";
	crypto_hmac_sha256(secret, strlen(secret), purpose, sizeof(purpose) - 1, key);
	char message[64];
	int length = snprintf(message, sizeof(message), "%s:%s", phone, code);
	crypto_hmac_sha256(key, sizeof(key), message, (size_t)length, digest);
}

void sms_login_message(const char *code, long valid_minutes, char body[SMS_BODY_MAX])
{
	/* The only run of six digits in the body is the code (API.md). */
	http_text_format(body, SMS_BODY_MAX, "sms.login", code, valid_minutes);
}

bool sms_body_code(const char *body, char code[SMS_CODE_DIGITS + 1])
{
	for (const char *p = body; *p; p++) {
		if (*p < '0' || *p > '9')
			continue;
		size_t run = strspn(p, "0123456789");
		if (run == SMS_CODE_DIGITS) {
			memcpy(code, p, SMS_CODE_DIGITS);
			code[SMS_CODE_DIGITS] = '\0';
			return true;
		}
		p += run - 1;
	}
	return false;
}
