/* db.h: the one door to MariaDB.
 *
 * Each worker owns one connection. Every statement is prepared once per
 * connection and cached by its SQL text's address (pass string literals).
 * db_run() binds parameters from a type string, executes, fetches the whole
 * result into the request's arena, and maps errors to HTTP answers:
 * duplicate key 409, lost server 503, anything else 500 — the MariaDB
 * message is logged, never sent. Outside a transaction a deadlock or lock
 * wait timeout is retried and a lost connection is reconnected once; inside
 * db_transaction() the whole transaction is retried instead.
 *
 * Parameter types: 'i' int64_t, 's' const char * (NULL binds SQL NULL),
 * 'b' const void * then size_t (binary). */
#ifndef KANJIA_DB_H
#define KANJIA_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mysql.h>

#define DB_STATEMENTS_MAX 256
#define DB_ROWS_MAX 10000
/* Returned by db_run() inside a transaction that must be tried again. */
#define DB_RETRY 1

struct config;
struct request;

struct db_statement {
	const char *sql;
	MYSQL_STMT *stmt;
};

struct db {
	MYSQL *mysql;
	const struct config *config;
	struct db_statement statements[DB_STATEMENTS_MAX];
	int statement_count;
	bool in_transaction;
	bool broken; /* lost inside a transaction: reconnect before the next use */
	unsigned int last_errno;
};

struct db_cell {
	bool is_null;
	int64_t number; /* integer columns */
	char *text;     /* other columns, NUL-terminated, owned by the arena */
	size_t length;
};

struct db_rows {
	int row_count;
	int column_count;
	struct db_cell *cells;
	uint64_t affected;
	uint64_t insert_id;
};

/* Connects with the config's settings. Returns 0, or -1 (logged). */
int db_connect(struct db *db, const struct config *config);
void db_close(struct db *db);
/* Runs one statement. rows (OUT, may be NULL) receives the result, owned by
 * the request's arena. Returns 0, DB_RETRY, or an HTTP error status with the
 * request's error set. */
int db_run(struct request *request, struct db_rows *rows, const char *sql, const char *types, ...);
/* Runs body(request, context) between BEGIN and COMMIT. body returns an HTTP
 * status: below 400 commits; 400 and above rolls back (unless it set
 * request->commit_on_error); DB_RETRY, a deadlock or a lock wait timeout
 * rolls back and runs body again, at most config->db_retries more times. */
int db_transaction(struct request *request, int (*body)(struct request *, void *), void *context);
/* True when the last failed statement was a duplicate key. */
bool db_was_duplicate(const struct request *request);

static inline int64_t db_int(const struct db_rows *rows, int row, int column)
{
	return rows->cells[row * rows->column_count + column].number;
}

static inline const char *db_text(const struct db_rows *rows, int row, int column)
{
	return rows->cells[row * rows->column_count + column].text;
}

static inline bool db_null(const struct db_rows *rows, int row, int column)
{
	return rows->cells[row * rows->column_count + column].is_null;
}

#endif
