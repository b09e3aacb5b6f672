/* token.c: issuing and verifying JWTs. */
#include "http/token.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <jwt.h>

#include "core/crypto.h"

#define TOKEN_HEADER_MAX 512

const char *token_result_name(enum token_result result)
{
	static const char *const names[] = {
		"ok", "oversized", "malformed", "bad_algorithm", "unknown_key", "bad_signature",
		"expired", "not_yet_valid", "wrong_issuer", "wrong_audience", "bad_claims",
	};
	return result <= TOKEN_BAD_CLAIMS ? names[result] : "?";
}

char *token_issue(const struct token_keyring *keys, const char *audience, struct token_claims *claims)
{
	unsigned char jti_bytes[16];
	crypto_random(jti_bytes, sizeof(jti_bytes));
	crypto_hex(jti_bytes, sizeof(jti_bytes), claims->jti);

	char subject[24];
	snprintf(subject, sizeof(subject), "%lld", (long long)claims->subject);
	const struct token_key *key = &keys->keys[0];
	jwt_t *jwt = NULL;
	if (jwt_new(&jwt) != 0)
		abort();
	int failed = jwt_add_header(jwt, "kid", key->kid) ||
		     jwt_add_grant(jwt, "iss", keys->issuer) ||
		     jwt_add_grant(jwt, "aud", audience) ||
		     jwt_add_grant(jwt, "sub", subject) ||
		     jwt_add_grant(jwt, "jti", claims->jti) ||
		     jwt_add_grant_int(jwt, "iat", (long)claims->issued_at) ||
		     jwt_add_grant_int(jwt, "exp", (long)claims->expires_at) ||
		     jwt_add_grant_int(jwt, "ver", (long)claims->version) ||
		     jwt_set_alg(jwt, JWT_ALG_HS256, key->secret, (int)key->secret_size);
	char *token = failed ? NULL : jwt_encode_str(jwt);
	jwt_free(jwt);
	if (token == NULL)
		abort();
	return token;
}

/* Reads the header segment and picks the key its "kid" names. */
static enum token_result header_key(const struct token_keyring *keys, const char *token, size_t header_size,
				    int64_t now, const struct token_key **key)
{
	unsigned char header[TOKEN_HEADER_MAX + 1];
	long decoded = crypto_unbase64url(token, header_size, header, TOKEN_HEADER_MAX);
	if (decoded <= 0)
		return TOKEN_MALFORMED;
	json_error_t error;
	json_t *object = json_loadb((const char *)header, (size_t)decoded, JSON_REJECT_DUPLICATES, &error);
	if (!json_is_object(object)) {
		json_decref(object);
		return TOKEN_MALFORMED;
	}
	const char *algorithm = json_string_value(json_object_get(object, "alg"));
	const char *kid = json_string_value(json_object_get(object, "kid"));
	enum token_result result = TOKEN_UNKNOWN_KEY;
	if (algorithm == NULL || strcmp(algorithm, "HS256") != 0) {
		result = TOKEN_BAD_ALGORITHM;
	} else if (kid != NULL) {
		for (int i = 0; i < keys->count; i++) {
			const struct token_key *candidate = &keys->keys[i];
			if (strcmp(candidate->kid, kid) == 0 &&
			    (candidate->valid_until == 0 || now < candidate->valid_until)) {
				*key = candidate;
				result = TOKEN_OK;
				break;
			}
		}
	}
	json_decref(object);
	return result;
}

/* Reads an integer claim into *value (OUT). Returns 1, 0 when the claim is
 * absent, or -1 when it is not an integer. jwt_get_grant_int() reads a
 * string, real, bool or null as 0 without an error, so the claim's own JSON
 * text is read instead. */
static int claim_int(jwt_t *jwt, const char *name, int64_t *value)
{
	char *text = jwt_get_grants_json(jwt, name);
	if (text == NULL)
		return 0;
	bool integer = text[0] == '-' || (text[0] >= '0' && text[0] <= '9');
	char *end = NULL;
	errno = 0;
	long long number = strtoll(text, &end, 10);
	integer = integer && errno == 0 && *end == '\0';
	free(text);
	if (!integer)
		return -1;
	*value = number;
	return 1;
}

static bool parse_subject(const char *text, int64_t *subject)
{
	if (text == NULL || text[0] < '1' || text[0] > '9' || strlen(text) > 18)
		return false;
	char *end = NULL;
	long long number = strtoll(text, &end, 10);
	if (*end != '\0' || number <= 0)
		return false;
	*subject = number;
	return true;
}

static bool jti_valid(const char *jti)
{
	if (jti == NULL || strlen(jti) != TOKEN_JTI_SIZE - 1)
		return false;
	for (const char *p = jti; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

enum token_result token_verify(const struct token_keyring *keys, const char *audience, const char *token,
			       int64_t now, struct token_claims *claims)
{
	size_t length = strnlen(token, TOKEN_MAX + 1);
	if (length > TOKEN_MAX)
		return TOKEN_OVERSIZED;
	const char *first_dot = memchr(token, '.', length);
	const char *second_dot = first_dot ? memchr(first_dot + 1, '.', length - (size_t)(first_dot + 1 - token)) : NULL;
	if (first_dot == NULL || second_dot == NULL || strchr(second_dot + 1, '.') != NULL ||
	    second_dot[1] == '\0' || first_dot == token)
		return TOKEN_MALFORMED;
	const struct token_key *key = NULL;
	enum token_result result = header_key(keys, token, (size_t)(first_dot - token), now, &key);
	if (result != TOKEN_OK)
		return result;

	jwt_t *jwt = NULL;
	if (jwt_decode(&jwt, token, key->secret, (int)key->secret_size) != 0 || jwt == NULL) {
		jwt_free(jwt);
		return TOKEN_BAD_SIGNATURE;
	}
	/* Pin the algorithm: libjwt chose it from the header. */
	if (jwt_get_alg(jwt) != JWT_ALG_HS256) {
		jwt_free(jwt);
		return TOKEN_BAD_ALGORITHM;
	}
	const char *issuer = jwt_get_grant(jwt, "iss");
	const char *token_audience = jwt_get_grant(jwt, "aud");
	const char *jti = jwt_get_grant(jwt, "jti");
	int64_t not_before = 0;
	int not_before_read = claim_int(jwt, "nbf", &not_before);
	if (issuer == NULL || strcmp(issuer, keys->issuer) != 0) {
		result = TOKEN_WRONG_ISSUER;
	} else if (token_audience == NULL || strcmp(token_audience, audience) != 0) {
		result = TOKEN_WRONG_AUDIENCE;
	} else if (!parse_subject(jwt_get_grant(jwt, "sub"), &claims->subject) || !jti_valid(jti) ||
		   claim_int(jwt, "iat", &claims->issued_at) != 1 || claim_int(jwt, "exp", &claims->expires_at) != 1 ||
		   claim_int(jwt, "ver", &claims->version) != 1 || not_before_read < 0) {
		result = TOKEN_BAD_CLAIMS;
	} else if (claims->expires_at <= now) {
		result = TOKEN_EXPIRED;
	} else if (claims->issued_at > now + TOKEN_CLOCK_SKEW_S ||
		   (not_before_read == 1 && not_before > now + TOKEN_CLOCK_SKEW_S)) {
		result = TOKEN_NOT_YET_VALID;
	} else {
		memcpy(claims->jti, jti, TOKEN_JTI_SIZE);
		claims->key_valid_until = key->valid_until;
		result = TOKEN_OK;
	}
	jwt_free(jwt);
	return result;
}
