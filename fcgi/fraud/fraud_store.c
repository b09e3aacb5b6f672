/* fraud_store.c: the only SQL on fraud_rule, fraud_state, fraud_event,
 * fraud_decision and fraud_review (see fraud_store.h). */
#include "fraud/fraud_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/arena_json.h"
#include "core/outcome.h"
#include "db/db.h"

/* "sms,help" for a SET column from scope bits (in the column's order). */
static const char *scopes_text(struct unit *unit, unsigned scopes)
{
	char *text = arena_alloc(unit->arena, 128);
	size_t used = 0;
	text[0] = '\0';
	for (unsigned bit = 1; bit <= FRAUD_SCOPE_ALL; bit <<= 1)
		if (scopes & bit)
			used += (size_t)snprintf(text + used, 128 - used, "%s%s", used ? "," : "",
						 fraud_scope_name((enum fraud_scope)bit));
	return text;
}

static const char *text_or_null(const struct db_rows *rows, int row, int column)
{
	return db_null(rows, row, column) ? NULL : db_text(rows, row, column);
}

static int64_t int_or_zero(const struct db_rows *rows, int row, int column)
{
	return db_null(rows, row, column) ? 0 : db_int(rows, row, column);
}

/* ================================================================ rules */

/* hits: its decisions of the last 24 hours (fraud_decision_rule index); a
 * locking read leaves it out (0), so it locks no decision rows. */
#define RULE_COLUMNS(hits) \
	"id, field, pattern, action, scope, enabled, note, pack, limit_hits, TIMESTAMPDIFF(SECOND, '1970-01-01', created_at), " \
	"TIMESTAMPDIFF(SECOND, '1970-01-01', updated_at), " hits " FROM fraud_rule "
#define RULE_HITS \
	"(SELECT COUNT(*) FROM fraud_decision d WHERE d.rule_id = fraud_rule.id " \
	"AND d.created_at >= UTC_TIMESTAMP() - INTERVAL 1 DAY)"

static const char *const sql_rule_get = "SELECT " RULE_COLUMNS(RULE_HITS) "WHERE id = ?";
static const char *const sql_rule_lock = "SELECT " RULE_COLUMNS("0") "WHERE id = ? FOR UPDATE";
static const char *const sql_rule_list = "SELECT " RULE_COLUMNS(RULE_HITS) "WHERE id > ? ORDER BY id LIMIT ?";
static const char *const sql_rule_insert =
	"INSERT INTO fraud_rule (field, pattern, action, scope, enabled, note, pack, created_at, updated_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'), TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_rule_update =
	"UPDATE fraud_rule SET field = ?, pattern = ?, action = ?, scope = ?, enabled = ?, note = ?, "
	"updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE id = ?";
static const char *const sql_rule_delete = "DELETE FROM fraud_rule WHERE id = ?";
static const char *const sql_rules_changed = "UPDATE fraud_state SET version = version + 1 WHERE id = 1";
static const char *const sql_rule_same =
	"SELECT id FROM fraud_rule WHERE field = ? AND pattern = ? AND action = ?";
static const char *const sql_fraud_version = "SELECT version FROM fraud_state WHERE id = 1";
static const char *const sql_fraud_rules =
	"SELECT id, field, action, scope, pattern FROM fraud_rule WHERE enabled = 1 ORDER BY id LIMIT 5000";
static const char *const sql_rule_limit_hits =
	"UPDATE fraud_rule SET limit_hits = limit_hits + ? WHERE id = ?";

enum rule_column {
	RULE_ID, RULE_FIELD, RULE_PATTERN, RULE_ACTION, RULE_SCOPE, RULE_ENABLED, RULE_NOTE, RULE_PACK, RULE_LIMIT_HITS,
	RULE_CREATED, RULE_UPDATED, RULE_HITS_24H,
};

static void rule_from_row(const struct db_rows *rows, int row, struct fraud_rule_row *rule)
{
	rule->id = db_int(rows, row, RULE_ID);
	rule->field = db_text(rows, row, RULE_FIELD);
	rule->pattern = db_text(rows, row, RULE_PATTERN);
	rule->action = db_text(rows, row, RULE_ACTION);
	rule->scopes = fraud_scopes_parse(db_text(rows, row, RULE_SCOPE));
	rule->enabled = db_int(rows, row, RULE_ENABLED) != 0;
	rule->note = text_or_null(rows, row, RULE_NOTE);
	rule->pack = text_or_null(rows, row, RULE_PACK);
	rule->limit_hits = db_int(rows, row, RULE_LIMIT_HITS);
	rule->created_at = db_int(rows, row, RULE_CREATED);
	rule->updated_at = db_int(rows, row, RULE_UPDATED);
	rule->hits_24h = db_int(rows, row, RULE_HITS_24H);
}

int fraud_rule_get(struct unit *unit, int64_t id, bool lock, struct fraud_rule_row *rule)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, lock ? sql_rule_lock : sql_rule_get, "i", id);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	rule_from_row(&rows, 0, rule);
	return DB_OK;
}

int fraud_rule_page(struct unit *unit, int64_t after, int64_t limit, struct fraud_rule_row **rules, int *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_rule_list, "ii", after, limit);
	if (status != DB_OK)
		return status;
	struct fraud_rule_row *list = arena_alloc(unit->arena, sizeof(*list) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++)
		rule_from_row(&rows, r, &list[r]);
	*rules = list;
	*count = rows.row_count;
	return DB_OK;
}

int fraud_rule_insert(struct unit *unit, struct fraud_rule_row *rule)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_rule_insert, "ssssissii", rule->field, rule->pattern, rule->action,
			     scopes_text(unit, rule->scopes), (int64_t)rule->enabled, rule->note, rule->pack, unit->now,
			     unit->now);
	if (status != DB_OK)
		return status;
	rule->id = (int64_t)rows.insert_id;
	rule->created_at = rule->updated_at = unit->now;
	rule->limit_hits = rule->hits_24h = 0;
	return DB_OK;
}

int fraud_rule_update(struct unit *unit, const struct fraud_rule_row *rule)
{
	return db_exec(unit, NULL, sql_rule_update, "ssssisii", rule->field, rule->pattern, rule->action,
		       scopes_text(unit, rule->scopes), (int64_t)rule->enabled, rule->note, unit->now, rule->id);
}

int fraud_rule_delete(struct unit *unit, int64_t id)
{
	return db_exec(unit, NULL, sql_rule_delete, "i", id);
}

int fraud_rule_exists(struct unit *unit, const char *field, const char *pattern, const char *action, bool *exists)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_rule_same, "sss", field, pattern, action);
	if (status != DB_OK)
		return status;
	*exists = rows.row_count > 0;
	return DB_OK;
}

int fraud_rules_changed(struct unit *unit)
{
	return db_exec(unit, NULL, sql_rules_changed, "");
}

int fraud_rules_version(struct unit *unit, int64_t *version)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_fraud_version, "");
	if (status != DB_OK)
		return status;
	*version = rows.row_count == 1 ? db_int(&rows, 0, 0) : 0;
	return DB_OK;
}

int fraud_rules_enabled(struct unit *unit, struct fraud_rule_row **rules, int *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_fraud_rules, "");
	if (status != DB_OK)
		return status;
	struct fraud_rule_row *list = arena_alloc(unit->arena, sizeof(*list) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++)
		list[r] = (struct fraud_rule_row){ .id = db_int(&rows, r, 0), .field = db_text(&rows, r, 1),
						   .action = db_text(&rows, r, 2),
						   .scopes = fraud_scopes_parse(db_text(&rows, r, 3)),
						   .pattern = db_text(&rows, r, 4), .enabled = true };
	*rules = list;
	*count = rows.row_count;
	return DB_OK;
}

int fraud_rule_add_limit_hits(struct unit *unit, int64_t rule_id, int64_t hits)
{
	return db_exec(unit, NULL, sql_rule_limit_hits, "ii", hits, rule_id);
}

/* ===================================================== events, decisions */

static const char *const sql_subject_extra =
	"SELECT (SELECT phone FROM shopper WHERE id = ?), (SELECT signature FROM bargain WHERE id = ?)";
static const char *const sql_event_insert =
	"INSERT INTO fraud_event (created_at, scope, action, user_id, bargain_id, phone, client_ip, user_agent, "
	"referer, share_code, device, signature, request_id) VALUES (TIMESTAMPADD(SECOND, ?, '1970-01-01'), ?, ?, NULLIF(?, 0), "
	"NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, ?)";
static const char *const sql_decision_insert =
	"INSERT INTO fraud_decision (created_at, event_id, rule_id, scope, field, value_shown, action, user_id, "
	"bargain_id, request_id) VALUES (TIMESTAMPADD(SECOND, ?, '1970-01-01'), ?, ?, ?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), ?)";
static const char *const sql_events_forget =
	"DELETE FROM fraud_event WHERE created_at < TIMESTAMPADD(SECOND, ?, '1970-01-01') LIMIT 5000";
static const char *const sql_decisions_forget =
	"DELETE FROM fraud_decision WHERE created_at < TIMESTAMPADD(SECOND, ?, '1970-01-01') LIMIT 5000";

int fraud_subject_facts(struct unit *unit, int64_t user_id, int64_t bargain_id, const char **phone,
			const char **signature)
{
	struct db_rows rows;
	*phone = *signature = NULL;
	int status = db_exec(unit, &rows, sql_subject_extra, "ii", user_id, bargain_id);
	if (status != DB_OK)
		return status;
	if (rows.row_count == 1) {
		*phone = text_or_null(&rows, 0, 0);
		*signature = text_or_null(&rows, 0, 1);
	}
	return DB_OK;
}

int fraud_event_record(struct unit *unit, const struct fraud_event_row *event, int64_t *event_id)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_event_insert, "issiissssssss", unit->now, event->scope, event->action,
			     event->user_id, event->bargain_id, event->phone, event->client_ip, event->user_agent,
			     event->referer, event->share_code, event->device, event->signature, unit->request_id);
	if (status != DB_OK)
		return status;
	*event_id = (int64_t)rows.insert_id;
	return DB_OK;
}

/* A batch is a JSON array of events; text fields travel in hex, since
 * user agents and referers are bytes, not always UTF-8. */
static const char *const sql_events_insert_batch =
	"INSERT INTO fraud_event (created_at, scope, action, user_id, bargain_id, phone, client_ip, user_agent, "
	"referer, share_code, device, signature, request_id) "
	"SELECT TIMESTAMPADD(SECOND, j.at, '1970-01-01'), j.scope, j.action, NULLIF(j.user_id, 0), NULLIF(j.bargain_id, 0), UNHEX(j.phone), "
	"UNHEX(j.ip), UNHEX(j.ua), UNHEX(j.referer), UNHEX(j.code), UNHEX(j.device), UNHEX(j.signature), "
	"UNHEX(j.request_id) FROM JSON_TABLE(?, '$[*]' COLUMNS (at BIGINT PATH '$.at', scope VARCHAR(16) PATH '$.scope', "
	"action VARCHAR(16) PATH '$.action', user_id BIGINT PATH '$.user_id', bargain_id BIGINT PATH '$.bargain_id', "
	"phone VARCHAR(32) PATH '$.phone', ip VARCHAR(96) PATH '$.ip', ua VARCHAR(2048) PATH '$.ua', "
	"referer VARCHAR(2048) PATH '$.referer', code VARCHAR(2048) PATH '$.code', device VARCHAR(256) PATH '$.device', "
	"signature VARCHAR(2048) PATH '$.signature', request_id VARCHAR(128) PATH '$.request_id')) AS j";

static json_t *hex_or_null(const char *text)
{
	if (text == NULL)
		return json_null();
	size_t length = strlen(text);
	char *hex = malloc(length * 2 + 1);
	if (hex == NULL)
		return json_null();
	for (size_t i = 0; i < length; i++)
		snprintf(hex + i * 2, 3, "%02x", (unsigned char)text[i]);
	hex[length * 2] = '\0';
	json_t *value = json_string(hex);
	free(hex);
	return value;
}

int fraud_event_batch_add(json_t *batch, const struct fraud_event_row *event, int64_t at, const char *request_id)
{
	json_t *row = json_pack("{s:I, s:s, s:s, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "at", (json_int_t)at,
				"scope", event->scope, "action", event->action, "user_id", (json_int_t)event->user_id,
				"bargain_id", (json_int_t)event->bargain_id, "phone", hex_or_null(event->phone), "ip",
				hex_or_null(event->client_ip), "ua", hex_or_null(event->user_agent), "referer",
				hex_or_null(event->referer), "code", hex_or_null(event->share_code), "device",
				hex_or_null(event->device), "signature", hex_or_null(event->signature), "request_id",
				hex_or_null(request_id));
	return row != NULL && json_array_append_new(batch, row) == 0 ? 0 : -1;
}

const char *fraud_event_text(struct unit *unit, const struct fraud_event_row *event)
{
	json_t *batch = json_array();
	if (batch == NULL || fraud_event_batch_add(batch, event, unit->now, unit->request_id) != 0)
		abort(); /* out of memory */
	const char *text = arena_json_text(unit->arena, batch, JSON_COMPACT);
	json_decref(batch);
	return text;
}

int fraud_event_batch_record(struct unit *unit, const json_t *batch)
{
	if (json_array_size(batch) == 0)
		return DB_OK;
	char *text = json_dumps(batch, JSON_COMPACT);
	if (text == NULL)
		return DB_FAILED;
	int status = db_exec(unit, NULL, sql_events_insert_batch, "s", text);
	free(text);
	return status;
}

int fraud_decision_record(struct unit *unit, int64_t event_id, int64_t rule_id, const char *scope, const char *field,
			  const char *value_shown, const char *action, int64_t user_id, int64_t bargain_id,
			  int64_t *decision_id)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_decision_insert, "iiissssiis", unit->now, event_id, rule_id, scope, field,
			     value_shown, action, user_id, bargain_id, unit->request_id);
	if (status != DB_OK)
		return status;
	*decision_id = (int64_t)rows.insert_id;
	return DB_OK;
}

int fraud_forget_before(struct unit *unit, int64_t before, long *forgotten)
{
	struct db_rows events, decisions;
	int status = db_exec(unit, &events, sql_events_forget, "i", before);
	if (status == DB_OK)
		status = db_exec(unit, &decisions, sql_decisions_forget, "i", before);
	if (status != DB_OK)
		return status;
	*forgotten = (long)(events.affected + decisions.affected);
	return DB_OK;
}

/* One statement per field: the column is part of the SQL text, never
 * pasted in at run time. Pages go by primary key inside the id range of the
 * time range. */
#define DRY_RUN_SQL(column)                                                                                   \
	"SELECT id, TIMESTAMPDIFF(SECOND, '1970-01-01', created_at), scope, action, bargain_id, " column " FROM fraud_event "          \
	"WHERE id > ? AND id <= ? AND created_at >= TIMESTAMPADD(SECOND, ?, '1970-01-01') AND created_at < TIMESTAMPADD(SECOND, ?, '1970-01-01') "         \
	"AND FIND_IN_SET(scope, ?) > 0 ORDER BY id LIMIT 2000"

static const char *const sql_dry_run[FRAUD_FIELD_COUNT] = {
	[FRAUD_FIELD_PHONE] = DRY_RUN_SQL("phone"),
	[FRAUD_FIELD_IP] = DRY_RUN_SQL("client_ip"),
	[FRAUD_FIELD_USER_AGENT] = DRY_RUN_SQL("user_agent"),
	[FRAUD_FIELD_REFERER] = DRY_RUN_SQL("referer"),
	[FRAUD_FIELD_SHARE_CODE] = DRY_RUN_SQL("share_code"),
	[FRAUD_FIELD_DEVICE] = DRY_RUN_SQL("device"),
	[FRAUD_FIELD_SIGNATURE] = DRY_RUN_SQL("signature"),
};
static const char *const sql_dry_run_bounds =
	"SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM fraud_event "
	"WHERE created_at >= TIMESTAMPADD(SECOND, ?, '1970-01-01') AND created_at < TIMESTAMPADD(SECOND, ?, '1970-01-01')";

int fraud_event_bounds(struct unit *unit, int64_t from, int64_t to, int64_t *first, int64_t *last)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_dry_run_bounds, "ii", from, to);
	if (status != DB_OK)
		return status;
	*first = db_int(&rows, 0, 0);
	*last = db_int(&rows, 0, 1);
	return DB_OK;
}

int fraud_event_page(struct unit *unit, enum fraud_field field, int64_t cursor, int64_t last, int64_t from,
		     int64_t to, unsigned scopes, struct fraud_event_value **events, int *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_dry_run[field], "iiiis", cursor, last, from, to, scopes_text(unit, scopes));
	if (status != DB_OK)
		return status;
	struct fraud_event_value *list = arena_alloc(unit->arena, sizeof(*list) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++) {
		const struct db_cell *cell = &rows.cells[r * rows.column_count + 5];
		list[r] = (struct fraud_event_value){ .id = db_int(&rows, r, 0), .at = db_int(&rows, r, 1),
						      .scope = db_text(&rows, r, 2), .action = db_text(&rows, r, 3),
						      .bargain_id = int_or_zero(&rows, r, 4),
						      .value = cell->is_null ? NULL : cell->text,
						      .length = cell->length };
	}
	*events = list;
	*count = rows.row_count;
	return DB_OK;
}

static const char *const sql_decision_list =
	"SELECT id, TIMESTAMPDIFF(SECOND, '1970-01-01', created_at), event_id, rule_id, scope, field, value_shown, action, user_id, "
	"bargain_id, request_id FROM fraud_decision WHERE id < ? AND (? = 0 OR rule_id = ?) "
	"AND (? = '' OR action = ?) ORDER BY id DESC LIMIT ?";

int fraud_decision_page(struct unit *unit, int64_t before, int64_t rule_id, const char *action, int64_t limit,
			struct fraud_decision_row **decisions, int *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_decision_list, "iiissi", before, rule_id, rule_id, action, action, limit);
	if (status != DB_OK)
		return status;
	struct fraud_decision_row *list = arena_alloc(unit->arena, sizeof(*list) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++) {
		const struct db_cell *value = &rows.cells[r * rows.column_count + 6];
		list[r] = (struct fraud_decision_row){
			.id = db_int(&rows, r, 0), .at = db_int(&rows, r, 1), .event_id = int_or_zero(&rows, r, 2),
			.rule_id = int_or_zero(&rows, r, 3), .scope = db_text(&rows, r, 4), .field = db_text(&rows, r, 5),
			.value = value->is_null ? NULL : value->text, .value_length = value->length,
			.action = db_text(&rows, r, 7), .user_id = int_or_zero(&rows, r, 8),
			.bargain_id = int_or_zero(&rows, r, 9), .request_id = text_or_null(&rows, r, 10),
		};
	}
	*decisions = list;
	*count = rows.row_count;
	return DB_OK;
}

/* =============================================================== reviews */

/* One review per target: a pending one stays as it is, a released one is
 * pending again (status is assigned last, so the others see the old one), a
 * rejected one stays rejected. */
static const char *const sql_review_insert =
	"INSERT INTO fraud_review (kind, target_id, decision_id, status, created_at) "
	"VALUES (?, ?, NULLIF(?, 0), 'pending', TIMESTAMPADD(SECOND, ?, '1970-01-01')) ON DUPLICATE KEY UPDATE "
	"decision_id = IF(status = 'released', VALUES(decision_id), decision_id), "
	"created_at = IF(status = 'released', VALUES(created_at), created_at), "
	"resolved_at = IF(status = 'released', NULL, resolved_at), "
	"resolved_by = IF(status = 'released', NULL, resolved_by), "
	"status = IF(status = 'released', 'pending', status)";
static const char *const sql_review_state =
	"SELECT status FROM fraud_review WHERE kind = ? AND target_id = ?";

#define REVIEW_COLUMNS                                                                                        \
	"r.id, r.kind, r.target_id, r.decision_id, r.status, TIMESTAMPDIFF(SECOND, '1970-01-01', r.created_at), "                      \
	"TIMESTAMPDIFF(SECOND, '1970-01-01', r.resolved_at), r.resolved_by, b.signature, b.status, b.current_price_fen, "              \
	"b.floor_price_fen, b.helpers, b.held FROM fraud_review r "                                               \
	"LEFT JOIN bargain b ON r.kind = 'bargain' AND b.id = r.target_id "

static const char *const sql_review_list =
	"SELECT " REVIEW_COLUMNS "WHERE r.id < ? AND (? = 'all' OR r.status = ?) ORDER BY r.id DESC LIMIT ?";
static const char *const sql_review_lock = "SELECT " REVIEW_COLUMNS "WHERE r.id = ? FOR UPDATE";
static const char *const sql_review_resolve =
	"UPDATE fraud_review SET status = ?, resolved_at = TIMESTAMPADD(SECOND, ?, '1970-01-01'), resolved_by = ? WHERE id = ?";

int fraud_review_hold(struct unit *unit, const char *kind, int64_t target_id, int64_t decision_id)
{
	return db_exec(unit, NULL, sql_review_insert, "siii", kind, target_id, decision_id, unit->now);
}

int fraud_review_status(struct unit *unit, const char *kind, int64_t target_id, const char **status)
{
	struct db_rows rows;
	*status = NULL;
	int result = db_exec(unit, &rows, sql_review_state, "si", kind, target_id);
	if (result != DB_OK)
		return result;
	if (rows.row_count == 1)
		*status = db_text(&rows, 0, 0);
	return DB_OK;
}

static void review_from_row(const struct db_rows *rows, int r, struct fraud_review_row *review)
{
	*review = (struct fraud_review_row){
		.id = db_int(rows, r, 0), .kind = db_text(rows, r, 1), .target_id = db_int(rows, r, 2),
		.decision_id = int_or_zero(rows, r, 3), .status = db_text(rows, r, 4), .created_at = db_int(rows, r, 5),
		.resolved_at = int_or_zero(rows, r, 6), .resolved_by = int_or_zero(rows, r, 7),
		.has_bargain = !db_null(rows, r, 9), .signature = text_or_null(rows, r, 8),
		.bargain_status = text_or_null(rows, r, 9), .current_price_fen = int_or_zero(rows, r, 10),
		.floor_price_fen = int_or_zero(rows, r, 11), .helpers = int_or_zero(rows, r, 12),
		.held = int_or_zero(rows, r, 13) != 0,
	};
}

int fraud_review_page(struct unit *unit, int64_t before, const char *state, int64_t limit,
		      struct fraud_review_row **reviews, int *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_review_list, "issi", before, state, state, limit);
	if (status != DB_OK)
		return status;
	struct fraud_review_row *list = arena_alloc(unit->arena, sizeof(*list) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++)
		review_from_row(&rows, r, &list[r]);
	*reviews = list;
	*count = rows.row_count;
	return DB_OK;
}

int fraud_review_lock(struct unit *unit, int64_t id, struct fraud_review_row *review)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_review_lock, "i", id);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	review_from_row(&rows, 0, review);
	return DB_OK;
}

int fraud_review_resolve(struct unit *unit, int64_t id, const char *status, int64_t admin_id)
{
	return db_exec(unit, NULL, sql_review_resolve, "siii", status, unit->now, admin_id, id);
}

/* ================================================================= helps */

static const char *const sql_help_facts =
	"SELECT b.signature, b.start_ip, b.start_device, TIMESTAMPDIFF(SECOND, '1970-01-01', b.started_at), s.phone, "
	"TIMESTAMPDIFF(SECOND, '1970-01-01', s.created_at), "
	"(SELECT k.client_ip FROM bargain_cut k WHERE k.bargain_id = b.id AND k.kind = 'help' "
	" ORDER BY k.seq DESC LIMIT 1), "
	"(SELECT TIMESTAMPDIFF(SECOND, '1970-01-01', k.created_at) FROM bargain_cut k WHERE k.bargain_id = b.id AND k.kind = 'help' "
	" ORDER BY k.seq DESC LIMIT 1), "
	"(SELECT COUNT(*) FROM bargain_cut k WHERE k.bargain_id = b.id AND k.device = ?) "
	"FROM bargain b JOIN shopper s ON s.id = ? WHERE b.id = ?";

int fraud_help_facts(struct unit *unit, const char *device, int64_t helper_id, int64_t bargain_id,
		     struct fraud_help_row *help)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_help_facts, "sii", device, helper_id, bargain_id);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	*help = (struct fraud_help_row){
		.signature = db_text(&rows, 0, 0), .start_ip = text_or_null(&rows, 0, 1),
		.start_device = text_or_null(&rows, 0, 2), .started_at = db_int(&rows, 0, 3),
		.phone = db_text(&rows, 0, 4), .joined_at = db_int(&rows, 0, 5), .previous_ip = text_or_null(&rows, 0, 6),
		.previous_at = int_or_zero(&rows, 0, 7), .same_device_cuts = db_int(&rows, 0, 8),
	};
	return DB_OK;
}
