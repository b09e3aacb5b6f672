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

static const struct payment_provider providers[] = {
	{ "sandbox", sandbox_new_ref, sandbox_verify },
};

const struct payment_provider *payment_provider_find(const char *name)
{
	for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		if (strcmp(providers[i].name, name) == 0)
			return &providers[i];
	return NULL;
}
