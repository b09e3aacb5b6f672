/* fraud_routes.c: the anti-fraud admin routes (API.md, the fraud part of the
 * Admin table): pattern rules and their dry run, the default pack, the
 * decision log and the review queue. Every write is audited and raises
 * fraud_state.version in its transaction, which is how the workers learn
 * of it (fraud_check.h). All of them need the risk role (or owner). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/audit.h"
#include "core/clock.h"
#include "core/config.h"
#include "db/db.h"
#include "fraud/fraud.h"
#include "fraud/fraud_check.h"
#include "core/log.h"
#include "fraud/fraud_routes.h"

#define PATTERN_BODY_MAX 8192 /* longer than FRAUD_PATTERN_MAX: the compiler says why */
#define DRY_RUN_PAGE 2000
#define DRY_RUN_RANGE_MAX_S (31 * 86400)
#define DRY_RUN_ROWS_MAX 200000 /* the rows of a dry run stay in the request's arena */
#define DRY_RUN_SAMPLE_DEFAULT 10
#define DRY_RUN_SAMPLE_MAX 50
#define PACK_FILE "fraud_pack.json"
#define PACK_RULES_MAX 200

/* ================================================================ fields */

static bool field_shape(const char *value)
{
	return fraud_field_parse(value) >= 0;
}

static bool action_shape(const char *value)
{
	return fraud_action_parse(value) >= 0;
}

#define RULE_FIELDS(needed)                                                                                    \
	{ .name = "field", .type = FIELD_STRING, .required = needed, .min = 1, .max = 16, .shape = field_shape }, \
	{ .name = "pattern", .type = FIELD_STRING, .required = needed, .min = 1, .max = PATTERN_BODY_MAX },       \
	{ .name = "action", .type = FIELD_STRING, .required = needed, .min = 1, .max = 16, .shape = action_shape }, \
	{ .name = "scope", .type = FIELD_ARRAY, .required = needed, .min = 1, .max = 5 },                          \
	{ .name = "enabled", .type = FIELD_BOOL },                                                                   \
	{ .name = "note", .type = FIELD_STRING, .nullable = true, .min = 0, .max = FRAUD_NOTE_MAX }

static const struct field fraud_rule_create_body[] = { RULE_FIELDS(true), { .name = NULL } };
static const struct field fraud_rule_patch_body[] = { RULE_FIELDS(false), { .name = NULL } };
/* A dry run takes a rule (its action, enabled and note are accepted and
 * ignored) and a time range. */
static const struct field fraud_dry_run_body[] = {
	{ .name = "field", .type = FIELD_STRING, .required = true, .min = 1, .max = 16, .shape = field_shape },
	{ .name = "pattern", .type = FIELD_STRING, .required = true, .min = 1, .max = PATTERN_BODY_MAX },
	{ .name = "action", .type = FIELD_STRING, .min = 1, .max = 16, .shape = action_shape },
	{ .name = "scope", .type = FIELD_ARRAY, .required = true, .min = 1, .max = 5 },
	{ .name = "enabled", .type = FIELD_BOOL },
	{ .name = "note", .type = FIELD_STRING, .nullable = true, .min = 0, .max = FRAUD_NOTE_MAX },
	{ .name = "from", .type = FIELD_STRING, .required = true, .min = 1, .max = 40 },
	{ .name = "to", .type = FIELD_STRING, .required = true, .min = 1, .max = 40 },
	{ .name = "sample", .type = FIELD_INT, .min = 0, .max = DRY_RUN_SAMPLE_MAX },
	{ .name = NULL },
};

/* "sms,help" for a SET column from scope bits (in the column's order). */
static const char *scopes_text(struct request *request, unsigned scopes)
{
	char *text = arena_alloc(&request->arena, 64);
	size_t used = 0;
	for (unsigned bit = 1; bit <= FRAUD_SCOPE_ORDER; bit <<= 1)
		if (scopes & bit)
			used += (size_t)snprintf(text + used, 64 - used, "%s%s", used ? "," : "",
						 fraud_scope_name((enum fraud_scope)bit));
	return text;
}

/* Reads a scope array (already checked to hold 1 to 5 items). Returns 0
 * with *scopes (OUT), or 400. */
static int scopes_read(struct request *request, const json_t *array, const char *where, unsigned *scopes)
{
	*scopes = 0;
	size_t index;
	const json_t *item;
	json_array_foreach(array, index, item) {
		unsigned bit = fraud_scope_parse(json_string_value(item));
		if (bit == 0 || (*scopes & bit) != 0)
			return http_error_message(request, 400, "invalid_field",
						  "%s.scope 的每一项应为 sms、login、help、share_open 或 order，且不重复。", where);
		*scopes |= bit;
	}
	return 0;
}

/* 422 invalid_pattern with PCRE2's message and offset, or 0. */
static int pattern_check(struct request *request, const char *pattern)
{
	struct fraud_pattern compiled;
	char message[FRAUD_MESSAGE_SIZE];
	size_t offset = 0;
	if (fraud_pattern_compile(pattern, &compiled, message, &offset) == 0) {
		fraud_pattern_free(&compiled);
		return 0;
	}
	char *text = arena_printf(&request->arena, "规则的正则表达式无效（位置 %zu）：%s", offset, message);
	return http_reply(request, 422, json_pack("{s:{s:s, s:s, s:s, s:I}}", "error", "code", "invalid_pattern",
						  "message", text, "pcre2_message", message, "offset",
						  (json_int_t)offset));
}

static json_t *time_json(int64_t when, bool is_null)
{
	if (is_null)
		return json_null();
	char text[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(when, text);
	return json_string(text);
}

/* A byte string from the database as a JSON string (invalid UTF-8 shown as
 * U+FFFD). */
static json_t *bytes_json(struct request *request, const struct db_rows *rows, int row, int column)
{
	const struct db_cell *cell = &rows->cells[row * rows->column_count + column];
	if (cell->is_null)
		return json_null();
	char *clean = arena_alloc(&request->arena, cell->length * 3 + 1);
	fraud_utf8_clean(cell->text, cell->length, clean);
	return json_string(clean);
}

/* ================================================================= rules */

/* hits: its decisions of the last 24 hours (fraud_decision_rule index); a
 * locking read leaves it out (0), so it locks no decision rows. */
#define RULE_COLUMNS(hits) \
	"id, field, pattern, action, scope, enabled, note, pack, limit_hits, UNIX_TIMESTAMP(created_at), " \
	"UNIX_TIMESTAMP(updated_at), " hits " FROM fraud_rule "
#define RULE_HITS \
	"(SELECT COUNT(*) FROM fraud_decision d WHERE d.rule_id = fraud_rule.id " \
	"AND d.created_at >= UTC_TIMESTAMP() - INTERVAL 1 DAY)"

static const char *const sql_rule_get = "SELECT " RULE_COLUMNS(RULE_HITS) "WHERE id = ?";
static const char *const sql_rule_lock = "SELECT " RULE_COLUMNS("0") "WHERE id = ? FOR UPDATE";
static const char *const sql_rule_list = "SELECT " RULE_COLUMNS(RULE_HITS) "WHERE id > ? ORDER BY id LIMIT ?";
static const char *const sql_rule_insert =
	"INSERT INTO fraud_rule (field, pattern, action, scope, enabled, note, pack, created_at, updated_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, FROM_UNIXTIME(?), FROM_UNIXTIME(?))";
static const char *const sql_rule_update =
	"UPDATE fraud_rule SET field = ?, pattern = ?, action = ?, scope = ?, enabled = ?, note = ?, "
	"updated_at = FROM_UNIXTIME(?) WHERE id = ?";
static const char *const sql_rule_delete = "DELETE FROM fraud_rule WHERE id = ?";
static const char *const sql_rules_changed = "UPDATE fraud_state SET version = version + 1 WHERE id = 1";
static const char *const sql_rule_same =
	"SELECT id FROM fraud_rule WHERE field = ? AND pattern = ? AND action = ?";

enum rule_column {
	RULE_ID, RULE_FIELD, RULE_PATTERN, RULE_ACTION, RULE_SCOPE, RULE_ENABLED, RULE_NOTE, RULE_PACK, RULE_LIMIT_HITS,
	RULE_CREATED, RULE_UPDATED, RULE_HITS_24H,
};

struct rule {
	int64_t id;
	const char *field;
	const char *pattern;
	const char *action;
	unsigned scopes;
	bool enabled;
	const char *note; /* NULL: none */
	const char *pack;
	int64_t limit_hits, created_at, updated_at;
	int64_t hits_24h; /* decisions in the last 24 hours */
};

static void rule_from_row(const struct db_rows *rows, int row, struct rule *rule)
{
	rule->id = db_int(rows, row, RULE_ID);
	rule->field = db_text(rows, row, RULE_FIELD);
	rule->pattern = db_text(rows, row, RULE_PATTERN);
	rule->action = db_text(rows, row, RULE_ACTION);
	rule->scopes = fraud_scopes_parse(db_text(rows, row, RULE_SCOPE));
	rule->enabled = db_int(rows, row, RULE_ENABLED) != 0;
	rule->note = db_null(rows, row, RULE_NOTE) ? NULL : db_text(rows, row, RULE_NOTE);
	rule->pack = db_null(rows, row, RULE_PACK) ? NULL : db_text(rows, row, RULE_PACK);
	rule->limit_hits = db_int(rows, row, RULE_LIMIT_HITS);
	rule->created_at = db_int(rows, row, RULE_CREATED);
	rule->updated_at = db_int(rows, row, RULE_UPDATED);
	rule->hits_24h = db_int(rows, row, RULE_HITS_24H);
}

static json_t *rule_json(const struct rule *rule)
{
	json_t *scope = json_array();
	for (unsigned bit = 1; bit <= FRAUD_SCOPE_ORDER; bit <<= 1)
		if (rule->scopes & bit)
			json_array_append_new(scope, json_string(fraud_scope_name((enum fraud_scope)bit)));
	json_t *object = json_pack("{s:I, s:s, s:s, s:s, s:o, s:b, s:o, s:o, s:I, s:I, s:o, s:o}", "id",
				   (json_int_t)rule->id, "field", rule->field, "pattern", rule->pattern, "action",
				   rule->action, "scope", scope, "enabled", rule->enabled, "note",
				   rule->note ? json_string(rule->note) : json_null(), "pack",
				   rule->pack ? json_string(rule->pack) : json_null(), "limit_hits",
				   (json_int_t)rule->limit_hits, "hits_24h", (json_int_t)rule->hits_24h, "created_at",
				   time_json(rule->created_at, false), "updated_at", time_json(rule->updated_at, false));
	if (object == NULL)
		abort();
	return object;
}

static int rule_load(struct request *request, int64_t id, bool lock, struct rule *rule)
{
	struct db_rows rows;
	int status = db_run(request, &rows, lock ? sql_rule_lock : sql_rule_get, "i", id);
	if (status != 0)
		return status;
	if (rows.row_count != 1)
		return http_error(request, 404, "not_found");
	rule_from_row(&rows, 0, rule);
	return 0;
}

/* Reads the rule fields of object over *rule (only those present). Returns
 * 0 or 400/422 with the error set. */
static int rule_apply(struct request *request, const json_t *object, const char *where, struct rule *rule)
{
	const json_t *value;
	if ((value = json_object_get(object, "field")) != NULL)
		rule->field = json_string_value(value);
	if ((value = json_object_get(object, "action")) != NULL)
		rule->action = json_string_value(value);
	if ((value = json_object_get(object, "enabled")) != NULL)
		rule->enabled = json_is_true(value);
	if ((value = json_object_get(object, "note")) != NULL)
		rule->note = json_is_string(value) && json_string_length(value) > 0 ? json_string_value(value) : NULL;
	if ((value = json_object_get(object, "scope")) != NULL) {
		int status = scopes_read(request, value, where, &rule->scopes);
		if (status != 0)
			return status;
	}
	if ((value = json_object_get(object, "pattern")) != NULL) {
		rule->pattern = json_string_value(value);
		int status = pattern_check(request, rule->pattern);
		if (status != 0)
			return status;
	}
	return 0;
}

/* Inserts *rule (id and times OUT), audited, and marks the rule set changed
 * unless bump is false (the caller does it once). */
static int rule_insert(struct request *request, struct rule *rule, bool bump)
{
	struct db_rows rows;
	int status = db_run(request, &rows, sql_rule_insert, "ssssissii", rule->field, rule->pattern, rule->action,
			    scopes_text(request, rule->scopes), (int64_t)rule->enabled, rule->note, rule->pack,
			    request->work.now, request->work.now);
	if (status != 0)
		return status;
	rule->id = (int64_t)rows.insert_id;
	rule->created_at = rule->updated_at = request->work.now;
	rule->limit_hits = rule->hits_24h = 0;
	if (bump && (status = db_run(request, NULL, sql_rules_changed, "")) != 0)
		return status;
	json_t *after = http_own(request, rule_json(rule));
	return http_outcome(request, audit_write(&request->work, session_admin_id(&request->session), "fraud_rule.create", "fraud_rule", rule->id, NULL, after));
}

static int admin_fraud_rule_list(struct request *request)
{
	int64_t limit, cursor;
	int status = http_list_params(request, &limit, &cursor);
	if (status != 0)
		return status;
	struct db_rows rows;
	if ((status = db_run(request, &rows, sql_rule_list, "ii", cursor, limit)) != 0)
		return status;
	json_t *items = json_array();
	for (int r = 0; r < rows.row_count; r++) {
		struct rule rule;
		rule_from_row(&rows, r, &rule);
		json_array_append_new(items, rule_json(&rule));
	}
	int64_t last = rows.row_count ? db_int(&rows, rows.row_count - 1, RULE_ID) : 0;
	return http_reply(request, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor",
						  http_next_cursor(last, rows.row_count == limit)));
}

static int rule_create_transaction(struct request *request, void *context)
{
	struct rule *rule = context;
	int status = rule_insert(request, rule, true);
	if (status != 0)
		return status;
	return http_reply(request, 201, rule_json(rule));
}

static int admin_fraud_rule_create(struct request *request)
{
	struct rule rule = { .enabled = true };
	int status = rule_apply(request, request->json, "body", &rule);
	if (status != 0)
		return status;
	return db_transaction(request, rule_create_transaction, &rule);
}

static int rule_patch_transaction(struct request *request, void *context)
{
	(void)context;
	struct rule rule;
	int status = rule_load(request, http_path_id(request, 0), true, &rule);
	if (status != 0)
		return status;
	json_t *before = http_own(request, rule_json(&rule));
	if ((status = rule_apply(request, request->json, "body", &rule)) != 0)
		return status;
	status = db_run(request, NULL, sql_rule_update, "ssssisii", rule.field, rule.pattern, rule.action,
			scopes_text(request, rule.scopes), (int64_t)rule.enabled, rule.note, request->work.now, rule.id);
	if (status != 0 || (status = db_run(request, NULL, sql_rules_changed, "")) != 0)
		return status;
	if ((status = rule_load(request, rule.id, false, &rule)) != 0) /* as stored, with its hits */
		return status;
	json_t *after = http_own(request, rule_json(&rule));
	if ((status = http_outcome(request, audit_write(&request->work, session_admin_id(&request->session), "fraud_rule.update", "fraud_rule", rule.id, before, after))) != 0)
		return status;
	return http_reply(request, 200, json_incref(after));
}

static int admin_fraud_rule_patch(struct request *request)
{
	return db_transaction(request, rule_patch_transaction, NULL);
}

static int rule_delete_transaction(struct request *request, void *context)
{
	(void)context;
	struct rule rule;
	int status = rule_load(request, http_path_id(request, 0), true, &rule);
	if (status != 0)
		return status;
	json_t *before = http_own(request, rule_json(&rule));
	if ((status = db_run(request, NULL, sql_rule_delete, "i", rule.id)) != 0 ||
	    (status = db_run(request, NULL, sql_rules_changed, "")) != 0 ||
	    (status = http_outcome(request, audit_write(&request->work, session_admin_id(&request->session), "fraud_rule.delete", "fraud_rule", rule.id, before, NULL))) != 0)
		return status;
	return http_reply(request, 204, NULL);
}

static int admin_fraud_rule_delete(struct request *request)
{
	return db_transaction(request, rule_delete_transaction, NULL);
}

/* ================================================================== pack */

int fraud_pack_load(struct request *request, int *loaded, int *skipped)
{
	*loaded = *skipped = 0;
	char *path = arena_printf(&request->arena, "%s/%s", request->work.config->migrations_dir, PACK_FILE);
	json_error_t error;
	json_t *pack = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
	if (pack == NULL) {
		log_error("fraud pack: %s: %s (line %d)", PACK_FILE, error.text, error.line);
		return http_error(request, 500, "internal_error");
	}
	http_own(request, pack);
	const char *name = json_string_value(json_object_get(pack, "pack"));
	const json_t *rules = json_object_get(pack, "rules");
	if (name == NULL || !json_is_array(rules) || json_array_size(rules) > PACK_RULES_MAX) {
		log_error("fraud pack: %s is not {\"pack\": name, \"rules\": [...]}", PACK_FILE);
		return http_error(request, 500, "internal_error");
	}
	size_t index;
	const json_t *item;
	int status;
	json_array_foreach(rules, index, item) {
		/* The same checks as POST /admin/fraud/rules. */
		char *where = arena_printf(&request->arena, "%s.rules[%zu]", PACK_FILE, index);
		struct rule rule = { .enabled = true, .pack = name };
		if ((status = validate_object(request, item, fraud_rule_create_body, where)) != 0 ||
		    (status = rule_apply(request, item, where, &rule)) != 0) {
			log_error("fraud pack: %s is refused (%d)", where, status);
			return status;
		}
		struct db_rows rows;
		if ((status = db_run(request, &rows, sql_rule_same, "sss", rule.field, rule.pattern, rule.action)) != 0)
			return status;
		if (rows.row_count > 0) {
			(*skipped)++;
			continue;
		}
		if ((status = rule_insert(request, &rule, false)) != 0)
			return status;
		(*loaded)++;
	}
	if (*loaded > 0 && (status = db_run(request, NULL, sql_rules_changed, "")) != 0)
		return status;
	return 0;
}

static int pack_transaction(struct request *request, void *context)
{
	(void)context;
	int loaded, skipped;
	int status = fraud_pack_load(request, &loaded, &skipped);
	if (status != 0)
		return status;
	return http_reply(request, 200, json_pack("{s:i, s:i}", "loaded", loaded, "skipped", skipped));
}

static int admin_fraud_pack_load(struct request *request)
{
	return db_transaction(request, pack_transaction, NULL);
}

/* =============================================================== dry run */

/* One statement per field: the column is part of the SQL text, never
 * pasted in at run time. Pages go by primary key inside the id range of the
 * time range. */
#define DRY_RUN_SQL(column)                                                                                   \
	"SELECT id, UNIX_TIMESTAMP(created_at), scope, action, bargain_id, " column " FROM fraud_event "          \
	"WHERE id > ? AND id <= ? AND created_at >= FROM_UNIXTIME(?) AND created_at < FROM_UNIXTIME(?) "         \
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
	"WHERE created_at >= FROM_UNIXTIME(?) AND created_at < FROM_UNIXTIME(?)";

enum { EVENT_ID, EVENT_AT, EVENT_SCOPE, EVENT_ACTION, EVENT_BARGAIN, EVENT_VALUE };

static int compare_ids(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int admin_fraud_dry_run(struct request *request)
{
	const json_t *body = request->json;
	struct rule rule = { .enabled = true };
	int status = rule_apply(request, body, "body", &rule);
	if (status != 0)
		return status;
	int64_t from, to;
	if (clock_parse_rfc3339(body_string(request, "from"), &from) != 0 ||
	    clock_parse_rfc3339(body_string(request, "to"), &to) != 0)
		return http_error_message(request, 400, "invalid_field", "body.from 和 body.to 应为 RFC 3339 时间。");
	if (to <= from || to - from > DRY_RUN_RANGE_MAX_S)
		return http_error_message(request, 400, "invalid_field", "时间范围应为正，且不超过 31 天。");
	int64_t sample_max = body_int(request, "sample", DRY_RUN_SAMPLE_DEFAULT);

	struct fraud_pattern pattern;
	char message[FRAUD_MESSAGE_SIZE];
	size_t offset;
	if (fraud_pattern_compile(rule.pattern, &pattern, message, &offset) != 0)
		return pattern_check(request, rule.pattern);
	enum fraud_field field = (enum fraud_field)fraud_field_parse(rule.field);
	const char *scopes = scopes_text(request, rule.scopes);

	struct db_rows rows;
	if ((status = db_run(request, &rows, sql_dry_run_bounds, "ii", from, to)) != 0) {
		fraud_pattern_free(&pattern);
		return status;
	}
	int64_t cursor = db_int(&rows, 0, 0) - 1, last = db_int(&rows, 0, 1);
	int64_t scanned = 0, hits = 0, limit_hits = 0, bargain_count = 0, bargain_capacity = 1024;
	int64_t *bargains = malloc((size_t)bargain_capacity * sizeof(int64_t));
	if (bargains == NULL)
		abort();
	json_t *sample = http_own(request, json_array());
	bool complete = true;
	while (cursor < last) {
		status = db_run(request, &rows, sql_dry_run[field], "iiiis", cursor, last, from, to, scopes);
		if (status != 0 || rows.row_count == 0)
			break;
		for (int r = 0; r < rows.row_count; r++) {
			const struct db_cell *cell = &rows.cells[r * rows.column_count + EVENT_VALUE];
			scanned++;
			if (cell->is_null)
				continue; /* not known in that request's scope: the rule was not asked */
			enum fraud_match match = fraud_pattern_match(&pattern, cell->text, cell->length);
			if (match == FRAUD_LIMIT_HIT)
				limit_hits++;
			if (match != FRAUD_MATCHED)
				continue;
			hits++;
			if (!db_null(&rows, r, EVENT_BARGAIN)) {
				if (bargain_count == bargain_capacity) {
					bargain_capacity *= 2;
					bargains = realloc(bargains, (size_t)bargain_capacity * sizeof(int64_t));
					if (bargains == NULL)
						abort();
				}
				bargains[bargain_count++] = db_int(&rows, r, EVENT_BARGAIN);
			}
			if ((int64_t)json_array_size(sample) < sample_max) {
				char shown[FRAUD_FIELD_MAX + 1];
				char clean[FRAUD_FIELD_MAX * 3 + 1];
				char *copy = arena_strndup(&request->arena, cell->text, cell->length);
				fraud_mask(field, copy, shown);
				fraud_utf8_clean(shown, strlen(shown), clean);
				json_array_append_new(sample, json_pack("{s:I, s:o, s:s, s:s, s:o, s:s}", "event_id",
									(json_int_t)db_int(&rows, r, EVENT_ID), "at",
									time_json(db_int(&rows, r, EVENT_AT), false),
									"scope", db_text(&rows, r, EVENT_SCOPE), "action",
									db_text(&rows, r, EVENT_ACTION), "bargain_id",
									db_null(&rows, r, EVENT_BARGAIN)
										? json_null()
										: json_integer(db_int(&rows, r, EVENT_BARGAIN)),
									"value", clean));
			}
		}
		cursor = db_int(&rows, rows.row_count - 1, EVENT_ID);
		if (scanned >= DRY_RUN_ROWS_MAX) {
			complete = false;
			break;
		}
	}
	fraud_pattern_free(&pattern);
	if (status != 0) {
		free(bargains);
		return status;
	}
	qsort(bargains, (size_t)bargain_count, sizeof(int64_t), compare_ids);
	int64_t distinct = 0;
	for (int64_t i = 0; i < bargain_count; i++)
		if (i == 0 || bargains[i] != bargains[i - 1])
			distinct++;
	free(bargains);
	return http_reply(request, 200,
			  json_pack("{s:I, s:I, s:I, s:I, s:b, s:o, s:o, s:O}", "requests", (json_int_t)hits, "bargains",
				    (json_int_t)distinct, "scanned", (json_int_t)scanned, "limit_hits",
				    (json_int_t)limit_hits, "complete", complete, "from", time_json(from, false), "to",
				    time_json(to, false), "sample", sample));
}

/* ============================================================= decisions */

static const char *const sql_decision_list =
	"SELECT id, UNIX_TIMESTAMP(created_at), event_id, rule_id, scope, field, value_shown, action, user_id, "
	"bargain_id, request_id FROM fraud_decision WHERE id < ? AND (? = 0 OR rule_id = ?) "
	"AND (? = '' OR action = ?) ORDER BY id DESC LIMIT ?";

static int admin_fraud_decision_list(struct request *request)
{
	int64_t limit, cursor;
	int status = http_list_params_newest_first(request, &limit, &cursor);
	if (status != 0)
		return status;
	const char *rule_text = http_query_param(request, "rule_id");
	const char *action = http_query_param(request, "action");
	int64_t rule_id = 0;
	if (rule_text != NULL) {
		char *end = NULL;
		rule_id = strtoll(rule_text, &end, 10);
		if (*rule_text == '\0' || *end != '\0' || rule_id < 1)
			return http_error(request, 400, "invalid_field");
	}
	if (action != NULL && fraud_action_parse(action) < 0)
		return http_error(request, 400, "invalid_field");
	if (action == NULL)
		action = "";
	struct db_rows rows;
	status = db_run(request, &rows, sql_decision_list, "iiissi", cursor, rule_id, rule_id, action, action, limit);
	if (status != 0)
		return status;
	json_t *items = json_array();
	for (int r = 0; r < rows.row_count; r++) {
		json_t *item = json_pack("{s:I, s:o, s:o, s:o, s:s, s:s, s:o, s:s, s:o, s:o, s:o}", "id",
					 (json_int_t)db_int(&rows, r, 0), "at", time_json(db_int(&rows, r, 1), false),
					 "event_id", db_null(&rows, r, 2) ? json_null() : json_integer(db_int(&rows, r, 2)),
					 "rule_id", db_null(&rows, r, 3) ? json_null() : json_integer(db_int(&rows, r, 3)),
					 "scope", db_text(&rows, r, 4), "field", db_text(&rows, r, 5), "value",
					 bytes_json(request, &rows, r, 6), "action", db_text(&rows, r, 7), "user_id",
					 db_null(&rows, r, 8) ? json_null() : json_integer(db_int(&rows, r, 8)),
					 "bargain_id", db_null(&rows, r, 9) ? json_null() : json_integer(db_int(&rows, r, 9)),
					 "request_id", db_null(&rows, r, 10) ? json_null() : json_string(db_text(&rows, r, 10)));
		if (item == NULL)
			abort();
		json_array_append_new(items, item);
	}
	int64_t last = rows.row_count ? db_int(&rows, rows.row_count - 1, 0) : 0;
	return http_reply(request, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor",
						  http_next_cursor(last, rows.row_count == limit)));
}

/* ================================================================ reviews */

#define REVIEW_COLUMNS                                                                                        \
	"r.id, r.kind, r.target_id, r.decision_id, r.status, UNIX_TIMESTAMP(r.created_at), "                      \
	"UNIX_TIMESTAMP(r.resolved_at), r.resolved_by, b.signature, b.status, b.current_price_fen, "              \
	"b.floor_price_fen, b.helpers, b.held FROM fraud_review r "                                               \
	"LEFT JOIN bargain b ON r.kind = 'bargain' AND b.id = r.target_id "

static const char *const sql_review_list =
	"SELECT " REVIEW_COLUMNS "WHERE r.id < ? AND (? = 'all' OR r.status = ?) ORDER BY r.id DESC LIMIT ?";
static const char *const sql_review_lock = "SELECT " REVIEW_COLUMNS "WHERE r.id = ? FOR UPDATE";
static const char *const sql_review_resolve =
	"UPDATE fraud_review SET status = ?, resolved_at = FROM_UNIXTIME(?), resolved_by = ? WHERE id = ?";
static const char *const sql_bargain_release = "UPDATE bargain SET held = 0 WHERE id = ?";
static const char *const sql_bargain_reject =
	"UPDATE bargain SET status = 'expired', open_slot = NULL, closed_at = FROM_UNIXTIME(?) "
	"WHERE id = ? AND status IN ('active', 'succeeded')";

enum {
	REVIEW_ID, REVIEW_KIND, REVIEW_TARGET, REVIEW_DECISION, REVIEW_STATUS, REVIEW_CREATED, REVIEW_RESOLVED,
	REVIEW_BY, REVIEW_SIGNATURE, REVIEW_BARGAIN_STATUS, REVIEW_PRICE, REVIEW_FLOOR, REVIEW_HELPERS, REVIEW_HELD,
};

static json_t *review_json(struct request *request, const struct db_rows *rows, int r)
{
	json_t *bargain = json_null();
	if (!db_null(rows, r, REVIEW_BARGAIN_STATUS))
		bargain = json_pack("{s:s, s:s, s:I, s:I, s:I, s:b}", "signature", db_text(rows, r, REVIEW_SIGNATURE),
				    "status", db_text(rows, r, REVIEW_BARGAIN_STATUS), "current_price_fen",
				    (json_int_t)db_int(rows, r, REVIEW_PRICE), "floor_price_fen",
				    (json_int_t)db_int(rows, r, REVIEW_FLOOR), "helpers",
				    (json_int_t)db_int(rows, r, REVIEW_HELPERS), "held", db_int(rows, r, REVIEW_HELD) != 0);
	(void)request;
	json_t *item = json_pack(
		"{s:I, s:s, s:I, s:o, s:s, s:o, s:o, s:o, s:o}", "id", (json_int_t)db_int(rows, r, REVIEW_ID), "kind",
		db_text(rows, r, REVIEW_KIND), "target_id", (json_int_t)db_int(rows, r, REVIEW_TARGET), "decision_id",
		db_null(rows, r, REVIEW_DECISION) ? json_null() : json_integer(db_int(rows, r, REVIEW_DECISION)),
		"status", db_text(rows, r, REVIEW_STATUS), "created_at", time_json(db_int(rows, r, REVIEW_CREATED), false),
		"resolved_at", time_json(db_int(rows, r, REVIEW_RESOLVED), db_null(rows, r, REVIEW_RESOLVED)),
		"resolved_by", db_null(rows, r, REVIEW_BY) ? json_null() : json_integer(db_int(rows, r, REVIEW_BY)),
		"bargain", bargain ? bargain : json_null());
	if (item == NULL)
		abort();
	return item;
}

static int admin_fraud_review_list(struct request *request)
{
	int64_t limit, cursor;
	int status = http_list_params_newest_first(request, &limit, &cursor);
	if (status != 0)
		return status;
	const char *state = http_query_param(request, "status");
	if (state == NULL)
		state = "pending";
	if (strcmp(state, "pending") != 0 && strcmp(state, "released") != 0 && strcmp(state, "rejected") != 0 &&
	    strcmp(state, "all") != 0)
		return http_error(request, 400, "invalid_field");
	struct db_rows rows;
	if ((status = db_run(request, &rows, sql_review_list, "issi", cursor, state, state, limit)) != 0)
		return status;
	json_t *items = json_array();
	for (int r = 0; r < rows.row_count; r++)
		json_array_append_new(items, review_json(request, &rows, r));
	int64_t last = rows.row_count ? db_int(&rows, rows.row_count - 1, REVIEW_ID) : 0;
	return http_reply(request, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor",
						  http_next_cursor(last, rows.row_count == limit)));
}

/* Release (context "released") or reject (context "rejected") one pending
 * review: a released bargain is no longer held; a rejected one is closed
 * (expired, its progress void). */
static int review_resolve_transaction(struct request *request, void *context)
{
	const char *outcome = context;
	int64_t id = http_path_id(request, 0);
	struct db_rows rows;
	int status = db_run(request, &rows, sql_review_lock, "i", id);
	if (status != 0)
		return status;
	if (rows.row_count != 1)
		return http_error(request, 404, "not_found");
	if (strcmp(db_text(&rows, 0, REVIEW_STATUS), "pending") != 0)
		return http_error(request, 409, "review_closed");
	json_t *before = http_own(request, review_json(request, &rows, 0));
	bool is_bargain = strcmp(db_text(&rows, 0, REVIEW_KIND), "bargain") == 0;
	int64_t target = db_int(&rows, 0, REVIEW_TARGET);
	status = db_run(request, NULL, sql_review_resolve, "siii", outcome, request->work.now, request->session.user_id, id);
	if (status == 0 && is_bargain)
		status = strcmp(outcome, "released") == 0 ? db_run(request, NULL, sql_bargain_release, "i", target)
							   : db_run(request, NULL, sql_bargain_reject, "ii", request->work.now, target);
	if (status != 0 || (status = db_run(request, &rows, sql_review_lock, "i", id)) != 0)
		return status;
	json_t *after = http_own(request, review_json(request, &rows, 0));
	status = http_outcome(request, audit_write(&request->work, session_admin_id(&request->session), strcmp(outcome, "released") == 0 ? "fraud_review.release" : "fraud_review.reject",
			      "fraud_review", id, before, after));
	if (status != 0)
		return status;
	return http_reply(request, 200, json_incref(after));
}

static int admin_fraud_review_release(struct request *request)
{
	return db_transaction(request, review_resolve_transaction, (void *)"released");
}

static int admin_fraud_review_reject(struct request *request)
{
	return db_transaction(request, review_resolve_transaction, (void *)"rejected");
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "GET", "/api/v1/admin/fraud/rules", admin_fraud_rule_list, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "POST", "/api/v1/admin/fraud/rules", admin_fraud_rule_create, AUTH_ADMIN, ROLE_RISK, fraud_rule_create_body },
	{ "PATCH", "/api/v1/admin/fraud/rules/{id}", admin_fraud_rule_patch, AUTH_ADMIN, ROLE_RISK, fraud_rule_patch_body },
	{ "DELETE", "/api/v1/admin/fraud/rules/{id}", admin_fraud_rule_delete, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "POST", "/api/v1/admin/fraud/rules/dry-run", admin_fraud_dry_run, AUTH_ADMIN, ROLE_RISK, fraud_dry_run_body },
	{ "POST", "/api/v1/admin/fraud/rules/pack", admin_fraud_pack_load, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "GET", "/api/v1/admin/fraud/decisions", admin_fraud_decision_list, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "GET", "/api/v1/admin/fraud/reviews", admin_fraud_review_list, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "POST", "/api/v1/admin/fraud/reviews/{id}/release", admin_fraud_review_release, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "POST", "/api/v1/admin/fraud/reviews/{id}/reject", admin_fraud_review_reject, AUTH_ADMIN, ROLE_RISK, NULL },
};

const struct route_table fraud_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
