/* audit.c: the audit_log's store: one row per admin write, in the
 * caller's transaction, and the pages of the owner's audit list. */
#include "admin/audit.h"

#include <stdlib.h>

#include "core/arena_json.h"
#include "db/db.h"
#include "core/arena.h"

static const char *const sql_audit_insert =
	"INSERT INTO audit_log (admin_id, action, target_type, target_id, before_json, after_json, "
	"request_id, created_at) VALUES (NULLIF(?, 0), ?, ?, NULLIF(?, 0), ?, ?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'))";

/* Compact JSON text with sorted keys in the arena, or NULL for NULL. */
static const char *audit_text(struct unit *unit, const json_t *value)
{
	return arena_json_text(unit->arena, value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

int audit_write(struct unit *unit, int64_t admin_id, const char *action, const char *target_type, int64_t target_id,
		const json_t *before, const json_t *after)
{
	return db_exec(unit, NULL, sql_audit_insert, "ississsi", admin_id, action, target_type, target_id,
		       audit_text(unit, before), audit_text(unit, after), unit->request_id, unit->now);
}

static const char *const sql_audit_page =
	"SELECT l.id, l.admin_id, a.username, l.action, l.target_type, l.target_id, l.before_json, "
	"l.after_json, l.request_id, TIMESTAMPDIFF(SECOND, '1970-01-01', l.created_at) "
	"FROM audit_log l LEFT JOIN admin a ON a.id = l.admin_id "
	"WHERE l.id < ? ORDER BY l.id DESC LIMIT ?";
static const char *const sql_audit_page_target =
	"SELECT l.id, l.admin_id, a.username, l.action, l.target_type, l.target_id, l.before_json, "
	"l.after_json, l.request_id, TIMESTAMPDIFF(SECOND, '1970-01-01', l.created_at) "
	"FROM audit_log l LEFT JOIN admin a ON a.id = l.admin_id "
	"WHERE l.target_type = ? AND l.target_id = ? AND l.id < ? ORDER BY l.id DESC LIMIT ?";

static const char *text_or_null(const struct db_rows *rows, int r, int column)
{
	return db_null(rows, r, column) ? NULL : db_text(rows, r, column);
}

int audit_page(struct unit *unit, const char *target_type, int64_t target_id, int64_t before, int64_t limit,
	       struct audit_entry **entries, int *count)
{
	struct db_rows rows;
	int result = target_type != NULL
			     ? db_read(unit, &rows, sql_audit_page_target, "siii", target_type, target_id, before, limit)
			     : db_read(unit, &rows, sql_audit_page, "ii", before, limit); /* may lag: a replica's */
	*entries = NULL;
	*count = 0;
	if (result != DB_OK)
		return result;
	*entries = arena_alloc(unit->arena, sizeof(**entries) * (size_t)(rows.row_count > 0 ? rows.row_count : 1));
	for (int r = 0; r < rows.row_count; r++) {
		(*entries)[r] = (struct audit_entry){
			.id = db_int(&rows, r, 0),
			.admin_id = db_null(&rows, r, 1) ? 0 : db_int(&rows, r, 1),
			.admin_username = text_or_null(&rows, r, 2),
			.action = db_text(&rows, r, 3),
			.target_type = db_text(&rows, r, 4),
			.target_id = db_null(&rows, r, 5) ? 0 : db_int(&rows, r, 5),
			.before_json = text_or_null(&rows, r, 6),
			.after_json = text_or_null(&rows, r, 7),
			.request_id = text_or_null(&rows, r, 8),
			.created_at = db_int(&rows, r, 9),
		};
	}
	*count = rows.row_count;
	return DB_OK;
}
