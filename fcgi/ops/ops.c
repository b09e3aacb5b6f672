/* ops.c: the shared segment of counters and worker slots (see ops.h). */
#include "ops/ops.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/log.h"

struct ops_shared *ops_shared;

/* This worker's slot, or NULL. */
static struct ops_worker *own_slot;

/* The statements of the running request, for the slow-request log: the
 * first OPS_TRACE_MAX in order, then only a count and a total. Process
 * memory: each worker keeps its own. The SQL pointers are the door's
 * string literals, which live as long as the program. */
struct trace_entry {
	const char *sql;
	int64_t micros;
	unsigned int error_number;
};
static struct trace_entry trace[OPS_TRACE_MAX];
static int trace_count;
static int trace_more;
static int64_t trace_more_micros;
static const char *statement_sql;
static int64_t statement_started;

const int64_t ops_bucket_bounds_us[OPS_BUCKETS] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
};

const int ops_status_codes[32] = {
	200, 201, 202, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405, 406, 409, 410,
	412, 413, 415, 422, 428, 429, 500, 501, 502, 503, 504, 0, 0, 0, 0, 0,
};

#define ADD(field, amount) __atomic_fetch_add(&(field), (amount), __ATOMIC_RELAXED)

int ops_status_index(int status)
{
	for (int i = 0; i < 27; i++)
		if (ops_status_codes[i] == status)
			return i;
	return 31;
}

/* ------------------------------------------------------------ the master */

int ops_shared_create(int64_t hash_cap)
{
	void *memory = mmap(NULL, sizeof(struct ops_shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (memory == MAP_FAILED) {
		log_error("ops: cannot map the shared segment: %s", strerror(errno));
		return -1;
	}
	ops_shared = memory; /* mmap's pages come zeroed */
	ops_shared->hash_cap = hash_cap;
	ops_shared->counters.started_at = clock_now();
	return 0;
}

void ops_set_hash_cap(int64_t hash_cap)
{
	if (ops_shared != NULL)
		__atomic_store_n(&ops_shared->hash_cap, hash_cap, __ATOMIC_SEQ_CST);
}

int ops_slot_claim(int generation)
{
	if (ops_shared == NULL)
		return -1;
	for (int i = 0; i < OPS_SLOTS_MAX; i++) {
		struct ops_worker *slot = &ops_shared->workers[i];
		if (slot->state != OPS_EMPTY)
			continue;
		memset(slot, 0, sizeof(*slot));
		slot->generation = generation;
		slot->route = -1;
		slot->started_at = clock_now();
		__atomic_store_n(&slot->state, OPS_STARTING, __ATOMIC_SEQ_CST);
		if (i + 1 > ops_shared->slot_high)
			__atomic_store_n(&ops_shared->slot_high, i + 1, __ATOMIC_SEQ_CST);
		return i;
	}
	return -1;
}

void ops_slot_started(int slot, pid_t pid)
{
	if (ops_shared != NULL && slot >= 0)
		__atomic_store_n(&ops_shared->workers[slot].pid, pid, __ATOMIC_SEQ_CST);
}

void ops_slot_release(int slot)
{
	if (ops_shared != NULL && slot >= 0)
		__atomic_store_n(&ops_shared->workers[slot].state, OPS_EMPTY, __ATOMIC_SEQ_CST);
}

void ops_worker_ended(pid_t pid, bool restarted)
{
	if (ops_shared == NULL)
		return;
	if (restarted)
		ADD(ops_shared->counters.worker_restarts, 1);
	for (int i = 0; i < ops_shared->slot_high; i++) {
		struct ops_worker *slot = &ops_shared->workers[i];
		if (slot->pid != pid || slot->state == OPS_EMPTY)
			continue;
		/* A worker killed while hashing gives its token back here. */
		__atomic_store_n(&slot->hashing, 0, __ATOMIC_SEQ_CST);
		slot->pid = 0;
		__atomic_store_n(&slot->state, OPS_EMPTY, __ATOMIC_SEQ_CST);
		return;
	}
}

/* ------------------------------------------------------------ the worker */

void ops_worker_attach(int slot)
{
	own_slot = ops_shared != NULL && slot >= 0 ? &ops_shared->workers[slot] : NULL;
	if (own_slot != NULL) {
		own_slot->pid = getpid();
		__atomic_store_n(&own_slot->state, OPS_IDLE, __ATOMIC_RELEASE);
	}
}

void ops_request_begin(void)
{
	if (ops_shared == NULL)
		return;
	ADD(ops_shared->counters.accepted, 1);
	if (own_slot == NULL)
		return;
	own_slot->route = -1;
	own_slot->method[0] = '\0';
	own_slot->statement[0] = '\0';
	__atomic_store_n(&own_slot->busy_since, clock_micros(), __ATOMIC_RELEASE);
	__atomic_store_n(&own_slot->state, OPS_BUSY, __ATOMIC_RELEASE);
}

void ops_request_routed(int route, const char *method)
{
	if (own_slot == NULL)
		return;
	own_slot->route = route;
	size_t length = method ? strlen(method) : 0;
	if (length >= sizeof(own_slot->method))
		length = sizeof(own_slot->method) - 1;
	memcpy(own_slot->method, method ? method : "", length);
	own_slot->method[length] = '\0';
}

void ops_request_end(int route, int status, int64_t micros, bool slow)
{
	if (ops_shared == NULL)
		return;
	struct ops_counters *counters = &ops_shared->counters;
	if (route < 0 || route > OPS_ROUTES_MAX)
		route = OPS_ROUTES_MAX;
	ADD(counters->requests[route][ops_status_index(status)], 1);
	int bucket = 0;
	while (bucket < OPS_BUCKETS && micros > ops_bucket_bounds_us[bucket])
		bucket++;
	if (bucket < OPS_BUCKETS)
		ADD(counters->duration_buckets[route][bucket], 1);
	ADD(counters->duration_count[route], 1);
	ADD(counters->duration_sum_us[route], (uint64_t)(micros > 0 ? micros : 0));
	if (slow)
		ADD(counters->slow_requests, 1);
	if (own_slot != NULL)
		own_slot->requests++;
}

void ops_request_idle(void)
{
	if (own_slot == NULL)
		return;
	__atomic_store_n(&own_slot->state, OPS_IDLE, __ATOMIC_RELEASE);
	__atomic_store_n(&own_slot->busy_since, 0, __ATOMIC_RELEASE);
	own_slot->statement[0] = '\0';
}

void ops_statement_begin(const char *sql)
{
	statement_sql = sql;
	statement_started = clock_micros();
	if (ops_shared != NULL)
		ADD(ops_shared->counters.db_statements, 1);
	if (own_slot == NULL)
		return;
	size_t length = strlen(sql);
	if (length > OPS_STATEMENT_SHOWN)
		length = OPS_STATEMENT_SHOWN;
	memcpy(own_slot->statement, sql, length);
	own_slot->statement[length] = '\0';
}

void ops_statement_end(unsigned int error_number)
{
	int64_t micros = clock_micros() - statement_started;
	if (trace_count < OPS_TRACE_MAX) {
		trace[trace_count].sql = statement_sql;
		trace[trace_count].micros = micros;
		trace[trace_count].error_number = error_number;
		trace_count++;
	} else {
		trace_more++;
		trace_more_micros += micros;
	}
	if (own_slot != NULL)
		own_slot->statement[0] = '\0';
	if (ops_shared == NULL || error_number == 0)
		return;
	struct ops_counters *counters = &ops_shared->counters;
	for (int i = 0; i < OPS_DB_ERROR_CODES; i++) {
		uint32_t seen = __atomic_load_n(&counters->db_error_code[i], __ATOMIC_ACQUIRE);
		if (seen == 0) {
			uint32_t expected = 0;
			if (!__atomic_compare_exchange_n(&counters->db_error_code[i], &expected, error_number, false,
							 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				seen = expected; /* another worker claimed it first */
			else
				seen = error_number;
		}
		if (seen == error_number) {
			ADD(counters->db_errors[i], 1);
			return;
		}
	}
	ADD(counters->db_errors_other, 1);
}

void ops_trace_reset(void)
{
	trace_count = 0;
	trace_more = 0;
	trace_more_micros = 0;
}

/* Appends text to out[*used..size), cutting at the end. */
static void append(char *out, size_t size, size_t *used, const char *text, size_t length)
{
	if (*used + 1 >= size)
		return;
	if (length > size - *used - 1)
		length = size - *used - 1;
	memcpy(out + *used, text, length);
	*used += length;
	out[*used] = '\0';
}

int ops_trace_format(char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < trace_count; i++) {
		char head[64];
		int length = snprintf(head, sizeof(head), "%s#%d %.3f ms%s%.0u: ", i > 0 ? "; " : "", i + 1,
				      (double)trace[i].micros / 1000.0, trace[i].error_number ? " error " : "",
				      trace[i].error_number);
		append(out, size, &used, head, (size_t)length);
		size_t sql_length = strlen(trace[i].sql);
		append(out, size, &used, trace[i].sql, sql_length < OPS_TRACE_SQL_SHOWN ? sql_length : OPS_TRACE_SQL_SHOWN);
	}
	if (trace_more > 0) {
		char tail[96];
		int length = snprintf(tail, sizeof(tail), "; and %d more in %.3f ms", trace_more,
				      (double)trace_more_micros / 1000.0);
		append(out, size, &used, tail, (size_t)length);
	}
	return trace_count + trace_more;
}

void ops_count_shed(void)
{
	if (ops_shared != NULL)
		ADD(ops_shared->counters.shed, 1);
}

/* The token is this slot's flag; the cap counts the flags. Setting the
 * flag before counting (both sequentially consistent) means two workers
 * racing for the last token may both back off, never both pass. */
bool ops_hash_acquire(void)
{
	if (ops_shared == NULL || own_slot == NULL)
		return true;
	__atomic_store_n(&own_slot->hashing, 1, __ATOMIC_SEQ_CST);
	int64_t holders = 0;
	int high = __atomic_load_n(&ops_shared->slot_high, __ATOMIC_SEQ_CST);
	for (int i = 0; i < high; i++)
		holders += __atomic_load_n(&ops_shared->workers[i].hashing, __ATOMIC_SEQ_CST);
	if (holders <= __atomic_load_n(&ops_shared->hash_cap, __ATOMIC_SEQ_CST))
		return true;
	__atomic_store_n(&own_slot->hashing, 0, __ATOMIC_SEQ_CST);
	return false;
}

void ops_hash_release(void)
{
	if (own_slot != NULL)
		__atomic_store_n(&own_slot->hashing, 0, __ATOMIC_SEQ_CST);
}

/* FNV-1a of the address, never 0 (0 marks a free place). */
static uint64_t line_who(const char *source)
{
	uint64_t hash = 14695981039346656037ULL;
	for (const unsigned char *p = (const unsigned char *)source; *p; p++)
		hash = (hash ^ *p) * 1099511628211ULL;
	return hash == 0 ? 1 : hash;
}

static struct ops_hash_waiter *line_place(uint64_t who)
{
	return &ops_shared->line[who % OPS_HASH_SEEN];
}

/* In line: refused at least twice, the last time a moment ago. */
static bool line_waiting(const struct ops_hash_waiter *place, int64_t now_ms, int64_t *first_ms)
{
	int64_t last = __atomic_load_n(&place->last_ms, __ATOMIC_SEQ_CST);
	*first_ms = __atomic_load_n(&place->first_ms, __ATOMIC_SEQ_CST);
	return __atomic_load_n(&place->who, __ATOMIC_SEQ_CST) != 0 && last > *first_ms &&
	       last >= now_ms - OPS_HASH_LINE_LIVE_MS;
}

bool ops_hash_line_turn(const char *source, int64_t now_ms)
{
	if (ops_shared == NULL || source == NULL || source[0] == '\0')
		return true;
	uint64_t who = line_who(source);
	const struct ops_hash_waiter *mine = line_place(who);
	int64_t my_first = now_ms, first;
	if (__atomic_load_n(&mine->who, __ATOMIC_SEQ_CST) != who || !line_waiting(mine, now_ms, &my_first))
		my_first = now_ms;
	for (int i = 0; i < OPS_HASH_SEEN; i++) {
		const struct ops_hash_waiter *place = &ops_shared->line[i];
		if (place != mine && line_waiting(place, now_ms, &first) && first < my_first)
			return false; /* someone has been trying longer */
	}
	return true;
}

void ops_hash_line_refused(const char *source, int64_t now_ms)
{
	if (ops_shared == NULL || source == NULL || source[0] == '\0')
		return;
	uint64_t who = line_who(source);
	struct ops_hash_waiter *place = line_place(who);
	if (__atomic_load_n(&place->who, __ATOMIC_SEQ_CST) == who &&
	    __atomic_load_n(&place->last_ms, __ATOMIC_SEQ_CST) >= now_ms - OPS_HASH_LINE_LIVE_MS) {
		__atomic_store_n(&place->last_ms, now_ms, __ATOMIC_SEQ_CST); /* still trying: keeps its place */
		return;
	}
	/* a first refusal, or one after a pause: from now (a racing worker's
	 * write may mix with this one; that costs a place, never the cap) */
	__atomic_store_n(&place->who, who, __ATOMIC_SEQ_CST);
	__atomic_store_n(&place->first_ms, now_ms, __ATOMIC_SEQ_CST);
	__atomic_store_n(&place->last_ms, now_ms, __ATOMIC_SEQ_CST);
}

void ops_hash_line_served(const char *source)
{
	if (ops_shared == NULL || source == NULL || source[0] == '\0')
		return;
	uint64_t who = line_who(source);
	uint64_t expected = who;
	__atomic_compare_exchange_n(&line_place(who)->who, &expected, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

void ops_count_help(void)
{
	if (ops_shared != NULL)
		ADD(ops_shared->counters.helps, 1);
}

void ops_count_order(enum ops_order_status status)
{
	if (ops_shared != NULL && status < OPS_ORDER_STATUSES)
		ADD(ops_shared->counters.orders[status], 1);
}

void ops_count_fraud(const char *action)
{
	static const char *const names[OPS_FRAUD_ACTIONS] = { "allow", "block", "shadow", "review" };
	if (ops_shared == NULL || action == NULL)
		return;
	for (int i = 0; i < OPS_FRAUD_ACTIONS; i++)
		if (strcmp(action, names[i]) == 0)
			ADD(ops_shared->counters.fraud_decisions[i], 1);
}

/* read replica: begin */
void ops_count_read(enum ops_read_door door)
{
	if (ops_shared != NULL && door < OPS_READ_DOORS)
		ADD(ops_shared->counters.db_reads[door], 1);
}

void ops_replica_lag(int64_t lag_s)
{
	if (ops_shared == NULL)
		return;
	__atomic_store_n(&ops_shared->counters.replica_lag_s, lag_s, __ATOMIC_RELAXED);
	ADD(ops_shared->counters.replica_measures, 1);
}
/* read replica: end */
