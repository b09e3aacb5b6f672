/* pay_alipay.c: Alipay's open API (gateway.do), RSA2.
 *
 * Every request is the common parameters (app_id, method, format JSON,
 * charset utf-8, sign_type RSA2, timestamp "yyyy-MM-dd HH:mm:ss" in
 * Beijing time, version 1.0, notify_url where it applies) plus biz_content
 * (JSON), signed: sign = base64(SHA256withRSA(app private key, the
 * parameters sorted by name as name=value joined by '&', empty values and
 * sign left out)). Answers are {"<method>_response": {...}, "sign": "..."},
 * the sign covering the response object's text exactly as sent, under
 * Alipay's public key. Async notifies are form posts signed the same way
 * over every parameter but sign and sign_type.
 *
 * Payments: alipay.trade.wap.pay, a page the shopper's browser opens (the
 * signed gateway URL; nothing to call from here). Refunds:
 * alipay.trade.refund with out_request_no, so a repeat is the same refund.
 * Amounts are yuan strings with two decimals; kanjia keeps fen. */
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

#define ALIPAY_PARAMS_MAX 64
#define ALIPAY_QUERY_MAX 16384

struct sort_entry {
	const char *name, *value;
};

static int entry_order(const void *a, const void *b)
{
	return strcmp(((const struct sort_entry *)a)->name, ((const struct sort_entry *)b)->name);
}

static bool skipped(const char *name, const char *const *skip)
{
	for (size_t i = 0; skip != NULL && skip[i] != NULL; i++)
		if (strcmp(name, skip[i]) == 0)
			return true;
	return false;
}

char *alipay_sign_content(const char *const *names, const char *const *values, size_t count, const char *const *skip)
{
	struct sort_entry entries[ALIPAY_PARAMS_MAX];
	size_t used = 0, size = 1;
	for (size_t i = 0; i < count && used < ALIPAY_PARAMS_MAX; i++) {
		if (values[i] == NULL || values[i][0] == '\0' || skipped(names[i], skip))
			continue;
		entries[used].name = names[i];
		entries[used].value = values[i];
		size += strlen(names[i]) + strlen(values[i]) + 2;
		used++;
	}
	qsort(entries, used, sizeof(entries[0]), entry_order);
	char *content = malloc(size);
	if (content == NULL)
		abort();
	size_t length = 0;
	content[0] = '\0';
	for (size_t i = 0; i < used; i++)
		length += (size_t)snprintf(content + length, size - length, "%s%s=%s", i ? "&" : "", entries[i].name,
					   entries[i].value);
	return content;
}

static void yuan_text(int64_t fen, char out[32])
{
	snprintf(out, 32, "%lld.%02lld", (long long)(fen / 100), (long long)(fen % 100));
}

/* Beijing time (UTC+8, no daylight saving), the gateway's clock. */
static void beijing_time(int64_t epoch, char out[20])
{
	time_t shifted = (time_t)(epoch + 8 * 3600);
	struct tm parts;
	gmtime_r(&shifted, &parts);
	strftime(out, 20, "%Y-%m-%d %H:%M:%S", &parts);
}

/* The signed parameter list of one call; names/values have room for 10. */
struct call {
	const char *names[10], *values[10];
	size_t count;
	char timestamp[20];
	char *sign;
};

static void call_add(struct call *call, const char *name, const char *value)
{
	call->names[call->count] = name;
	call->values[call->count] = value;
	call->count++;
}

static int call_sign(const struct config *config, struct call *call, const char *method, const char *notify_url,
		     const char *biz_content)
{
	beijing_time((int64_t)time(NULL), call->timestamp);
	call->count = 0;
	call_add(call, "app_id", config->alipay_app_id);
	call_add(call, "method", method);
	call_add(call, "format", "JSON");
	call_add(call, "charset", "utf-8");
	call_add(call, "sign_type", "RSA2");
	call_add(call, "timestamp", call->timestamp);
	call_add(call, "version", "1.0");
	if (notify_url != NULL)
		call_add(call, "notify_url", notify_url);
	call_add(call, "biz_content", biz_content);
	static const char *const skip[] = { "sign", NULL };
	char *content = alipay_sign_content(call->names, call->values, call->count, skip);
	char *key = sign_read_key_file(config->alipay_private_key_file);
	int result = sign_rsa_sha256(key, content, strlen(content), &call->sign);
	free(key);
	free(content);
	if (result != 0)
		return -1;
	call_add(call, "sign", call->sign);
	return 0;
}

/* The call's parameters form-encoded into out[out_size]; false if too long. */
static bool call_encode(const struct call *call, char *out, size_t out_size)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < call->count; i++) {
		if (used + strlen(call->names[i]) + 2 >= out_size)
			return false;
		used += (size_t)snprintf(out + used, out_size - used, "%s%s=", i ? "&" : "", call->names[i]);
		long length = sign_percent_encode(call->values[i], out + used, out_size - used);
		if (length < 0)
			return false;
		used += (size_t)length;
	}
	return true;
}

int alipay_open(const struct config *config, const struct payment_order *order, json_t **client, char *why,
		size_t why_size)
{
	*client = NULL;
	char amount[32], expire[20];
	yuan_text(order->amount_fen, amount);
	beijing_time(order->pay_by, expire);
	json_t *biz = json_pack("{s:s, s:s, s:s, s:s, s:s}", "out_trade_no", order->ref, "total_amount", amount, "subject",
				order->description, "product_code", "QUICK_WAP_WAY", "time_expire", expire);
	char *biz_content = json_dumps(biz, JSON_COMPACT);
	json_decref(biz);
	struct call call;
	memset(&call, 0, sizeof(call));
	if (call_sign(config, &call, "alipay.trade.wap.pay", order->notify_url, biz_content) != 0) {
		free(biz_content);
		snprintf(why, why_size, "the key in alipay_private_key_file does not load");
		return PAYMENT_UNAVAILABLE;
	}
	char *query = malloc(ALIPAY_QUERY_MAX);
	if (query == NULL)
		abort();
	bool fits = call_encode(&call, query, ALIPAY_QUERY_MAX);
	if (fits) {
		size_t size = strlen(config->alipay_url) + strlen(query) + 2;
		char *url = malloc(size);
		if (url == NULL)
			abort();
		snprintf(url, size, "%s?%s", config->alipay_url, query);
		*client = json_pack("{s:s, s:s}", "channel", "wap", "pay_url", url);
		free(url);
	} else {
		snprintf(why, why_size, "the payment request is too long");
	}
	free(query);
	free(call.sign);
	free(biz_content);
	return fits ? PAYMENT_OK : PAYMENT_REFUSED;
}

/* The text of the object that follows "name": in json (as sent, for the
 * signature), malloc'd; NULL when absent. */
static char *object_text(const char *json, const char *name)
{
	char key[96];
	snprintf(key, sizeof(key), "\"%s\"", name);
	const char *at = strstr(json, key);
	if (at == NULL)
		return NULL;
	at += strlen(key);
	while (*at == ' ' || *at == ':' || *at == '\n' || *at == '\r' || *at == '\t')
		at++;
	if (*at != '{')
		return NULL;
	int depth = 0;
	bool in_string = false;
	for (const char *p = at; *p; p++) {
		if (in_string) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '"')
				in_string = false;
		} else if (*p == '"') {
			in_string = true;
		} else if (*p == '{') {
			depth++;
		} else if (*p == '}' && --depth == 0) {
			return strndup(at, (size_t)(p - at + 1));
		}
	}
	return NULL;
}

int alipay_refund(const struct config *config, const struct payment_refund *refund, char *provider_refund_id,
		  size_t id_size, char *why, size_t why_size)
{
	provider_refund_id[0] = '\0';
	char amount[32];
	yuan_text(refund->amount_fen, amount);
	json_t *biz = json_pack("{s:s, s:s, s:s, s:s}", "out_trade_no", refund->ref, "refund_amount", amount,
				"out_request_no", refund->refund_ref, "refund_reason",
				refund->reason ? refund->reason : "");
	char *biz_content = json_dumps(biz, JSON_COMPACT);
	json_decref(biz);
	struct call call;
	memset(&call, 0, sizeof(call));
	if (call_sign(config, &call, "alipay.trade.refund", NULL, biz_content) != 0) {
		free(biz_content);
		snprintf(why, why_size, "the key in alipay_private_key_file does not load");
		return PAYMENT_UNAVAILABLE;
	}
	char *form = malloc(ALIPAY_QUERY_MAX);
	if (form == NULL)
		abort();
	bool fits = call_encode(&call, form, ALIPAY_QUERY_MAX);
	free(call.sign);
	free(biz_content);
	if (!fits) {
		free(form);
		snprintf(why, why_size, "the refund request is too long");
		return PAYMENT_REFUSED;
	}
	static const char *const headers[] = { "Content-Type: application/x-www-form-urlencoded;charset=utf-8", NULL };
	struct fetch_answer answer;
	int sent = fetch("POST", config->alipay_url, headers, form, strlen(form), PAYMENT_CALL_TIMEOUT_MS, &answer);
	free(form);
	if (sent != 0) {
		snprintf(why, why_size, "Alipay did not answer: %s", answer.error);
		fetch_answer_free(&answer);
		return PAYMENT_UNAVAILABLE;
	}
	int result = PAYMENT_UNAVAILABLE;
	char *signed_text = object_text(answer.body, "alipay_trade_refund_response");
	json_t *document = json_loadb(answer.body, answer.body_size, 0, NULL);
	const char *signature = json_string_value(json_object_get(document, "sign"));
	char *key = sign_read_key_file(config->alipay_public_key_file);
	if (signed_text == NULL || !sign_rsa_sha256_verify(key, signed_text, strlen(signed_text), signature)) {
		snprintf(why, why_size, "Alipay's answer (HTTP %ld) is not signed by Alipay's key", answer.status);
	} else {
		json_t *response = json_object_get(document, "alipay_trade_refund_response");
		const char *code = json_string_value(json_object_get(response, "code"));
		const char *sub_code = json_string_value(json_object_get(response, "sub_code"));
		const char *trade_no = json_string_value(json_object_get(response, "trade_no"));
		if (code != NULL && strcmp(code, "10000") == 0) {
			snprintf(provider_refund_id, id_size, "%s", trade_no ? trade_no : "");
			result = PAYMENT_OK;
		} else {
			snprintf(why, why_size, "Alipay refused the refund: %s %s", code ? code : "-",
				 sub_code ? sub_code : "-");
			/* 20000 is the gateway's "service unavailable": try again later */
			result = code != NULL && strcmp(code, "20000") == 0 ? PAYMENT_UNAVAILABLE : PAYMENT_REFUSED;
		}
	}
	free(key);
	free(signed_text);
	json_decref(document);
	fetch_answer_free(&answer);
	return result;
}

/* Decodes a form value (%XX and '+') in place; false on a bad escape. */
static bool form_decode(char *text)
{
	char *out = text;
	for (char *p = text; *p; p++) {
		if (*p == '+') {
			*out++ = ' ';
		} else if (*p == '%') {
			int high = crypto_hex_digit(p[1]), low = high < 0 ? -1 : crypto_hex_digit(p[2]);
			if (high < 0 || low < 0)
				return false;
			*out++ = (char)(high * 16 + low);
			p += 2;
		} else {
			*out++ = *p;
		}
	}
	*out = '\0';
	return true;
}

int alipay_notice(const struct config *config, const char *body, size_t body_size, struct provider_notice *notice)
{
	memset(notice, 0, sizeof(*notice));
	if (body == NULL || body_size == 0)
		return -1;
	char *text = strndup(body, body_size);
	if (text == NULL)
		abort();
	const char *names[ALIPAY_PARAMS_MAX], *values[ALIPAY_PARAMS_MAX];
	size_t count = 0;
	int result = -1;
	char *save = NULL;
	for (char *pair = strtok_r(text, "&", &save); pair != NULL; pair = strtok_r(NULL, "&", &save)) {
		char *equals = strchr(pair, '=');
		if (equals == NULL || count == ALIPAY_PARAMS_MAX)
			goto done;
		*equals = '\0';
		if (!form_decode(pair) || !form_decode(equals + 1))
			goto done;
		for (size_t i = 0; i < count; i++)
			if (strcmp(names[i], pair) == 0)
				goto done; /* a parameter twice: which one was signed? */
		names[count] = pair;
		values[count] = equals + 1;
		count++;
	}
	const char *signature = NULL, *sign_type = NULL;
	for (size_t i = 0; i < count; i++) {
		if (strcmp(names[i], "sign") == 0)
			signature = values[i];
		else if (strcmp(names[i], "sign_type") == 0)
			sign_type = values[i];
	}
	if (signature == NULL || sign_type == NULL || strcmp(sign_type, "RSA2") != 0)
		goto done;
	static const char *const skip[] = { "sign", "sign_type", NULL };
	char *content = alipay_sign_content(names, values, count, skip);
	char *key = sign_read_key_file(config->alipay_public_key_file);
	bool valid = sign_rsa_sha256_verify(key, content, strlen(content), signature);
	free(key);
	free(content);
	if (!valid)
		goto done;
	/* verified: now its fields may be read */
	const char *app_id = NULL, *ref = NULL, *trade_no = NULL, *status = NULL, *total = NULL;
	for (size_t i = 0; i < count; i++) {
		if (strcmp(names[i], "app_id") == 0)
			app_id = values[i];
		else if (strcmp(names[i], "out_trade_no") == 0)
			ref = values[i];
		else if (strcmp(names[i], "trade_no") == 0)
			trade_no = values[i];
		else if (strcmp(names[i], "trade_status") == 0)
			status = values[i];
		else if (strcmp(names[i], "total_amount") == 0)
			total = values[i];
	}
	if (app_id == NULL || strcmp(app_id, config->alipay_app_id) != 0 || ref == NULL ||
	    strlen(ref) >= PAYMENT_REF_SIZE || status == NULL || !payment_parse_yuan(total, &notice->amount_fen)) {
		log_warn("alipay notify: signed, but not one of our payments");
		goto done;
	}
	snprintf(notice->ref, sizeof(notice->ref), "%s", ref);
	snprintf(notice->transaction_id, sizeof(notice->transaction_id), "%s", trade_no ? trade_no : "");
	if (strcmp(status, "TRADE_SUCCESS") == 0 || strcmp(status, "TRADE_FINISHED") == 0) {
		snprintf(notice->reported, sizeof(notice->reported), "success");
	} else {
		snprintf(notice->reported, sizeof(notice->reported), "%s", status);
		for (char *p = notice->reported; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	}
	result = 0;
done:
	free(text);
	return result;
}
