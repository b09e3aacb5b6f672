/* db.h: the one door to MariaDB.
 *
 * Each worker owns one connection. Every statement is prepared once per
 * connection and cached by its SQL text's address (pass string literals).
 * db_exec() binds parameters from a type string, executes, fetches the whole
 * result into the unit's arena, and answers a result code of its own:
 * DB_DUPLICATE, DB_UNAVAILABLE (lost server, or retries used up), DB_FAILED
 * (anything else; the MariaDB message is logged, never sent). Outside a
 * transaction a deadlock or lock wait timeout is retried and a lost
 * connection is reconnected once; inside db_atomic() the whole transaction
 * is retried instead.
 *
 * Two doors: db_exec() runs on the worker's connection to the primary;
 * db_read() runs a read that may be a little stale on a second connection,
 * to a read replica (db_read_host), opened at its first use with the same
 * session settings, statement cache, retries and reconnect, and used only
 * while its measured lag is within db_read_max_lag_s (replica.h); else the
 * read goes to the primary. A store chooses the door per statement: only
 * reads whose answer may lag the writes a little (the admin console's
 * dashboards, reports and lists) use db_read(); everything that writes or
 * decides money and stock uses db_exec().
 *
 * Stores work on a struct unit, so the command-line tools and the sweepers
 * use the same door as requests; routes map the codes to HTTP once
 * (http_outcome() in http/http.h).
 *
 * Parameter types: 'i' int64_t, 's' const char * (NULL binds SQL NULL),
 * 'b' const void * then size_t (binary). */
#ifndef KANJIA_DB_H
#define KANJIA_DB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mysql.h>

/* Distinct statements one connection prepares (the code has about 300);
 * found through an index keyed by the SQL text's address. */
#define DB_STATEMENTS_MAX 1024
#define DB_STATEMENT_SLOTS 2048 /* a power of two, at least twice the above */
#define DB_ROWS_MAX 10000

/* The door's result codes. Feature results that travel through db_atomic()
 * beside them must not use these values (HTTP statuses and codes from 100
 * up are safe). */
enum db_result {
	DB_OK = 0,
	DB_RETRY = 1,       /* inside a transaction: roll back and run it again */
	DB_DUPLICATE = 2,   /* a unique key refused the write */
	DB_UNAVAILABLE = 3, /* the server is gone, or retries are used up */
	DB_FAILED = 4,      /* anything else (logged) */
};

struct arena;
struct config;
struct request;
struct db;

/* A unit of work: what a store needs to run statements, with or without a
 * request. Borrowed pointers; the worker (or a command) owns them. */
struct unit {
	struct arena *arena; /* result rows live here */
	struct db *db;
	const struct config *config;
	int64_t now;          /* the unit's clock, fixed at its start */
	const char *request_id; /* for the records that keep it (audit, fraud) */
	bool commit_on_error; /* see db_atomic() */
	struct unit_session *session; /* NULL, or a caller still to confirm (below) */
};

/* A caller whose token verified but whose revocation state (its token
 * version, blocked, logged out) the worker does not know yet (http/session.c,
 * routes of AUTH_SHOPPER_FOLDED). The door confirms it before the unit's
 * first statement runs, with a statement of its own, unless the store said
 * that statement reads the facts itself (unit_session_carry) and hands them
 * over after it (unit_session_settle): then the session costs no round trip.
 * Once refused, every later statement of the unit is refused too. */
struct unit_session {
	bool pending;    /* not confirmed yet */
	bool carrying;   /* the next statement reads the facts */
	bool confirming; /* the confirm statement itself is running */
	int refusal;     /* 0, or what every later statement answers (set once refused) */
	int64_t user_id;
	int64_t token_version; /* the token's claim, to compare with the caller's */
	const char *jti;
	/* the session's own statement; DB_OK clears pending, else an outcome
	 * (a refusal also set in refusal) */
	int (*confirm)(struct unit *unit);
	/* decides from facts a store read: DB_OK clears pending, else the
	 * refusal, also set in refusal */
	int (*settle)(struct unit *unit, int64_t token_version, bool off, bool revoked);
};

/* Before a statement that reads the caller's session facts: true when they
 * are wanted (then pass unit->session->jti and read the facts). The mark
 * lasts for the next statement only, whatever its result. */
static inline bool unit_session_carry(struct unit *unit)
{
	if (unit->session == NULL || !unit->session->pending || unit->session->refusal != 0)
		return false;
	unit->session->carrying = true;
	return true;
}

/* The session confirmed now, by its own statement if it is still pending
 * (a unit that ran no statement): DB_OK, the refusal, or the door's code. */
int db_session_confirm(struct unit *unit);

/* After it: the facts read (the caller's token version, blocked, whether
 * the token was logged out). DB_OK, or the refusal (OUT_UNAUTHORIZED). */
static inline int unit_session_settle(struct unit *unit, int64_t token_version, bool off, bool revoked)
{
	return unit->session->settle(unit, token_version, off, revoked);
}

struct db_statement {
	const char *sql;
	MYSQL_STMT *stmt;
};

struct db {
	MYSQL *mysql;
	const struct config *config;
	struct db_statement statements[DB_STATEMENTS_MAX];
	int statement_count;
	int16_t statement_slots[DB_STATEMENT_SLOTS]; /* index + 1 into statements, 0: empty */
	bool in_transaction;
	bool broken; /* lost inside a transaction: reconnect before the next use */
	int host_index; /* scale-out: the db_hosts entry tried first on the next connect */
	unsigned int last_errno;
	/* read replica: begin (db_read) */
	struct db *replica;          /* the replica's connection, made by the first db_read(); owned, NULL: none */
	bool is_replica;             /* this is a replica's connection: it connects to db_read_host */
	int replica_verdict;         /* on a replica: the last measure (enum replica_verdict) */
	int64_t replica_measured_us; /* on a replica: when, monotonic µs; 0: not since it connected */
	int64_t replica_retry_us;    /* on a replica that was down: no connect attempt before this */
	/* read replica: end */
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

/* Connects with the config's settings to the primary (db_socket, db_host
 * or db_hosts). Returns 0, or -1 (logged). */
int db_connect(struct db *db, const struct config *config);
/* Closes the connection, and the replica's when db_read() opened one. */
void db_close(struct db *db);
/* Runs one statement. rows (OUT, may be NULL) receives the result, owned by
 * the unit's arena. Returns DB_OK, DB_RETRY (inside a transaction only),
 * DB_DUPLICATE, DB_UNAVAILABLE or DB_FAILED. */
int db_exec(struct unit *unit, struct db_rows *rows, const char *sql, const char *types, ...);
/* The same with the parameters as a va_list (for test fixtures). */
int db_exec_va(struct unit *unit, struct db_rows *rows, const char *sql, const char *types, va_list args);
/* A guarded write (a conditional UPDATE, an INSERT ... SELECT ... WHERE):
 * DB_OK when it changed exactly one row, refused (an outcome the caller
 * names) when its guard let nothing through, or the door's code. */
int db_exec_one(struct unit *unit, int refused, const char *sql, const char *types, ...);
/* read replica: begin */
/* Runs one SELECT whose answer may be stale by up to db_read_max_lag_s
 * seconds: on the read replica when db_read_host is set and the replica is
 * reachable and measured fresh, else on the unit's connection to the
 * primary (a metric counts each read by where it went and why). Inside a
 * transaction it runs on the transaction's connection, so a transaction
 * always reads its own writes. A statement that fails on the replica runs
 * again on the primary. Never a write: the replica is read-only. rows
 * (OUT, may be NULL) and the result as db_exec(). */
int db_read(struct unit *unit, struct db_rows *rows, const char *sql, const char *types, ...);
/* read replica: end */
/* Runs body(unit, context) between BEGIN and COMMIT. body returns DB_OK to
 * commit; DB_RETRY (a deadlock or lock wait timeout) rolls back and runs body
 * again, at most config->db_retries more times (then DB_UNAVAILABLE); any
 * other code rolls back, unless body set unit->commit_on_error, and is
 * returned. A failed COMMIT answers its code. */
int db_atomic(struct unit *unit, int (*body)(struct unit *, void *), void *context);
/* True when the database answers a trivial statement on the unit's
 * connection (reconnecting once if it was lost): the health check. */
bool db_answers(struct unit *unit);
/* True when the unit's last failed statement was a duplicate key. */
bool db_unit_was_duplicate(const struct unit *unit);

/* The request wrappers, while route files still call the door themselves.
 * db_run() is db_exec() on the request's unit, its code mapped by
 * http_outcome(); db_transaction() runs an HTTP body (below 400 commits, 400
 * and above rolls back unless request->work.commit_on_error). */
int db_run(struct request *request, struct db_rows *rows, const char *sql, const char *types, ...);
int db_transaction(struct request *request, int (*body)(struct request *, void *), void *context);
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
