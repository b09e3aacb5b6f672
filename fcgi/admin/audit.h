/* audit.h: the audit log of admin writes (SPEC §7, API.md "Admin").
 *
 * Every admin write records who (the session's admin, or NULL for an
 * offline command), what (an action such as "campaign.create"), on which
 * target, the target's JSON before and after, and the request id — inside
 * the caller's transaction, so the record exists exactly when the write
 * does. audit.c is the audit_log's store: its only writer, and the reader
 * behind GET /admin/audit. */
#ifndef KANJIA_AUDIT_H
#define KANJIA_AUDIT_H

#include <stdint.h>

#include <jansson.h>

struct unit;

/* Inserts one audit_log row for admin_id (0: an offline command) with the
 * unit's request id. before and after are borrowed and may be NULL (a
 * create has no before). target_id 0 records NULL. Returns DB_OK or a door
 * code (DB_RETRY inside a transaction). */
int audit_write(struct unit *unit, int64_t admin_id, const char *action, const char *target_type, int64_t target_id,
		const json_t *before, const json_t *after);

/* One audit record as the owner's list shows it. Absent ids are 0, absent
 * texts NULL; before_json and after_json are the stored JSON texts. The
 * arena owns the texts. */
struct audit_entry {
	int64_t id;
	int64_t admin_id;
	const char *admin_username;
	const char *action;
	const char *target_type;
	int64_t target_id;
	const char *before_json;
	const char *after_json;
	const char *request_id;
	int64_t created_at;
};

/* A page of the audit log newest first (id < before), at most limit
 * records, of one target when target_type is not NULL. *entries (OUT, the
 * arena's) and *count (OUT). Returns DB_OK or a door code. Read through
 * db_read(): the read replica's when one is set, db_read_max_lag_s stale. */
int audit_page(struct unit *unit, const char *target_type, int64_t target_id, int64_t before, int64_t limit,
	       struct audit_entry **entries, int *count);

#endif
