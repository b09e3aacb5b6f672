/* games_store.h: the only SQL on game, game_prize, game_play and
 * game_daily (sql/011_games.sql).
 *
 * Named operations on a unit; each returns DB_OK, an outcome
 * (core/outcome.h) or a door code (db/db.h). Rows read are copied into
 * structs whose strings the unit's arena owns. The races are settled by
 * the database, each by one conditional statement checked by affected
 * rows: a wheel prize's stock (game_prize_take), a shopper's plays per
 * day (game_daily_take), the highest English bid (game_bid_raise), the
 * Dutch taker (game_winner_set), a guess per shopper (the unique once_key
 * of game_play), a settlement (game_settled_mark). */
#ifndef KANJIA_GAMES_STORE_H
#define KANJIA_GAMES_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "games/games.h"

struct unit;

/* Whether campaign_id exists (*found OUT). */
int game_campaign_exists(struct unit *unit, int64_t campaign_id, bool *found);
/* Inserts a game (published no); *game_id (OUT). */
int game_insert(struct unit *unit, int64_t campaign_id, enum game_kind kind, const char *title, int64_t starts_at,
		int64_t ends_at, const char *config_json, int64_t *game_id);
/* Rewrites an unpublished game's fields; OUT_PUBLISHED when it was
 * published meanwhile. */
int game_update(struct unit *unit, int64_t game_id, const char *title, int64_t starts_at, int64_t ends_at,
		const char *config_json);
/* A published game's config (only its prize stock grew). */
int game_config_update(struct unit *unit, int64_t game_id, const char *config_json);
/* unpublished -> published at the unit's now; OUT_PUBLISHED when it was. */
int game_publish_mark(struct unit *unit, int64_t game_id);
/* One game (*game OUT); OUT_NOT_FOUND. With lock, FOR UPDATE. */
int game_read(struct unit *unit, int64_t game_id, bool lock, struct game *game);
/* A campaign's games by id, at most limit (*games OUT in the arena). */
int game_list(struct unit *unit, int64_t campaign_id, int64_t limit, struct game **games, int *count);

/* Replaces an unpublished wheel's prize stock rows with stock[count]
 * (stock -1: a none prize, no row). */
int game_prizes_reset(struct unit *unit, int64_t game_id, const int64_t *stock, int count);
/* Adds to a published wheel's prize slot the stock from total to new_total
 * (new_total >= the row's stock_total). */
int game_prize_grow(struct unit *unit, int64_t game_id, int slot, int64_t new_total);
/* The wheel's stock rows into stock[GAME_PRIZES_MAX] (*count OUT). */
int game_prizes_read(struct unit *unit, int64_t game_id, struct game_prize_stock *stock, int *count);
/* Takes one of the slot's stock: DB_OK, or OUT_OUT_OF_STOCK when none is
 * left (or the slot has no row). */
int game_prize_take(struct unit *unit, int64_t game_id, int slot);
/* Gives back one taken of the slot's stock (a prize drawn that could not
 * be issued after all), in the same transaction as its take. */
int game_prize_put_back(struct unit *unit, int64_t game_id, int slot);

/* Makes user's counter row of that shop day (0 plays) if it is missing:
 * run outside the play's transaction (see games_play). */
int game_daily_ensure(struct unit *unit, int64_t game_id, int64_t user_id, int64_t day_start);
/* Counts one play of user on the shop day starting at day_start, if fewer
 * than per_day were counted: DB_OK or OUT_DAILY_LIMIT (also when the row
 * is missing). */
int game_daily_take(struct unit *unit, int64_t game_id, int64_t user_id, int64_t day_start, int64_t per_day);
/* The plays user has counted on that day (*plays OUT). */
int game_daily_read(struct unit *unit, int64_t game_id, int64_t user_id, int64_t day_start, int64_t *plays);

struct game_play_row {
	int64_t game_id, user_id;
	int slot;            /* -1: none */
	int64_t amount_fen;  /* -1: none */
	int64_t coupon_id, prize_id, points, red_packet_id; /* 0: none */
	const char *once_key; /* NULL: none */
};
/* Inserts a play at the unit's now (*play_id OUT); DB_DUPLICATE when its
 * once_key was used in this game. */
int game_play_insert(struct unit *unit, const struct game_play_row *play, int64_t *play_id);
/* user's guess in game (*found, *amount_fen OUT). */
int game_guess_read(struct unit *unit, int64_t game_id, int64_t user_id, bool *found, int64_t *amount_fen);
/* How many bids (plays with an amount) game has (*count OUT). */
int game_bid_count(struct unit *unit, int64_t game_id, int64_t *count);

/* The guesses of game within [low, high] and not yet rewarded, by id, at
 * most limit: ids, users, amounts and phones (OUT, in the arena). */
struct game_guess {
	int64_t play_id, user_id, amount_fen;
	const char *phone;
};
int game_guesses_between(struct unit *unit, int64_t game_id, int64_t low, int64_t high, bool unrewarded_only,
			 int64_t limit, struct game_guess **guesses, int *count);
/* The dashboard's counts of game (*stats OUT; see struct game_stats). */
int game_stats_read(struct unit *unit, const struct game *game, struct game_stats *stats);
/* Marks a play rewarded with what it got; OUT_CONFLICT when it was. */
int game_play_rewarded_mark(struct unit *unit, int64_t play_id, int64_t coupon_id, int64_t prize_id);

/* English: the highest bid becomes amount_fen by user when it is at least
 * the current highest plus step (or start_fen with no bid), in the window.
 * DB_OK or OUT_OUTBID. */
int game_bid_raise(struct unit *unit, int64_t game_id, int64_t user_id, int64_t amount_fen, int64_t start_fen,
		   int64_t step_fen);
/* Dutch: user takes the game at price_fen when nobody has: DB_OK or
 * OUT_GAME_CLOSED. */
int game_winner_set(struct unit *unit, int64_t game_id, int64_t user_id, int64_t price_fen);
/* Records the winner's order (order_id) on the game. */
int game_order_set(struct unit *unit, int64_t game_id, int64_t order_id);

/* Published guess and auction games ended by the unit's now and not yet
 * settled, oldest end first, at most limit: ids (OUT). */
int games_due(struct unit *unit, int64_t limit, int64_t **ids, int *count);
/* unsettled -> settled at the unit's now: DB_OK or OUT_CONFLICT (settled
 * by another worker). */
int game_settled_mark(struct unit *unit, int64_t game_id);

/* Campaigns ended by the unit's now whose leaderboard prizes were not
 * awarded, at most limit: ids (OUT). Reads campaign (campaign's table). */
int campaigns_leaderboard_due(struct unit *unit, int64_t limit, int64_t **ids, int *count);
/* The leaderboard prizes of campaign_id: its items' rewards_json
 * leaderboard entries, as JSON texts (OUT), by item. Reads campaign_item. */
int campaign_leaderboard_rewards(struct unit *unit, int64_t campaign_id, const char ***rewards, int *count);
/* Marks campaign_id's leaderboard prizes given; DB_DUPLICATE when they were. */
int game_leaderboard_awarded_mark(struct unit *unit, int64_t campaign_id);

/* The shopper's phone (*phone OUT, the arena's); OUT_NOT_FOUND. Reads
 * shopper. */
int game_shopper_phone(struct unit *unit, int64_t user_id, const char **phone);
/* The bargain's initiator (*user_id OUT); OUT_NOT_FOUND. Reads bargain. */
int game_bargain_owner(struct unit *unit, int64_t bargain_id, int64_t *user_id);

/* Takes the games sweep's named lock without waiting (*taken OUT). */
int games_sweep_lock(struct unit *unit, bool *taken);
int games_sweep_unlock(struct unit *unit);

#endif
