/* points.c: the points ledger's one write path. */
#include "reward/points.h"

#include "db/db.h"
#include "core/outcome.h"

static const char *const sql_points_change =
	"UPDATE shopper SET points_balance = points_balance + ? WHERE id = ? AND points_balance + ? >= 0";
static const char *const sql_points_record =
	"INSERT INTO points_ledger (user_id, delta, balance_after, reason, order_id, created_at) "
	"SELECT id, ?, points_balance, ?, NULLIF(?, 0), FROM_UNIXTIME(?) FROM shopper WHERE id = ?";

int points_apply(struct unit *unit, int64_t user_id, int64_t delta, const char *reason, int64_t order_id)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_points_change, "iii", delta, user_id, delta);
	if (status != 0)
		return status;
	if (rows.affected != 1)
		return OUT_CONFLICT;
	return db_exec(unit, NULL, sql_points_record, "isiii", delta, reason, order_id, unit->now, user_id);
}
