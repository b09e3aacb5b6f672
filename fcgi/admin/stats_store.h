/* stats_store.h: the reads of the campaign counters, for the dashboard and
 * the daily report. (The writes, one upsert per event, are declared in
 * stats.h, where every feature that counts finds them; both live in
 * stats_store.c, the only SQL on campaign_stat and campaign_participant.)
 *
 * Each returns DB_OK or a door code; the results are the unit arena's. */
#ifndef KANJIA_STATS_STORE_H
#define KANJIA_STATS_STORE_H

#include <stdbool.h>
#include <stdint.h>

struct unit;

/* The counters of stats_delta, in stats_counter_names' order. */
#define STATS_COUNTERS 15
struct stats_counters {
	int64_t value[STATS_COUNTERS];
};

struct stats_item {
	int64_t id;
	const char *name;
	int64_t original_price_fen, floor_price_fen;
	int64_t stock_total, stock_left, stock_reserved, stock_sold;
};

/* The sums of one item's rows (item 0: the orders' campaign-wide rows). */
struct stats_item_sums {
	int64_t item_id;
	struct stats_counters counters;
};

/* The sums of one hour with events. */
struct stats_hour {
	int64_t hour_start;
	int64_t helps, self_cuts, share_opens, bargains_started;
};

/* What the dashboard of one campaign is made of. */
struct stats_campaign_facts {
	bool found; /* false: no such campaign (and nothing else was read) */
	const char *title;
	int64_t starts_at, ends_at;
	struct stats_item_sums *by_item;
	int by_item_count;
	struct stats_item *items; /* the campaign's items by id */
	int item_count;
	struct stats_hour *hours; /* hours from first_hour on that have events */
	int hour_count;
	/* The funnel's bargain steps: orders of a bargain standing (placed, not cancelled) and paid
	 * (the campaign's orders count every order, bargain or not). */
	int64_t bargain_orders, bargain_paid;
};

/* Reads the campaign's title and window, its counters summed per item,
 * its items' stock and its hourly sums from first_hour on into *facts
 * (OUT). Through db_read(): the read replica's when one is set. */
int stats_campaign_load(struct unit *unit, int64_t campaign_id, int64_t first_hour,
			struct stats_campaign_facts *facts);

/* One row of the daily report: a campaign's counters on one local day. */
struct stats_report_row {
	const char *date; /* "YYYY-MM-DD" */
	int64_t campaign_id;
	const char *title;
	struct stats_counters counters;
};

/* The report's rows from from to to (validated dates, inclusive), of one
 * campaign or all (campaign_id 0), by day then campaign: *rows (OUT) and
 * *count (OUT). Through db_read(), like the above. */
int stats_report_load(struct unit *unit, const char *from, const char *to, int64_t campaign_id,
		      struct stats_report_row **rows, int *count);

#endif
