/* admin_store.h: the only SQL for the admin accounts (table admin) and
 * their failed logins (admin_login_guard).
 *
 * Named operations on a unit; each returns DB_OK or a door code (DB_RETRY
 * inside a transaction, DB_DUPLICATE for a name already taken); what was
 * found comes back through OUT parameters, owned by the unit's arena. */
#ifndef KANJIA_ADMIN_STORE_H
#define KANJIA_ADMIN_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "db/guard_row.h"

struct unit;

/* One admin account. password_hash is read only by admin_read_by_name
 * (NULL otherwise); created_at is epoch seconds. */
struct admin_account {
	int64_t id;
	const char *username;
	const char *password_hash;
	const char *roles; /* the canonical SET text: "operator,risk" */
	int64_t token_version;
	bool disabled;
	int64_t created_at;
};

/* The account called username with its password hash; *found (OUT). */
int admin_read_by_name(struct unit *unit, const char *username, struct admin_account *account, bool *found);
/* The account id (no hash); *found (OUT). */
int admin_read(struct unit *unit, int64_t id, struct admin_account *account, bool *found);
/* Every account by id: *accounts (OUT, the arena's) and *count (OUT). */
int admin_list(struct unit *unit, struct admin_account **accounts, int *count);
/* Inserts an account created at the unit's now. Returns DB_OK with *id
 * (OUT), DB_DUPLICATE when the name is taken, or a door code. */
int admin_insert(struct unit *unit, const char *username, const char *password_hash, const char *roles,
		 int64_t *id);
/* Sets roles and disabled of account id and raises its token version, so
 * every session of it ends at once. */
int admin_update_access(struct unit *unit, int64_t id, const char *roles, bool disabled);

/* The account of username, its row locked for the caller's transaction;
 * *found (OUT) false when there is none. */
int admin_lock_by_name(struct unit *unit, const char *username, struct admin_account *account, bool *found);
/* Sets account id's password hash and raises its token version, so every
 * session of it ends at once. */
int admin_set_password(struct unit *unit, int64_t id, const char *password_hash);

/* ---------------------------------------------------- admin_login_guard */

/* Reads (FOR UPDATE) the failure count of username into *guard (OUT). */
int admin_guard_read(struct unit *unit, const char *username, struct guard_row *guard);
/* Counts one failed login of username in one atomic upsert: a window that
 * began at or before window_floor is over (the count starts again at 1);
 * locked_until (the backoff's end, 0: none) is stored as given. */
int admin_guard_count_failure(struct unit *unit, const char *username, int64_t window_floor, int64_t locked_until);
/* Forgets the failures of username. */
int admin_guard_clear(struct unit *unit, const char *username);

#endif
