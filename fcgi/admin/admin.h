/* admin.h: admin accounts — usernames, roles, password hashes (yescrypt
 * through libcrypt) and creating an account. Used by the admin login route
 * and by the offline commands (create-admin, seed-demo). */
#ifndef KANJIA_ADMIN_H
#define KANJIA_ADMIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct request;

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
/* Inserts an admin (roles as canonical SET text). Returns 0 with *id (OUT),
 * 409 conflict when the name is taken, or a DB status. */
int admin_create(struct request *request, const char *username, const char *password_hash, const char *roles,
		 int64_t *id);

/* ------------------------------------------------------ offline commands */

struct config;
struct db;
struct request;

/* Sets up *request (OUT) over *db for a command run outside the pool
 * (create-admin, seed-demo): its arena, the clock, a request id naming the
 * command, and a database connection. Returns 0, or -1 (said on stderr). */
int admin_command_open(struct request *request, struct db *db, const struct config *config, const char *name);
void admin_command_close(struct request *request, struct db *db);
/* `kanjiad create-admin USERNAME [ROLE,...]`: the password is one line on
 * password_in. Returns the process exit status. */
int admin_create_command(const struct config *config, const char *username, const char *roles, FILE *password_in);

#endif
