/* stats_routes.c: the admin console's numbers (issue 7, API.md "Admin"):
 * a campaign's live stats and the daily report (JSON or CSV); the exact-cut
 * plan preview lives in bargain/bargain_routes.c. The stats are read from the counters stats.c keeps in step
 * with the events, never counted over the event tables, so they answer in
 * milliseconds on a campaign with a million helps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/crypto.h"
#include "bargain/cut.h"
#include "core/money.h"
#include "db/db.h"
#include "admin/stats_routes.h"
#include "admin/stats.h"

/* Sets the counters on object under their API names. */
static void counters_set(json_t *object, const struct stats_counters *counters)
{
	for (int i = 0; i < STATS_COUNTERS; i++)
		json_object_set_new(object, stats_counter_names[i], json_integer((json_int_t)counters->value[i]));
}

/* ================================================================ stats */

/* The counters an item shows: bargains_started .. succeeded, share_visitors. */
static const int item_counters[] = { 1, 2, 3, 4, 5, 14 };

/* GET /api/v1/admin/campaigns/{id}/stats */
static int admin_campaign_stats(struct request *request)
{
	int64_t campaign_id = http_path_id(request, 0);
	struct stats_campaign_view view;
	int status = http_outcome(request, stats_campaign(&request->work, campaign_id, &view));
	if (status != 0)
		return status;
	json_t *reply = json_pack("{s:I, s:s, s:o, s:o, s:o}", "campaign_id", (json_int_t)campaign_id, "title",
				  view.facts.title, "starts_at", http_time(view.facts.starts_at), "ends_at",
				  http_time(view.facts.ends_at), "generated_at", http_time(request->work.now));
	counters_set(reply, &view.totals);
	json_object_set_new(reply, "bargain_orders", json_integer((json_int_t)view.facts.bargain_orders));
	json_object_set_new(reply, "bargain_paid", json_integer((json_int_t)view.facts.bargain_paid));

	json_t *list = json_array();
	json_object_set_new(reply, "items", list);
	for (int k = 0; k < view.facts.item_count; k++) {
		const struct stats_item *item = &view.facts.items[k];
		json_t *entry = json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "id", (json_int_t)item->id, "name",
					  item->name, "original_price_fen", (json_int_t)item->original_price_fen,
					  "floor_price_fen", (json_int_t)item->floor_price_fen, "stock_total",
					  (json_int_t)item->stock_total, "stock_left", (json_int_t)item->stock_left,
					  "stock_reserved", (json_int_t)item->stock_reserved, "stock_sold",
					  (json_int_t)item->stock_sold);
		for (size_t i = 0; i < sizeof(item_counters) / sizeof(item_counters[0]); i++)
			json_object_set_new(entry, stats_counter_names[item_counters[i]],
					    json_integer((json_int_t)view.item_sums[k].value[item_counters[i]]));
		json_array_append_new(list, entry);
	}

	json_t *hours = json_array();
	json_object_set_new(reply, "hourly", hours);
	for (int h = 0; h < STATS_HOURS; h++) {
		const struct stats_hour_view *hour = &view.hours[h];
		json_array_append_new(hours, json_pack("{s:o, s:I, s:I, s:I, s:I}", "hour", http_time(hour->hour_start),
						       "helps", (json_int_t)hour->helps, "self_cuts",
						       (json_int_t)hour->self_cuts, "share_opens",
						       (json_int_t)hour->share_opens, "bargains_started",
						       (json_int_t)hour->bargains_started));
	}
	return http_reply(request, 200, reply);
}

/* ========================================================= daily report */

static int report_csv(struct request *request, const char *from, const char *to, const struct stats_report_row *rows,
		      int count)
{
	struct stats_csv out;
	stats_csv_init(&out, &request->arena);
	stats_csv_raw(&out, "\xEF\xBB\xBF", 3); /* BOM: Excel reads UTF-8 */
	for (size_t i = 0; i < http_report_csv_header_count; i++) {
		if (i > 0)
			stats_csv_raw(&out, ",", 1);
		stats_csv_raw(&out, http_report_csv_headers[i], strlen(http_report_csv_headers[i]));
	}
	stats_csv_raw(&out, "\r\n", 2);
	for (int r = 0; r < count; r++) {
		stats_csv_raw(&out, rows[r].date, strlen(rows[r].date));
		stats_csv_number(&out, rows[r].campaign_id, false);
		stats_csv_raw(&out, ",", 1);
		stats_csv_text(&out, rows[r].title);
		for (int i = 0; i < STATS_COUNTERS; i++)
			stats_csv_number(&out, rows[r].counters.value[i], strstr(stats_counter_names[i], "_fen") != NULL);
		stats_csv_raw(&out, "\r\n", 2);
	}
	char disposition[96];
	snprintf(disposition, sizeof(disposition), "attachment; filename=\"kanjia-daily-%s-%s.csv\"", from, to);
	http_header_add(request, "Content-Disposition", disposition);
	http_header_add(request, "Cache-Control", "no-store");
	request->raw_body = out.text;
	request->raw_body_size = out.used;
	request->reply_type = "text/csv; charset=utf-8";
	return 200;
}

/* GET /api/v1/admin/reports/daily?from=YYYY-MM-DD&to=YYYY-MM-DD[&campaign_id=]
 * per campaign and shop-local day; CSV (UTF-8 with BOM, CRLF, money in
 * yuan) when the client accepts text/csv or asks ?format=csv. */
static int admin_report_daily(struct request *request)
{
	const char *from = http_query_param(request, "from"), *to = http_query_param(request, "to");
	const char *campaign_text = http_query_param(request, "campaign_id");
	const char *format = http_query_param(request, "format");
	int64_t from_days, to_days, campaign_id = 0;
	if (stats_date_parse(from, &from_days) != 0 || stats_date_parse(to, &to_days) != 0)
		return http_error_detail(request, 400, "invalid_field", "query.dates");
	if (to_days < from_days || to_days - from_days >= STATS_REPORT_DAYS_MAX)
		return http_error_detail(request, 400, "invalid_field", "report.range", STATS_REPORT_DAYS_MAX);
	if (campaign_text != NULL) {
		char *end;
		campaign_id = strtoll(campaign_text, &end, 10);
		if (*end != '\0' || campaign_id < 1)
			return http_error_detail(request, 400, "invalid_field", "query.campaign_id");
	}
	struct stats_report_row *rows;
	int count;
	int status = http_outcome(request, stats_daily_report(&request->work, from, to, campaign_id, &rows, &count));
	if (status != 0)
		return status;

	if ((format != NULL && strcmp(format, "csv") == 0) ||
	    (request->accept != NULL && strstr(request->accept, "text/csv") != NULL))
		return report_csv(request, from, to, rows, count);

	json_t *items = json_array();
	for (int r = 0; r < count; r++) {
		json_t *row = json_pack("{s:s, s:I, s:s}", "date", rows[r].date, "campaign_id",
					(json_int_t)rows[r].campaign_id, "title", rows[r].title);
		counters_set(row, &rows[r].counters);
		json_array_append_new(items, row);
	}
	return http_reply(request, 200, json_pack("{s:s, s:s, s:s, s:o}", "from", from, "to", to, "timezone",
						  request->work.config->timezone, "items", items));
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "GET", "/api/v1/admin/campaigns/{id}/stats", admin_campaign_stats, AUTH_ADMIN, 0, NULL },
	{ "GET", "/api/v1/admin/reports/daily", admin_report_daily, AUTH_ADMIN, 0, NULL },
};

const struct route_table stats_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
