/* sms_tencent.c: Tencent Cloud SMS, the SendSms action (version
 * 2021-01-11), signed with TC3-HMAC-SHA256; the answer is JSON
 * {"Response": {"SendStatusSet": [{"Code": "Ok", "SerialNo", ...}],
 * "RequestId"}} or {"Response": {"Error": {"Code", "Message"}}}. The
 * template's one variable {1} is the code. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/config.h"
#include "core/crypto.h"
#include "core/fetch.h"
#include "core/sign.h"
#include "shopper/sms.h"
#include "shopper/sms_sign.h"

#define TENCENT_SERVICE "sms"
#define TENCENT_VERSION "2021-01-11"

void sms_tencent_sign(const char *secret_key, const char *service, const char *host, int64_t timestamp,
		      const char *payload, char hashed_request[65], char signature[65])
{
	char payload_hash[SIGN_SHA256_HEX_SIZE];
	sign_sha256_hex(payload, strlen(payload), payload_hash);
	char canonical[1024];
	int length = snprintf(canonical, sizeof(canonical),
			      "POST\n/\n\ncontent-type:%s\nhost:%s\n\ncontent-type;host\n%s", SMS_TENCENT_CONTENT_TYPE,
			      host, payload_hash);
	sign_sha256_hex(canonical, (size_t)length, hashed_request);

	time_t when = (time_t)timestamp;
	struct tm utc;
	gmtime_r(&when, &utc);
	char date[16];
	strftime(date, sizeof(date), "%Y-%m-%d", &utc);
	char to_sign[512];
	length = snprintf(to_sign, sizeof(to_sign), "TC3-HMAC-SHA256\n%lld\n%s/%s/tc3_request\n%s", (long long)timestamp,
			  date, service, hashed_request);

	char first_key[300];
	int key_length = snprintf(first_key, sizeof(first_key), "TC3%s", secret_key);
	unsigned char date_key[SIGN_SHA256_SIZE], service_key[SIGN_SHA256_SIZE], signing_key[SIGN_SHA256_SIZE],
		mac[SIGN_SHA256_SIZE];
	sign_hmac_sha256(first_key, (size_t)key_length, date, strlen(date), date_key);
	sign_hmac_sha256(date_key, sizeof(date_key), service, strlen(service), service_key);
	sign_hmac_sha256(service_key, sizeof(service_key), "tc3_request", 11, signing_key);
	sign_hmac_sha256(signing_key, sizeof(signing_key), to_sign, (size_t)length, mac);
	crypto_hex(mac, sizeof(mac), signature);
	memset(first_key, 0, sizeof(first_key));
	memset(signing_key, 0, sizeof(signing_key));
}

static bool refused_for_good(const char *code)
{
	return strncmp(code, "InvalidParameterValue.IncorrectPhoneNumber", 42) == 0 ||
	       strncmp(code, "LimitExceeded.PhoneNumber", 25) == 0 || strcmp(code, "FailedOperation.PhoneNumberInBlacklist") == 0;
}

enum sms_outcome sms_tencent_deliver(const struct config *config, const char *phone, const char *body,
				     struct sms_receipt *receipt)
{
	memset(receipt, 0, sizeof(*receipt));
	char code[SMS_CODE_DIGITS + 1], number[20], host[256];
	if (!sms_body_code(body, code)) {
		snprintf(receipt->answer, sizeof(receipt->answer), "no code in the message");
		return SMS_REFUSED;
	}
	if (!fetch_url_host(config->sms_tencent_url, host, sizeof(host))) {
		snprintf(receipt->answer, sizeof(receipt->answer), "sms_tencent_url has no host");
		return SMS_RETRY;
	}
	snprintf(number, sizeof(number), "+86%s", phone);
	json_t *request = json_pack("{s:[s], s:s, s:s, s:s, s:[s]}", "PhoneNumberSet", number, "SmsSdkAppId",
				    config->sms_tencent_app_id, "SignName", config->sms_sign_name, "TemplateId",
				    config->sms_template, "TemplateParamSet", code);
	char *payload = json_dumps(request, JSON_COMPACT);
	json_decref(request);
	if (payload == NULL)
		abort();

	int64_t timestamp = (int64_t)time(NULL);
	char hashed[65], signature[65];
	sms_tencent_sign(config->sms_tencent_secret_key, TENCENT_SERVICE, host, timestamp, payload, hashed, signature);
	time_t when = (time_t)timestamp;
	struct tm utc;
	gmtime_r(&when, &utc);
	char date[16];
	strftime(date, sizeof(date), "%Y-%m-%d", &utc);
	char authorization[512], timestamp_header[64], region_header[80];
	snprintf(authorization, sizeof(authorization),
		 "Authorization: TC3-HMAC-SHA256 Credential=%s/%s/%s/tc3_request, SignedHeaders=content-type;host, "
		 "Signature=%s",
		 config->sms_tencent_secret_id, date, TENCENT_SERVICE, signature);
	snprintf(timestamp_header, sizeof(timestamp_header), "X-TC-Timestamp: %lld", (long long)timestamp);
	snprintf(region_header, sizeof(region_header), "X-TC-Region: %s", config->sms_tencent_region);
	const char *headers[] = {
		authorization, "Content-Type: " SMS_TENCENT_CONTENT_TYPE, "X-TC-Action: SendSms",
		"X-TC-Version: " TENCENT_VERSION, timestamp_header, region_header, NULL,
	};
	struct fetch_answer answer;
	int sent = fetch("POST", config->sms_tencent_url, headers, payload, strlen(payload), SMS_SEND_TIMEOUT_MS, &answer);
	free(payload);
	if (sent != 0) {
		snprintf(receipt->answer, sizeof(receipt->answer), "no answer: %s", answer.error);
		fetch_answer_free(&answer);
		return SMS_RETRY;
	}
	json_t *document = json_loadb(answer.body, answer.body_size, 0, NULL);
	json_t *response = json_object_get(document, "Response");
	json_t *error = json_object_get(response, "Error");
	json_t *status = json_array_get(json_object_get(response, "SendStatusSet"), 0);
	const char *answer_code = json_string_value(json_object_get(error ? error : status, "Code"));
	const char *message = json_string_value(json_object_get(error ? error : status, "Message"));
	const char *serial = json_string_value(json_object_get(status, "SerialNo"));
	snprintf(receipt->answer, sizeof(receipt->answer), "%ld %s %s", answer.status, answer_code ? answer_code : "-",
		 message ? message : "-");
	snprintf(receipt->ref, sizeof(receipt->ref), "%s", serial ? serial : "");
	enum sms_outcome outcome = SMS_RETRY;
	if (answer.status == 200 && error == NULL && answer_code != NULL && strcmp(answer_code, "Ok") == 0)
		outcome = SMS_SENT;
	else if (answer_code != NULL && refused_for_good(answer_code))
		outcome = SMS_REFUSED;
	json_decref(document);
	fetch_answer_free(&answer);
	return outcome;
}
