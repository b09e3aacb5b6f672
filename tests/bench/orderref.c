/* orderref.c: the database's share of POST /api/v1/orders, for the
 * benchmark (tests/bench/run.sh, stage OR).
 *
 * Runs the writes of the order transaction of fcgi/checkout/order.h (the SQL
 * in its header comment), simplified to the statements that write, from
 * plain C clients:
 *   START TRANSACTION
 *   INSERT INTO orders ...                       (sql_order_insert)
 *   INSERT INTO order_line ...                   (sql_line_insert)
 *   INSERT INTO order_event ...                  (sql_event_insert)
 *   UPDATE campaign_item SET stock_left = stock_left - 1,
 *     stock_reserved = stock_reserved + 1 WHERE id = ? AND stock_left >= 1
 *                                                (sql_stock_reserve, last)
 *   COMMIT
 * Left out: the Idempotency-Key claim before it and its finish inside it,
 * the anti-fraud check and velocity (fraud_event insert), the pricing
 * reads (item, tiers, checkout rules), the campaign_stat upsert and the
 * answer's reads: the reference is the order's own rows and the stock.
 * Since issue 13 the stack sends these writes (with the key's claim and
 * answer, the anti-fraud event, the velocity limits and the stats) inside
 * one CALL of order_apply (sql/024_round_trips.sql) within its
 * transaction, whose statements keep the texts below; this reference still
 * sends them one by one, as its SQL from C.
 * Keep the texts below in step with order.h, checkout_store.c and
 * campaign_store.c. One thread per
 * connection, each statement prepared once, the connection set up as
 * db_connect() does; a deadlock or lock wait timeout is rolled back and
 * retried, as db_transaction() does, and counted. A reserve that finds no
 * stock (0 rows) is rolled back and counted as an error (the bench items
 * never sell out).
 *
 * Which (shopper, item) transaction k gets, for j = OFFSET + k (the mapping
 * of helpgen.c -m orders): shopper j mod S, item j mod I. At most -n
 * transactions; a run that does them all stops early ("exhausted=1").
 *
 * It also times how long each transaction holds the item's row lock, as
 * far as a client can see: from the reserve UPDATE's answer to the COMMIT
 * being sent (hold_min) and answered (hold_max, with the log flush). On
 * one hot item 1 / hold is the most the item row can take.
 *
 * Usage: orderref -f KANJIA_CONF -H SHOPPER_IDS -I ITEM_IDS -C CAMPAIGN_ID
 *                 -o OFFSET -n MAX -c THREADS -d SECONDS [-S SOCKET]
 * Prints a human summary and one "RESULT key=value ..." line. Exit status 0
 * when the run happened (errors are counted), 1 when it could not, 2 on bad
 * usage. */
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

#define ORDERREF_THREADS_MAX 1024
#define ORDERREF_DURATION_MAX 600.0
#define ORDERREF_PRICE_FEN 9900 /* the bench order items' price */
#define ORDERREF_PAY_WITHIN_S 900 /* order_pay_within_s's default */

/* The statements of the order transaction (see the head of this file). */
static const char *const sql_order_insert =
	"INSERT INTO orders (user_id, campaign_id, bargain_id, status, subtotal_fen, discount_fen, total_fen, "
	"address_name, address_phone, address_province, address_city, address_district, address_detail, pay_by, "
	"created_at, updated_at) VALUES (?, ?, NULLIF(?, 0), 'pending_payment', ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	"FROM_UNIXTIME(?), FROM_UNIXTIME(?), FROM_UNIXTIME(?))";
static const char *const sql_line_insert =
	"INSERT INTO order_line (order_id, item_id, item_name, qty, unit_price_fen, amount_fen, bargain_price_fen) "
	"VALUES (?, ?, ?, ?, ?, ?, IF(?, ?, NULL))";
static const char *const sql_event_insert =
	"INSERT INTO order_event (order_id, from_status, to_status, actor, actor_id, note, request_id, created_at) "
	"VALUES (?, ?, ?, ?, NULLIF(?, 0), ?, ?, FROM_UNIXTIME(?))";
static const char *const sql_stock_reserve =
	"UPDATE campaign_item SET stock_left = stock_left - ?, stock_reserved = stock_reserved + ? "
	"WHERE id = ? AND stock_left >= ?";

struct settings {
	struct bench_db db;
	long long campaign_id;
	long long *shoppers, *items;
	long shopper_count, item_count;
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

enum { ST_ORDER, ST_LINE, ST_EVENT, ST_RESERVE, ST_COUNT };

/* One connection: order transactions in a loop until the window ends or
 * the transactions run out. */
static void *worker_run(void *argument)
{
	struct worker *worker = argument;
	struct settings *settings = worker->settings;
	char error[512] = "";
	MYSQL *mysql = bench_connect(&settings->db, error, sizeof(error));
	MYSQL_STMT *stmts[ST_COUNT] = { NULL };
	static const char *const texts[ST_COUNT] = { sql_order_insert, sql_line_insert, sql_event_insert,
						     sql_stock_reserve };
	if (mysql == NULL)
		goto done;
	for (int s = 0; s < ST_COUNT; s++)
		if ((stmts[s] = bench_prepare(mysql, texts[s], error, sizeof(error))) == NULL)
			goto done;
	worker->connected = true;

	/* The parameters, bound once, filled per transaction. */
	char name[] = "Bench", phone[] = "13800138000", province[] = "Zhejiang", city[] = "Hangzhou",
	     district[] = "Xihu", detail[] = "1 Bench Road", item_name[] = "bench order item",
	     to_status[] = "pending_payment", actor[] = "shopper", request_id[64] = "";
	unsigned long name_length = 5, phone_length = 11, province_length = 8, city_length = 8, district_length = 4,
		      detail_length = 12, item_name_length = sizeof(item_name) - 1, to_length = sizeof(to_status) - 1,
		      actor_length = 7, request_id_length = 0, null_length = 0;
	long long user_id = 0, campaign_id = settings->campaign_id, zero = 0, price = ORDERREF_PRICE_FEN, one = 1,
		  pay_by = 0, now = 0, order_id = 0, item_id = 0;
	my_bool is_null = 1;
	char null_text[1] = "";
	MYSQL_BIND order_params[15], line_params[8], event_params[8], reserve_params[4];
	memset(order_params, 0, sizeof(order_params));
	memset(line_params, 0, sizeof(line_params));
	memset(event_params, 0, sizeof(event_params));
	memset(reserve_params, 0, sizeof(reserve_params));
#define BIND_INT(bind, variable) ((bind).buffer_type = MYSQL_TYPE_LONGLONG, (bind).buffer = &(variable))
#define BIND_TEXT(bind, text, length_variable) \
	((bind).buffer_type = MYSQL_TYPE_STRING, (bind).buffer = (text), (bind).buffer_length = sizeof(text), \
	 (bind).length = &(length_variable))
	/* "iiiiiissssssiii": user, campaign, bargain, subtotal, discount, total, the address, pay_by, now, now */
	BIND_INT(order_params[0], user_id);
	BIND_INT(order_params[1], campaign_id);
	BIND_INT(order_params[2], zero);
	BIND_INT(order_params[3], price);
	BIND_INT(order_params[4], zero);
	BIND_INT(order_params[5], price);
	BIND_TEXT(order_params[6], name, name_length);
	BIND_TEXT(order_params[7], phone, phone_length);
	BIND_TEXT(order_params[8], province, province_length);
	BIND_TEXT(order_params[9], city, city_length);
	BIND_TEXT(order_params[10], district, district_length);
	BIND_TEXT(order_params[11], detail, detail_length);
	BIND_INT(order_params[12], pay_by);
	BIND_INT(order_params[13], now);
	BIND_INT(order_params[14], now);
	/* "iisiiiii": order, item, name, qty, unit price, amount, bargained, bargain price */
	BIND_INT(line_params[0], order_id);
	BIND_INT(line_params[1], item_id);
	BIND_TEXT(line_params[2], item_name, item_name_length);
	BIND_INT(line_params[3], one);
	BIND_INT(line_params[4], price);
	BIND_INT(line_params[5], price);
	BIND_INT(line_params[6], zero);
	BIND_INT(line_params[7], zero);
	/* "isssissi": order, from (NULL), to, actor, actor id, note (NULL), request id, now */
	BIND_INT(event_params[0], order_id);
	BIND_TEXT(event_params[1], null_text, null_length);
	event_params[1].is_null = &is_null;
	BIND_TEXT(event_params[2], to_status, to_length);
	BIND_TEXT(event_params[3], actor, actor_length);
	BIND_INT(event_params[4], user_id);
	BIND_TEXT(event_params[5], null_text, null_length);
	event_params[5].is_null = &is_null;
	BIND_TEXT(event_params[6], request_id, request_id_length);
	BIND_INT(event_params[7], now);
	/* "iiii": qty, qty, item, qty */
	BIND_INT(reserve_params[0], one);
	BIND_INT(reserve_params[1], one);
	BIND_INT(reserve_params[2], item_id);
	BIND_INT(reserve_params[3], one);
	MYSQL_BIND *params[ST_COUNT] = { order_params, line_params, event_params, reserve_params };

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
		user_id = settings->shoppers[j % settings->shopper_count];
		item_id = settings->items[j % settings->item_count];
		request_id_length = (unsigned long)snprintf(request_id, sizeof(request_id), "orderref-%lld", j);
		for (int attempt = 0;; attempt++) {
			now = (long long)time(NULL);
			pay_by = now + ORDERREF_PAY_WITHIN_S;
			unsigned int error_number = 0;
			int64_t locked = 0, commit_sent = 0;
			bool ok = bench_query(mysql, "START TRANSACTION", error, sizeof(error)) == 0;
			for (int s = 0; ok && s < ST_COUNT; s++) {
				long long got = bench_run(stmts[s], params[s], &error_number, error, sizeof(error));
				if (got < 0) {
					ok = false;
				} else if (got == 0) {
					snprintf(error, sizeof(error), "%s: no row (out of stock?)",
						 s == ST_RESERVE ? "reserve" : "insert");
					ok = false;
				}
				if (s == ST_ORDER)
					order_id = (long long)mysql_stmt_insert_id(stmts[s]);
				if (s == ST_RESERVE)
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
				snprintf(worker->error, sizeof(worker->error), "shopper %lld, item %lld: %s", user_id,
					 item_id, error);
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
	bench_tool = "orderref";
	static struct settings settings;
	const char *config_path = NULL, *shoppers_path = NULL, *items_path = NULL;
	settings.offset = -1;
	settings.max_pairs = -1;
	int option;
	while ((option = getopt(argc, argv, "f:H:I:C:o:n:c:d:S:")) != -1) {
		switch (option) {
		case 'f':
			config_path = optarg;
			break;
		case 'H':
			shoppers_path = optarg;
			break;
		case 'I':
			items_path = optarg;
			break;
		case 'C':
			settings.campaign_id = atoll(optarg);
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
	if (config_path == NULL || shoppers_path == NULL || items_path == NULL || settings.campaign_id < 1 ||
	    settings.offset < 0 || settings.max_pairs < 1 || settings.threads < 1 ||
	    settings.threads > ORDERREF_THREADS_MAX || !(settings.duration_s > 0) ||
	    settings.duration_s > ORDERREF_DURATION_MAX || optind != argc)
		goto usage;
	if (bench_config_read(config_path, &settings.db) != 0)
		return 1;
	settings.shopper_count = bench_ids_read(shoppers_path, &settings.shoppers);
	settings.item_count = bench_ids_read(items_path, &settings.items);
	if (settings.shopper_count < 1 || settings.item_count < 1) {
		fprintf(stderr, "orderref: no shoppers or no items\n");
		return 1;
	}
	if (mysql_library_init(0, NULL, NULL) != 0) {
		fprintf(stderr, "orderref: mysql_library_init failed\n");
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
			fprintf(stderr, "orderref: cannot start thread %d\n", started);
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
	printf("orderref: %s, %d connections (%d connected) for %.1f s: %.1f tx/s, %zu done, %llu errors, "
	       "%llu retries%s%s%s\n",
	       settings.item_count == 1 ? "one hot item" : "many items", settings.threads, connected, window_s, rate, total,
	       errors, retries, exhausted ? " (ran out of pairs: stopped early)" : "",
	       first_error ? "; first error: " : "", first_error ? first_error : "");
	printf("orderref: latency per transaction (ms): p50 %.3f p99 %.3f max %.3f\n", p50, p99, max);
	printf("orderref: row lock held per transaction (ms), UPDATE answered to COMMIT sent: p50 %.3f mean %.3f; "
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
	free(settings.shoppers);
	free(settings.items);
	mysql_library_end();
	return connected > 0 ? 0 : 1;

usage:
	fprintf(stderr, "usage: orderref -f KANJIA_CONF -H SHOPPER_IDS -I ITEM_IDS -C CAMPAIGN_ID -o OFFSET -n MAX "
			"-c THREADS -d SECONDS [-S SOCKET]\n");
	return 2;
}
