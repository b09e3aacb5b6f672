/* reward_store.c: the only SQL on coupon, prize and reward_grant (see
 * reward_store.h). */
#include "reward/reward_store.h"

#include <string.h>

#include "core/arena.h"
#include "core/marks.h"
#include "core/outcome.h"
#include "db/db.h"

/* ============================================================= issuing */

static const char *const sql_coupon_issue =
	"INSERT INTO coupon (user_id, campaign_id, source, title, amount_fen, min_spend_fen, starts_at, "
	"expires_at, status, created_at) VALUES (?, ?, ?, ?, ?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'), TIMESTAMPADD(SECOND, ?, '1970-01-01'), "
	"'available', TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_prize_issue =
	"INSERT INTO prize (user_id, campaign_id, bargain_id, title, created_at) "
	"VALUES (?, ?, ?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_grant_insert =
	"INSERT INTO reward_grant (bargain_id, campaign_id, user_id, milestone, coupon_id, prize_id, created_at) "
	"VALUES (?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), TIMESTAMPADD(SECOND, ?, '1970-01-01'))";

int coupon_issue(struct unit *unit, int64_t user_id, int64_t campaign_id, const char *source, const char *title,
		 int64_t amount_fen, int64_t min_spend_fen, int64_t starts_at, int64_t expires_at, int64_t *coupon_id)
{
	marks_changed(MARK_SHOPPER, user_id); /* its /me's coupon count */
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_coupon_issue, "iissiiiii", user_id, campaign_id, source, title,
			     amount_fen, min_spend_fen, starts_at, expires_at, unit->now);
	if (status != DB_OK)
		return status;
	*coupon_id = (int64_t)rows.insert_id;
	return DB_OK;
}

int prize_issue(struct unit *unit, int64_t user_id, int64_t campaign_id, int64_t bargain_id, const char *title,
		int64_t *prize_id)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_prize_issue, "iiisi", user_id, campaign_id, bargain_id, title,
			     unit->now);
	if (status != DB_OK)
		return status;
	*prize_id = (int64_t)rows.insert_id;
	return DB_OK;
}

int reward_grant_record(struct unit *unit, int64_t bargain_id, int64_t campaign_id, int64_t user_id,
			const char *milestone, int64_t coupon_id, int64_t prize_id, int64_t now)
{
	return db_exec(unit, NULL, sql_grant_insert, "iiisiii", bargain_id, campaign_id, user_id, milestone, coupon_id,
		       prize_id, now);
}

/* ============================================================= orders */

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

int coupon_for_order(struct unit *unit, int64_t coupon_id, int64_t user_id, struct coupon *coupon, bool *found)
{
	*coupon = (struct coupon){ .id = coupon_id };
	*found = false;
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_coupon_for_order, "i", coupon_id);
	if (result != DB_OK || rows.row_count != 1 || db_int(&rows, 0, 0) != user_id)
		return result; /* none, or another's */
	*found = true;
	coupon->title = db_text(&rows, 0, 1);
	coupon->amount_fen = db_int(&rows, 0, 2);
	coupon->min_spend_fen = db_int(&rows, 0, 3);
	coupon->starts_at = db_int(&rows, 0, 4);
	coupon->expires_at = db_int(&rows, 0, 5);
	coupon->item_id = db_int(&rows, 0, 6);
	coupon->status = db_text(&rows, 0, 7);
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
	return db_exec_one(unit, OUT_COUPON_NOT_APPLICABLE, sql_coupon_use, "iiiiii", order_id, unit->now, coupon_id,
			   user_id, unit->now, unit->now);
}

int coupon_give_back(struct unit *unit, int64_t order_id)
{
	return db_exec(unit, NULL, sql_coupon_give_back, "i", order_id);
}

/* ============================================================= wallet */

static const char *const sql_coupon_page =
	"SELECT id, title, amount_fen, min_spend_fen, TIMESTAMPDIFF(SECOND, '1970-01-01', starts_at), TIMESTAMPDIFF(SECOND, '1970-01-01', expires_at), "
	"status FROM coupon WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?";

int coupon_page(struct unit *unit, int64_t user_id, int64_t before, int64_t limit, struct coupon **coupons,
		int *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_coupon_page, "iii", user_id, before, limit);
	if (status != DB_OK)
		return status;
	struct coupon *list = arena_alloc(unit->arena, sizeof(*list) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++)
		list[r] = (struct coupon){
			.id = db_int(&rows, r, 0),
			.title = db_text(&rows, r, 1),
			.amount_fen = db_int(&rows, r, 2),
			.min_spend_fen = db_int(&rows, r, 3),
			.starts_at = db_int(&rows, r, 4),
			.expires_at = db_int(&rows, r, 5),
			.status = db_text(&rows, r, 6),
		};
	*coupons = list;
	*count = rows.row_count;
	return DB_OK;
}

/* ============================================================= prizes */

#define PRIZE_COLUMNS \
	"SELECT p.id, p.user_id, s.phone, p.campaign_id, c.title, p.bargain_id, p.title, p.status, " \
	"TIMESTAMPDIFF(SECOND, '1970-01-01', p.created_at), TIMESTAMPDIFF(SECOND, '1970-01-01', p.fulfilled_at), p.fulfil_note " \
	"FROM prize p JOIN shopper s ON s.id = p.user_id JOIN campaign c ON c.id = p.campaign_id "

static const char *const sql_prize_page =
	PRIZE_COLUMNS "WHERE p.id < ? AND p.status = ? AND (? = 0 OR p.campaign_id = ?) ORDER BY p.id DESC LIMIT ?";
static const char *const sql_prize_one = PRIZE_COLUMNS "WHERE p.id = ?";
static const char *const sql_prize_fulfil =
	"UPDATE prize SET status = 'fulfilled', fulfilled_at = TIMESTAMPADD(SECOND, ?, '1970-01-01'), fulfilled_by = ?, fulfil_note = ? "
	"WHERE id = ? AND status = 'pending'";

static void prize_from_row(const struct db_rows *rows, int r, struct prize *prize)
{
	*prize = (struct prize){
		.id = db_int(rows, r, 0),
		.user_id = db_int(rows, r, 1),
		.user_phone = db_text(rows, r, 2),
		.campaign_id = db_int(rows, r, 3),
		.campaign_title = db_text(rows, r, 4),
		.bargain_id = db_null(rows, r, 5) ? 0 : db_int(rows, r, 5),
		.title = db_text(rows, r, 6),
		.status = db_text(rows, r, 7),
		.created_at = db_int(rows, r, 8),
		.fulfilled_at = db_null(rows, r, 9) ? 0 : db_int(rows, r, 9),
		.note = db_null(rows, r, 10) ? NULL : db_text(rows, r, 10),
	};
}

int prize_page(struct unit *unit, const char *status_wanted, int64_t campaign_id, int64_t before, int64_t limit,
	       struct prize **prizes, int *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_prize_page, "isiii", before, status_wanted, campaign_id, campaign_id,
			     limit);
	if (status != DB_OK)
		return status;
	struct prize *list = arena_alloc(unit->arena, sizeof(*list) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++)
		prize_from_row(&rows, r, &list[r]);
	*prizes = list;
	*count = rows.row_count;
	return DB_OK;
}

int prize_get(struct unit *unit, int64_t prize_id, struct prize *prize)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_prize_one, "i", prize_id);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	prize_from_row(&rows, 0, prize);
	return DB_OK;
}

int prize_fulfil(struct unit *unit, int64_t prize_id, int64_t admin_id, const char *note)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_prize_fulfil, "iisi", unit->now, admin_id, note, prize_id);
	if (status != DB_OK)
		return status;
	return rows.affected == 1 ? DB_OK : OUT_INVALID_STATE;
}

static const char *const sql_coupon_template_link =
	"UPDATE coupon SET promotion_id = ?, item_id = NULLIF(?, 0) WHERE id = ?";

int coupon_template_link(struct unit *unit, int64_t coupon_id, int64_t promotion_id, int64_t item_id)
{
	return db_exec(unit, NULL, sql_coupon_template_link, "iii", promotion_id, item_id, coupon_id);
}
