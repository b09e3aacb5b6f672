/* points.c: the points ledger's store: its one write path and its reads
 * (see points.h). */
#include "reward/points.h"

#include "core/arena.h"
#include "db/db.h"
#include "core/outcome.h"
#include "shopper/shopper_store.h"

static const char *const sql_points_record =
	"INSERT INTO points_ledger (user_id, delta, balance_after, reason, order_id, created_at) "
	"SELECT id, ?, points_balance, ?, NULLIF(?, 0), TIMESTAMPADD(SECOND, ?, '1970-01-01') FROM shopper WHERE id = ?";

int points_apply(struct unit *unit, int64_t user_id, int64_t delta, const char *reason, int64_t order_id)
{
	bool moved;
	int status = shopper_points_move(unit, user_id, delta, &moved);
	if (status != DB_OK)
		return status;
	if (!moved)
		return OUT_CONFLICT;
	return db_exec(unit, NULL, sql_points_record, "isiii", delta, reason, order_id, unit->now, user_id);
}

static const char *const sql_points_balance = "SELECT points_balance FROM shopper WHERE id = ?";
static const char *const sql_points_ledger =
	"SELECT id, delta, balance_after, reason, order_id, TIMESTAMPDIFF(SECOND, '1970-01-01', created_at) FROM points_ledger "
	"WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?";

int points_balance(struct unit *unit, int64_t user_id, int64_t *balance)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_points_balance, "i", user_id);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1)
		return OUT_UNAUTHORIZED;
	*balance = db_int(&rows, 0, 0);
	return DB_OK;
}

int points_ledger_page(struct unit *unit, int64_t user_id, int64_t before, int64_t limit,
		       struct points_entry **entries, int *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_points_ledger, "iii", user_id, before, limit);
	if (status != DB_OK)
		return status;
	struct points_entry *list = arena_alloc(unit->arena, sizeof(*list) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++)
		list[r] = (struct points_entry){
			.id = db_int(&rows, r, 0),
			.delta = db_int(&rows, r, 1),
			.balance_after = db_int(&rows, r, 2),
			.reason = db_text(&rows, r, 3),
			.order_id = db_null(&rows, r, 4) ? 0 : db_int(&rows, r, 4),
			.at = db_int(&rows, r, 5),
		};
	*entries = list;
	*count = rows.row_count;
	return DB_OK;
}

static const char *const sql_points_earned =
	"SELECT delta FROM points_ledger WHERE order_id = ? AND reason = 'order_paid'";

int points_earned_for_order(struct unit *unit, int64_t order_id, int64_t *earned)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_points_earned, "i", order_id);
	*earned = result == DB_OK && rows.row_count == 1 ? db_int(&rows, 0, 0) : 0;
	return result;
}
