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

#include "core/clock.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/outcome.h"
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
		json_array_append_new(items, share_domain_json(request->work.config, &domains[i], current));
	return http_reply(request, 200, json_pack("{s:o, s:o, s:o}", "items", items, "next_cursor", json_null(), "links",
						  now_json(request, current)));
}

/* The change's answer: the domain as stored, or the refusal. */
static int change_reply(struct request *request, int result, struct share_domain_change *change, int status)
{
	if (result == OUT_CONFLICT)
		return http_error_detail(request, 409, "conflict", "share.host_taken");
	int refused = http_outcome(request, result);
	if (refused != 0)
		return refused;
	return http_reply(request, status, change->after);
}

static int domain_create(struct request *request)
{
	struct share_domain_change change = {
		.admin_id = session_admin_id(&request->session),
		.host = body_string(request, "host"),
		.active = body_bool(request, "active", true),
		.blocked = -1,
	};
	return change_reply(request, share_domain_add(&request->work, &change), &change, 201);
}

/* A boolean field of the body as 0 or 1, or -1 when it is absent. */
static int body_flag(struct request *request, const char *name)
{
	return body_has(request, name) ? body_bool(request, name, false) : -1;
}

static int domain_update(struct request *request)
{
	struct share_domain_change change = {
		.admin_id = session_admin_id(&request->session),
		.id = http_path_id(request, 0),
		.host = body_string(request, "host"),
		.active = body_flag(request, "active"),
		.blocked = body_flag(request, "blocked"),
	};
	return change_reply(request, share_domain_update(&request->work, &change), &change, 200);
}

/* For the pages: {"blocked": is ?host= a blocked pool domain, "links": where
 * links go now}. A page on a blocked domain moves to links.base_url. */
static int domain_for_page(struct request *request)
{
	const char *host = http_query_param(request, "host");
	if (host == NULL || !share_host_shape(host))
		return http_error_detail(request, 400, "invalid_field", "share.host");
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
		return http_error_detail(request, 404, "not_found", "wechat.not_configured");
	const char *given = http_query_param(request, "url");
	if (given == NULL || !jssdk_url_shape(given))
		return http_error_detail(request, 400, "invalid_field", "wechat.page_url", "url");
	/* the page's URL without its fragment, as the JS-SDK documentation says */
	char *url = arena_strndup(&request->arena, given, strcspn(given, "#"));
	char ticket[SHARE_TICKET_MAX];
	if (share_jsapi_ticket(&request->work, ticket) != 0)
		return http_error_detail(request, 503, "unavailable", "wechat.share_unavailable");
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
