/* promotion_store.c: the only SQL of full_reduction_tier and
 * campaign_checkout (see promotion_store.h). */
#include "checkout/promotion_store.h"

#include "core/outcome.h"

static const char *const sql_tiers =
	"SELECT min_spend_fen, off_fen FROM full_reduction_tier WHERE campaign_id = ? ORDER BY min_spend_fen LIMIT 20";
static const char *const sql_tier_set =
	"INSERT INTO full_reduction_tier (campaign_id, min_spend_fen, off_fen) VALUES (?, ?, ?) "
	"ON DUPLICATE KEY UPDATE off_fen = VALUES(off_fen)";
static const char *const sql_tiers_clear = "DELETE FROM full_reduction_tier WHERE campaign_id = ?";
static const char *const sql_rules =
	"SELECT coupons_stackable, COALESCE(coupon_uses_per_customer, 0) FROM campaign_checkout WHERE campaign_id = ?";
static const char *const sql_rules_set =
	"INSERT INTO campaign_checkout (campaign_id, coupons_stackable, coupon_uses_per_customer) "
	"VALUES (?, ?, NULLIF(?, 0)) ON DUPLICATE KEY UPDATE coupons_stackable = VALUES(coupons_stackable), "
	"coupon_uses_per_customer = VALUES(coupon_uses_per_customer)";
static const char *const sql_campaign_exists = "SELECT 1 FROM campaign WHERE id = ?";

_Static_assert(PRICE_TIERS_MAX == 20, "sql_tiers reads at most PRICE_TIERS_MAX tiers");

int full_reduction_tiers_load(struct unit *unit, int64_t campaign_id, struct price_tier *tiers, int *count)
{
	*count = 0;
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_tiers, "i", campaign_id);
	if (result != DB_OK)
		return result;
	for (int r = 0; r < rows.row_count && r < PRICE_TIERS_MAX; r++) {
		tiers[r].min_spend_fen = db_int(&rows, r, 0);
		tiers[r].off_fen = db_int(&rows, r, 1);
		*count = r + 1;
	}
	return DB_OK;
}

/* OUT_UNPROCESSABLE_FIELD for a campaign that does not exist (the foreign
 * key would refuse it with a message the door only logs). */
static int campaign_exists(struct unit *unit, int64_t campaign_id)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_campaign_exists, "i", campaign_id);
	if (result != DB_OK)
		return result;
	return rows.row_count == 1 ? DB_OK : OUT_UNPROCESSABLE_FIELD;
}

int full_reduction_tier_set(struct unit *unit, int64_t campaign_id, int64_t min_spend_fen, int64_t off_fen)
{
	if (min_spend_fen < 0 || off_fen <= 0 || off_fen > PRICE_UNIT_MAX ||
	    min_spend_fen > PRICE_UNIT_MAX * PRICE_LINES_MAX * PRICE_QTY_MAX)
		return OUT_UNPROCESSABLE_FIELD;
	int result = campaign_exists(unit, campaign_id);
	if (result != DB_OK)
		return result;
	return db_exec(unit, NULL, sql_tier_set, "iii", campaign_id, min_spend_fen, off_fen);
}

int full_reduction_tiers_clear(struct unit *unit, int64_t campaign_id)
{
	return db_exec(unit, NULL, sql_tiers_clear, "i", campaign_id);
}

int checkout_rules_load(struct unit *unit, int64_t campaign_id, struct price_rules *rules)
{
	rules->coupons_stackable = false;
	rules->coupon_uses_per_customer = 0;
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_rules, "i", campaign_id);
	if (result != DB_OK)
		return result;
	if (rows.row_count == 1) {
		rules->coupons_stackable = db_int(&rows, 0, 0) != 0;
		rules->coupon_uses_per_customer = db_int(&rows, 0, 1);
	}
	return DB_OK;
}

int checkout_rules_set(struct unit *unit, int64_t campaign_id, bool coupons_stackable, int64_t uses_per_customer)
{
	if (uses_per_customer < 0 || uses_per_customer > INT32_MAX)
		return OUT_UNPROCESSABLE_FIELD;
	int result = campaign_exists(unit, campaign_id);
	if (result != DB_OK)
		return result;
	return db_exec(unit, NULL, sql_rules_set, "iii", campaign_id, (int64_t)coupons_stackable, uses_per_customer);
}
