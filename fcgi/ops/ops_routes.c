/* ops_routes.c: what operators and their monitoring read (API.md,
 * "Operations"): the health answer, the Prometheus metrics and a status
 * page in the manner of php-fpm's pm.status_path. The numbers come from
 * the pool's shared segment (ops.h), summed over every worker. */
#include "ops/ops_routes.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/version.h"
#include "ops/ops.h"
#include "server/routes.h"

#define ADDRESS_LIST_MAX 64

/* ------------------------------------------------------ route numbering */

int ops_route_index(const struct route *route)
{
	if (route == NULL)
		return -1;
	int base = 0;
	for (size_t t = 0; t < route_table_count; t++) {
		const struct route_table *table = route_tables[t];
		if (route >= table->routes && route < table->routes + table->count) {
			int index = base + (int)(route - table->routes);
			return index < OPS_ROUTES_MAX ? index : OPS_ROUTES_MAX;
		}
		base += (int)table->count;
	}
	return OPS_ROUTES_MAX;
}

const struct route *ops_route_at(int index)
{
	if (index < 0 || index >= OPS_ROUTES_MAX)
		return NULL;
	for (size_t t = 0; t < route_table_count; t++) {
		if ((size_t)index < route_tables[t]->count)
			return &route_tables[t]->routes[index];
		index -= (int)route_tables[t]->count;
	}
	return NULL;
}

/* --------------------------------------------------------------- access */

/* True when address (text) is in entry: an address, or address/prefix. */
static bool address_in(const char *address, const char *entry, size_t entry_length)
{
	char network[INET6_ADDRSTRLEN + 8];
	if (entry_length == 0 || entry_length >= sizeof(network))
		return false;
	memcpy(network, entry, entry_length);
	network[entry_length] = '\0';
	long prefix = -1;
	char *slash = strchr(network, '/');
	if (slash != NULL) {
		char *end = NULL;
		prefix = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end != '\0' || prefix < 0)
			return false;
		*slash = '\0';
	}
	unsigned char want[16], have[16];
	int family = strchr(network, ':') ? AF_INET6 : AF_INET;
	int size = family == AF_INET6 ? 16 : 4;
	if (inet_pton(family, network, want) != 1 || inet_pton(family, address, have) != 1)
		return false;
	if (prefix < 0 || prefix > size * 8)
		prefix = size * 8;
	int whole = (int)prefix / 8, bits = (int)prefix % 8;
	if (memcmp(want, have, (size_t)whole) != 0)
		return false;
	if (bits == 0)
		return true;
	unsigned char mask = (unsigned char)(0xff << (8 - bits));
	return (want[whole] & mask) == (have[whole] & mask);
}

bool ops_client_allowed(const char *address, const char *allow_list)
{
	if (address == NULL || address[0] == '\0')
		return false;
	if (address_in(address, "127.0.0.0/8", 11) || address_in(address, "::1", 3))
		return true;
	const char *cursor = allow_list ? allow_list : "";
	int seen = 0;
	while (*cursor != '\0' && seen++ < ADDRESS_LIST_MAX) {
		cursor += strspn(cursor, " ,");
		size_t length = strcspn(cursor, " ,");
		if (length > 0 && address_in(address, cursor, length))
			return true;
		cursor += length;
	}
	return false;
}

/* Operators' pages answer 404 to anyone else, as if they did not exist. */
static bool operator_only(struct request *request)
{
	if (ops_client_allowed(request->client_ip, request->work.config->metrics_allow))
		return true;
	http_error(request, 404, "not_found");
	return false;
}

/* Hands the text of a memory stream to the request as its body. */
static int reply_text(struct request *request, char *text, size_t size, const char *type)
{
	char *body = arena_alloc(&request->arena, size + 1);
	memcpy(body, text, size);
	body[size] = '\0';
	free(text);
	request->raw_body = body;
	request->raw_body_size = size;
	request->reply_type = type;
	return 200;
}

/* --------------------------------------------------------------- health */


static int ops_health(struct request *request)
{
	bool db_up = db_answers(&request->work);
	/* The release, and the git revision as semver build metadata: one token. */
	const char *revision = version_revision();
	const char *version = revision[0] != '\0'
				      ? arena_printf(&request->arena, "%s+%s", version_release(), revision)
				      : version_release();
	json_t *reply = json_pack("{s:s, s:s, s:s}", "status", db_up ? "ok" : "down", "version", version,
				  "db", db_up ? "ok" : "down");
	if (!db_up)
		http_header_add(request, "Retry-After", "5");
	return http_reply(request, db_up ? 200 : 503, reply);
}

/* -------------------------------------------------------------- metrics */

static uint64_t load(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

static void metric_head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The labels of a route: method and pattern (patterns hold no quote or
 * backslash, so they need no escaping). */
static void route_labels(FILE *out, int index)
{
	const struct route *route = ops_route_at(index);
	fprintf(out, "method=\"%s\",route=\"%s\"", route ? route->method : "", route ? route->pattern : "unmatched");
}

static void worker_counts(int *starting, int *idle, int *busy)
{
	*starting = *idle = *busy = 0;
	int high = __atomic_load_n(&ops_shared->slot_high, __ATOMIC_ACQUIRE);
	for (int i = 0; i < high; i++) {
		int state = __atomic_load_n(&ops_shared->workers[i].state, __ATOMIC_ACQUIRE);
		*starting += state == OPS_STARTING;
		*idle += state == OPS_IDLE;
		*busy += state == OPS_BUSY;
	}
}

static void write_metrics(FILE *out)
{
	const struct ops_counters *c = &ops_shared->counters;

	metric_head(out, "kanjia_http_requests_total", "counter", "Requests the pool answered, by route and status.");
	for (int r = 0; r <= OPS_ROUTES_MAX; r++) {
		for (int s = 0; s < 32; s++) {
			uint64_t n = load(&c->requests[r][s]);
			if (n == 0)
				continue;
			fprintf(out, "kanjia_http_requests_total{");
			route_labels(out, r);
			if (ops_status_codes[s] != 0)
				fprintf(out, ",status=\"%d\"} %llu\n", ops_status_codes[s], (unsigned long long)n);
			else
				fprintf(out, ",status=\"other\"} %llu\n", (unsigned long long)n);
		}
	}

	metric_head(out, "kanjia_http_request_duration_seconds", "histogram",
		    "Time from accepting a request to its answer, by route.");
	for (int r = 0; r <= OPS_ROUTES_MAX; r++) {
		uint64_t count = load(&c->duration_count[r]);
		if (count == 0)
			continue;
		uint64_t cumulative = 0;
		for (int b = 0; b < OPS_BUCKETS; b++) {
			cumulative += load(&c->duration_buckets[r][b]);
			fprintf(out, "kanjia_http_request_duration_seconds_bucket{");
			route_labels(out, r);
			fprintf(out, ",le=\"%g\"} %llu\n", (double)ops_bucket_bounds_us[b] / 1e6,
				(unsigned long long)cumulative);
		}
		if (count < cumulative) /* read while another worker was adding */
			count = cumulative;
		fprintf(out, "kanjia_http_request_duration_seconds_bucket{");
		route_labels(out, r);
		fprintf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)count);
		fprintf(out, "kanjia_http_request_duration_seconds_sum{");
		route_labels(out, r);
		fprintf(out, "} %.6f\n", (double)load(&c->duration_sum_us[r]) / 1e6);
		fprintf(out, "kanjia_http_request_duration_seconds_count{");
		route_labels(out, r);
		fprintf(out, "} %llu\n", (unsigned long long)count);
	}

	metric_head(out, "kanjia_http_requests_accepted_total", "counter", "Requests the workers accepted.");
	fprintf(out, "kanjia_http_requests_accepted_total %llu\n", (unsigned long long)load(&c->accepted));
	metric_head(out, "kanjia_http_slow_requests_total", "counter", "Requests slower than slow_request_ms.");
	fprintf(out, "kanjia_http_slow_requests_total %llu\n", (unsigned long long)load(&c->slow_requests));
	metric_head(out, "kanjia_http_request_timeouts_total", "counter",
		    "Workers killed for running a request past request_timeout_s.");
	fprintf(out, "kanjia_http_request_timeouts_total %llu\n", (unsigned long long)load(&c->timeouts));
	metric_head(out, "kanjia_http_shed_total", "counter",
		    "Requests the pool refused with 503 to stay responsive (queued too long, hashing cap).");
	fprintf(out, "kanjia_http_shed_total %llu\n", (unsigned long long)load(&c->shed));

	metric_head(out, "kanjia_db_statements_total", "counter", "Statements sent to MariaDB.");
	fprintf(out, "kanjia_db_statements_total %llu\n", (unsigned long long)load(&c->db_statements));
	metric_head(out, "kanjia_db_errors_total", "counter", "Failed statements, by MariaDB error number.");
	for (int i = 0; i < OPS_DB_ERROR_CODES; i++) {
		uint32_t code = __atomic_load_n(&c->db_error_code[i], __ATOMIC_ACQUIRE);
		if (code != 0)
			fprintf(out, "kanjia_db_errors_total{code=\"%u\"} %llu\n", code,
				(unsigned long long)load(&c->db_errors[i]));
	}
	if (load(&c->db_errors_other) > 0)
		fprintf(out, "kanjia_db_errors_total{code=\"other\"} %llu\n",
			(unsigned long long)load(&c->db_errors_other));

	int starting, idle, busy;
	worker_counts(&starting, &idle, &busy);
	metric_head(out, "kanjia_workers", "gauge", "Worker processes alive, by state.");
	fprintf(out, "kanjia_workers{state=\"starting\"} %d\n", starting);
	fprintf(out, "kanjia_workers{state=\"idle\"} %d\n", idle);
	fprintf(out, "kanjia_workers{state=\"busy\"} %d\n", busy);
	metric_head(out, "kanjia_worker_restarts_total", "counter",
		    "Workers that ended (crash, kill, recycling) and were replaced; reloads not counted.");
	fprintf(out, "kanjia_worker_restarts_total %llu\n", (unsigned long long)load(&c->worker_restarts));

	metric_head(out, "kanjia_helps_total", "counter", "Helps recorded (cuts by friends).");
	fprintf(out, "kanjia_helps_total %llu\n", (unsigned long long)load(&c->helps));
	static const char *const order_statuses[OPS_ORDER_STATUSES] = { "created", "paid", "cancelled" };
	metric_head(out, "kanjia_orders_total", "counter", "Orders created, paid and cancelled.");
	for (int i = 0; i < OPS_ORDER_STATUSES; i++)
		fprintf(out, "kanjia_orders_total{status=\"%s\"} %llu\n", order_statuses[i],
			(unsigned long long)load(&c->orders[i]));
	static const char *const fraud_actions[OPS_FRAUD_ACTIONS] = { "allow", "block", "shadow", "review" };
	metric_head(out, "kanjia_fraud_decisions_total", "counter", "Anti-fraud checks, by the action decided.");
	for (int i = 0; i < OPS_FRAUD_ACTIONS; i++)
		fprintf(out, "kanjia_fraud_decisions_total{action=\"%s\"} %llu\n", fraud_actions[i],
			(unsigned long long)load(&c->fraud_decisions[i]));

	metric_head(out, "kanjia_start_time_seconds", "gauge", "When the pool's master started (Unix time).");
	fprintf(out, "kanjia_start_time_seconds %lld\n", (long long)c->started_at);
}

static int ops_metrics(struct request *request)
{
	if (!operator_only(request))
		return 404;
	if (ops_shared == NULL)
		return http_error(request, 503, "unavailable");
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	if (out == NULL)
		abort();
	write_metrics(out);
	fclose(out);
	return reply_text(request, text, size, "text/plain; version=0.0.4; charset=utf-8");
}

/* ---------------------------------------------------------- status page */

static const char *const state_names[] = { "empty", "starting", "idle", "busy" };

static int ops_status(struct request *request)
{
	if (!operator_only(request))
		return 404;
	if (ops_shared == NULL)
		return http_error(request, 503, "unavailable");
	const struct ops_counters *c = &ops_shared->counters;
	const char *format = http_query_param(request, "format");
	bool text = format != NULL && strcmp(format, "text") == 0;
	if (format != NULL && !text && strcmp(format, "json") != 0)
		return http_error_detail(request, 400, "invalid_field", "status.format");

	int starting, idle, busy;
	worker_counts(&starting, &idle, &busy);
	int64_t now_us = clock_micros();
	char started[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(c->started_at, started);

	json_t *processes = json_array();
	int high = __atomic_load_n(&ops_shared->slot_high, __ATOMIC_ACQUIRE);
	for (int i = 0; i < high; i++) {
		struct ops_worker copy;
		memcpy(&copy, &ops_shared->workers[i], sizeof(copy)); /* a racy snapshot, good enough to show */
		copy.statement[OPS_STATEMENT_SHOWN] = '\0';
		copy.method[sizeof(copy.method) - 1] = '\0';
		if (copy.state == OPS_EMPTY || copy.pid == 0)
			continue;
		int64_t running_ms = copy.state == OPS_BUSY && copy.busy_since > 0 ? (now_us - copy.busy_since) / 1000 : 0;
		const struct route *route = copy.state == OPS_BUSY ? ops_route_at(copy.route) : NULL;
		char since[CLOCK_RFC3339_SIZE];
		clock_format_rfc3339(copy.started_at, since);
		json_array_append_new(processes,
			json_pack("{s:i, s:i, s:s, s:I, s:s, s:I, s:s?, s:s?, s:s?}", "pid", (int)copy.pid, "generation",
				  copy.generation, "state", state_names[copy.state], "requests", (json_int_t)copy.requests,
				  "started_at", since, "request_duration_ms", (json_int_t)running_ms, "method",
				  route ? copy.method : NULL, "route", route ? route->pattern : NULL, "statement",
				  copy.state == OPS_BUSY && copy.statement[0] ? copy.statement : NULL));
	}
	json_t *reply = json_pack("{s:s, s:s, s:I, s:I, s:i, s:i, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:o}", "pool",
				  "kanjiad", "started_at", started, "uptime_s",
				  (json_int_t)(clock_now() - c->started_at), "accepted", (json_int_t)load(&c->accepted),
				  "workers", starting + idle + busy, "idle", idle, "busy", busy, "starting", starting,
				  "slow_requests", (json_int_t)load(&c->slow_requests), "timeouts",
				  (json_int_t)load(&c->timeouts), "restarts", (json_int_t)load(&c->worker_restarts),
				  "shed", (json_int_t)load(&c->shed), "hash_cap", (json_int_t)ops_shared->hash_cap,
				  "processes", processes);
	if (!text)
		return http_reply(request, 200, reply);

	http_own(request, reply);
	char *body = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&body, &size);
	if (out == NULL)
		abort();
	fprintf(out, "pool:                 kanjiad\nstart time:           %s\nstart since:          %lld\n"
		     "accepted conn:        %llu\nidle processes:       %d\nactive processes:     %d\n"
		     "starting processes:   %d\ntotal processes:      %d\nslow requests:        %llu\n"
		     "request timeouts:     %llu\nrestarts:             %llu\nshed requests:        %llu\n",
		started, (long long)(clock_now() - c->started_at), (unsigned long long)load(&c->accepted), idle, busy,
		starting, starting + idle + busy, (unsigned long long)load(&c->slow_requests),
		(unsigned long long)load(&c->timeouts), (unsigned long long)load(&c->worker_restarts),
		(unsigned long long)load(&c->shed));
	size_t count = json_array_size(processes);
	for (size_t i = 0; i < count; i++) {
		json_t *p = json_array_get(processes, i);
		const char *route = json_string_value(json_object_get(p, "route"));
		const char *method = json_string_value(json_object_get(p, "method"));
		fprintf(out, "\n************************\npid:                  %lld\nstate:                %s\n"
			     "generation:           %lld\nstart time:           %s\nrequests:             %lld\n"
			     "request duration ms:  %lld\nrequest:              %s%s%s\n",
			(long long)json_integer_value(json_object_get(p, "pid")),
			json_string_value(json_object_get(p, "state")),
			(long long)json_integer_value(json_object_get(p, "generation")),
			json_string_value(json_object_get(p, "started_at")),
			(long long)json_integer_value(json_object_get(p, "requests")),
			(long long)json_integer_value(json_object_get(p, "request_duration_ms")), method ? method : "-",
			route ? " " : "", route ? route : "");
	}
	fclose(out);
	return reply_text(request, body, size, "text/plain; charset=utf-8");
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "GET", "/api/v1/health", ops_health, AUTH_NONE, 0, NULL },
	{ "GET", "/metrics", ops_metrics, AUTH_NONE, 0, NULL },
	{ "GET", "/status", ops_status, AUTH_NONE, 0, NULL },
};

const struct route_table ops_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
