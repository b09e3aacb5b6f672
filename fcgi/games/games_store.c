/* games_store.c: the only SQL on game, game_prize, game_play, game_daily
 * and game_leaderboard_award (see games_store.h). */
#include "games/games_store.h"

#include "core/arena.h"
#include "core/outcome.h"
#include "db/db.h"
#include "db/lease.h"

/* ================================================================ games */

static const char *const sql_campaign_exists = "SELECT id FROM campaign WHERE id = ?";
static const char *const sql_game_insert =
	"INSERT INTO game (campaign_id, kind, title, starts_at, ends_at, config_json, created_at, updated_at) "
	"VALUES (?, ?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'), TIMESTAMPADD(SECOND, ?, '1970-01-01'), ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'), TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_game_update =
	"UPDATE game SET title = ?, starts_at = TIMESTAMPADD(SECOND, ?, '1970-01-01'), ends_at = TIMESTAMPADD(SECOND, ?, '1970-01-01'), config_json = ?, "
	"updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE id = ? AND published_at IS NULL";
static const char *const sql_game_config_update =
	"UPDATE game SET config_json = ?, updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE id = ?";
static const char *const sql_game_publish =
	"UPDATE game SET published_at = TIMESTAMPADD(SECOND, ?, '1970-01-01'), updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"WHERE id = ? AND published_at IS NULL";
#define GAME_COLUMNS \
	"SELECT id, campaign_id, kind, title, TIMESTAMPDIFF(SECOND, '1970-01-01', starts_at), TIMESTAMPDIFF(SECOND, '1970-01-01', ends_at), config_json, " \
	"TIMESTAMPDIFF(SECOND, '1970-01-01', published_at), winner_id, winning_fen, TIMESTAMPDIFF(SECOND, '1970-01-01', settled_at), order_id FROM game "
static const char *const sql_game_read = GAME_COLUMNS "WHERE id = ?";
static const char *const sql_game_read_lock = GAME_COLUMNS "WHERE id = ? FOR UPDATE";
static const char *const sql_game_list = GAME_COLUMNS "WHERE campaign_id = ? ORDER BY id LIMIT ?";

int game_campaign_exists(struct unit *unit, int64_t campaign_id, bool *found)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_campaign_exists, "i", campaign_id);
	*found = status == DB_OK && rows.row_count == 1;
	return status;
}

int game_insert(struct unit *unit, int64_t campaign_id, enum game_kind kind, const char *title, int64_t starts_at,
		int64_t ends_at, const char *config_json, int64_t *game_id)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_game_insert, "issiisii", campaign_id, game_kind_name(kind), title,
			     starts_at, ends_at, config_json, unit->now, unit->now);
	if (status == DB_OK)
		*game_id = (int64_t)rows.insert_id;
	return status;
}

int game_update(struct unit *unit, int64_t game_id, const char *title, int64_t starts_at, int64_t ends_at,
		const char *config_json)
{
	return db_exec_one(unit, OUT_PUBLISHED, sql_game_update, "siisii", title, starts_at, ends_at, config_json,
			   unit->now, game_id);
}

int game_config_update(struct unit *unit, int64_t game_id, const char *config_json)
{
	return db_exec(unit, NULL, sql_game_config_update, "sii", config_json, unit->now, game_id);
}

int game_publish_mark(struct unit *unit, int64_t game_id)
{
	return db_exec_one(unit, OUT_PUBLISHED, sql_game_publish, "iii", unit->now, unit->now, game_id);
}

static int64_t int_or_zero(const struct db_rows *rows, int r, int c)
{
	return db_null(rows, r, c) ? 0 : db_int(rows, r, c);
}

static void game_from_row(const struct db_rows *rows, int r, struct game *game)
{
	*game = (struct game){
		.id = db_int(rows, r, 0),
		.campaign_id = db_int(rows, r, 1),
		.kind = (enum game_kind)game_kind_parse(db_text(rows, r, 2)),
		.title = db_text(rows, r, 3),
		.starts_at = db_int(rows, r, 4),
		.ends_at = db_int(rows, r, 5),
		.config_json = db_text(rows, r, 6),
		.published_at = int_or_zero(rows, r, 7),
		.winner_id = int_or_zero(rows, r, 8),
		.winning_fen = int_or_zero(rows, r, 9),
		.settled_at = int_or_zero(rows, r, 10),
		.order_id = int_or_zero(rows, r, 11),
	};
}

int game_read(struct unit *unit, int64_t game_id, bool lock, struct game *game)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, lock ? sql_game_read_lock : sql_game_read, "i", game_id);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	game_from_row(&rows, 0, game);
	return DB_OK;
}

int game_list(struct unit *unit, int64_t campaign_id, int64_t limit, struct game **games, int *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_game_list, "ii", campaign_id, limit);
	if (status != DB_OK)
		return status;
	struct game *list = arena_alloc(unit->arena, sizeof(*list) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++)
		game_from_row(&rows, r, &list[r]);
	*games = list;
	*count = rows.row_count;
	return DB_OK;
}

/* ========================================================== prize stock */

static const char *const sql_prizes_clear = "DELETE FROM game_prize WHERE game_id = ?";
static const char *const sql_prize_insert =
	"INSERT INTO game_prize (game_id, slot, stock_total, stock_left, given) VALUES (?, ?, ?, ?, 0)";
static const char *const sql_prize_grow =
	"UPDATE game_prize SET stock_left = stock_left + (? - stock_total), stock_total = ? "
	"WHERE game_id = ? AND slot = ? AND stock_total <= ?";
static const char *const sql_prizes_read =
	"SELECT slot, stock_total, stock_left, given FROM game_prize WHERE game_id = ? ORDER BY slot";
static const char *const sql_prize_take =
	"UPDATE game_prize SET stock_left = stock_left - 1, given = given + 1 "
	"WHERE game_id = ? AND slot = ? AND stock_left > 0";
static const char *const sql_prize_put_back =
	"UPDATE game_prize SET stock_left = stock_left + 1, given = given - 1 WHERE game_id = ? AND slot = ? AND given > 0";

int game_prizes_reset(struct unit *unit, int64_t game_id, const int64_t *stock, int count)
{
	int status = db_exec(unit, NULL, sql_prizes_clear, "i", game_id);
	for (int slot = 0; status == DB_OK && slot < count; slot++)
		if (stock[slot] >= 0)
			status = db_exec(unit, NULL, sql_prize_insert, "iiii", game_id, (int64_t)slot, stock[slot],
					 stock[slot]);
	return status;
}

int game_prize_grow(struct unit *unit, int64_t game_id, int slot, int64_t new_total)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_prize_grow, "iiiii", new_total, new_total, game_id, (int64_t)slot,
			     new_total);
	if (status != DB_OK)
		return status;
	return rows.affected <= 1 ? DB_OK : OUT_CONFLICT;
}

int game_prizes_read(struct unit *unit, int64_t game_id, struct game_prize_stock *stock, int *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_prizes_read, "i", game_id);
	if (status != DB_OK)
		return status;
	*count = 0;
	for (int r = 0; r < rows.row_count && r < GAME_PRIZES_MAX; r++)
		stock[(*count)++] = (struct game_prize_stock){ .slot = (int)db_int(&rows, r, 0),
							       .stock_total = db_int(&rows, r, 1),
							       .stock_left = db_int(&rows, r, 2),
							       .given = db_int(&rows, r, 3) };
	return DB_OK;
}

int game_prize_take(struct unit *unit, int64_t game_id, int slot)
{
	return db_exec_one(unit, OUT_OUT_OF_STOCK, sql_prize_take, "ii", game_id, (int64_t)slot);
}

int game_prize_put_back(struct unit *unit, int64_t game_id, int slot)
{
	return db_exec(unit, NULL, sql_prize_put_back, "ii", game_id, (int64_t)slot);
}

/* ========================================================= daily plays */

static const char *const sql_daily_ensure =
	"INSERT IGNORE INTO game_daily (game_id, user_id, day, plays) VALUES (?, ?, ?, 0)";
static const char *const sql_daily_take =
	"UPDATE game_daily SET plays = plays + 1 WHERE game_id = ? AND user_id = ? AND day = ? AND plays < ?";
static const char *const sql_daily_read = "SELECT plays FROM game_daily WHERE game_id = ? AND user_id = ? AND day = ?";

int game_daily_ensure(struct unit *unit, int64_t game_id, int64_t user_id, int64_t day_start)
{
	return db_exec(unit, NULL, sql_daily_ensure, "iii", game_id, user_id, day_start);
}

int game_daily_take(struct unit *unit, int64_t game_id, int64_t user_id, int64_t day_start, int64_t per_day)
{
	if (per_day < 1)
		return OUT_DAILY_LIMIT;
	return db_exec_one(unit, OUT_DAILY_LIMIT, sql_daily_take, "iiii", game_id, user_id, day_start, per_day);
}

int game_daily_read(struct unit *unit, int64_t game_id, int64_t user_id, int64_t day_start, int64_t *plays)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_daily_read, "iii", game_id, user_id, day_start);
	*plays = status == DB_OK && rows.row_count == 1 ? db_int(&rows, 0, 0) : 0;
	return status;
}

/* ================================================================ plays */

static const char *const sql_play_insert =
	"INSERT INTO game_play (game_id, user_id, slot, amount_fen, coupon_id, prize_id, points, red_packet_id, "
	"once_key, created_at) VALUES (?, ?, IF(? < 0, NULL, ?), IF(? < 0, NULL, ?), NULLIF(?, 0), NULLIF(?, 0), "
	"NULLIF(?, 0), NULLIF(?, 0), ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
/* Prizes given: wheel plays that won a slot, guesses rewarded (an
 * auction's winner's order is counted from the game row). */
static const char *const sql_game_stats =
	"SELECT COUNT(*), COUNT(DISTINCT user_id), COALESCE(SUM(slot IS NOT NULL OR rewarded_at IS NOT NULL), 0), "
	"(SELECT COALESCE(SUM(stock_left), 0) FROM game_prize WHERE game_id = ?) FROM game_play WHERE game_id = ?";
static const char *const sql_guess_read =
	"SELECT amount_fen FROM game_play WHERE game_id = ? AND user_id = ? AND once_key = CONCAT('guess:', ?)";
static const char *const sql_bid_count =
	"SELECT COUNT(*) FROM game_play WHERE game_id = ? AND amount_fen IS NOT NULL";
static const char *const sql_guesses_between =
	"SELECT p.id, p.user_id, p.amount_fen, s.phone FROM game_play p JOIN shopper s ON s.id = p.user_id "
	"WHERE p.game_id = ? AND p.amount_fen BETWEEN ? AND ? AND (? = 0 OR p.rewarded_at IS NULL) "
	"ORDER BY p.id LIMIT ?";
static const char *const sql_play_rewarded =
	"UPDATE game_play SET rewarded_at = TIMESTAMPADD(SECOND, ?, '1970-01-01'), coupon_id = NULLIF(?, 0), prize_id = NULLIF(?, 0) "
	"WHERE id = ? AND rewarded_at IS NULL";

int game_play_insert(struct unit *unit, const struct game_play_row *play, int64_t *play_id)
{
	struct db_rows rows;
	int64_t slot = play->slot;
	int status = db_exec(unit, &rows, sql_play_insert, "iiiiiiiiiisi", play->game_id, play->user_id, slot, slot,
			     play->amount_fen, play->amount_fen, play->coupon_id, play->prize_id, play->points,
			     play->red_packet_id, play->once_key, unit->now);
	if (status == DB_OK)
		*play_id = (int64_t)rows.insert_id;
	return status;
}

int game_stats_read(struct unit *unit, const struct game *game, struct game_stats *stats)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_game_stats, "ii", game->id, game->id);
	if (status != DB_OK)
		return status;
	*stats = (struct game_stats){
		.plays = db_int(&rows, 0, 0),
		.players = db_int(&rows, 0, 1),
		.prizes_given = db_int(&rows, 0, 2) + (game->order_id != 0 ? 1 : 0),
		.stock_left = game->kind == GAME_WHEEL ? db_int(&rows, 0, 3) : -1,
	};
	return DB_OK;
}

int game_guess_read(struct unit *unit, int64_t game_id, int64_t user_id, bool *found, int64_t *amount_fen)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_guess_read, "iii", game_id, user_id, user_id);
	*found = status == DB_OK && rows.row_count == 1;
	*amount_fen = *found ? db_int(&rows, 0, 0) : 0;
	return status;
}

int game_bid_count(struct unit *unit, int64_t game_id, int64_t *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_bid_count, "i", game_id);
	*count = status == DB_OK && rows.row_count == 1 ? db_int(&rows, 0, 0) : 0;
	return status;
}

int game_guesses_between(struct unit *unit, int64_t game_id, int64_t low, int64_t high, bool unrewarded_only,
			 int64_t limit, struct game_guess **guesses, int *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_guesses_between, "iiiii", game_id, low, high,
			     (int64_t)unrewarded_only, limit);
	if (status != DB_OK)
		return status;
	struct game_guess *list = arena_alloc(unit->arena, sizeof(*list) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++)
		list[r] = (struct game_guess){ .play_id = db_int(&rows, r, 0), .user_id = db_int(&rows, r, 1),
					       .amount_fen = db_int(&rows, r, 2), .phone = db_text(&rows, r, 3) };
	*guesses = list;
	*count = rows.row_count;
	return DB_OK;
}

int game_play_rewarded_mark(struct unit *unit, int64_t play_id, int64_t coupon_id, int64_t prize_id)
{
	return db_exec_one(unit, OUT_CONFLICT, sql_play_rewarded, "iiii", unit->now, coupon_id, prize_id, play_id);
}

/* ============================================================= auctions */

static const char *const sql_bid_raise =
	"UPDATE game SET winner_id = ?, winning_fen = ?, updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"WHERE id = ? AND settled_at IS NULL AND ends_at > TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"AND ((winning_fen IS NULL AND ? >= ?) OR (winning_fen IS NOT NULL AND ? >= winning_fen + ?))";
static const char *const sql_winner_set =
	"UPDATE game SET winner_id = ?, winning_fen = ?, updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"WHERE id = ? AND winner_id IS NULL";
static const char *const sql_order_set = "UPDATE game SET order_id = ? WHERE id = ?";

int game_bid_raise(struct unit *unit, int64_t game_id, int64_t user_id, int64_t amount_fen, int64_t start_fen,
		   int64_t step_fen)
{
	return db_exec_one(unit, OUT_OUTBID, sql_bid_raise, "iiiiiiiii", user_id, amount_fen, unit->now, game_id,
			   unit->now, amount_fen, start_fen, amount_fen, step_fen);
}

int game_winner_set(struct unit *unit, int64_t game_id, int64_t user_id, int64_t price_fen)
{
	return db_exec_one(unit, OUT_GAME_CLOSED, sql_winner_set, "iiii", user_id, price_fen, unit->now, game_id);
}

int game_order_set(struct unit *unit, int64_t game_id, int64_t order_id)
{
	return db_exec(unit, NULL, sql_order_set, "ii", order_id, game_id);
}

/* ============================================================ settling */

static const char *const sql_games_due =
	"SELECT id FROM game WHERE settled_at IS NULL AND published_at IS NOT NULL AND kind <> 'wheel' "
	"AND ends_at <= TIMESTAMPADD(SECOND, ?, '1970-01-01') ORDER BY ends_at LIMIT ?";
static const char *const sql_game_settled =
	"UPDATE game SET settled_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE id = ? AND settled_at IS NULL";
static const char *const sql_leaderboard_due =
	"SELECT c.id FROM campaign c LEFT JOIN game_leaderboard_award a ON a.campaign_id = c.id "
	"WHERE c.ends_at <= TIMESTAMPADD(SECOND, ?, '1970-01-01') AND a.campaign_id IS NULL ORDER BY c.ends_at LIMIT ?";
static const char *const sql_leaderboard_rewards =
	"SELECT rewards_json FROM campaign_item WHERE campaign_id = ? ORDER BY id";
static const char *const sql_leaderboard_mark =
	"INSERT INTO game_leaderboard_award (campaign_id, awarded_at) VALUES (?, TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
/* Longer than a sweep takes; a worker killed mid-sweep frees it then. */
#define GAMES_SWEEP_LEASE_S 60

static int ids_of(struct unit *unit, const char *sql, int64_t limit, int64_t **ids, int *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql, "ii", unit->now, limit);
	if (status != DB_OK)
		return status;
	int64_t *list = arena_alloc(unit->arena, sizeof(*list) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++)
		list[r] = db_int(&rows, r, 0);
	*ids = list;
	*count = rows.row_count;
	return DB_OK;
}

int games_due(struct unit *unit, int64_t limit, int64_t **ids, int *count)
{
	return ids_of(unit, sql_games_due, limit, ids, count);
}

int game_settled_mark(struct unit *unit, int64_t game_id)
{
	return db_exec_one(unit, OUT_CONFLICT, sql_game_settled, "ii", unit->now, game_id);
}

int campaigns_leaderboard_due(struct unit *unit, int64_t limit, int64_t **ids, int *count)
{
	return ids_of(unit, sql_leaderboard_due, limit, ids, count);
}

int campaign_leaderboard_rewards(struct unit *unit, int64_t campaign_id, const char ***rewards, int *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_leaderboard_rewards, "i", campaign_id);
	if (status != DB_OK)
		return status;
	const char **list = arena_alloc(unit->arena, sizeof(*list) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++)
		list[r] = db_text(&rows, r, 0);
	*rewards = list;
	*count = rows.row_count;
	return DB_OK;
}

int game_leaderboard_awarded_mark(struct unit *unit, int64_t campaign_id)
{
	return db_exec(unit, NULL, sql_leaderboard_mark, "ii", campaign_id, unit->now);
}

int games_sweep_lock(struct unit *unit, bool *taken)
{
	/* A lease row, not GET_LOCK: it holds across Galera nodes. */
	*taken = false;
	return lease_take(unit, "games_sweep", GAMES_SWEEP_LEASE_S, taken);
}

int games_sweep_unlock(struct unit *unit)
{
	return lease_release(unit, "games_sweep");
}

static const char *const sql_shopper_phone = "SELECT phone FROM shopper WHERE id = ?";
static const char *const sql_bargain_owner = "SELECT user_id FROM bargain WHERE id = ?";

int game_shopper_phone(struct unit *unit, int64_t user_id, const char **phone)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_shopper_phone, "i", user_id);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	*phone = db_text(&rows, 0, 0);
	return DB_OK;
}

int game_bargain_owner(struct unit *unit, int64_t bargain_id, int64_t *user_id)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_bargain_owner, "i", bargain_id);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	*user_id = db_int(&rows, 0, 0);
	return DB_OK;
}
