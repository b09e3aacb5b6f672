/* engagement_routes.c: API.md "Engagement": red packets, check-in, the
 * points exchange, invitations, item share links and the shop-wide
 * settings. HTTP only: the flows and rules are engagement.c's, the SQL
 * engagement_store.c's and reward/'s. */
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/outcome.h"
#include "core/phone.h"
#include "engagement/engagement.h"
#include "engagement/engagement_routes.h"
#include "http/http.h"
#include "http/router.h"
#include "http/session.h"
#include "http/validate.h"
#include "reward/reward.h"

/* Wide bounds: the flow checks the real ones and names the field (422). */
#define ANY_INT_MIN (-1000000000000LL)
#define ANY_INT_MAX 1000000000000LL
#define ANY_TEXT_MAX 1000

static struct fraud_client client_of(const struct request *request)
{
	return (struct fraud_client){ .ip = request->client_ip, .user_agent = request->user_agent,
				      .referer = request->referer, .device_id = request->device_id };
}

/* A refused field: 422 invalid_field naming it. */
static int field_refused(struct request *request, int result, const char *field)
{
	if (result == OUT_UNPROCESSABLE_FIELD)
		return http_error_detail(request, 422, "invalid_field", "engagement.field", field);
	return http_outcome(request, result);
}

/* ========================================================= red packets */

static json_t *red_packet_json(const struct red_packet *packet)
{
	return json_pack("{s:I, s:I, s:s, s:o, s:o, s:s}", "id", (json_int_t)packet->id, "amount_fen",
			 (json_int_t)packet->amount_fen, "source", packet->source, "created_at",
			 http_time(packet->created_at), "expires_at", http_time(packet->expires_at), "status",
			 packet->status);
}

/* GET /api/v1/me/red-packets */
static int red_packet_list_mine(struct request *request)
{
	int64_t limit, cursor;
	int status = http_list_params_newest_first(request, &limit, &cursor);
	if (status != 0)
		return status;
	struct red_packet *packets;
	int count;
	status = red_packet_page(&request->work, request->session.user_id, cursor, limit, &packets, &count);
	if (status != DB_OK)
		return http_outcome(request, status);
	json_t *items = json_array();
	for (int i = 0; i < count; i++)
		json_array_append_new(items, red_packet_json(&packets[i]));
	int64_t last = count ? packets[count - 1].id : 0;
	return http_reply(request, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor",
						  http_next_cursor(last, count == limit)));
}

/* ============================================================ check-in */

static const struct field empty_body[] = { { .name = NULL } };

/* POST /api/v1/checkin */
static int checkin_post(struct request *request)
{
	struct fraud_client client = client_of(request);
	struct checkin_result result;
	int status = engagement_checkin(&request->work, &client, request->session.user_id, &result);
	if (status == OUT_RATE_LIMITED)
		http_retry_after(request, result.retry_after_s);
	if (status != DB_OK)
		return http_outcome(request, status);
	return http_reply(request, 200, json_pack("{s:s, s:I, s:I, s:I}", "date", result.date, "streak",
						  (json_int_t)result.streak, "points", (json_int_t)result.points,
						  "bonus_points", (json_int_t)result.bonus_points));
}

/* GET /api/v1/me/checkin */
static int checkin_get_mine(struct request *request)
{
	struct checkin_month month;
	int status = engagement_checkin_month(&request->work, request->session.user_id, &month);
	if (status != DB_OK)
		return http_outcome(request, status);
	json_t *days = json_array();
	for (int i = 0; i < month.count; i++)
		json_array_append_new(days, json_string(month.days[i]));
	char today[11];
	engagement_day_text(engagement_shop_day(request->work.now), today);
	return http_reply(request, 200, json_pack("{s:I, s:s, s:o}", "streak", (json_int_t)month.streak, "today",
						  today, "days", days));
}

/* ====================================================== points exchange */

/* GET /api/v1/points/offers */
static int offer_list_public(struct request *request)
{
	struct points_offer *offers;
	int count;
	int status = engagement_offers(&request->work, true, &offers, &count);
	if (status != DB_OK)
		return http_outcome(request, status);
	json_t *items = json_array();
	for (int i = 0; i < count; i++)
		json_array_append_new(items, points_offer_json(&offers[i], false));
	return http_reply(request, 200, json_pack("{s:o}", "items", items));
}

/* POST /api/v1/points/offers/{id}/exchange */
static int offer_exchange(struct request *request)
{
	struct fraud_client client = client_of(request);
	struct exchange_result result;
	int status = engagement_exchange(&request->work, &client, request->session.user_id, http_path_id(request, 0),
					 &result);
	if (status == OUT_RATE_LIMITED)
		http_retry_after(request, result.retry_after_s);
	if (status != DB_OK)
		return http_outcome(request, status);
	json_t *reply = json_pack("{s:I}", "points_balance", (json_int_t)result.points_balance);
	if (result.coupon.id != 0)
		json_object_set_new(reply, "coupon", coupon_json(&result.coupon, request->work.now));
	if (result.red_packet.id != 0)
		json_object_set_new(reply, "red_packet", red_packet_json(&result.red_packet));
	if (result.prize_id != 0)
		json_object_set_new(reply, "prize", json_pack("{s:I, s:s, s:s}", "id", (json_int_t)result.prize_id,
							      "title", result.prize_title, "status", "pending"));
	return http_reply(request, 200, reply);
}

static const struct field offer_body[] = {
	{ .name = "title", .type = FIELD_STRING, .min = 0, .max = ANY_TEXT_MAX },
	{ .name = "cost_points", .type = FIELD_INT, .min = ANY_INT_MIN, .max = ANY_INT_MAX },
	{ .name = "stock", .type = FIELD_INT, .min = ANY_INT_MIN, .max = ANY_INT_MAX },
	{ .name = "per_user", .type = FIELD_INT, .min = ANY_INT_MIN, .max = ANY_INT_MAX },
	{ .name = "coupon", .type = FIELD_OBJECT },
	{ .name = "coupon_promotion_id", .type = FIELD_INT, .min = ANY_INT_MIN, .max = ANY_INT_MAX },
	{ .name = "red_packet_fen", .type = FIELD_INT, .min = ANY_INT_MIN, .max = ANY_INT_MAX },
	{ .name = "red_packet_days", .type = FIELD_INT, .min = ANY_INT_MIN, .max = ANY_INT_MAX },
	{ .name = "prize", .type = FIELD_STRING, .min = 0, .max = ANY_TEXT_MAX },
	{ .name = "active", .type = FIELD_BOOL },
	{ .name = NULL },
};

/* GET /api/v1/admin/points/offers */
static int admin_offer_list(struct request *request)
{
	struct points_offer *offers;
	int count;
	int status = engagement_offers(&request->work, false, &offers, &count);
	if (status != DB_OK)
		return http_outcome(request, status);
	json_t *items = json_array();
	for (int i = 0; i < count; i++)
		json_array_append_new(items, points_offer_json(&offers[i], true));
	return http_reply(request, 200, json_pack("{s:o}", "items", items));
}

/* POST /api/v1/admin/points/offers */
static int admin_offer_create(struct request *request)
{
	struct points_offer offer;
	char field[ENGAGEMENT_FIELD_SIZE];
	int status = engagement_offer_create(&request->work, session_admin_id(&request->session), request->json, &offer,
					     field);
	if (status != DB_OK)
		return field_refused(request, status, field);
	return http_reply(request, 201, points_offer_json(&offer, true));
}

/* PATCH /api/v1/admin/points/offers/{id} */
static int admin_offer_update(struct request *request)
{
	struct points_offer offer;
	char field[ENGAGEMENT_FIELD_SIZE];
	int status = engagement_offer_update(&request->work, session_admin_id(&request->session),
					     http_path_id(request, 0), request->json, &offer, field);
	if (status != DB_OK)
		return field_refused(request, status, field);
	return http_reply(request, 200, points_offer_json(&offer, true));
}

/* ========================================================= invitations */

/* GET /api/v1/me/invite */
static int invite_get_mine(struct request *request)
{
	struct invite_summary summary;
	int status = engagement_invite_of(&request->work, request->session.user_id, &summary);
	if (status != DB_OK)
		return http_outcome(request, status);
	json_t *rewards = json_array();
	for (int i = 0; i < summary.reward_count; i++) {
		const struct invite_reward_row *row = &summary.rewards[i];
		json_t *reward = json_pack("{s:s, s:o}", "milestone", row->milestone, "at", http_time(row->at));
		json_object_set_new(reward, "coupon_id", row->coupon_id ? json_integer(row->coupon_id) : json_null());
		json_object_set_new(reward, "prize_id", row->prize_id ? json_integer(row->prize_id) : json_null());
		json_array_append_new(rewards, reward);
	}
	char *url = arena_printf(&request->arena, "%s/?invite=%s", request->work.config->public_base_url, summary.code);
	return http_reply(request, 200, json_pack("{s:s, s:s, s:I, s:I, s:o}", "code", summary.code, "url", url,
						  "invited", (json_int_t)summary.invited, "qualified",
						  (json_int_t)summary.qualified, "rewards", rewards));
}

/* ============================================================== shares */

static const struct field share_body[] = {
	{ .name = "item_id", .type = FIELD_INT, .required = true, .min = 1, .max = ANY_INT_MAX },
	{ .name = NULL },
};

/* POST /api/v1/shares {"item_id"} */
static int share_create(struct request *request)
{
	const char *code;
	int status = engagement_share_create(&request->work, request->session.user_id, body_int(request, "item_id", 0),
					     &code);
	if (status != DB_OK)
		return http_outcome(request, status);
	char *url = arena_printf(&request->arena, "%s/p/%s", request->work.config->public_base_url, code);
	return http_reply(request, 201, json_pack("{s:s, s:s}", "code", code, "url", url));
}

/* GET /api/v1/p/{code} */
static int item_share_landing(struct request *request)
{
	struct item_share_landing landing;
	int status = engagement_share_landing(&request->work, request->path_params[0], &landing);
	if (status != DB_OK)
		return http_outcome(request, status);
	char masked[PHONE_MASKED_SIZE] = "***";
	if (phone_valid(landing.sharer_phone))
		phone_mask(landing.sharer_phone, masked);
	return http_reply(request, 200,
			  json_pack("{s:s, s:{s:I, s:I, s:s, s:I, s:I}, s:I, s:{s:s}}", "code", landing.code, "item",
				    "id", (json_int_t)landing.item_id, "campaign_id", (json_int_t)landing.campaign_id,
				    "name", landing.item_name, "original_price_fen",
				    (json_int_t)landing.original_price_fen, "floor_price_fen",
				    (json_int_t)landing.floor_price_fen, "price_fen",
				    (json_int_t)landing.original_price_fen, "sharer", "phone_masked", masked));
}

/* ============================================================ settings */

static const struct field settings_body[] = {
	{ .name = "new_user_pack", .type = FIELD_OBJECT },
	{ .name = "checkin", .type = FIELD_OBJECT },
	{ .name = "invite", .type = FIELD_OBJECT },
	{ .name = NULL },
};

/* GET /api/v1/admin/engagement */
static int settings_get(struct request *request)
{
	struct engagement_settings settings;
	int status = engagement_settings_get(&request->work, &settings);
	if (status != DB_OK)
		return http_outcome(request, status);
	return http_reply(request, 200, engagement_settings_json(&settings));
}

/* PUT /api/v1/admin/engagement: the keys sent replace the current ones. */
static int settings_put(struct request *request)
{
	struct engagement_settings settings;
	char field[ENGAGEMENT_FIELD_SIZE];
	int status = engagement_settings_put(&request->work, session_admin_id(&request->session), request->json,
					     &settings, field);
	if (status != DB_OK)
		return field_refused(request, status, field);
	return http_reply(request, 200, engagement_settings_json(&settings));
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "GET", "/api/v1/me/red-packets", red_packet_list_mine, AUTH_SHOPPER, 0, NULL },
	{ "POST", "/api/v1/checkin", checkin_post, AUTH_SHOPPER, 0, empty_body },
	{ "GET", "/api/v1/me/checkin", checkin_get_mine, AUTH_SHOPPER, 0, NULL },
	{ "GET", "/api/v1/points/offers", offer_list_public, AUTH_NONE, 0, NULL },
	{ "POST", "/api/v1/points/offers/{id}/exchange", offer_exchange, AUTH_SHOPPER, 0, empty_body },
	{ "GET", "/api/v1/me/invite", invite_get_mine, AUTH_SHOPPER, 0, NULL },
	{ "POST", "/api/v1/shares", share_create, AUTH_SHOPPER, 0, share_body },
	{ "GET", "/api/v1/p/{code}", item_share_landing, AUTH_NONE, 0, NULL },
	{ "GET", "/api/v1/admin/engagement", settings_get, AUTH_ADMIN, ROLE_OPERATOR, NULL },
	{ "PUT", "/api/v1/admin/engagement", settings_put, AUTH_ADMIN, ROLE_OPERATOR, settings_body },
	{ "GET", "/api/v1/admin/points/offers", admin_offer_list, AUTH_ADMIN, 0, NULL },
	{ "POST", "/api/v1/admin/points/offers", admin_offer_create, AUTH_ADMIN, ROLE_OPERATOR, offer_body },
	{ "PATCH", "/api/v1/admin/points/offers/{id}", admin_offer_update, AUTH_ADMIN, ROLE_OPERATOR, offer_body },
};

const struct route_table engagement_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
