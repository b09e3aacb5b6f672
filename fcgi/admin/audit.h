/* audit.h: the audit log of admin writes (SPEC §7, API.md "Admin").
 *
 * Every admin write records who (the session's admin, or NULL for an
 * offline command), what (an action such as "campaign.create"), on which
 * target, the target's JSON before and after, and the request id — inside
 * the caller's transaction, so the record exists exactly when the write
 * does. */
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

#endif
