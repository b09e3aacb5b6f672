/* benchdb.c: what the bench's C references (helpref, orderref) share: the
 * pool config's db_* keys, a connection with fcgi/db/db.c's session settings,
 * prepared statements run and fetched the way fcgi/db/db.c does, id lists,
 * and percentiles. */
#define _GNU_SOURCE
#include "benchdb.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *bench_tool = "bench";

int64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* Copies value into out if key matches; trims spaces. */
static void config_take(const char *key, const char *value, const char *want, char *out)
{
	if (strcmp(key, want) == 0)
		snprintf(out, BENCH_TEXT_MAX, "%s", value);
}

/* Reads the db_* keys of the pool's "key = value" config; returns 0 or -1. */
int bench_config_read(const char *path, struct bench_db *settings)
{
	FILE *file = fopen(path, "r");
	if (file == NULL) {
		fprintf(stderr, "%s: %s: %s\n", bench_tool, path, strerror(errno));
		return -1;
	}
	snprintf(settings->user, sizeof(settings->user), "kanjia");
	snprintf(settings->database, sizeof(settings->database), "kanjia");
	char line[4096];
	while (fgets(line, sizeof(line), file) != NULL) {
		char *text = line;
		while (isspace((unsigned char)*text))
			text++;
		if (*text == '#' || *text == '\0')
			continue;
		char *equals = strchr(text, '=');
		if (equals == NULL)
			continue;
		char *key_end = equals;
		while (key_end > text && isspace((unsigned char)key_end[-1]))
			key_end--;
		*key_end = '\0';
		char *value = equals + 1;
		while (isspace((unsigned char)*value))
			value++;
		size_t length = strlen(value);
		while (length > 0 && isspace((unsigned char)value[length - 1]))
			value[--length] = '\0';
		config_take(text, value, "db_user", settings->user);
		config_take(text, value, "db_password", settings->password);
		config_take(text, value, "db_name", settings->database);
		if (settings->socket[0] == '\0')
			config_take(text, value, "db_socket", settings->socket);
	}
	fclose(file);
	if (settings->socket[0] == '\0') {
		fprintf(stderr, "%s: no db_socket in %s and no -S: only a local socket is used\n", bench_tool, path);
		return -1;
	}
	return 0;
}

/* Connects as fcgi/db/db.c db_connect() does (the same session settings);
 * NULL with error filled. */
MYSQL *bench_connect(const struct bench_db *settings, char *error, size_t error_size)
{
	MYSQL *mysql = mysql_init(NULL);
	if (mysql == NULL)
		abort();
	unsigned int connect_timeout = 5, io_timeout = 30;
	my_bool no = 0;
	mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
	mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
	mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
	mysql_options(mysql, MYSQL_OPT_RECONNECT, &no);
	mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(mysql, MYSQL_INIT_COMMAND,
		      "SET SESSION time_zone = '+00:00', SESSION tx_isolation = 'READ-COMMITTED', "
		      "SESSION innodb_lock_wait_timeout = 10, "
		      "SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'");
	if (mysql_real_connect(mysql, NULL, settings->user, settings->password, settings->database, 0,
			       settings->socket, 0) == NULL) {
		snprintf(error, error_size, "connect: %s", mysql_error(mysql));
		mysql_close(mysql);
		return NULL;
	}
	return mysql;
}

MYSQL_STMT *bench_prepare(MYSQL *mysql, const char *sql, char *error, size_t error_size)
{
	MYSQL_STMT *stmt = mysql_stmt_init(mysql);
	if (stmt == NULL)
		abort();
	if (mysql_stmt_prepare(stmt, sql, strlen(sql)) != 0) {
		snprintf(error, error_size, "prepare: %s", mysql_stmt_error(stmt));
		mysql_stmt_close(stmt);
		return NULL;
	}
	return stmt;
}

/* Executes stmt with its bound parameters. A statement with a result set
 * has it stored and fetched as fcgi/db/db.c fetch_rows() does, and returns the
 * number of rows; one without returns its affected rows. -1 on an error
 * (error filled, *errno_out set). */
long long bench_run(MYSQL_STMT *stmt, MYSQL_BIND *params, unsigned int *errno_out, char *error,
			       size_t error_size)
{
	*errno_out = 0;
	if (mysql_stmt_bind_param(stmt, params) != 0 || mysql_stmt_execute(stmt) != 0)
		goto failed;
	MYSQL_RES *meta = mysql_stmt_result_metadata(stmt);
	if (meta == NULL) {
		if (mysql_stmt_field_count(stmt) != 0)
			goto failed;
		return (long long)mysql_stmt_affected_rows(stmt);
	}
	unsigned int columns = mysql_num_fields(meta);
	if (columns > BENCH_COLUMNS_MAX) {
		mysql_free_result(meta);
		snprintf(error, error_size, "too many columns");
		return -1;
	}
	my_bool update_max = 1;
	mysql_stmt_attr_set(stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max);
	if (mysql_stmt_store_result(stmt) != 0) {
		mysql_free_result(meta);
		goto failed;
	}
	MYSQL_FIELD *fields = mysql_fetch_fields(meta);
	MYSQL_BIND binds[BENCH_COLUMNS_MAX];
	char texts[BENCH_COLUMNS_MAX][BENCH_TEXT_MAX];
	long long numbers[BENCH_COLUMNS_MAX];
	unsigned long lengths[BENCH_COLUMNS_MAX];
	my_bool nulls[BENCH_COLUMNS_MAX];
	memset(binds, 0, sizeof(binds));
	for (unsigned int c = 0; c < columns; c++) {
		binds[c].is_null = &nulls[c];
		binds[c].length = &lengths[c];
		enum enum_field_types type = fields[c].type;
		if (type == MYSQL_TYPE_TINY || type == MYSQL_TYPE_SHORT || type == MYSQL_TYPE_LONG ||
		    type == MYSQL_TYPE_INT24 || type == MYSQL_TYPE_LONGLONG) {
			binds[c].buffer_type = MYSQL_TYPE_LONGLONG;
			binds[c].buffer = &numbers[c];
		} else {
			binds[c].buffer_type = MYSQL_TYPE_STRING;
			binds[c].buffer = texts[c];
			binds[c].buffer_length = BENCH_TEXT_MAX;
		}
	}
	long long rows = 0;
	if (mysql_stmt_bind_result(stmt, binds) != 0) {
		mysql_stmt_free_result(stmt);
		mysql_free_result(meta);
		goto failed;
	}
	for (;;) {
		int fetched = mysql_stmt_fetch(stmt);
		if (fetched == MYSQL_NO_DATA)
			break;
		if (fetched == 1) {
			snprintf(error, error_size, "fetch: %s", mysql_stmt_error(stmt));
			rows = -1;
			break;
		}
		rows++; /* MYSQL_DATA_TRUNCATED too: a long text, still a row */
	}
	mysql_stmt_free_result(stmt);
	mysql_free_result(meta);
	return rows;
failed:
	*errno_out = mysql_stmt_errno(stmt);
	snprintf(error, error_size, "%s (errno %u)", mysql_stmt_error(stmt), mysql_stmt_errno(stmt));
	return -1;
}

unsigned int bench_query(MYSQL *mysql, const char *sql, char *error, size_t error_size)
{
	if (mysql_real_query(mysql, sql, strlen(sql)) == 0)
		return 0;
	snprintf(error, error_size, "%s: %s (errno %u)", sql, mysql_error(mysql), mysql_errno(mysql));
	return mysql_errno(mysql) ? mysql_errno(mysql) : 1;
}

bool bench_retryable(unsigned int error_number)
{
	return error_number == 1213 || error_number == 1205; /* deadlock, lock wait timeout */
}

/* Reads a file of one positive id per line. Returns the count or -1. */
long bench_ids_read(const char *path, long long **out)
{
	FILE *file = fopen(path, "r");
	if (file == NULL) {
		fprintf(stderr, "%s: %s: %s\n", bench_tool, path, strerror(errno));
		return -1;
	}
	long count = 0, capacity = 0;
	long long *ids = NULL;
	char line[64];
	while (fgets(line, sizeof(line), file) != NULL) {
		long long id = atoll(line);
		if (id < 1)
			continue;
		if (count == BENCH_LIST_MAX)
			break;
		if (count == capacity) {
			capacity = capacity ? capacity * 2 : 4096;
			ids = realloc(ids, (size_t)capacity * sizeof(long long));
			if (ids == NULL)
				abort();
		}
		ids[count++] = id;
	}
	fclose(file);
	*out = ids;
	return count;
}

int bench_compare_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

double bench_percentile_ms(const int64_t *sorted, size_t count, double fraction)
{
	if (count == 0)
		return 0;
	size_t rank = (size_t)(fraction * (double)count + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > count)
		rank = count;
	return (double)sorted[rank - 1] / 1e6;
}
