/* share_routes.c: the share-domain pool (API.md, "Share domains") and the
 * share card:
 *
 *   GET   /api/v1/admin/share-domains       the pool and where links go now
 *   POST  /api/v1/admin/share-domains       {"host", "active"?} -> 201
 *   PATCH /api/v1/admin/share-domains/{id}  {"host"?, "active"?, "blocked"?}
 *   GET   /api/v1/share/domain?host=H       for the pages: is H blocked, and
 *                                           the base links use now
 *   GET   /api/v1/wechat/jssdk?url=U        wx.config for the page at U
 *
 * A domain object: {"id", "host", "active", "blocked", "blocked_at",
 * "current", "base_url", "created_at", "updated_at"}. Admin writes are
 * audited. */
#include "share/share_routes.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admin/audit.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/log.h"
#include "share/share.h"
#include "share/share_store.h"

static bool host_field_shape(const char *host)
{
	return share_host_shape(host);
}

static const struct field domain_create_body[] = {
	{ .name = "host", .type = FIELD_STRING, .required = true, .min = 1, .max = SHARE_HOST_MAX,
	  .shape = host_field_shape },
	{ .name = "active", .type = FIELD_BOOL },
	{ .name = NULL },
};

static const struct field domain_update_body[] = {
	{ .name = "host", .type = FIELD_STRING, .min = 1, .max = SHARE_HOST_MAX, .shape = host_field_shape },
	{ .name = "active", .type = FIELD_BOOL },
	{ .name = "blocked", .type = FIELD_BOOL },
	{ .name = NULL },
};

static json_t *time_or_null(int64_t when)
{
	if (when == 0)
		return json_null();
	char text[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(when, text);
	return json_string(text);
}

static json_t *domain_json(const struct config *config, const struct share_domain *domain, const char *current)
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

/* Where new links go now: {"host": ... | null, "base_url"}. */
static json_t *now_json(struct request *request, const char *current)
{
	char base[SHARE_BASE_MAX];
	if (current[0] != '\0')
		share_base_for(request->work.config->public_base_url, current, base);
	else
		snprintf(base, sizeof(base), "%s", request->work.config->public_base_url);
	return json_pack("{s:o, s:s}", "host", current[0] ? json_string(current) : json_null(), "base_url", base);
}

static int domain_list(struct request *request)
{
	struct share_domain *domains = arena_alloc(&request->arena, sizeof(*domains) * SHARE_DOMAINS_MAX);
	int count = 0;
	char current[SHARE_HOST_MAX + 1];
	int status = http_outcome(request, share_store_list(&request->work, domains, &count));
	if (status == 0)
		status = http_outcome(request, share_store_current(&request->work, current, sizeof(current)));
	if (status != 0)
		return status;
	json_t *items = json_array();
	for (int i = 0; i < count; i++)
		json_array_append_new(items, domain_json(request->work.config, &domains[i], current));
	return http_reply(request, 200, json_pack("{s:o, s:o, s:o}", "items", items, "next_cursor", json_null(), "links",
						  now_json(request, current)));
}

/* The domain id as JSON (a new reference), or NULL when there is none. */
static json_t *domain_load(struct request *request, int64_t id, int *status)
{
	struct share_domain domain;
	bool found = false;
	char current[SHARE_HOST_MAX + 1];
	*status = http_outcome(request, share_store_get(&request->work, id, &domain, &found));
	if (*status == 0)
		*status = http_outcome(request, share_store_current(&request->work, current, sizeof(current)));
	if (*status != 0 || !found)
		return NULL;
	return domain_json(request->work.config, &domain, current);
}

static int create_transaction(struct request *request, void *context)
{
	(void)context;
	const char *host = body_string(request, "host");
	int64_t id = 0;
	int result = share_store_insert(&request->work, host, body_bool(request, "active", true), &id);
	if (result == DB_DUPLICATE)
		return http_error_message(request, 409, "conflict", "这个域名已在分享域名池中。");
	int status = http_outcome(request, result);
	if (status != 0)
		return status;
	json_t *after = domain_load(request, id, &status);
	if (after == NULL)
		return status ? status : http_error(request, 500, "internal_error");
	http_own(request, after);
	if ((status = http_outcome(request, audit_write(&request->work, session_admin_id(&request->session),
							"share_domain.create", "share_domain", id, NULL, after))) != 0)
		return status;
	return http_reply(request, 201, json_incref(after));
}

static int domain_create(struct request *request)
{
	return db_transaction(request, create_transaction, NULL);
}

static int update_transaction(struct request *request, void *context)
{
	(void)context;
	int64_t id = http_path_id(request, 0);
	struct share_domain domain;
	bool found = false;
	int status = http_outcome(request, share_store_get(&request->work, id, &domain, &found));
	if (status != 0)
		return status;
	if (!found)
		return http_error(request, 404, "not_found");
	json_t *before = domain_load(request, id, &status);
	if (before == NULL)
		return status ? status : http_error(request, 500, "internal_error");
	http_own(request, before);
	const char *host = body_string(request, "host");
	int result = share_store_update(&request->work, id, host ? host : domain.host,
					body_bool(request, "active", domain.active),
					body_bool(request, "blocked", domain.blocked));
	if (result == DB_DUPLICATE)
		return http_error_message(request, 409, "conflict", "这个域名已在分享域名池中。");
	if ((status = http_outcome(request, result)) != 0)
		return status;
	json_t *after = domain_load(request, id, &status);
	if (after == NULL)
		return status ? status : http_error(request, 500, "internal_error");
	http_own(request, after);
	if (body_bool(request, "blocked", false) && !domain.blocked)
		log_warn("share domain %lld marked blocked; new links move to the next one", (long long)id);
	if ((status = http_outcome(request, audit_write(&request->work, session_admin_id(&request->session),
							"share_domain.update", "share_domain", id, before, after))) != 0)
		return status;
	return http_reply(request, 200, json_incref(after));
}

static int domain_update(struct request *request)
{
	return db_transaction(request, update_transaction, NULL);
}

/* For the pages: {"blocked": is ?host= a blocked pool domain, "links": where
 * links go now}. A page on a blocked domain moves to links.base_url. */
static int domain_for_page(struct request *request)
{
	const char *host = http_query_param(request, "host");
	if (host == NULL || !share_host_shape(host))
		return http_error_message(request, 400, "invalid_field", "host 不是有效的域名。");
	struct share_domain domain;
	bool found = false;
	char current[SHARE_HOST_MAX + 1];
	int status = http_outcome(request, share_store_by_host(&request->work, host, &domain, &found));
	if (status == 0)
		status = http_outcome(request, share_store_current(&request->work, current, sizeof(current)));
	if (status != 0)
		return status;
	http_header_add(request, "Cache-Control", "max-age=30");
	return http_reply(request, 200, json_pack("{s:b, s:o}", "blocked", found && domain.blocked, "links",
						  now_json(request, current)));
}

static bool jssdk_url_shape(const char *url)
{
	size_t length = strlen(url);
	if (length == 0 || length > SHARE_JSSDK_URL_MAX)
		return false;
	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		return false;
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

/* GET /api/v1/wechat/jssdk?url=U: {"appId", "timestamp", "nonceStr",
 * "signature", "url"} for wx.config; 404 when no official account is
 * configured, 503 when WeChat gives no ticket. */
static int jssdk_config(struct request *request)
{
	const struct config *config = request->work.config;
	if (config->wechat_appid[0] == '\0')
		return http_error_message(request, 404, "not_found", "未配置微信公众号。");
	const char *given = http_query_param(request, "url");
	if (given == NULL || !jssdk_url_shape(given))
		return http_error_message(request, 400, "invalid_field", "url 应为页面的完整地址。");
	/* the page's URL without its fragment, as the JS-SDK documentation says */
	char *url = arena_strndup(&request->arena, given, strcspn(given, "#"));
	char ticket[SHARE_TICKET_MAX];
	if (share_jsapi_ticket(&request->work, ticket) != 0)
		return http_error_message(request, 503, "unavailable", "微信分享暂时不可用。");
	unsigned char random[8];
	char nonce[17], signature[41];
	crypto_random(random, sizeof(random));
	crypto_hex(random, sizeof(random), nonce);
	share_jssdk_signature(ticket, nonce, request->work.now, url, signature);
	memset(ticket, 0, sizeof(ticket));
	return http_reply(request, 200, json_pack("{s:s, s:I, s:s, s:s, s:s}", "appId", config->wechat_appid,
						  "timestamp", (json_int_t)request->work.now, "nonceStr", nonce,
						  "signature", signature, "url", url));
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "GET", "/api/v1/admin/share-domains", domain_list, AUTH_ADMIN, ROLE_OPERATOR, NULL },
	{ "POST", "/api/v1/admin/share-domains", domain_create, AUTH_ADMIN, ROLE_OPERATOR, domain_create_body },
	{ "PATCH", "/api/v1/admin/share-domains/{id}", domain_update, AUTH_ADMIN, ROLE_OPERATOR, domain_update_body },
	{ "GET", "/api/v1/share/domain", domain_for_page, AUTH_NONE, 0, NULL },
	{ "GET", "/api/v1/wechat/jssdk", jssdk_config, AUTH_NONE, 0, NULL },
};

const struct route_table share_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
