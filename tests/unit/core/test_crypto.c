/* test_crypto.c: unit tests of fcgi/core/crypto.c. */
#include "unit.h"

#include <string.h>

#include "core/crypto.h"

/* HMAC of key and message as lower-case hex in out[65]. */
static void hmac_hex(const void *key, size_t key_size, const void *message, size_t message_size, char out[65])
{
	unsigned char mac[CRYPTO_HMAC_SIZE];
	crypto_hmac_sha256(key, key_size, message, message_size, mac);
	crypto_hex(mac, sizeof(mac), out);
}

static void assert_encodes(const char *plain, const char *expected)
{
	char out[64];
	size_t size = strlen(plain);
	ck_assert_uint_ge(crypto_base64url_size(size), strlen(expected) + 1);
	memset(out, '#', sizeof(out));
	crypto_base64url((const unsigned char *)plain, size, out);
	ck_assert_str_eq(out, expected);
	unsigned char back[64];
	long decoded = crypto_unbase64url(expected, strlen(expected), back, sizeof(back));
	ck_assert_int_eq(decoded, (long)size);
	ck_assert_int_eq(memcmp(back, plain, size), 0);
}

static void assert_decode_refused(const char *text)
{
	unsigned char out[64];
	ck_assert_msg(crypto_unbase64url(text, strlen(text), out, sizeof(out)) == -1, "\"%s\" decoded", text);
}

/* ---- refused ---- */

START_TEST(unhex_refuses_bad_input)
{
	unsigned char out[4] = { 0 };
	ck_assert_int_eq(crypto_unhex("abc", out, sizeof(out)), -1);        /* odd length */
	ck_assert_int_eq(crypto_unhex("zz", out, sizeof(out)), -1);
	ck_assert_int_eq(crypto_unhex("0g", out, sizeof(out)), -1);
	ck_assert_int_eq(crypto_unhex("g0", out, sizeof(out)), -1);
	ck_assert_int_eq(crypto_unhex(" 00", out, sizeof(out)), -1);
	ck_assert_int_eq(crypto_unhex("0x00", out, sizeof(out)), -1);
	ck_assert_int_eq(crypto_unhex("0011223344", out, sizeof(out)), -1); /* 5 bytes into 4 */
	ck_assert_int_eq(crypto_unhex("00112233", out, sizeof(out)), 4);
	ck_assert_int_eq(crypto_unhex("", out, sizeof(out)), 0);
}
END_TEST

START_TEST(unbase64url_refuses_bad_input)
{
	assert_decode_refused("Zm9v+g");  /* standard alphabet, not url */
	assert_decode_refused("Zm9v/g");
	assert_decode_refused("Zm9v=");
	assert_decode_refused("Zg==");    /* padding is not accepted */
	assert_decode_refused("Zm 9v");
	assert_decode_refused("Zm9v.");
	assert_decode_refused("Z");       /* length % 4 == 1 */
	assert_decode_refused("Zm9vY");
	assert_decode_refused("Zh");      /* non-zero trailing bits */
	assert_decode_refused("Zm9");
	assert_decode_refused("Zm9vYh");
	/* A NUL inside the declared size is a bad character. */
	unsigned char out[8];
	ck_assert_int_eq(crypto_unbase64url("Zm\0v", 4, out, sizeof(out)), -1);
}
END_TEST

START_TEST(unbase64url_refuses_small_buffer)
{
	unsigned char out[6];
	ck_assert_int_eq(crypto_unbase64url("Zm9vYmFy", 8, out, 5), -1);
	ck_assert_int_eq(crypto_unbase64url("Zm9vYmE", 7, out, 4), -1);
	ck_assert_int_eq(crypto_unbase64url("Zg", 2, out, 0), -1);
	/* Exactly big enough. */
	ck_assert_int_eq(crypto_unbase64url("Zm9vYmFy", 8, out, 6), 6);
	ck_assert_int_eq(crypto_unbase64url("Zm9vYmE", 7, out, 5), 5);
	ck_assert_int_eq(memcmp(out, "fooba", 5), 0);
}
END_TEST

/* ---- HMAC ---- */

START_TEST(hmac_rfc4231_case_1)
{
	unsigned char key[20];
	memset(key, 0x0b, sizeof(key));
	char hex[65];
	hmac_hex(key, sizeof(key), "Hi There", 8, hex);
	ck_assert_str_eq(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}
END_TEST

START_TEST(hmac_rfc4231_case_2)
{
	char hex[65];
	const char *message = "what do ya want for nothing?";
	hmac_hex("Jefe", 4, message, strlen(message), hex);
	ck_assert_str_eq(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}
END_TEST

START_TEST(hmac_rfc4231_case_3)
{
	unsigned char key[20], data[50];
	memset(key, 0xaa, sizeof(key));
	memset(data, 0xdd, sizeof(data));
	char hex[65];
	hmac_hex(key, sizeof(key), data, sizeof(data), hex);
	ck_assert_str_eq(hex, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}
END_TEST

START_TEST(hmac_rfc4231_case_6_key_longer_than_block)
{
	unsigned char key[131];
	memset(key, 0xaa, sizeof(key));
	const char *message = "Test Using Larger Than Block-Size Key - Hash Key First";
	char hex[65];
	hmac_hex(key, sizeof(key), message, strlen(message), hex);
	ck_assert_str_eq(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}
END_TEST

/* ---- encodings ---- */

START_TEST(hex_round_trip)
{
	const unsigned char bytes[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	char hex[2 * sizeof(bytes) + 1];
	crypto_hex(bytes, sizeof(bytes), hex);
	ck_assert_str_eq(hex, "00017f80abff");
	unsigned char back[sizeof(bytes)];
	ck_assert_int_eq(crypto_unhex(hex, back, sizeof(back)), (int)sizeof(bytes));
	ck_assert_int_eq(memcmp(back, bytes, sizeof(bytes)), 0);
	/* Upper case is read too. */
	ck_assert_int_eq(crypto_unhex("00017F80ABFF", back, sizeof(back)), (int)sizeof(bytes));
	ck_assert_int_eq(memcmp(back, bytes, sizeof(bytes)), 0);
	char empty[1] = { 'x' };
	crypto_hex(bytes, 0, empty);
	ck_assert_str_eq(empty, "");
}
END_TEST

START_TEST(base64url_known_vectors)
{
	assert_encodes("", "");
	assert_encodes("f", "Zg");
	assert_encodes("fo", "Zm8");
	assert_encodes("foo", "Zm9v");
	assert_encodes("foob", "Zm9vYg");
	assert_encodes("fooba", "Zm9vYmE");
	assert_encodes("foobar", "Zm9vYmFy");
	/* The url alphabet's two letters. */
	const unsigned char high[] = { 0xfb, 0xff };
	char out[8];
	crypto_base64url(high, sizeof(high), out);
	ck_assert_str_eq(out, "-_8");
	unsigned char back[2];
	ck_assert_int_eq(crypto_unbase64url("-_8", 3, back, sizeof(back)), 2);
	ck_assert_int_eq(memcmp(back, high, 2), 0);
}
END_TEST

START_TEST(base64url_size_and_all_bytes_round_trip)
{
	ck_assert_uint_eq(crypto_base64url_size(0), 1);
	ck_assert_uint_eq(crypto_base64url_size(1), 3);
	ck_assert_uint_eq(crypto_base64url_size(2), 4);
	ck_assert_uint_eq(crypto_base64url_size(3), 5);
	ck_assert_uint_eq(crypto_base64url_size(32), 44);
	unsigned char bytes[256];
	for (int i = 0; i < 256; i++)
		bytes[i] = (unsigned char)i;
	for (size_t size = 0; size <= sizeof(bytes); size += 1) {
		char text[400];
		crypto_base64url(bytes, size, text);
		ck_assert_uint_eq(strlen(text) + 1, crypto_base64url_size(size));
		unsigned char back[256];
		ck_assert_int_eq(crypto_unbase64url(text, strlen(text), back, sizeof(back)), (long)size);
		ck_assert_int_eq(memcmp(back, bytes, size), 0);
	}
}
END_TEST

START_TEST(equal_compares_every_byte)
{
	ck_assert(crypto_equal("abcdef", "abcdef", 6));
	ck_assert(!crypto_equal("abcdef", "abcdeg", 6));
	ck_assert(!crypto_equal("Xbcdef", "abcdef", 6));
	ck_assert(crypto_equal("abcX", "abcY", 3)); /* only size bytes */
	ck_assert(crypto_equal("", "x", 0));
	unsigned char a[32] = { 0 }, b[32] = { 0 };
	b[31] = 0x80;
	ck_assert(!crypto_equal(a, b, 32));
}
END_TEST

/* ---- randomness ---- */

START_TEST(random_below_one_is_zero)
{
	for (int i = 0; i < 1000; i++)
		ck_assert_uint_eq(crypto_random_below(1), 0);
}
END_TEST

START_TEST(random_below_ten_is_uniform)
{
	enum { DRAWS = 100000, BOUND = 10 };
	int counts[BOUND] = { 0 };
	for (int i = 0; i < DRAWS; i++) {
		uint64_t value = crypto_random_below(BOUND);
		ck_assert_uint_lt(value, BOUND);
		counts[value]++;
	}
	/* Expected 10000 each, standard deviation ~95: ±1000 is ten of them. */
	for (int i = 0; i < BOUND; i++) {
		ck_assert_int_ge(counts[i], 9000);
		ck_assert_int_le(counts[i], 11000);
	}
}
END_TEST

START_TEST(random_below_large_bound)
{
	uint64_t bound = UINT64_MAX / 2 + 2; /* rejects almost half the draws */
	for (int i = 0; i < 200; i++)
		ck_assert_uint_lt(crypto_random_below(bound), bound);
	ck_assert_uint_lt(crypto_random_below(UINT64_MAX), UINT64_MAX);
}
END_TEST

START_TEST(random_bytes_differ)
{
	unsigned char a[32], b[32];
	crypto_random(a, sizeof(a));
	crypto_random(b, sizeof(b));
	ck_assert(!crypto_equal(a, b, sizeof(a)));
	unsigned char zero[32] = { 0 };
	ck_assert(!crypto_equal(a, zero, sizeof(a)));
	/* A size of zero touches nothing. */
	unsigned char untouched = 0x5a;
	crypto_random(&untouched, 0);
	ck_assert_uint_eq(untouched, 0x5a);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("crypto");
	TCase *bad = tcase_create("bad_input");
	tcase_add_test(bad, unhex_refuses_bad_input);
	tcase_add_test(bad, unbase64url_refuses_bad_input);
	tcase_add_test(bad, unbase64url_refuses_small_buffer);
	suite_add_tcase(suite, bad);
	TCase *hmac = tcase_create("hmac");
	tcase_add_test(hmac, hmac_rfc4231_case_1);
	tcase_add_test(hmac, hmac_rfc4231_case_2);
	tcase_add_test(hmac, hmac_rfc4231_case_3);
	tcase_add_test(hmac, hmac_rfc4231_case_6_key_longer_than_block);
	suite_add_tcase(suite, hmac);
	TCase *encoding = tcase_create("encoding");
	tcase_add_test(encoding, hex_round_trip);
	tcase_add_test(encoding, base64url_known_vectors);
	tcase_add_test(encoding, base64url_size_and_all_bytes_round_trip);
	tcase_add_test(encoding, equal_compares_every_byte);
	suite_add_tcase(suite, encoding);
	TCase *random = tcase_create("random");
	tcase_set_timeout(random, 30);
	tcase_add_test(random, random_below_one_is_zero);
	tcase_add_test(random, random_below_ten_is_uniform);
	tcase_add_test(random, random_below_large_bound);
	tcase_add_test(random, random_bytes_differ);
	suite_add_tcase(suite, random);
	return suite;
}
