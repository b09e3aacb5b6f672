/* token.h: session tokens, JWT HS256 through libjwt.
 *
 * libjwt 1.10 takes the algorithm from the token's own header and checks no
 * signature when given no key. So token_verify() first reads the header
 * itself: only "HS256" with a known "kid" goes on, decoded with that key,
 * and the algorithm is checked again after decoding. exp, iat, nbf, iss and
 * aud are checked here, not by libjwt. Tokens over TOKEN_MAX bytes are
 * refused before any decoding (a huge one overflows libjwt's stack). */
#ifndef KANJIA_TOKEN_H
#define KANJIA_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TOKEN_MAX 4096
#define TOKEN_JTI_SIZE 33
#define TOKEN_CLOCK_SKEW_S 60

struct token_key {
	const char *kid;
	const unsigned char *secret;
	size_t secret_size;
	int64_t valid_until; /* 0: no end (the current key) */
};

struct token_keyring {
	struct token_key keys[2]; /* [0] signs; [1] the previous key, if any */
	int count;
	const char *issuer;
};

struct token_claims {
	int64_t subject;
	int64_t issued_at;
	int64_t expires_at;
	int64_t version; /* the user's token version when issued */
	char jti[TOKEN_JTI_SIZE];
	int64_t key_valid_until; /* verified: the end of the key that signed it (0: none) */
};

enum token_result {
	TOKEN_OK,
	TOKEN_OVERSIZED,
	TOKEN_MALFORMED,
	TOKEN_BAD_ALGORITHM,
	TOKEN_UNKNOWN_KEY,
	TOKEN_BAD_SIGNATURE,
	TOKEN_EXPIRED,
	TOKEN_NOT_YET_VALID,
	TOKEN_WRONG_ISSUER,
	TOKEN_WRONG_AUDIENCE,
	TOKEN_BAD_CLAIMS,
};

/* Signs claims with keys[0] for audience. claims->jti is filled with a
 * fresh random id (OUT). Returns a malloc'd token: the caller frees it. */
char *token_issue(const struct token_keyring *keys, const char *audience, struct token_claims *claims);
/* Verifies token at time now for audience; fills *claims (OUT) on TOKEN_OK. */
enum token_result token_verify(const struct token_keyring *keys, const char *audience, const char *token,
			       int64_t now, struct token_claims *claims);
/* A name for logs ("expired", "bad_signature", ...). */
const char *token_result_name(enum token_result result);

#endif
