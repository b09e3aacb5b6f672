/* admin_password.c: reset-admin-password, the offline command. */
#include "admin/admin_password.h"

#include <stdbool.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>

#include "admin/admin.h"
#include "admin/admin_store.h"
#include "admin/audit.h"
#include "db/db.h"
#include "http/validate.h"

static size_t utf8_length(const char *text)
{
	size_t count = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if ((*p & 0xc0) != 0x80)
			count++;
	return count;
}

int admin_password_read(FILE *in, const char *command, const char *username, char *out, size_t size)
{
	struct termios saved, quiet;
	bool terminal = isatty(fileno(in)) && tcgetattr(fileno(in), &saved) == 0;
	if (terminal) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(in), TCSAFLUSH, &quiet);
		fprintf(stderr, "new password for %s (one line, at least %d characters): ", username, ADMIN_PASSWORD_MIN);
	}
	bool got = fgets(out, (int)size, in) != NULL;
	size_t length = got ? strcspn(out, "\r\n") : 0;
	bool whole = got && (out[length] != '\0' || feof(in)); /* not cut off by the buffer */
	if (terminal) {
		tcsetattr(fileno(in), TCSAFLUSH, &saved);
		fputc('\n', stderr);
	}
	if (!got || !whole || length >= ADMIN_PASSWORD_MAX || length >= size) {
		explicit_bzero(out, size);
		fprintf(stderr, "kanjiad: %s: give the password as one line on stdin (at most %d bytes)\n", command,
			ADMIN_PASSWORD_MAX - 1);
		return -1;
	}
	out[length] = '\0';
	if (utf8_length(out) < ADMIN_PASSWORD_MIN || !validate_text(out, length)) {
		explicit_bzero(out, size);
		fprintf(stderr, "kanjiad: %s: the password needs at least %d characters of valid UTF-8 text\n", command,
			ADMIN_PASSWORD_MIN);
		return -1;
	}
	return 0;
}

struct password_reset {
	const char *username;
	const char *hash;
	int64_t admin_id; /* out: 0 when there is no such admin */
};

static int password_reset_body(struct unit *unit, void *context)
{
	struct password_reset *reset = context;
	struct admin_account account;
	bool found;
	int status = admin_lock_by_name(unit, reset->username, &account, &found);
	if (status != DB_OK)
		return status;
	reset->admin_id = 0;
	if (!found)
		return DB_OK;
	if ((status = admin_set_password(unit, account.id, reset->hash)) != DB_OK ||
	    (status = admin_guard_clear(unit, reset->username)) != DB_OK)
		return status;
	/* The audit row says that the password changed, never what to. */
	json_t *before = json_pack("{s:s, s:I}", "username", reset->username, "token_version",
				   (json_int_t)account.token_version);
	json_t *after = json_pack("{s:s, s:I, s:b}", "username", reset->username, "token_version",
				  (json_int_t)account.token_version + 1, "password_reset", 1);
	status = audit_write(unit, 0, "admin.reset_password", "admin", account.id, before, after);
	json_decref(before);
	json_decref(after);
	if (status != DB_OK)
		return status;
	reset->admin_id = account.id;
	return DB_OK;
}

int admin_reset_password_command(const struct config *config, const char *username, FILE *password_in)
{
	static const char command[] = "reset-admin-password";
	if (!admin_username_valid(username)) {
		fprintf(stderr, "kanjiad: %s: the username must be 1 to %d of A-Z a-z 0-9 . _ @ -\n", command,
			ADMIN_USERNAME_MAX);
		return 2;
	}
	char password[ADMIN_PASSWORD_MAX + 2];
	if (admin_password_read(password_in, command, username, password, sizeof(password)) != 0)
		return 2;
	char hash[ADMIN_HASH_SIZE];
	int hashed = admin_password_hash(password, hash);
	explicit_bzero(password, sizeof(password));
	if (hashed != 0) {
		fprintf(stderr, "kanjiad: %s: libcrypt could not hash the password\n", command);
		return 1;
	}

	struct admin_command session;
	if (admin_command_open(&session, config, command) != 0)
		return 1;
	struct password_reset reset = { username, hash, 0 };
	int status = db_atomic(&session.unit, password_reset_body, &reset);
	int result = 0;
	if (status != DB_OK) {
		fprintf(stderr, "kanjiad: %s: the database refused (%d); see the log line above\n", command, status);
		result = 1;
	} else if (reset.admin_id == 0) {
		fprintf(stderr, "kanjiad: %s: no admin is named %s\n", command, username);
		result = 1;
	} else {
		printf("kanjiad: password of admin %s (id %lld) reset; its sessions have ended\n", username,
		       (long long)reset.admin_id);
	}
	explicit_bzero(hash, sizeof(hash));
	admin_command_close(&session);
	return result;
}
