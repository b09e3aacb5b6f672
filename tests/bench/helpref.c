/* helpref.c: the database's share of POST /api/v1/s/{code}/help, for the
 * benchmark (tests/bench/run.sh, stage HR).
 *
 * Runs the help transaction exactly as fcgi/bargain/bargain_routes.c
 * help_transaction() sends it, from plain C clients:
 *   START TRANSACTION
 *   the daily limit upsert on rate_counter      (fcgi/fraud/limit.c sql_limit_take)
 *   the conditional UPDATE of the hot bargain   (sql_bargain_take_cut)
 *   INSERT INTO bargain_cut ... SELECT ... FROM bargain (sql_cut_record)
 *   the reload SELECT of the bargain            (fcgi/bargain/bargain.c sql_bargain_by_id)
 *   COMMIT
 * The helper's coupon insert is left out: the bench item has no rewards
 * (rewards_json '{}'), so the route does not send it either, nor the
 * milestone rewards. Left out too: what the route sends besides this
 * transaction's core (the session check, the bargain's load by code, the
 * already-helped check before the transaction; the anti-fraud statements
 * inside it, before the hot UPDATE): the reference is the help's own SQL.
 * Since issue 13 the stack sends these writes (with the anti-fraud event,
 * the velocity limits, the rewards and the stats) inside one CALL of
 * help_apply (sql/024_round_trips.sql), whose statements kept the texts
 * below; this reference still sends them one by one, as its SQL from C.
 * Since sql/025_help_lighter.sql the CALL inserts the cut row from what
 * the UPDATE wrote (user variables) and reloads nothing: the reference
 * keeps the INSERT ... SELECT and the reload, the help's SQL as it was.
 * The signature letter is a fixed "a", the bargain is never held, the
 * device is empty (NULL). Keep the texts below in step with those files. One
 * thread per connection, each statement prepared once, results stored and
 * fetched as fcgi/db/db.c does, the connection set up as db_connect() does; a
 * deadlock or lock wait timeout is rolled back and retried, as
 * db_transaction() does, and counted.
 *
 * Which (helper, bargain) pair transaction k gets, for the global index
 * j = OFFSET + k (the same mapping as helpgen.c, so run.sh can hand both
 * tools ranges of one index space and no pair is ever used twice):
 *   -m hot   bargain -b ID; helper j
 *   -m many  helper j mod H, bargain ((j div H) + (j mod H)) mod B
 * At most -n pairs are used; a run that uses them all stops early and says
 * so ("exhausted=1").
 *
 * It also times how long each transaction holds the bargain's row lock, as
 * far as a client can see: from the UPDATE's answer (the lock is taken) to
 * the COMMIT being sent (hold_min: the INSERT and SELECT round trips) and
 * to the COMMIT's answer (hold_max: with the commit, whose log flush InnoDB
 * does after releasing the locks). On one hot bargain, 1 / hold is the
 * most the bargain can take, whatever the number of connections.
 *
 * Usage: helpref -f KANJIA_CONF -H HELPER_IDS -m hot|many [-b BARGAIN_ID]
 *                [-B BARGAIN_IDS] -o OFFSET -n MAX_PAIRS -c THREADS
 *                -d SECONDS [-S SOCKET]
 * HELPER_IDS and BARGAIN_IDS: files of one id per line. Credentials come
 * from the pool's config file. Prints a human summary and one "RESULT
 * key=value ..." line. Exit status 0 when the run happened (errors are
 * counted), 1 when it could not, 2 on bad usage. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mysql.h>

#include "benchdb.h"

#define HELPREF_THREADS_MAX 1024
#define HELPREF_DURATION_MAX 600.0
#define HELPREF_CUT_MIN 1 /* the bench item's cut range, in fen */
#define HELPREF_CUT_MAX 2
#define HELPREF_HELPS_PER_DAY 1000000 /* the bench item's helps_per_user_per_day */

/* The statements of the help transaction (see the head of this file). */
static const char *const sql_limit_take =
	"INSERT INTO rate_counter (bucket, window_start, hits) VALUES (?, ?, 1) "
	"ON DUPLICATE KEY UPDATE "
	"hits = IF(window_start = VALUES(window_start), IF(hits < ?, hits + 1, hits), 1), "
	"window_start = VALUES(window_start)";
static const char *const sql_bargain_take_cut =
	"UPDATE bargain SET "
	"last_cut_fen = LEAST(current_price_fen - floor_price_fen, IF(plan IS NULL, ?, "
	"CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(plan, ',', cuts + 1), ',', -1) AS SIGNED))), "
	"current_price_fen = current_price_fen - last_cut_fen, "
	"cut_total_fen = cut_total_fen + last_cut_fen, "
	"cuts = cuts + 1, "
	"helpers = helpers + ?, "
	"succeeded_at = IF(current_price_fen = floor_price_fen, FROM_UNIXTIME(?), NULL), "
	"succeeded_in_s = IF(current_price_fen = floor_price_fen, ? - UNIX_TIMESTAMP(started_at), NULL), "
	"status = IF(current_price_fen = floor_price_fen, 'succeeded', 'active'), "
	"signature = RIGHT(CONCAT(signature, ?), 1000), held = GREATEST(held, ?) " /* anti-fraud */
	"WHERE id = ? AND status = 'active' AND current_price_fen > floor_price_fen "
	"AND expires_at > FROM_UNIXTIME(?) "
	"AND (? = 0 OR helps_per_bargain IS NULL OR helpers < helps_per_bargain)";
static const char *const sql_cut_record =
	"INSERT INTO bargain_cut (bargain_id, campaign_id, seq, kind, user_id, helper_id, cut_fen, client_ip, "
	"device, created_at) SELECT id, campaign_id, cuts, ?, ?, NULLIF(?, 0), last_cut_fen, ?, NULLIF(?, ''), "
	"FROM_UNIXTIME(?) FROM bargain WHERE id = ?";
static const char *const sql_bargain_by_id =
	"SELECT b.id, b.item_id, b.campaign_id, b.user_id, b.status, b.original_price_fen, b.floor_price_fen, "
	"b.current_price_fen, b.cut_total_fen, b.helpers, b.cuts, b.last_cut_fen, b.share_code, "
	"UNIX_TIMESTAMP(b.started_at), UNIX_TIMESTAMP(LEAST(b.expires_at, c.ends_at)), "
	"UNIX_TIMESTAMP(b.succeeded_at), b.target_cuts, b.helps_per_bargain, b.self_cuts_per_day, "
	"b.helps_per_user_per_day, b.rewards_json, b.cut_min_fen, b.cut_max_fen "
	"FROM bargain b JOIN campaign c ON c.id = b.campaign_id WHERE b.id = ?";

struct settings {
	struct bench_db db;
	bool hot;
	long long *helpers, *bargains;
	long helper_count, bargain_count;
	long long offset, max_pairs;
	atomic_llong next; /* the next k */
	int threads;
	double duration_s;
	int64_t start_ns, end_ns; /* the common window, set before threads start */
};

struct worker {
	pthread_t thread;
	struct settings *settings;
	int64_t *latency_ns, *hold_min_ns, *hold_max_ns; /* per transaction, grown as needed */
	size_t count, capacity;
	unsigned long long errors, retries;
	bool exhausted;
	char error[256]; /* the first failure, for the summary */
	bool connected;
};

/* ---------------------------------------------------------------- config */

/* ---------------------------------------------------------------- client */

static void worker_record(struct worker *worker, int64_t latency, int64_t hold_min, int64_t hold_max)
{
	if (worker->count == worker->capacity) {
		worker->capacity = worker->capacity ? worker->capacity * 2 : 65536;
		worker->latency_ns = realloc(worker->latency_ns, worker->capacity * sizeof(int64_t));
		worker->hold_min_ns = realloc(worker->hold_min_ns, worker->capacity * sizeof(int64_t));
		worker->hold_max_ns = realloc(worker->hold_max_ns, worker->capacity * sizeof(int64_t));
		if (worker->latency_ns == NULL || worker->hold_min_ns == NULL || worker->hold_max_ns == NULL)
			abort();
	}
	worker->latency_ns[worker->count] = latency;
	worker->hold_min_ns[worker->count] = hold_min;
	worker->hold_max_ns[worker->count] = hold_max;
	worker->count++;
}

/* The shop's local day, as fcgi/bargain/bargain_routes.c local_day() computes it. */
static long long day_start(long long now)
{
	time_t seconds = (time_t)now;
	struct tm tm;
	localtime_r(&seconds, &tm);
	tm.tm_hour = 0;
	tm.tm_min = 0;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (long long)mktime(&tm);
}

enum { ST_LIMIT, ST_TAKE, ST_RECORD, ST_RELOAD, ST_COUNT };

/* One connection: help transactions in a loop until the window ends or the
 * pairs run out. */
static void *worker_run(void *argument)
{
	struct worker *worker = argument;
	struct settings *settings = worker->settings;
	char error[512] = "";
	MYSQL *mysql = bench_connect(&settings->db, error, sizeof(error));
	MYSQL_STMT *stmts[ST_COUNT] = { NULL };
	static const char *const texts[ST_COUNT] = { sql_limit_take, sql_bargain_take_cut, sql_cut_record,
						     sql_bargain_by_id };
	if (mysql == NULL)
		goto done;
	for (int s = 0; s < ST_COUNT; s++)
		if ((stmts[s] = bench_prepare(mysql, texts[s], error, sizeof(error))) == NULL)
			goto done;
	worker->connected = true;

	/* The parameters, bound once, filled per transaction. */
	char bucket[64], kind[] = "help", client_ip[] = "127.0.0.1", letter[] = "a", device[] = "";
	unsigned long bucket_length = 0, kind_length = 4, ip_length = 9, letter_length = 1, device_length = 0;
	long long window_start = 0, max = HELPREF_HELPS_PER_DAY, drawn = 0, one = 1, zero = 0, now = 0,
		  bargain_id = 0, helper_id = 0;
	MYSQL_BIND limit_params[3], take_params[9], record_params[7], reload_params[1];
	memset(limit_params, 0, sizeof(limit_params));
	memset(take_params, 0, sizeof(take_params));
	memset(record_params, 0, sizeof(record_params));
	memset(reload_params, 0, sizeof(reload_params));
#define BIND_INT(bind, variable) ((bind).buffer_type = MYSQL_TYPE_LONGLONG, (bind).buffer = &(variable))
#define BIND_TEXT(bind, text, length_variable) \
	((bind).buffer_type = MYSQL_TYPE_STRING, (bind).buffer = (text), (bind).buffer_length = sizeof(text), \
	 (bind).length = &(length_variable))
	BIND_TEXT(limit_params[0], bucket, bucket_length);
	BIND_INT(limit_params[1], window_start);
	BIND_INT(limit_params[2], max);
	/* "iiiisiiii": drawn, is_help, now, now, letter, hold, id, now, is_help */
	BIND_INT(take_params[0], drawn);
	BIND_INT(take_params[1], one);
	BIND_INT(take_params[2], now);
	BIND_INT(take_params[3], now);
	BIND_TEXT(take_params[4], letter, letter_length);
	BIND_INT(take_params[5], zero);
	BIND_INT(take_params[6], bargain_id);
	BIND_INT(take_params[7], now);
	BIND_INT(take_params[8], one);
	/* "siissii": kind, cutter, helper, client ip, device, now, bargain id */
	BIND_TEXT(record_params[0], kind, kind_length);
	BIND_INT(record_params[1], helper_id);
	BIND_INT(record_params[2], helper_id);
	BIND_TEXT(record_params[3], client_ip, ip_length);
	BIND_TEXT(record_params[4], device, device_length);
	BIND_INT(record_params[5], now);
	BIND_INT(record_params[6], bargain_id);
	BIND_INT(reload_params[0], bargain_id);
	MYSQL_BIND *params[ST_COUNT] = { limit_params, take_params, record_params, reload_params };
	unsigned int random_state = (unsigned int)(uintptr_t)worker ^ (unsigned int)bench_now_ns();

	while (bench_now_ns() < settings->start_ns)
		usleep(1000);
	for (;;) {
		int64_t started = bench_now_ns();
		if (started >= settings->end_ns)
			break;
		long long k = atomic_fetch_add(&settings->next, 1);
		if (k >= settings->max_pairs) {
			worker->exhausted = true;
			break;
		}
		long long j = settings->offset + k;
		if (settings->hot) {
			helper_id = settings->helpers[j];
			bargain_id = settings->bargains[0];
		} else {
			helper_id = settings->helpers[j % settings->helper_count];
			bargain_id = settings->bargains[((j / settings->helper_count) + (j % settings->helper_count)) %
							settings->bargain_count];
		}
		bucket_length = (unsigned long)snprintf(bucket, sizeof(bucket), "helps:%lld", helper_id);
		drawn = HELPREF_CUT_MIN + (long long)(rand_r(&random_state) % (HELPREF_CUT_MAX - HELPREF_CUT_MIN + 1));
		for (int attempt = 0;; attempt++) {
			now = (long long)time(NULL);
			window_start = day_start(now);
			unsigned int error_number = 0;
			int64_t locked = 0, commit_sent = 0;
			bool ok = bench_query(mysql, "START TRANSACTION", error, sizeof(error)) == 0;
			for (int s = 0; ok && s < ST_COUNT; s++) {
				long long got = bench_run(stmts[s], params[s], &error_number, error, sizeof(error));
				if (got < 0) {
					ok = false;
				} else if (got == 0) {
					snprintf(error, sizeof(error), "%s: no row (limit reached or bargain closed)",
						 s == ST_LIMIT ? "limit" : s == ST_TAKE ? "update" : s == ST_RECORD ? "insert"
														     : "reload");
					ok = false;
				}
				if (s == ST_TAKE)
					locked = bench_now_ns();
			}
			if (ok) {
				commit_sent = bench_now_ns();
				error_number = bench_query(mysql, "COMMIT", error, sizeof(error));
				ok = error_number == 0;
			}
			if (ok) {
				int64_t finished = bench_now_ns();
				worker_record(worker, finished - started, commit_sent - locked, finished - locked);
				break;
			}
			char ignored[256];
			bench_query(mysql, "ROLLBACK", ignored, sizeof(ignored));
			if (bench_retryable(error_number) && attempt < 3) {
				worker->retries++;
				continue;
			}
			if (worker->errors++ == 0)
				snprintf(worker->error, sizeof(worker->error), "helper %lld, bargain %lld: %s", helper_id,
					 bargain_id, error);
			break;
		}
		if (worker->errors > 0 && mysql_ping(mysql) != 0)
			break; /* the server is gone: stop this connection */
	}
done:
	if (!worker->connected && worker->error[0] == '\0') {
		snprintf(worker->error, sizeof(worker->error), "%s", error);
		worker->errors++;
	}
	for (int s = 0; s < ST_COUNT; s++)
		if (stmts[s] != NULL)
			mysql_stmt_close(stmts[s]);
	if (mysql != NULL)
		mysql_close(mysql);
	mysql_thread_end();
	return NULL;
}

/* ------------------------------------------------------------------ main */

/* Gathers one per-transaction series of every worker, sorted; mean (OUT). */
static int64_t *gather(struct worker *workers, int started, size_t total, size_t series, double *mean_ms)
{
	int64_t *all = malloc((total + 1) * sizeof(int64_t));
	if (all == NULL)
		abort();
	size_t at = 0;
	double sum = 0;
	for (int i = 0; i < started; i++) {
		int64_t *values = series == 0 ? workers[i].latency_ns : series == 1 ? workers[i].hold_min_ns
										     : workers[i].hold_max_ns;
		for (size_t n = 0; n < workers[i].count; n++) {
			all[at++] = values[n];
			sum += (double)values[n];
		}
	}
	qsort(all, total, sizeof(int64_t), bench_compare_int64);
	*mean_ms = total ? sum / (double)total / 1e6 : 0;
	return all;
}

int main(int argc, char **argv)
{
	bench_tool = "helpref";
	static struct settings settings;
	const char *config_path = NULL, *helpers_path = NULL, *bargains_path = NULL, *mode = NULL;
	long long hot_bargain = 0;
	settings.offset = -1;
	settings.max_pairs = -1;
	int option;
	while ((option = getopt(argc, argv, "f:H:B:b:m:o:n:c:d:S:")) != -1) {
		switch (option) {
		case 'f':
			config_path = optarg;
			break;
		case 'H':
			helpers_path = optarg;
			break;
		case 'B':
			bargains_path = optarg;
			break;
		case 'b':
			hot_bargain = atoll(optarg);
			break;
		case 'm':
			mode = optarg;
			break;
		case 'o':
			settings.offset = atoll(optarg);
			break;
		case 'n':
			settings.max_pairs = atoll(optarg);
			break;
		case 'c':
			settings.threads = atoi(optarg);
			break;
		case 'd':
			settings.duration_s = strtod(optarg, NULL);
			break;
		case 'S':
			snprintf(settings.db.socket, sizeof(settings.db.socket), "%s", optarg);
			break;
		default:
			goto usage;
		}
	}
	if (config_path == NULL || helpers_path == NULL || mode == NULL || settings.offset < 0 ||
	    settings.max_pairs < 1 || settings.threads < 1 || settings.threads > HELPREF_THREADS_MAX ||
	    !(settings.duration_s > 0) || settings.duration_s > HELPREF_DURATION_MAX || optind != argc)
		goto usage;
	settings.hot = strcmp(mode, "hot") == 0;
	if (settings.hot ? hot_bargain < 1 : (strcmp(mode, "many") != 0 || bargains_path == NULL))
		goto usage;
	if (bench_config_read(config_path, &settings.db) != 0)
		return 1;
	settings.helper_count = bench_ids_read(helpers_path, &settings.helpers);
	if (settings.hot) {
		settings.bargains = malloc(sizeof(long long));
		if (settings.bargains == NULL)
			abort();
		settings.bargains[0] = hot_bargain;
		settings.bargain_count = 1;
	} else {
		settings.bargain_count = bench_ids_read(bargains_path, &settings.bargains);
	}
	if (settings.helper_count < 1 || settings.bargain_count < 1) {
		fprintf(stderr, "helpref: no helpers or no bargains\n");
		return 1;
	}
	long long last = settings.offset + settings.max_pairs - 1;
	if (settings.hot ? last >= settings.helper_count : last / settings.helper_count >= settings.bargain_count) {
		fprintf(stderr, "helpref: pairs %lld..%lld are past what %ld helpers and %ld bargains allow\n",
			settings.offset, last, settings.helper_count, settings.bargain_count);
		return 1;
	}
	if (mysql_library_init(0, NULL, NULL) != 0) {
		fprintf(stderr, "helpref: mysql_library_init failed\n");
		return 1;
	}

	struct worker *workers = calloc((size_t)settings.threads, sizeof(struct worker));
	if (workers == NULL)
		abort();
	/* Everyone connects first; the window opens 300 ms later for all. */
	settings.start_ns = bench_now_ns() + 300 * 1000 * 1000LL;
	settings.end_ns = settings.start_ns + (int64_t)(settings.duration_s * 1e9);
	int started = 0;
	for (; started < settings.threads; started++) {
		workers[started].settings = &settings;
		if (pthread_create(&workers[started].thread, NULL, worker_run, &workers[started]) != 0) {
			fprintf(stderr, "helpref: cannot start thread %d\n", started);
			break;
		}
	}
	size_t total = 0;
	unsigned long long errors = 0, retries = 0;
	int connected = 0;
	bool exhausted = false;
	const char *first_error = NULL;
	for (int i = 0; i < started; i++) {
		pthread_join(workers[i].thread, NULL);
		total += workers[i].count;
		errors += workers[i].errors;
		retries += workers[i].retries;
		connected += workers[i].connected;
		exhausted = exhausted || workers[i].exhausted;
		if (first_error == NULL && workers[i].error[0] != '\0')
			first_error = workers[i].error;
	}
	int64_t stopped = bench_now_ns();
	double window_s = (double)((stopped < settings.end_ns ? stopped : settings.end_ns) - settings.start_ns) / 1e9;
	if (window_s <= 0)
		window_s = settings.duration_s;
	double latency_mean, hold_min_mean, hold_max_mean;
	int64_t *latency = gather(workers, started, total, 0, &latency_mean);
	int64_t *hold_min = gather(workers, started, total, 1, &hold_min_mean);
	int64_t *hold_max = gather(workers, started, total, 2, &hold_max_mean);
	double rate = (double)total / window_s;
	double p50 = bench_percentile_ms(latency, total, 0.50), p99 = bench_percentile_ms(latency, total, 0.99);
	double max = total ? (double)latency[total - 1] / 1e6 : 0;
	printf("helpref: %s, %d connections (%d connected) for %.1f s: %.1f tx/s, %zu done, %llu errors, "
	       "%llu retries%s%s%s\n",
	       settings.hot ? "one hot bargain" : "many bargains", settings.threads, connected, window_s, rate, total,
	       errors, retries, exhausted ? " (ran out of pairs: stopped early)" : "",
	       first_error ? "; first error: " : "", first_error ? first_error : "");
	printf("helpref: latency per transaction (ms): p50 %.3f p99 %.3f max %.3f\n", p50, p99, max);
	printf("helpref: row lock held per transaction (ms), UPDATE answered to COMMIT sent: p50 %.3f mean %.3f; "
	       "to COMMIT answered: p50 %.3f mean %.3f\n",
	       bench_percentile_ms(hold_min, total, 0.50), hold_min_mean, bench_percentile_ms(hold_max, total, 0.50),
	       hold_max_mean);
	printf("RESULT rate=%.1f answered=%zu errors=%llu retries=%llu exhausted=%d p50=%.3f p99=%.3f max=%.3f "
	       "hold_min_ms=%.3f hold_max_ms=%.3f latency_mean_ms=%.3f\n",
	       rate, total, errors, retries, exhausted ? 1 : 0, p50, p99, max, hold_min_mean, hold_max_mean,
	       latency_mean);
	for (int i = 0; i < started; i++) {
		free(workers[i].latency_ns);
		free(workers[i].hold_min_ns);
		free(workers[i].hold_max_ns);
	}
	free(workers);
	free(latency);
	free(hold_min);
	free(hold_max);
	free(settings.helpers);
	free(settings.bargains);
	mysql_library_end();
	return connected > 0 ? 0 : 1;

usage:
	fprintf(stderr, "usage: helpref -f KANJIA_CONF -H HELPER_IDS -m hot|many [-b BARGAIN_ID] [-B BARGAIN_IDS] "
			"-o OFFSET -n MAX_PAIRS -c THREADS -d SECONDS [-S SOCKET]\n");
	return 2;
}
