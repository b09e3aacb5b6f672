/* admin_routes.c: admin login and logout, and the audit log (API.md,
 * "Admin"). Every write is audited in its own transaction. (The campaign
 * and item admin routes are campaign/campaign_routes.c's.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "admin/audit.h"
#include "core/clock.h"
#include "core/config.h"
#include "db/db.h"
#include "core/log.h"
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

static const char *const sql_admin_guard_lock =
	"SELECT window_start, failures, locked_until FROM admin_login_guard WHERE username = ? FOR UPDATE";
/* One failure, counted atomically (as login_guard in shopper_routes.c): a new
 * window starts when the old one is over; the failure that reaches the
 * limit sets the lock (failures is assigned first, so locked_until sees the
 * new count). Unknown names are counted too. */
static const char *const sql_admin_guard_fail =
	"INSERT INTO admin_login_guard (username, window_start, failures, locked_until) VALUES (?, ?, 1, ?) "
	"ON DUPLICATE KEY UPDATE "
	"failures = IF(window_start > ?, failures + 1, 1), "
	"window_start = IF(window_start > ?, window_start, VALUES(window_start)), "
	"locked_until = IF(failures >= ?, ?, locked_until)";
static const char *const sql_admin_guard_clear = "DELETE FROM admin_login_guard WHERE username = ?";
static const char *const sql_admin_by_name =
	"SELECT id, password_hash, roles, token_version, disabled FROM admin WHERE username = ?";

struct admin_login {
	const char *username;
	const char *password;
};

static void set_retry_after(struct request *request, int64_t seconds)
{
	char text[24];
	snprintf(text, sizeof(text), "%lld", (long long)(seconds > 0 ? seconds : 1));
	http_header_add(request, "Retry-After", text);
}

static int admin_login_failed(struct request *request, const char *username)
{
	const struct config *config = request->work.config;
	int64_t window_floor = request->work.now - config->admin_fail_window_s;
	int64_t lock_end = request->work.now + config->admin_lock_s;
	int status = db_run(request, NULL, sql_admin_guard_fail, "siiiiii", username, request->work.now,
			    config->admin_fail_limit <= 1 ? lock_end : 0, window_floor, window_floor,
			    config->admin_fail_limit, lock_end);
	if (status != 0)
		return status;
	request->work.commit_on_error = true; /* the failure must be counted */
	return http_error(request, 401, "invalid_credentials");
}

static int admin_login_transaction(struct request *request, void *context)
{
	const struct admin_login *login = context;
	const struct config *config = request->work.config;

	struct db_rows guard;
	int status = db_run(request, &guard, sql_admin_guard_lock, "s", login->username);
	if (status != 0)
		return status;
	if (guard.row_count == 1 && db_int(&guard, 0, 2) > request->work.now) {
		set_retry_after(request, db_int(&guard, 0, 2) - request->work.now);
		return http_error(request, 429, "rate_limited");
	}

	struct db_rows admin;
	if ((status = db_run(request, &admin, sql_admin_by_name, "s", login->username)) != 0)
		return status;
	bool exists = admin.row_count == 1;
	/* The same hash work whether or not the name exists. */
	bool matches = admin_password_check(login->password, exists ? db_text(&admin, 0, 1) : NULL);
	if (!matches || db_int(&admin, 0, 4) != 0) {
		log_info("admin login: refused (%s)", !exists ? "no such name" : !matches ? "wrong password" : "disabled");
		return admin_login_failed(request, login->username);
	}
	if (guard.row_count == 1 &&
	    (status = db_run(request, NULL, sql_admin_guard_clear, "s", login->username)) != 0)
		return status;
	if ((status = http_outcome(request, audit_write(&request->work, db_int(&admin, 0, 0), "admin.login", "admin", db_int(&admin, 0, 0),
				      NULL, NULL))) != 0)
		return status;

	struct token_claims claims = {
		.subject = db_int(&admin, 0, 0),
		.issued_at = request->work.now,
		.expires_at = request->work.now + config->admin_token_ttl_s,
		.version = db_int(&admin, 0, 3),
	};
	char *token = token_issue(session_keys(), config->jwt_admin_audience, &claims);
	char expires_at[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(claims.expires_at, expires_at);
	json_t *reply = json_pack("{s:s, s:s, s:{s:I, s:s, s:o}}", "token", token, "expires_at", expires_at, "admin",
				  "id", (json_int_t)claims.subject, "username", login->username, "roles",
				  admin_roles_json(db_text(&admin, 0, 2)));
	explicit_bzero(token, strlen(token));
	free(token);
	return http_reply(request, 200, reply);
}

static int admin_login(struct request *request)
{
	struct admin_login login = {
		.username = body_string(request, "username"),
		.password = body_string(request, "password"),
	};
	return db_transaction(request, admin_login_transaction, &login);
}

static const char *const sql_admin_token_revoke =
	"INSERT IGNORE INTO revoked_token (jti, expires_at) VALUES (?, FROM_UNIXTIME(?))";

static int admin_logout_transaction(struct request *request, void *context)
{
	(void)context;
	int status = db_run(request, NULL, sql_admin_token_revoke, "si", request->session.jti,
			    request->session.expires_at);
	if (status == 0)
		status = http_outcome(request, audit_write(&request->work, session_admin_id(&request->session), "admin.logout", "admin", request->session.user_id, NULL, NULL));
	if (status != 0)
		return status;
	return http_reply(request, 204, NULL);
}

static int admin_logout(struct request *request)
{
	return db_transaction(request, admin_logout_transaction, NULL);
}

/* ============================================================ audit log */

static const char *const sql_audit_page =
	"SELECT l.id, l.admin_id, a.username, l.action, l.target_type, l.target_id, l.before_json, "
	"l.after_json, l.request_id, UNIX_TIMESTAMP(l.created_at) "
	"FROM audit_log l LEFT JOIN admin a ON a.id = l.admin_id "
	"WHERE l.id < ? ORDER BY l.id DESC LIMIT ?";
static const char *const sql_audit_page_target =
	"SELECT l.id, l.admin_id, a.username, l.action, l.target_type, l.target_id, l.before_json, "
	"l.after_json, l.request_id, UNIX_TIMESTAMP(l.created_at) "
	"FROM audit_log l LEFT JOIN admin a ON a.id = l.admin_id "
	"WHERE l.target_type = ? AND l.target_id = ? AND l.id < ? ORDER BY l.id DESC LIMIT ?";

#define AUDIT_TARGET_TYPE_MAX 32

/* A stored JSON text as JSON (null when absent or unreadable). */
static json_t *stored_json(const char *text)
{
	json_t *value = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
	return value ? value : json_null();
}

static json_t *nullable_int(const struct db_rows *rows, int row, int column)
{
	return db_null(rows, row, column) ? json_null() : json_integer((json_int_t)db_int(rows, row, column));
}

static json_t *nullable_text(const struct db_rows *rows, int row, int column)
{
	return db_null(rows, row, column) ? json_null() : json_string(db_text(rows, row, column));
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
		return http_error_message(request, 400, "invalid_field", "target_type 与 target_id 需同时给出且有效。");
	struct db_rows rows;
	status = target_type ? db_run(request, &rows, sql_audit_page_target, "siii", target_type, target_id, before,
				      limit + 1)
			     : db_run(request, &rows, sql_audit_page, "ii", before, limit + 1);
	if (status != 0)
		return status;
	int count = rows.row_count > limit ? (int)limit : rows.row_count;
	json_t *items = json_array();
	for (int r = 0; r < count; r++) {
		char created_at[CLOCK_RFC3339_SIZE];
		clock_format_rfc3339(db_int(&rows, r, 9), created_at);
		json_array_append_new(
			items, json_pack("{s:I, s:o, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:s}", "id",
					 (json_int_t)db_int(&rows, r, 0), "admin_id", nullable_int(&rows, r, 1), "admin",
					 nullable_text(&rows, r, 2), "action", db_text(&rows, r, 3), "target_type",
					 db_text(&rows, r, 4), "target_id", nullable_int(&rows, r, 5), "before",
					 stored_json(db_text(&rows, r, 6)), "after", stored_json(db_text(&rows, r, 7)),
					 "request_id", nullable_text(&rows, r, 8), "created_at", created_at));
	}
	json_t *next = http_next_cursor(count > 0 ? db_int(&rows, count - 1, 0) : 0, rows.row_count > limit);
	return http_reply(request, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "POST", "/api/v1/admin/login", admin_login, AUTH_NONE, 0, admin_login_body },
	{ "POST", "/api/v1/admin/logout", admin_logout, AUTH_ADMIN, 0, NULL },
	{ "GET", "/api/v1/admin/audit", admin_audit_list, AUTH_ADMIN, ROLE_OWNER, NULL },
};

const struct route_table admin_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
