/* sqlref.c: the database's share of GET /api/v1/me, for the benchmark
 * (tests/bench/run.sh, stage R).
 *
 * Runs the two statements one GET /me costs, exactly as the worker sends
 * them (fcgi/http/session.c sql_shopper_session, then fcgi/shopper/shopper_store.c sql_me, with
 * the member level of checkout/promo_kinds_store.h;
 * keep the texts below in step with those), from plain C clients: one
 * thread per connection, each statement prepared once per connection,
 * results stored and fetched the way fcgi/db/db.c does, connection options as
 * db_connect() sets them. No HTTP, no FastCGI, no JWT, no JSON: the
 * transactions per second here are a ceiling for /me on this machine, and
 * /me's distance from it is what our own code and nginx cost.
 *
 * Usage: sqlref -f KANJIA_CONF -U USER_ID -j JTI -c THREADS -d SECONDS
 *               [-S SOCKET]
 * The credentials come from the pool's config file (db_user, db_password,
 * db_name, db_socket), never from the command line. Prints a human summary
 * and one "RESULT key=value ..." line. Exit status 0 when the run happened
 * (errors are counted), 1 when it could not, 2 on bad usage. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mysql.h>

#define SQLREF_THREADS_MAX 1024
#define SQLREF_DURATION_MAX 600.0
#define SQLREF_TEXT_MAX 256
#define SQLREF_COLUMNS_MAX 8
#define SQLREF_JTI_MAX 64
#define NS_PER_S 1000000000LL

/* The statements of GET /me. */
static const char *const sql_shopper_session =
	"SELECT s.token_version, s.blocked, "
	"(SELECT COUNT(*) FROM revoked_token r WHERE r.jti = ?) "
	"FROM shopper s WHERE s.id = ?";
static const char *const sql_me =
	"SELECT s.phone, TIMESTAMPDIFF(SECOND, '1970-01-01', s.created_at), s.points_balance, "
	"(SELECT COUNT(*) FROM coupon c WHERE c.user_id = s.id AND c.status = 'available' "
	"AND c.expires_at > TIMESTAMPADD(SECOND, ?, '1970-01-01')), "
	"(SELECT CONCAT(l.level, ' ', l.name) FROM member_level l WHERE l.min_paid_fen <= "
	"(SELECT COALESCE(SUM(total_fen), 0) FROM orders WHERE user_id = s.id "
	"AND status IN ('paid', 'shipped', 'completed')) ORDER BY l.level DESC LIMIT 1) "
	"FROM shopper s WHERE s.id = ?";

struct settings {
	char user[SQLREF_TEXT_MAX], password[SQLREF_TEXT_MAX], database[SQLREF_TEXT_MAX];
	char socket[SQLREF_TEXT_MAX];
	long long user_id;
	char jti[SQLREF_JTI_MAX];
	int threads;
	double duration_s;
	int64_t start_ns, end_ns; /* the common window, set before threads start */
};

struct worker {
	pthread_t thread;
	const struct settings *settings;
	int64_t *latency_ns; /* per transaction, grown as needed */
	size_t count, capacity;
	unsigned long long errors;
	char error[256]; /* the first failure, for the summary */
	bool connected;
};

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* ---------------------------------------------------------------- config */

/* Copies value into out if key matches; trims spaces. */
static void config_take(const char *key, const char *value, const char *want, char *out)
{
	if (strcmp(key, want) == 0)
		snprintf(out, SQLREF_TEXT_MAX, "%s", value);
}

/* Reads the db_* keys of the pool's "key = value" config; returns 0 or -1. */
static int config_read(const char *path, struct settings *settings)
{
	FILE *file = fopen(path, "r");
	if (file == NULL) {
		fprintf(stderr, "sqlref: %s: %s\n", path, strerror(errno));
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
		fprintf(stderr, "sqlref: no db_socket in %s and no -S: only a local socket is used\n", path);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- client */

/* Connects as fcgi/db/db.c db_connect() does; NULL with error filled. */
static MYSQL *client_connect(const struct settings *settings, char *error, size_t error_size)
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
		      "SESSION innodb_lock_wait_timeout = 10");
	if (mysql_real_connect(mysql, NULL, settings->user, settings->password, settings->database, 0,
			       settings->socket, 0) == NULL) {
		snprintf(error, error_size, "connect: %s", mysql_error(mysql));
		mysql_close(mysql);
		return NULL;
	}
	return mysql;
}

static MYSQL_STMT *statement_prepare(MYSQL *mysql, const char *sql, char *error, size_t error_size)
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

/* Executes stmt with its bound parameters, stores and fetches the whole
 * result as fcgi/db/db.c fetch_rows() does. Fills the first row's integers
 * into numbers (OUT). Returns the number of rows, or -1 (error filled). */
static int statement_run(MYSQL_STMT *stmt, MYSQL_BIND *params, long long *numbers, char *error,
			 size_t error_size)
{
	if (mysql_stmt_bind_param(stmt, params) != 0 || mysql_stmt_execute(stmt) != 0)
		goto failed;
	MYSQL_RES *meta = mysql_stmt_result_metadata(stmt);
	if (meta == NULL)
		goto failed;
	unsigned int columns = mysql_num_fields(meta);
	if (columns > SQLREF_COLUMNS_MAX) {
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
	MYSQL_BIND binds[SQLREF_COLUMNS_MAX];
	char texts[SQLREF_COLUMNS_MAX][SQLREF_TEXT_MAX];
	unsigned long lengths[SQLREF_COLUMNS_MAX];
	my_bool nulls[SQLREF_COLUMNS_MAX];
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
			binds[c].buffer_length = SQLREF_TEXT_MAX;
		}
	}
	int rows = 0;
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
		for (unsigned int c = 0; c < columns; c++)
			if (binds[c].buffer_type == MYSQL_TYPE_STRING)
				numbers[c] = nulls[c] ? 0 : strtoll(texts[c], NULL, 10);
		rows++;
	}
	mysql_stmt_free_result(stmt);
	mysql_free_result(meta);
	return rows;
failed:
	snprintf(error, error_size, "%s (errno %u)", mysql_stmt_error(stmt), mysql_stmt_errno(stmt));
	return -1;
}

static void worker_record(struct worker *worker, int64_t latency)
{
	if (worker->count == worker->capacity) {
		worker->capacity = worker->capacity ? worker->capacity * 2 : 65536;
		worker->latency_ns = realloc(worker->latency_ns, worker->capacity * sizeof(int64_t));
		if (worker->latency_ns == NULL)
			abort();
	}
	worker->latency_ns[worker->count++] = latency;
}

/* One connection: the two statements in a loop until the window ends. */
static void *worker_run(void *argument)
{
	struct worker *worker = argument;
	const struct settings *settings = worker->settings;
	char error[256] = "";
	MYSQL *mysql = client_connect(settings, error, sizeof(error));
	MYSQL_STMT *session = NULL, *me = NULL;
	if (mysql == NULL)
		goto done;
	session = statement_prepare(mysql, sql_shopper_session, error, sizeof(error));
	me = statement_prepare(mysql, sql_me, error, sizeof(error));
	if (session == NULL || me == NULL)
		goto done;
	worker->connected = true;

	/* Parameters: "si" (jti, user id) and "ii" (now, user id). */
	long long user_id = settings->user_id, now = 0;
	unsigned long jti_length = strlen(settings->jti);
	MYSQL_BIND session_params[2], me_params[2];
	memset(session_params, 0, sizeof(session_params));
	memset(me_params, 0, sizeof(me_params));
	session_params[0].buffer_type = MYSQL_TYPE_STRING;
	session_params[0].buffer = (void *)settings->jti;
	session_params[0].buffer_length = jti_length;
	session_params[0].length = &jti_length;
	session_params[1].buffer_type = MYSQL_TYPE_LONGLONG;
	session_params[1].buffer = &user_id;
	me_params[0].buffer_type = MYSQL_TYPE_LONGLONG;
	me_params[0].buffer = &now;
	me_params[1].buffer_type = MYSQL_TYPE_LONGLONG;
	me_params[1].buffer = &user_id;

	while (now_ns() < settings->start_ns)
		usleep(1000);
	long long numbers[SQLREF_COLUMNS_MAX];
	for (;;) {
		int64_t started = now_ns();
		if (started >= settings->end_ns)
			break;
		now = (long long)time(NULL);
		int rows = statement_run(session, session_params, numbers, error, sizeof(error));
		bool good = rows == 1 && numbers[1] == 0 && numbers[2] == 0;
		if (rows == 1)
			rows = statement_run(me, me_params, numbers, error, sizeof(error));
		good = good && rows == 1;
		if (!good) {
			if (rows >= 0)
				snprintf(error, sizeof(error), "user %lld: no such row, blocked or revoked", user_id);
			if (worker->errors++ == 0)
				snprintf(worker->error, sizeof(worker->error), "%s", error);
			if (rows < 0 && mysql_ping(mysql) != 0)
				break; /* the server is gone: stop this connection */
			continue;
		}
		worker_record(worker, now_ns() - started);
	}
done:
	if (!worker->connected && worker->error[0] == '\0') {
		snprintf(worker->error, sizeof(worker->error), "%s", error);
		worker->errors++;
	}
	if (session != NULL)
		mysql_stmt_close(session);
	if (me != NULL)
		mysql_stmt_close(me);
	if (mysql != NULL)
		mysql_close(mysql);
	mysql_thread_end();
	return NULL;
}

/* ------------------------------------------------------------------ main */

static int compare_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static double percentile_ms(const int64_t *sorted, size_t count, double fraction)
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

int main(int argc, char **argv)
{
	static struct settings settings;
	const char *config_path = NULL;
	settings.user_id = -1;
	int option;
	while ((option = getopt(argc, argv, "f:U:j:c:d:S:")) != -1) {
		switch (option) {
		case 'f':
			config_path = optarg;
			break;
		case 'U':
			settings.user_id = atoll(optarg);
			break;
		case 'j':
			snprintf(settings.jti, sizeof(settings.jti), "%s", optarg);
			break;
		case 'c':
			settings.threads = atoi(optarg);
			break;
		case 'd':
			settings.duration_s = strtod(optarg, NULL);
			break;
		case 'S':
			snprintf(settings.socket, sizeof(settings.socket), "%s", optarg);
			break;
		default:
			goto usage;
		}
	}
	if (config_path == NULL || settings.user_id < 1 || settings.jti[0] == '\0' || settings.threads < 1 ||
	    settings.threads > SQLREF_THREADS_MAX || !(settings.duration_s > 0) ||
	    settings.duration_s > SQLREF_DURATION_MAX || optind != argc)
		goto usage;
	if (config_read(config_path, &settings) != 0)
		return 1;
	if (mysql_library_init(0, NULL, NULL) != 0) {
		fprintf(stderr, "sqlref: mysql_library_init failed\n");
		return 1;
	}

	struct worker *workers = calloc((size_t)settings.threads, sizeof(struct worker));
	if (workers == NULL)
		abort();
	/* Everyone connects first; the window opens 300 ms later for all. */
	settings.start_ns = now_ns() + 300 * 1000 * 1000LL;
	settings.end_ns = settings.start_ns + (int64_t)(settings.duration_s * 1e9);
	int started = 0;
	for (; started < settings.threads; started++) {
		workers[started].settings = &settings;
		if (pthread_create(&workers[started].thread, NULL, worker_run, &workers[started]) != 0) {
			fprintf(stderr, "sqlref: cannot start thread %d\n", started);
			break;
		}
	}
	size_t total = 0;
	unsigned long long errors = 0;
	int connected = 0;
	const char *first_error = NULL;
	for (int i = 0; i < started; i++) {
		pthread_join(workers[i].thread, NULL);
		total += workers[i].count;
		errors += workers[i].errors;
		connected += workers[i].connected;
		if (first_error == NULL && workers[i].error[0] != '\0')
			first_error = workers[i].error;
	}
	int64_t *all = malloc((total + 1) * sizeof(int64_t));
	if (all == NULL)
		abort();
	size_t at = 0;
	for (int i = 0; i < started; i++) {
		if (workers[i].count > 0)
			memcpy(all + at, workers[i].latency_ns, workers[i].count * sizeof(int64_t));
		at += workers[i].count;
	}
	qsort(all, total, sizeof(int64_t), compare_int64);
	double rate = (double)total / settings.duration_s;
	double p50 = percentile_ms(all, total, 0.50), p99 = percentile_ms(all, total, 0.99);
	double max = total ? (double)all[total - 1] / 1e6 : 0;
	printf("sqlref: %d connections (%d connected) for %.1f s: %.1f tx/s (2 statements each), %zu done, "
	       "%llu errors%s%s\n",
	       settings.threads, connected, settings.duration_s, rate, total, errors,
	       first_error ? "; first: " : "", first_error ? first_error : "");
	printf("sqlref: latency per transaction (ms): p50 %.3f p99 %.3f max %.3f\n", p50, p99, max);
	printf("RESULT rate=%.1f answered=%zu errors=%llu p50=%.3f p99=%.3f max=%.3f\n", rate, total, errors, p50,
	       p99, max);
	for (int i = 0; i < started; i++)
		free(workers[i].latency_ns);
	free(workers);
	free(all);
	mysql_library_end();
	return connected > 0 ? 0 : 1;

usage:
	fprintf(stderr, "usage: sqlref -f KANJIA_CONF -U USER_ID -j JTI -c THREADS -d SECONDS [-S SOCKET]\n");
	return 2;
}
