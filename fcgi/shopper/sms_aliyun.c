/* sms_aliyun.c: Alibaba Cloud SMS, the SendSms action of dysmsapi
 * (version 2017-05-25), RPC style: a form POST of the signed parameters;
 * the answer is JSON {"Code": "OK", "BizId", "RequestId", "Message"}.
 * The template gets the code as its variable "code". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/config.h"
#include "core/crypto.h"
#include "core/fetch.h"
#include "core/sign.h"
#include "shopper/sms.h"
#include "shopper/sms_sign.h"

#define ALIYUN_QUERY_MAX 4096

static int param_order(const void *a, const void *b)
{
	return strcmp(((const struct sms_param *)a)->name, ((const struct sms_param *)b)->name);
}

/* Appends text to out at *used; false when it does not fit. */
static bool append(char *out, size_t out_size, size_t *used, const char *text)
{
	size_t length = strlen(text);
	if (*used + length >= out_size)
		return false;
	memcpy(out + *used, text, length + 1);
	*used += length;
	return true;
}

int sms_aliyun_sign(const char *method, const char *secret, struct sms_param *params, size_t count, char *query,
		    size_t query_size, char signature[SMS_ALIYUN_SIGNATURE_SIZE])
{
	qsort(params, count, sizeof(params[0]), param_order);
	char encoded[1024];
	size_t used = 0;
	query[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		if ((i > 0 && !append(query, query_size, &used, "&")) ||
		    sign_percent_encode(params[i].name, encoded, sizeof(encoded)) < 0 ||
		    !append(query, query_size, &used, encoded) || !append(query, query_size, &used, "=") ||
		    sign_percent_encode(params[i].value, encoded, sizeof(encoded)) < 0 ||
		    !append(query, query_size, &used, encoded))
			return -1;
	}
	size_t to_sign_size = strlen(method) + 5 + 3 * used + 1;
	char *to_sign = malloc(to_sign_size);
	if (to_sign == NULL)
		abort();
	int head = snprintf(to_sign, to_sign_size, "%s&%%2F&", method);
	sign_percent_encode(query, to_sign + head, to_sign_size - (size_t)head);
	size_t key_size = strlen(secret) + 2;
	char *key = malloc(key_size);
	if (key == NULL)
		abort();
	snprintf(key, key_size, "%s&", secret);
	unsigned char mac[SIGN_HMAC_SHA1_SIZE];
	sign_hmac_sha1(key, strlen(key), to_sign, strlen(to_sign), mac);
	sign_base64(mac, sizeof(mac), signature);
	memset(key, 0, key_size);
	free(key);
	free(to_sign);
	return 0;
}

/* Per-message refusals that no retry cures (the API's error codes). */
static bool refused_for_good(const char *code)
{
	static const char *const codes[] = {
		"isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT", "isv.BLACK_KEY_CONTROL_LIMIT",
		"isv.PARAM_LENGTH_LIMIT",    "isv.INVALID_PARAMETERS",
	};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(code, codes[i]) == 0)
			return true;
	return false;
}

enum sms_outcome sms_aliyun_deliver(const struct config *config, const char *phone, const char *body,
				    struct sms_receipt *receipt)
{
	memset(receipt, 0, sizeof(*receipt));
	char code[SMS_CODE_DIGITS + 1];
	if (!sms_body_code(body, code)) {
		snprintf(receipt->answer, sizeof(receipt->answer), "no code in the message");
		return SMS_REFUSED;
	}
	char template_param[64], nonce_hex[33], timestamp[32];
	snprintf(template_param, sizeof(template_param), "{\"code\":\"%s\"}", code);
	unsigned char nonce[16];
	crypto_random(nonce, sizeof(nonce));
	crypto_hex(nonce, sizeof(nonce), nonce_hex);
	time_t now = time(NULL);
	struct tm utc;
	gmtime_r(&now, &utc);
	strftime(timestamp, sizeof(timestamp), "%Y-%m-%dT%H:%M:%SZ", &utc);
	struct sms_param params[] = {
		{ "AccessKeyId", config->sms_aliyun_key_id },
		{ "Action", "SendSms" },
		{ "Format", "JSON" },
		{ "PhoneNumbers", phone },
		{ "RegionId", "cn-hangzhou" },
		{ "SignName", config->sms_sign_name },
		{ "SignatureMethod", "HMAC-SHA1" },
		{ "SignatureNonce", nonce_hex },
		{ "SignatureVersion", "1.0" },
		{ "TemplateCode", config->sms_template },
		{ "TemplateParam", template_param },
		{ "Timestamp", timestamp },
		{ "Version", "2017-05-25" },
	};
	char query[ALIYUN_QUERY_MAX], signature[SMS_ALIYUN_SIGNATURE_SIZE], encoded_signature[3 * SMS_ALIYUN_SIGNATURE_SIZE];
	if (sms_aliyun_sign("POST", config->sms_aliyun_key_secret, params, sizeof(params) / sizeof(params[0]), query,
			    sizeof(query) - 200, signature) != 0) {
		snprintf(receipt->answer, sizeof(receipt->answer), "request too long");
		return SMS_REFUSED;
	}
	sign_percent_encode(signature, encoded_signature, sizeof(encoded_signature));
	size_t length = strlen(query);
	snprintf(query + length, sizeof(query) - length, "&Signature=%s", encoded_signature);

	static const char *const headers[] = { "Content-Type: application/x-www-form-urlencoded", "Accept: application/json",
					       NULL };
	struct fetch_answer answer;
	if (fetch("POST", config->sms_aliyun_url, headers, query, strlen(query), SMS_SEND_TIMEOUT_MS, &answer) != 0) {
		snprintf(receipt->answer, sizeof(receipt->answer), "no answer: %s", answer.error);
		fetch_answer_free(&answer);
		return SMS_RETRY;
	}
	json_t *document = json_loadb(answer.body, answer.body_size, 0, NULL);
	const char *answer_code = json_string_value(json_object_get(document, "Code"));
	const char *message = json_string_value(json_object_get(document, "Message"));
	const char *biz_id = json_string_value(json_object_get(document, "BizId"));
	snprintf(receipt->answer, sizeof(receipt->answer), "%ld %s %s", answer.status, answer_code ? answer_code : "-",
		 message ? message : "-");
	snprintf(receipt->ref, sizeof(receipt->ref), "%s", biz_id ? biz_id : "");
	enum sms_outcome outcome = SMS_RETRY;
	if (answer.status == 200 && answer_code != NULL && strcmp(answer_code, "OK") == 0)
		outcome = SMS_SENT;
	else if (answer_code != NULL && refused_for_good(answer_code))
		outcome = SMS_REFUSED;
	json_decref(document);
	fetch_answer_free(&answer);
	return outcome;
}
