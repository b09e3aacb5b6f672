/* games.h: the games of a campaign (API.md "Games"): the lucky wheel and
 * points lottery, guess the price, English and Dutch auctions.
 *
 * The pure half (config reading and checking, the draw, the auction's
 * price and bid rules, the guess's winners) takes structs and answers
 * structs, so tests/unit/games/ covers it without MariaDB. The flows load
 * the facts through games_store.h, decide with the pure half and write in
 * one db_atomic(); they return DB_OK, a door code or an outcome
 * (core/outcome.h) that the routes map once. */
#ifndef KANJIA_GAMES_H
#define KANJIA_GAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fraud/fraud_check.h"
#include "reward/red_packet_store.h"
#include "reward/reward_store.h"

struct unit;

/* Business limits (422 invalid_game outside them). */
#define GAME_TITLE_CHARS_MAX 100
#define GAME_PRIZES_MAX 12
#define GAME_PRIZE_NAME_CHARS_MAX 40
#define GAME_WEIGHT_MAX 1000000
#define GAME_STOCK_MAX 10000000
#define GAME_SPINS_PER_DAY_MAX 100
#define GAME_COST_POINTS_MAX 1000000
#define GAME_PRIZE_POINTS_MAX 1000000
/* Platform rule for draws: no prize worth more than 50,000 yuan. */
#define GAME_PRIZE_VALUE_MAX_FEN 5000000
#define GAME_PRICE_MAX_FEN 100000000
#define GAME_VALID_DAYS_MAX 365
#define GAME_DROP_EVERY_MAX_S 86400
#define GAME_RED_PACKET_DAYS_DEFAULT 7
#define GAME_DETAIL_SIZE 160

enum game_kind { GAME_WHEEL, GAME_GUESS_PRICE, GAME_AUCTION };
enum game_prize_kind { PRIZE_NONE, PRIZE_COUPON, PRIZE_POINTS, PRIZE_RED_PACKET, PRIZE_ITEM };

struct wheel_prize {
	const char *name; /* borrowed from the config JSON */
	enum game_prize_kind kind;
	int64_t weight;
	int64_t stock;  /* as configured; the live stock is game_prize's */
	int64_t points; /* points prizes */
	/* coupon prizes: {"coupon": {"title", "amount_fen", "min_spend_fen", "valid_days"}}, or a coupon
	 * promotion of the campaign ({"coupon_promotion_id"}: its own amount, checked against the
	 * campaign when the game is written) */
	const char *coupon_title;
	int64_t amount_fen, min_spend_fen, valid_days;
	int64_t coupon_promotion_id; /* 0: the coupon above */
	/* red packet prizes: a random amount in [1, red_packet_max_fen], valid red_packet_days */
	int64_t red_packet_max_fen, red_packet_days;
};

struct wheel_config {
	int64_t spins_per_day, cost_points;
	int prize_count;
	struct wheel_prize prizes[GAME_PRIZES_MAX];
	int64_t total_weight;
};

struct guess_config {
	int64_t item_id, answer_fen, tolerance_fen;
	const json_t *reward; /* {"coupon": {...}} or {"prize": "..."}: reward.h's entry */
	int64_t reward_promotion_id; /* {"coupon_promotion_id"}: a coupon promotion of the campaign (0: none) */
};

struct auction_config {
	bool dutch;
	int64_t item_id;
	int64_t start_fen, step_fen;                   /* english */
	int64_t floor_fen, drop_fen, drop_every_s;     /* dutch (start_fen too) */
};

struct game_config {
	enum game_kind kind;
	struct wheel_config wheel;
	struct guess_config guess;
	struct auction_config auction;
};

/* Why a config was refused: the text (http/messages.c, "games.*") and the
 * field it names. */
struct game_refusal {
	const char *text;
	char field[GAME_DETAIL_SIZE];
};

/* "wheel", "guess_price", "auction" <-> the kind; -1 for an unknown name. */
int game_kind_parse(const char *name);
const char *game_kind_name(enum game_kind kind);
const char *game_prize_kind_name(enum game_prize_kind kind);

/* Reads and checks config for kind into *out (borrowing from config).
 * Returns 0, or -1 with *refusal (OUT) naming the field and the rule. A
 * coupon prize names either its own coupon or a coupon_promotion_id (whether
 * that is a coupon promotion of the campaign needs the database: games.c
 * checks it when a game is written). Pure. */
int game_config_read(enum game_kind kind, const json_t *config, struct game_config *out,
		     struct game_refusal *refusal);

/* Whether after may replace before on a published game: the same config
 * except that a wheel prize's stock may grow. Pure. */
bool game_config_only_adds_stock(const struct game_config *before, const struct game_config *after);

/* The wheel's slot for a roll in [0, total_weight): each slot owns a run
 * of rolls as long as its weight, in order. Pure. */
int wheel_pick(const struct wheel_config *wheel, uint64_t roll);
/* One draw from the CSPRNG (core/crypto.h). */
int wheel_draw(const struct wheel_config *wheel);
/* A red packet prize's amount for a roll: 1 + roll mod red_packet_max_fen,
 * so every amount from 1 fen to the cap is equally likely. Pure. */
int64_t wheel_red_packet_amount(const struct wheel_prize *prize, uint64_t roll);

/* The Dutch price at now: start, less drop_fen for every whole
 * drop_every_s since starts_at, never below floor. Pure. */
int64_t auction_dutch_price(const struct auction_config *auction, int64_t starts_at, int64_t now);
/* The least an English bid may be: start_fen with no bid yet, else the
 * highest plus a step. Pure. */
int64_t auction_min_bid(const struct auction_config *auction, bool has_bid, int64_t highest_fen);
/* Whether a guess wins: within tolerance of the answer, either side. Pure. */
bool guess_wins(const struct guess_config *guess, int64_t price_fen);

/* Whether a game can be played at now: published and inside its window. */
bool game_open(int64_t published_at, int64_t starts_at, int64_t ends_at, int64_t now);

/* ================================================================ flows */

struct game {
	int64_t id, campaign_id;
	enum game_kind kind;
	const char *title;
	int64_t starts_at, ends_at;
	const char *config_json; /* the arena owns it */
	int64_t published_at;    /* 0: not yet */
	int64_t winner_id, winning_fen; /* auctions: the highest bid or the taker (0: none) */
	int64_t settled_at;
	int64_t order_id; /* auctions: the winner's order (0: none yet) */
};

struct game_prize_stock {
	int slot;
	int64_t stock_total, stock_left, given;
};

/* The admin's create and patch input (NULL / absent: unchanged). */
struct game_input {
	const char *kind, *title, *starts_at, *ends_at;
	const json_t *config;
};

/* Creates a game in campaign_id; *game (OUT). Returns DB_OK,
 * OUT_NOT_FOUND (no campaign), OUT_INVALID_GAME with *refusal, or a door
 * code. */
int games_create(struct unit *unit, int64_t campaign_id, int64_t admin_id, const struct game_input *input,
		 struct game *game, struct game_refusal *refusal);
/* Changes a game; on a published one only a wheel's prize stock may grow
 * (OUT_PUBLISHED otherwise). */
int games_patch(struct unit *unit, int64_t game_id, int64_t admin_id, const struct game_input *input,
		struct game *game, struct game_refusal *refusal);
/* Publishes a game's odds and stock; OUT_PUBLISHED when it was already. */
int games_publish(struct unit *unit, int64_t game_id, int64_t admin_id, struct game *game);
/* One game, or a campaign's games (OUT_NOT_FOUND for no campaign). */
int games_get(struct unit *unit, int64_t game_id, struct game *game);
int games_of_campaign(struct unit *unit, int64_t campaign_id, struct game **games, int *count);

/* What a shopper sees of a game (GET /games/{id}). */
struct game_view {
	struct game game;
	struct game_config config;
	json_t *config_root; /* the parsed config (the view borrows from it); the caller releases it */
	struct game_prize_stock stock[GAME_PRIZES_MAX];
	int stock_count;
	int64_t plays_left_today; /* -1: no shopper */
	int64_t viewer_id;        /* the shopper who asked (0: anonymous) */
	bool played;              /* guess: the shopper has guessed */
	int64_t my_guess_fen;
	int64_t current_price_fen; /* auctions */
	int64_t bid_count;
	struct game_winner *winners; /* guess after the end */
	int winner_count;
};

struct game_winner {
	const char *phone; /* the arena owns it */
	int64_t price_fen;
};

/* What the dashboard shows of a game: its plays (spins, guesses, bids,
 * takes), the shoppers who played, the prizes given (wheel prizes won,
 * guess winners rewarded, an auction's winner's order) and the wheel's
 * stock left over its prizes (-1 for other kinds). */
struct game_stats {
	int64_t plays, players, prizes_given, stock_left;
};
/* The stats of each of count games into stats[count] (OUT). */
int games_stats(struct unit *unit, const struct game *games, int count, struct game_stats *stats);

/* Loads the view of game_id for user_id (0: anonymous). */
int games_view(struct unit *unit, int64_t game_id, int64_t user_id, struct game_view *view);

struct game_play_input {
	int64_t game_id, user_id;
	int64_t amount_fen; /* guess, English bid */
	bool has_amount;
	const struct fraud_client *client;
};

struct game_play_result {
	enum game_kind kind;
	int64_t play_id;
	int slot;                 /* wheel: -1 for none */
	struct wheel_prize prize; /* wheel, slot >= 0: a copy (its texts borrow from config_root) */
	struct coupon coupon; /* id 0: none */
	struct red_packet red_packet; /* id 0: none */
	int64_t prize_id;
	int64_t points_won;
	bool points_changed;
	int64_t points_balance;
	int64_t amount_fen;  /* guess, bid, Dutch price */
	int64_t order_id;    /* Dutch take */
	json_t *config_root; /* keeps prize names alive; the caller releases it */
};

/* One play of input's game by its shopper. Returns DB_OK with *result
 * (OUT), OUT_NOT_FOUND, OUT_GAME_CLOSED, OUT_DAILY_LIMIT,
 * OUT_INSUFFICIENT_POINTS, OUT_ALREADY_PLAYED, OUT_OUTBID,
 * OUT_RISK_REJECTED, OUT_MISSING_FIELD (no amount where one is needed),
 * or a door code. */
int games_play(struct unit *unit, const struct game_play_input *input, struct game_play_result *result);

/* The sweeper's turn: rewards the winners of ended guess games and gives
 * ended English auctions' winners their orders, each game once. Returns
 * how many games it settled, or -1 on a DB error (logged). */
long games_sweep(struct unit *unit);

#endif
