/* audit.c: one row per admin write, in the caller's transaction. */
#include "admin/audit.h"

#include <stdlib.h>

#include "db/db.h"
#include "core/arena.h"

static const char *const sql_audit_insert =
	"INSERT INTO audit_log (admin_id, action, target_type, target_id, before_json, after_json, "
	"request_id, created_at) VALUES (NULLIF(?, 0), ?, ?, NULLIF(?, 0), ?, ?, ?, FROM_UNIXTIME(?))";

/* Compact JSON text with sorted keys in the arena, or NULL for NULL. */
static const char *audit_text(struct unit *unit, const json_t *value)
{
	if (value == NULL)
		return NULL;
	char *text = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (text == NULL)
		abort();
	char *copy = arena_strdup(unit->arena, text);
	free(text);
	return copy;
}

int audit_write(struct unit *unit, int64_t admin_id, const char *action, const char *target_type, int64_t target_id,
		const json_t *before, const json_t *after)
{
	return db_exec(unit, NULL, sql_audit_insert, "ississsi", admin_id, action, target_type, target_id,
		       audit_text(unit, before), audit_text(unit, after), unit->request_id, unit->now);
}
