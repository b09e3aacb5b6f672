/* stats.c: the admin console's numbers (stats.h): the dashboard of a
 * campaign and the daily report, loaded through stats_store.c and added up
 * in pure code; the report's dates and CSV text; the shop's local day. */
#include "admin/stats.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/outcome.h"
#include "db/db.h"

const char *const stats_counter_names[STATS_COUNTERS] = {
	"participants", "bargains_started", "self_cuts", "helps", "share_opens", "succeeded", "orders",
	"cancelled", "paid", "paid_fen", "subsidy_fen", "shipped", "refunded", "refunded_fen", "share_visitors",
};

void stats_local_day(int64_t when, char out[11])
{
	time_t seconds = (time_t)when;
	struct tm local;
	localtime_r(&seconds, &local);
	strftime(out, 11, "%Y-%m-%d", &local);
}

/* ======================================================== the dashboard */

int64_t stats_first_hour(int64_t now)
{
	return now - now % 3600 - (STATS_HOURS - 1) * 3600;
}

void stats_campaign_sum(const struct stats_campaign_facts *facts, int64_t first_hour, struct stats_campaign_view *view,
			struct stats_counters *item_sums)
{
	memset(view, 0, sizeof(*view));
	view->facts = *facts;
	view->item_sums = item_sums;
	/* The campaign's totals: the items' rows and the orders' (item 0) added up. */
	for (int r = 0; r < facts->by_item_count; r++)
		for (int i = 0; i < STATS_COUNTERS; i++)
			view->totals.value[i] += facts->by_item[r].counters.value[i];
	for (int k = 0; k < facts->item_count; k++) {
		memset(&item_sums[k], 0, sizeof(item_sums[k]));
		for (int r = 0; r < facts->by_item_count; r++)
			if (facts->by_item[r].item_id == facts->items[k].id)
				item_sums[k] = facts->by_item[r].counters;
	}
	/* The last STATS_HOURS hours, oldest first, hours without events as 0. */
	for (int h = 0; h < STATS_HOURS; h++) {
		struct stats_hour_view *hour = &view->hours[h];
		hour->hour_start = first_hour + (int64_t)h * 3600;
		for (int r = 0; r < facts->hour_count; r++) {
			if (facts->hours[r].hour_start != hour->hour_start)
				continue;
			hour->helps = facts->hours[r].helps;
			hour->self_cuts = facts->hours[r].self_cuts;
			hour->share_opens = facts->hours[r].share_opens;
			hour->bargains_started = facts->hours[r].bargains_started;
		}
	}
}

int stats_campaign(struct unit *unit, int64_t campaign_id, struct stats_campaign_view *view)
{
	struct stats_campaign_facts facts;
	int64_t first_hour = stats_first_hour(unit->now);
	int result = stats_campaign_load(unit, campaign_id, first_hour, &facts);
	if (result != DB_OK)
		return result;
	if (!facts.found)
		return OUT_NOT_FOUND;
	struct stats_counters *item_sums =
		arena_alloc(unit->arena, sizeof(*item_sums) * (size_t)(facts.item_count > 0 ? facts.item_count : 1));
	stats_campaign_sum(&facts, first_hour, view, item_sums);
	return DB_OK;
}

int stats_daily_report(struct unit *unit, const char *from, const char *to, int64_t campaign_id,
		       struct stats_report_row **rows, int *count)
{
	assert(from != NULL && to != NULL && campaign_id >= 0);
	return stats_report_load(unit, from, to, campaign_id, rows, count);
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
