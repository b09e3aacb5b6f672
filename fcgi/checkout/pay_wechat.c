/* pay_wechat.c: WeChat Pay API v3 (direct merchant).
 *
 * Requests: JSON over HTTPS, each with the header
 *   Authorization: WECHATPAY2-SHA256-RSA2048 mchid="..",nonce_str="..",
 *     signature="..",timestamp="..",serial_no=".."
 * where signature = base64(SHA256withRSA(merchant private key,
 * METHOD\nURL path and query\ntimestamp\nnonce\nbody\n)). Answers and
 * notifications carry Wechatpay-Timestamp, -Nonce, -Signature (and
 * -Serial): SHA256withRSA of timestamp\nnonce\nbody\n under the WeChat Pay
 * platform key; an answer that does not verify is not believed.
 * Notifications' payload is the "resource", sealed with AEAD_AES_256_GCM
 * under the merchant's APIv3 key.
 *
 * Orders: JSAPI inside WeChat (/v3/pay/transactions/jsapi, the payer's
 * openid; the client then calls WeixinJSBridge getBrandWCPayRequest with
 * appId, timeStamp, nonceStr, package "prepay_id=...", signType "RSA" and
 * paySign = base64(SHA256withRSA(appId\ntimeStamp\nnonceStr\npackage\n)));
 * H5 in other browsers (/v3/pay/transactions/h5, answers h5_url). Refunds:
 * /v3/refund/domestic/refunds. Keys are read from the files the config
 * names at each use and never logged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkout/payment.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/fetch.h"
#include "core/log.h"
#include "core/sign.h"

#define WECHAT_NONCE_BYTES 16
#define WECHAT_NOTICE_SKEW_S 300
#define WECHAT_URL_MAX 512
#define WECHAT_CIPHERTEXT_MAX (16 * 1024)

char *wechatpay_request_message(const char *method, const char *path, const char *timestamp, const char *nonce,
				const char *body)
{
	size_t size = strlen(method) + strlen(path) + strlen(timestamp) + strlen(nonce) + strlen(body) + 6;
	char *message = malloc(size);
	if (message == NULL)
		abort();
	snprintf(message, size, "%s\n%s\n%s\n%s\n%s\n", method, path, timestamp, nonce, body);
	return message;
}

static void fresh_nonce(char out[2 * WECHAT_NONCE_BYTES + 1])
{
	unsigned char random[WECHAT_NONCE_BYTES];
	crypto_random(random, sizeof(random));
	crypto_hex(random, sizeof(random), out);
	for (char *p = out; *p; p++) /* upper-case, as WeChat's own examples */
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
}

/* True when the answer carries a valid platform signature of its body. */
static bool answer_signed(const struct config *config, const struct fetch_answer *answer)
{
	char timestamp[32], nonce[128], signature[1024];
	if (!fetch_header(answer, "Wechatpay-Timestamp", timestamp, sizeof(timestamp)) ||
	    !fetch_header(answer, "Wechatpay-Nonce", nonce, sizeof(nonce)) ||
	    !fetch_header(answer, "Wechatpay-Signature", signature, sizeof(signature)))
		return false;
	char *key = sign_read_key_file(config->wechatpay_platform_key_file);
	size_t size = strlen(timestamp) + strlen(nonce) + answer->body_size + 4;
	char *message = malloc(size);
	if (message == NULL)
		abort();
	snprintf(message, size, "%s\n%s\n%s\n", timestamp, nonce, answer->body);
	bool valid = sign_rsa_sha256_verify(key, message, strlen(message), signature);
	free(message);
	free(key);
	return valid;
}

/* One signed call. Returns PAYMENT_OK with *document (the answer's JSON, or
 * NULL for an empty body) and *http_status, or PAYMENT_UNAVAILABLE. */
static int wechat_call(const struct config *config, const char *method, const char *path, const char *body,
		       json_t **document, long *http_status, char *why, size_t why_size)
{
	*document = NULL;
	*http_status = 0;
	char url[WECHAT_URL_MAX], signed_path[WECHAT_URL_MAX];
	const char *base = config->wechatpay_url;
	size_t base_length = strlen(base);
	while (base_length > 0 && base[base_length - 1] == '/')
		base_length--;
	snprintf(url, sizeof(url), "%.*s%s", (int)base_length, base, path);
	if (!fetch_url_path(url, signed_path, sizeof(signed_path))) {
		snprintf(why, why_size, "wechatpay_url is not a URL");
		return PAYMENT_UNAVAILABLE;
	}
	char nonce[2 * WECHAT_NONCE_BYTES + 1], timestamp[24];
	fresh_nonce(nonce);
	snprintf(timestamp, sizeof(timestamp), "%lld", (long long)time(NULL));
	char *message = wechatpay_request_message(method, signed_path, timestamp, nonce, body ? body : "");
	char *key = sign_read_key_file(config->wechatpay_private_key_file);
	char *signature = NULL;
	int signed_ok = sign_rsa_sha256(key, message, strlen(message), &signature);
	free(key);
	free(message);
	if (signed_ok != 0) {
		snprintf(why, why_size, "the merchant key in wechatpay_private_key_file does not load");
		return PAYMENT_UNAVAILABLE;
	}
	size_t authorization_size = strlen(signature) + 512;
	char *authorization = malloc(authorization_size);
	if (authorization == NULL)
		abort();
	snprintf(authorization, authorization_size,
		 "Authorization: WECHATPAY2-SHA256-RSA2048 mchid=\"%s\",nonce_str=\"%s\",signature=\"%s\","
		 "timestamp=\"%s\",serial_no=\"%s\"",
		 config->wechatpay_mchid, nonce, signature, timestamp, config->wechatpay_serial_no);
	free(signature);
	const char *headers[] = { authorization, "Accept: application/json", "Content-Type: application/json", NULL };
	struct fetch_answer answer;
	int result = fetch(method, url, headers, body, body ? strlen(body) : 0, PAYMENT_CALL_TIMEOUT_MS, &answer);
	free(authorization);
	if (result != 0) {
		snprintf(why, why_size, "WeChat Pay did not answer: %s", answer.error);
		fetch_answer_free(&answer);
		return PAYMENT_UNAVAILABLE;
	}
	*http_status = answer.status;
	if (!answer_signed(config, &answer)) {
		snprintf(why, why_size, "WeChat Pay's answer (HTTP %ld) is not signed by the platform key", answer.status);
		fetch_answer_free(&answer);
		return PAYMENT_UNAVAILABLE;
	}
	if (answer.body_size > 0)
		*document = json_loadb(answer.body, answer.body_size, 0, NULL);
	fetch_answer_free(&answer);
	return PAYMENT_OK;
}

/* why for a refusal: WeChat Pay's code and message. */
static int refused(json_t *document, long http_status, char *why, size_t why_size)
{
	const char *code = json_string_value(json_object_get(document, "code"));
	const char *message = json_string_value(json_object_get(document, "message"));
	snprintf(why, why_size, "WeChat Pay refused (HTTP %ld): %s %s", http_status, code ? code : "-",
		 message ? message : "-");
	json_decref(document);
	return http_status >= 500 ? PAYMENT_UNAVAILABLE : PAYMENT_REFUSED;
}

int wechatpay_open(const struct config *config, const struct payment_order *order, json_t **client, char *why,
		   size_t why_size)
{
	*client = NULL;
	bool jsapi = order->channel != NULL && strcmp(order->channel, "jsapi") == 0;
	if (jsapi && (order->openid == NULL || order->openid[0] == '\0')) {
		snprintf(why, why_size, "JSAPI needs the payer's openid");
		return PAYMENT_REFUSED;
	}
	json_t *request = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:I, s:s}}", "appid", config->wechatpay_appid, "mchid",
				    config->wechatpay_mchid, "description", order->description, "out_trade_no",
				    order->ref, "notify_url", order->notify_url, "amount", "total",
				    (json_int_t)order->amount_fen, "currency", "CNY");
	if (request == NULL)
		abort();
	if (jsapi)
		json_object_set_new(request, "payer", json_pack("{s:s}", "openid", order->openid));
	else
		json_object_set_new(request, "scene_info",
				    json_pack("{s:s, s:{s:s}}", "payer_client_ip", order->client_ip ? order->client_ip : "",
					      "h5_info", "type", "Wap"));
	char *body = json_dumps(request, JSON_COMPACT);
	json_decref(request);
	json_t *document;
	long http_status;
	int result = wechat_call(config, "POST", jsapi ? "/v3/pay/transactions/jsapi" : "/v3/pay/transactions/h5", body,
				 &document, &http_status, why, why_size);
	free(body);
	if (result != PAYMENT_OK)
		return result;
	if (http_status != 200)
		return refused(document, http_status, why, why_size);
	if (!jsapi) {
		const char *h5_url = json_string_value(json_object_get(document, "h5_url"));
		if (h5_url == NULL) {
			json_decref(document);
			snprintf(why, why_size, "WeChat Pay answered no h5_url");
			return PAYMENT_UNAVAILABLE;
		}
		*client = json_pack("{s:s, s:s}", "channel", "h5", "h5_url", h5_url);
		json_decref(document);
		return PAYMENT_OK;
	}
	const char *prepay_id = json_string_value(json_object_get(document, "prepay_id"));
	if (prepay_id == NULL || strlen(prepay_id) > 128) {
		json_decref(document);
		snprintf(why, why_size, "WeChat Pay answered no prepay_id");
		return PAYMENT_UNAVAILABLE;
	}
	char package[160], nonce[2 * WECHAT_NONCE_BYTES + 1], timestamp[24];
	snprintf(package, sizeof(package), "prepay_id=%s", prepay_id);
	json_decref(document);
	fresh_nonce(nonce);
	snprintf(timestamp, sizeof(timestamp), "%lld", (long long)time(NULL));
	/* appId\ntimeStamp\nnonceStr\npackage\n */
	size_t size = strlen(config->wechatpay_appid) + strlen(timestamp) + strlen(nonce) + strlen(package) + 5;
	char *message = malloc(size);
	if (message == NULL)
		abort();
	snprintf(message, size, "%s\n%s\n%s\n%s\n", config->wechatpay_appid, timestamp, nonce, package);
	char *key = sign_read_key_file(config->wechatpay_private_key_file);
	char *pay_sign = NULL;
	int signed_ok = sign_rsa_sha256(key, message, strlen(message), &pay_sign);
	free(key);
	free(message);
	if (signed_ok != 0) {
		snprintf(why, why_size, "the merchant key in wechatpay_private_key_file does not load");
		return PAYMENT_UNAVAILABLE;
	}
	*client = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "channel", "jsapi", "appId", config->wechatpay_appid,
			    "timeStamp", timestamp, "nonceStr", nonce, "package", package, "signType", "RSA", "paySign",
			    pay_sign);
	free(pay_sign);
	return PAYMENT_OK;
}

int wechatpay_refund(const struct config *config, const struct payment_refund *refund, char *provider_refund_id,
		     size_t id_size, char *why, size_t why_size)
{
	provider_refund_id[0] = '\0';
	json_t *request = json_pack("{s:s, s:s, s:s, s:{s:I, s:I, s:s}}", "out_trade_no", refund->ref, "out_refund_no",
				    refund->refund_ref, "reason", refund->reason ? refund->reason : "", "amount", "refund",
				    (json_int_t)refund->amount_fen, "total", (json_int_t)refund->total_fen, "currency",
				    "CNY");
	if (request == NULL)
		abort();
	char *body = json_dumps(request, JSON_COMPACT);
	json_decref(request);
	json_t *document;
	long http_status;
	int result = wechat_call(config, "POST", "/v3/refund/domestic/refunds", body, &document, &http_status, why,
				 why_size);
	free(body);
	if (result != PAYMENT_OK)
		return result;
	if (http_status != 200)
		return refused(document, http_status, why, why_size);
	const char *status = json_string_value(json_object_get(document, "status"));
	const char *refund_id = json_string_value(json_object_get(document, "refund_id"));
	snprintf(provider_refund_id, id_size, "%s", refund_id ? refund_id : "");
	/* SUCCESS, or PROCESSING (the money is on its way); CLOSED and ABNORMAL are not refunds */
	bool accepted = status != NULL && (strcmp(status, "SUCCESS") == 0 || strcmp(status, "PROCESSING") == 0);
	if (!accepted)
		snprintf(why, why_size, "WeChat Pay's refund status is %s", status ? status : "missing");
	json_decref(document);
	return accepted ? PAYMENT_OK : PAYMENT_REFUSED;
}

int wechatpay_notice(const struct config *config, int64_t now, const char *timestamp, const char *nonce,
		     const char *signature, const char *body, size_t body_size, struct provider_notice *notice)
{
	memset(notice, 0, sizeof(*notice));
	if (timestamp == NULL || nonce == NULL || signature == NULL || body == NULL || strlen(nonce) > 64 ||
	    strlen(timestamp) > 20)
		return -1;
	char *end = NULL;
	long long when = strtoll(timestamp, &end, 10);
	if (end == timestamp || *end != '\0' || when < now - WECHAT_NOTICE_SKEW_S || when > now + WECHAT_NOTICE_SKEW_S)
		return -1; /* an old notification replayed, or a clock far off */
	/* 1. the signature, over the raw bytes, before anything is parsed */
	char *message = malloc(strlen(timestamp) + strlen(nonce) + body_size + 4);
	if (message == NULL)
		abort();
	int head = sprintf(message, "%s\n%s\n", timestamp, nonce);
	memcpy(message + head, body, body_size);
	message[head + (int)body_size] = '\n';
	char *key = sign_read_key_file(config->wechatpay_platform_key_file);
	bool valid = sign_rsa_sha256_verify(key, message, (size_t)head + body_size + 1, signature);
	free(key);
	free(message);
	if (!valid)
		return -1;
	/* 2. the sealed resource */
	json_t *document = json_loadb(body, body_size, 0, NULL);
	json_t *resource = json_object_get(document, "resource");
	const char *algorithm = json_string_value(json_object_get(resource, "algorithm"));
	const char *ciphertext = json_string_value(json_object_get(resource, "ciphertext"));
	const char *sealed_nonce = json_string_value(json_object_get(resource, "nonce"));
	const char *aad = json_string_value(json_object_get(resource, "associated_data"));
	int result = -1;
	json_t *plain_document = NULL;
	unsigned char *sealed = NULL, *plain = NULL;
	if (algorithm == NULL || strcmp(algorithm, "AEAD_AES_256_GCM") != 0 || ciphertext == NULL ||
	    sealed_nonce == NULL || strlen(ciphertext) > WECHAT_CIPHERTEXT_MAX || strlen(config->wechatpay_api_v3_key) != 32)
		goto done;
	sealed = malloc(strlen(ciphertext));
	plain = malloc(strlen(ciphertext) + 1);
	if (sealed == NULL || plain == NULL)
		abort();
	long sealed_size = sign_unbase64(ciphertext, strlen(ciphertext), sealed, strlen(ciphertext));
	if (sealed_size < 0)
		goto done;
	long plain_size = sign_aes256gcm_open((const unsigned char *)config->wechatpay_api_v3_key, sealed_nonce,
					      strlen(sealed_nonce), aad ? aad : "", aad ? strlen(aad) : 0, sealed,
					      (size_t)sealed_size, plain);
	if (plain_size < 0)
		goto done;
	plain_document = json_loadb((const char *)plain, (size_t)plain_size, 0, NULL);
	const char *mchid = json_string_value(json_object_get(plain_document, "mchid"));
	const char *appid = json_string_value(json_object_get(plain_document, "appid"));
	const char *ref = json_string_value(json_object_get(plain_document, "out_trade_no"));
	const char *transaction = json_string_value(json_object_get(plain_document, "transaction_id"));
	const char *state = json_string_value(json_object_get(plain_document, "trade_state"));
	json_t *total = json_object_get(json_object_get(plain_document, "amount"), "total");
	if (mchid == NULL || strcmp(mchid, config->wechatpay_mchid) != 0 || appid == NULL ||
	    strcmp(appid, config->wechatpay_appid) != 0 || ref == NULL || strlen(ref) >= PAYMENT_REF_SIZE ||
	    state == NULL || !json_is_integer(total)) {
		log_warn("wechatpay notify: a resource that is not one of our payments");
		goto done;
	}
	snprintf(notice->ref, sizeof(notice->ref), "%s", ref);
	snprintf(notice->transaction_id, sizeof(notice->transaction_id), "%s", transaction ? transaction : "");
	notice->amount_fen = json_integer_value(total);
	if (strcmp(state, "SUCCESS") == 0) {
		snprintf(notice->reported, sizeof(notice->reported), "success");
	} else {
		snprintf(notice->reported, sizeof(notice->reported), "%s", state);
		for (char *p = notice->reported; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	}
	result = 0;
done:
	json_decref(plain_document);
	json_decref(document);
	free(sealed);
	free(plain);
	return result;
}
