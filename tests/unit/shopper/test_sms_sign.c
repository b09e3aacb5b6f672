/* test_sms_sign.c: unit tests of the SMS providers' request signatures
 * (fcgi/shopper/sms_aliyun.c, sms_tencent.c) against the worked examples
 * the providers publish, and of sms_body_code(). */
#include "unit.h"

#include <string.h>

#include "shopper/sms.h"
#include "shopper/sms_sign.h"

/* Alibaba Cloud's signature documentation, the ECS example: AccessKeyId
 * testid, secret testsecret; published signature OLeaidS1JvxuMvnyHOwuJ+uX5qY=. */
START_TEST(aliyun_ecs_example)
{
	struct sms_param params[] = {
		{ "Timestamp", "2016-02-23T12:46:24Z" },
		{ "Format", "XML" },
		{ "AccessKeyId", "testid" },
		{ "Action", "DescribeRegions" },
		{ "SignatureMethod", "HMAC-SHA1" },
		{ "SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf" },
		{ "Version", "2014-05-26" },
		{ "SignatureVersion", "1.0" },
	};
	char query[1024], signature[SMS_ALIYUN_SIGNATURE_SIZE];
	ck_assert_int_eq(sms_aliyun_sign("GET", "testsecret", params, 8, query, sizeof(query), signature), 0);
	ck_assert_str_eq(query, "AccessKeyId=testid&Action=DescribeRegions&Format=XML&SignatureMethod=HMAC-SHA1&"
				"SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&SignatureVersion=1.0&"
				"Timestamp=2016-02-23T12%3A46%3A24Z&Version=2014-05-26");
	ck_assert_str_eq(signature, "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
}
END_TEST

/* The SMS API's own example (SendSms, AccessKeyId testId, secret
 * testSecret, a Chinese SignName and a JSON TemplateParam); published
 * signature zJDF+Lrzhj/ThnlvIToysFRq6t4=. */
START_TEST(aliyun_sendsms_example)
{
	struct sms_param params[] = {
		{ "AccessKeyId", "testId" },
		{ "Action", "SendSms" },
		{ "Format", "XML" },
		{ "OutId", "123" },
		{ "PhoneNumbers", "15300000001" },
		{ "RegionId", "cn-hangzhou" },
		{ "SignName", "阿里云短信测试专用" },
		{ "SignatureMethod", "HMAC-SHA1" },
		{ "SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466" },
		{ "SignatureVersion", "1.0" },
		{ "TemplateCode", "SMS_71390007" },
		{ "TemplateParam", "{\"customer\":\"test\"}" },
		{ "Timestamp", "2017-07-12T02:42:19Z" },
		{ "Version", "2017-05-25" },
	};
	char query[2048], signature[SMS_ALIYUN_SIGNATURE_SIZE];
	ck_assert_int_eq(sms_aliyun_sign("GET", "testSecret", params, 14, query, sizeof(query), signature), 0);
	ck_assert_str_eq(signature, "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
	ck_assert_ptr_nonnull(strstr(query, "SignName=%E9%98%BF%E9%87%8C%E4%BA%91"));
	ck_assert_ptr_nonnull(strstr(query, "TemplateParam=%7B%22customer%22%3A%22test%22%7D"));
}
END_TEST

START_TEST(aliyun_refuses_a_short_buffer)
{
	struct sms_param params[] = { { "Action", "SendSms" }, { "PhoneNumbers", "15300000001" } };
	char query[10], signature[SMS_ALIYUN_SIGNATURE_SIZE];
	ck_assert_int_eq(sms_aliyun_sign("POST", "s", params, 2, query, sizeof(query), signature), -1);
}
END_TEST

/* Tencent Cloud's TC3-HMAC-SHA256 documentation, the CVM DescribeInstances
 * example: timestamp 1551113065, the key as printed in the example; its
 * published hashed canonical request and signature. */
START_TEST(tencent_tc3_example)
{
	const char *payload = "{\"Limit\": 1, \"Filters\": [{\"Values\": [\"\\u672a\\u547d\\u540d\"], \"Name\": "
			      "\"instance-name\"}]}";
	char hashed[65], signature[65];
	sms_tencent_sign("Gu5t9xGARNpq86cd98joQYCN3*******", "cvm", "cvm.tencentcloudapi.com", 1551113065, payload,
			 hashed, signature);
	ck_assert_str_eq(hashed, "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031");
	ck_assert_str_eq(signature, "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c");
}
END_TEST

START_TEST(tencent_signature_depends_on_every_input)
{
	char hashed[65], base[65], other[65];
	sms_tencent_sign("key", "sms", "sms.tencentcloudapi.com", 1700000000, "{}", hashed, base);
	sms_tencent_sign("key", "sms", "sms.tencentcloudapi.com", 1700000001, "{}", hashed, other);
	ck_assert_str_ne(base, other);
	sms_tencent_sign("key", "sms", "127.0.0.1:18182", 1700000000, "{}", hashed, other);
	ck_assert_str_ne(base, other);
	sms_tencent_sign("key", "sms", "sms.tencentcloudapi.com", 1700000000, "{ }", hashed, other);
	ck_assert_str_ne(base, other);
	sms_tencent_sign("kez", "sms", "sms.tencentcloudapi.com", 1700000000, "{}", hashed, other);
	ck_assert_str_ne(base, other);
}
END_TEST

START_TEST(body_code_is_the_run_of_six)
{
	char body[SMS_BODY_MAX], code[SMS_CODE_DIGITS + 1];
	sms_login_message("012345", 5, body);
	ck_assert(sms_body_code(body, code));
	ck_assert_str_eq(code, "012345");
	ck_assert(!sms_body_code("1234567 and 12345", code));
	ck_assert(!sms_body_code("", code));
	ck_assert(sms_body_code("a 1234567 then 654321", code));
	ck_assert_str_eq(code, "654321");
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("sms_sign");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, aliyun_ecs_example);
	tcase_add_test(tc, aliyun_sendsms_example);
	tcase_add_test(tc, aliyun_refuses_a_short_buffer);
	tcase_add_test(tc, tencent_tc3_example);
	tcase_add_test(tc, tencent_signature_depends_on_every_input);
	tcase_add_test(tc, body_code_is_the_run_of_six);
	suite_add_tcase(suite, tc);
	return suite;
}
