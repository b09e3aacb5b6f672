/* test_sign.c: unit tests of fcgi/core/sign.c and the URL helpers of
 * fcgi/core/fetch.c. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fetch.h"
#include "core/sign.h"

START_TEST(digests_of_known_vectors)
{
	char sha1[SIGN_SHA1_HEX_SIZE], sha256[SIGN_SHA256_HEX_SIZE];
	sign_sha1_hex("abc", 3, sha1);
	ck_assert_str_eq(sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
	sign_sha256_hex("", 0, sha256);
	ck_assert_str_eq(sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* RFC 2202, HMAC-SHA1 test case 2 */
	unsigned char mac[SIGN_HMAC_SHA1_SIZE];
	sign_hmac_sha1("Jefe", 4, "what do ya want for nothing?", 28, mac);
	char b64[sizeof(mac) * 2];
	sign_base64(mac, sizeof(mac), b64);
	ck_assert_str_eq(b64, "7/zfauXrL6LSdBbV8YTfnCWafHk=");
}
END_TEST

START_TEST(base64_round_trip_and_refusals)
{
	const char *texts[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	const char *encoded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	for (int i = 0; i < 7; i++) {
		char out[16];
		sign_base64((const unsigned char *)texts[i], strlen(texts[i]), out);
		ck_assert_str_eq(out, encoded[i]);
		unsigned char back[16];
		ck_assert_int_eq(sign_unbase64(encoded[i], strlen(encoded[i]), back, sizeof(back)), (long)strlen(texts[i]));
		ck_assert_int_eq(memcmp(back, texts[i], strlen(texts[i])), 0);
	}
	unsigned char out[16];
	ck_assert_int_eq(sign_unbase64("Zm9", 3, out, sizeof(out)), -1);
	ck_assert_int_eq(sign_unbase64("Zm9*", 4, out, sizeof(out)), -1);
	ck_assert_int_eq(sign_unbase64("Zm9vYmFy", 8, out, 2), -1);
}
END_TEST

START_TEST(percent_encoding_is_rfc3986)
{
	char out[64];
	ck_assert_int_eq(sign_percent_encode("a-b_c.d~e f*g+h/:", out, sizeof(out)), 27);
	ck_assert_str_eq(out, "a-b_c.d~e%20f%2Ag%2Bh%2F%3A");
	ck_assert_int_eq(sign_percent_encode("阿", out, sizeof(out)), 9);
	ck_assert_str_eq(out, "%E9%98%BF");
	ck_assert_int_eq(sign_percent_encode("aaaa", out, 4), -1);
}
END_TEST

/* A key pair made by the openssl command line, signed and verified here. */
START_TEST(rsa_sign_and_verify)
{
	char dir[] = "/tmp/kanjia-sign-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char command[1024], private_path[64], public_path[64];
	snprintf(private_path, sizeof(private_path), "%s/key.pem", dir);
	snprintf(public_path, sizeof(public_path), "%s/pub.pem", dir);
	snprintf(command, sizeof(command),
		 "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out %s 2>/dev/null && "
		 "openssl pkey -in %s -pubout -out %s 2>/dev/null",
		 private_path, private_path, public_path);
	ck_assert_int_eq(system(command), 0);
	char *private_key = sign_read_key_file(private_path), *public_key = sign_read_key_file(public_path);
	ck_assert_ptr_nonnull(private_key);
	ck_assert_ptr_nonnull(public_key);
	const char *message = "POST\n/v3/pay/transactions/jsapi\n1554208460\n593BEC0C930BF1AFD0E6DC7E1E3A8D0E\n{}\n";
	char *signature = NULL;
	ck_assert_int_eq(sign_rsa_sha256(private_key, message, strlen(message), &signature), 0);
	ck_assert(sign_rsa_sha256_verify(public_key, message, strlen(message), signature));
	ck_assert(!sign_rsa_sha256_verify(public_key, message, strlen(message) - 1, signature));
	/* the bare base64 body of the public key, as Alipay's console gives it */
	char *bare = strdup(strchr(public_key, '\n') + 1);
	*strstr(bare, "-----END") = '\0';
	ck_assert(sign_rsa_sha256_verify(bare, message, strlen(message), signature));
	signature[10] = signature[10] == 'A' ? 'B' : 'A';
	ck_assert(!sign_rsa_sha256_verify(public_key, message, strlen(message), signature));
	ck_assert(!sign_rsa_sha256_verify(public_key, message, strlen(message), "not base64!"));
	char *none = NULL;
	ck_assert_int_eq(sign_rsa_sha256("not a key", message, 3, &none), -1);
	ck_assert_ptr_null(none);
	free(bare);
	free(signature);
	free(private_key);
	free(public_key);
	snprintf(command, sizeof(command), "rm -rf %s", dir);
	ck_assert_int_eq(system(command), 0);
}
END_TEST

START_TEST(aes_gcm_opens_what_it_seals_and_nothing_else)
{
	unsigned char key[32];
	memset(key, 7, sizeof(key));
	const char *plain = "{\"out_trade_no\":\"wx1\",\"amount\":{\"total\":100}}";
	size_t size = strlen(plain);
	unsigned char sealed[128], opened[128];
	sign_aes256gcm_seal(key, "abcdefghijkl", 12, "transaction", 11, (const unsigned char *)plain, size, sealed);
	ck_assert_int_eq(sign_aes256gcm_open(key, "abcdefghijkl", 12, "transaction", 11, sealed, size + 16, opened),
			 (long)size);
	ck_assert_str_eq((char *)opened, plain);
	ck_assert_int_eq(sign_aes256gcm_open(key, "abcdefghijkl", 12, "transactioN", 11, sealed, size + 16, opened), -1);
	sealed[3] ^= 1;
	ck_assert_int_eq(sign_aes256gcm_open(key, "abcdefghijkl", 12, "transaction", 11, sealed, size + 16, opened), -1);
	ck_assert_int_eq(sign_aes256gcm_open(key, "abcdefghijkl", 12, "", 0, sealed, 10, opened), -1);
}
END_TEST

/* NIST's GCM test case 14 (AES-256, zero key, zero 96-bit IV, one zero block). */
START_TEST(aes_gcm_nist_vector)
{
	unsigned char key[32] = { 0 }, iv[12] = { 0 }, plain[16] = { 0 }, sealed[32];
	sign_aes256gcm_seal(key, iv, 12, "", 0, plain, 16, sealed);
	char hex[65];
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[sealed[i] >> 4];
		hex[2 * i + 1] = digits[sealed[i] & 15];
	}
	hex[64] = '\0';
	ck_assert_str_eq(hex, "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");
}
END_TEST

START_TEST(urls_allowed_and_split)
{
	ck_assert(fetch_url_allowed("https://api.mch.weixin.qq.com"));
	ck_assert(fetch_url_allowed("http://127.0.0.1:18183/v3"));
	ck_assert(fetch_url_allowed("http://localhost:1/"));
	ck_assert(!fetch_url_allowed("http://api.mch.weixin.qq.com/"));
	ck_assert(!fetch_url_allowed("http://127.0.0.1.evil.example/"));
	ck_assert(!fetch_url_allowed("ftp://127.0.0.1/"));
	ck_assert(!fetch_url_allowed("https://"));
	char out[64];
	ck_assert(fetch_url_host("http://127.0.0.1:18182/a?b", out, sizeof(out)));
	ck_assert_str_eq(out, "127.0.0.1:18182");
	ck_assert(fetch_url_path("http://127.0.0.1:18182/a?b", out, sizeof(out)));
	ck_assert_str_eq(out, "/a?b");
	ck_assert(fetch_url_path("https://sms.tencentcloudapi.com", out, sizeof(out)));
	ck_assert_str_eq(out, "/");
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("sign");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, digests_of_known_vectors);
	tcase_add_test(tc, base64_round_trip_and_refusals);
	tcase_add_test(tc, percent_encoding_is_rfc3986);
	tcase_add_test(tc, rsa_sign_and_verify);
	tcase_add_test(tc, aes_gcm_opens_what_it_seals_and_nothing_else);
	tcase_add_test(tc, aes_gcm_nist_vector);
	tcase_add_test(tc, urls_allowed_and_split);
	suite_add_tcase(suite, tc);
	return suite;
}
