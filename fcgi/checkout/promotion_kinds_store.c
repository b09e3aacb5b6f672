/* promotion_kinds_store.c: the only SQL of the presale, share_reward and
 * budget kinds' own tables (see promotion_kinds_store.h); their writes to
 * orders, coupon and promotion are their owners' (checkout_store.c,
 * reward_store.c, promotion_store.c). */
#include "checkout/promotion_kinds_store.h"

#include <string.h>

#include "core/outcome.h"

/* ===================================================== coupon templates */



/* ============================================================== presale */

static const char *const sql_deposit_insert =
	"INSERT INTO presale_deposit (deposit_order_id, promotion_id, user_id, item_id, qty, deposit_fen, "
	"deposit_value_fen, final_starts_at, final_ends_at) VALUES (?, ?, ?, ?, ?, ?, ?, "
	"TIMESTAMPADD(SECOND, ?, '1970-01-01'), TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_deposit_read =
	"SELECT o.status, d.promotion_id, d.item_id, d.qty, d.deposit_fen, d.deposit_value_fen, "
	"TIMESTAMPDIFF(SECOND, '1970-01-01', d.final_starts_at), TIMESTAMPDIFF(SECOND, '1970-01-01', d.final_ends_at), "
	"COALESCE(d.final_order_id, 0) FROM presale_deposit d JOIN orders o ON o.id = d.deposit_order_id "
	"WHERE d.deposit_order_id = ? AND d.user_id = ?";
static const char *const sql_final_claim =
	"UPDATE presale_deposit SET final_order_id = ? WHERE deposit_order_id = ? AND final_order_id IS NULL "
	"AND final_paid_at IS NULL";
static const char *const sql_final_release =
	"UPDATE presale_deposit SET final_order_id = NULL WHERE final_order_id = ? AND final_paid_at IS NULL";
static const char *const sql_final_paid =
	"UPDATE presale_deposit SET final_paid_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE final_order_id = ?";
#define FORFEIT_DUE                                                                                              \
	"d.final_paid_at IS NULL AND d.final_order_id IS NULL AND d.final_ends_at <= TIMESTAMPADD(SECOND, ?, '1970-01-01')"
static const char *const sql_forfeits_due =
	"SELECT d.deposit_order_id FROM presale_deposit d JOIN orders o ON o.id = d.deposit_order_id "
	"WHERE " FORFEIT_DUE " AND o.status = 'paid' ORDER BY d.final_ends_at LIMIT ?";
static const char *const sql_forfeit_lock =
	"SELECT d.deposit_order_id FROM presale_deposit d WHERE d.deposit_order_id = ? AND " FORFEIT_DUE " FOR UPDATE";


int presale_deposit_insert(struct unit *unit, const struct presale_deposit_new *d)
{
	return db_exec(unit, NULL, sql_deposit_insert, "iiiiiiiii", d->deposit_order_id, d->promotion_id, d->user_id,
		       d->item_id, d->qty, d->deposit_fen, d->deposit_value_fen, d->final_starts_at, d->final_ends_at);
}

int presale_deposit_read(struct unit *unit, int64_t deposit_order_id, int64_t user_id,
			 struct promotion_presale *presale)
{
	memset(presale, 0, sizeof(*presale));
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_deposit_read, "ii", deposit_order_id, user_id);
	if (result != DB_OK || rows.row_count != 1)
		return result;
	*presale = (struct promotion_presale){
		.found = true,
		.status = db_text(&rows, 0, 0),
		.promotion_id = db_int(&rows, 0, 1),
		.item_id = db_int(&rows, 0, 2),
		.qty = db_int(&rows, 0, 3),
		.deposit_fen = db_int(&rows, 0, 4),
		.deposit_value_fen = db_int(&rows, 0, 5),
		.final_starts_at = db_int(&rows, 0, 6),
		.final_ends_at = db_int(&rows, 0, 7),
		.final_order_id = db_int(&rows, 0, 8),
	};
	return DB_OK;
}

int presale_final_claim(struct unit *unit, int64_t deposit_order_id, int64_t final_order_id)
{
	return db_exec_one(unit, OUT_INVALID_STATE, sql_final_claim, "ii", final_order_id, deposit_order_id);
}

int presale_final_release(struct unit *unit, int64_t final_order_id)
{
	return db_exec(unit, NULL, sql_final_release, "i", final_order_id);
}

int presale_final_paid(struct unit *unit, int64_t final_order_id)
{
	return db_exec(unit, NULL, sql_final_paid, "ii", unit->now, final_order_id);
}

int presale_forfeits_due(struct unit *unit, int64_t limit, struct db_rows *rows)
{
	return db_exec(unit, rows, sql_forfeits_due, "ii", unit->now, limit);
}

int presale_forfeit_lock(struct unit *unit, int64_t deposit_order_id)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_forfeit_lock, "ii", deposit_order_id, unit->now);
	if (result != DB_OK)
		return result;
	return rows.row_count == 1 ? DB_OK : OUT_INVALID_STATE;
}

/* ========================================================= share_reward */

static const char *const sql_share_insert =
	"INSERT INTO order_share (order_id, sharer_id, promotion_id, coupon_promotion_id) SELECT ?, ?, ?, ? FROM DUAL "
	"WHERE EXISTS (SELECT 1 FROM order_line WHERE order_id = ? AND item_id = ?)";
static const char *const sql_share_pending =
	"SELECT sharer_id, promotion_id, coupon_promotion_id FROM order_share WHERE order_id = ? AND rewarded = 0";
static const char *const sql_share_rewarded =
	"UPDATE order_share SET rewarded = 1, coupon_id = NULLIF(?, 0) WHERE order_id = ? AND rewarded = 0";

int order_share_insert(struct unit *unit, int64_t order_id, const struct promotion_share *share)
{
	return db_exec(unit, NULL, sql_share_insert, "iiiiii", order_id, share->sharer_id, share->promotion_id,
		       share->coupon_promotion_id, order_id, share->item_id);
}

int order_share_pending(struct unit *unit, int64_t order_id, struct promotion_share *share)
{
	memset(share, 0, sizeof(*share));
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_share_pending, "i", order_id);
	if (result != DB_OK || rows.row_count != 1)
		return result;
	share->sharer_id = db_int(&rows, 0, 0);
	share->promotion_id = db_int(&rows, 0, 1);
	share->coupon_promotion_id = db_int(&rows, 0, 2);
	return DB_OK;
}

int order_share_rewarded(struct unit *unit, int64_t order_id, int64_t coupon_id)
{
	return db_exec_one(unit, OUT_INVALID_STATE, sql_share_rewarded, "ii", coupon_id, order_id);
}

/* =============================================================== budget */

static const char *const sql_budget_read =
	"SELECT subsidy_budget_fen IS NOT NULL, COALESCE(subsidy_budget_fen, 0), subsidy_spent_fen, exclusive_json "
	"FROM campaign_budget WHERE campaign_id = ?";
static const char *const sql_budget_read_locked =
	"SELECT subsidy_budget_fen IS NOT NULL, COALESCE(subsidy_budget_fen, 0), subsidy_spent_fen, exclusive_json "
	"FROM campaign_budget WHERE campaign_id = ? FOR UPDATE";
static const char *const sql_budget_row =
	"INSERT INTO campaign_budget (campaign_id) VALUES (?) ON DUPLICATE KEY UPDATE campaign_id = campaign_id";
static const char *const sql_budget_set =
	"UPDATE campaign_budget SET subsidy_budget_fen = IF(?, ?, NULL) WHERE campaign_id = ?";
static const char *const sql_budget_exclusive_set = "UPDATE campaign_budget SET exclusive_json = ? WHERE campaign_id = ?";
static const char *const sql_budget_charge =
	"UPDATE campaign_budget SET subsidy_spent_fen = subsidy_spent_fen + ? WHERE campaign_id = ? "
	"AND (subsidy_budget_fen IS NULL OR subsidy_spent_fen + ? <= subsidy_budget_fen)";
static const char *const sql_subsidy_insert =
	"INSERT INTO order_subsidy (order_id, campaign_id, amount_fen) VALUES (?, ?, ?)";
static const char *const sql_budget_give_back =
	"UPDATE campaign_budget b JOIN order_subsidy o ON o.campaign_id = b.campaign_id "
	"SET b.subsidy_spent_fen = b.subsidy_spent_fen - o.amount_fen, o.returned = 1 "
	"WHERE o.order_id = ? AND o.returned = 0";

int campaign_budget_read(struct unit *unit, int64_t campaign_id, bool locked, struct promotion_budget *budget,
			 const char **exclusive_json)
{
	memset(budget, 0, sizeof(*budget));
	*exclusive_json = NULL;
	struct db_rows rows;
	int result = db_exec(unit, &rows, locked ? sql_budget_read_locked : sql_budget_read, "i", campaign_id);
	if (result != DB_OK || rows.row_count != 1)
		return result;
	budget->found = true;
	budget->has_budget = db_int(&rows, 0, 0) != 0;
	budget->budget_fen = db_int(&rows, 0, 1);
	budget->spent_fen = db_int(&rows, 0, 2);
	*exclusive_json = db_null(&rows, 0, 3) ? NULL : db_text(&rows, 0, 3);
	return DB_OK;
}

int campaign_budget_write(struct unit *unit, int64_t campaign_id, bool set_budget, bool has_budget, int64_t budget_fen,
			  const char *exclusive_json)
{
	int result = db_exec(unit, NULL, sql_budget_row, "i", campaign_id);
	if (result == DB_OK && set_budget)
		result = db_exec(unit, NULL, sql_budget_set, "iii", (int64_t)has_budget, budget_fen, campaign_id);
	if (result == DB_OK && exclusive_json != NULL)
		result = db_exec(unit, NULL, sql_budget_exclusive_set, "si", exclusive_json, campaign_id);
	return result;
}

int campaign_budget_charge(struct unit *unit, int64_t campaign_id, int64_t order_id, int64_t amount_fen)
{
	int result = db_exec_one(unit, OUT_BUDGET_EXHAUSTED, sql_budget_charge, "iii", amount_fen, campaign_id, amount_fen);
	if (result != DB_OK)
		return result;
	return db_exec(unit, NULL, sql_subsidy_insert, "iii", order_id, campaign_id, amount_fen);
}

int campaign_budget_give_back(struct unit *unit, int64_t order_id)
{
	return db_exec(unit, NULL, sql_budget_give_back, "i", order_id);
}
