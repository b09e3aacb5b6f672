/* stats_store.c: the SQL of the campaign counters (campaign_stat,
 * campaign_participant): the one upsert per event that stats.h describes,
 * and the reads behind the dashboard and the daily report
 * (stats_store.h). The reads join the campaign's own tables (campaign,
 * campaign_item) for titles and stock; they write nothing there, and go
 * through db_read(): a read replica may serve them (README, "Primary and
 * read replica"). */
#include "admin/stats.h"
#include "admin/stats_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/log.h"
#include "db/db.h"

static const char *const sql_stat_add =
	"INSERT INTO campaign_stat (campaign_id, hour_start, item_id, shard, local_day, participants, "
	"bargains_started, self_cuts, helps, share_opens, succeeded, orders, cancelled, paid, paid_fen, subsidy_fen, "
	"shipped, refunded, refunded_fen, share_visitors) "
	"VALUES (?, TIMESTAMPADD(SECOND, ?, '1970-01-01'), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	"ON DUPLICATE KEY UPDATE participants = participants + VALUES(participants), "
	"bargains_started = bargains_started + VALUES(bargains_started), self_cuts = self_cuts + VALUES(self_cuts), "
	"helps = helps + VALUES(helps), share_opens = share_opens + VALUES(share_opens), "
	"succeeded = succeeded + VALUES(succeeded), orders = orders + VALUES(orders), "
	"cancelled = cancelled + VALUES(cancelled), paid = paid + VALUES(paid), paid_fen = paid_fen + VALUES(paid_fen), "
	"subsidy_fen = subsidy_fen + VALUES(subsidy_fen), shipped = shipped + VALUES(shipped), "
	"refunded = refunded + VALUES(refunded), refunded_fen = refunded_fen + VALUES(refunded_fen), "
	"share_visitors = share_visitors + VALUES(share_visitors)";

/* The order's own columns give its campaign and amounts. */
static const char *const sql_stat_order =
	"INSERT INTO campaign_stat (campaign_id, hour_start, item_id, shard, local_day, orders, cancelled, paid, "
	"paid_fen, subsidy_fen, shipped, refunded, refunded_fen, bargain_orders, bargain_paid) "
	"SELECT campaign_id, TIMESTAMPADD(SECOND, ?, '1970-01-01'), 0, ?, ?, ?, ?, ?, ? * total_fen, ? * (subtotal_fen - total_fen), ?, ?, "
	"? * total_fen, ? * (bargain_id IS NOT NULL), ? * (bargain_id IS NOT NULL) FROM orders WHERE id = ? "
	"ON DUPLICATE KEY UPDATE orders = orders + VALUES(orders), cancelled = cancelled + VALUES(cancelled), "
	"paid = paid + VALUES(paid), paid_fen = paid_fen + VALUES(paid_fen), "
	"subsidy_fen = subsidy_fen + VALUES(subsidy_fen), shipped = shipped + VALUES(shipped), "
	"refunded = refunded + VALUES(refunded), refunded_fen = refunded_fen + VALUES(refunded_fen), "
	"bargain_orders = bargain_orders + VALUES(bargain_orders), bargain_paid = bargain_paid + VALUES(bargain_paid)";

static const char *const sql_participant_insert =
	"INSERT IGNORE INTO campaign_participant (campaign_id, user_id, created_at) VALUES (?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'))";

static int64_t stats_shard(void)
{
	return (int64_t)(getpid() % STATS_SHARDS);
}

static int64_t hour_of(int64_t when)
{
	return when - when % 3600;
}

void stats_row_key(int64_t now, int64_t *hour, int64_t *shard, char day[11])
{
	*hour = hour_of(now);
	*shard = stats_shard();
	stats_local_day(*hour, day);
}

int stats_add(struct unit *unit, int64_t campaign_id, int64_t item_id, const struct stats_delta *delta)
{
	char day[11];
	int64_t hour = hour_of(unit->now);
	stats_local_day(hour, day);
	return db_exec(unit, NULL, sql_stat_add, "iiiisiiiiiiiiiiiiiii", campaign_id, hour, item_id, stats_shard(), day,
		      delta->participants, delta->bargains_started, delta->self_cuts, delta->helps, delta->share_opens,
		      delta->succeeded, delta->orders, delta->cancelled, delta->paid, delta->paid_fen,
		      delta->subsidy_fen, delta->shipped, delta->refunded, delta->refunded_fen, delta->share_visitors);
}

int stats_bump(struct unit *unit, int64_t campaign_id, int64_t item_id, const char *counter, int64_t amount)
{
	struct stats_delta delta = { 0 };
	if (strcmp(counter, "helps") == 0)
		delta.helps = amount;
	else if (strcmp(counter, "self_cuts") == 0)
		delta.self_cuts = amount;
	else if (strcmp(counter, "share_opens") == 0)
		delta.share_opens = amount;
	else if (strcmp(counter, "share_visitors") == 0)
		delta.share_visitors = amount;
	else if (strcmp(counter, "succeeded") == 0)
		delta.succeeded = amount;
	else if (strcmp(counter, "bargains_started") == 0)
		delta.bargains_started = amount;
	else {
		log_error("stats: no counter named %s", counter); /* a caller's typo: refuse loudly */
		return DB_FAILED;
	}
	return stats_add(unit, campaign_id, item_id, &delta);
}

int stats_bargain_started(struct unit *unit, int64_t campaign_id, int64_t item_id, int64_t user_id)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_participant_insert, "iii", campaign_id, user_id, unit->now);
	if (status != 0)
		return status;
	struct stats_delta delta = { .bargains_started = 1, .participants = rows.affected == 1 ? 1 : 0 };
	return stats_add(unit, campaign_id, item_id, &delta);
}

int stats_order(struct unit *unit, int64_t order_id, enum stats_order_event event)
{
	char day[11];
	int64_t hour = hour_of(unit->now);
	stats_local_day(hour, day);
	int64_t placed = event == STATS_ORDER_PLACED, cancelled = event == STATS_ORDER_CANCELLED;
	int64_t paid = event == STATS_ORDER_PAID, shipped = event == STATS_ORDER_SHIPPED;
	int64_t refunded = event == STATS_ORDER_REFUNDED;
	/* the funnel's bargain steps: bargain orders standing (placed less cancelled) and paid */
	return db_exec(unit, NULL, sql_stat_order, "iisiiiiiiiiiii", hour, stats_shard(), day, placed, cancelled, paid,
		      paid, paid, shipped, refunded, refunded, placed - cancelled, paid, order_id);
}

/* ================================================================ reads */

/* The counters in stats_counter_names' order, after each query's keys. */
#define COUNTER_SUMS                                                                                          \
	"SUM(participants), SUM(bargains_started), SUM(self_cuts), SUM(helps), SUM(share_opens), SUM(succeeded), " \
	"SUM(orders), SUM(cancelled), SUM(paid), SUM(paid_fen), SUM(subsidy_fen), SUM(shipped), SUM(refunded), "   \
	"SUM(refunded_fen), SUM(share_visitors)"

static const char *const sql_stats_campaign =
	"SELECT title, TIMESTAMPDIFF(SECOND, '1970-01-01', starts_at), TIMESTAMPDIFF(SECOND, '1970-01-01', ends_at) FROM campaign WHERE id = ?";
static const char *const sql_stats_by_item =
	"SELECT item_id, " COUNTER_SUMS " FROM campaign_stat WHERE campaign_id = ? GROUP BY item_id";
static const char *const sql_stats_funnel =
	"SELECT SUM(bargain_orders), SUM(bargain_paid) FROM campaign_stat WHERE campaign_id = ?";
static const char *const sql_stats_items =
	"SELECT id, name, original_price_fen, floor_price_fen, stock_total, stock_left, stock_reserved, stock_sold "
	"FROM campaign_item WHERE campaign_id = ? ORDER BY id";
static const char *const sql_stats_hourly =
	"SELECT TIMESTAMPDIFF(SECOND, '1970-01-01', hour_start), SUM(helps), SUM(self_cuts), SUM(share_opens), SUM(bargains_started) "
	"FROM campaign_stat WHERE campaign_id = ? AND hour_start >= TIMESTAMPADD(SECOND, ?, '1970-01-01') GROUP BY hour_start";
static const char *const sql_report =
	"SELECT s.campaign_id, c.title, DATE_FORMAT(s.local_day, '%Y-%m-%d'), " COUNTER_SUMS " "
	"FROM campaign_stat s JOIN campaign c ON c.id = s.campaign_id "
	"WHERE s.local_day BETWEEN ? AND ? AND (? = 0 OR s.campaign_id = ?) "
	"GROUP BY s.local_day, s.campaign_id ORDER BY s.local_day, s.campaign_id";

/* A SUM of no rows is NULL: 0. */
static int64_t sum_at(const struct db_rows *rows, int r, int column)
{
	return db_null(rows, r, column) ? 0 : db_int(rows, r, column);
}

static void counters_from_row(const struct db_rows *rows, int r, int first, struct stats_counters *counters)
{
	for (int i = 0; i < STATS_COUNTERS; i++)
		counters->value[i] = sum_at(rows, r, first + i);
}

static void *array_of(struct unit *unit, size_t size, int count)
{
	return arena_alloc(unit->arena, size * (size_t)(count > 0 ? count : 1));
}

int stats_campaign_load(struct unit *unit, int64_t campaign_id, int64_t first_hour, struct stats_campaign_facts *facts)
{
	memset(facts, 0, sizeof(*facts));
	struct db_rows campaign, by_item, items, hourly, funnel;
	/* read replica: the dashboard may lag the events by db_read_max_lag_s */
	int result = db_read(unit, &campaign, sql_stats_campaign, "i", campaign_id);
	if (result != DB_OK || campaign.row_count != 1)
		return result;
	if ((result = db_read(unit, &by_item, sql_stats_by_item, "i", campaign_id)) != DB_OK ||
	    (result = db_read(unit, &items, sql_stats_items, "i", campaign_id)) != DB_OK ||
	    (result = db_read(unit, &hourly, sql_stats_hourly, "ii", campaign_id, first_hour)) != DB_OK ||
	    (result = db_read(unit, &funnel, sql_stats_funnel, "i", campaign_id)) != DB_OK)
		return result;
	facts->found = true;
	facts->bargain_orders = sum_at(&funnel, 0, 0);
	facts->bargain_paid = sum_at(&funnel, 0, 1);
	facts->title = db_text(&campaign, 0, 0);
	facts->starts_at = db_int(&campaign, 0, 1);
	facts->ends_at = db_int(&campaign, 0, 2);

	facts->by_item = array_of(unit, sizeof(*facts->by_item), by_item.row_count);
	for (int r = 0; r < by_item.row_count; r++) {
		facts->by_item[r].item_id = db_int(&by_item, r, 0);
		counters_from_row(&by_item, r, 1, &facts->by_item[r].counters);
	}
	facts->by_item_count = by_item.row_count;

	facts->items = array_of(unit, sizeof(*facts->items), items.row_count);
	for (int r = 0; r < items.row_count; r++)
		facts->items[r] = (struct stats_item){
			.id = db_int(&items, r, 0),
			.name = db_text(&items, r, 1),
			.original_price_fen = db_int(&items, r, 2),
			.floor_price_fen = db_int(&items, r, 3),
			.stock_total = db_int(&items, r, 4),
			.stock_left = db_int(&items, r, 5),
			.stock_reserved = db_int(&items, r, 6),
			.stock_sold = db_int(&items, r, 7),
		};
	facts->item_count = items.row_count;

	facts->hours = array_of(unit, sizeof(*facts->hours), hourly.row_count);
	for (int r = 0; r < hourly.row_count; r++)
		facts->hours[r] = (struct stats_hour){
			.hour_start = db_int(&hourly, r, 0),
			.helps = sum_at(&hourly, r, 1),
			.self_cuts = sum_at(&hourly, r, 2),
			.share_opens = sum_at(&hourly, r, 3),
			.bargains_started = sum_at(&hourly, r, 4),
		};
	facts->hour_count = hourly.row_count;
	return DB_OK;
}

int stats_report_load(struct unit *unit, const char *from, const char *to, int64_t campaign_id,
		      struct stats_report_row **report, int *count)
{
	struct db_rows rows;
	int result = db_read(unit, &rows, sql_report, "ssii", from, to, campaign_id, campaign_id); /* may lag */
	*report = NULL;
	*count = 0;
	if (result != DB_OK)
		return result;
	*report = array_of(unit, sizeof(**report), rows.row_count);
	for (int r = 0; r < rows.row_count; r++) {
		(*report)[r].campaign_id = db_int(&rows, r, 0);
		(*report)[r].title = db_text(&rows, r, 1);
		(*report)[r].date = db_text(&rows, r, 2);
		counters_from_row(&rows, r, 3, &(*report)[r].counters);
	}
	*count = rows.row_count;
	return DB_OK;
}
