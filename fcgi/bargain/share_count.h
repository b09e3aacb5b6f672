/* share_count.h: share opens counted without a commit per landing.
 *
 * The share landing (GET /s/{code}) is the most requested URL of a
 * campaign. Each worker notes its opens (and their anti-fraud events, when
 * the rules allowed them) in memory and writes them in one transaction:
 * when SHARE_FLUSH_OPENS are waiting, when the oldest has waited
 * SHARE_FLUSH_MS, and when the worker stops gracefully (server/worker.c
 * calls share_count_flush between requests, on idle ticks and at exit).
 *
 * Counting (issue 12): an open belongs to a visitor, its device id if the
 * client sent one, else its address. Per bargain and shop day a visitor is
 * one share_open row and counts once in share_visitors; its opens count in
 * share_opens up to SHARE_OPENS_PER_VISITOR (the per-source bound: a burst
 * from one source adds at most that many opens to a bargain's day).
 *
 * What a crash can lose: a worker killed with SIGKILL (or a machine that
 * dies) loses the opens it had not written yet, at most SHARE_FLUSH_MS of
 * its landings (or SHARE_FLUSH_OPENS of them), and their allowed anti-fraud
 * events. Only opens: helps and orders never pass through here. The
 * dashboard is exact to within that window. Anti-fraud decisions other
 * than allow (review, shadow, block) are written at once, not batched. */
#ifndef KANJIA_SHARE_COUNT_H
#define KANJIA_SHARE_COUNT_H

#include <stdbool.h>
#include <stdint.h>

#define SHARE_FLUSH_MS 250
#define SHARE_FLUSH_OPENS 200
#define SHARE_PENDING_MAX (SHARE_FLUSH_OPENS * 4) /* room while the database is away */
#define SHARE_OPENS_PER_VISITOR 10                /* per bargain per shop day */
#define SHARE_VISITOR_MAX 160                     /* "d:" + device id, or "a:" + address */

struct unit;
struct fraud_event_row;

/* One landing to count. */
struct share_open_note {
	int64_t bargain_id, campaign_id, item_id;
	int64_t day_start; /* the shop day's first second (epoch) */
	int64_t at;
	const char *client_ip;
	const char *device_id; /* NULL or "": none */
};

/* The visitor key of an open: "d:<device id>" when the client sent one,
 * else "a:<address>"; cut to SHARE_VISITOR_MAX - 1 bytes. */
void share_visitor_key(const char *device_id, const char *client_ip, char key[SHARE_VISITOR_MAX]);

/* A visitor's opens of a bargain's day after arriving more opens, when it
 * had before (0: a new visitor): the bound applied. Pure. */
int64_t share_opens_after(int64_t before, int64_t arriving);

/* Notes an open, and event (NULL: none to write, e.g. already written)
 * with the request id. Copies what it keeps. Returns false when the
 * pending list is full (the database has been away): the open is dropped
 * and logged. */
bool share_count_note(const struct share_open_note *open, const struct fraud_event_row *event,
		      const char *request_id);

/* True when a flush is due at now_us (clock_micros()). */
bool share_count_due(int64_t now_us);
/* Milliseconds until a flush is due (0: now), or -1 when nothing waits. */
int64_t share_count_wait_ms(int64_t now_us);
/* Opens waiting to be written. */
int share_count_pending(void);

/* Writes what waits in one transaction: the events, the visitors' rows and
 * the counters. On failure the opens stay for the next flush. Returns
 * DB_OK or a door code. */
int share_count_flush(struct unit *unit);

#endif
