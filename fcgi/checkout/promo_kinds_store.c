/* promo_kinds_store.c: the only SQL of promotion_gift, order_gift,
 * order_points_cash and member_level (see promo_kinds_store.h). */
#include "checkout/promo_kinds_store.h"

#include <string.h>

#include "core/arena.h"
#include "core/outcome.h"

/* ================================================================ gifts */

static const char *const sql_gift_given =
	"SELECT g.promotion_id, g.gift_index, g.given FROM promotion_gift g JOIN promotion p ON p.id = g.promotion_id "
	"WHERE p.campaign_id = ? AND p.kind = 'gift'";
/* The counter's row exists from the first unit given on: then one
 * conditional UPDATE of it by primary key (1 row: taken, 0: the stock is
 * gone); before, the first unit inserts it. */
static const char *const sql_gift_take =
	"UPDATE promotion_gift SET given = given + 1 WHERE promotion_id = ? AND gift_index = ? AND given < ?";
static const char *const sql_gift_exists = "SELECT 1 FROM promotion_gift WHERE promotion_id = ? AND gift_index = ?";
static const char *const sql_gift_first =
	"INSERT INTO promotion_gift (promotion_id, gift_index, given) VALUES (?, ?, 1)";
static const char *const sql_order_gift_insert =
	"INSERT INTO order_gift (order_id, promotion_id, gift_index, name) VALUES (?, ?, ?, ?)";
static const char *const sql_gift_give_back =
	"UPDATE promotion_gift g JOIN order_gift o ON o.promotion_id = g.promotion_id AND o.gift_index = g.gift_index "
	"SET g.given = g.given - 1, o.returned = 1 WHERE o.order_id = ? AND o.returned = 0";
static const char *const sql_order_gifts =
	"SELECT promotion_id, name, gift_index FROM order_gift WHERE order_id = ? ORDER BY promotion_id, gift_index";

static const char *const sql_order_gifts_between =
	"SELECT order_id, promotion_id, name FROM order_gift WHERE order_id BETWEEN ? AND ? "
	"ORDER BY order_id, promotion_id, gift_index";

int order_gifts_between(struct unit *unit, int64_t low, int64_t high, struct db_rows *rows)
{
	return db_exec(unit, rows, sql_order_gifts_between, "ii", low, high);
}

int gift_given_load(struct unit *unit, int64_t campaign_id, struct db_rows *rows)
{
	return db_exec(unit, rows, sql_gift_given, "i", campaign_id);
}

int gift_take(struct unit *unit, int64_t order_id, int64_t promotion_id, int gift_index, int64_t stock,
	      const char *name, bool *taken)
{
	*taken = false;
	if (stock <= 0)
		return DB_OK;
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_gift_take, "iii", promotion_id, (int64_t)gift_index, stock);
	if (result != DB_OK)
		return result;
	if (rows.affected == 0) {
		if ((result = db_exec(unit, &rows, sql_gift_exists, "ii", promotion_id, (int64_t)gift_index)) != DB_OK ||
		    rows.row_count == 1)
			return result; /* the stock is gone */
		result = db_exec(unit, NULL, sql_gift_first, "ii", promotion_id, (int64_t)gift_index);
		if (result == DB_DUPLICATE)
			return DB_RETRY; /* another order gave the first one meanwhile: the order is tried again */
		if (result != DB_OK)
			return result;
	}
	*taken = true;
	return db_exec(unit, NULL, sql_order_gift_insert, "iiis", order_id, promotion_id, (int64_t)gift_index, name);
}

int gift_give_back(struct unit *unit, int64_t order_id)
{
	return db_exec(unit, NULL, sql_gift_give_back, "i", order_id);
}

int order_gifts_read(struct unit *unit, int64_t order_id, struct db_rows *rows)
{
	return db_exec(unit, rows, sql_order_gifts, "i", order_id);
}

/* =============================================================== points */

static const char *const sql_points_record =
	"INSERT INTO order_points_cash (order_id, user_id, points, amount_fen) VALUES (?, ?, ?, ?)";
static const char *const sql_points_of_order =
	"SELECT points, returned, user_id FROM order_points_cash WHERE order_id = ?";
static const char *const sql_points_returned =
	"UPDATE order_points_cash SET returned = 1 WHERE order_id = ? AND returned = 0";

int order_points_record(struct unit *unit, int64_t order_id, int64_t user_id, int64_t points, int64_t amount_fen)
{
	return db_exec(unit, NULL, sql_points_record, "iiii", order_id, user_id, points, amount_fen);
}

int order_points_return(struct unit *unit, int64_t order_id, int64_t *user_id, int64_t *points)
{
	*points = 0;
	*user_id = 0;
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_points_of_order, "i", order_id);
	if (result != DB_OK || rows.row_count != 1 || db_int(&rows, 0, 1) != 0)
		return result;
	int64_t spent = db_int(&rows, 0, 0), owner = db_int(&rows, 0, 2);
	if ((result = db_exec(unit, &rows, sql_points_returned, "i", order_id)) != DB_OK)
		return result;
	if (rows.affected == 1) { /* this cancel or refund is the one that returns them */
		*points = spent;
		*user_id = owner;
	}
	return DB_OK;
}

int order_points_read(struct unit *unit, int64_t order_id, int64_t *points)
{
	*points = 0;
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_points_of_order, "i", order_id);
	if (result == DB_OK && rows.row_count == 1)
		*points = db_int(&rows, 0, 0);
	return result;
}

/* ========================================================= member levels */

static const char *const sql_levels = "SELECT level, name, min_paid_fen FROM member_level ORDER BY level LIMIT 20";
static const char *const sql_levels_clear = "DELETE FROM member_level";
static const char *const sql_level_insert = "INSERT INTO member_level (level, name, min_paid_fen) VALUES (?, ?, ?)";
static const char *const sql_level_of =
	"SELECT l.level, l.name FROM member_level l WHERE " MEMBER_LEVEL_REACHED_SQL("?") " ORDER BY l.level DESC LIMIT 1";
_Static_assert(MEMBER_LEVELS_MAX == 20, "sql_levels reads at most MEMBER_LEVELS_MAX rows");

int member_levels_read(struct unit *unit, struct member_level_row **levels, int *count)
{
	*count = 0;
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_levels, "");
	if (result != DB_OK)
		return result;
	*levels = arena_alloc(unit->arena, sizeof(**levels) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++)
		(*levels)[r] = (struct member_level_row){ .level = db_int(&rows, r, 0), .name = db_text(&rows, r, 1),
							  .min_paid_fen = db_int(&rows, r, 2) };
	*count = rows.row_count;
	return DB_OK;
}

int member_levels_replace(struct unit *unit, const struct member_level_row *levels, int count)
{
	int result = db_exec(unit, NULL, sql_levels_clear, "");
	for (int i = 0; result == DB_OK && i < count; i++)
		result = db_exec(unit, NULL, sql_level_insert, "isi", levels[i].level, levels[i].name,
				 levels[i].min_paid_fen);
	return result;
}

int member_level_of(struct unit *unit, int64_t user_id, int64_t *level, const char **name)
{
	*level = 0;
	*name = NULL;
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_level_of, "i", user_id);
	if (result == DB_OK && rows.row_count == 1) {
		*level = db_int(&rows, 0, 0);
		*name = db_text(&rows, 0, 1);
	}
	return result;
}
