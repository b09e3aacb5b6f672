/* ops.h: what operators watch, shared by the master and every worker.
 *
 * The master maps one anonymous shared segment before its first fork
 * (ops_shared_create); every worker it forks inherits it. The segment
 * holds
 *   - the counters /metrics serves (requests by route and status, their
 *     durations, statements, database errors, business events), kept as
 *     sums over all workers: each worker adds with atomic adds, and since
 *     the segment belongs to the master a restarted worker loses nothing;
 *   - one status slot per live worker (pid, idle or busy, requests served,
 *     the route and statement running, since when), which the status page
 *     shows and the master reads to kill a worker past request_timeout_s;
 *   - the password-hash cap: a worker hashes only while fewer than the cap
 *     hold a hash token; the master frees a dead worker's token.
 *
 * Without the segment (the command-line tools, unit tests) every call is a
 * no-op and the cap lets everyone through. */
#ifndef KANJIA_OPS_H
#define KANJIA_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Workers alive at once, draining generations included. */
#define OPS_SLOTS_MAX 1024
/* Routes the counters have room for (more are counted as "other"). */
#define OPS_ROUTES_MAX 255
#define OPS_STATEMENT_SHOWN 120
#define OPS_DB_ERROR_CODES 32
/* The duration histogram's upper bounds, in microseconds. */
#define OPS_BUCKETS 13
/* Statements of one request the slow-request log lists (more are summed). */
#define OPS_TRACE_MAX 32
#define OPS_TRACE_SQL_SHOWN 60

enum ops_worker_state { OPS_EMPTY = 0, OPS_STARTING, OPS_IDLE, OPS_BUSY };

enum ops_order_status { OPS_ORDER_CREATED, OPS_ORDER_PAID, OPS_ORDER_CANCELLED, OPS_ORDER_STATUSES };
enum ops_fraud_action { OPS_FRAUD_ALLOW, OPS_FRAUD_BLOCK, OPS_FRAUD_SHADOW, OPS_FRAUD_REVIEW, OPS_FRAUD_ACTIONS };
/* read replica: where a db_read() ran (db/db.h) when db_read_host is set:
 * the replica, or the primary because the replica was down, lagging (or
 * not measurably replicating), or refused the statement. */
enum ops_read_door { OPS_READ_REPLICA, OPS_READ_PRIMARY_DOWN, OPS_READ_PRIMARY_LAG, OPS_READ_PRIMARY_ERROR, OPS_READ_DOORS };

/* One worker's status, written by that worker, read by the master and the
 * status page. Plain fields written by one process and read racily: a
 * reader may see a request's start a moment late, never a torn counter
 * that matters. */
struct ops_worker {
	pid_t pid;           /* 0: empty slot */
	int generation;
	int state;           /* enum ops_worker_state */
	int route;           /* route index of the running request, -1: not routed yet */
	int hashing;         /* holds a password-hash token */
	int timed_out;       /* the master killed it for request_timeout_s */
	int64_t started_at;  /* epoch seconds */
	int64_t requests;    /* served by this worker */
	int64_t busy_since;  /* monotonic microseconds; 0 when idle */
	char method[8];
	char statement[OPS_STATEMENT_SHOWN + 1]; /* the statement running now, "" if none */
};

/* The counters. Every field only grows, by atomic adds. */
struct ops_counters {
	int64_t started_at; /* epoch seconds: the master's start */
	uint64_t accepted;
	uint64_t slow_requests;
	uint64_t timeouts;
	uint64_t shed;
	uint64_t worker_restarts;
	uint64_t db_statements;
	uint64_t db_errors_other;
	uint32_t db_error_code[OPS_DB_ERROR_CODES]; /* claimed by compare-and-swap, 0: free */
	uint64_t db_errors[OPS_DB_ERROR_CODES];
	uint64_t helps;
	uint64_t orders[OPS_ORDER_STATUSES];
	uint64_t fraud_decisions[OPS_FRAUD_ACTIONS];
	/* read replica: begin */
	uint64_t db_reads[OPS_READ_DOORS];
	int64_t replica_lag_s;       /* the last measure by any worker, -1: unknown */
	int64_t replica_measures;    /* how many measures so far (0: never, no gauge shown) */
	/* read replica: end */
	/* per route (index OPS_ROUTES_MAX: no route matched or the table is full) */
	uint64_t requests[OPS_ROUTES_MAX + 1][32];  /* by ops_status_index() */
	uint64_t duration_buckets[OPS_ROUTES_MAX + 1][OPS_BUCKETS];
	uint64_t duration_count[OPS_ROUTES_MAX + 1];
	uint64_t duration_sum_us[OPS_ROUTES_MAX + 1];
};

/* Addresses the hashing cap refused (ops_hash_line_turn), one place per
 * address hash (a newer address takes the place): who (0 free), when it
 * was first refused and when last. Read and written with atomics. */
#define OPS_HASH_SEEN 4096
#define OPS_HASH_LINE_LIVE_MS 300 /* refused again within this: still trying */
struct ops_hash_waiter {
	uint64_t who;
	int64_t first_ms, last_ms;
};

struct ops_shared {
	int64_t hash_cap;
	int slot_high; /* slots below this index may be in use */
	struct ops_counters counters;
	struct ops_worker workers[OPS_SLOTS_MAX];
	struct ops_hash_waiter line[OPS_HASH_SEEN];
};

/* The segment, or NULL in a process without one. */
extern struct ops_shared *ops_shared;

extern const int64_t ops_bucket_bounds_us[OPS_BUCKETS];
/* The statuses the counters tell apart; any other counts as its class's
 * last entry (0 at index 31: "other"). */
extern const int ops_status_codes[32];

/* ----------------------------------------------------------- the master */

/* Maps the segment (before the first fork). hash_cap: how many workers may
 * hash a password at once. Returns 0, or -1 (logged). */
int ops_shared_create(int64_t hash_cap);
/* Changes the cap (on reload). */
void ops_set_hash_cap(int64_t hash_cap);
/* Claims a free worker slot before a fork; returns its index, or -1 when
 * every slot is taken (the worker then runs without one). */
int ops_slot_claim(int generation);
/* The master's side after the fork. */
void ops_slot_started(int slot, pid_t pid);
/* Gives back a slot whose fork failed. */
void ops_slot_release(int slot);
/* Frees the slot of a worker that ended (its hash token with it); counts a
 * restart when restarted is true. */
void ops_worker_ended(pid_t pid, bool restarted);

/* ----------------------------------------------------------- the worker */

/* In the child after the fork: this process writes into slot (may be -1). */
void ops_worker_attach(int slot);
/* A request was accepted. */
void ops_request_begin(void);
/* The request's route is known (its index from ops_route_index). */
void ops_request_routed(int route, const char *method);
/* The request was answered with status after micros. */
void ops_request_end(int route, int status, int64_t micros, bool slow);
/* The worker is idle again (after the answer was flushed). */
void ops_request_idle(void);
/* A statement starts; sql is shown on the status page while it runs. */
void ops_statement_begin(const char *sql);
/* It ended with error_number (0: fine). */
void ops_statement_end(unsigned int error_number);
/* Forgets the statements recorded so far (at a request's start). */
void ops_trace_reset(void);
/* Writes the request's statements, in order, with their times ("#1 0.412 ms:
 * SELECT ...; #2 ..."), into out[size]; returns how many ran. SQL text
 * only: parameters are never shown. */
int ops_trace_format(char *out, size_t size);
/* The pool refused a request to keep its promises (503 with Retry-After). */
void ops_count_shed(void);

/* Takes a password-hash token. Returns false when the cap is reached: the
 * caller answers 503 with Retry-After instead of hashing. */
bool ops_hash_acquire(void);
void ops_hash_release(void);

/* A line in front of the cap, so that a flood from ever new addresses
 * cannot starve a login that keeps trying from one (a token goes to
 * whoever asks when it frees, and a flood asks a thousand times as often).
 * An address refused twice, the second time within OPS_HASH_LINE_LIVE_MS
 * of the one before, is in line, from its first refusal, for as long as it
 * keeps trying that often; a login (source: its address, "" takes no part;
 * now_ms: a monotonic clock) may try for a token only when no other
 * address has been in line longer. A flood of addresses that never come
 * back never gets in line. A refused login calls ops_hash_line_refused(),
 * one that got its token ops_hash_line_served(). */
bool ops_hash_line_turn(const char *source, int64_t now_ms);
void ops_hash_line_refused(const char *source, int64_t now_ms);
void ops_hash_line_served(const char *source);

/* Business events, counted after their transaction committed. */
void ops_count_help(void);
void ops_count_order(enum ops_order_status status);
/* action: "allow", "block", "shadow" or "review" (others are not counted). */
void ops_count_fraud(const char *action);
/* read replica: a db_read() ran behind door; a worker measured its replica
 * lag_s seconds behind (-1: unknown, not replicating or unreachable). */
void ops_count_read(enum ops_read_door door);
void ops_replica_lag(int64_t lag_s);

/* The index of status in ops_status_codes (31 for any other). */
int ops_status_index(int status);

#endif
