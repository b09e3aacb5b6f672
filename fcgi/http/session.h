/* session.h: who is calling, decided once by the auth phase.
 *
 * The dispatcher decodes the bearer token (token.c), then checks revocation
 * and the user's token version in the database (kept per worker for at
 * most a second: a logout or a block takes effect everywhere within it).
 * Handlers read only request->session.
 *
 * A route of AUTH_SHOPPER_FOLDED (the help) whose token is not in that
 * per-worker memory does not pay the check as a statement of its own: the
 * token is verified at once, its revocation state is confirmed by the
 * door before the handler's first statement, and a store whose first read
 * joins the caller's row reads the facts with it (db.h, struct
 * unit_session). Nothing is written before the session is confirmed; a
 * handler that ran no statement is confirmed after it, before its answer. */
#ifndef KANJIA_SESSION_H
#define KANJIA_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#define SESSION_JTI_SIZE 33

enum auth_level { AUTH_NONE, AUTH_SHOPPER, AUTH_SHOPPER_FOLDED, AUTH_ADMIN };

/* Admin roles as bits; an owner may do everything. */
enum admin_role {
	ROLE_OPERATOR = 1,
	ROLE_FULFILMENT = 2,
	ROLE_RISK = 4,
	ROLE_OWNER = 8,
};

struct session {
	bool authenticated;
	bool is_admin;
	unsigned roles;   /* admins only */
	int64_t user_id;  /* the shopper's or the admin's id */
	int64_t expires_at;
	char jti[SESSION_JTI_SIZE];
};

struct request;

/* Authenticates request for a route that needs level and, for admins, any
 * of roles (0: any admin). Returns 0, or 401/403
 * (or 503 when the database is down) with the error set on request; the
 * reason is logged, never sent. */
int session_authenticate(struct request *request, enum auth_level level, unsigned roles);
/* After the handler of an AUTH_SHOPPER_FOLDED route: when it ran no
 * statement, the session is confirmed now. Returns 0, or the 401 (503 when
 * the database is down) now set on request in place of its answer. */
int session_confirm_due(struct request *request);
/* Parses a SET('operator',...) column value into role bits. */
unsigned session_roles_parse(const char *text);
/* The admin's id when the session is an admin's, else 0. */
int64_t session_admin_id(const struct session *session);

struct config;
struct token_keyring;
/* Builds the worker's keyring from config; config must outlive it. */
void session_configure(const struct config *config);
/* The keyring session_configure() built. */
const struct token_keyring *session_keys(void);

#endif
