/* migrate.c: applies sql/NNN_name.sql files in order. Migrations are
 * trusted files shipped with the release, run as multi-statement text; all
 * request-time SQL goes through db.c's prepared statements. Each applied
 * file's SHA-256 is recorded, and checked on every run. */
#include "db/migrate.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>
#include <openssl/evp.h>

#include <unistd.h>

#include "core/config.h"
#include "core/crypto.h"
#include "core/endpoint.h"
#include "db/lease.h"

#define MIGRATIONS_MAX 1000
#define MIGRATION_FILE_MAX (4 * 1024 * 1024)
#define MIGRATION_LOCK_WAIT_S 60
/* Longer than any migration runs; a crashed migrate's lease lapses. */
#define MIGRATION_LEASE_S 900

#define CHECKSUM_HEX_SIZE 65 /* SHA-256 in hex and its NUL */

struct migration {
	int version;
	char name[256];
	char checksum[CHECKSUM_HEX_SIZE]; /* of the file as it is now */
};

static int compare_versions(const void *a, const void *b)
{
	return ((const struct migration *)a)->version - ((const struct migration *)b)->version;
}

/* Lists NNN_name.sql files, sorted; returns the count or -1. */
static int list_migrations(const char *dir, struct migration *out)
{
	DIR *handle = opendir(dir);
	if (handle == NULL) {
		fprintf(stderr, "migrate: cannot open %s: %s\n", dir, strerror(errno));
		return -1;
	}
	int count = 0;
	struct dirent *entry;
	while ((entry = readdir(handle)) != NULL) {
		const char *name = entry->d_name;
		size_t length = strlen(name);
		if (length < 9 || length >= sizeof(out[0].name) || strcmp(name + length - 4, ".sql") != 0)
			continue;
		if (name[0] < '0' || name[0] > '9' || name[1] < '0' || name[1] > '9' || name[2] < '0' ||
		    name[2] > '9' || name[3] != '_') {
			fprintf(stderr, "migrate: %s: not named NNN_name.sql\n", name);
			closedir(handle);
			return -1;
		}
		if (count == MIGRATIONS_MAX) {
			closedir(handle);
			return -1;
		}
		out[count].version = (name[0] - '0') * 100 + (name[1] - '0') * 10 + (name[2] - '0');
		strcpy(out[count].name, name);
		count++;
	}
	closedir(handle);
	qsort(out, (size_t)count, sizeof(out[0]), compare_versions);
	for (int i = 1; i < count; i++) {
		if (out[i].version == out[i - 1].version) {
			fprintf(stderr, "migrate: two migrations numbered %03d\n", out[i].version);
			return -1;
		}
	}
	return count;
}

/* With db_hosts: the first host that accepts the connection (the lease
 * below, not the host, keeps two migrations apart). */
static MYSQL *connect_admin_any(MYSQL *mysql, const struct config *config)
{
	struct endpoint hosts[ENDPOINTS_MAX];
	char why[300];
	int count = endpoint_list_parse(config->db_hosts, hosts, why, sizeof(why));
	for (int i = 0; i < count; i++) {
		if (mysql_real_connect(mysql, hosts[i].host, config->db_user, config->db_password, config->db_name,
				       (unsigned int)hosts[i].port, NULL, CLIENT_MULTI_STATEMENTS) != NULL)
			return mysql;
		fprintf(stderr, "migrate: %s:%d: %s\n", hosts[i].host, hosts[i].port, mysql_error(mysql));
		mysql_close(mysql);
		mysql = mysql_init(NULL);
		if (mysql == NULL)
			abort();
		mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
		mysql_options(mysql, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
		unsigned int timeout = 5;
		mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	}
	fprintf(stderr, "migrate: cannot connect to any of db_hosts%s%s\n", count < 0 ? ": " : "", count < 0 ? why : "");
	mysql_close(mysql);
	return NULL;
}

static MYSQL *connect_admin(const struct config *config)
{
	MYSQL *mysql = mysql_init(NULL);
	if (mysql == NULL)
		abort();
	mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(mysql, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
	unsigned int timeout = 5;
	mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	if (config->db_hosts[0] != '\0')
		return connect_admin_any(mysql, config);
	bool local = config->db_socket[0] != '\0';
	if (mysql_real_connect(mysql, local ? NULL : config->db_host, config->db_user, config->db_password,
			       config->db_name, local ? 0 : (unsigned int)config->db_port,
			       local ? config->db_socket : NULL, CLIENT_MULTI_STATEMENTS) == NULL) {
		fprintf(stderr, "migrate: cannot connect to the database: %s\n", mysql_error(mysql));
		mysql_close(mysql);
		return NULL;
	}
	return mysql;
}

/* Runs text (several statements); returns 0 or -1 with the error printed. */
static int run_script(MYSQL *mysql, const char *text, const char *what)
{
	if (mysql_real_query(mysql, text, strlen(text)) != 0) {
		fprintf(stderr, "migrate: %s: %s\n", what, mysql_error(mysql));
		return -1;
	}
	int more;
	do {
		MYSQL_RES *result = mysql_store_result(mysql);
		if (result != NULL)
			mysql_free_result(result);
		else if (mysql_field_count(mysql) != 0) {
			fprintf(stderr, "migrate: %s: %s\n", what, mysql_error(mysql));
			return -1;
		}
		more = mysql_next_result(mysql);
		if (more > 0) {
			fprintf(stderr, "migrate: %s: %s\n", what, mysql_error(mysql));
			return -1;
		}
	} while (more == 0);
	return 0;
}

/* One integer from a query, or -1. */
static long long query_number(MYSQL *mysql, const char *sql)
{
	if (mysql_real_query(mysql, sql, strlen(sql)) != 0)
		return -1;
	MYSQL_RES *result = mysql_store_result(mysql);
	if (result == NULL)
		return -1;
	MYSQL_ROW row = mysql_fetch_row(result);
	long long value = row && row[0] ? atoll(row[0]) : 0;
	mysql_free_result(result);
	return value;
}

static char *read_file(const char *path)
{
	FILE *file = fopen(path, "r");
	if (file == NULL)
		return NULL;
	char *text = malloc(MIGRATION_FILE_MAX + 1);
	if (text == NULL)
		abort();
	size_t length = fread(text, 1, MIGRATION_FILE_MAX + 1, file);
	fclose(file);
	if (length > MIGRATION_FILE_MAX) {
		free(text);
		return NULL;
	}
	text[length] = '\0';
	return text;
}

static const char *const sql_migration_table =
	"CREATE TABLE IF NOT EXISTS schema_migration ("
	" version INT NOT NULL PRIMARY KEY,"
	" name VARCHAR(255) NOT NULL,"
	" applied_at DATETIME NOT NULL"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

/* SHA-256 of text in hex. */
static void checksum_text(const char *text, char out[CHECKSUM_HEX_SIZE])
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int size = 0;
	if (EVP_Digest(text, strlen(text), digest, &size, EVP_sha256(), NULL) != 1 || size != 32)
		abort();
	crypto_hex(digest, size, out);
}

/* Reads every migration file and fills in its checksum. Returns 0 or -1. */
static int checksum_files(const char *dir, struct migration *migrations, int count)
{
	for (int i = 0; i < count; i++) {
		char path[4096 + 300];
		snprintf(path, sizeof(path), "%s/%s", dir, migrations[i].name);
		char *text = read_file(path);
		if (text == NULL) {
			fprintf(stderr, "migrate: cannot read %s\n", path);
			return -1;
		}
		checksum_text(text, migrations[i].checksum);
		free(text);
	}
	return 0;
}

/* 1 when schema_migration has its checksum column (migration 008 adds it),
 * 0 when not yet, -1 on error. */
static int has_checksum_column(MYSQL *mysql)
{
	long long found = query_number(mysql, "SELECT COUNT(*) FROM information_schema.COLUMNS"
					      " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'schema_migration'"
					      " AND COLUMN_NAME = 'checksum'");
	return found < 0 ? -1 : found > 0;
}

static const struct migration *find_migration(const struct migration *migrations, int count, long long version)
{
	for (int i = 0; i < count; i++)
		if (migrations[i].version == version)
			return &migrations[i];
	return NULL;
}

/* Compares every recorded checksum with its file now. Returns 0 when all
 * match (rows without one are skipped: backfill_checksums fills them), -1
 * with a message naming the first changed file. */
static int verify_checksums(MYSQL *mysql, const char *dir, const struct migration *migrations, int count)
{
	static const char sql[] = "SELECT version, checksum FROM schema_migration WHERE checksum IS NOT NULL ORDER BY version";
	if (mysql_real_query(mysql, sql, sizeof(sql) - 1) != 0) {
		fprintf(stderr, "migrate: cannot read schema_migration: %s\n", mysql_error(mysql));
		return -1;
	}
	MYSQL_RES *result = mysql_store_result(mysql);
	if (result == NULL) {
		fprintf(stderr, "migrate: cannot read schema_migration: %s\n", mysql_error(mysql));
		return -1;
	}
	int status = 0;
	MYSQL_ROW row;
	while (status == 0 && (row = mysql_fetch_row(result)) != NULL) {
		const struct migration *migration = find_migration(migrations, count, atoll(row[0]));
		if (migration == NULL)
			continue; /* a version this release lacks: the caller's gap and version checks say so */
		if (strcmp(row[1], migration->checksum) != 0) {
			fprintf(stderr, "migrate: %s/%s has changed since it was applied (recorded sha256 %s, the file's "
					"is now %s); refusing. Put the released file back: an applied migration is never "
					"edited, a change is a new migration\n",
				dir, migration->name, row[1], migration->checksum);
			status = -1;
		}
	}
	mysql_free_result(result);
	return status;
}

/* Records the file's checksum for every applied migration that has none
 * yet (those applied before migration 008, and the ones applied by this
 * run). Returns 0 or -1. */
static int backfill_checksums(MYSQL *mysql, const struct migration *migrations, int count, long long current)
{
	static const char sql[] = "UPDATE schema_migration SET checksum = ? WHERE version = ? AND checksum IS NULL";
	for (int i = 0; i < count && migrations[i].version <= current; i++) {
		MYSQL_STMT *stmt = mysql_stmt_init(mysql);
		MYSQL_BIND binds[2];
		memset(binds, 0, sizeof(binds));
		unsigned long checksum_length = strlen(migrations[i].checksum);
		long long version = migrations[i].version;
		binds[0].buffer_type = MYSQL_TYPE_STRING;
		binds[0].buffer = (void *)migrations[i].checksum;
		binds[0].buffer_length = checksum_length;
		binds[0].length = &checksum_length;
		binds[1].buffer_type = MYSQL_TYPE_LONGLONG;
		binds[1].buffer = &version;
		int failed = stmt == NULL || mysql_stmt_prepare(stmt, sql, sizeof(sql) - 1) != 0 ||
			     mysql_stmt_bind_param(stmt, binds) != 0 || mysql_stmt_execute(stmt) != 0;
		if (failed)
			fprintf(stderr, "migrate: cannot record the checksum of %s: %s\n", migrations[i].name,
				stmt ? mysql_stmt_error(stmt) : "out of memory");
		else if (mysql_stmt_affected_rows(stmt) == 1)
			fprintf(stderr, "migrate: recorded the checksum of %s\n", migrations[i].name);
		if (stmt != NULL)
			mysql_stmt_close(stmt);
		if (failed)
			return -1;
	}
	return 0;
}

static int record(MYSQL *mysql, const struct migration *migration)
{
	MYSQL_STMT *stmt = mysql_stmt_init(mysql);
	static const char sql[] = "INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, UTC_TIMESTAMP())";
	MYSQL_BIND binds[2];
	memset(binds, 0, sizeof(binds));
	long long version = migration->version;
	unsigned long name_length = strlen(migration->name);
	binds[0].buffer_type = MYSQL_TYPE_LONGLONG;
	binds[0].buffer = &version;
	binds[1].buffer_type = MYSQL_TYPE_STRING;
	binds[1].buffer = (void *)migration->name;
	binds[1].buffer_length = name_length;
	binds[1].length = &name_length;
	int failed = stmt == NULL || mysql_stmt_prepare(stmt, sql, sizeof(sql) - 1) != 0 ||
		     mysql_stmt_bind_param(stmt, binds) != 0 || mysql_stmt_execute(stmt) != 0;
	if (failed)
		fprintf(stderr, "migrate: cannot record %s: %s\n", migration->name,
			stmt ? mysql_stmt_error(stmt) : "out of memory");
	if (stmt != NULL)
		mysql_stmt_close(stmt);
	return failed ? -1 : 0;
}

static int migrate(const struct config *config, int apply)
{
	static struct migration migrations[MIGRATIONS_MAX];
	int count = list_migrations(config->migrations_dir, migrations);
	if (count < 0 || checksum_files(config->migrations_dir, migrations, count) != 0)
		return 1;
	int newest = count > 0 ? migrations[count - 1].version : 0;

	MYSQL *mysql = connect_admin(config);
	if (mysql == NULL)
		return 2;
	int result = 1;
	/* A lease row, not GET_LOCK: Galera does not replicate named locks,
	 * so two migrations on two nodes would both take one. */
	char holder[LEASE_HOLDER_MAX];
	lease_holder_name(holder, sizeof(holder));
	if (run_script(mysql, lease_table_sql, "service_lease") != 0)
		goto out;
	bool taken = false;
	for (int waited = 0; waited <= MIGRATION_LOCK_WAIT_S; waited++) {
		int got = lease_take_raw(mysql, LEASE_MIGRATE, holder, MIGRATION_LEASE_S);
		if (got < 0) {
			fprintf(stderr, "migrate: cannot take the migration lease: %s\n", lease_raw_error());
			goto out;
		}
		if (got == 1) {
			taken = true;
			break;
		}
		sleep(1);
	}
	if (!taken) {
		fprintf(stderr, "migrate: another migration holds the lock\n");
		goto out;
	}
	if (run_script(mysql, sql_migration_table, "schema_migration") != 0)
		goto unlock;
	long long current = query_number(mysql, "SELECT COALESCE(MAX(version), 0) FROM schema_migration");
	long long applied = query_number(mysql, "SELECT COUNT(*) FROM schema_migration");
	if (current < 0 || applied < 0) {
		fprintf(stderr, "migrate: cannot read schema_migration: %s\n", mysql_error(mysql));
		goto unlock;
	}
	if (current > newest) {
		fprintf(stderr, "migrate: the database is at version %lld, newer than this release (%d); refusing\n",
			current, newest);
		goto unlock;
	}
	int older = 0;
	for (int i = 0; i < count; i++)
		if (migrations[i].version <= current)
			older++;
	if (applied != older) {
		fprintf(stderr, "migrate: the database has %lld migrations up to version %lld, this release has %d; "
				"refusing a database with gaps\n", applied, current, older);
		goto unlock;
	}
	int checksums = has_checksum_column(mysql);
	if (checksums < 0) {
		fprintf(stderr, "migrate: cannot read schema_migration's columns: %s\n", mysql_error(mysql));
		goto unlock;
	}
	if (checksums == 1 && verify_checksums(mysql, config->migrations_dir, migrations, count) != 0)
		goto unlock;
	if (!apply) {
		if (current != newest)
			fprintf(stderr, "migrate: the database is at version %lld, this release needs %d: run migrate\n",
				current, newest);
		result = current == newest ? 0 : 1;
		goto unlock;
	}
	for (int i = 0; i < count; i++) {
		if (migrations[i].version <= current)
			continue;
		char path[4096 + 300];
		snprintf(path, sizeof(path), "%s/%s", config->migrations_dir, migrations[i].name);
		char *text = read_file(path);
		if (text == NULL) {
			fprintf(stderr, "migrate: cannot read %s\n", path);
			goto unlock;
		}
		int failed = run_script(mysql, text, migrations[i].name);
		free(text);
		if (failed || record(mysql, &migrations[i]) != 0)
			goto unlock;
		fprintf(stderr, "migrate: applied %s\n", migrations[i].name);
	}
	if ((checksums = has_checksum_column(mysql)) == 1 && backfill_checksums(mysql, migrations, count, newest) != 0)
		goto unlock;
	fprintf(stderr, "migrate: the database is at version %d\n", newest);
	result = 0;
unlock:
	lease_release_raw(mysql, LEASE_MIGRATE, holder);
out:
	mysql_close(mysql);
	return result;
}

int migrate_run(const struct config *config)
{
	return migrate(config, 1) == 0 ? 0 : 1;
}

int migrate_check(const struct config *config)
{
	return migrate(config, 0);
}
