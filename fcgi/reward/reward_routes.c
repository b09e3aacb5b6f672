/* reward_routes.c: the shopper's wallet (GET /me/coupons, GET /me/points)
 * and the admin's prize desk (GET /admin/prizes, POST
 * /admin/prizes/{id}/fulfil); API.md "Bargains", "Orders" and "Admin".
 * HTTP only: the rules and the SQL live in reward.c, reward_store.c and
 * points.c. */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/outcome.h"
#include "http/http.h"
#include "http/router.h"
#include "http/session.h"
#include "http/validate.h"
#include "reward/points.h"
#include "reward/reward.h"
#include "reward/reward_routes.h"

#define NOTE_MAX 200

static json_t *time_or_null(int64_t when)
{
	if (when == 0)
		return json_null();
	char text[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(when, text);
	return json_string(text);
}

/* A query parameter that must be a positive id when present: 0 when absent,
 * -1 when malformed. */
static int64_t query_id(struct request *request, const char *name)
{
	const char *text = http_query_param(request, name);
	if (text == NULL || text[0] == '\0')
		return 0;
	char *end;
	long long value = strtoll(text, &end, 10);
	return *end == '\0' && value > 0 ? (int64_t)value : -1;
}

/* ============================================================= wallet */

static int coupon_list_mine(struct request *request)
{
	int64_t limit, cursor;
	int status = http_list_params_newest_first(request, &limit, &cursor);
	if (status != 0)
		return status;
	struct coupon *coupons;
	int count;
	status = reward_coupons_of(&request->work, request->session.user_id, cursor, limit, &coupons, &count);
	if (status != DB_OK)
		return http_outcome(request, status);
	json_t *items = json_array();
	for (int i = 0; i < count; i++)
		json_array_append_new(items, coupon_json(&coupons[i], request->work.now));
	int64_t last = count ? coupons[count - 1].id : 0;
	return http_reply(request, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor",
						  http_next_cursor(last, count == limit)));
}

static int points_get_mine(struct request *request)
{
	int64_t limit, cursor;
	int status = http_list_params_newest_first(request, &limit, &cursor);
	if (status != 0)
		return status;
	int64_t balance;
	struct points_entry *entries;
	int count;
	status = reward_points_of(&request->work, request->session.user_id, cursor, limit, &balance, &entries, &count);
	if (status != DB_OK)
		return http_outcome(request, status);
	json_t *items = json_array();
	for (int i = 0; i < count; i++)
		json_array_append_new(items, json_pack("{s:I, s:I, s:I, s:s, s:o, s:o}", "id", (json_int_t)entries[i].id,
						       "delta", (json_int_t)entries[i].delta, "balance_after",
						       (json_int_t)entries[i].balance_after, "reason", entries[i].reason,
						       "order_id", entries[i].order_id
								   ? json_integer((json_int_t)entries[i].order_id)
								   : json_null(),
						       "at", time_or_null(entries[i].at)));
	int64_t last = count ? entries[count - 1].id : 0;
	return http_reply(request, 200, json_pack("{s:I, s:o, s:o}", "balance", (json_int_t)balance, "items", items,
						  "next_cursor", http_next_cursor(last, count == limit)));
}

/* ============================================================== prizes */

static bool is_owner(const struct request *request)
{
	return (request->session.roles & ROLE_OWNER) != 0;
}

/* GET /api/v1/admin/prizes?status=pending|fulfilled&campaign_id= */
static int admin_prize_list(struct request *request)
{
	int64_t limit, cursor;
	int status = http_list_params_newest_first(request, &limit, &cursor);
	if (status != 0)
		return status;
	const char *which = http_query_param(request, "status");
	if (which == NULL || which[0] == '\0')
		which = "pending";
	if (strcmp(which, "pending") != 0 && strcmp(which, "fulfilled") != 0)
		return http_error_detail(request, 400, "invalid_field", "prizes.status");
	int64_t campaign_id = query_id(request, "campaign_id");
	if (campaign_id < 0)
		return http_error_detail(request, 400, "invalid_field", "query.campaign_id");
	struct prize *prizes;
	int count;
	status = reward_prize_list(&request->work, which, campaign_id, cursor, limit + 1, &prizes, &count);
	if (status != DB_OK)
		return http_outcome(request, status);
	int shown = count > limit ? (int)limit : count;
	json_t *items = json_array();
	for (int i = 0; i < shown; i++)
		json_array_append_new(items, prize_json(&prizes[i], is_owner(request)));
	json_t *next = http_next_cursor(shown > 0 ? prizes[shown - 1].id : 0, count > limit);
	return http_reply(request, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

static const struct field prize_fulfil_body[] = {
	{ .name = "note", .type = FIELD_STRING, .nullable = true, .min = 0, .max = NOTE_MAX },
	{ .name = NULL },
};

/* POST /api/v1/admin/prizes/{id}/fulfil [{"note"}]: pending -> fulfilled, once. */
static int admin_prize_fulfil(struct request *request)
{
	struct prize after;
	int status = reward_prize_fulfil(&request->work, http_path_id(request, 0), session_admin_id(&request->session),
					 body_string(request, "note"), is_owner(request), &after);
	if (status == OUT_INVALID_STATE)
		return http_error_detail(request, 409, "invalid_state", "prizes.fulfilled");
	if (status != DB_OK)
		return http_outcome(request, status);
	return http_reply(request, 200, prize_json(&after, is_owner(request)));
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "GET", "/api/v1/me/coupons", coupon_list_mine, AUTH_SHOPPER, 0, NULL },
	{ "GET", "/api/v1/me/points", points_get_mine, AUTH_SHOPPER, 0, NULL },
	{ "GET", "/api/v1/admin/prizes", admin_prize_list, AUTH_ADMIN, 0, NULL },
	{ "POST", "/api/v1/admin/prizes/{id}/fulfil", admin_prize_fulfil, AUTH_ADMIN, ROLE_FULFILMENT,
	  prize_fulfil_body },
};

const struct route_table reward_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
