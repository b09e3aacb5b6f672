/* fulfil_routes.c: the admin console's operations (issue 7, API.md
 * "Admin"): prizes to fulfil, shoppers
 * (search, block, unblock), admin token renewal and the admin accounts.
 *
 * Roles are route metadata (routes.c): fulfilment ships, refunds and
 * fulfils prizes; risk blocks shoppers; only owner manages admins and sees
 * shoppers' full phone numbers. Every write is one transaction holding the
 * order's (or row's) conditional UPDATE, what rides on it, and its
 * audit_log row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin/admin.h"
#include "admin/audit.h"
#include "core/clock.h"
#include "core/config.h"
#include "db/db.h"
#include "fraud/fraud_check.h"
#include "reward/points.h"
#include "core/log.h"
#include "core/phone.h"
#include "admin/fulfil_routes.h"
#include "admin/stats.h"
#include "http/token.h"

#define CARRIER_MAX 50
#define TRACKING_MAX 64
#define NOTE_MAX 200
#define PHONE_SEARCH_MIN 3

/* ============================================================= helpers */

static bool is_owner(const struct request *request)
{
	return (request->session.roles & ROLE_OWNER) != 0;
}

static json_t *time_or_null(const struct db_rows *rows, int row, int column)
{
	if (db_null(rows, row, column))
		return json_null();
	char text[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(db_int(rows, row, column), text);
	return json_string(text);
}

static json_t *text_or_null(const struct db_rows *rows, int row, int column)
{
	return db_null(rows, row, column) ? json_null() : json_string(db_text(rows, row, column));
}

/* A phone as this admin may see it: whole for owners, else masked. */
static json_t *phone_shown(const struct request *request, const char *phone)
{
	if (is_owner(request))
		return json_string(phone);
	char masked[PHONE_MASKED_SIZE];
	if (!phone_valid(phone))
		return json_string("***");
	phone_mask(phone, masked);
	return json_string(masked);
}

/* A query parameter that must be a positive id when present: 0 when absent,
 * -1 when malformed. */
static int64_t query_id(struct request *request, const char *name)
{
	const char *text = http_query_param(request, name);
	if (text == NULL || text[0] == '\0')
		return 0;
	char *end;
	long long value = strtoll(text, &end, 10);
	return *end == '\0' && value > 0 ? (int64_t)value : -1;
}

static bool digits_only(const char *text)
{
	for (const char *c = text; *c != '\0'; c++)
		if (*c < '0' || *c > '9')
			return false;
	return true;
}

/* ============================================================== prizes */

static const char *const sql_prizes =
	"SELECT p.id, p.user_id, s.phone, p.campaign_id, c.title, p.bargain_id, p.title, p.status, "
	"UNIX_TIMESTAMP(p.created_at), UNIX_TIMESTAMP(p.fulfilled_at), p.fulfil_note "
	"FROM prize p JOIN shopper s ON s.id = p.user_id JOIN campaign c ON c.id = p.campaign_id "
	"WHERE p.id < ? AND p.status = ? AND (? = 0 OR p.campaign_id = ?) ORDER BY p.id DESC LIMIT ?";
static const char *const sql_prize_one =
	"SELECT p.id, p.user_id, s.phone, p.campaign_id, c.title, p.bargain_id, p.title, p.status, "
	"UNIX_TIMESTAMP(p.created_at), UNIX_TIMESTAMP(p.fulfilled_at), p.fulfil_note "
	"FROM prize p JOIN shopper s ON s.id = p.user_id JOIN campaign c ON c.id = p.campaign_id WHERE p.id = ?";
static const char *const sql_prize_fulfil =
	"UPDATE prize SET status = 'fulfilled', fulfilled_at = FROM_UNIXTIME(?), fulfilled_by = ?, fulfil_note = ? "
	"WHERE id = ? AND status = 'pending'";

static json_t *prize_json(const struct request *request, const struct db_rows *rows, int r)
{
	return json_pack("{s:I, s:I, s:o, s:I, s:s, s:o, s:s, s:s, s:o, s:o, s:o}", "id", (json_int_t)db_int(rows, r, 0),
			 "user_id", (json_int_t)db_int(rows, r, 1), "user_phone", phone_shown(request, db_text(rows, r, 2)),
			 "campaign_id", (json_int_t)db_int(rows, r, 3), "campaign_title", db_text(rows, r, 4),
			 "bargain_id", db_null(rows, r, 5) ? json_null() : json_integer((json_int_t)db_int(rows, r, 5)),
			 "title", db_text(rows, r, 6), "status", db_text(rows, r, 7), "created_at",
			 time_or_null(rows, r, 8), "fulfilled_at", time_or_null(rows, r, 9), "note",
			 text_or_null(rows, r, 10));
}

/* GET /api/v1/admin/prizes?status=pending|fulfilled&campaign_id= */
static int admin_prize_list(struct request *request)
{
	int64_t limit, cursor;
	int status = http_list_params_newest_first(request, &limit, &cursor);
	if (status != 0)
		return status;
	const char *which = http_query_param(request, "status");
	if (which == NULL || which[0] == '\0')
		which = "pending";
	if (strcmp(which, "pending") != 0 && strcmp(which, "fulfilled") != 0)
		return http_error_message(request, 400, "invalid_field", "status 应为 pending 或 fulfilled。");
	int64_t campaign_id = query_id(request, "campaign_id");
	if (campaign_id < 0)
		return http_error_message(request, 400, "invalid_field", "campaign_id 无效。");
	struct db_rows rows;
	status = db_run(request, &rows, sql_prizes, "isiii", cursor, which, campaign_id,
			campaign_id, limit + 1);
	if (status != 0)
		return status;
	int count = rows.row_count > limit ? (int)limit : rows.row_count;
	json_t *items = json_array();
	for (int r = 0; r < count; r++)
		json_array_append_new(items, prize_json(request, &rows, r));
	json_t *next = http_next_cursor(count > 0 ? db_int(&rows, count - 1, 0) : 0, rows.row_count > limit);
	return http_reply(request, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

static const struct field prize_fulfil_body[] = {
	{ .name = "note", .type = FIELD_STRING, .nullable = true, .min = 0, .max = NOTE_MAX },
	{ .name = NULL },
};

static int prize_fulfil_transaction(struct request *request, void *context)
{
	(void)context;
	int64_t id = http_path_id(request, 0);
	struct db_rows rows;
	int status = db_run(request, &rows, sql_prize_one, "i", id);
	if (status != 0)
		return status;
	if (rows.row_count != 1)
		return http_error(request, 404, "not_found");
	json_t *before = http_own(request, prize_json(request, &rows, 0));
	struct db_rows updated;
	if ((status = db_run(request, &updated, sql_prize_fulfil, "iisi", request->work.now, request->session.user_id,
			     body_string(request, "note"), id)) != 0)
		return status;
	if (updated.affected != 1)
		return http_error_message(request, 409, "invalid_state", "这个奖品已经发放过了。");
	if ((status = db_run(request, &rows, sql_prize_one, "i", id)) != 0)
		return status;
	json_t *after = http_own(request, prize_json(request, &rows, 0));
	if ((status = http_outcome(request, audit_write(&request->work, session_admin_id(&request->session), "prize.fulfil", "prize", id, before, after))) != 0)
		return status;
	return http_reply(request, 200, json_incref(after));
}

/* POST /api/v1/admin/prizes/{id}/fulfil [{"note"}]: pending -> fulfilled, once. */
static int admin_prize_fulfil(struct request *request)
{
	return db_transaction(request, prize_fulfil_transaction, NULL);
}

/* =============================================================== users */

#define USER_COLUMNS                                                                                        \
	"s.id, s.phone, s.blocked, s.points_balance, UNIX_TIMESTAMP(s.created_at), "                          \
	"UNIX_TIMESTAMP(s.last_login_at), (SELECT COUNT(*) FROM bargain b WHERE b.user_id = s.id), "           \
	"(SELECT COUNT(*) FROM orders o WHERE o.user_id = s.id), "                                              \
	"(SELECT COUNT(*) FROM bargain_cut k WHERE k.helper_id = s.id) "
static const char *const sql_users_search =
	"SELECT " USER_COLUMNS "FROM shopper s WHERE s.phone LIKE CONCAT(?, '%') AND s.id < ? ORDER BY s.id DESC LIMIT ?";
static const char *const sql_users_all =
	"SELECT " USER_COLUMNS "FROM shopper s WHERE s.id < ? AND (? = 0 OR s.blocked = 1) ORDER BY s.id DESC LIMIT ?";
static const char *const sql_user_one = "SELECT " USER_COLUMNS "FROM shopper s WHERE s.id = ?";
static const char *const sql_user_block =
	"UPDATE shopper SET blocked = ?, token_version = token_version + ? WHERE id = ? AND blocked = ?";

static json_t *user_json(const struct request *request, const struct db_rows *rows, int r)
{
	char masked[PHONE_MASKED_SIZE];
	phone_mask(db_text(rows, r, 1), masked);
	json_t *user = json_pack("{s:I, s:s, s:b, s:I, s:o, s:o, s:I, s:I, s:I}", "id", (json_int_t)db_int(rows, r, 0),
				 "phone_masked", masked, "blocked", db_int(rows, r, 2) != 0, "points_balance",
				 (json_int_t)db_int(rows, r, 3), "created_at", time_or_null(rows, r, 4), "last_login_at",
				 time_or_null(rows, r, 5), "bargains", (json_int_t)db_int(rows, r, 6), "orders",
				 (json_int_t)db_int(rows, r, 7), "helps", (json_int_t)db_int(rows, r, 8));
	if (is_owner(request))
		json_object_set_new(user, "phone", json_string(db_text(rows, r, 1)));
	return user;
}

/* GET /api/v1/admin/users?phone=<3 to 11 leading digits>[&blocked=1] */
static int admin_user_list(struct request *request)
{
	int64_t limit, cursor;
	int status = http_list_params_newest_first(request, &limit, &cursor);
	if (status != 0)
		return status;
	const char *phone = http_query_param(request, "phone");
	const char *blocked = http_query_param(request, "blocked");
	struct db_rows rows;
	if (phone != NULL && phone[0] != '\0') {
		size_t length = strlen(phone);
		if (length < PHONE_SEARCH_MIN || length > PHONE_DIGITS || !digits_only(phone))
			return http_error_message(request, 400, "invalid_field", "手机号搜索需要 %d 到 %d 位数字（从开头起）。",
						  PHONE_SEARCH_MIN, PHONE_DIGITS);
		status = db_run(request, &rows, sql_users_search, "sii", phone, cursor, limit + 1);
	} else {
		int64_t only_blocked = blocked != NULL && strcmp(blocked, "1") == 0;
		status = db_run(request, &rows, sql_users_all, "iii", cursor, only_blocked, limit + 1);
	}
	if (status != 0)
		return status;
	int count = rows.row_count > limit ? (int)limit : rows.row_count;
	json_t *items = json_array();
	for (int r = 0; r < count; r++)
		json_array_append_new(items, user_json(request, &rows, r));
	json_t *next = http_next_cursor(count > 0 ? db_int(&rows, count - 1, 0) : 0, rows.row_count > limit);
	return http_reply(request, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

struct block_change {
	bool block;
};

/* Blocking also raises the token version, so the shopper's tokens stay
 * dead after an unblock: they log in again. session.c refuses a blocked
 * shopper's token on the very next request. */
static int block_transaction(struct request *request, void *context)
{
	const struct block_change *change = context;
	int64_t id = http_path_id(request, 0);
	struct db_rows rows;
	int status = db_run(request, &rows, sql_user_one, "i", id);
	if (status != 0)
		return status;
	if (rows.row_count != 1)
		return http_error(request, 404, "not_found");
	json_t *before = http_own(request, user_json(request, &rows, 0));
	struct db_rows updated;
	if ((status = db_run(request, &updated, sql_user_block, "iiii", (int64_t)change->block, (int64_t)change->block, id,
			     (int64_t)!change->block)) != 0)
		return status;
	if ((status = db_run(request, &rows, sql_user_one, "i", id)) != 0)
		return status;
	json_t *after = http_own(request, user_json(request, &rows, 0));
	if (updated.affected == 1 &&
	    (status = http_outcome(request, audit_write(&request->work, session_admin_id(&request->session), change->block ? "user.block" : "user.unblock", "shopper", id, before,
				   after))) != 0)
		return status;
	return http_reply(request, 200, json_incref(after));
}

/* POST /api/v1/admin/users/{id}/block and /unblock: idempotent. */
static int admin_user_block(struct request *request)
{
	struct block_change change = { .block = true };
	return db_transaction(request, block_transaction, &change);
}

static int admin_user_unblock(struct request *request)
{
	struct block_change change = { .block = false };
	return db_transaction(request, block_transaction, &change);
}

/* ========================================================= admin tokens */

static const char *const sql_admin_me = "SELECT username, roles, token_version FROM admin WHERE id = ?";

/* POST /api/v1/admin/token/renew: a fresh token (admin_token_ttl_s) for the
 * same admin and token version, in the login answer's shape. The console
 * renews while its admin is active; an idle console's token runs out. A
 * revoked, disabled or demoted admin is refused by the auth phase first. */
static int admin_token_renew(struct request *request)
{
	struct db_rows admin;
	int status = db_run(request, &admin, sql_admin_me, "i", request->session.user_id);
	if (status != 0)
		return status;
	if (admin.row_count != 1)
		return http_error(request, 401, "unauthorized");
	struct token_claims claims = {
		.subject = request->session.user_id,
		.issued_at = request->work.now,
		.expires_at = request->work.now + request->work.config->admin_token_ttl_s,
		.version = db_int(&admin, 0, 2),
	};
	char *token = token_issue(session_keys(), request->work.config->jwt_admin_audience, &claims);
	char expires_at[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(claims.expires_at, expires_at);
	json_t *reply = json_pack("{s:s, s:s, s:{s:I, s:s, s:o}}", "token", token, "expires_at", expires_at, "admin",
				  "id", (json_int_t)claims.subject, "username", db_text(&admin, 0, 0), "roles",
				  admin_roles_json(db_text(&admin, 0, 1)));
	explicit_bzero(token, strlen(token));
	free(token);
	http_header_add(request, "Cache-Control", "no-store");
	return http_reply(request, 200, reply);
}

/* =========================================================== admin accounts */

static const char *const sql_admins =
	"SELECT id, username, roles, disabled, UNIX_TIMESTAMP(created_at) FROM admin ORDER BY id";
static const char *const sql_admin_one =
	"SELECT id, username, roles, disabled, UNIX_TIMESTAMP(created_at) FROM admin WHERE id = ?";
static const char *const sql_admin_change =
	"UPDATE admin SET roles = ?, disabled = ?, token_version = token_version + ? WHERE id = ?";

static json_t *admin_json(const struct db_rows *rows, int r)
{
	return json_pack("{s:I, s:s, s:o, s:b, s:o}", "id", (json_int_t)db_int(rows, r, 0), "username",
			 db_text(rows, r, 1), "roles", admin_roles_json(db_text(rows, r, 2)), "disabled",
			 db_int(rows, r, 3) != 0, "created_at", time_or_null(rows, r, 4));
}

/* GET /api/v1/admin/admins (owner) */
static int admin_account_list(struct request *request)
{
	struct db_rows rows;
	int status = db_run(request, &rows, sql_admins, "");
	if (status != 0)
		return status;
	json_t *items = json_array();
	for (int r = 0; r < rows.row_count; r++)
		json_array_append_new(items, admin_json(&rows, r));
	return http_reply(request, 200, json_pack("{s:o, s:n}", "items", items, "next_cursor"));
}

static bool username_shape(const char *value)
{
	return admin_username_valid(value);
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

/* The roles array as canonical SET text in out (OUT). Returns 0 or 422. */
static int roles_from_body(struct request *request, char out[ADMIN_ROLES_TEXT_MAX])
{
	const json_t *roles = json_object_get(request->json, "roles");
	char list[ADMIN_ROLES_TEXT_MAX * 2] = "";
	size_t index;
	const json_t *role;
	json_array_foreach(roles, index, role) {
		const char *name = json_string_value(role);
		if (name == NULL || strlen(list) + strlen(name) + 2 > sizeof(list))
			return http_error_message(request, 422, "invalid_field", "roles 只能是 operator、fulfilment、risk、owner。");
		if (index > 0)
			strcat(list, ",");
		strcat(list, name);
	}
	if (admin_roles_normalise(list, out) != 0)
		return http_error_message(request, 422, "invalid_field", "roles 只能是 operator、fulfilment、risk、owner。");
	return 0;
}

struct account_create {
	char roles[ADMIN_ROLES_TEXT_MAX];
	char hash[ADMIN_HASH_SIZE];
};

static int account_create_transaction(struct request *request, void *context)
{
	struct account_create *create = context;
	int64_t id;
	int status = admin_create(request, body_string(request, "username"), create->hash, create->roles, &id);
	if (status == 409 && db_was_duplicate(request))
		return http_error_message(request, 409, "conflict", "这个用户名已被使用。");
	if (status != 0)
		return status;
	struct db_rows rows;
	if ((status = db_run(request, &rows, sql_admin_one, "i", id)) != 0)
		return status;
	json_t *after = http_own(request, admin_json(&rows, 0));
	if ((status = http_outcome(request, audit_write(&request->work, session_admin_id(&request->session), "admin.create", "admin", id, NULL, after))) != 0)
		return status;
	return http_reply(request, 201, json_incref(after));
}

/* POST /api/v1/admin/admins {"username", "password", "roles": [...]} (owner) */
static int admin_account_create(struct request *request)
{
	struct account_create *create = arena_alloc(&request->arena, sizeof(*create));
	int status = roles_from_body(request, create->roles);
	if (status != 0)
		return status;
	if (admin_password_hash(body_string(request, "password"), create->hash) != 0)
		return http_error(request, 500, "internal_error");
	return db_transaction(request, account_create_transaction, create);
}

static int account_patch_transaction(struct request *request, void *context)
{
	(void)context;
	int64_t id = http_path_id(request, 0);
	struct db_rows rows;
	int status = db_run(request, &rows, sql_admin_one, "i", id);
	if (status != 0)
		return status;
	if (rows.row_count != 1)
		return http_error(request, 404, "not_found");
	json_t *before = http_own(request, admin_json(&rows, 0));
	char roles[ADMIN_ROLES_TEXT_MAX];
	snprintf(roles, sizeof(roles), "%s", db_text(&rows, 0, 2));
	if (json_object_get(request->json, "roles") != NULL && (status = roles_from_body(request, roles)) != 0)
		return status;
	bool disabled = body_bool(request, "disabled", db_int(&rows, 0, 3) != 0);
	if (id == request->session.user_id && (disabled || (session_roles_parse(roles) & ROLE_OWNER) == 0))
		return http_error_message(request, 422, "invalid_field", "不能停用自己或取消自己的 owner 角色。");
	/* Any change of roles or state ends the admin's sessions at once. */
	if ((status = db_run(request, NULL, sql_admin_change, "siii", roles, (int64_t)disabled, (int64_t)1, id)) != 0 ||
	    (status = db_run(request, &rows, sql_admin_one, "i", id)) != 0)
		return status;
	json_t *after = http_own(request, admin_json(&rows, 0));
	if ((status = http_outcome(request, audit_write(&request->work, session_admin_id(&request->session), "admin.update", "admin", id, before, after))) != 0)
		return status;
	return http_reply(request, 200, json_incref(after));
}

/* PATCH /api/v1/admin/admins/{id} {"roles"?, "disabled"?} (owner) */
static int admin_account_patch(struct request *request)
{
	return db_transaction(request, account_patch_transaction, NULL);
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "GET", "/api/v1/admin/prizes", admin_prize_list, AUTH_ADMIN, 0, NULL },
	{ "POST", "/api/v1/admin/prizes/{id}/fulfil", admin_prize_fulfil, AUTH_ADMIN, ROLE_FULFILMENT, prize_fulfil_body },
	{ "GET", "/api/v1/admin/users", admin_user_list, AUTH_ADMIN, 0, NULL },
	{ "POST", "/api/v1/admin/users/{id}/block", admin_user_block, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "POST", "/api/v1/admin/users/{id}/unblock", admin_user_unblock, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "POST", "/api/v1/admin/token/renew", admin_token_renew, AUTH_ADMIN, 0, NULL },
	{ "GET", "/api/v1/admin/admins", admin_account_list, AUTH_ADMIN, ROLE_OWNER, NULL },
	{ "POST", "/api/v1/admin/admins", admin_account_create, AUTH_ADMIN, ROLE_OWNER, admin_account_create_body },
	{ "PATCH", "/api/v1/admin/admins/{id}", admin_account_patch, AUTH_ADMIN, ROLE_OWNER, admin_account_patch_body },
};

const struct route_table fulfil_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
