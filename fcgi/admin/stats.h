/* stats.h: the campaign counters behind the admin dashboard and the daily
 * report (issue 7), kept in step with the events.
 *
 * Every event that the dashboard counts (a bargain started, a self-cut, a
 * help, a share open, a success, an order placed, cancelled, paid, shipped,
 * refunded) adds to one campaign_stat row (sql/006_stats.sql) with ONE
 * upsert, inside the transaction that records the event: the counters
 * exist exactly when the events do, and their sums equal counts over the
 * event tables. Rows are per campaign, item, UTC hour and shard; the shard
 * is the worker's own (pid modulo STATS_SHARDS), so two workers never wait
 * on one counter row, and no counter is ever written to a hot bargain or
 * item row. Reading the numbers of a campaign with a million helps sums a
 * few thousand rows at most.
 *
 * Lock order: callers bump before they touch item rows (stock) and before
 * the hot bargain row, so the counter row is never waited for while a hot
 * row is held. */
#ifndef KANJIA_STATS_H
#define KANJIA_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATS_SHARDS 64
#define STATS_HOURS 48         /* the dashboard's helps-per-hour chart */
#define STATS_REPORT_DAYS_MAX 366

#include "admin/stats_store.h"

struct unit;

/* What one event adds; fields left 0 add nothing. */
struct stats_delta {
	int64_t participants, bargains_started, self_cuts, helps, share_opens, succeeded;
	int64_t orders, cancelled, paid, paid_fen, subsidy_fen, shipped, refunded, refunded_fen;
	int64_t share_visitors; /* new visitors of share landings (bargain/share_count.h) */
};

/* The writes below are stats_store.c's. */

/* Adds delta to the counters of campaign_id and item_id (0: campaign-wide)
 * in the current hour. Returns DB_OK or a door code (DB_RETRY inside a
 * transaction). */
int stats_add(struct unit *unit, int64_t campaign_id, int64_t item_id, const struct stats_delta *delta);

/* The same for one counter, by its column name ("helps", "self_cuts",
 * "share_opens", "share_visitors", "succeeded", "bargains_started"). */
int stats_bump(struct unit *unit, int64_t campaign_id, int64_t item_id, const char *counter, int64_t amount);

/* A bargain started: bargains_started + 1, and participants + 1 when it is
 * user_id's first bargain in the campaign (one campaign_participant row per
 * shopper and campaign). Returns DB_OK or a door code. */
int stats_bargain_started(struct unit *unit, int64_t campaign_id, int64_t item_id, int64_t user_id);

enum stats_order_event {
	STATS_ORDER_PLACED,
	STATS_ORDER_CANCELLED,
	STATS_ORDER_PAID, /* paid + 1, paid_fen + total, subsidy_fen + (subtotal - total) */
	STATS_ORDER_SHIPPED,
	STATS_ORDER_REFUNDED, /* refunded + 1, refunded_fen + total */
};

/* An order event, counted for the order's campaign (read from the order
 * row, which the caller's transaction has just written and so holds).
 * Returns DB_OK or a door code. */
int stats_order(struct unit *unit, int64_t order_id, enum stats_order_event event);

/* The shop's calendar day of when as "YYYY-MM-DD" in out[11] (config
 * timezone, which the worker made the process's zone). */
void stats_local_day(int64_t when, char out[11]);
/* The keys of the campaign_stat row an event at now counts in: its hour,
 * this worker's shard and the shop's local day (OUT), for writes that send
 * the bump inside a procedure (help_apply, sql/025_help_lighter.sql). */
void stats_row_key(int64_t now, int64_t *hour, int64_t *shard, char day[11]);

/* -------------------------------------------------------- the dashboard */

/* The counters' names, in struct stats_counters' order (the API's keys). */
extern const char *const stats_counter_names[STATS_COUNTERS];

/* One hour of the chart. */
struct stats_hour_view {
	int64_t hour_start;
	int64_t helps, self_cuts, share_opens, bargains_started;
};

/* The dashboard of one campaign, decided from its facts. */
struct stats_campaign_view {
	struct stats_campaign_facts facts;
	struct stats_counters totals;      /* every item's rows and the orders' */
	struct stats_counters *item_sums;  /* per facts.items[i]; zeros without rows */
	struct stats_hour_view hours[STATS_HOURS]; /* oldest first, empty hours 0 */
};

/* The first hour of the chart for now. */
int64_t stats_first_hour(int64_t now);
/* Pure: adds up facts into *view (OUT; item_sums has facts->item_count
 * entries, given by the caller). */
void stats_campaign_sum(const struct stats_campaign_facts *facts, int64_t first_hour, struct stats_campaign_view *view,
			struct stats_counters *item_sums);
/* GET /admin/campaigns/{id}/stats: load, then stats_campaign_sum(). Returns
 * DB_OK with *view (OUT; the arena's), OUT_NOT_FOUND, or a door code. */
int stats_campaign(struct unit *unit, int64_t campaign_id, struct stats_campaign_view *view);

/* GET /admin/reports/daily: the rows from from to to (dates checked with
 * stats_date_parse and at most STATS_REPORT_DAYS_MAX days apart by the
 * caller). */
int stats_daily_report(struct unit *unit, const char *from, const char *to, int64_t campaign_id,
		       struct stats_report_row **rows, int *count);

/* ---------------------------------------------- the daily report's text */

struct arena;

/* "YYYY-MM-DD" as a day count since 1970-01-01 in *days (OUT), for range
 * checks. Returns 0, or -1 for anything else (2026-02-30 included). */
int stats_date_parse(const char *text, int64_t *days);

/* A CSV text growing in an arena (RFC 4180: CRLF lines, quoted fields). */
struct stats_csv {
	struct arena *arena;
	char *text; /* NUL-terminated, the arena's */
	size_t used, size;
};

void stats_csv_init(struct stats_csv *csv, struct arena *arena);
/* Appends length bytes as they are (separators, line ends, the BOM). */
void stats_csv_raw(struct stats_csv *csv, const char *text, size_t length);
/* Appends text as one quoted field with its quotes doubled; a leading
 * = + - @ tab or CR (a formula to a spreadsheet) gets an apostrophe first,
 * so a campaign title can never run in Excel. */
void stats_csv_text(struct stats_csv *csv, const char *text);
/* Appends ",value", as yuan with two decimals ("12.34") when yuan. */
void stats_csv_number(struct stats_csv *csv, int64_t value, bool yuan);

#endif
