/* games_routes.c: the games of a campaign over HTTP (API.md "Games"): the
 * admin's create, list, get, patch and publish; the shoppers' view and
 * play. HTTP only: the rules and flows live in games.c and game_rules.c,
 * the SQL in games_store.c. */
#include <string.h>

#include "core/arena.h"
#include "core/outcome.h"
#include "core/phone.h"
#include "games/games.h"
#include "games/games_routes.h"
#include "http/http.h"
#include "http/router.h"
#include "http/session.h"
#include "http/validate.h"
#include "reward/reward.h"

#define GAME_TITLE_BYTES_MAX (GAME_TITLE_CHARS_MAX * 4)
#define TIME_TEXT_MAX 40

/* ================================================================ JSON */

/* stats NULL: the game alone (writes answer without counting). */
static json_t *admin_game_json(const struct game *game, const struct game_stats *stats)
{
	json_t *config = json_loads(game->config_json, 0, NULL);
	json_t *object = json_pack("{s:I, s:I, s:s, s:s, s:o, s:o, s:o, s:b, s:o}", "id", (json_int_t)game->id,
				   "campaign_id", (json_int_t)game->campaign_id, "kind", game_kind_name(game->kind),
				   "title", game->title, "starts_at", http_time(game->starts_at), "ends_at",
				   http_time(game->ends_at), "config", config ? config : json_object(), "published",
				   game->published_at != 0, "published_at", http_time_or_null(game->published_at));
	if (object == NULL)
		abort();
	if (stats != NULL)
		json_object_set_new(object, "stats",
				    json_pack("{s:I, s:I, s:I, s:o}", "plays", (json_int_t)stats->plays, "players",
					      (json_int_t)stats->players, "prizes_given", (json_int_t)stats->prizes_given,
					      "stock_left", stats->stock_left >= 0 ? json_integer((json_int_t)stats->stock_left)
										 : json_null()));
	return object;
}

static json_t *red_packet_json(const struct red_packet *packet)
{
	return json_pack("{s:I, s:I, s:s, s:o, s:o, s:s}", "id", (json_int_t)packet->id, "amount_fen",
			 (json_int_t)packet->amount_fen, "source", packet->source, "created_at",
			 http_time(packet->created_at), "expires_at", http_time(packet->expires_at), "status",
			 packet->status);
}

static json_t *masked_phone(const char *phone)
{
	char masked[PHONE_MASKED_SIZE];
	if (!phone_valid(phone))
		return json_string("***");
	phone_mask(phone, masked);
	return json_string(masked);
}

static json_t *prize_shown(const struct wheel_prize *prize, int slot)
{
	json_t *object = json_pack("{s:i, s:s, s:s}", "slot", slot, "name", prize->name, "kind",
				   game_prize_kind_name(prize->kind));
	if (prize->kind == PRIZE_POINTS)
		json_object_set_new(object, "points", json_integer((json_int_t)prize->points));
	if (prize->kind == PRIZE_COUPON && prize->amount_fen > 0)
		json_object_set_new(object, "amount_fen", json_integer((json_int_t)prize->amount_fen));
	if (prize->kind == PRIZE_RED_PACKET)
		json_object_set_new(object, "red_packet_max_fen", json_integer((json_int_t)prize->red_packet_max_fen));
	return object;
}

/* The game as shoppers see it: a wheel's prizes with probability and stock
 * left; a guess's answer and winners after the end; an auction's price. */
static json_t *public_game_json(const struct game_view *view, int64_t now)
{
	const struct game *game = &view->game;
	bool open = game_open(game->published_at, game->starts_at, game->ends_at, now);
	json_t *object = json_pack("{s:I, s:I, s:s, s:s, s:o, s:o, s:b}", "id", (json_int_t)game->id, "campaign_id",
				   (json_int_t)game->campaign_id, "kind", game_kind_name(game->kind), "title",
				   game->title, "starts_at", http_time(game->starts_at), "ends_at",
				   http_time(game->ends_at), "open", open);
	switch (game->kind) {
	case GAME_WHEEL: {
		const struct wheel_config *wheel = &view->config.wheel;
		json_t *prizes = json_array();
		for (int slot = 0; slot < wheel->prize_count; slot++) {
			const struct wheel_prize *prize = &wheel->prizes[slot];
			json_t *shown = prize_shown(prize, slot);
			json_object_set_new(shown, "weight", json_integer((json_int_t)prize->weight));
			json_object_set_new(shown, "probability",
					    json_real((double)prize->weight / (double)wheel->total_weight));
			json_t *left = json_null();
			for (int i = 0; prize->kind != PRIZE_NONE && i < view->stock_count; i++)
				if (view->stock[i].slot == slot) {
					json_decref(left);
					left = json_integer((json_int_t)view->stock[i].stock_left);
				}
			json_object_set_new(shown, "stock_left", left);
			json_array_append_new(prizes, shown);
		}
		json_object_set_new(object, "spins_per_day", json_integer((json_int_t)wheel->spins_per_day));
		json_object_set_new(object, "cost_points", json_integer((json_int_t)wheel->cost_points));
		json_object_set_new(object, "prizes", prizes);
		json_object_set_new(object, "plays_left_today", view->plays_left_today >= 0
									? json_integer((json_int_t)view->plays_left_today)
									: json_null());
		break;
	}
	case GAME_GUESS_PRICE: {
		const struct guess_config *guess = &view->config.guess;
		bool ended = now >= game->ends_at;
		json_object_set_new(object, "item_id", json_integer((json_int_t)guess->item_id));
		json_object_set_new(object, "tolerance_fen", json_integer((json_int_t)guess->tolerance_fen));
		json_object_set_new(object, "reward", json_deep_copy(guess->reward));
		json_object_set_new(object, "my_guess_fen",
				    view->played ? json_integer((json_int_t)view->my_guess_fen) : json_null());
		json_object_set_new(object, "answer_fen",
				    ended ? json_integer((json_int_t)guess->answer_fen) : json_null());
		json_t *winners = ended ? json_array() : json_null();
		for (int i = 0; ended && i < view->winner_count; i++)
			json_array_append_new(winners, json_pack("{s:o, s:I}", "user", masked_phone(view->winners[i].phone),
								 "price_fen", (json_int_t)view->winners[i].price_fen));
		json_object_set_new(object, "winners", winners);
		json_object_set_new(object, "plays_left_today", view->plays_left_today >= 0
									? json_integer((json_int_t)view->plays_left_today)
									: json_null());
		break;
	}
	case GAME_AUCTION: {
		const struct auction_config *auction = &view->config.auction;
		json_object_set_new(object, "mode", json_string(auction->dutch ? "dutch" : "english"));
		json_object_set_new(object, "item_id", json_integer((json_int_t)auction->item_id));
		json_object_set_new(object, "start_fen", json_integer((json_int_t)auction->start_fen));
		if (auction->dutch) {
			json_object_set_new(object, "floor_fen", json_integer((json_int_t)auction->floor_fen));
			json_object_set_new(object, "drop_fen", json_integer((json_int_t)auction->drop_fen));
			json_object_set_new(object, "drop_every_s", json_integer((json_int_t)auction->drop_every_s));
		} else {
			json_object_set_new(object, "step_fen", json_integer((json_int_t)auction->step_fen));
		}
		json_object_set_new(object, "current_price_fen", json_integer((json_int_t)view->current_price_fen));
		json_object_set_new(object, "bids", json_integer((json_int_t)view->bid_count));
		json_object_set_new(object, "has_winner", json_boolean(game->winner_id != 0));
		/* A shopper's own standing: the highest bid (English) or the taker (Dutch). */
		if (view->viewer_id != 0)
			json_object_set_new(object, "leading", json_boolean(game->winner_id == view->viewer_id));
		break;
	}
	}
	return object;
}

/* ============================================================ the admin */

static const struct field game_create_body[] = {
	{ .name = "kind", .type = FIELD_STRING, .required = true, .min = 1, .max = 20 },
	{ .name = "title", .type = FIELD_STRING, .required = true, .min = 1, .max = GAME_TITLE_BYTES_MAX },
	{ .name = "starts_at", .type = FIELD_STRING, .required = true, .min = 1, .max = TIME_TEXT_MAX },
	{ .name = "ends_at", .type = FIELD_STRING, .required = true, .min = 1, .max = TIME_TEXT_MAX },
	{ .name = "config", .type = FIELD_OBJECT, .required = true },
	{ .name = NULL },
};

static const struct field game_patch_body[] = {
	{ .name = "title", .type = FIELD_STRING, .min = 1, .max = GAME_TITLE_BYTES_MAX },
	{ .name = "starts_at", .type = FIELD_STRING, .min = 1, .max = TIME_TEXT_MAX },
	{ .name = "ends_at", .type = FIELD_STRING, .min = 1, .max = TIME_TEXT_MAX },
	{ .name = "config", .type = FIELD_OBJECT },
	{ .name = NULL },
};

static void input_read(const struct request *request, struct game_input *input)
{
	*input = (struct game_input){
		.kind = body_string(request, "kind"),
		.title = body_string(request, "title"),
		.starts_at = body_string(request, "starts_at"),
		.ends_at = body_string(request, "ends_at"),
		.config = json_object_get(request->json, "config"),
	};
}

static int game_refused(struct request *request, int status, const struct game_refusal *refusal)
{
	if (status == OUT_INVALID_GAME)
		return http_error_detail(request, 422, "invalid_game", refusal->text, refusal->field);
	return http_outcome(request, status);
}

/* POST /api/v1/admin/campaigns/{id}/games */
static int admin_game_create(struct request *request)
{
	struct game_input input;
	input_read(request, &input);
	struct game game;
	struct game_refusal refusal = { 0 };
	int status = games_create(&request->work, http_path_id(request, 0), session_admin_id(&request->session),
				  &input, &game, &refusal);
	if (status != DB_OK)
		return game_refused(request, status, &refusal);
	return http_reply(request, 201, admin_game_json(&game, NULL));
}

/* GET /api/v1/admin/campaigns/{id}/games */
static int admin_game_list(struct request *request)
{
	struct game *games;
	int count;
	int status = games_of_campaign(&request->work, http_path_id(request, 0), &games, &count);
	if (status != DB_OK)
		return http_outcome(request, status);
	struct game_stats *stats = arena_alloc(request->work.arena, sizeof(*stats) * (size_t)(count + 1));
	if ((status = games_stats(&request->work, games, count, stats)) != DB_OK)
		return http_outcome(request, status);
	json_t *items = json_array();
	for (int i = 0; i < count; i++)
		json_array_append_new(items, admin_game_json(&games[i], &stats[i]));
	return http_reply(request, 200, json_pack("{s:o}", "items", items));
}

/* GET /api/v1/admin/games/{id} */
static int admin_game_get(struct request *request)
{
	struct game game;
	struct game_stats stats;
	int status = games_get(&request->work, http_path_id(request, 0), &game);
	if (status != DB_OK || (status = games_stats(&request->work, &game, 1, &stats)) != DB_OK)
		return http_outcome(request, status);
	return http_reply(request, 200, admin_game_json(&game, &stats));
}

/* PATCH /api/v1/admin/games/{id} */
static int admin_game_patch(struct request *request)
{
	struct game_input input;
	input_read(request, &input);
	struct game game;
	struct game_refusal refusal = { 0 };
	int status = games_patch(&request->work, http_path_id(request, 0), session_admin_id(&request->session),
				 &input, &game, &refusal);
	if (status != DB_OK)
		return game_refused(request, status, &refusal);
	return http_reply(request, 200, admin_game_json(&game, NULL));
}

/* POST /api/v1/admin/games/{id}/publish */
static int admin_game_publish(struct request *request)
{
	struct game game;
	int status = games_publish(&request->work, http_path_id(request, 0), session_admin_id(&request->session),
				   &game);
	if (status != DB_OK)
		return http_outcome(request, status);
	return http_reply(request, 200, admin_game_json(&game, NULL));
}

/* =========================================================== shoppers */

/* GET /api/v1/campaigns/{id}/games: the campaign's published games, so the
 * campaign page can lead to them. */
static int campaign_game_list(struct request *request)
{
	struct game *games;
	int count;
	int status = games_of_campaign(&request->work, http_path_id(request, 0), &games, &count);
	if (status != DB_OK)
		return http_outcome(request, status);
	json_t *items = json_array();
	for (int i = 0; i < count; i++) {
		const struct game *game = &games[i];
		if (game->published_at == 0)
			continue;
		json_t *item = json_pack("{s:I, s:s, s:s, s:o, s:o, s:b}", "id", (json_int_t)game->id, "kind",
					 game_kind_name(game->kind), "title", game->title, "starts_at",
					 http_time(game->starts_at), "ends_at", http_time(game->ends_at), "open",
					 game_open(game->published_at, game->starts_at, game->ends_at, request->work.now));
		if (game->kind == GAME_AUCTION) {
			json_t *config = json_loads(game->config_json, 0, NULL);
			const char *mode = json_string_value(json_object_get(config, "mode"));
			json_object_set_new(item, "mode", json_string(mode && strcmp(mode, "dutch") == 0 ? "dutch" : "english"));
			json_decref(config);
		}
		json_array_append_new(items, item);
	}
	return http_reply(request, 200, json_pack("{s:o}", "items", items));
}

/* GET /api/v1/games/{id}: a shopper's token is optional; one that is sent
 * must be valid. */
static int game_get(struct request *request)
{
	int status;
	if (request->authorization != NULL && request->authorization[0] != '\0' &&
	    (status = session_authenticate(request, AUTH_SHOPPER, 0)) != 0)
		return status;
	struct game_view view;
	status = games_view(&request->work, http_path_id(request, 0),
			    request->session.authenticated ? request->session.user_id : 0, &view);
	if (status != DB_OK) {
		json_decref(view.config_root);
		return http_outcome(request, status);
	}
	json_t *answer = public_game_json(&view, request->work.now);
	json_decref(view.config_root);
	return http_reply(request, 200, answer);
}

static const struct field game_play_body[] = {
	{ .name = "price_fen", .type = FIELD_INT, .min = 1, .max = GAME_PRICE_MAX_FEN },
	{ .name = "amount_fen", .type = FIELD_INT, .min = 1, .max = GAME_PRICE_MAX_FEN },
	{ .name = NULL },
};

static json_t *play_json(const struct game_play_result *result, int64_t now)
{
	json_t *object = json_pack("{s:I}", "play_id", (json_int_t)result->play_id);
	switch (result->kind) {
	case GAME_WHEEL:
		json_object_set_new(object, "prize",
				    result->slot >= 0 ? prize_shown(&result->prize, result->slot)
						  : json_pack("{s:n, s:n, s:s}", "slot", "name", "kind", "none"));
		if (result->coupon.id != 0)
			json_object_set_new(object, "coupon", coupon_json(&result->coupon, now));
		if (result->red_packet.id != 0)
			json_object_set_new(object, "red_packet", red_packet_json(&result->red_packet));
		if (result->prize_id != 0)
			json_object_set_new(object, "prize_id", json_integer((json_int_t)result->prize_id));
		if (result->points_changed)
			json_object_set_new(object, "points_balance", json_integer((json_int_t)result->points_balance));
		break;
	case GAME_GUESS_PRICE:
		json_object_set_new(object, "price_fen", json_integer((json_int_t)result->amount_fen));
		break;
	case GAME_AUCTION:
		json_object_set_new(object, "amount_fen", json_integer((json_int_t)result->amount_fen));
		if (result->order_id != 0)
			json_object_set_new(object, "order_id", json_integer((json_int_t)result->order_id));
		break;
	}
	return object;
}

/* POST /api/v1/games/{id}/play */
static int game_play(struct request *request)
{
	const json_t *price = json_object_get(request->json, "price_fen");
	const json_t *amount = json_object_get(request->json, "amount_fen");
	struct fraud_client client = { .ip = request->client_ip, .user_agent = request->user_agent,
				       .referer = request->referer, .device_id = request->device_id };
	struct game_play_input input = {
		.game_id = http_path_id(request, 0), .user_id = request->session.user_id,
		.amount_fen = price ? body_int(request, "price_fen", 0) : body_int(request, "amount_fen", 0),
		.has_amount = price != NULL || amount != NULL, .client = &client,
	};
	struct game_play_result result = { 0 };
	int status = games_play(&request->work, &input, &result);
	if (status != DB_OK) {
		json_decref(result.config_root);
		if (status == OUT_DAILY_LIMIT)
			return http_error_detail(request, 429, "daily_limit", "games.daily_limit");
		return http_outcome(request, status);
	}
	json_t *answer = play_json(&result, request->work.now);
	json_decref(result.config_root);
	return http_reply(request, result.kind == GAME_GUESS_PRICE ? 202 : 200, answer);
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "GET", "/api/v1/admin/campaigns/{id}/games", admin_game_list, AUTH_ADMIN, 0, NULL },
	{ "POST", "/api/v1/admin/campaigns/{id}/games", admin_game_create, AUTH_ADMIN, ROLE_OPERATOR,
	  game_create_body },
	{ "GET", "/api/v1/admin/games/{id}", admin_game_get, AUTH_ADMIN, 0, NULL },
	{ "PATCH", "/api/v1/admin/games/{id}", admin_game_patch, AUTH_ADMIN, ROLE_OPERATOR, game_patch_body },
	{ "POST", "/api/v1/admin/games/{id}/publish", admin_game_publish, AUTH_ADMIN, ROLE_OPERATOR, NULL },
	{ "GET", "/api/v1/campaigns/{id}/games", campaign_game_list, AUTH_NONE, 0, NULL },
	{ "GET", "/api/v1/games/{id}", game_get, AUTH_NONE, 0, NULL },
	{ "POST", "/api/v1/games/{id}/play", game_play, AUTH_SHOPPER, 0, game_play_body },
};

const struct route_table games_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
