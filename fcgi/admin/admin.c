/* admin.c: admin accounts and their passwords; the flows of the admin's
 * session (login, logout, renewal) and of the accounts, over admin_store.c
 * (load, decide, write in one transaction each); the offline commands. */
#include "admin/admin.h"

#include <assert.h>
#include <crypt.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "admin/admin_store.h"
#include "admin/audit.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/outcome.h"
#include "db/db.h"
#include "http/http.h"
#include "http/session.h"
#include "http/validate.h"
#include "shopper/shopper_store.h"
#include "ops/ops.h"

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

/* ============================================================ the model */

json_t *admin_account_json(const struct admin_account *account)
{
	return json_pack("{s:I, s:s, s:o, s:b, s:o}", "id", (json_int_t)account->id, "username", account->username,
			 "roles", admin_roles_json(account->roles), "disabled", account->disabled, "created_at",
			 http_time_or_null(account->created_at));
}

/* ================================================================ login */

int64_t admin_login_backoff(const struct admin_login_rules *rules, int64_t failures)
{
	if (failures < rules->fail_limit)
		return 0;
	int64_t wait = rules->backoff_base_s;
	for (int64_t doubled = rules->fail_limit; doubled < failures && wait < rules->backoff_max_s; doubled++)
		wait *= 2;
	return wait < rules->backoff_max_s ? wait : rules->backoff_max_s;
}

/* A count's failures if its window is still open at now. */
static int64_t failures_in_window(const struct admin_login_count *count, int64_t now, int64_t window_s)
{
	return count->found && count->window_start > now - window_s ? count->failures : 0;
}

bool admin_login_must_wait(const struct admin_login_rules *rules, const struct admin_login_facts *facts,
			   int64_t *retry_after_s)
{
	int64_t until = 0;
	/* The address's own wait holds for every name it tries. */
	if (facts->source_present && facts->source.found && facts->source.locked_until > until)
		until = facts->source.locked_until;
	/* The username's wait holds only for an address that has been failing
	 * (or is unknown): a stranger's failures never keep the owner out of a
	 * clean address. */
	bool clean = facts->source_present && failures_in_window(&facts->source, facts->now, rules->source_window_s) == 0;
	if (!clean && facts->account.found && facts->account.locked_until > until)
		until = facts->account.locked_until;
	if (until <= facts->now)
		return false;
	*retry_after_s = until - facts->now;
	return true;
}

struct admin_login_decision admin_login_decide(const struct admin_login_rules *rules,
					       const struct admin_login_facts *facts)
{
	struct admin_login_decision decision = { .verdict = ADMIN_LOGIN_ACCEPT };
	if (admin_login_must_wait(rules, facts, &decision.retry_after_s)) {
		decision.verdict = ADMIN_LOGIN_WAIT;
		return decision;
	}
	if (!facts->account_found || !facts->password_matches || facts->disabled) {
		decision.verdict = ADMIN_LOGIN_REFUSED;
		decision.reason = !facts->account_found      ? "no such name"
				  : !facts->password_matches ? "wrong password"
							     : "disabled";
		decision.account_window_floor = facts->now - rules->fail_window_s;
		int64_t wait = admin_login_backoff(
			rules, failures_in_window(&facts->account, facts->now, rules->fail_window_s) + 1);
		decision.account_locked_until = wait > 0 ? facts->now + wait : 0;
		decision.count_source = facts->source_present;
		decision.source_window_floor = facts->now - rules->source_window_s;
		wait = admin_login_backoff(rules,
					   failures_in_window(&facts->source, facts->now, rules->source_window_s) + 1);
		decision.source_locked_until = wait > 0 ? facts->now + wait : 0;
		return decision;
	}
	decision.clear_guard = facts->account.found;
	return decision;
}

struct admin_login_run {
	const char *username;
	const char *password;
	char source[LOGIN_SOURCE_MAX]; /* "admin:ip:<address>", "" when unknown */
	struct admin_login_result result;
	int64_t retry_after_s;
};

static int admin_login_body(struct unit *unit, void *context)
{
	struct admin_login_run *run = context;
	const struct config *config = unit->config;
	const struct admin_login_rules rules = {
		.fail_limit = config->admin_fail_limit,
		.fail_window_s = config->admin_fail_window_s,
		.source_window_s = config->admin_source_window_s,
		.backoff_base_s = config->admin_backoff_base_s,
		.backoff_max_s = config->admin_lock_s,
	};

	/* load: the address's failures, the username's (locked), and unless a
	 * wait holds the account and the password's check */
	struct admin_login_facts facts = { .now = unit->now, .source_present = run->source[0] != '\0' };
	struct guard_row source;
	int result;
	if (facts.source_present) {
		if ((result = login_source_read(unit, run->source, &source)) != DB_OK)
			return result;
		facts.source = (struct admin_login_count){ source.found, source.window_start, source.failures,
							   source.locked_until };
	}
	struct guard_row guard;
	if ((result = admin_guard_read(unit, run->username, &guard)) != DB_OK)
		return result;
	facts.account = (struct admin_login_count){ guard.found, guard.window_start, guard.failures, guard.locked_until };
	struct admin_account account;
	int64_t wait_s;
	if (!admin_login_must_wait(&rules, &facts, &wait_s)) {
		if ((result = admin_read_by_name(unit, run->username, &account, &facts.account_found)) != DB_OK)
			return result;
		/* Hashing is what a login flood costs: only password_hash_concurrency
		 * workers hash at once (ops.h); the others answer at once with
		 * OUT_UNAVAILABLE, so a flood delays logins and leaves the other
		 * workers to the rest; an address that keeps trying gets its turn
		 * before a flood of new ones (ops_hash_line_turn). */
		int64_t now_ms = clock_micros() / 1000;
		if (!ops_hash_line_turn(run->source, now_ms) || !ops_hash_acquire()) {
			ops_hash_line_refused(run->source, now_ms);
			ops_count_shed();
			return OUT_UNAVAILABLE;
		}
		ops_hash_line_served(run->source);
		/* The same hash work whether or not the name exists. */
		facts.password_matches =
			admin_password_check(run->password, facts.account_found ? account.password_hash : NULL);
		ops_hash_release();
		facts.disabled = facts.account_found && account.disabled;
	}

	/* decide */
	struct admin_login_decision decision = admin_login_decide(&rules, &facts);

	/* write */
	switch (decision.verdict) {
	case ADMIN_LOGIN_WAIT:
		run->retry_after_s = decision.retry_after_s;
		return OUT_RATE_LIMITED;
	case ADMIN_LOGIN_REFUSED:
		log_info("admin login: refused (%s)", decision.reason);
		if ((result = admin_guard_count_failure(unit, run->username, decision.account_window_floor,
							decision.account_locked_until)) != DB_OK)
			return result;
		if (decision.count_source &&
		    (result = login_source_count_failure(unit, run->source, decision.source_window_floor,
							 decision.source_locked_until)) != DB_OK)
			return result;
		unit->commit_on_error = true; /* the failure must be counted */
		return OUT_INVALID_CREDENTIALS;
	case ADMIN_LOGIN_ACCEPT:
		break;
	}
	assert(facts.account_found);
	if (decision.clear_guard && (result = admin_guard_clear(unit, run->username)) != DB_OK)
		return result;
	if ((result = audit_write(unit, account.id, "admin.login", "admin", account.id, NULL, NULL)) != DB_OK)
		return result;
	run->result = (struct admin_login_result){
		.id = account.id,
		.roles = account.roles,
		.token_version = account.token_version,
	};
	return DB_OK;
}

int admin_login(struct unit *unit, const char *username, const char *password, const char *ip,
		struct admin_login_result *result, int64_t *retry_after_s)
{
	struct admin_login_run run = { .username = username, .password = password };
	if (ip != NULL && ip[0] != '\0' && strcmp(ip, "-") != 0)
		snprintf(run.source, sizeof(run.source), "admin:ip:%s", ip);
	int outcome = db_atomic(unit, admin_login_body, &run);
	*result = run.result;
	*retry_after_s = run.retry_after_s;
	return outcome;
}

struct admin_logout_run {
	int64_t admin_id;
	const char *jti;
	int64_t expires_at;
};

static int admin_logout_body(struct unit *unit, void *context)
{
	const struct admin_logout_run *run = context;
	int result = token_revoke(unit, run->jti, run->expires_at);
	if (result == DB_OK)
		result = audit_write(unit, run->admin_id, "admin.logout", "admin", run->admin_id, NULL, NULL);
	return result;
}

int admin_logout(struct unit *unit, int64_t admin_id, const char *jti, int64_t expires_at)
{
	struct admin_logout_run run = { admin_id, jti, expires_at };
	return db_atomic(unit, admin_logout_body, &run);
}

int admin_renew(struct unit *unit, int64_t admin_id, struct admin_account *account)
{
	bool found;
	int result = admin_read(unit, admin_id, account, &found);
	if (result == DB_OK && !found)
		return OUT_UNAUTHORIZED;
	return result;
}

/* ============================================================= accounts */

int admin_accounts(struct unit *unit, struct admin_account **accounts, int *count)
{
	return admin_list(unit, accounts, count);
}

struct account_create_run {
	int64_t actor_id;
	const char *username, *password_hash, *roles;
	struct admin_account created;
};

static int account_create_body(struct unit *unit, void *context)
{
	struct account_create_run *run = context;
	int64_t id;
	bool found;
	int result = admin_insert(unit, run->username, run->password_hash, run->roles, &id);
	if (result == DB_OK)
		result = admin_read(unit, id, &run->created, &found);
	if (result != DB_OK)
		return result;
	assert(found); /* inserted by this very transaction */
	json_t *after = admin_account_json(&run->created);
	result = audit_write(unit, run->actor_id, "admin.create", "admin", id, NULL, after);
	json_decref(after);
	return result;
}

int admin_account_create(struct unit *unit, int64_t actor_id, const char *username, const char *password_hash,
			 const char *roles, struct admin_account *created)
{
	struct account_create_run run = { actor_id, username, password_hash, roles, { 0 } };
	int result = db_atomic(unit, account_create_body, &run);
	*created = run.created;
	return result;
}

struct account_update_run {
	int64_t actor_id, id;
	const struct admin_access_change *change;
	struct admin_account changed;
	const char *detail;
};

static int account_update_body(struct unit *unit, void *context)
{
	struct account_update_run *run = context;
	struct admin_account account;
	bool found;
	int result = admin_read(unit, run->id, &account, &found);
	if (result != DB_OK)
		return result;
	if (!found)
		return OUT_NOT_FOUND;
	char roles[ADMIN_ROLES_TEXT_MAX];
	snprintf(roles, sizeof(roles), "%s", account.roles);
	if (run->change->roles_list != NULL && admin_roles_normalise(run->change->roles_list, roles) != 0) {
		run->detail = "admin.roles";
		return OUT_UNPROCESSABLE_FIELD;
	}
	bool disabled = run->change->has_disabled ? run->change->disabled : account.disabled;
	if (run->id == run->actor_id && (disabled || (session_roles_parse(roles) & ROLE_OWNER) == 0)) {
		run->detail = "admin.self_lockout";
		return OUT_UNPROCESSABLE_FIELD;
	}
	json_t *before = admin_account_json(&account);
	/* Any change of roles or state ends the admin's sessions at once. */
	if ((result = admin_update_access(unit, run->id, roles, disabled)) == DB_OK &&
	    (result = admin_read(unit, run->id, &run->changed, &found)) == DB_OK) {
		json_t *after = admin_account_json(&run->changed);
		result = audit_write(unit, run->actor_id, "admin.update", "admin", run->id, before, after);
		json_decref(after);
	}
	json_decref(before);
	return result;
}

int admin_account_update(struct unit *unit, int64_t actor_id, int64_t id, const struct admin_access_change *change,
			 struct admin_account *changed, const char **detail)
{
	struct account_update_run run = { .actor_id = actor_id, .id = id, .change = change };
	int result = db_atomic(unit, account_update_body, &run);
	*changed = run.changed;
	*detail = run.detail;
	return result;
}

/* ====================================================== offline commands */

int admin_command_open(struct admin_command *command, const struct config *config, const char *name)
{
	memset(command, 0, sizeof(*command));
	arena_init(&command->arena);
	command->unit = (struct unit){
		.arena = &command->arena,
		.db = &command->db,
		.config = config,
		.now = clock_now(),
		.request_id = name,
	};
	if (db_connect(&command->db, config) != 0) {
		fprintf(stderr, "kanjiad: %s: cannot connect to the database\n", name);
		arena_destroy(&command->arena);
		return -1;
	}
	return 0;
}

void admin_command_close(struct admin_command *command)
{
	arena_destroy(&command->arena);
	db_close(&command->db);
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

	struct admin_command command;
	if (admin_command_open(&command, config, "create-admin") != 0)
		return 1;
	int64_t id = 0;
	int stored = admin_insert(&command.unit, username, hash, canonical, &id);
	int result = 0;
	if (stored == DB_DUPLICATE) {
		fprintf(stderr, "kanjiad: create-admin: an admin named %s already exists\n", username);
		result = 1;
	} else if (stored != DB_OK) {
		fprintf(stderr, "kanjiad: create-admin: the database refused (%s); see the log line above\n",
			stored == DB_UNAVAILABLE ? "unavailable" : "failed");
		result = 1;
	} else {
		printf("kanjiad: admin %s created (id %lld, roles %s)\n", username, (long long)id, canonical);
	}
	admin_command_close(&command);
	return result;
}
