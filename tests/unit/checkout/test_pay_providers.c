/* test_pay_providers.c: unit tests of the payment providers' signing and
 * verification (fcgi/checkout/pay_wechat.c, pay_alipay.c, payment.c):
 * WeChat Pay's request message as its documentation shows it, Alipay's
 * sign content, yuan amounts, and notifications verified and decrypted
 * with keys made here by the openssl command line. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkout/payment.h"
#include "core/config.h"
#include "core/sign.h"

/* WeChat Pay v3's signature guide: GET of /v3/certificates. */
START_TEST(wechat_request_message_as_documented)
{
	char *message = wechatpay_request_message("GET", "/v3/certificates", "1554208460",
						  "593BEC0C930BF1AFD0E6DC7E1E3A8D0E", "");
	ck_assert_str_eq(message, "GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFD0E6DC7E1E3A8D0E\n\n");
	free(message);
}
END_TEST

/* Alipay's signing guide: parameters sorted by name, empty ones and sign
 * left out, raw values joined as name=value&... */
START_TEST(alipay_sign_content_sorted)
{
	const char *names[] = { "timestamp", "method", "app_id", "sign", "version", "charset", "sign_type",
				"biz_content", "empty" };
	const char *values[] = { "2014-07-24 03:07:50", "alipay.mobile.public.menu.add", "2014072300007148", "xyz",
				 "1.0", "GBK", "RSA2", "{\"button\":[{\"name\":\"a b\"}]}", "" };
	static const char *const skip[] = { "sign", NULL };
	char *content = alipay_sign_content(names, values, 9, skip);
	ck_assert_str_eq(content, "app_id=2014072300007148&biz_content={\"button\":[{\"name\":\"a b\"}]}&charset=GBK&"
				  "method=alipay.mobile.public.menu.add&sign_type=RSA2&timestamp=2014-07-24 03:07:50&"
				  "version=1.0");
	free(content);
	static const char *const notify_skip[] = { "sign", "sign_type", NULL };
	content = alipay_sign_content(names, values, 9, notify_skip);
	ck_assert_ptr_null(strstr(content, "sign_type"));
	free(content);
}
END_TEST

START_TEST(yuan_amounts)
{
	int64_t fen = -1;
	ck_assert(payment_parse_yuan("88.88", &fen));
	ck_assert_int_eq(fen, 8888);
	ck_assert(payment_parse_yuan("0.01", &fen));
	ck_assert_int_eq(fen, 1);
	ck_assert(payment_parse_yuan("12.3", &fen));
	ck_assert_int_eq(fen, 1230);
	ck_assert(payment_parse_yuan("7", &fen));
	ck_assert_int_eq(fen, 700);
	const char *bad[] = { "", "1.234", "-1.00", "1.", ".5", "1,00", "1e3", "1.00 ", "9999999999999.00", NULL };
	for (int i = 0; bad[i] != NULL; i++)
		ck_assert_msg(!payment_parse_yuan(bad[i], &fen), "\"%s\" parsed", bad[i]);
	ck_assert(!payment_parse_yuan(NULL, &fen));
}
END_TEST

/* A key pair under dir; the paths into private_path/public_path. */
static void make_keys(const char *dir, const char *name, char private_path[128], char public_path[128])
{
	snprintf(private_path, 128, "%s/%s.pem", dir, name);
	snprintf(public_path, 128, "%s/%s.pub", dir, name);
	char command[512];
	snprintf(command, sizeof(command),
		 "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out %s 2>/dev/null && "
		 "openssl pkey -in %s -pubout -out %s 2>/dev/null",
		 private_path, private_path, public_path);
	ck_assert_int_eq(system(command), 0);
}

static char *signed_by(const char *private_path, const char *message)
{
	char *key = sign_read_key_file(private_path), *signature = NULL;
	ck_assert_int_eq(sign_rsa_sha256(key, message, strlen(message), &signature), 0);
	free(key);
	return signature;
}

/* A WeChat Pay notification as the platform sends it: verified, then its
 * resource decrypted; any change refused. */
START_TEST(wechat_notice_verified_then_decrypted)
{
	char dir[] = "/tmp/kanjia-pay-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char platform_private[128], platform_public[128];
	make_keys(dir, "platform", platform_private, platform_public);
	struct config config;
	memset(&config, 0, sizeof(config));
	config.wechatpay_mchid = "1900009191";
	config.wechatpay_appid = "wxd678efh567hg6787";
	config.wechatpay_api_v3_key = "0123456789abcdef0123456789abcdef";
	config.wechatpay_platform_key_file = platform_public;

	const char *transaction = "{\"mchid\":\"1900009191\",\"appid\":\"wxd678efh567hg6787\",\"out_trade_no\":"
				  "\"kj0011\",\"transaction_id\":\"4200000001\",\"trade_state\":\"SUCCESS\","
				  "\"amount\":{\"total\":12345,\"payer_total\":12345,\"currency\":\"CNY\"}}";
	unsigned char sealed[512];
	size_t size = strlen(transaction);
	sign_aes256gcm_seal((const unsigned char *)config.wechatpay_api_v3_key, "fdasflkja484", 12, "transaction", 11,
			    (const unsigned char *)transaction, size, sealed);
	char ciphertext[800];
	sign_base64(sealed, size + 16, ciphertext);
	char body[1200];
	snprintf(body, sizeof(body),
		 "{\"id\":\"EV-2018022511223320873\",\"event_type\":\"TRANSACTION.SUCCESS\",\"resource_type\":"
		 "\"encrypt-resource\",\"resource\":{\"algorithm\":\"AEAD_AES_256_GCM\",\"ciphertext\":\"%s\","
		 "\"associated_data\":\"transaction\",\"nonce\":\"fdasflkja484\"}}",
		 ciphertext);
	int64_t now = (int64_t)time(NULL);
	char timestamp[24], message[1400];
	snprintf(timestamp, sizeof(timestamp), "%lld", (long long)now);
	snprintf(message, sizeof(message), "%s\n%s\n%s\n", timestamp, "nonce-1", body);
	char *signature = signed_by(platform_private, message);

	struct provider_notice notice;
	ck_assert_int_eq(wechatpay_notice(&config, now, timestamp, "nonce-1", signature, body, strlen(body), &notice), 0);
	ck_assert_str_eq(notice.ref, "kj0011");
	ck_assert_str_eq(notice.transaction_id, "4200000001");
	ck_assert_int_eq(notice.amount_fen, 12345);
	ck_assert_str_eq(notice.reported, "success");

	/* another nonce, a later clock, a changed body, another APIv3 key, another mchid */
	ck_assert_int_eq(wechatpay_notice(&config, now, timestamp, "nonce-2", signature, body, strlen(body), &notice), -1);
	ck_assert_int_eq(wechatpay_notice(&config, now + 301, timestamp, "nonce-1", signature, body, strlen(body), &notice),
			 -1);
	body[10] = body[10] == 'X' ? 'Y' : 'X';
	ck_assert_int_eq(wechatpay_notice(&config, now, timestamp, "nonce-1", signature, body, strlen(body), &notice), -1);
	body[10] = 'E';
	snprintf(body, sizeof(body),
		 "{\"id\":\"EV-2018022511223320873\",\"event_type\":\"TRANSACTION.SUCCESS\",\"resource_type\":"
		 "\"encrypt-resource\",\"resource\":{\"algorithm\":\"AEAD_AES_256_GCM\",\"ciphertext\":\"%s\","
		 "\"associated_data\":\"transaction\",\"nonce\":\"fdasflkja484\"}}",
		 ciphertext);
	config.wechatpay_api_v3_key = "fedcba9876543210fedcba9876543210";
	ck_assert_int_eq(wechatpay_notice(&config, now, timestamp, "nonce-1", signature, body, strlen(body), &notice), -1);
	config.wechatpay_api_v3_key = "0123456789abcdef0123456789abcdef";
	config.wechatpay_mchid = "1900000000";
	ck_assert_int_eq(wechatpay_notice(&config, now, timestamp, "nonce-1", signature, body, strlen(body), &notice), -1);
	ck_assert_int_eq(wechatpay_notice(&config, now, timestamp, "nonce-1", NULL, body, strlen(body), &notice), -1);
	free(signature);
	char command[128];
	snprintf(command, sizeof(command), "rm -rf %s", dir);
	ck_assert_int_eq(system(command), 0);
}
END_TEST

/* An Alipay async notify: signed over every parameter but sign and
 * sign_type (form-encoded values decoded first). */
START_TEST(alipay_notice_verified)
{
	char dir[] = "/tmp/kanjia-pay-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char alipay_private[128], alipay_public[128];
	make_keys(dir, "alipay", alipay_private, alipay_public);
	struct config config;
	memset(&config, 0, sizeof(config));
	config.alipay_app_id = "2021000000000001";
	config.alipay_public_key_file = alipay_public;
	const char *content = "app_id=2021000000000001&notify_time=2026-12-06 20:00:00&out_trade_no=kj0012&"
			      "subject=砍价&total_amount=88.00&trade_no=2026120622001&trade_status=TRADE_SUCCESS";
	char *signature = signed_by(alipay_private, content);
	char encoded_signature[1200];
	ck_assert_int_ge(sign_percent_encode(signature, encoded_signature, sizeof(encoded_signature)), 0);
	char body[2000];
	snprintf(body, sizeof(body),
		 "total_amount=88.00&trade_status=TRADE_SUCCESS&notify_time=2026-12-06+20%%3A00%%3A00&"
		 "subject=%%E7%%A0%%8D%%E4%%BB%%B7&app_id=2021000000000001&out_trade_no=kj0012&trade_no=2026120622001&"
		 "sign_type=RSA2&sign=%s",
		 encoded_signature);
	struct provider_notice notice;
	ck_assert_int_eq(alipay_notice(&config, body, strlen(body), &notice), 0);
	ck_assert_str_eq(notice.ref, "kj0012");
	ck_assert_int_eq(notice.amount_fen, 8800);
	ck_assert_str_eq(notice.reported, "success");
	char *changed = strdup(body);
	memcpy(changed, "total_amount=18.00", 18);
	ck_assert_int_eq(alipay_notice(&config, changed, strlen(changed), &notice), -1);
	free(changed);
	char twice[2100];
	snprintf(twice, sizeof(twice), "%s&total_amount=1.00", body);
	ck_assert_int_eq(alipay_notice(&config, twice, strlen(twice), &notice), -1);
	config.alipay_app_id = "2021000000000002";
	ck_assert_int_eq(alipay_notice(&config, body, strlen(body), &notice), -1);
	free(signature);
	char command[128];
	snprintf(command, sizeof(command), "rm -rf %s", dir);
	ck_assert_int_eq(system(command), 0);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("pay_providers");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, wechat_request_message_as_documented);
	tcase_add_test(tc, alipay_sign_content_sorted);
	tcase_add_test(tc, yuan_amounts);
	tcase_add_test(tc, wechat_notice_verified_then_decrypted);
	tcase_add_test(tc, alipay_notice_verified);
	suite_add_tcase(suite, tc);
	return suite;
}
