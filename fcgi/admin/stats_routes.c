/* stats_routes.c: the admin console's numbers (issue 7, API.md "Admin"):
 * a campaign's live stats, the daily report (JSON or CSV) and the exact-cut
 * plan preview. The stats are read from the counters stats.c keeps in step
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

#define STATS_HOURS 48           /* the helps-per-hour chart */
#define REPORT_DAYS_MAX 366

/* The counters in the order every query below selects them, after its keys. */
#define COUNTER_SUMS                                                                                          \
	"SUM(participants), SUM(bargains_started), SUM(self_cuts), SUM(helps), SUM(share_opens), SUM(succeeded), " \
	"SUM(orders), SUM(cancelled), SUM(paid), SUM(paid_fen), SUM(subsidy_fen), SUM(shipped), SUM(refunded), "   \
	"SUM(refunded_fen)"
static const char *const counter_names[] = {
	"participants", "bargains_started", "self_cuts", "helps", "share_opens", "succeeded", "orders",
	"cancelled", "paid", "paid_fen", "subsidy_fen", "shipped", "refunded", "refunded_fen",
};
#define COUNTERS ((int)(sizeof(counter_names) / sizeof(counter_names[0])))

/* Sets the counters of row (from column first on) on object; SUM of no rows
 * is NULL, shown as 0. */
static void counters_set(json_t *object, const struct db_rows *rows, int row, int first)
{
	for (int i = 0; i < COUNTERS; i++)
		json_object_set_new(object, counter_names[i],
				    json_integer(db_null(rows, row, first + i) ? 0 : (json_int_t)db_int(rows, row, first + i)));
}

/* ================================================================ stats */

static const char *const sql_stats_campaign =
	"SELECT title, UNIX_TIMESTAMP(starts_at), UNIX_TIMESTAMP(ends_at) FROM campaign WHERE id = ?";
static const char *const sql_stats_by_item =
	"SELECT item_id, " COUNTER_SUMS " FROM campaign_stat WHERE campaign_id = ? GROUP BY item_id";
static const char *const sql_stats_items =
	"SELECT id, name, original_price_fen, floor_price_fen, stock_total, stock_left, stock_reserved, stock_sold "
	"FROM campaign_item WHERE campaign_id = ? ORDER BY id";
static const char *const sql_stats_hourly =
	"SELECT UNIX_TIMESTAMP(hour_start), SUM(helps), SUM(self_cuts), SUM(share_opens), SUM(bargains_started) "
	"FROM campaign_stat WHERE campaign_id = ? AND hour_start >= FROM_UNIXTIME(?) GROUP BY hour_start";

/* GET /api/v1/admin/campaigns/{id}/stats */
static int admin_campaign_stats(struct request *request)
{
	int64_t campaign_id = http_path_id(request, 0);
	struct db_rows campaign, by_item, items, hourly;
	int status = db_run(request, &campaign, sql_stats_campaign, "i", campaign_id);
	if (status != 0)
		return status;
	if (campaign.row_count != 1)
		return http_error(request, 404, "not_found");
	int64_t first_hour = request->work.now - request->work.now % 3600 - (STATS_HOURS - 1) * 3600;
	if ((status = db_run(request, &by_item, sql_stats_by_item, "i", campaign_id)) != 0 ||
	    (status = db_run(request, &items, sql_stats_items, "i", campaign_id)) != 0 ||
	    (status = db_run(request, &hourly, sql_stats_hourly, "ii", campaign_id, first_hour)) != 0)
		return status;

	char generated[CLOCK_RFC3339_SIZE], starts[CLOCK_RFC3339_SIZE], ends[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(request->work.now, generated);
	clock_format_rfc3339(db_int(&campaign, 0, 1), starts);
	clock_format_rfc3339(db_int(&campaign, 0, 2), ends);
	json_t *reply = json_pack("{s:I, s:s, s:s, s:s, s:s}", "campaign_id", (json_int_t)campaign_id, "title",
				  db_text(&campaign, 0, 0), "starts_at", starts, "ends_at", ends, "generated_at", generated);
	http_own(request, reply);
	/* The campaign's totals: the items' rows and the orders' (item 0) added up. */
	for (int i = 0; i < COUNTERS; i++) {
		json_int_t sum = 0;
		for (int r = 0; r < by_item.row_count; r++)
			sum += db_null(&by_item, r, 1 + i) ? 0 : (json_int_t)db_int(&by_item, r, 1 + i);
		json_object_set_new(reply, counter_names[i], json_integer(sum));
	}

	json_t *list = json_array();
	json_object_set_new(reply, "items", list);
	for (int r = 0; r < items.row_count; r++) {
		int64_t item_id = db_int(&items, r, 0);
		json_t *item = json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "id", (json_int_t)item_id, "name",
					 db_text(&items, r, 1), "original_price_fen", (json_int_t)db_int(&items, r, 2),
					 "floor_price_fen", (json_int_t)db_int(&items, r, 3), "stock_total",
					 (json_int_t)db_int(&items, r, 4), "stock_left", (json_int_t)db_int(&items, r, 5),
					 "stock_reserved", (json_int_t)db_int(&items, r, 6), "stock_sold",
					 (json_int_t)db_int(&items, r, 7));
		int found = -1;
		for (int k = 0; k < by_item.row_count; k++)
			if (db_int(&by_item, k, 0) == item_id)
				found = k;
		static const int item_counters[] = { 1, 2, 3, 4, 5 }; /* bargains_started .. succeeded */
		for (size_t i = 0; i < sizeof(item_counters) / sizeof(item_counters[0]); i++) {
			int column = item_counters[i];
			json_object_set_new(item, counter_names[column],
					    json_integer(found < 0 || db_null(&by_item, found, 1 + column)
								 ? 0
								 : (json_int_t)db_int(&by_item, found, 1 + column)));
		}
		json_array_append_new(list, item);
	}

	/* The last STATS_HOURS hours, oldest first, hours without events as 0. */
	json_t *hours = json_array();
	json_object_set_new(reply, "hourly", hours);
	for (int h = 0; h < STATS_HOURS; h++) {
		int64_t at = first_hour + (int64_t)h * 3600;
		json_int_t values[4] = { 0, 0, 0, 0 };
		for (int k = 0; k < hourly.row_count; k++)
			if (db_int(&hourly, k, 0) == at)
				for (int v = 0; v < 4; v++)
					values[v] = db_null(&hourly, k, 1 + v) ? 0 : (json_int_t)db_int(&hourly, k, 1 + v);
		char text[CLOCK_RFC3339_SIZE];
		clock_format_rfc3339(at, text);
		json_array_append_new(hours, json_pack("{s:s, s:I, s:I, s:I, s:I}", "hour", text, "helps", values[0],
						       "self_cuts", values[1], "share_opens", values[2],
						       "bargains_started", values[3]));
	}
	return http_reply(request, 200, json_incref(reply));
}

/* ========================================================= daily report */

static const char *const sql_report =
	"SELECT s.campaign_id, c.title, DATE_FORMAT(s.local_day, '%Y-%m-%d'), " COUNTER_SUMS " "
	"FROM campaign_stat s JOIN campaign c ON c.id = s.campaign_id "
	"WHERE s.local_day BETWEEN ? AND ? AND (? = 0 OR s.campaign_id = ?) "
	"GROUP BY s.local_day, s.campaign_id ORDER BY s.local_day, s.campaign_id";

/* The CSV header, in counter_names' order after date, campaign id and title. */
static const char *const csv_headers[] = {
	"日期", "活动ID", "活动名称", "参与人数", "发起砍价", "自砍次数", "助力次数", "分享打开", "砍价成功",
	"下单数", "取消订单", "支付订单", "支付金额(元)", "补贴金额(元)", "发货订单", "退款订单", "退款金额(元)",
};

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
		return http_error_message(request, 400, "invalid_field", "from 和 to 应为 YYYY-MM-DD 格式的日期。");
	if (to_days < from_days || to_days - from_days >= REPORT_DAYS_MAX)
		return http_error_message(request, 400, "invalid_field", "日期范围应从 from 到 to，最多 %d 天。",
					  REPORT_DAYS_MAX);
	if (campaign_text != NULL) {
		char *end;
		campaign_id = strtoll(campaign_text, &end, 10);
		if (*end != '\0' || campaign_id < 1)
			return http_error_message(request, 400, "invalid_field", "campaign_id 无效。");
	}
	struct db_rows rows;
	int status = db_run(request, &rows, sql_report, "ssii", from, to, campaign_id, campaign_id);
	if (status != 0)
		return status;

	bool csv = (format != NULL && strcmp(format, "csv") == 0) ||
		   (request->accept != NULL && strstr(request->accept, "text/csv") != NULL);
	if (csv) {
		struct stats_csv out;
		stats_csv_init(&out, &request->arena);
		stats_csv_raw(&out, "\xEF\xBB\xBF", 3); /* BOM: Excel reads UTF-8 */
		for (size_t i = 0; i < sizeof(csv_headers) / sizeof(csv_headers[0]); i++) {
			if (i > 0)
				stats_csv_raw(&out, ",", 1);
			stats_csv_raw(&out, csv_headers[i], strlen(csv_headers[i]));
		}
		stats_csv_raw(&out, "\r\n", 2);
		for (int r = 0; r < rows.row_count; r++) {
			stats_csv_raw(&out, db_text(&rows, r, 2), strlen(db_text(&rows, r, 2)));
			stats_csv_number(&out, db_int(&rows, r, 0), false);
			stats_csv_raw(&out, ",", 1);
			stats_csv_text(&out, db_text(&rows, r, 1));
			for (int i = 0; i < COUNTERS; i++)
				stats_csv_number(&out, db_null(&rows, r, 3 + i) ? 0 : db_int(&rows, r, 3 + i),
						 strstr(counter_names[i], "_fen") != NULL);
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

	json_t *items = json_array();
	for (int r = 0; r < rows.row_count; r++) {
		json_t *row = json_pack("{s:s, s:I, s:s}", "date", db_text(&rows, r, 2), "campaign_id",
					(json_int_t)db_int(&rows, r, 0), "title", db_text(&rows, r, 1));
		counters_set(row, &rows, r, 3);
		json_array_append_new(items, row);
	}
	return http_reply(request, 200, json_pack("{s:s, s:s, s:s, s:o}", "from", from, "to", to, "timezone",
						  request->work.config->timezone, "items", items));
}

/* ====================================================== cut plan preview */

static const struct field cut_plan_preview_body[] = {
	{ .name = "original_price_fen", .type = FIELD_INT, .required = true, .min = 1, .max = MONEY_MAX_FEN },
	{ .name = "floor_price_fen", .type = FIELD_INT, .required = true, .min = 0, .max = MONEY_MAX_FEN },
	{ .name = "cut_min_fen", .type = FIELD_INT, .required = true, .min = 1, .max = MONEY_MAX_FEN },
	{ .name = "cut_max_fen", .type = FIELD_INT, .required = true, .min = 1, .max = MONEY_MAX_FEN },
	{ .name = "target_cuts", .type = FIELD_INT, .required = true, .min = 1, .max = CUT_TARGET_MAX },
	{ .name = NULL },
};

/* POST /api/v1/admin/cut-plan/preview: a sample plan made by cut_plan_make,
 * the very function that fixes each bargain's plan (with a random seed: each
 * bargain's own plan differs in its randomness, not in its shape). 422
 * invalid_campaign, in the API's words, when the cuts cannot fit. */
static int admin_cut_plan_preview(struct request *request)
{
	int64_t price = body_int(request, "original_price_fen", 0), floor_price = body_int(request, "floor_price_fen", 0);
	int64_t min = body_int(request, "cut_min_fen", 0), max = body_int(request, "cut_max_fen", 0);
	int64_t cuts = body_int(request, "target_cuts", 0);
	if (floor_price >= price)
		return http_error_message(request, 422, "invalid_campaign", "底价必须低于原价。");
	if (max < min)
		return http_error_message(request, 422, "invalid_campaign", "每刀最高金额不能低于最低金额。");
	int64_t distance = price - floor_price;
	if (!cut_plan_feasible(distance, min, max, cuts))
		return http_error_message(request, 422, "invalid_campaign",
					  "%lld 刀无法在每刀 %lld 到 %lld 分之间恰好砍掉 %lld 分。", (long long)cuts,
					  (long long)min, (long long)max, (long long)distance);
	unsigned char seed[CUT_SEED_SIZE];
	crypto_random(seed, sizeof(seed));
	int64_t *plan = arena_alloc(&request->arena, sizeof(int64_t) * (size_t)cuts);
	if (cut_plan_make(seed, distance, min, max, cuts, plan) != 0)
		return http_error_message(request, 422, "invalid_campaign", "无法生成砍价计划，请调整刀数或金额范围。");
	json_t *list = json_array();
	int64_t sum = 0;
	for (int64_t i = 0; i < cuts; i++) {
		json_array_append_new(list, json_integer((json_int_t)plan[i]));
		sum += plan[i];
	}
	return http_reply(request, 200, json_pack("{s:o, s:I, s:I}", "plan", list, "total_fen", (json_int_t)sum,
						  "cuts", (json_int_t)cuts));
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "GET", "/api/v1/admin/campaigns/{id}/stats", admin_campaign_stats, AUTH_ADMIN, 0, NULL },
	{ "GET", "/api/v1/admin/reports/daily", admin_report_daily, AUTH_ADMIN, 0, NULL },
	{ "POST", "/api/v1/admin/cut-plan/preview", admin_cut_plan_preview, AUTH_ADMIN, ROLE_OPERATOR, cut_plan_preview_body },
};

const struct route_table stats_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
