/* test_token.c: unit tests of fcgi/http/token.c (HS256 through libjwt). */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/crypto.h"
#include "http/token.h"

#define NOW 1796054399       /* 2026-11-30T15:59:59Z */
#define PREVIOUS_UNTIL (NOW + 3600)
#define AUDIENCE "kanjia-shop"

static const char current_secret[] = "current-secret-0123456789abcdef-0123456789";
static const char previous_secret[] = "previous-secret-0123456789abcdef-012345678";

/* The worker's keyring: k1 signs; k0 is accepted until PREVIOUS_UNTIL. */
static const struct token_keyring keys = {
	.keys = {
		{ .kid = "k1", .secret = (const unsigned char *)current_secret,
		  .secret_size = sizeof(current_secret) - 1, .valid_until = 0 },
		{ .kid = "k0", .secret = (const unsigned char *)previous_secret,
		  .secret_size = sizeof(previous_secret) - 1, .valid_until = PREVIOUS_UNTIL },
	},
	.count = 2,
	.issuer = "kanjia",
};

/* A keyring that signs with the previous key, as before the rotation. */
static const struct token_keyring old_keys = {
	.keys = { { .kid = "k0", .secret = (const unsigned char *)previous_secret,
		    .secret_size = sizeof(previous_secret) - 1 } },
	.count = 1,
	.issuer = "kanjia",
};

static struct arena arena;

static void setup(void)
{
	arena_init(&arena);
}

static void teardown(void)
{
	arena_destroy(&arena);
}

static struct token_claims fresh_claims(void)
{
	struct token_claims claims;
	memset(&claims, 0, sizeof(claims));
	claims.subject = 42;
	claims.version = 3;
	claims.issued_at = NOW;
	claims.expires_at = NOW + 604800;
	return claims;
}

/* Issues a token into the arena. */
static char *issue(const struct token_keyring *ring, const char *audience, struct token_claims *claims)
{
	char *token = token_issue(ring, audience, claims);
	ck_assert_ptr_nonnull(token);
	char *copy = arena_strdup(&arena, token);
	free(token);
	return copy;
}

static char *base64url(const void *bytes, size_t size)
{
	char *out = arena_alloc(&arena, crypto_base64url_size(size));
	crypto_base64url(bytes, size, out);
	return out;
}

static char *base64url_text(const char *text)
{
	return base64url(text, strlen(text));
}

/* base64url(header) "." base64url(payload) "." base64url(HMAC-SHA256). */
static char *craft(const char *header, const char *payload, const char *secret)
{
	char *signing_input = arena_printf(&arena, "%s.%s", base64url_text(header),
					   base64url_text(payload));
	unsigned char mac[CRYPTO_HMAC_SIZE];
	crypto_hmac_sha256(secret, strlen(secret), signing_input, strlen(signing_input), mac);
	return arena_printf(&arena, "%s.%s", signing_input, base64url(mac, sizeof(mac)));
}

#define HS256_K1 "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}"
#define JTI "0123456789abcdef0123456789abcdef"

/* A payload with every claim, where one may be replaced or left out. */
static char *payload_with(const char *sub, const char *jti, const char *iat, const char *exp, const char *ver)
{
	char *text = arena_strdup(&arena, "{\"iss\":\"kanjia\",\"aud\":\"" AUDIENCE "\"");
	if (sub != NULL)
		text = arena_printf(&arena, "%s,\"sub\":%s", text, sub);
	if (jti != NULL)
		text = arena_printf(&arena, "%s,\"jti\":%s", text, jti);
	if (iat != NULL)
		text = arena_printf(&arena, "%s,\"iat\":%s", text, iat);
	if (exp != NULL)
		text = arena_printf(&arena, "%s,\"exp\":%s", text, exp);
	if (ver != NULL)
		text = arena_printf(&arena, "%s,\"ver\":%s", text, ver);
	return arena_printf(&arena, "%s}", text);
}

#define SUB "\"42\""
#define QJTI "\"" JTI "\""
#define IAT "1796054399"
#define EXP "1796659199"
#define VER "3"

static enum token_result verify_at(const char *token, int64_t now, struct token_claims *claims)
{
	return token_verify(&keys, AUDIENCE, token, now, claims);
}

static void assert_result(const char *token, enum token_result expected)
{
	struct token_claims claims;
	enum token_result result = verify_at(token, NOW, &claims);
	ck_assert_msg(result == expected, "%s: %s, not %s", token, token_result_name(result),
		      token_result_name(expected));
}

/* ---- refused before any decoding ---- */

START_TEST(malformed_shapes)
{
	assert_result("", TOKEN_MALFORMED);
	assert_result("garbage", TOKEN_MALFORMED);
	assert_result("one.dot", TOKEN_MALFORMED);
	assert_result("a.b.c.d", TOKEN_MALFORMED);         /* four segments */
	assert_result("..", TOKEN_MALFORMED);
	assert_result(".b.c", TOKEN_MALFORMED);            /* empty header */
	assert_result("!!!.b.c", TOKEN_MALFORMED);         /* header not base64url */
	assert_result("Zm9v.b.c", TOKEN_MALFORMED);        /* header not JSON */
	char *array_header = arena_printf(&arena, "%s.e30.c", base64url_text("[1]"));
	assert_result(array_header, TOKEN_MALFORMED);
	char *duplicate = arena_printf(&arena, "%s.e30.c",
				       base64url_text("{\"alg\":\"HS256\",\"alg\":\"HS256\"}"));
	assert_result(duplicate, TOKEN_MALFORMED);
	/* A real token with a segment added. */
	struct token_claims claims = fresh_claims();
	char *token = issue(&keys, AUDIENCE, &claims);
	assert_result(arena_printf(&arena, "%s.x", token), TOKEN_MALFORMED);
	assert_result(arena_printf(&arena, "%s.", token), TOKEN_MALFORMED);
}
END_TEST

START_TEST(oversized_token_refused_without_crash)
{
	char *token = arena_alloc(&arena, 5001);
	memset(token, 'A', 5000);
	token[100] = '.';
	token[200] = '.';
	assert_result(token, TOKEN_OVERSIZED);
	/* A huge, well-formed and signed token is refused the same way. */
	char *padding = arena_alloc(&arena, 5001);
	memset(padding, 'p', 5000);
	char *payload = arena_printf(&arena, "{\"iss\":\"kanjia\",\"aud\":\"" AUDIENCE "\",\"sub\":" SUB
				     ",\"jti\":" QJTI ",\"iat\":" IAT ",\"exp\":" EXP ",\"ver\":" VER
				     ",\"pad\":\"%s\"}", padding);
	assert_result(craft(HS256_K1, payload, current_secret), TOKEN_OVERSIZED);
	/* 64 KiB of dots. */
	char *dots = arena_alloc(&arena, 65537);
	memset(dots, '.', 65536);
	assert_result(dots, TOKEN_OVERSIZED);
}
END_TEST

START_TEST(token_of_exactly_token_max_is_read)
{
	/* Pad a valid payload until the whole token is TOKEN_MAX bytes. */
	const char *base = "{\"iss\":\"kanjia\",\"aud\":\"" AUDIENCE "\",\"sub\":" SUB ",\"jti\":" QJTI
			   ",\"iat\":" IAT ",\"exp\":" EXP ",\"ver\":" VER ",\"pad\":\"";
	char *token = NULL;
	for (size_t pad = 2000; pad < 3500; pad++) {
		char *padding = arena_alloc(&arena, pad + 1);
		memset(padding, 'p', pad);
		char *payload = arena_printf(&arena, "%s%s\"}", base, padding);
		char *candidate = craft(HS256_K1, payload, current_secret);
		if (strlen(candidate) == TOKEN_MAX) {
			token = candidate;
			break;
		}
	}
	ck_assert_ptr_nonnull(token);
	assert_result(token, TOKEN_OK);
	assert_result(arena_printf(&arena, "%sA", token), TOKEN_OVERSIZED);
}
END_TEST

/* ---- algorithm and key ---- */

START_TEST(alg_none_refused)
{
	char *header = base64url_text("{\"alg\":\"none\",\"kid\":\"k1\"}");
	const char *payload_text = payload_with(SUB, QJTI, IAT, EXP, VER);
	char *payload = base64url_text(payload_text);
	/* The classic form, with an empty signature: refused as malformed,
	 * before the header is even read. */
	struct token_claims claims;
	enum token_result result = verify_at(arena_printf(&arena, "%s.%s.", header, payload), NOW, &claims);
	ck_assert_int_ne(result, TOKEN_OK);
	ck_assert_int_eq(result, TOKEN_MALFORMED);
	/* With some signature: the header's algorithm is refused. */
	assert_result(arena_printf(&arena, "%s.%s.AAAA", header, payload), TOKEN_BAD_ALGORITHM);
	/* Even signed correctly over the input. */
	assert_result(craft("{\"alg\":\"none\",\"kid\":\"k1\"}", payload_text, current_secret), TOKEN_BAD_ALGORITHM);
	assert_result(craft("{\"alg\":\"None\",\"kid\":\"k1\"}", payload_text, current_secret), TOKEN_BAD_ALGORITHM);
}
END_TEST

START_TEST(other_algorithms_refused)
{
	const char *payload = payload_with(SUB, QJTI, IAT, EXP, VER);
	assert_result(craft("{\"alg\":\"HS512\",\"kid\":\"k1\"}", payload, current_secret), TOKEN_BAD_ALGORITHM);
	assert_result(craft("{\"alg\":\"HS384\",\"kid\":\"k1\"}", payload, current_secret), TOKEN_BAD_ALGORITHM);
	assert_result(craft("{\"alg\":\"RS256\",\"kid\":\"k1\"}", payload, current_secret), TOKEN_BAD_ALGORITHM);
	assert_result(craft("{\"alg\":\"hs256\",\"kid\":\"k1\"}", payload, current_secret), TOKEN_BAD_ALGORITHM);
	assert_result(craft("{\"alg\":256,\"kid\":\"k1\"}", payload, current_secret), TOKEN_BAD_ALGORITHM);
	assert_result(craft("{\"kid\":\"k1\"}", payload, current_secret), TOKEN_BAD_ALGORITHM);
	assert_result(craft("{\"alg\":[\"HS256\"],\"kid\":\"k1\"}", payload, current_secret), TOKEN_BAD_ALGORITHM);
	assert_result(craft("{\"alg\":\"HS256 \",\"kid\":\"k1\"}", payload, current_secret), TOKEN_BAD_ALGORITHM);
	/* "HS256" then a NUL: jansson refuses the \u0000, so the header is unreadable. */
	assert_result(craft("{\"alg\":\"HS256\\u0000\",\"kid\":\"k1\"}", payload, current_secret), TOKEN_MALFORMED);
	/* Two algs, the last one HS256 (which a lenient reader would keep). */
	assert_result(craft("{\"alg\":\"none\",\"kid\":\"k1\",\"alg\":\"HS256\"}", payload, current_secret),
		      TOKEN_MALFORMED);
}
END_TEST

START_TEST(unknown_or_missing_kid_refused)
{
	const char *payload = payload_with(SUB, QJTI, IAT, EXP, VER);
	assert_result(craft("{\"alg\":\"HS256\",\"kid\":\"k9\"}", payload, current_secret), TOKEN_UNKNOWN_KEY);
	assert_result(craft("{\"alg\":\"HS256\"}", payload, current_secret), TOKEN_UNKNOWN_KEY);
	assert_result(craft("{\"alg\":\"HS256\",\"kid\":1}", payload, current_secret), TOKEN_UNKNOWN_KEY);
	assert_result(craft("{\"alg\":\"HS256\",\"kid\":\"\"}", payload, current_secret), TOKEN_UNKNOWN_KEY);
	/* A token issued under a key this keyring does not have. */
	struct token_keyring other = keys;
	other.keys[0].kid = "k7";
	struct token_claims claims = fresh_claims();
	assert_result(issue(&other, AUDIENCE, &claims), TOKEN_UNKNOWN_KEY);
}
END_TEST

START_TEST(previous_key_until_its_end)
{
	struct token_claims claims = fresh_claims();
	char *token = issue(&old_keys, AUDIENCE, &claims);
	struct token_claims out;
	ck_assert_int_eq(verify_at(token, NOW, &out), TOKEN_OK);
	ck_assert_int_eq(out.subject, 42);
	ck_assert_int_eq(verify_at(token, PREVIOUS_UNTIL - 1, &out), TOKEN_OK);
	ck_assert_int_eq(verify_at(token, PREVIOUS_UNTIL, &out), TOKEN_UNKNOWN_KEY);
	ck_assert_int_eq(verify_at(token, PREVIOUS_UNTIL + 86400, &out), TOKEN_UNKNOWN_KEY);
	/* The current key has no end. */
	char *current = issue(&keys, AUDIENCE, &claims);
	ck_assert_int_eq(verify_at(current, PREVIOUS_UNTIL + 86400, &out), TOKEN_OK);
}
END_TEST

START_TEST(previous_secret_claiming_current_kid_is_bad_signature)
{
	struct token_keyring forged = old_keys;
	forged.keys[0].kid = "k1";
	struct token_claims claims = fresh_claims();
	assert_result(issue(&forged, AUDIENCE, &claims), TOKEN_BAD_SIGNATURE);
	/* And the other way round. */
	assert_result(craft("{\"alg\":\"HS256\",\"kid\":\"k0\"}", payload_with(SUB, QJTI, IAT, EXP, VER),
			    current_secret),
		      TOKEN_BAD_SIGNATURE);
}
END_TEST

START_TEST(tampering_is_bad_signature)
{
	struct token_claims claims = fresh_claims();
	char *token = issue(&keys, AUDIENCE, &claims);
	char *first_dot = strchr(token, '.');
	char *second_dot = strchr(first_dot + 1, '.');
	/* Payload swapped for one naming another user, signature kept. */
	const char *forged_payload = payload_with("\"1\"", QJTI, IAT, EXP, VER);
	char *tampered = arena_printf(&arena, "%.*s.%s%s", (int)(first_dot - token), token,
				      base64url_text(forged_payload), second_dot);
	assert_result(tampered, TOKEN_BAD_SIGNATURE);
	/* One character of the signature changed. */
	char *flipped = arena_strdup(&arena, token);
	size_t length = strlen(flipped);
	flipped[length - 2] = flipped[length - 2] == 'A' ? 'B' : 'A';
	assert_result(flipped, TOKEN_BAD_SIGNATURE);
	/* The signature cut short, or replaced. */
	assert_result(arena_strndup(&arena, token, length - 1), TOKEN_BAD_SIGNATURE);
	assert_result(arena_printf(&arena, "%.*s.AAAA", (int)(second_dot - token), token), TOKEN_BAD_SIGNATURE);
	/* Signed with a secret one byte shorter. */
	char short_secret[sizeof(current_secret)];
	memcpy(short_secret, current_secret, sizeof(current_secret));
	short_secret[sizeof(current_secret) - 2] = '\0';
	assert_result(craft(HS256_K1, payload_with(SUB, QJTI, IAT, EXP, VER), short_secret), TOKEN_BAD_SIGNATURE);
}
END_TEST

/* ---- claims ---- */

START_TEST(expired_refused)
{
	struct token_claims claims = fresh_claims();
	char *token = issue(&keys, AUDIENCE, &claims);
	struct token_claims out;
	ck_assert_int_eq(verify_at(token, claims.expires_at - 1, &out), TOKEN_OK);
	ck_assert_int_eq(verify_at(token, claims.expires_at, &out), TOKEN_EXPIRED);
	ck_assert_int_eq(verify_at(token, claims.expires_at + 1, &out), TOKEN_EXPIRED);
	claims.issued_at = NOW - 7200;
	claims.expires_at = NOW - 3600;
	assert_result(issue(&keys, AUDIENCE, &claims), TOKEN_EXPIRED);
}
END_TEST

START_TEST(issued_in_the_future_refused)
{
	struct token_claims claims = fresh_claims();
	claims.issued_at = NOW + TOKEN_CLOCK_SKEW_S + 1;
	assert_result(issue(&keys, AUDIENCE, &claims), TOKEN_NOT_YET_VALID);
	/* Within the allowed skew. */
	claims.issued_at = NOW + TOKEN_CLOCK_SKEW_S;
	assert_result(issue(&keys, AUDIENCE, &claims), TOKEN_OK);
	/* nbf is checked the same way. */
	const char *late = "{\"iss\":\"kanjia\",\"aud\":\"" AUDIENCE "\",\"sub\":" SUB ",\"jti\":" QJTI
			   ",\"iat\":" IAT ",\"exp\":" EXP ",\"ver\":" VER ",\"nbf\":1796054460}";
	assert_result(craft(HS256_K1, late, current_secret), TOKEN_NOT_YET_VALID);
	const char *soon = "{\"iss\":\"kanjia\",\"aud\":\"" AUDIENCE "\",\"sub\":" SUB ",\"jti\":" QJTI
			   ",\"iat\":" IAT ",\"exp\":" EXP ",\"ver\":" VER ",\"nbf\":1796054459}";
	assert_result(craft(HS256_K1, soon, current_secret), TOKEN_OK);
}
END_TEST

START_TEST(wrong_audience_refused)
{
	struct token_claims claims = fresh_claims();
	char *token = issue(&keys, "kanjia-admin", &claims);
	assert_result(token, TOKEN_WRONG_AUDIENCE);
	struct token_claims out;
	ck_assert_int_eq(token_verify(&keys, "kanjia-admin", token, NOW, &out), TOKEN_OK);
	const char *array = "{\"iss\":\"kanjia\",\"aud\":[\"" AUDIENCE "\"],\"sub\":" SUB ",\"jti\":" QJTI
			    ",\"iat\":" IAT ",\"exp\":" EXP ",\"ver\":" VER "}";
	assert_result(craft(HS256_K1, array, current_secret), TOKEN_WRONG_AUDIENCE);
	const char *none = "{\"iss\":\"kanjia\",\"sub\":" SUB ",\"jti\":" QJTI ",\"iat\":" IAT ",\"exp\":" EXP
			   ",\"ver\":" VER "}";
	assert_result(craft(HS256_K1, none, current_secret), TOKEN_WRONG_AUDIENCE);
}
END_TEST

START_TEST(wrong_issuer_refused)
{
	struct token_keyring other = keys;
	other.issuer = "someone-else";
	struct token_claims claims = fresh_claims();
	assert_result(issue(&other, AUDIENCE, &claims), TOKEN_WRONG_ISSUER);
	const char *none = "{\"aud\":\"" AUDIENCE "\",\"sub\":" SUB ",\"jti\":" QJTI ",\"iat\":" IAT ",\"exp\":" EXP
			   ",\"ver\":" VER "}";
	assert_result(craft(HS256_K1, none, current_secret), TOKEN_WRONG_ISSUER);
}
END_TEST

START_TEST(missing_or_bad_claims_refused)
{
	/* The control: everything present verifies. */
	assert_result(craft(HS256_K1, payload_with(SUB, QJTI, IAT, EXP, VER), current_secret), TOKEN_OK);
	/* Missing. */
	assert_result(craft(HS256_K1, payload_with(NULL, QJTI, IAT, EXP, VER), current_secret), TOKEN_BAD_CLAIMS);
	assert_result(craft(HS256_K1, payload_with(SUB, NULL, IAT, EXP, VER), current_secret), TOKEN_BAD_CLAIMS);
	assert_result(craft(HS256_K1, payload_with(SUB, QJTI, NULL, EXP, VER), current_secret), TOKEN_BAD_CLAIMS);
	assert_result(craft(HS256_K1, payload_with(SUB, QJTI, IAT, NULL, VER), current_secret), TOKEN_BAD_CLAIMS);
	assert_result(craft(HS256_K1, payload_with(SUB, QJTI, IAT, EXP, NULL), current_secret), TOKEN_BAD_CLAIMS);
	/* sub: a positive decimal string of at most 18 digits. */
	static const char *const bad_subjects[] = { "\"abc\"", "\"0\"", "\"-1\"", "\"042\"", "\"12a\"", "\"\"",
						    "\"1234567890123456789\"", "42", "null" };
	for (size_t i = 0; i < sizeof(bad_subjects) / sizeof(bad_subjects[0]); i++)
		assert_result(craft(HS256_K1, payload_with(bad_subjects[i], QJTI, IAT, EXP, VER), current_secret),
			      TOKEN_BAD_CLAIMS);
	/* jti: 32 lower-case hex digits. */
	static const char *const bad_jtis[] = { "\"0123456789abcdef0123456789abcde\"",
						"\"0123456789abcdef0123456789abcdef0\"",
						"\"0123456789ABCDEF0123456789ABCDEF\"",
						"\"0123456789abcdef0123456789abcdeg\"", "12345" };
	for (size_t i = 0; i < sizeof(bad_jtis) / sizeof(bad_jtis[0]); i++)
		assert_result(craft(HS256_K1, payload_with(SUB, bad_jtis[i], IAT, EXP, VER), current_secret),
			      TOKEN_BAD_CLAIMS);
}
END_TEST

START_TEST(non_integer_time_and_version_claims_refused)
{
	/* libjwt reads a string, real, bool or null as 0 without an error;
	 * such a claim must not pass as 0. */
	static const char *const not_integers[] = { "\"3\"", "3.5", "true", "null", "[3]", "{}" };
	for (size_t i = 0; i < sizeof(not_integers) / sizeof(not_integers[0]); i++) {
		const char *bad = not_integers[i];
		assert_result(craft(HS256_K1, payload_with(SUB, QJTI, IAT, EXP, bad), current_secret),
			      TOKEN_BAD_CLAIMS);
		assert_result(craft(HS256_K1, payload_with(SUB, QJTI, bad, EXP, VER), current_secret),
			      TOKEN_BAD_CLAIMS);
		assert_result(craft(HS256_K1, payload_with(SUB, QJTI, IAT, bad, VER), current_secret),
			      TOKEN_BAD_CLAIMS);
	}
	const char *string_nbf = "{\"iss\":\"kanjia\",\"aud\":\"" AUDIENCE "\",\"sub\":" SUB ",\"jti\":" QJTI
				 ",\"iat\":" IAT ",\"exp\":" EXP ",\"ver\":" VER ",\"nbf\":\"9999999999\"}";
	assert_result(craft(HS256_K1, string_nbf, current_secret), TOKEN_BAD_CLAIMS);
}
END_TEST

/* ---- round trip ---- */

static bool lower_hex(const char *text, size_t length)
{
	if (strlen(text) != length)
		return false;
	for (size_t i = 0; i < length; i++)
		if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f')))
			return false;
	return true;
}

START_TEST(issue_then_verify_round_trip)
{
	struct token_claims claims = fresh_claims();
	claims.subject = 123456789012345678;
	claims.version = 7;
	char *token = issue(&keys, AUDIENCE, &claims);
	ck_assert(lower_hex(claims.jti, TOKEN_JTI_SIZE - 1));
	ck_assert_uint_le(strlen(token), TOKEN_MAX);

	struct token_claims out;
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(verify_at(token, NOW, &out), TOKEN_OK);
	ck_assert_int_eq(out.subject, 123456789012345678);
	ck_assert_int_eq(out.version, 7);
	ck_assert_int_eq(out.issued_at, NOW);
	ck_assert_int_eq(out.expires_at, NOW + 604800);
	ck_assert_str_eq(out.jti, claims.jti);

	/* The header names the algorithm and key. */
	size_t header_size = (size_t)(strchr(token, '.') - token);
	unsigned char header[256];
	long decoded = crypto_unbase64url(token, header_size, header, sizeof(header) - 1);
	ck_assert_int_gt(decoded, 0);
	header[decoded] = '\0';
	ck_assert_ptr_nonnull(strstr((char *)header, "\"HS256\""));
	ck_assert_ptr_nonnull(strstr((char *)header, "\"k1\""));

	/* Each token gets its own jti. */
	struct token_claims second = fresh_claims();
	issue(&keys, AUDIENCE, &second);
	ck_assert_str_ne(second.jti, claims.jti);
}
END_TEST

START_TEST(result_names)
{
	ck_assert_str_eq(token_result_name(TOKEN_OK), "ok");
	ck_assert_str_eq(token_result_name(TOKEN_OVERSIZED), "oversized");
	ck_assert_str_eq(token_result_name(TOKEN_MALFORMED), "malformed");
	ck_assert_str_eq(token_result_name(TOKEN_BAD_ALGORITHM), "bad_algorithm");
	ck_assert_str_eq(token_result_name(TOKEN_UNKNOWN_KEY), "unknown_key");
	ck_assert_str_eq(token_result_name(TOKEN_BAD_SIGNATURE), "bad_signature");
	ck_assert_str_eq(token_result_name(TOKEN_EXPIRED), "expired");
	ck_assert_str_eq(token_result_name(TOKEN_NOT_YET_VALID), "not_yet_valid");
	ck_assert_str_eq(token_result_name(TOKEN_WRONG_ISSUER), "wrong_issuer");
	ck_assert_str_eq(token_result_name(TOKEN_WRONG_AUDIENCE), "wrong_audience");
	ck_assert_str_eq(token_result_name(TOKEN_BAD_CLAIMS), "bad_claims");
	ck_assert_str_eq(token_result_name((enum token_result)(TOKEN_BAD_CLAIMS + 1)), "?");
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("token");
	TCase *bad = tcase_create("bad_input");
	tcase_add_checked_fixture(bad, setup, teardown);
	tcase_add_test(bad, malformed_shapes);
	tcase_add_test(bad, oversized_token_refused_without_crash);
	tcase_add_test(bad, token_of_exactly_token_max_is_read);
	tcase_add_test(bad, alg_none_refused);
	tcase_add_test(bad, other_algorithms_refused);
	tcase_add_test(bad, unknown_or_missing_kid_refused);
	tcase_add_test(bad, previous_key_until_its_end);
	tcase_add_test(bad, previous_secret_claiming_current_kid_is_bad_signature);
	tcase_add_test(bad, tampering_is_bad_signature);
	suite_add_tcase(suite, bad);
	TCase *claims = tcase_create("claims");
	tcase_add_checked_fixture(claims, setup, teardown);
	tcase_add_test(claims, expired_refused);
	tcase_add_test(claims, issued_in_the_future_refused);
	tcase_add_test(claims, wrong_audience_refused);
	tcase_add_test(claims, wrong_issuer_refused);
	tcase_add_test(claims, missing_or_bad_claims_refused);
	tcase_add_test(claims, non_integer_time_and_version_claims_refused);
	suite_add_tcase(suite, claims);
	TCase *good = tcase_create("round_trip");
	tcase_add_checked_fixture(good, setup, teardown);
	tcase_add_test(good, issue_then_verify_round_trip);
	tcase_add_test(good, result_names);
	suite_add_tcase(suite, good);
	return suite;
}
