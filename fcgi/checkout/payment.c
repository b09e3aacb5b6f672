/* payment.c: the provider table and the sandbox provider (API.md, "Orders
 * and payment"): payment ids are random, notifies carry
 * X-Sandbox-Signature: hex(HMAC-SHA256(sandbox_secret, raw body)). */
#include "checkout/payment.h"

#include <string.h>

#include "core/config.h"
#include "core/crypto.h"

#define SANDBOX_REF_BYTES 12

static void sandbox_new_ref(char ref[PAYMENT_REF_SIZE])
{
	unsigned char random[SANDBOX_REF_BYTES];
	crypto_random(random, sizeof(random));
	memcpy(ref, "sb_", 3);
	crypto_hex(random, sizeof(random), ref + 3);
}

void payment_sandbox_sign(const char *key, const void *body, size_t body_size, char out[65])
{
	unsigned char mac[CRYPTO_HMAC_SIZE];
	crypto_hmac_sha256(key, strlen(key), body, body_size, mac);
	crypto_hex(mac, sizeof(mac), out);
}

static bool sandbox_verify(const struct config *config, const char *signature, const void *body, size_t body_size)
{
	const char *key = config->sandbox_secret;
	if (key == NULL || key[0] == '\0' || signature == NULL)
		return false; /* no key configured: nothing is genuine */
	unsigned char given[CRYPTO_HMAC_SIZE], expected[CRYPTO_HMAC_SIZE];
	if (strlen(signature) != 2 * CRYPTO_HMAC_SIZE || crypto_unhex(signature, given, sizeof(given)) != CRYPTO_HMAC_SIZE)
		return false;
	crypto_hmac_sha256(key, strlen(key), body, body_size, expected);
	return crypto_equal(given, expected, sizeof(expected));
}

/* Real providers' references: 26 characters of [a-z0-9], inside both
 * WeChat Pay's (6-32 characters) and Alipay's (up to 64) out_trade_no. */
static void provider_new_ref(char ref[PAYMENT_REF_SIZE])
{
	unsigned char random[SANDBOX_REF_BYTES];
	crypto_random(random, sizeof(random));
	memcpy(ref, "kj", 2);
	crypto_hex(random, sizeof(random), ref + 2);
}

static const struct payment_provider providers[] = {
	{ "sandbox", sandbox_new_ref, sandbox_verify, NULL, NULL },
	{ "wechat", provider_new_ref, NULL, wechatpay_open, wechatpay_refund },
	{ "alipay", provider_new_ref, NULL, alipay_open, alipay_refund },
};

const struct payment_provider *payment_provider_find(const char *name)
{
	for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		if (strcmp(providers[i].name, name) == 0)
			return &providers[i];
	return NULL;
}

bool payment_parse_yuan(const char *text, int64_t *fen)
{
	if (text == NULL)
		return false;
	size_t whole = strspn(text, "0123456789");
	if (whole == 0 || whole > 12)
		return false;
	int64_t value = 0;
	for (size_t i = 0; i < whole; i++)
		value = value * 10 + (text[i] - '0');
	value *= 100;
	const char *rest = text + whole;
	if (*rest == '.') {
		size_t decimals = strspn(rest + 1, "0123456789");
		if (decimals == 0 || decimals > 2 || rest[1 + decimals] != '\0')
			return false;
		value += (rest[1] - '0') * 10;
		if (decimals == 2)
			value += rest[2] - '0';
	} else if (*rest != '\0') {
		return false;
	}
	*fen = value;
	return true;
}
