/* session.h: who is calling, decided once by the auth phase.
 *
 * The dispatcher decodes the bearer token (token.c), then checks revocation
 * and the user's token version in the database (kept per worker for at
 * most a second: a logout or a block takes effect everywhere within it).
 * Handlers read only request->session. */
#ifndef KANJIA_SESSION_H
#define KANJIA_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#define SESSION_JTI_SIZE 33

enum auth_level { AUTH_NONE, AUTH_SHOPPER, AUTH_ADMIN };

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
