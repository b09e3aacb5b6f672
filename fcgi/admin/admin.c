/* admin.c: admin accounts and their passwords. */
#include "admin/admin.h"

#include <crypt.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/crypto.h"
#include "db/db.h"
#include "http/http.h"
#include "core/log.h"
#include "http/validate.h"

static const char *const role_names[] = { "operator", "fulfilment", "risk", "owner" };
#define ROLE_COUNT (sizeof(role_names) / sizeof(role_names[0]))

bool admin_username_valid(const char *username)
{
	size_t length = strlen(username);
	if (length == 0 || length > ADMIN_USERNAME_MAX)
		return false;
	for (const char *p = username; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '_' || *p == '@' || *p == '-'))
			return false;
	return true;
}

int admin_roles_normalise(const char *list, char out[ADMIN_ROLES_TEXT_MAX])
{
	bool wanted[ROLE_COUNT] = { false };
	const char *cursor = list;
	bool any = false;
	for (;;) {
		size_t length = strcspn(cursor, ",");
		size_t i = 0;
		while (i < ROLE_COUNT && !(strlen(role_names[i]) == length && strncmp(role_names[i], cursor, length) == 0))
			i++;
		if (i == ROLE_COUNT)
			return -1;
		wanted[i] = any = true;
		cursor += length;
		if (*cursor == '\0')
			break;
		cursor++;
	}
	out[0] = '\0';
	for (size_t i = 0; i < ROLE_COUNT; i++) {
		if (!wanted[i])
			continue;
		if (out[0] != '\0')
			strcat(out, ",");
		strcat(out, role_names[i]);
	}
	return any ? 0 : -1;
}

json_t *admin_roles_json(const char *roles)
{
	json_t *array = json_array();
	const char *cursor = roles ? roles : "";
	while (*cursor != '\0') {
		size_t length = strcspn(cursor, ",");
		if (length > 0)
			json_array_append_new(array, json_stringn(cursor, length));
		cursor += length;
		if (*cursor == ',')
			cursor++;
	}
	return array;
}

/* crypt_r's work area is large (about 32 KiB): one per process, which is
 * single-threaded. */
static struct crypt_data crypt_area;

int admin_password_hash(const char *password, char out[ADMIN_HASH_SIZE])
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	if (strlen(password) >= CRYPT_MAX_PASSPHRASE_SIZE)
		return -1;
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, setting, sizeof(setting)) == NULL)
		return -1;
	memset(&crypt_area, 0, sizeof(crypt_area));
	const char *hash = crypt_r(password, setting, &crypt_area);
	/* libcrypt fails with NULL or a string starting with '*'. */
	if (hash == NULL || hash[0] == '*' || strlen(hash) >= ADMIN_HASH_SIZE)
		return -1;
	strcpy(out, hash);
	explicit_bzero(&crypt_area, sizeof(crypt_area));
	return 0;
}

/* A yescrypt hash of a random password with the same cost as real ones,
 * made once per process, for the missing-user path. */
static const char *dummy_hash(void)
{
	static char dummy[ADMIN_HASH_SIZE];
	if (dummy[0] == '\0') {
		unsigned char random[24];
		char password[sizeof(random) * 2 + 1];
		crypto_random(random, sizeof(random));
		crypto_hex(random, sizeof(random), password);
		if (admin_password_hash(password, dummy) != 0)
			strcpy(dummy, "$y$j9T$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	}
	return dummy;
}

bool admin_password_check(const char *password, const char *stored)
{
	bool exists = stored != NULL && stored[0] == '$';
	const char *setting = exists ? stored : dummy_hash();
	if (strlen(password) >= CRYPT_MAX_PASSPHRASE_SIZE)
		return false;
	memset(&crypt_area, 0, sizeof(crypt_area));
	const char *hash = crypt_r(password, setting, &crypt_area);
	bool matches = false;
	if (hash != NULL && hash[0] != '*') {
		size_t length = strlen(setting);
		matches = strlen(hash) == length && crypto_equal(hash, setting, length);
	}
	explicit_bzero(&crypt_area, sizeof(crypt_area));
	return exists && matches;
}

static const char *const sql_admin_insert =
	"INSERT INTO admin (username, password_hash, roles, created_at) VALUES (?, ?, ?, FROM_UNIXTIME(?))";

int admin_create(struct request *request, const char *username, const char *password_hash, const char *roles,
		 int64_t *id)
{
	struct db_rows rows;
	int status = db_run(request, &rows, sql_admin_insert, "sssi", username, password_hash, roles, request->work.now);
	if (status != 0)
		return status;
	*id = (int64_t)rows.insert_id;
	return 0;
}

/* ====================================================== offline commands */

int admin_command_open(struct request *request, struct db *db, const struct config *config, const char *name)
{
	memset(request, 0, sizeof(*request));
	memset(db, 0, sizeof(*db));
	arena_init(&request->arena);
	request->work.arena = &request->arena;
	request->work.db = db;
	request->work.config = config;
	request->work.now = clock_now();
	request->request_id = name;
	request->work.request_id = name;
	request->method = "COMMAND";
	request->path = name;
	if (db_connect(db, config) != 0) {
		fprintf(stderr, "kanjiad: %s: cannot connect to the database\n", name);
		arena_destroy(&request->arena);
		return -1;
	}
	return 0;
}

void admin_command_close(struct request *request, struct db *db)
{
	arena_destroy(&request->arena);
	db_close(db);
}

/* Reads one line into buffer without its line end; -1 when there is none or
 * it does not fit. */
static int read_password(FILE *in, char *buffer, size_t size)
{
	if (fgets(buffer, (int)size, in) == NULL)
		return -1;
	size_t length = strcspn(buffer, "\r\n");
	if (buffer[length] == '\0' && !feof(in))
		return -1; /* longer than the buffer */
	buffer[length] = '\0';
	return 0;
}

static size_t utf8_chars(const char *text)
{
	size_t count = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if ((*p & 0xc0) != 0x80)
			count++;
	return count;
}

int admin_create_command(const struct config *config, const char *username, const char *roles, FILE *password_in)
{
	char canonical[ADMIN_ROLES_TEXT_MAX];
	if (!admin_username_valid(username)) {
		fprintf(stderr, "kanjiad: create-admin: the username must be 1 to %d of A-Z a-z 0-9 . _ @ -\n",
			ADMIN_USERNAME_MAX);
		return 2;
	}
	if (admin_roles_normalise(roles ? roles : "owner", canonical) != 0) {
		fprintf(stderr, "kanjiad: create-admin: roles are a comma-separated list of operator, fulfilment, "
				"risk, owner\n");
		return 2;
	}
	/* At a terminal: a prompt, and no echo of what is typed. */
	bool terminal = isatty(fileno(password_in));
	struct termios saved, quiet;
	if (terminal && tcgetattr(fileno(password_in), &saved) == 0) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(password_in), TCSAFLUSH, &quiet);
		fprintf(stderr, "password for %s (one line, at least %d characters): ", username, ADMIN_PASSWORD_MIN);
	} else {
		terminal = false;
	}
	char password[ADMIN_PASSWORD_MAX + 2];
	int read_status = read_password(password_in, password, sizeof(password));
	if (terminal) {
		tcsetattr(fileno(password_in), TCSAFLUSH, &saved);
		fputc('\n', stderr);
	}
	if (read_status != 0 || strlen(password) >= ADMIN_PASSWORD_MAX) {
		explicit_bzero(password, sizeof(password));
		fprintf(stderr, "kanjiad: create-admin: give the password as one line on stdin (at most %d bytes)\n",
			ADMIN_PASSWORD_MAX - 1);
		return 2;
	}
	if (utf8_chars(password) < ADMIN_PASSWORD_MIN || !validate_text(password, strlen(password))) {
		explicit_bzero(password, sizeof(password));
		fprintf(stderr, "kanjiad: create-admin: the password needs at least %d characters\n", ADMIN_PASSWORD_MIN);
		return 2;
	}
	char hash[ADMIN_HASH_SIZE];
	int hashed = admin_password_hash(password, hash);
	explicit_bzero(password, sizeof(password));
	if (hashed != 0) {
		fprintf(stderr, "kanjiad: create-admin: libcrypt could not hash the password\n");
		return 1;
	}

	struct request request;
	struct db db;
	if (admin_command_open(&request, &db, config, "create-admin") != 0)
		return 1;
	int64_t id = 0;
	int status = admin_create(&request, username, hash, canonical, &id);
	int result = 0;
	if (status == 409) {
		fprintf(stderr, "kanjiad: create-admin: an admin named %s already exists\n", username);
		result = 1;
	} else if (status != 0) {
		fprintf(stderr, "kanjiad: create-admin: the database refused (%d); see the log line above\n", status);
		result = 1;
	} else {
		printf("kanjiad: admin %s created (id %lld, roles %s)\n", username, (long long)id, canonical);
	}
	admin_command_close(&request, &db);
	return result;
}
