/* admin_routes.c: the admin's session (login, logout, token renewal), the
 * admin accounts and the audit list (API.md, "Admin"): HTTP only, over
 * admin.c's flows and audit.c's pages. Every write is audited in its own
 * transaction. (The campaign and item admin routes are
 * campaign/campaign_routes.c's.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "admin/admin_store.h"
#include "admin/audit.h"
#include "core/clock.h"
#include "core/config.h"
#include "db/db.h"
#include "core/log.h"
#include "core/outcome.h"
#include "admin/admin_routes.h"
#include "http/token.h"

/* ================================================================= login */

static bool username_shape(const char *value)
{
	return admin_username_valid(value);
}

/* A name or password of an impossible shape is a wrong one: 401, before
 * any query. */
static const struct field admin_login_body[] = {
	{ .name = "username", .type = FIELD_STRING, .required = true, .min = 1, .max = ADMIN_USERNAME_MAX,
	  .shape = username_shape, .shape_status = 401, .shape_code = "invalid_credentials" },
	{ .name = "password", .type = FIELD_STRING, .required = true, .min = 1, .max = ADMIN_PASSWORD_MAX - 1,
	  .shape_status = 401, .shape_code = "invalid_credentials" },
	{ .name = NULL },
};

/* The login answer's shape, for a login and a renewal: a fresh token for
 * the account at its token version. */
static int admin_token_reply(struct request *request, int64_t id, const char *username, const char *roles,
			     int64_t token_version)
{
	const struct config *config = request->work.config;
	struct token_claims claims = {
		.subject = id,
		.issued_at = request->work.now,
		.expires_at = request->work.now + config->admin_token_ttl_s,
		.version = token_version,
	};
	char *token = token_issue(session_keys(), config->jwt_admin_audience, &claims);
	json_t *reply = json_pack("{s:s, s:o, s:{s:I, s:s, s:o}}", "token", token, "expires_at",
				  http_time(claims.expires_at), "admin", "id", (json_int_t)id, "username", username,
				  "roles", admin_roles_json(roles));
	explicit_bzero(token, strlen(token));
	free(token);
	return http_reply(request, 200, reply);
}

static int admin_login_route(struct request *request)
{
	const char *username = body_string(request, "username");
	struct admin_login_result login;
	int64_t retry_after_s;
	int result = admin_login(&request->work, username, body_string(request, "password"), request->client_ip, &login,
				 &retry_after_s);
	if (result == OUT_RATE_LIMITED)
		http_retry_after(request, retry_after_s);
	else if (result == OUT_UNAVAILABLE)
		http_retry_after(request, 1); /* the hashing cap: try again in a moment */
	int status = http_outcome(request, result);
	if (status != 0)
		return status;
	return admin_token_reply(request, login.id, username, login.roles, login.token_version);
}

static int admin_logout_route(struct request *request)
{
	int status = http_outcome(request, admin_logout(&request->work, session_admin_id(&request->session),
							request->session.jti, request->session.expires_at));
	if (status != 0)
		return status;
	return http_reply(request, 204, NULL);
}

/* POST /api/v1/admin/token/renew: a fresh token (admin_token_ttl_s) for the
 * same admin and token version, in the login answer's shape. The console
 * renews while its admin is active; an idle console's token runs out. A
 * revoked, disabled or demoted admin is refused by the auth phase first. */
static int admin_token_renew(struct request *request)
{
	struct admin_account account;
	int status = http_outcome(request, admin_renew(&request->work, request->session.user_id, &account));
	if (status != 0)
		return status;
	http_header_add(request, "Cache-Control", "no-store");
	return admin_token_reply(request, request->session.user_id, account.username, account.roles,
				 account.token_version);
}

/* ======================================================= admin accounts */

/* GET /api/v1/admin/admins (owner) */
static int admin_account_list(struct request *request)
{
	struct admin_account *accounts;
	int count;
	int status = http_outcome(request, admin_accounts(&request->work, &accounts, &count));
	if (status != 0)
		return status;
	json_t *items = json_array();
	for (int i = 0; i < count; i++)
		json_array_append_new(items, admin_account_json(&accounts[i]));
	return http_reply(request, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
}

static const struct field admin_account_create_body[] = {
	{ .name = "username", .type = FIELD_STRING, .required = true, .min = 1, .max = ADMIN_USERNAME_MAX,
	  .shape = username_shape },
	{ .name = "password", .type = FIELD_STRING, .required = true, .min = ADMIN_PASSWORD_MIN,
	  .max = ADMIN_PASSWORD_MAX - 1 },
	{ .name = "roles", .type = FIELD_ARRAY, .required = true, .min = 1, .max = 4 },
	{ .name = NULL },
};

static const struct field admin_account_patch_body[] = {
	{ .name = "roles", .type = FIELD_ARRAY, .min = 1, .max = 4 },
	{ .name = "disabled", .type = FIELD_BOOL },
	{ .name = NULL },
};

/* The body's roles array as one comma-separated list in the arena; "" (no
 * role at all: refused by admin_roles_normalise) for an element that is
 * not a string or a list too long to be real. */
static const char *roles_list(struct request *request)
{
	const json_t *roles = json_object_get(request->json, "roles");
	char list[ADMIN_ROLES_TEXT_MAX * 2] = "";
	size_t index;
	const json_t *role;
	json_array_foreach(roles, index, role) {
		const char *name = json_string_value(role);
		if (name == NULL || strlen(list) + strlen(name) + 2 > sizeof(list))
			return "";
		if (index > 0)
			strcat(list, ",");
		strcat(list, name);
	}
	return arena_strdup(&request->arena, list);
}

/* POST /api/v1/admin/admins {"username", "password", "roles": [...]} (owner) */
static int admin_account_create_route(struct request *request)
{
	char roles[ADMIN_ROLES_TEXT_MAX];
	if (admin_roles_normalise(roles_list(request), roles) != 0)
		return http_error_detail(request, 422, "invalid_field", "admin.roles");
	char *hash = arena_alloc(&request->arena, ADMIN_HASH_SIZE);
	if (admin_password_hash(body_string(request, "password"), hash) != 0)
		return http_error(request, 500, "internal_error");
	struct admin_account created;
	int result = admin_account_create(&request->work, session_admin_id(&request->session),
					  body_string(request, "username"), hash, roles, &created);
	explicit_bzero(hash, ADMIN_HASH_SIZE);
	if (result == DB_DUPLICATE)
		return http_error_detail(request, 409, "conflict", "admin.username_taken");
	int status = http_outcome(request, result);
	if (status != 0)
		return status;
	return http_reply(request, 201, admin_account_json(&created));
}

/* PATCH /api/v1/admin/admins/{id} {"roles"?, "disabled"?} (owner) */
static int admin_account_patch(struct request *request)
{
	struct admin_access_change change = {
		.roles_list = json_object_get(request->json, "roles") != NULL ? roles_list(request) : NULL,
		.has_disabled = json_object_get(request->json, "disabled") != NULL,
		.disabled = body_bool(request, "disabled", false),
	};
	struct admin_account changed;
	const char *detail = NULL;
	int result = admin_account_update(&request->work, session_admin_id(&request->session), http_path_id(request, 0),
					  &change, &changed, &detail);
	if (result == OUT_UNPROCESSABLE_FIELD && detail != NULL)
		return http_error_detail(request, 422, "invalid_field", detail);
	int status = http_outcome(request, result);
	if (status != 0)
		return status;
	return http_reply(request, 200, admin_account_json(&changed));
}

/* ============================================================ audit log */

#define AUDIT_TARGET_TYPE_MAX 32

/* A stored JSON text as JSON (null when absent or unreadable). */
static json_t *stored_json(const char *text)
{
	json_t *value = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
	return value ? value : json_null();
}

static json_t *id_or_null(int64_t id)
{
	return id != 0 ? json_integer((json_int_t)id) : json_null();
}

static json_t *text_or_null(const char *text)
{
	return text != NULL ? json_string(text) : json_null();
}

/* GET /api/v1/admin/audit[?target_type=campaign&target_id=1]: newest
 * first, with limit and cursor. */
static int admin_audit_list(struct request *request)
{
	int64_t limit, before;
	int status = http_list_params_newest_first(request, &limit, &before);
	if (status != 0)
		return status;
	const char *target_type = http_query_param(request, "target_type");
	const char *target_id_text = http_query_param(request, "target_id");
	int64_t target_id = target_id_text ? strtoll(target_id_text, NULL, 10) : 0;
	if ((target_type == NULL) != (target_id_text == NULL) ||
	    (target_type != NULL && (strlen(target_type) == 0 || strlen(target_type) > AUDIT_TARGET_TYPE_MAX ||
				     !validate_text(target_type, strlen(target_type)) || target_id < 1)))
		return http_error_detail(request, 400, "invalid_field", "audit.target");
	struct audit_entry *entries;
	int found;
	status = http_outcome(request, audit_page(&request->work, target_type, target_id, before, limit + 1, &entries,
						  &found));
	if (status != 0)
		return status;
	int count = found > limit ? (int)limit : found;
	json_t *items = json_array();
	for (int r = 0; r < count; r++) {
		const struct audit_entry *entry = &entries[r];
		json_array_append_new(
			items, json_pack("{s:I, s:o, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)entry->id,
					 "admin_id", id_or_null(entry->admin_id), "admin", text_or_null(entry->admin_username),
					 "action", entry->action, "target_type", entry->target_type, "target_id",
					 id_or_null(entry->target_id), "before", stored_json(entry->before_json), "after",
					 stored_json(entry->after_json), "request_id", text_or_null(entry->request_id),
					 "created_at", http_time(entry->created_at)));
	}
	json_t *next = http_next_cursor(count > 0 ? entries[count - 1].id : 0, found > limit);
	return http_reply(request, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "POST", "/api/v1/admin/login", admin_login_route, AUTH_NONE, 0, admin_login_body },
	{ "POST", "/api/v1/admin/logout", admin_logout_route, AUTH_ADMIN, 0, NULL },
	{ "GET", "/api/v1/admin/audit", admin_audit_list, AUTH_ADMIN, ROLE_OWNER, NULL },
	{ "POST", "/api/v1/admin/token/renew", admin_token_renew, AUTH_ADMIN, 0, NULL },
	{ "GET", "/api/v1/admin/admins", admin_account_list, AUTH_ADMIN, ROLE_OWNER, NULL },
	{ "POST", "/api/v1/admin/admins", admin_account_create_route, AUTH_ADMIN, ROLE_OWNER, admin_account_create_body },
	{ "PATCH", "/api/v1/admin/admins/{id}", admin_account_patch, AUTH_ADMIN, ROLE_OWNER, admin_account_patch_body },
};

const struct route_table admin_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
