/* stats.c: the campaign counters (stats.h): one upsert per event. */
#include "admin/stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "db/db.h"
#include "core/log.h"
#include "core/outcome.h"

static const char *const sql_stat_add =
	"INSERT INTO campaign_stat (campaign_id, hour_start, item_id, shard, local_day, participants, "
	"bargains_started, self_cuts, helps, share_opens, succeeded, orders, cancelled, paid, paid_fen, subsidy_fen, "
	"shipped, refunded, refunded_fen) VALUES (?, FROM_UNIXTIME(?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	"ON DUPLICATE KEY UPDATE participants = participants + VALUES(participants), "
	"bargains_started = bargains_started + VALUES(bargains_started), self_cuts = self_cuts + VALUES(self_cuts), "
	"helps = helps + VALUES(helps), share_opens = share_opens + VALUES(share_opens), "
	"succeeded = succeeded + VALUES(succeeded), orders = orders + VALUES(orders), "
	"cancelled = cancelled + VALUES(cancelled), paid = paid + VALUES(paid), paid_fen = paid_fen + VALUES(paid_fen), "
	"subsidy_fen = subsidy_fen + VALUES(subsidy_fen), shipped = shipped + VALUES(shipped), "
	"refunded = refunded + VALUES(refunded), refunded_fen = refunded_fen + VALUES(refunded_fen)";

/* The order's own columns give its campaign and amounts. */
static const char *const sql_stat_order =
	"INSERT INTO campaign_stat (campaign_id, hour_start, item_id, shard, local_day, orders, cancelled, paid, "
	"paid_fen, subsidy_fen, shipped, refunded, refunded_fen) "
	"SELECT campaign_id, FROM_UNIXTIME(?), 0, ?, ?, ?, ?, ?, ? * total_fen, ? * (subtotal_fen - total_fen), ?, ?, "
	"? * total_fen FROM orders WHERE id = ? "
	"ON DUPLICATE KEY UPDATE orders = orders + VALUES(orders), cancelled = cancelled + VALUES(cancelled), "
	"paid = paid + VALUES(paid), paid_fen = paid_fen + VALUES(paid_fen), "
	"subsidy_fen = subsidy_fen + VALUES(subsidy_fen), shipped = shipped + VALUES(shipped), "
	"refunded = refunded + VALUES(refunded), refunded_fen = refunded_fen + VALUES(refunded_fen)";

static const char *const sql_participant_insert =
	"INSERT IGNORE INTO campaign_participant (campaign_id, user_id, created_at) VALUES (?, ?, FROM_UNIXTIME(?))";

void stats_local_day(int64_t when, char out[11])
{
	time_t seconds = (time_t)when;
	struct tm local;
	localtime_r(&seconds, &local);
	strftime(out, 11, "%Y-%m-%d", &local);
}

static int64_t stats_shard(void)
{
	return (int64_t)(getpid() % STATS_SHARDS);
}

static int64_t hour_of(int64_t when)
{
	return when - when % 3600;
}

int stats_add(struct unit *unit, int64_t campaign_id, int64_t item_id, const struct stats_delta *delta)
{
	char day[11];
	int64_t hour = hour_of(unit->now);
	stats_local_day(hour, day);
	return db_exec(unit, NULL, sql_stat_add, "iiiisiiiiiiiiiiiiii", campaign_id, hour, item_id, stats_shard(), day,
		      delta->participants, delta->bargains_started, delta->self_cuts, delta->helps, delta->share_opens,
		      delta->succeeded, delta->orders, delta->cancelled, delta->paid, delta->paid_fen,
		      delta->subsidy_fen, delta->shipped, delta->refunded, delta->refunded_fen);
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
	return db_exec(unit, NULL, sql_stat_order, "iisiiiiiiiii", hour, stats_shard(), day, placed, cancelled, paid,
		      paid, paid, shipped, refunded, refunded, order_id);
}

/* ==================================================== the report's text */

int stats_date_parse(const char *text, int64_t *days)
{
	int year, month, day;
	char tail;
	if (text == NULL || strlen(text) != 10 || text[4] != '-' || text[7] != '-' ||
	    sscanf(text, "%4d-%2d-%2d%c", &year, &month, &day, &tail) != 3 || year < 2000 || year > 2200 ||
	    month < 1 || month > 12 || day < 1 || day > 31)
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9'))
			return -1;
	struct tm tm = { .tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day, .tm_hour = 12 };
	time_t at = timegm(&tm);
	struct tm back;
	gmtime_r(&at, &back);
	if (back.tm_mday != day)
		return -1;
	*days = (int64_t)(at / 86400);
	return 0;
}

void stats_csv_init(struct stats_csv *csv, struct arena *arena)
{
	csv->arena = arena;
	csv->size = 4096;
	csv->used = 0;
	csv->text = arena_alloc(arena, csv->size);
	csv->text[0] = '\0';
}

void stats_csv_raw(struct stats_csv *csv, const char *text, size_t length)
{
	if (csv->used + length + 1 > csv->size) {
		size_t grown = (csv->size + length + 1) * 2;
		char *bigger = arena_alloc(csv->arena, grown);
		memcpy(bigger, csv->text, csv->used);
		csv->text = bigger;
		csv->size = grown;
	}
	memcpy(csv->text + csv->used, text, length);
	csv->used += length;
	csv->text[csv->used] = '\0';
}

void stats_csv_text(struct stats_csv *csv, const char *text)
{
	stats_csv_raw(csv, "\"", 1);
	if (text[0] != '\0' && strchr("=+-@\t\r", text[0]) != NULL)
		stats_csv_raw(csv, "'", 1);
	for (const char *c = text; *c != '\0'; c++)
		stats_csv_raw(csv, *c == '"' ? "\"\"" : c, *c == '"' ? 2 : 1);
	stats_csv_raw(csv, "\"", 1);
}

void stats_csv_number(struct stats_csv *csv, int64_t value, bool yuan)
{
	char text[32];
	int length = yuan ? snprintf(text, sizeof(text), ",%s%lld.%02lld", value < 0 ? "-" : "",
				     (long long)(llabs(value) / 100), (long long)(llabs(value) % 100))
			  : snprintf(text, sizeof(text), ",%lld", (long long)value);
	stats_csv_raw(csv, text, (size_t)length);
}
