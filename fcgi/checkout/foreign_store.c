/* foreign_store.c: checkout's statements on other features' tables.
 * TEMPORARY (see foreign_store.h): the coordinator folds each function
 * into its owner's store at merge (bargain_* -> bargain/, coupon_* and
 * points_* -> reward/, shopper_* -> shopper/). */
#include "checkout/foreign_store.h"

#include <string.h>

#include "core/outcome.h"

/* ---------------------------------------------------------------- bargain */

/* A succeeded bargain's own pay window ends at its expiry, or pay_within_s
 * after it succeeded if that is later (one that succeeds at the last
 * minute still has its time to pay). */
#define BARGAIN_PAY_WINDOW_END \
	"TIMESTAMPDIFF(SECOND, '1970-01-01', GREATEST(expires_at, COALESCE(succeeded_at, expires_at) + INTERVAL pay_within_s SECOND))"

static const char *const sql_bargain_for_order =
	"SELECT user_id, item_id, status, current_price_fen, pay_within_s, " BARGAIN_PAY_WINDOW_END " FROM bargain WHERE id = ?";
static const char *const sql_bargain_mark_ordered =
	"UPDATE bargain SET status = 'ordered', open_slot = NULL, closed_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"WHERE id = ? AND user_id = ? AND status = 'succeeded' AND held = 0"; /* a held bargain waits for review */

static const char *const sql_bargain_unmark_ordered =
	"UPDATE bargain SET status = 'succeeded', open_slot = NULLIF(?, 0), closed_at = NULL "
	"WHERE id = ? AND user_id = ? AND status = 'ordered' AND " BARGAIN_PAY_WINDOW_END " > ?";
static const char *const sql_bargain_close_ordered =
	"UPDATE bargain SET status = 'expired', closed_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"WHERE id = ? AND user_id = ? AND status = 'ordered'";

int bargain_for_order(struct unit *unit, int64_t bargain_id, struct promotion_bargain *bargain)
{
	memset(bargain, 0, sizeof(*bargain));
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_bargain_for_order, "i", bargain_id);
	if (result != DB_OK || rows.row_count != 1)
		return result;
	bargain->found = true;
	bargain->user_id = db_int(&rows, 0, 0);
	bargain->item_id = db_int(&rows, 0, 1);
	bargain->succeeded = strcmp(db_text(&rows, 0, 2), "succeeded") == 0;
	bargain->price_fen = db_int(&rows, 0, 3);
	bargain->pay_within_s = db_int(&rows, 0, 4);
	bargain->pay_window_end = db_int(&rows, 0, 5);
	return DB_OK;
}

int bargain_mark_ordered(struct unit *unit, int64_t bargain_id, int64_t user_id)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_bargain_mark_ordered, "iii", unit->now, bargain_id, user_id);
	if (result != DB_OK)
		return result;
	return rows.affected == 1 ? DB_OK : OUT_BARGAIN_NOT_SUCCEEDED;
}

int bargain_unmark_ordered(struct unit *unit, int64_t bargain_id, int64_t user_id)
{
	struct db_rows rows;
	/* open again; a bargain of the same item the shopper opened meanwhile
	 * keeps the open slot, and this one waits beside it (open_slot NULL) */
	int result = db_exec(unit, &rows, sql_bargain_unmark_ordered, "iiii", (int64_t)1, bargain_id, user_id, unit->now);
	if (result == DB_DUPLICATE)
		result = db_exec(unit, &rows, sql_bargain_unmark_ordered, "iiii", (int64_t)0, bargain_id, user_id,
				 unit->now);
	if (result != DB_OK || rows.affected == 1)
		return result;
	/* its pay window is over: the bargain closes */
	return db_exec(unit, NULL, sql_bargain_close_ordered, "iii", unit->now, bargain_id, user_id);
}

/* ----------------------------------------------------------------- coupon */

static const char *const sql_coupon_for_order =
	"SELECT user_id, title, amount_fen, min_spend_fen, TIMESTAMPDIFF(SECOND, '1970-01-01', starts_at), TIMESTAMPDIFF(SECOND, '1970-01-01', expires_at), "
	"COALESCE(item_id, 0), status FROM coupon WHERE id = ?";
static const char *const sql_coupon_uses =
	"SELECT COUNT(*) FROM coupon c JOIN orders o ON o.id = c.order_id "
	"WHERE c.user_id = ? AND c.status = 'used' AND o.campaign_id = ?";
static const char *const sql_coupon_use =
	"UPDATE coupon SET status = 'used', order_id = ?, used_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"WHERE id = ? AND user_id = ? AND status = 'available' AND starts_at <= TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"AND expires_at > TIMESTAMPADD(SECOND, ?, '1970-01-01')";
static const char *const sql_coupon_give_back =
	"UPDATE coupon SET status = 'available', order_id = NULL, used_at = NULL WHERE order_id = ? AND status = 'used'";

int coupon_for_order(struct unit *unit, int64_t coupon_id, int64_t user_id, struct price_coupon *coupon)
{
	memset(coupon, 0, sizeof(*coupon));
	coupon->id = coupon_id;
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_coupon_for_order, "i", coupon_id);
	if (result != DB_OK)
		return result;
	if (rows.row_count != 1 || db_int(&rows, 0, 0) != user_id) {
		coupon->available = false; /* someone else's is as good as none */
		coupon->amount_fen = 1;
		return DB_OK;
	}
	coupon->title = db_text(&rows, 0, 1);
	coupon->amount_fen = db_int(&rows, 0, 2);
	coupon->min_spend_fen = db_int(&rows, 0, 3);
	coupon->starts_at = db_int(&rows, 0, 4);
	coupon->expires_at = db_int(&rows, 0, 5);
	coupon->item_id = db_int(&rows, 0, 6);
	coupon->available = strcmp(db_text(&rows, 0, 7), "available") == 0;
	return DB_OK;
}

int coupon_uses_in_campaign(struct unit *unit, int64_t user_id, int64_t campaign_id, int64_t *uses)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_coupon_uses, "ii", user_id, campaign_id);
	*uses = result == DB_OK ? db_int(&rows, 0, 0) : 0;
	return result;
}

int coupon_use(struct unit *unit, int64_t coupon_id, int64_t user_id, int64_t order_id)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_coupon_use, "iiiiii", order_id, unit->now, coupon_id, user_id, unit->now,
			     unit->now);
	if (result != DB_OK)
		return result;
	return rows.affected == 1 ? DB_OK : OUT_COUPON_NOT_APPLICABLE;
}

int coupon_give_back(struct unit *unit, int64_t order_id)
{
	return db_exec(unit, NULL, sql_coupon_give_back, "i", order_id);
}

/* ---------------------------------------------------------------- shopper */

static const char *const sql_shopper_lock = "SELECT id FROM shopper WHERE id = ? FOR UPDATE";
static const char *const sql_shopper_lock_points = "SELECT points_balance FROM shopper WHERE id = ? FOR UPDATE";
static const char *const sql_shopper_points = "SELECT points_balance FROM shopper WHERE id = ?";

int shopper_lock(struct unit *unit, int64_t user_id)
{
	return db_exec(unit, NULL, sql_shopper_lock, "i", user_id);
}

static int balance_read(struct unit *unit, const char *sql, int64_t user_id, bool *found, int64_t *balance)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql, "i", user_id);
	*found = result == DB_OK && rows.row_count == 1;
	*balance = *found ? db_int(&rows, 0, 0) : 0;
	return result;
}

int shopper_lock_points(struct unit *unit, int64_t user_id, bool *found, int64_t *balance)
{
	return balance_read(unit, sql_shopper_lock_points, user_id, found, balance);
}

int shopper_points_balance(struct unit *unit, int64_t user_id, bool *found, int64_t *balance)
{
	return balance_read(unit, sql_shopper_points, user_id, found, balance);
}

/* ----------------------------------------------------------------- points */

static const char *const sql_points_earned =
	"SELECT delta FROM points_ledger WHERE order_id = ? AND reason = 'order_paid'";

int points_earned_for_order(struct unit *unit, int64_t order_id, int64_t *earned)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_points_earned, "i", order_id);
	*earned = result == DB_OK && rows.row_count == 1 ? db_int(&rows, 0, 0) : 0;
	return result;
}
