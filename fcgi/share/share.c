/* share.c: the current share domain, the console's changes of the pool,
 * and the JS-SDK ticket and signature. */
#include "share/share.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "admin/audit.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/fetch.h"
#include "core/log.h"
#include "core/outcome.h"
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

static json_t *time_or_null(int64_t when)
{
	if (when == 0)
		return json_null();
	char text[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(when, text);
	return json_string(text);
}

json_t *share_domain_json(const struct config *config, const struct share_domain *domain, const char *current)
{
	char base[SHARE_BASE_MAX];
	share_base_for(config->public_base_url, domain->host, base);
	json_t *object = json_pack("{s:I, s:s, s:b, s:b, s:o, s:b, s:s, s:o, s:o}", "id", (json_int_t)domain->id, "host",
				   domain->host, "active", domain->active, "blocked", domain->blocked, "blocked_at",
				   time_or_null(domain->blocked_at), "current", strcmp(domain->host, current) == 0,
				   "base_url", base, "created_at", time_or_null(domain->created_at), "updated_at",
				   time_or_null(domain->updated_at));
	if (object == NULL)
		abort();
	return object;
}

/* Domain id as stored, as JSON into *json (NULL when there is none). */
static int domain_load_json(struct unit *unit, int64_t id, json_t **json)
{
	*json = NULL;
	struct share_domain domain;
	bool found = false;
	char current[SHARE_HOST_MAX + 1];
	int result = share_store_get(unit, id, &domain, &found);
	if (result == DB_OK)
		result = share_store_current(unit, current, sizeof(current));
	if (result == DB_OK && found)
		*json = share_domain_json(unit->config, &domain, current);
	return result;
}

static int add_body(struct unit *unit, void *context)
{
	struct share_domain_change *change = context;
	json_decref(change->after);
	change->after = NULL;
	int result = share_store_insert(unit, change->host, change->active != 0, &change->id);
	if (result == DB_DUPLICATE)
		return OUT_CONFLICT;
	if (result == DB_OK)
		result = domain_load_json(unit, change->id, &change->after);
	if (result == DB_OK && change->after == NULL)
		return DB_FAILED; /* inserted, not found in the same transaction */
	if (result != DB_OK)
		return result;
	return audit_write(unit, change->admin_id, "share_domain.create", "share_domain", change->id, NULL,
			   change->after);
}

int share_domain_add(struct unit *unit, struct share_domain_change *change)
{
	change->after = NULL;
	int result = db_atomic(unit, add_body, change);
	if (result != DB_OK) {
		json_decref(change->after);
		change->after = NULL;
	}
	return result;
}

static int update_body(struct unit *unit, void *context)
{
	struct share_domain_change *change = context;
	json_decref(change->after);
	change->after = NULL;
	struct share_domain domain;
	bool found = false;
	int result = share_store_get(unit, change->id, &domain, &found);
	if (result != DB_OK)
		return result;
	if (!found)
		return OUT_NOT_FOUND;
	json_t *before;
	if ((result = domain_load_json(unit, change->id, &before)) != DB_OK)
		return result;
	bool blocked = change->blocked < 0 ? domain.blocked : change->blocked != 0;
	result = share_store_update(unit, change->id, change->host ? change->host : domain.host,
				    change->active < 0 ? domain.active : change->active != 0, blocked);
	if (result == DB_DUPLICATE)
		result = OUT_CONFLICT;
	if (result == DB_OK)
		result = domain_load_json(unit, change->id, &change->after);
	if (result == DB_OK && change->after == NULL)
		result = DB_FAILED;
	if (result == DB_OK)
		result = audit_write(unit, change->admin_id, "share_domain.update", "share_domain", change->id, before,
				     change->after);
	json_decref(before);
	if (result == DB_OK && blocked && !domain.blocked)
		log_warn("share domain %lld marked blocked; new links move to the next one", (long long)change->id);
	return result;
}

int share_domain_update(struct unit *unit, struct share_domain_change *change)
{
	change->after = NULL;
	int result = db_atomic(unit, update_body, change);
	if (result != DB_OK) {
		json_decref(change->after);
		change->after = NULL;
	}
	return result;
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
