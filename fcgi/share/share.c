/* share.c: the current share domain and the JS-SDK ticket and signature. */
#include "share/share.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/fetch.h"
#include "core/log.h"
#include "core/sign.h"
#include "db/db.h"
#include "share/share_store.h"

#define LINK_BASE_CACHE_US 1000000
/* Fetched again this long before WeChat's expiry (7200 s). */
#define CREDENTIAL_MARGIN_S 300
#define WECHAT_CALL_TIMEOUT_MS 5000

bool share_host_shape(const char *host)
{
	if (host == NULL)
		return false;
	size_t length = strlen(host);
	if (length == 0 || length > SHARE_HOST_MAX)
		return false;
	const char *colon = strchr(host, ':');
	size_t name_length = colon ? (size_t)(colon - host) : length;
	if (colon != NULL) {
		size_t digits = strspn(colon + 1, "0123456789");
		if (digits == 0 || digits > 5 || colon[1 + digits] != '\0' || atoi(colon + 1) > 65535)
			return false;
	}
	if (name_length == 9 && strncmp(host, "localhost", 9) == 0)
		return true;
	size_t label = 0;
	bool dotted = false;
	for (size_t i = 0; i < name_length; i++) {
		char c = host[i];
		if (c == '.') {
			if (label == 0 || host[i - 1] == '-')
				return false;
			label = 0;
			dotted = true;
		} else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
			if ((label == 0 && c == '-') || ++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return dotted && label > 0 && host[name_length - 1] != '-';
}

void share_base_for(const char *public_base_url, const char *host, char base[SHARE_BASE_MAX])
{
	bool https = strncmp(public_base_url, "https://", 8) == 0;
	snprintf(base, SHARE_BASE_MAX, "%s://%s", https ? "https" : "http", host);
}

void share_link_base(struct unit *unit, char base[SHARE_BASE_MAX])
{
	/* per process: one read a second at most, whatever the traffic */
	static char cached[SHARE_BASE_MAX];
	static int64_t cached_at;
	static const struct config *cached_for;
	int64_t now = clock_micros();
	if (cached_at != 0 && cached_for == unit->config && now - cached_at < LINK_BASE_CACHE_US) {
		memcpy(base, cached, SHARE_BASE_MAX);
		return;
	}
	char host[SHARE_HOST_MAX + 1];
	const char *fallback = unit->config->public_base_url;
	if (share_store_current(unit, host, sizeof(host)) != DB_OK) {
		/* the database is away: the config's base, not cached */
		snprintf(base, SHARE_BASE_MAX, "%s", fallback);
		return;
	}
	if (host[0] == '\0') {
		size_t length = strlen(fallback);
		while (length > 0 && fallback[length - 1] == '/')
			length--;
		snprintf(base, SHARE_BASE_MAX, "%.*s", (int)length, fallback);
	} else {
		share_base_for(fallback, host, base);
	}
	memcpy(cached, base, SHARE_BASE_MAX);
	cached_at = now;
	cached_for = unit->config;
}

void share_jssdk_signature(const char *ticket, const char *noncestr, int64_t timestamp, const char *url,
			   char signature[41])
{
	size_t size = strlen(ticket) + strlen(noncestr) + strlen(url) + 64;
	char *text = malloc(size);
	if (text == NULL)
		abort();
	int length = snprintf(text, size, "jsapi_ticket=%s&noncestr=%s&timestamp=%lld&url=%s", ticket, noncestr,
			      (long long)timestamp, url);
	sign_sha1_hex(text, (size_t)length, signature);
	free(text);
}

/* GET url, the JSON answer into *document; -1 when none or errcode != 0. */
static int wechat_get(const char *url, const char *what, json_t **document)
{
	*document = NULL;
	struct fetch_answer answer;
	if (fetch("GET", url, NULL, NULL, 0, WECHAT_CALL_TIMEOUT_MS, &answer) != 0) {
		log_warn("wechat %s: no answer: %s", what, answer.error);
		fetch_answer_free(&answer);
		return -1;
	}
	*document = json_loadb(answer.body, answer.body_size, 0, NULL);
	long status = answer.status;
	fetch_answer_free(&answer);
	json_t *errcode = json_object_get(*document, "errcode");
	if (status != 200 || *document == NULL || (errcode != NULL && json_integer_value(errcode) != 0)) {
		const char *message = json_string_value(json_object_get(*document, "errmsg"));
		log_warn("wechat %s: HTTP %ld errcode %lld %s", what, status, (long long)json_integer_value(errcode),
			 message ? message : "-");
		json_decref(*document);
		*document = NULL;
		return -1;
	}
	return 0;
}

/* Fetches a fresh access_token then jsapi_ticket and stores both. */
static int refresh(struct unit *unit, char ticket[SHARE_TICKET_MAX])
{
	const struct config *config = unit->config;
	char app_id[80], secret[400], url[2048];
	/* percent-encoded: these end up in a URL */
	if (sign_percent_encode(config->wechat_appid, app_id, sizeof(app_id)) < 0 ||
	    sign_percent_encode(config->wechat_app_secret, secret, sizeof(secret)) < 0)
		return -1;
	snprintf(url, sizeof(url), "%s/cgi-bin/token?grant_type=client_credential&appid=%s&secret=%s",
		 config->wechat_api_url, app_id, secret);
	memset(secret, 0, sizeof(secret));
	json_t *document;
	int result = wechat_get(url, "access_token", &document);
	memset(url, 0, sizeof(url));
	if (result != 0)
		return -1;
	const char *token = json_string_value(json_object_get(document, "access_token"));
	int64_t token_ttl = json_integer_value(json_object_get(document, "expires_in"));
	char token_copy[SHARE_TICKET_MAX], token_encoded[3 * SHARE_TICKET_MAX];
	snprintf(token_copy, sizeof(token_copy), "%s", token ? token : "");
	json_decref(document);
	if (token_copy[0] == '\0' || sign_percent_encode(token_copy, token_encoded, sizeof(token_encoded)) < 0)
		return -1;
	share_store_credential_put(unit, "access_token", token_copy, unit->now + token_ttl - CREDENTIAL_MARGIN_S);
	snprintf(url, sizeof(url), "%s/cgi-bin/ticket/getticket?access_token=%s&type=jsapi", config->wechat_api_url,
		 token_encoded);
	result = wechat_get(url, "jsapi_ticket", &document);
	memset(url, 0, sizeof(url));
	if (result != 0)
		return -1;
	const char *fresh = json_string_value(json_object_get(document, "ticket"));
	int64_t ttl = json_integer_value(json_object_get(document, "expires_in"));
	if (fresh == NULL || strlen(fresh) >= SHARE_TICKET_MAX || ttl <= CREDENTIAL_MARGIN_S) {
		json_decref(document);
		return -1;
	}
	snprintf(ticket, SHARE_TICKET_MAX, "%s", fresh);
	json_decref(document);
	if (share_store_credential_put(unit, "jsapi_ticket", ticket, unit->now + ttl - CREDENTIAL_MARGIN_S) != DB_OK)
		return -1;
	log_info("wechat: jsapi_ticket refreshed");
	return 0;
}

int share_jsapi_ticket(struct unit *unit, char ticket[SHARE_TICKET_MAX])
{
	static char cached[SHARE_TICKET_MAX];
	static int64_t cached_until;
	if (cached_until > unit->now) {
		memcpy(ticket, cached, SHARE_TICKET_MAX);
		return 0;
	}
	int64_t expires_at = 0;
	if (share_store_credential(unit, "jsapi_ticket", ticket, SHARE_TICKET_MAX, &expires_at) != DB_OK)
		return -1;
	if (expires_at <= unit->now) {
		/* one worker asks WeChat; the others wait for the lock, then read its ticket */
		bool held = false;
		if (share_store_lock(unit, &held) != DB_OK)
			return -1;
		if (share_store_credential(unit, "jsapi_ticket", ticket, SHARE_TICKET_MAX, &expires_at) != DB_OK)
			expires_at = 0;
		int result = 0;
		if (expires_at <= unit->now) {
			result = held ? refresh(unit, ticket) : -1;
			expires_at = unit->now + 60; /* the process cache; the database knows the real expiry */
		}
		if (held)
			share_store_unlock(unit);
		if (result != 0)
			return -1;
	}
	memcpy(cached, ticket, SHARE_TICKET_MAX);
	cached_until = expires_at;
	return 0;
}
