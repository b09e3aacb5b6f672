/* fulfil_routes.c: the admin console's operations (issue 7, API.md
 * "Admin"): prizes to fulfil. (The shoppers are admin/users_routes.c's,
 * token renewal and the admin accounts admin/admin_routes.c's, the orders
 * checkout/'s.)
 *
 * Roles are route metadata (routes.c): fulfilment fulfils prizes; only
 * owner sees shoppers' full phone numbers. Every write is one transaction
 * holding the row's conditional UPDATE and its audit_log row. */
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

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "GET", "/api/v1/admin/prizes", admin_prize_list, AUTH_ADMIN, 0, NULL },
	{ "POST", "/api/v1/admin/prizes/{id}/fulfil", admin_prize_fulfil, AUTH_ADMIN, ROLE_FULFILMENT, prize_fulfil_body },
};

const struct route_table fulfil_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
