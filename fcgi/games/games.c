/* games.c: the games' flows (see games.h): load the facts through
 * games_store.h, decide with game_rules.c's pure functions, write in one
 * db_atomic(). Coupons, prizes and points are issued through reward/
 * (reward_issue, coupon_issue, points_apply, red_packet_issue); a coupon
 * promotion's template is read through checkout/promotion_store.h; an
 * auction's winner's order through checkout/order_award.h. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "admin/audit.h"
#include "bargain/bargain_store.h"
#include "checkout/order_award.h"
#include "checkout/promotion_store.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/outcome.h"
#include "db/db.h"
#include "games/games.h"
#include "games/games_store.h"
#include "reward/points.h"
#include "reward/red_packet_store.h"
#include "reward/reward.h"

#define GAMES_PER_CAMPAIGN_MAX 100
#define GAME_WINNERS_SHOWN 100
#define SWEEP_GAMES_MAX 20
#define SWEEP_WINNERS_MAX 500
#define LEADERBOARD_PRIZES 3
#define DAY_S 86400

/* ============================================================ the admin */

/* Parses a stored config (written by this file: always valid). A new
 * reference in *root (OUT), config borrowing from it. */
static int config_load(const struct game *game, json_t **root, struct game_config *config)
{
	struct game_refusal refusal;
	*root = json_loads(game->config_json, 0, NULL);
	if (*root == NULL || game_config_read(game->kind, *root, config, &refusal) != 0) {
		log_error("game %lld: its stored config does not read: %s", (long long)game->id,
			  *root ? refusal.field : "JSON");
		json_decref(*root);
		*root = NULL;
		return DB_FAILED;
	}
	return DB_OK;
}

/* The wheel's stock rows from its config: -1 for none prizes. */
static void wheel_stock(const struct game_config *config, int64_t stock[GAME_PRIZES_MAX], int *count)
{
	*count = config->kind == GAME_WHEEL ? config->wheel.prize_count : 0;
	for (int i = 0; i < *count; i++)
		stock[i] = config->wheel.prizes[i].kind == PRIZE_NONE ? -1 : config->wheel.prizes[i].stock;
}

struct game_write {
	int64_t campaign_id, game_id, admin_id;
	const struct game_input *input;
	struct game *game;
	struct game_refusal *refusal;
};

static json_t *game_audit_json(const struct game *game)
{
	return json_pack("{s:I, s:s, s:s, s:b}", "id", (json_int_t)game->id, "kind", game_kind_name(game->kind),
			 "title", game->title, "published", game->published_at != 0);
}

static int window_read(const struct game_input *input, const struct game *current, int64_t *starts_at,
		       int64_t *ends_at, struct game_refusal *refusal)
{
	*starts_at = current ? current->starts_at : 0;
	*ends_at = current ? current->ends_at : 0;
	if (input->starts_at != NULL && clock_parse_rfc3339(input->starts_at, starts_at) != 0) {
		refusal->text = "games.field";
		snprintf(refusal->field, sizeof(refusal->field), "starts_at");
		return OUT_INVALID_GAME;
	}
	if (input->ends_at != NULL && clock_parse_rfc3339(input->ends_at, ends_at) != 0) {
		refusal->text = "games.field";
		snprintf(refusal->field, sizeof(refusal->field), "ends_at");
		return OUT_INVALID_GAME;
	}
	if (*ends_at <= *starts_at) {
		refusal->text = "games.window";
		refusal->field[0] = '\0';
		return OUT_INVALID_GAME;
	}
	return DB_OK;
}

/* ====================================================== coupon templates */

/* What a coupon promotion (API.md "Promotions (admin)", kind coupon) gives:
 * its title and the config's amount, minimum spend and days (30 when the
 * config says none, as the promotion resource's coupon kind). Its issues
 * count against limits.total on the promotion's own counter
 * (promotion_take: used_orders). */
#define PROMOTION_COUPON_DAYS_DEFAULT 30
struct promotion_coupon {
	const char *title; /* the arena owns it */
	int64_t amount_fen, min_spend_fen, valid_days;
	bool enabled;
	int64_t limit_total; /* 0: none */
};

/* Loads promotion_id as a coupon template of campaign_id into *template
 * (OUT). OUT_NOT_FOUND when it is no coupon promotion of that campaign or
 * its config gives no amount. */
static int promotion_coupon_load(struct unit *unit, int64_t promotion_id, int64_t campaign_id,
				 struct promotion_coupon *template)
{
	struct promotion_row row;
	int status = promotion_read(unit, promotion_id, false, &row);
	if (status != DB_OK)
		return status;
	if (row.campaign_id != campaign_id || strcmp(row.kind, "coupon") != 0)
		return OUT_NOT_FOUND;
	json_t *config = json_loads(row.config_json, 0, NULL);
	json_int_t amount = json_integer_value(json_object_get(config, "amount_fen"));
	json_int_t min_spend = json_integer_value(json_object_get(config, "min_spend_fen"));
	json_int_t days = json_integer_value(json_object_get(config, "valid_days"));
	json_decref(config);
	if (amount <= 0 || min_spend < 0)
		return OUT_NOT_FOUND;
	*template = (struct promotion_coupon){
		.title = row.title, .amount_fen = amount, .min_spend_fen = min_spend,
		.valid_days = days >= 1 && days <= GAME_VALID_DAYS_MAX ? days : PROMOTION_COUPON_DAYS_DEFAULT,
		.enabled = row.enabled, .limit_total = row.limit_total,
	};
	return DB_OK;
}

/* Checks one coupon_promotion_id of a game (named field, for the refusal). */
static int game_promotion_check(struct unit *unit, int64_t campaign_id, int64_t promotion_id, const char *field,
				struct game_refusal *refusal)
{
	struct promotion_coupon template;
	int status = promotion_coupon_load(unit, promotion_id, campaign_id, &template);
	if (status == DB_OK && template.amount_fen <= GAME_PRIZE_VALUE_MAX_FEN)
		return DB_OK;
	if (status != DB_OK && status != OUT_NOT_FOUND)
		return status;
	refusal->text = status == OUT_NOT_FOUND ? "games.coupon_template" : "games.prize_value";
	snprintf(refusal->field, sizeof(refusal->field), "%s", field);
	return OUT_INVALID_GAME;
}

/* Every coupon_promotion_id of a game (a wheel's prizes, a guess's reward)
 * names a coupon promotion of the game's campaign worth at most the
 * platform's prize cap; *refusal (OUT) names the first that does not
 * (OUT_INVALID_GAME). */
static int game_promotions_check(struct unit *unit, int64_t campaign_id, const struct game_config *config,
				 struct game_refusal *refusal)
{
	if (config->kind == GAME_GUESS_PRICE && config->guess.reward_promotion_id != 0)
		return game_promotion_check(unit, campaign_id, config->guess.reward_promotion_id,
					    "config.reward.coupon_promotion_id", refusal);
	for (int i = 0; config->kind == GAME_WHEEL && i < config->wheel.prize_count; i++) {
		const struct wheel_prize *prize = &config->wheel.prizes[i];
		if (prize->kind != PRIZE_COUPON || prize->coupon_promotion_id == 0)
			continue;
		char field[GAME_DETAIL_SIZE];
		snprintf(field, sizeof(field), "config.prizes[%d].coupon_promotion_id", i);
		int status = game_promotion_check(unit, campaign_id, prize->coupon_promotion_id, field, refusal);
		if (status != DB_OK)
			return status;
	}
	return DB_OK;
}

static int create_body(struct unit *unit, void *context)
{
	struct game_write *write = context;
	const struct game_input *input = write->input;
	bool found;
	int status = game_campaign_exists(unit, write->campaign_id, &found);
	if (status != DB_OK)
		return status;
	if (!found)
		return OUT_NOT_FOUND;
	int kind = game_kind_parse(input->kind);
	if (kind < 0) {
		write->refusal->text = "games.field";
		snprintf(write->refusal->field, sizeof(write->refusal->field), "kind");
		return OUT_INVALID_GAME;
	}
	struct game_config config;
	if (game_config_read((enum game_kind)kind, input->config, &config, write->refusal) != 0)
		return OUT_INVALID_GAME;
	int64_t starts_at, ends_at;
	if ((status = window_read(input, NULL, &starts_at, &ends_at, write->refusal)) != DB_OK ||
	    (status = game_promotions_check(unit, write->campaign_id, &config, write->refusal)) != DB_OK)
		return status;
	char *config_json = json_dumps(input->config, JSON_COMPACT | JSON_SORT_KEYS);
	int64_t game_id;
	status = game_insert(unit, write->campaign_id, (enum game_kind)kind, input->title, starts_at, ends_at,
			     config_json, &game_id);
	free(config_json);
	if (status != DB_OK)
		return status;
	int64_t stock[GAME_PRIZES_MAX];
	int count;
	wheel_stock(&config, stock, &count);
	if ((status = game_prizes_reset(unit, game_id, stock, count)) != DB_OK ||
	    (status = game_read(unit, game_id, false, write->game)) != DB_OK)
		return status;
	json_t *after = game_audit_json(write->game);
	status = audit_write(unit, write->admin_id, "game.create", "game", game_id, NULL, after);
	json_decref(after);
	return status;
}

int games_create(struct unit *unit, int64_t campaign_id, int64_t admin_id, const struct game_input *input,
		 struct game *game, struct game_refusal *refusal)
{
	struct game_write write = { .campaign_id = campaign_id, .admin_id = admin_id, .input = input, .game = game,
				    .refusal = refusal };
	return db_atomic(unit, create_body, &write);
}

/* A published wheel's PATCH: only stock may grow (and nothing else may be
 * sent besides the config). */
static int patch_published(struct unit *unit, struct game_write *write, const struct game *before)
{
	const struct game_input *input = write->input;
	if (input->title != NULL || input->starts_at != NULL || input->ends_at != NULL || input->config == NULL ||
	    before->kind != GAME_WHEEL)
		return OUT_PUBLISHED;
	json_t *root;
	struct game_config old_config, new_config;
	int status = config_load(before, &root, &old_config);
	if (status != DB_OK)
		return status;
	if (game_config_read(before->kind, input->config, &new_config, write->refusal) != 0) {
		json_decref(root);
		return OUT_INVALID_GAME;
	}
	bool only_stock = game_config_only_adds_stock(&old_config, &new_config);
	json_decref(root);
	if (!only_stock)
		return OUT_PUBLISHED;
	for (int slot = 0; slot < new_config.wheel.prize_count; slot++)
		if (new_config.wheel.prizes[slot].kind != PRIZE_NONE &&
		    (status = game_prize_grow(unit, before->id, slot, new_config.wheel.prizes[slot].stock)) != DB_OK)
			return status;
	char *config_json = json_dumps(input->config, JSON_COMPACT | JSON_SORT_KEYS);
	status = game_config_update(unit, before->id, config_json);
	free(config_json);
	return status;
}

static int patch_body(struct unit *unit, void *context)
{
	struct game_write *write = context;
	const struct game_input *input = write->input;
	struct game before;
	int status = game_read(unit, write->game_id, true, &before);
	if (status != DB_OK)
		return status;
	if (before.published_at != 0) {
		if ((status = patch_published(unit, write, &before)) != DB_OK)
			return status;
	} else {
		const json_t *config_value = input->config;
		json_t *stored = NULL;
		if (config_value == NULL)
			config_value = stored = json_loads(before.config_json, 0, NULL);
		struct game_config config;
		int read = game_config_read(before.kind, config_value, &config, write->refusal);
		int64_t starts_at, ends_at;
		if (read != 0 || (status = window_read(input, &before, &starts_at, &ends_at, write->refusal)) != DB_OK) {
			json_decref(stored);
			return OUT_INVALID_GAME;
		}
		if ((status = game_promotions_check(unit, before.campaign_id, &config, write->refusal)) != DB_OK) {
			json_decref(stored);
			return status;
		}
		char *config_json = json_dumps(config_value, JSON_COMPACT | JSON_SORT_KEYS);
		status = game_update(unit, before.id, input->title ? input->title : before.title, starts_at, ends_at,
				     config_json);
		free(config_json);
		int64_t stock[GAME_PRIZES_MAX];
		int count;
		wheel_stock(&config, stock, &count);
		json_decref(stored);
		if (status != DB_OK || (status = game_prizes_reset(unit, before.id, stock, count)) != DB_OK)
			return status;
	}
	if ((status = game_read(unit, write->game_id, false, write->game)) != DB_OK)
		return status;
	json_t *was = game_audit_json(&before), *now = game_audit_json(write->game);
	status = audit_write(unit, write->admin_id, "game.update", "game", before.id, was, now);
	json_decref(was);
	json_decref(now);
	return status;
}

int games_patch(struct unit *unit, int64_t game_id, int64_t admin_id, const struct game_input *input,
		struct game *game, struct game_refusal *refusal)
{
	struct game_write write = { .game_id = game_id, .admin_id = admin_id, .input = input, .game = game,
				    .refusal = refusal };
	return db_atomic(unit, patch_body, &write);
}

static int publish_body(struct unit *unit, void *context)
{
	struct game_write *write = context;
	int status = game_read(unit, write->game_id, true, write->game);
	if (status != DB_OK || (status = game_publish_mark(unit, write->game_id)) != DB_OK ||
	    (status = game_read(unit, write->game_id, false, write->game)) != DB_OK)
		return status;
	json_t *after = game_audit_json(write->game);
	status = audit_write(unit, write->admin_id, "game.publish", "game", write->game_id, NULL, after);
	json_decref(after);
	return status;
}

int games_publish(struct unit *unit, int64_t game_id, int64_t admin_id, struct game *game)
{
	struct game_write write = { .game_id = game_id, .admin_id = admin_id, .game = game };
	return db_atomic(unit, publish_body, &write);
}

int games_get(struct unit *unit, int64_t game_id, struct game *game)
{
	return game_read(unit, game_id, false, game);
}

int games_of_campaign(struct unit *unit, int64_t campaign_id, struct game **games, int *count)
{
	bool found;
	int status = game_campaign_exists(unit, campaign_id, &found);
	if (status != DB_OK)
		return status;
	if (!found)
		return OUT_NOT_FOUND;
	return game_list(unit, campaign_id, GAMES_PER_CAMPAIGN_MAX, games, count);
}

int games_stats(struct unit *unit, const struct game *games, int count, struct game_stats *stats)
{
	for (int i = 0; i < count; i++) {
		int status = game_stats_read(unit, &games[i], &stats[i]);
		if (status != DB_OK)
			return status;
	}
	return DB_OK;
}

/* ============================================================= the view */

int games_view(struct unit *unit, int64_t game_id, int64_t user_id, struct game_view *view)
{
	*view = (struct game_view){ .plays_left_today = -1, .viewer_id = user_id };
	int status = game_read(unit, game_id, false, &view->game);
	if (status != DB_OK)
		return status;
	/* Shoppers see a game once it is published. */
	if (view->game.published_at == 0)
		return OUT_NOT_FOUND;
	if ((status = config_load(&view->game, &view->config_root, &view->config)) != DB_OK)
		return status;
	const struct game *game = &view->game;
	switch (game->kind) {
	case GAME_WHEEL: {
		if ((status = game_prizes_read(unit, game_id, view->stock, &view->stock_count)) != DB_OK)
			return status;
		if (user_id != 0) {
			int64_t plays;
			if ((status = game_daily_read(unit, game_id, user_id, clock_day_start(unit->now), &plays)) !=
			    DB_OK)
				return status;
			int64_t left = view->config.wheel.spins_per_day - plays;
			view->plays_left_today = left > 0 ? left : 0;
		}
		break;
	}
	case GAME_GUESS_PRICE:
		if (user_id != 0) {
			if ((status = game_guess_read(unit, game_id, user_id, &view->played, &view->my_guess_fen)) !=
			    DB_OK)
				return status;
			view->plays_left_today = view->played ? 0 : 1; /* one guess per shopper */
		}
		if (unit->now >= game->ends_at) {
			const struct guess_config *guess = &view->config.guess;
			struct game_guess *guesses;
			if ((status = game_guesses_between(unit, game_id, guess->answer_fen - guess->tolerance_fen,
							   guess->answer_fen + guess->tolerance_fen, false,
							   GAME_WINNERS_SHOWN, &guesses, &view->winner_count)) != DB_OK)
				return status;
			view->winners = arena_alloc(unit->arena, sizeof(*view->winners) *
									 (size_t)(view->winner_count + 1));
			for (int i = 0; i < view->winner_count; i++)
				view->winners[i] = (struct game_winner){ .phone = guesses[i].phone,
									 .price_fen = guesses[i].amount_fen };
		}
		break;
	case GAME_AUCTION:
		if ((status = game_bid_count(unit, game_id, &view->bid_count)) != DB_OK)
			return status;
		if (view->config.auction.dutch)
			view->current_price_fen = game->winner_id ? game->winning_fen
								  : auction_dutch_price(&view->config.auction,
											game->starts_at, unit->now);
		else
			view->current_price_fen = game->winner_id ? game->winning_fen : view->config.auction.start_fen;
		break;
	}
	return DB_OK;
}

/* ============================================================= the play */

struct play {
	const struct game_play_input *input;
	struct game_play_result *result;
	struct game game;
	struct game_config config;
};

static int wheel_spin(struct unit *unit, struct play *play)
{
	const struct game_play_input *input = play->input;
	struct game_play_result *result = play->result;
	const struct wheel_config *wheel = &play->config.wheel;
	int status = game_daily_take(unit, input->game_id, input->user_id, clock_day_start(unit->now),
				     wheel->spins_per_day);
	if (status != DB_OK)
		return status;
	if (wheel->cost_points > 0) {
		status = points_apply(unit, input->user_id, -wheel->cost_points, "game_spin", 0);
		if (status == OUT_CONFLICT)
			return OUT_INSUFFICIENT_POINTS;
		if (status != DB_OK)
			return status;
		result->points_changed = true;
	}
	/* The outcome: drawn here, stored below before anyone answers it. */
	int slot = wheel_draw(wheel);
	const struct wheel_prize *prize = &wheel->prizes[slot];
	struct promotion_coupon template = { 0 };
	if (prize->kind != PRIZE_NONE) {
		status = game_prize_take(unit, input->game_id, slot);
		if (status == OUT_OUT_OF_STOCK) {
			log_info("game %lld: slot %d drawn out of stock, counts as none", (long long)input->game_id, slot);
			slot = -1;
		} else if (status != DB_OK) {
			return status;
		}
	}
	if (slot >= 0 && prize->kind == PRIZE_COUPON && prize->coupon_promotion_id != 0) {
		/* The promotion's own cap on coupons issued counts this one too; a
		 * promotion switched off or used up since makes the prize none. */
		status = promotion_coupon_load(unit, prize->coupon_promotion_id, play->game.campaign_id, &template);
		if (status == DB_OK && !template.enabled)
			status = OUT_CONFLICT;
		if (status == DB_OK && template.limit_total > 0)
			status = promotion_take(unit, prize->coupon_promotion_id, input->user_id, template.limit_total, 0);
		if (status == OUT_CONFLICT || status == OUT_NOT_FOUND) {
			log_info("game %lld: coupon promotion %lld of slot %d gives no more: counts as none",
				 (long long)input->game_id, (long long)prize->coupon_promotion_id, slot);
			if ((status = game_prize_put_back(unit, input->game_id, slot)) != DB_OK)
				return status;
			slot = -1;
		} else if (status != DB_OK) {
			return status;
		}
	}
	struct game_play_row row = { .game_id = input->game_id, .user_id = input->user_id, .slot = slot,
				     .amount_fen = -1 };
	result->slot = slot;
	if (slot >= 0)
		result->prize = *prize;
	if (slot >= 0) {
		switch (prize->kind) {
		case PRIZE_COUPON: {
			const char *title = prize->coupon_title;
			int64_t amount_fen = prize->amount_fen, min_spend_fen = prize->min_spend_fen;
			int64_t valid_days = prize->valid_days;
			if (prize->coupon_promotion_id != 0) {
				title = template.title;
				amount_fen = template.amount_fen;
				min_spend_fen = template.min_spend_fen;
				valid_days = template.valid_days;
				result->prize.amount_fen = amount_fen; /* shown with the prize */
			}
			int64_t expires_at = unit->now + valid_days * DAY_S;
			status = coupon_issue(unit, input->user_id, play->game.campaign_id, "game", title, amount_fen,
					      min_spend_fen, unit->now, expires_at, &row.coupon_id);
			result->coupon = (struct coupon){ .id = row.coupon_id, .title = title, .amount_fen = amount_fen,
							  .min_spend_fen = min_spend_fen, .starts_at = unit->now,
							  .expires_at = expires_at, .status = "available" };
			break;
		}
		case PRIZE_ITEM:
			status = prize_issue(unit, input->user_id, play->game.campaign_id, 0, prize->name, &row.prize_id);
			result->prize_id = row.prize_id;
			break;
		case PRIZE_POINTS:
			status = points_apply(unit, input->user_id, prize->points, "game_prize", 0);
			row.points = prize->points;
			result->points_won = prize->points;
			result->points_changed = true;
			break;
		case PRIZE_NONE:
			break;
		case PRIZE_RED_PACKET: {
			int64_t amount_fen = wheel_red_packet_amount(prize,
								    crypto_random_below((uint64_t)prize->red_packet_max_fen));
			status = red_packet_issue(unit, input->user_id, amount_fen, prize->red_packet_days, "wheel",
						  &row.red_packet_id);
			result->red_packet = (struct red_packet){ .id = row.red_packet_id, .amount_fen = amount_fen,
								  .source = "wheel", .created_at = unit->now,
								  .expires_at = unit->now + prize->red_packet_days * DAY_S,
								  .status = "available" };
			break;
		}
		}
		if (status != DB_OK)
			return status;
	}
	if ((status = game_play_insert(unit, &row, &result->play_id)) != DB_OK)
		return status;
	/* A red packet or a template's coupon is a grant of the reward module:
	 * its key, the play, makes it once per play whatever retries. */
	if (row.red_packet_id != 0 || (slot >= 0 && prize->coupon_promotion_id != 0)) {
		char *milestone = arena_printf(unit->arena, "wheel:%lld", (long long)result->play_id);
		if ((status = reward_grant_record(unit, 0, play->game.campaign_id, input->user_id, milestone,
						  row.coupon_id, 0, unit->now)) != DB_OK)
			return status;
	}
	if (result->points_changed)
		return points_balance(unit, input->user_id, &result->points_balance);
	return DB_OK;
}

static int guess_place(struct unit *unit, struct play *play)
{
	const struct game_play_input *input = play->input;
	if (!input->has_amount)
		return OUT_MISSING_FIELD;
	char *once = arena_printf(unit->arena, "guess:%lld", (long long)input->user_id);
	struct game_play_row row = { .game_id = input->game_id, .user_id = input->user_id, .slot = -1,
				     .amount_fen = input->amount_fen, .once_key = once };
	int status = game_play_insert(unit, &row, &play->result->play_id);
	if (status == DB_DUPLICATE)
		return OUT_ALREADY_PLAYED;
	play->result->amount_fen = input->amount_fen;
	return status;
}

static int english_bid(struct unit *unit, struct play *play)
{
	const struct game_play_input *input = play->input;
	const struct auction_config *auction = &play->config.auction;
	if (!input->has_amount)
		return OUT_MISSING_FIELD;
	if (input->amount_fen < auction_min_bid(auction, play->game.winner_id != 0, play->game.winning_fen))
		return OUT_OUTBID;
	/* One conditional update decides against every concurrent bid. */
	int status = game_bid_raise(unit, input->game_id, input->user_id, input->amount_fen, auction->start_fen,
				    auction->step_fen);
	if (status != DB_OK)
		return status;
	struct game_play_row row = { .game_id = input->game_id, .user_id = input->user_id, .slot = -1,
				     .amount_fen = input->amount_fen };
	play->result->amount_fen = input->amount_fen;
	return game_play_insert(unit, &row, &play->result->play_id);
}

static int dutch_take(struct unit *unit, struct play *play)
{
	const struct game_play_input *input = play->input;
	int64_t price = auction_dutch_price(&play->config.auction, play->game.starts_at, unit->now);
	int status = game_winner_set(unit, input->game_id, input->user_id, price);
	if (status != DB_OK)
		return status;
	struct game_play_row row = { .game_id = input->game_id, .user_id = input->user_id, .slot = -1,
				     .amount_fen = price, .once_key = "take" };
	const char *phone;
	if ((status = game_play_insert(unit, &row, &play->result->play_id)) != DB_OK ||
	    (status = game_shopper_phone(unit, input->user_id, &phone)) != DB_OK)
		return status == DB_DUPLICATE ? OUT_GAME_CLOSED : status;
	struct order_award award = { .user_id = input->user_id, .item_id = play->config.auction.item_id,
				     .price_fen = price, .phone = phone,
				     .note = arena_printf(unit->arena, "auction:%lld", (long long)input->game_id) };
	if ((status = order_award(unit, &award, &play->result->order_id)) != DB_OK ||
	    (status = game_order_set(unit, input->game_id, play->result->order_id)) != DB_OK ||
	    (status = game_settled_mark(unit, input->game_id)) != DB_OK)
		return status;
	play->result->amount_fen = price;
	return DB_OK;
}

static int play_body(struct unit *unit, void *context)
{
	struct play *play = context;
	const struct game_play_input *input = play->input;
	struct game_play_result *result = play->result;
	json_decref(result->config_root); /* a retried transaction reads again */
	*result = (struct game_play_result){ .slot = -1 };
	int status = game_read(unit, input->game_id, false, &play->game);
	if (status != DB_OK || (status = config_load(&play->game, &result->config_root, &play->config)) != DB_OK)
		return status;
	result->kind = play->game.kind;
	if (!game_open(play->game.published_at, play->game.starts_at, play->game.ends_at, unit->now))
		return OUT_GAME_CLOSED;
	if (play->game.kind == GAME_AUCTION && play->config.auction.dutch && play->game.winner_id != 0)
		return OUT_GAME_CLOSED;
	/* Anti-fraud first: a block is kept (commit_on_error), nothing else. */
	struct fraud_subject subject = { .user_id = input->user_id };
	struct fraud_outcome outcome;
	if ((status = fraud_check_unit(unit, input->client, FRAUD_SCOPE_PLAY, &subject, &outcome)) != DB_OK)
		return status;
	if (outcome.action == FRAUD_SHADOW)
		return DB_OK; /* answered as a play that won nothing; nothing written */
	switch (play->game.kind) {
	case GAME_WHEEL:
		return wheel_spin(unit, play);
	case GAME_GUESS_PRICE:
		return guess_place(unit, play);
	case GAME_AUCTION:
		return play->config.auction.dutch ? dutch_take(unit, play) : english_bid(unit, play);
	}
	return DB_FAILED;
}

int games_play(struct unit *unit, const struct game_play_input *input, struct game_play_result *result)
{
	struct play play = { .input = input, .result = result };
	result->config_root = NULL;
	/* The day's counter row exists before the play's transaction, so that
	 * concurrent plays of one shopper queue on it instead of deadlocking
	 * on its insert. */
	int status = game_daily_ensure(unit, input->game_id, input->user_id, clock_day_start(unit->now));
	if (status != DB_OK)
		return status;
	return db_atomic(unit, play_body, &play);
}

/* ============================================================ the sweep */

static int guess_settle(struct unit *unit, const struct game *game, const struct game_config *config)
{
	const struct guess_config *guess = &config->guess;
	struct reward reward;
	reward_read(guess->reward, &reward);
	struct promotion_coupon template = { 0 };
	if (guess->reward_promotion_id != 0) {
		/* A coupon promotion's coupon: its own title, amount and days; one
		 * switched off or gone since gives the winners nothing. */
		int status = promotion_coupon_load(unit, guess->reward_promotion_id, game->campaign_id, &template);
		if (status != DB_OK && status != OUT_NOT_FOUND)
			return status;
		if (status == DB_OK && template.enabled)
			reward = (struct reward){ .kind = REWARD_COUPON, .title = template.title,
						  .amount_fen = template.amount_fen,
						  .min_spend_fen = template.min_spend_fen,
						  .valid_days = template.valid_days };
		else
			log_warn("game %lld: coupon promotion %lld gives no more: winners get nothing", (long long)game->id,
				 (long long)guess->reward_promotion_id);
	}
	struct game_guess *winners;
	int count;
	int status = game_guesses_between(unit, game->id, guess->answer_fen - guess->tolerance_fen,
					  guess->answer_fen + guess->tolerance_fen, true, SWEEP_WINNERS_MAX, &winners,
					  &count);
	if (status != DB_OK)
		return status;
	for (int i = 0; i < count; i++) {
		assert(guess_wins(guess, winners[i].amount_fen));
		struct reward_grant grant = {
			.user_id = winners[i].user_id, .campaign_id = game->campaign_id, .bargain_id = 0,
			.milestone = arena_printf(unit->arena, "guess:%lld:%lld", (long long)game->id,
						  (long long)winners[i].user_id),
		};
		struct reward given = reward;
		if (guess->reward_promotion_id != 0 && given.kind == REWARD_COUPON && template.limit_total > 0) {
			/* The promotion's cap on coupons issued counts this one too. */
			status = promotion_take(unit, guess->reward_promotion_id, winners[i].user_id, template.limit_total, 0);
			if (status == OUT_CONFLICT)
				given.kind = REWARD_NONE;
			else if (status != DB_OK)
				return status;
		}
		struct coupon coupon;
		if ((status = reward_issue(unit, &grant, &given, &coupon)) != DB_OK ||
		    (status = game_play_rewarded_mark(unit, winners[i].play_id, coupon.id, 0)) != DB_OK)
			return status;
	}
	/* More winners than one batch: the next sweep takes the rest. */
	return count == SWEEP_WINNERS_MAX ? OUT_CONFLICT : DB_OK;
}

static int english_settle(struct unit *unit, const struct game *game, const struct game_config *config)
{
	if (game->winner_id == 0)
		return DB_OK; /* nobody bid */
	const char *phone;
	int status = game_shopper_phone(unit, game->winner_id, &phone);
	if (status != DB_OK)
		return status;
	struct order_award award = { .user_id = game->winner_id, .item_id = config->auction.item_id,
				     .price_fen = game->winning_fen, .phone = phone,
				     .note = arena_printf(unit->arena, "auction:%lld", (long long)game->id) };
	int64_t order_id;
	status = order_award(unit, &award, &order_id);
	if (status == OUT_OUT_OF_STOCK || status == OUT_NOT_FOUND) {
		log_warn("game %lld: the winner's item %lld is gone or sold out: no order", (long long)game->id,
			 (long long)config->auction.item_id);
		return DB_OK;
	}
	if (status != DB_OK)
		return status;
	return game_order_set(unit, game->id, order_id);
}

static int settle_body(struct unit *unit, void *context)
{
	int64_t game_id = *(const int64_t *)context;
	struct game game;
	int status = game_read(unit, game_id, true, &game);
	if (status != DB_OK)
		return status;
	if (game.settled_at != 0)
		return DB_OK;
	json_t *root;
	struct game_config config;
	if ((status = config_load(&game, &root, &config)) != DB_OK)
		return status;
	if (game.kind == GAME_GUESS_PRICE)
		status = guess_settle(unit, &game, &config);
	else if (game.kind == GAME_AUCTION && !config.auction.dutch)
		status = english_settle(unit, &game, &config);
	json_decref(root);
	if (status == OUT_CONFLICT) {
		unit->commit_on_error = true; /* keep this batch, settle later */
		return status;
	}
	if (status != DB_OK)
		return status;
	return game_settled_mark(unit, game_id);
}

static int leaderboard_body(struct unit *unit, void *context)
{
	int64_t campaign_id = *(const int64_t *)context;
	int status = game_leaderboard_awarded_mark(unit, campaign_id);
	if (status != DB_OK)
		return status; /* DB_DUPLICATE: given already */
	const char **rewards;
	int items;
	struct bargain_rank *ranks;
	int ranked;
	if ((status = campaign_leaderboard_rewards(unit, campaign_id, &rewards, &items)) != DB_OK ||
	    (status = bargain_leaderboard(unit, campaign_id, LEADERBOARD_PRIZES, &ranks, &ranked)) != DB_OK)
		return status == OUT_NOT_FOUND ? DB_OK : status;
	for (int rank = 1; rank <= ranked; rank++) {
		/* The first item (by id) that names a prize for this rank. */
		struct reward reward = { .kind = REWARD_NONE };
		json_t *found_in = NULL;
		for (int i = 0; i < items && reward.kind == REWARD_NONE; i++) {
			json_t *root = json_loads(rewards[i], 0, NULL);
			const json_t *entries = json_object_get(root, "leaderboard");
			size_t index;
			const json_t *entry;
			json_array_foreach(entries, index, entry) {
				if (json_integer_value(json_object_get(entry, "rank")) == rank) {
					reward_read(entry, &reward);
					if (reward.kind != REWARD_NONE)
						break;
				}
			}
			if (reward.kind != REWARD_NONE)
				found_in = root;
			else
				json_decref(root);
		}
		if (reward.kind == REWARD_NONE)
			continue;
		struct reward_grant grant = { .user_id = 0, .campaign_id = campaign_id,
					      .bargain_id = ranks[rank - 1].bargain_id,
					      .milestone = arena_printf(unit->arena, "rank:%d", rank) };
		status = game_bargain_owner(unit, grant.bargain_id, &grant.user_id);
		if (status == DB_OK)
			status = reward_issue(unit, &grant, &reward, NULL);
		json_decref(found_in);
		if (status == DB_DUPLICATE)
			status = DB_OK; /* this rank's prize was given before (by hand or an older run) */
		if (status != DB_OK)
			return status;
	}
	return DB_OK;
}

long games_sweep(struct unit *unit)
{
	bool taken;
	if (games_sweep_lock(unit, &taken) != DB_OK || !taken)
		return 0;
	long settled = 0;
	int64_t *ids;
	int count;
	int status = games_due(unit, SWEEP_GAMES_MAX, &ids, &count);
	for (int i = 0; status == DB_OK && i < count; i++) {
		int64_t id = ids[i];
		int result = db_atomic(unit, settle_body, &id);
		unit->commit_on_error = false;
		if (result == DB_OK)
			settled++;
		else if (result != OUT_CONFLICT)
			log_error("games sweep: game %lld did not settle (%d)", (long long)id, result);
	}
	if (status == DB_OK)
		status = campaigns_leaderboard_due(unit, SWEEP_GAMES_MAX, &ids, &count);
	for (int i = 0; status == DB_OK && i < count; i++) {
		int64_t id = ids[i];
		int result = db_atomic(unit, leaderboard_body, &id);
		if (result == DB_OK)
			settled++;
		else if (result != DB_DUPLICATE)
			log_error("games sweep: the leaderboard of campaign %lld was not awarded (%d)", (long long)id,
				  result);
	}
	games_sweep_unlock(unit);
	return status == DB_OK ? settled : -1;
}
