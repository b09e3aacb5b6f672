/* admin.h: admin accounts — usernames, roles, password hashes (yescrypt
 * through libcrypt) — and the flows of the admin's own session and of the
 * admin accounts (login, logout, token renewal, list, create, change),
 * over admin_store.h; the offline commands (create-admin, seed-demo) get
 * their unit here too. */
#ifndef KANJIA_ADMIN_H
#define KANJIA_ADMIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "core/arena.h"
#include "db/db.h"

#define ADMIN_USERNAME_MAX 64
#define ADMIN_PASSWORD_MIN 10
#define ADMIN_PASSWORD_MAX 512 /* libcrypt's CRYPT_MAX_PASSPHRASE_SIZE is 512 with its NUL */
#define ADMIN_HASH_SIZE 384    /* CRYPT_OUTPUT_SIZE */
#define ADMIN_ROLES_TEXT_MAX 64

/* True for 1..64 characters of [A-Za-z0-9._@-]. */
bool admin_username_valid(const char *username);
/* Checks a comma-separated role list ("operator,risk") against the four
 * roles and writes its canonical SET text into out[ADMIN_ROLES_TEXT_MAX]
 * (OUT). Returns 0, or -1 for an empty list or an unknown name. */
int admin_roles_normalise(const char *list, char out[ADMIN_ROLES_TEXT_MAX]);
/* A JSON array of the role names in a SET text; a new reference. */
json_t *admin_roles_json(const char *roles);
/* Hashes password with yescrypt and a fresh salt into out (OUT).
 * Returns 0, or -1 when libcrypt fails. */
int admin_password_hash(const char *password, char out[ADMIN_HASH_SIZE]);
/* True when password matches stored. stored NULL (no such admin) runs
 * the same hash against a dummy, so a missing user costs the same time. */
bool admin_password_check(const char *password, const char *stored);
/* ------------------------------------------------------------ the model */

struct admin_account;

/* An account as the API shows it (and the audit log records it): id,
 * username, roles, disabled, created_at. A new reference. */
json_t *admin_account_json(const struct admin_account *account);

/* --------------------------------------------------------------- login */

/* The login rules, from the config. No lock anyone can aim: failures
 * lead to a wait that doubles with each one (exponential backoff), per
 * username and per address, and the username's wait holds only for
 * addresses that have been failing: the owner from a clean address always
 * gets in. */
struct admin_login_rules {
	int64_t fail_limit;      /* failures (per username, per address) before the wait starts */
	int64_t fail_window_s;   /* a username's failures count this long */
	int64_t source_window_s; /* an address's failures count this long */
	int64_t backoff_base_s;  /* the first wait */
	int64_t backoff_max_s;   /* the longest */
};

/* A failure count and the wait it led to. */
struct admin_login_count {
	bool found;
	int64_t window_start;
	int64_t failures;
	int64_t locked_until; /* no try before this */
};

/* What the login knows before it decides: the username's failures
 * (admin_login_guard), the address's (login_source_guard; source_present
 * false when the address is unknown), and, unless a wait holds, the
 * account and the password's check. */
struct admin_login_facts {
	int64_t now;
	struct admin_login_count account;
	struct admin_login_count source;
	bool source_present;
	bool account_found;
	bool password_matches;
	bool disabled;
};

enum admin_login_verdict {
	ADMIN_LOGIN_WAIT,    /* 429 with Retry-After, nothing counted, the password not hashed */
	ADMIN_LOGIN_REFUSED, /* 401, the failure counted and kept */
	ADMIN_LOGIN_ACCEPT,
};

struct admin_login_decision {
	enum admin_login_verdict verdict;
	int64_t retry_after_s;          /* WAIT */
	const char *reason;             /* REFUSED: for the log, never the client */
	int64_t account_window_floor;   /* REFUSED: the username's window that began at or before it is over */
	int64_t account_locked_until;   /* its wait after this failure (0: none) */
	bool count_source;
	int64_t source_window_floor;
	int64_t source_locked_until;
	bool clear_guard;               /* ACCEPT */
};

/* The wait after the failures-th failure: none up to fail_limit, then
 * base, 2 base, 4 base, ... up to max. Pure. */
int64_t admin_login_backoff(const struct admin_login_rules *rules, int64_t failures);

/* Whether the facts need the password checked: false when a wait holds
 * (the decision is WAIT whatever the password). Pure. */
bool admin_login_must_wait(const struct admin_login_rules *rules, const struct admin_login_facts *facts,
			   int64_t *retry_after_s);

/* The admin login's decision: pure. */
struct admin_login_decision admin_login_decide(const struct admin_login_rules *rules,
					       const struct admin_login_facts *facts);

/* A successful login: the account (roles, token version) for the token. */
struct admin_login_result {
	int64_t id;
	const char *roles;
	int64_t token_version;
};

/* POST /admin/login from client address ip (NULL or "-": unknown): load
 * (the address's and the username's failures; unless a wait holds, the
 * account and the password's hash check) ->
 * admin_login_decide() -> write (the failure, or the guard cleared and the
 * login audited). Returns DB_OK with *result (OUT); OUT_RATE_LIMITED with
 * *retry_after_s (OUT); OUT_INVALID_CREDENTIALS (the failure committed);
 * OUT_UNAVAILABLE when password_hash_concurrency logins are hashing
 * already; or a door code. */
int admin_login(struct unit *unit, const char *username, const char *password, const char *ip,
		struct admin_login_result *result, int64_t *retry_after_s);

/* POST /admin/logout: revokes token jti of admin_id and audits it. */
int admin_logout(struct unit *unit, int64_t admin_id, const char *jti, int64_t expires_at);

/* POST /admin/token/renew: the account of admin_id (*account, OUT), or
 * OUT_UNAUTHORIZED when it is gone. */
int admin_renew(struct unit *unit, int64_t admin_id, struct admin_account *account);

/* ------------------------------------------------------------ accounts */

/* GET /admin/admins: every account (*accounts, OUT: the arena's). */
int admin_accounts(struct unit *unit, struct admin_account **accounts, int *count);

/* POST /admin/admins by actor_id: inserts the account (roles canonical,
 * password already hashed) and audits it. Returns DB_OK with *created
 * (OUT), DB_DUPLICATE when the name is taken, or a door code. */
int admin_account_create(struct unit *unit, int64_t actor_id, const char *username, const char *password_hash,
			 const char *roles, struct admin_account *created);

/* A change of an account's access; roles NULL keeps them, roles_list is
 * the comma-separated names as given (checked inside the flow, after the
 * account is found). */
struct admin_access_change {
	const char *roles_list; /* NULL: keep */
	bool has_disabled;
	bool disabled;
};

/* PATCH /admin/admins/{id} by actor_id: changes roles and disabled, ends
 * the account's sessions, audits. Returns DB_OK with *changed (OUT);
 * OUT_NOT_FOUND; OUT_UNPROCESSABLE_FIELD with *detail (OUT, the name of an
 * http_text() in messages.c: bad roles, or the actor locking itself out); or
 * a door code. */
int admin_account_update(struct unit *unit, int64_t actor_id, int64_t id, const struct admin_access_change *change,
			 struct admin_account *changed, const char **detail);

/* ------------------------------------------------------ offline commands */

struct config;

/* A unit for a command run outside the pool (create-admin, seed-demo): its
 * arena, its own database connection, the config, the clock and a request
 * id naming the command. */
struct admin_command {
	struct arena arena;
	struct db db;
	struct unit unit;
};

/* Opens *command (OUT). Returns 0, or -1 (said on stderr). */
int admin_command_open(struct admin_command *command, const struct config *config, const char *name);
void admin_command_close(struct admin_command *command);
/* `kanjiad create-admin USERNAME [ROLE,...]`: the password is one line on
 * password_in. Returns the process exit status. */
int admin_create_command(const struct config *config, const char *username, const char *roles, FILE *password_in);

#endif
