/* fuzz_token.c: bearer tokens through token_verify (fcgi/http/token.c):
 * whatever the bytes, a verdict and never a crash; only a token signed with
 * the key passes, and then its claims are whole. */
#include "fuzz.h"

#include <assert.h>

#include "http/token.h"

static const unsigned char secret[] = "fuzz-secret-fuzz-secret-fuzz-secret-0123";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct token_keyring keys = {
		.keys = { { .kid = "k1", .secret = secret, .secret_size = sizeof(secret) - 1 } },
		.count = 1,
		.issuer = "kanjia",
	};
	char *token = fuzz_text(data, size);
	struct token_claims claims;
	memset(&claims, 0, sizeof(claims));
	enum token_result result = token_verify(&keys, "shopper", token, 1800000000, &claims);
	assert(token_result_name(result) != NULL);
	if (result == TOKEN_OK) {
		assert(claims.subject > 0);
		assert(claims.expires_at > 1800000000 - TOKEN_CLOCK_SKEW_S);
	}
	if (size > TOKEN_MAX)
		assert(result == TOKEN_OVERSIZED);
	free(token);
	return 0;
}
