/* db.c: prepared statements, typed binding, retries and error mapping.
 *
 * The door works on a unit of work (struct unit: arena, connection,
 * config, clock) and answers its own result codes; nothing here knows HTTP
 * except the request wrappers at the end, kept while route files still call
 * them, which map the codes through http_outcome(). */
#include "db/db.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <errmsg.h>
#include <mysqld_error.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/endpoint.h"
#include "http/http.h"
#include "core/arena.h"
#include "core/log.h"
#include "ops/ops.h"
#include "db/replica.h"

#define DB_PARAMS_MAX 32
#define DB_COLUMNS_MAX 64
#define DB_CONNECT_TIMEOUT_S 2
#define DB_IO_TIMEOUT_S 30
/* The longest pause before a retry, in microseconds. */
#define DB_RETRY_PAUSE_MAX_US 50000

enum db_failure { FAILURE_NONE, FAILURE_DUPLICATE, FAILURE_RETRY, FAILURE_LOST, FAILURE_OTHER };

static enum db_failure classify(unsigned int error_number)
{
	switch (error_number) {
	case 0:
		return FAILURE_NONE;
	case ER_DUP_ENTRY:
	case ER_DUP_ENTRY_WITH_KEY_NAME:
		return FAILURE_DUPLICATE;
	case ER_LOCK_DEADLOCK:
	case ER_LOCK_WAIT_TIMEOUT:
		/* Galera answers a certification failure (a write set that lost
		 * to another node's on the same rows) and a brute-force abort
		 * with ER_LOCK_DEADLOCK too: retried like a deadlock. */
		return FAILURE_RETRY;
	case ER_UNKNOWN_COM_ERROR:
		/* 1047 "WSREP has not yet prepared node for application use": a
		 * Galera node outside the primary component (cut off, or still
		 * joining). Nothing was written through it; the connection moves
		 * to the next of db_hosts. */
		return FAILURE_LOST;
	case ER_ERROR_DURING_COMMIT:
		/* 1180 from Galera: "Not connected to Primary Component" while
		 * replicating at COMMIT (the node was cut off). Whether the
		 * others got the write set is unknown: answered as unavailable,
		 * never retried, and the connection moves to another node. */
		return FAILURE_LOST;
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_SERVER_LOST_EXTENDED:
	case ER_CONNECTION_KILLED:
	case ER_SERVER_SHUTDOWN:
	case ER_QUERY_INTERRUPTED:
		return FAILURE_LOST;
	default:
		return FAILURE_OTHER;
	}
}

/* Sets the session options every connection gets on a fresh handle. */
static void connection_options(MYSQL *mysql, const struct config *config)
{
	unsigned int connect_timeout = DB_CONNECT_TIMEOUT_S, io_timeout = DB_IO_TIMEOUT_S;
	my_bool no = 0;
	mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
	mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
	mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
	mysql_options(mysql, MYSQL_OPT_RECONNECT, &no); /* we reconnect ourselves, knowingly */
	mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	/* UTC sessions: every DATETIME is UTC. READ COMMITTED: counters and
	 * stock are changed by conditional updates, so gap locks only add
	 * deadlocks. sql_mode is pinned: strict, and without
	 * SIMULTANEOUS_ASSIGNMENT, since single-table UPDATEs here rely on
	 * assignments reading the columns set before them. */
	mysql_options(mysql, MYSQL_INIT_COMMAND,
		      "SET SESSION time_zone = '+00:00', SESSION tx_isolation = 'READ-COMMITTED', "
		      "SESSION innodb_lock_wait_timeout = 10, "
		      "SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'");
	/* The procedures that commit themselves (sql/024_round_trips.sql) give
	 * up at the request's deadline: the master kills a worker stuck past
	 * request_timeout_s, but a CALL it left waiting on a lock runs on in
	 * MariaDB, and must not commit after nginx has answered 503. */
	char deadline[80];
	snprintf(deadline, sizeof(deadline), "SET @kanjia_request_timeout_s = %lld",
		 config != NULL ? (long long)config->request_timeout_s : 0LL);
	mysql_options(mysql, MYSQL_INIT_COMMAND, deadline);
}

/* True if the server behind mysql takes writes: not a Galera node outside
 * the primary component. wsrep_ready is OFF on such a node (and the
 * variable is absent on a server without Galera, which is ready). */
static bool node_ready(MYSQL *mysql)
{
	static const char sql[] = "SHOW STATUS LIKE 'wsrep_ready'";
	if (mysql_real_query(mysql, sql, sizeof(sql) - 1) != 0)
		return false;
	MYSQL_RES *result = mysql_store_result(mysql);
	if (result == NULL)
		return false;
	MYSQL_ROW row = mysql_fetch_row(result);
	bool ready = row == NULL || (row[1] != NULL && strcmp(row[1], "ON") == 0);
	mysql_free_result(result);
	return ready;
}

/* Several database hosts (db_hosts): tries them in order from
 * db->host_index, wrapping once around the list, and keeps the first that
 * answers and is ready. A later loss moves host_index past the host lost
 * (db_reconnect), so the next connect starts with the next one. */
static int connect_any_host(struct db *db, const struct config *config)
{
	struct endpoint hosts[ENDPOINTS_MAX];
	char why[300];
	int count = endpoint_list_parse(config->db_hosts, hosts, why, sizeof(why));
	if (count <= 0) {
		log_error("db: db_hosts: %s", count < 0 ? why : "empty");
		mysql_close(db->mysql);
		db->mysql = NULL;
		return -1;
	}
	if (db->host_index < 0 || db->host_index >= count)
		db->host_index = 0;
	for (int tried = 0; tried < count; tried++) {
		int index = (db->host_index + tried) % count;
		if (db->mysql == NULL) {
			db->mysql = mysql_init(NULL);
			if (db->mysql == NULL)
				abort();
			connection_options(db->mysql, config);
		}
		if (mysql_real_connect(db->mysql, hosts[index].host, config->db_user, config->db_password,
				       config->db_name, (unsigned int)hosts[index].port, NULL, 0) != NULL &&
		    node_ready(db->mysql)) {
			if (index != db->host_index || tried > 0)
				log_info("db: connected to %s:%d", hosts[index].host, hosts[index].port);
			db->host_index = index;
			return 0;
		}
		log_warn("db: %s:%d not usable: %s (errno %u)", hosts[index].host, hosts[index].port,
			 mysql_error(db->mysql), mysql_errno(db->mysql));
		mysql_close(db->mysql);
		db->mysql = NULL;
	}
	log_error("db: none of the %d db_hosts is usable", count);
	return -1;
}

/* A pause before retry number attempt (0 first) of a deadlock or a
 * certification conflict: random, up to 1 ms doubled each attempt, at most
 * DB_RETRY_PAUSE_MAX_US. Without it the writers of a hot row that lost
 * collide again at once; on Galera, where a conflict reruns the whole
 * transaction, three nodes writing one item used up every retry in 60 ms. */
static void retry_pause(int attempt)
{
	int64_t ceiling = attempt >= 6 ? DB_RETRY_PAUSE_MAX_US : (int64_t)1000 << attempt;
	if (ceiling > DB_RETRY_PAUSE_MAX_US)
		ceiling = DB_RETRY_PAUSE_MAX_US;
	uint64_t pause = crypto_random_below((uint64_t)ceiling) + 1;
	struct timespec wait = { 0, (long)pause * 1000L };
	nanosleep(&wait, NULL);
}

/* read replica: the replica's connection (db_read_host, db_read_port; its
 * own user when db_read_user is set, else the primary's). Logged at warn
 * level only when the replica was usable before, so a replica that stays
 * away does not fill the log every REPLICA_RETRY_INTERVAL_US per worker. */
static int connect_replica(struct db *db, const struct config *config)
{
	bool own_user = config->db_read_user[0] != '\0';
	if (mysql_real_connect(db->mysql, config->db_read_host, own_user ? config->db_read_user : config->db_user,
			       own_user ? config->db_read_password : config->db_password, config->db_name,
			       (unsigned int)config->db_read_port, NULL, 0) == NULL) {
		if (db->replica_verdict != REPLICA_DOWN)
			log_warn("db: read replica %s:%lld not reachable: %s (errno %u); reads go to the primary",
				 config->db_read_host, (long long)config->db_read_port, mysql_error(db->mysql),
				 mysql_errno(db->mysql));
		mysql_close(db->mysql);
		db->mysql = NULL;
		return -1;
	}
	db->replica_measured_us = 0; /* measured before its first read */
	return 0;
}

int db_connect(struct db *db, const struct config *config)
{
	db->config = config;
	db->statement_count = 0;
	memset(db->statement_slots, 0, sizeof(db->statement_slots));
	db->in_transaction = false;
	db->broken = false;
	db->mysql = mysql_init(NULL);
	if (db->mysql == NULL)
		abort();
	connection_options(db->mysql, config);
	if (db->is_replica)
		return connect_replica(db, config);
	if (config->db_hosts[0] != '\0')
		return connect_any_host(db, config);
	bool local = config->db_socket[0] != '\0';
	if (mysql_real_connect(db->mysql, local ? NULL : config->db_host, config->db_user, config->db_password,
			       config->db_name, local ? 0 : (unsigned int)config->db_port,
			       local ? config->db_socket : NULL, 0) == NULL) {
		log_error("db: cannot connect: %s (errno %u)", mysql_error(db->mysql), mysql_errno(db->mysql));
		mysql_close(db->mysql);
		db->mysql = NULL;
		return -1;
	}
	return 0;
}

/* Closes db's own connection and forgets its statements; a primary's
 * replica connection stays (a reconnect of one leaves the other alone). */
static void connection_close(struct db *db)
{
	for (int i = 0; i < db->statement_count; i++)
		mysql_stmt_close(db->statements[i].stmt);
	db->statement_count = 0;
	memset(db->statement_slots, 0, sizeof(db->statement_slots));
	if (db->mysql != NULL)
		mysql_close(db->mysql);
	db->mysql = NULL;
	db->in_transaction = false;
	db->broken = false;
}

void db_close(struct db *db)
{
	connection_close(db);
	if (db->replica != NULL) {
		connection_close(db->replica);
		free(db->replica);
		db->replica = NULL;
	}
}

static int db_reconnect(struct db *db)
{
	const struct config *config = db->config;
	connection_close(db);
	db->host_index++; /* several hosts: the one lost is tried last */
	return db_connect(db, config);
}

/* The cached statement for sql, prepared on first use; NULL on failure
 * with db->last_errno set. */
/* The slot of sql in the index: where it is, or the empty slot where it
 * goes (linear probing; the index is never more than half full). */
static unsigned statement_slot(const struct db *db, const char *sql)
{
	uint64_t key = (uint64_t)(uintptr_t)sql;
	unsigned slot = (unsigned)((key * 0x9e3779b97f4a7c15ULL) >> 40) & (DB_STATEMENT_SLOTS - 1);
	while (db->statement_slots[slot] != 0 && db->statements[db->statement_slots[slot] - 1].sql != sql)
		slot = (slot + 1) & (DB_STATEMENT_SLOTS - 1);
	return slot;
}

static MYSQL_STMT *statement_for(struct db *db, const char *sql)
{
	unsigned slot = statement_slot(db, sql);
	if (db->statement_slots[slot] != 0)
		return db->statements[db->statement_slots[slot] - 1].stmt;
	MYSQL_STMT *stmt = mysql_stmt_init(db->mysql);
	if (stmt == NULL)
		abort();
	if (mysql_stmt_prepare(stmt, sql, strlen(sql)) != 0) {
		db->last_errno = mysql_stmt_errno(stmt);
		log_error("db: prepare failed: %s (errno %u) in: %.80s", mysql_stmt_error(stmt), db->last_errno, sql);
		mysql_stmt_close(stmt);
		return NULL;
	}
	if (db->statement_count == DB_STATEMENTS_MAX)
		abort(); /* more distinct statements than the cache holds: a bug */
	db->statements[db->statement_count].sql = sql;
	db->statements[db->statement_count].stmt = stmt;
	db->statement_count++;
	db->statement_slots[slot] = (int16_t)db->statement_count;
	return stmt;
}

struct bound_params {
	MYSQL_BIND binds[DB_PARAMS_MAX];
	int64_t numbers[DB_PARAMS_MAX];
	unsigned long lengths[DB_PARAMS_MAX];
	my_bool nulls[DB_PARAMS_MAX];
	int count;
};

/* Binds the variadic arguments by types; returns -1 on a bad type string. */
static int bind_params(struct bound_params *params, const char *types, va_list args)
{
	memset(params, 0, sizeof(*params));
	for (const char *type = types; *type; type++) {
		int i = params->count;
		if (i == DB_PARAMS_MAX)
			return -1;
		MYSQL_BIND *bind = &params->binds[i];
		switch (*type) {
		case 'i':
			params->numbers[i] = va_arg(args, int64_t);
			bind->buffer_type = MYSQL_TYPE_LONGLONG;
			bind->buffer = &params->numbers[i];
			break;
		case 's': {
			const char *text = va_arg(args, const char *);
			bind->buffer_type = MYSQL_TYPE_STRING;
			if (text == NULL) {
				params->nulls[i] = 1;
				bind->is_null = &params->nulls[i];
			} else {
				bind->buffer = (void *)text;
				params->lengths[i] = strlen(text);
				bind->buffer_length = params->lengths[i];
				bind->length = &params->lengths[i];
			}
			break;
		}
		case 'b': {
			const void *data = va_arg(args, const void *);
			size_t size = va_arg(args, size_t);
			bind->buffer_type = MYSQL_TYPE_BLOB;
			bind->buffer = (void *)data;
			params->lengths[i] = size;
			bind->buffer_length = size;
			bind->length = &params->lengths[i];
			break;
		}
		default:
			return -1;
		}
		params->count++;
	}
	return 0;
}

static bool is_integer_type(enum enum_field_types type)
{
	return type == MYSQL_TYPE_TINY || type == MYSQL_TYPE_SHORT || type == MYSQL_TYPE_LONG ||
	       type == MYSQL_TYPE_INT24 || type == MYSQL_TYPE_LONGLONG || type == MYSQL_TYPE_YEAR;
}

/* Fetches the whole result of an executed stmt into rows (arena memory).
 * Returns 0 or the MariaDB error number. */
static unsigned int fetch_rows(struct unit *unit, MYSQL_STMT *stmt, struct db_rows *rows)
{
	MYSQL_RES *meta = mysql_stmt_result_metadata(stmt);
	if (meta == NULL)
		return 0;
	unsigned int columns = mysql_num_fields(meta);
	if (columns > DB_COLUMNS_MAX) {
		mysql_free_result(meta);
		return ER_UNKNOWN_ERROR;
	}
	my_bool update_max = 1;
	mysql_stmt_attr_set(stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max);
	if (mysql_stmt_store_result(stmt) != 0) {
		mysql_free_result(meta);
		return mysql_stmt_errno(stmt);
	}
	MYSQL_FIELD *fields = mysql_fetch_fields(meta);
	MYSQL_BIND binds[DB_COLUMNS_MAX];
	int64_t numbers[DB_COLUMNS_MAX];
	unsigned long lengths[DB_COLUMNS_MAX];
	my_bool nulls[DB_COLUMNS_MAX];
	memset(binds, 0, sizeof(binds));
	for (unsigned int c = 0; c < columns; c++) {
		binds[c].is_null = &nulls[c];
		binds[c].length = &lengths[c];
		if (is_integer_type(fields[c].type)) {
			binds[c].buffer_type = MYSQL_TYPE_LONGLONG;
			binds[c].buffer = &numbers[c];
			binds[c].is_unsigned = (fields[c].flags & UNSIGNED_FLAG) != 0;
		} else {
			binds[c].buffer_type = MYSQL_TYPE_STRING;
			binds[c].buffer_length = fields[c].max_length + 1;
			binds[c].buffer = arena_alloc(unit->arena, binds[c].buffer_length);
		}
	}
	unsigned long long row_total = mysql_stmt_num_rows(stmt);
	if (row_total > DB_ROWS_MAX)
		row_total = DB_ROWS_MAX;
	rows->column_count = (int)columns;
	rows->cells = arena_alloc(unit->arena, sizeof(struct db_cell) * (row_total * columns + 1));
	rows->row_count = 0;
	unsigned int error_number = 0;
	if (mysql_stmt_bind_result(stmt, binds) != 0) {
		error_number = mysql_stmt_errno(stmt);
		goto done;
	}
	while ((unsigned long long)rows->row_count < row_total) {
		int fetched = mysql_stmt_fetch(stmt);
		if (fetched == MYSQL_NO_DATA)
			break;
		if (fetched == 1) {
			error_number = mysql_stmt_errno(stmt);
			break;
		}
		struct db_cell *row = &rows->cells[rows->row_count * (int)columns];
		for (unsigned int c = 0; c < columns; c++) {
			row[c].is_null = nulls[c];
			if (nulls[c])
				continue;
			if (binds[c].buffer_type == MYSQL_TYPE_LONGLONG) {
				row[c].number = numbers[c];
			} else {
				row[c].text = arena_strndup(unit->arena, binds[c].buffer, lengths[c]);
				row[c].length = lengths[c];
				/* DECIMAL sums and the like read as integers too. */
				row[c].number = strtoll(row[c].text, NULL, 10);
			}
		}
		rows->row_count++;
	}
done:
	mysql_stmt_free_result(stmt);
	mysql_free_result(meta);
	return error_number;
}

/* One attempt: prepare (cached), bind, execute, fetch. Returns 0 or the
 * MariaDB error number. */
static unsigned int run_once(struct unit *unit, struct db_rows *rows, const char *sql,
			     const struct bound_params *params)
{
	struct db *db = unit->db;
	MYSQL_STMT *stmt = statement_for(db, sql);
	if (stmt == NULL)
		return db->last_errno;
	if (mysql_stmt_param_count(stmt) != (unsigned long)params->count) {
		log_error("db: %d parameters bound, statement takes %lu: %.80s", params->count,
			  mysql_stmt_param_count(stmt), sql);
		return ER_UNKNOWN_ERROR;
	}
	if (params->count > 0 && mysql_stmt_bind_param(stmt, (MYSQL_BIND *)params->binds) != 0)
		return mysql_stmt_errno(stmt);
	if (mysql_stmt_execute(stmt) != 0)
		return mysql_stmt_errno(stmt);
	rows->affected = mysql_stmt_affected_rows(stmt);
	rows->insert_id = mysql_stmt_insert_id(stmt);
	unsigned int error_number = fetch_rows(unit, stmt, rows);
	/* A CALL answers its result set, then the CALL's own status: read
	 * to the end, so the connection is ready for the next statement. */
	while (mysql_stmt_more_results(stmt)) {
		int next = mysql_stmt_next_result(stmt);
		if (next > 0 && error_number == 0)
			error_number = mysql_stmt_errno(stmt);
		if (next != 0)
			break;
		if (mysql_stmt_field_count(stmt) > 0)
			mysql_stmt_free_result(stmt);
	}
	return error_number;
}

static int ensure_connected(struct unit *unit)
{
	struct db *db = unit->db;
	if (db->mysql != NULL && !db->broken)
		return DB_OK;
	if (db->mysql != NULL) {
		connection_close(db);
		db->host_index++; /* several hosts: the one lost is tried last */
	}
	if (db_connect(db, unit->config) != 0)
		return DB_UNAVAILABLE;
	return DB_OK;
}

/* The result code of a failed statement; logs what a person must see. */
static int failure_result(struct unit *unit, unsigned int error_number, const char *sql)
{
	unit->db->last_errno = error_number;
	switch (classify(error_number)) {
	case FAILURE_DUPLICATE:
		return DB_DUPLICATE;
	case FAILURE_LOST:
		log_error("db: connection lost (errno %u) in: %.80s", error_number, sql);
		return DB_UNAVAILABLE;
	case FAILURE_RETRY:
		return DB_UNAVAILABLE;
	default:
		log_error("db: %s (errno %u) in: %.80s", unit->db->mysql ? mysql_error(unit->db->mysql) : "",
			  error_number, sql);
		return DB_FAILED;
	}
}

/* The caller's session, before the unit's first statement (db.h, struct
 * unit_session): DB_OK to go on, else the refusal or the door's code. */
static int session_gate(struct unit *unit)
{
	struct unit_session *session = unit->session;
	if (session == NULL || !session->pending || session->confirming)
		return DB_OK;
	if (session->refusal != 0)
		return session->refusal;
	if (session->carrying) {
		session->carrying = false; /* this statement reads the facts */
		return DB_OK;
	}
	session->confirming = true;
	int result = session->confirm(unit);
	session->confirming = false;
	return result;
}

int db_session_confirm(struct unit *unit)
{
	if (unit->session != NULL)
		unit->session->carrying = false; /* no statement is coming to carry it */
	return session_gate(unit);
}

/* session_gate() for a statement about to fill rows: a refused one leaves
 * them empty, as a failed statement does. */
static int statement_gate(struct unit *unit, struct db_rows *rows)
{
	int result = session_gate(unit);
	if (result != DB_OK && rows != NULL)
		memset(rows, 0, sizeof(*rows));
	return result;
}

static int exec_va(struct unit *unit, struct db_rows *rows, const char *sql, const char *types, va_list args);

int db_exec_va(struct unit *unit, struct db_rows *rows, const char *sql, const char *types, va_list args)
{
	int result = statement_gate(unit, rows);
	return result != DB_OK ? result : exec_va(unit, rows, sql, types, args);
}

static int exec_va(struct unit *unit, struct db_rows *rows, const char *sql, const char *types, va_list args)
{
	struct db *db = unit->db;
	struct db_rows scratch;
	if (rows == NULL)
		rows = &scratch;
	memset(rows, 0, sizeof(*rows));

	struct bound_params params;
	if (bind_params(&params, types, args) != 0) {
		log_error("db: bad parameter types \"%s\" for: %.80s", types, sql);
		return DB_FAILED;
	}

	if (!db->in_transaction) {
		int result = ensure_connected(unit);
		if (result != DB_OK)
			return result;
	}
	int attempts_left = (int)unit->config->db_retries;
	bool reconnected = false;
	for (;;) {
		ops_statement_begin(sql); /* timed for the slow-request log and /metrics */
		unsigned int error_number = run_once(unit, rows, sql, &params);
		ops_statement_end(error_number);
		db->last_errno = error_number;
		enum db_failure failure = classify(error_number);
		if (failure == FAILURE_NONE)
			return DB_OK;
		if (db->in_transaction) {
			if (failure == FAILURE_RETRY)
				return DB_RETRY; /* db_atomic rolls back and starts over */
			if (failure == FAILURE_LOST) {
				db->broken = true; /* the transaction is gone with it */
				db->in_transaction = false;
			}
			return failure_result(unit, error_number, sql);
		}
		if (failure == FAILURE_RETRY && attempts_left-- > 0) {
			retry_pause((int)unit->config->db_retries - attempts_left - 1);
			continue;
		}
		if (failure == FAILURE_LOST && !reconnected) {
			reconnected = true;
			log_warn("db: connection lost (errno %u), reconnecting", error_number);
			if (db_reconnect(db) == 0)
				continue;
			return DB_UNAVAILABLE;
		}
		return failure_result(unit, error_number, sql);
	}
}

int db_exec(struct unit *unit, struct db_rows *rows, const char *sql, const char *types, ...)
{
	va_list args;
	va_start(args, types);
	int result = db_exec_va(unit, rows, sql, types, args);
	va_end(args);
	return result;
}

int db_exec_one(struct unit *unit, int refused, const char *sql, const char *types, ...)
{
	struct db_rows rows;
	va_list args;
	va_start(args, types);
	int result = db_exec_va(unit, &rows, sql, types, args);
	va_end(args);
	if (result != DB_OK)
		return result;
	return rows.affected == 1 ? DB_OK : refused;
}

bool db_answers(struct unit *unit)
{
	static const char *const sql_probe = "SELECT 1";
	return db_exec(unit, NULL, sql_probe, "") == DB_OK;
}

bool db_unit_was_duplicate(const struct unit *unit)
{
	return classify(unit->db->last_errno) == FAILURE_DUPLICATE;
}

/* ------------------------------------------------------------------------
 * read replica: the read door (db_read). A primary's struct db owns a
 * second struct db, the replica's connection, made at the first db_read()
 * of a worker whose config names db_read_host. It goes through the same
 * code as the primary's: session options, statement cache, retries and
 * reconnect; only its connect target differs (connect_replica).
 * ---------------------------------------------------------------------- */

static const char sql_replica_status[] = "SHOW REPLICA STATUS"; /* shown by ops while it runs */

/* The replica connection of db, made (not yet connected) on first use. */
static struct db *replica_of(struct db *db, const struct config *config)
{
	if (db->replica == NULL) {
		db->replica = calloc(1, sizeof(*db->replica));
		if (db->replica == NULL)
			abort();
		db->replica->is_replica = true;
		db->replica->config = config;
		db->replica->replica_verdict = -1; /* never measured: the first verdict is logged */
	}
	return db->replica;
}

/* Records a measure: the lag for /metrics, and a log line when the
 * verdict changed (so a flapping replica shows in the log, a steady one
 * does not fill it). */
static void replica_note(struct db *replica, const struct config *config, enum replica_verdict verdict,
			 int64_t lag_s, unsigned int error_number)
{
	ops_replica_lag(lag_s);
	if ((int)verdict != replica->replica_verdict) {
		if (verdict == REPLICA_FRESH)
			log_info("db: read replica %s:%lld is %lld s behind (bound %lld s): stale-tolerant reads go there",
				 config->db_read_host, (long long)config->db_read_port, (long long)lag_s,
				 (long long)config->db_read_max_lag_s);
		else if (verdict == REPLICA_UNMEASURABLE)
			log_error("db: cannot read the replica's status (errno %u; the read user needs SLAVE MONITOR): "
				  "reads go to the primary", error_number);
		else
			log_warn("db: read replica %s:%lld %s (lag %lld s, bound %lld s): reads go to the primary",
				 config->db_read_host, (long long)config->db_read_port, replica_verdict_name(verdict),
				 (long long)lag_s, (long long)config->db_read_max_lag_s);
	}
	replica->replica_verdict = (int)verdict;
}

/* Connects the replica when it is not (no sooner than
 * REPLICA_RETRY_INTERVAL_US after a failed attempt) and measures it when
 * its last measure is REPLICA_CHECK_INTERVAL_US old. Returns the verdict
 * in force. */
static enum replica_verdict replica_ready(struct db *replica, const struct config *config)
{
	int64_t now = clock_micros();
	if (replica->mysql == NULL) {
		if (now < replica->replica_retry_us)
			return REPLICA_DOWN;
		if (db_connect(replica, config) != 0) {
			replica->replica_retry_us = now + REPLICA_RETRY_INTERVAL_US;
			replica_note(replica, config, REPLICA_DOWN, -1, 0);
			return REPLICA_DOWN;
		}
	}
	if (replica->replica_measured_us != 0 && now - replica->replica_measured_us < REPLICA_CHECK_INTERVAL_US)
		return (enum replica_verdict)replica->replica_verdict;
	int64_t lag_s;
	unsigned int error_number;
	ops_statement_begin(sql_replica_status);
	enum replica_verdict verdict = replica_measure(replica->mysql, config->db_read_max_lag_s, &lag_s, &error_number);
	ops_statement_end(error_number);
	if (verdict == REPLICA_UNMEASURABLE && classify(error_number) == FAILURE_LOST) {
		connection_close(replica); /* the next read reconnects, at once */
		verdict = REPLICA_DOWN;
	}
	replica->replica_measured_us = now;
	replica_note(replica, config, verdict, lag_s, error_number);
	return verdict;
}

int db_read(struct unit *unit, struct db_rows *rows, const char *sql, const char *types, ...)
{
	struct db *db = unit->db;
	const struct config *config = unit->config;
	/* the caller's session is confirmed on the primary, never a replica */
	int result = statement_gate(unit, rows);
	if (result != DB_OK)
		return result;
	va_list args;
	va_start(args, types);
	if (config->db_read_host[0] == '\0' || db->in_transaction) {
		result = exec_va(unit, rows, sql, types, args);
		va_end(args);
		return result;
	}
	struct db *replica = replica_of(db, config);
	enum replica_verdict verdict = replica_ready(replica, config);
	enum ops_read_door door = verdict == REPLICA_DOWN ? OPS_READ_PRIMARY_DOWN : OPS_READ_PRIMARY_LAG;
	if (verdict == REPLICA_FRESH) {
		struct unit on_replica = *unit;
		on_replica.db = replica;
		va_list copy;
		va_copy(copy, args);
		result = exec_va(&on_replica, rows, sql, types, copy);
		va_end(copy);
		if (result == DB_OK) {
			va_end(args);
			ops_count_read(OPS_READ_REPLICA);
			return DB_OK;
		}
		/* Lost (its reconnect failed too) or refused (a table a
		 * migration made that has not reached it yet): the primary
		 * answers instead. */
		log_warn("db: a read failed on the replica (errno %u); reading from the primary", replica->last_errno);
		if (replica->mysql == NULL) {
			replica->replica_retry_us = clock_micros() + REPLICA_RETRY_INTERVAL_US;
			replica_note(replica, config, REPLICA_DOWN, -1, 0);
			door = OPS_READ_PRIMARY_DOWN;
		} else {
			door = OPS_READ_PRIMARY_ERROR;
		}
	}
	ops_count_read(door);
	result = exec_va(unit, rows, sql, types, args);
	va_end(args);
	return result;
}

/* START, COMMIT and ROLLBACK carry no input: plain queries. */
static unsigned int simple_query(struct db *db, const char *sql)
{
	ops_statement_begin(sql);
	unsigned int error_number = 0;
	if (mysql_real_query(db->mysql, sql, strlen(sql)) != 0)
		error_number = mysql_errno(db->mysql);
	ops_statement_end(error_number);
	return error_number;
}

static void rollback(struct db *db)
{
	if (db->mysql != NULL && !db->broken && simple_query(db, "ROLLBACK") != 0)
		db->broken = true;
	db->in_transaction = false;
}

int db_atomic(struct unit *unit, int (*body)(struct unit *, void *), void *context)
{
	struct db *db = unit->db;
	int retries = (int)unit->config->db_retries;
	for (int attempt = 0;; attempt++) {
		int result = ensure_connected(unit);
		if (result != DB_OK)
			return result;
		unsigned int error_number = simple_query(db, "START TRANSACTION");
		if (error_number != 0) {
			enum db_failure failure = classify(error_number);
			if (failure == FAILURE_LOST && attempt == 0) {
				db->broken = true; /* a stale connection: reconnect, once */
				continue;
			}
			return failure_result(unit, error_number, "START TRANSACTION");
		}
		db->in_transaction = true;
		unit->commit_on_error = false;
		result = body(unit, context);
		if (!db->in_transaction) {
			/* The connection was lost inside, before COMMIT: the server
			 * rolled the transaction back, so it runs again on a fresh
			 * connection (the next of db_hosts), like after a deadlock. */
			if (attempt < retries) {
				log_info("db: transaction retried after its connection was lost (attempt %d)", attempt + 1);
				continue;
			}
			return result;
		}
		if (result == DB_RETRY) {
			rollback(db);
			if (attempt < retries) {
				log_info("db: transaction retried after a deadlock or lock wait (attempt %d)", attempt + 1);
				retry_pause(attempt);
				continue;
			}
			log_warn("db: transaction gave up after %d retries", retries);
			return DB_UNAVAILABLE;
		}
		if (result != DB_OK && !unit->commit_on_error) {
			rollback(db);
			return result;
		}
		error_number = simple_query(db, "COMMIT");
		db->in_transaction = false;
		if (error_number == 0)
			return result;
		enum db_failure failure = classify(error_number);
		if (failure == FAILURE_RETRY && attempt < retries) {
			rollback(db);
			log_info("db: transaction retried after a conflict at COMMIT (attempt %d)", attempt + 1);
			retry_pause(attempt);
			continue;
		}
		if (failure == FAILURE_LOST)
			db->broken = true;
		return failure_result(unit, error_number, "COMMIT");
	}
}

/* ------------------------------------------------------------------------
 * The request wrappers: HTTP statuses for route files that still call the
 * door with a request. They go when the last route file has a store.
 * ---------------------------------------------------------------------- */

int db_run(struct request *request, struct db_rows *rows, const char *sql, const char *types, ...)
{
	va_list args;
	va_start(args, types);
	int result = db_exec_va(&request->work, rows, sql, types, args);
	va_end(args);
	return http_outcome(request, result);
}

bool db_was_duplicate(const struct request *request)
{
	return db_unit_was_duplicate(&request->work);
}

struct http_body {
	struct request *request;
	int (*body)(struct request *, void *);
	void *context;
	int status;   /* the body's status when it committed */
	int attempts;
};

/* Runs the HTTP body inside db_atomic: below 400 commits, 400 and above
 * rolls back unless the request asked to keep its writes. */
static int run_http_body(struct unit *unit, void *context)
{
	struct http_body *call = context;
	if (call->attempts++ > 0)
		http_reset_reply(call->request);
	int status = call->body(call->request, call->context);
	if (status == DB_RETRY)
		return DB_RETRY;
	if (status >= 400)
		return status;
	call->status = status;
	return DB_OK;
}

int db_transaction(struct request *request, int (*body)(struct request *, void *), void *context)
{
	struct http_body call = { request, body, context, 0, 0 };
	int result = db_atomic(&request->work, run_http_body, &call);
	if (result == DB_OK)
		return call.status;
	return http_outcome(request, result);
}
