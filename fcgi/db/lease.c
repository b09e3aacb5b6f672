/* lease.c: named locks as rows of service_lease (see lease.h). */
#include "db/lease.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mysqld_error.h>

#include "core/crypto.h"
#include "db/db.h"

const char lease_table_sql[] =
	"CREATE TABLE IF NOT EXISTS service_lease ("
	" name VARCHAR(64) NOT NULL PRIMARY KEY,"
	" holder VARCHAR(96) NOT NULL,"
	" expires_at DATETIME(6) NOT NULL"
	") ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin";

/* The row exists once; its first lease is long over. */
static const char sql_lease_row[] =
	"INSERT IGNORE INTO service_lease (name, holder, expires_at) VALUES (?, '', '2000-01-01 00:00:00')";
/* Free when run out, or renewed by its holder. The database's clock, not
 * each host's, so hosts with skewed clocks agree on when a lease ends. */
static const char sql_lease_take[] =
	"UPDATE service_lease SET holder = ?, expires_at = UTC_TIMESTAMP(6) + INTERVAL ? SECOND "
	"WHERE name = ? AND (expires_at <= UTC_TIMESTAMP(6) OR holder = ?)";
static const char sql_lease_end[] =
	"UPDATE service_lease SET expires_at = UTC_TIMESTAMP(6) WHERE name = ? AND holder = ?";

void lease_holder_name(char *out, size_t out_size)
{
	char host[64];
	if (gethostname(host, sizeof(host)) != 0)
		strcpy(host, "host");
	host[sizeof(host) - 1] = '\0';
	unsigned char random[6];
	char random_hex[sizeof(random) * 2 + 1];
	crypto_random(random, sizeof(random));
	for (size_t i = 0; i < sizeof(random); i++)
		snprintf(random_hex + 2 * i, 3, "%02x", random[i]);
	snprintf(out, out_size, "%.40s:%ld:%s", host, (long)getpid(), random_hex);
}

/* This process's holder name, made again after a fork. */
static const char *own_holder(void)
{
	static char holder[LEASE_HOLDER_MAX];
	static pid_t made_by;
	if (made_by != getpid()) {
		lease_holder_name(holder, sizeof(holder));
		made_by = getpid();
	}
	return holder;
}

int lease_take(struct unit *unit, const char *name, int seconds, bool *taken)
{
	*taken = false;
	const char *holder = own_holder();
	int result = db_exec(unit, NULL, sql_lease_row, "s", name);
	if (result != DB_OK && result != DB_DUPLICATE)
		return result;
	struct db_rows rows;
	result = db_exec(unit, &rows, sql_lease_take, "siss", holder, (int64_t)seconds,
			 name, holder);
	if (result == DB_OK)
		*taken = rows.affected == 1;
	return result;
}

int lease_release(struct unit *unit, const char *name)
{
	return db_exec(unit, NULL, sql_lease_end, "ss", name, own_holder());
}

/* The last error of run_raw: a statement's error is the statement's, not
 * the connection's (mysql_error() says nothing about it). */
static unsigned int raw_errno;
static char raw_error[256];

const char *lease_raw_error(void)
{
	return raw_error;
}

/* Runs sql with string and integer parameters on a plain connection; types
 * as db_exec's ('s' or 'i'). Returns the affected rows, or -1 (raw_errno
 * and raw_error say why). */
static long long run_raw(MYSQL *mysql, const char *sql, const char *types, const char *const *texts,
			 const long long *numbers)
{
	raw_errno = 0;
	snprintf(raw_error, sizeof(raw_error), "out of memory");
	MYSQL_STMT *stmt = mysql_stmt_init(mysql);
	if (stmt == NULL)
		return -1;
	MYSQL_BIND binds[4];
	unsigned long lengths[4];
	memset(binds, 0, sizeof(binds));
	size_t count = strlen(types);
	for (size_t i = 0; i < count && i < 4; i++) {
		if (types[i] == 'i') {
			binds[i].buffer_type = MYSQL_TYPE_LONGLONG;
			binds[i].buffer = (void *)&numbers[i];
		} else {
			lengths[i] = strlen(texts[i]);
			binds[i].buffer_type = MYSQL_TYPE_STRING;
			binds[i].buffer = (void *)texts[i];
			binds[i].buffer_length = lengths[i];
			binds[i].length = &lengths[i];
		}
	}
	long long affected = -1;
	if (mysql_stmt_prepare(stmt, sql, strlen(sql)) == 0 && mysql_stmt_bind_param(stmt, binds) == 0 &&
	    mysql_stmt_execute(stmt) == 0)
		affected = (long long)mysql_stmt_affected_rows(stmt);
	else {
		raw_errno = mysql_stmt_errno(stmt);
		snprintf(raw_error, sizeof(raw_error), "%s", mysql_stmt_error(stmt));
	}
	mysql_stmt_close(stmt);
	return affected;
}

/* Another node's take of the same row at the same moment: on Galera a
 * certification conflict (reported as a deadlock), on one server a lock
 * wait. The lease is then another's for now, not an error. */
static bool raw_lost_race(void)
{
	return raw_errno == ER_LOCK_DEADLOCK || raw_errno == ER_LOCK_WAIT_TIMEOUT;
}

int lease_take_raw(MYSQL *mysql, const char *name, const char *holder, int seconds)
{
	const char *row_texts[] = { name };
	if (run_raw(mysql, sql_lease_row, "s", row_texts, NULL) < 0)
		return raw_lost_race() ? 0 : -1;
	const char *texts[] = { holder, NULL, name, holder };
	const long long numbers[] = { 0, seconds, 0, 0 };
	long long affected = run_raw(mysql, sql_lease_take, "siss", texts, numbers);
	if (affected < 0)
		return raw_lost_race() ? 0 : -1;
	return affected == 1 ? 1 : 0;
}

void lease_release_raw(MYSQL *mysql, const char *name, const char *holder)
{
	const char *texts[] = { name, holder };
	run_raw(mysql, sql_lease_end, "ss", texts, NULL);
}
