/* bargain_routes.c: the bargain routes (API.md, "Bargains"): start, read,
 * self-cut, the shopper's list, the share landing, help, the leaderboard,
 * and the admin's exact-cut plan preview. HTTP only: each handler reads
 * the validated request, calls one flow of bargain.h, maps its result with
 * http_outcome() and renders the answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bargain/bargain.h"
#include "bargain/bargain_routes.h"
#include "bargain/cut.h"
#include "core/clock.h"
#include "core/money.h"
#include "core/outcome.h"
#include "core/phone.h"
#include "http/http.h"
#include "http/router.h"
#include "http/session.h"
#include "http/validate.h"
#include "live/live.h"
#include "reward/reward.h"
#include "ops/ops.h"

/* The request facts anti-fraud reads. */
static struct fraud_client client_of(const struct request *request)
{
	return (struct fraud_client){ .ip = request->client_ip, .user_agent = request->user_agent,
				      .referer = request->referer, .device_id = request->device_id };
}

static void set_retry_after(struct request *request, int64_t seconds)
{
	char text[24];
	snprintf(text, sizeof(text), "%lld", (long long)seconds);
	http_header_add(request, "Retry-After", text);
}

/* The cut list: "self" for the owner's own cuts, masked phones for helps. */
static json_t *cuts_json(const struct bargain_cut_entry *entries, int count)
{
	json_t *list = json_array();
	for (int i = 0; i < count; i++) {
		char masked[PHONE_MASKED_SIZE], at[CLOCK_RFC3339_SIZE];
		phone_mask(entries[i].phone, masked);
		clock_format_rfc3339(entries[i].at, at);
		json_array_append_new(list, json_pack("{s:s, s:I, s:s}", "by", entries[i].self ? "self" : masked,
						      "cut_fen", (json_int_t)entries[i].cut_fen, "at", at));
	}
	return list;
}

/* ============================================================== start */

static const struct field bargain_start_body[] = {
	{ .name = "item_id", .type = FIELD_INT, .required = true, .min = 1, .max = INT64_MAX },
	{ .name = NULL },
};

static int bargain_start_route(struct request *request)
{
	struct fraud_client client = client_of(request);
	struct bargain bargain;
	bool created = false;
	int status = bargain_start(&request->work, request->session.user_id, body_int(request, "item_id", 0), &client,
				   &bargain, &created);
	if (status != DB_OK)
		return http_outcome(request, status);
	return http_reply(request, created ? 201 : 200, bargain_json(&request->work, &bargain));
}

/* =============================================================== read */

static int bargain_get_route(struct request *request)
{
	struct bargain_view view;
	int status = bargain_show(&request->work, request->session.user_id, http_path_id(request, 0),
				  request->if_none_match, &view);
	if (view.etag != NULL) {
		http_header_add(request, "ETag", view.etag);
		http_header_add(request, "Cache-Control", "private, no-cache");
	}
	if (status != DB_OK)
		return http_outcome(request, status);
	if (view.not_modified)
		return http_reply(request, 304, NULL);
	json_t *object = bargain_json(&request->work, &view.bargain);
	json_object_set_new(object, "cuts", cuts_json(view.cuts, view.cut_count));
	return http_reply(request, 200, object);
}

static int bargain_list_mine(struct request *request)
{
	int64_t limit, cursor;
	int status = http_list_params_newest_first(request, &limit, &cursor);
	if (status != 0)
		return status;
	struct bargain *bargains;
	int count;
	if ((status = bargain_list_of(&request->work, request->session.user_id, cursor, limit, &bargains, &count)) !=
	    DB_OK)
		return http_outcome(request, status);
	json_t *items = json_array();
	for (int i = 0; i < count; i++)
		json_array_append_new(items, bargain_json(&request->work, &bargains[i]));
	int64_t last = count ? bargains[count - 1].id : 0;
	return http_reply(request, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor",
						  http_next_cursor(last, count == limit)));
}

/* ================================================================ cut */

static int cut_reply(struct request *request, const struct bargain_cut_answer *answer, bool is_help)
{
	json_t *reply = json_pack("{s:I, s:o}", "cut_fen", (json_int_t)answer->cut_fen, "bargain",
				  bargain_json(&request->work, &answer->bargain));
	if (is_help)
		json_object_set_new(reply, "reward",
				    answer->reward.id != 0 ? coupon_json(&answer->reward, request->work.now) : json_null());
	return http_reply(request, 200, reply);
}

static int bargain_cut(struct request *request)
{
	struct fraud_client client = client_of(request);
	struct bargain_cut_answer answer;
	int status = bargain_self_cut(&request->work, request->session.user_id, http_path_id(request, 0), &client,
				      &answer);
	if (status == OUT_DAILY_LIMIT)
		set_retry_after(request, answer.retry_after_s);
	if (status != DB_OK)
		return http_outcome(request, status);
	live_bargain_changed(request, answer.bargain.id); /* live: after the commit */
	return cut_reply(request, &answer, false);
}

static int share_help(struct request *request)
{
	struct fraud_client client = client_of(request);
	struct bargain_cut_answer answer;
	int status = bargain_help(&request->work, request->session.user_id, request->path_params[0], &client, &answer);
	if (status == OUT_RATE_LIMITED)
		set_retry_after(request, answer.retry_after_s);
	if (status != DB_OK)
		return http_outcome(request, status);
	if (!answer.shadowed) { /* after the commit; a shadowed help cut nothing */
		ops_count_help();
		live_bargain_known(request, &answer.bargain, &answer.live); /* what the help brought back: no read */
	}
	return cut_reply(request, &answer, true);
}

/* ============================================================ landing */

static int share_landing(struct request *request)
{
	struct fraud_client client = client_of(request);
	struct bargain_landing_view view;
	int status = bargain_landing_show(&request->work, request->path_params[0], request->session.user_id, &client,
					  request->if_none_match, &view);
	if (view.etag != NULL) {
		http_header_add(request, "ETag", view.etag);
		http_header_add(request, "Cache-Control", "no-cache");
	}
	if (status != DB_OK)
		return http_outcome(request, status);
	if (view.not_modified)
		return http_reply(request, 304, NULL);
	json_t *object = bargain_json(&request->work, &view.bargain);
	/* The initiator's share code is the link itself; shown, but the owner's
	 * private fields are not. */
	json_error_t error;
	json_t *images = json_loads(view.landing.images_json, 0, &error);
	char masked[PHONE_MASKED_SIZE];
	phone_mask(view.landing.initiator_phone, masked);
	json_object_set_new(object, "item", json_pack("{s:I, s:s, s:o}", "id", (json_int_t)view.bargain.item_id, "name",
						      view.landing.item_name, "images", images ? images : json_array()));
	json_object_set_new(object, "initiator", json_string(masked));
	json_object_set_new(object, "recent_helps", cuts_json(view.helps, view.help_count));
	return http_reply(request, 200, object);
}

/* ======================================================== leaderboard */

static int campaign_leaderboard(struct request *request)
{
	struct bargain_rank *ranks;
	int count;
	int status = bargain_ranking(&request->work, http_path_id(request, 0), &ranks, &count);
	if (status != DB_OK)
		return http_outcome(request, status);
	json_t *items = json_array();
	for (int i = 0; i < count; i++) {
		char masked[PHONE_MASKED_SIZE];
		phone_mask(ranks[i].phone, masked);
		json_array_append_new(items, json_pack("{s:i, s:s, s:I, s:I, s:I}", "rank", i + 1, "user", masked,
						       "bargain_id", (json_int_t)ranks[i].bargain_id, "succeeded_in_s",
						       (json_int_t)ranks[i].succeeded_in_s, "cut_total_fen",
						       (json_int_t)ranks[i].cut_total_fen));
	}
	return http_reply(request, 200, json_pack("{s:o}", "items", items));
}

/* =================================================== cut plan preview */

static const struct field cut_plan_preview_body[] = {
	{ .name = "original_price_fen", .type = FIELD_INT, .required = true, .min = 1, .max = MONEY_MAX_FEN },
	{ .name = "floor_price_fen", .type = FIELD_INT, .required = true, .min = 0, .max = MONEY_MAX_FEN },
	{ .name = "cut_min_fen", .type = FIELD_INT, .required = true, .min = 1, .max = MONEY_MAX_FEN },
	{ .name = "cut_max_fen", .type = FIELD_INT, .required = true, .min = 1, .max = MONEY_MAX_FEN },
	{ .name = "target_cuts", .type = FIELD_INT, .required = true, .min = 1, .max = CUT_TARGET_MAX },
	{ .name = NULL },
};

/* POST /api/v1/admin/cut-plan/preview: 422 invalid_campaign, in the API's
 * words, when the cuts cannot fit. */
static int admin_cut_plan_preview(struct request *request)
{
	int64_t price = body_int(request, "original_price_fen", 0), floor_price = body_int(request, "floor_price_fen", 0);
	int64_t min = body_int(request, "cut_min_fen", 0), max = body_int(request, "cut_max_fen", 0);
	int64_t cuts = body_int(request, "target_cuts", 0);
	int64_t *plan;
	enum bargain_plan_problem problem;
	int status = bargain_plan_preview(&request->work, price, floor_price, min, max, cuts, &plan, &problem);
	switch (problem) {
	case PLAN_FINE:
		break;
	case PLAN_FLOOR_NOT_BELOW_PRICE:
		return http_error_detail(request, 422, "invalid_campaign", "campaign.floor_below_price");
	case PLAN_MAX_BELOW_MIN:
		return http_error_detail(request, 422, "invalid_campaign", "bargain.plan_max_below_min");
	case PLAN_CUTS_CANNOT_FIT:
		return http_error_detail(request, 422, "invalid_campaign", "bargain.plan_cannot_fit", (long long)cuts,
					 (long long)min, (long long)max, (long long)(price - floor_price));
	case PLAN_NOT_MADE:
		return http_error_detail(request, 422, "invalid_campaign", "bargain.plan_not_made");
	}
	if (status != DB_OK)
		return http_outcome(request, status);
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
	{ "POST", "/api/v1/bargains", bargain_start_route, AUTH_SHOPPER, 0, bargain_start_body },
	{ "GET", "/api/v1/bargains/{id}", bargain_get_route, AUTH_SHOPPER, 0, NULL },
	{ "POST", "/api/v1/bargains/{id}/cut", bargain_cut, AUTH_SHOPPER, 0, NULL },
	{ "GET", "/api/v1/me/bargains", bargain_list_mine, AUTH_SHOPPER, 0, NULL },
	{ "GET", "/api/v1/s/{code}", share_landing, AUTH_NONE, 0, NULL },
	{ "POST", "/api/v1/s/{code}/help", share_help, AUTH_SHOPPER_FOLDED, 0, NULL },
	{ "GET", "/api/v1/campaigns/{id}/leaderboard", campaign_leaderboard, AUTH_NONE, 0, NULL },
	{ "POST", "/api/v1/admin/cut-plan/preview", admin_cut_plan_preview, AUTH_ADMIN, ROLE_OPERATOR,
	  cut_plan_preview_body },
};

const struct route_table bargain_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
