/* promotion_store.c: the only SQL of promotion, order_promotion,
 * full_reduction_tier and campaign_checkout (see promotion_store.h). */
#include "checkout/promotion_store.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/arena_json.h"
#include "core/outcome.h"

/* ============================================== the promotion resource */

static const char *const sql_live =
	"SELECT p.id, p.kind, p.title, TIMESTAMPDIFF(SECOND, '1970-01-01', p.starts_at), TIMESTAMPDIFF(SECOND, '1970-01-01', p.ends_at), p.config_json, "
	"COALESCE(p.limit_total, 0), COALESCE(p.limit_per_user, 0), p.used_orders, COALESCE(u.uses, 0) "
	"FROM promotion p LEFT JOIN promotion_user u ON u.promotion_id = p.id AND u.user_id = ? "
	"WHERE p.campaign_id = ? AND p.enabled = 1 AND p.starts_at <= TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"AND p.ends_at > TIMESTAMPADD(SECOND, ?, '1970-01-01') ORDER BY p.id LIMIT 64";
_Static_assert(PROMOTIONS_LIVE_MAX == 64, "sql_live reads at most PROMOTIONS_LIVE_MAX rows");

/* The resource's columns, then its used counts (orders still standing). */
#define PROMOTION_COLUMNS                                                                                        \
	"SELECT p.id, p.campaign_id, p.kind, p.title, TIMESTAMPDIFF(SECOND, '1970-01-01', p.starts_at), TIMESTAMPDIFF(SECOND, '1970-01-01', p.ends_at), "    \
	"p.enabled, p.config_json, COALESCE(p.limit_total, 0), COALESCE(p.limit_per_user, 0), "                    \
	"(SELECT COUNT(*) FROM order_promotion u JOIN orders o ON o.id = u.order_id WHERE u.promotion_id = p.id "   \
	"AND o.status NOT IN ('cancelled', 'refunded')), "                                                           \
	"(SELECT COALESCE(SUM(u.amount_fen), 0) FROM order_promotion u JOIN orders o ON o.id = u.order_id "         \
	"WHERE u.promotion_id = p.id AND o.status NOT IN ('cancelled', 'refunded')) FROM promotion p "
static const char *const sql_promotion_read = PROMOTION_COLUMNS "WHERE p.id = ?";
static const char *const sql_promotion_lock = "SELECT id FROM promotion WHERE id = ? FOR UPDATE";
static const char *const sql_promotions_of_campaign = PROMOTION_COLUMNS "WHERE p.campaign_id = ? ORDER BY p.id";
static const char *const sql_promotion_insert =
	"INSERT INTO promotion (campaign_id, kind, title, starts_at, ends_at, enabled, config_json, limit_total, "
	"limit_per_user, created_at, updated_at) VALUES (?, ?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'), TIMESTAMPADD(SECOND, ?, '1970-01-01'), ?, ?, "
	"NULLIF(?, 0), NULLIF(?, 0), TIMESTAMPADD(SECOND, ?, '1970-01-01'), TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_promotion_update =
	"UPDATE promotion SET title = ?, starts_at = TIMESTAMPADD(SECOND, ?, '1970-01-01'), ends_at = TIMESTAMPADD(SECOND, ?, '1970-01-01'), enabled = ?, "
	"config_json = ?, limit_total = NULLIF(?, 0), limit_per_user = NULLIF(?, 0), updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"WHERE id = ?";
static const char *const sql_promotion_used_ever = "SELECT 1 FROM order_promotion WHERE promotion_id = ? LIMIT 1";
static const char *const sql_promotion_delete = "DELETE FROM promotion WHERE id = ?";
static const char *const sql_promotion_disable =
	"UPDATE promotion SET enabled = 0, updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE id = ?";
static const char *const sql_order_promotion_insert =
	"INSERT INTO order_promotion (order_id, promotion_id, amount_fen, counted) VALUES (?, ?, ?, ?)";
static const char *const sql_take_total =
	"UPDATE promotion SET used_orders = used_orders + 1 WHERE id = ? AND limit_total IS NOT NULL "
	"AND used_orders < limit_total";
static const char *const sql_take_per_user =
	"INSERT INTO promotion_user (promotion_id, user_id, uses) VALUES (?, ?, 1) "
	"ON DUPLICATE KEY UPDATE uses = IF(uses < ?, uses + 1, uses)";
static const char *const sql_give_back_total =
	"UPDATE promotion p JOIN order_promotion o ON o.promotion_id = p.id SET p.used_orders = p.used_orders - 1 "
	"WHERE o.order_id = ? AND o.counted & 1";
static const char *const sql_give_back_per_user =
	"UPDATE promotion_user u JOIN order_promotion o ON o.promotion_id = u.promotion_id SET u.uses = u.uses - 1 "
	"WHERE o.order_id = ? AND u.user_id = ? AND o.counted & 2";

int promotions_live_load(struct unit *unit, int64_t campaign_id, int64_t user_id, struct promotion_live **live,
			 int *count)
{
	*live = NULL;
	*count = 0;
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_live, "iiii", user_id, campaign_id, unit->now, unit->now);
	if (result != DB_OK || rows.row_count == 0)
		return result;
	*live = arena_alloc(unit->arena, sizeof(**live) * (size_t)rows.row_count);
	for (int r = 0; r < rows.row_count; r++) {
		struct promotion_live *row = &(*live)[r];
		row->id = db_int(&rows, r, 0);
		row->kind = db_text(&rows, r, 1);
		row->title = db_text(&rows, r, 2);
		row->starts_at = db_int(&rows, r, 3);
		row->ends_at = db_int(&rows, r, 4);
		row->config = json_loads(db_text(&rows, r, 5), 0, NULL);
		if (row->config != NULL)
			arena_json_own(unit->arena, row->config);
		row->limit_total = db_int(&rows, r, 6);
		row->limit_per_user = db_int(&rows, r, 7);
		row->used_orders = db_int(&rows, r, 8);
		row->user_uses = db_int(&rows, r, 9);
	}
	*count = rows.row_count;
	return DB_OK;
}

static const char *const sql_enabled =
	"SELECT id, kind, title, TIMESTAMPDIFF(SECOND, '1970-01-01', starts_at), TIMESTAMPDIFF(SECOND, '1970-01-01', ends_at), "
	"config_json, COALESCE(limit_total, 0), COALESCE(limit_per_user, 0) FROM promotion "
	"WHERE campaign_id = ? AND enabled = 1 ORDER BY id LIMIT 64";
static const char *const sql_counters =
	"SELECT p.id, p.used_orders, COALESCE(u.uses, 0) FROM promotion p "
	"LEFT JOIN promotion_user u ON u.promotion_id = p.id AND u.user_id = ? "
	"WHERE p.campaign_id = ? AND p.enabled = 1 AND (p.limit_total IS NOT NULL OR p.limit_per_user IS NOT NULL)";

int promotions_enabled_load(struct unit *unit, int64_t campaign_id, struct db_rows *rows)
{
	return db_exec(unit, rows, sql_enabled, "i", campaign_id);
}

int promotion_counters_load(struct unit *unit, int64_t campaign_id, int64_t user_id, struct db_rows *rows)
{
	return db_exec(unit, rows, sql_counters, "ii", user_id, campaign_id);
}

static void promotion_from_rows(const struct db_rows *rows, int r, struct promotion_row *row)
{
	*row = (struct promotion_row){
		.id = db_int(rows, r, 0),
		.campaign_id = db_int(rows, r, 1),
		.kind = db_text(rows, r, 2),
		.title = db_text(rows, r, 3),
		.starts_at = db_int(rows, r, 4),
		.ends_at = db_int(rows, r, 5),
		.enabled = db_int(rows, r, 6) != 0,
		.config_json = db_text(rows, r, 7),
		.limit_total = db_int(rows, r, 8),
		.limit_per_user = db_int(rows, r, 9),
		.used_count = db_int(rows, r, 10),
		.used_subsidy_fen = db_int(rows, r, 11),
	};
}

int promotion_insert(struct unit *unit, const struct promotion_row *row, int64_t *id)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_promotion_insert, "issiiisiiii", row->campaign_id, row->kind, row->title,
			     row->starts_at, row->ends_at, (int64_t)row->enabled, row->config_json, row->limit_total,
			     row->limit_per_user, unit->now, unit->now);
	*id = result == DB_OK ? (int64_t)rows.insert_id : 0;
	return result;
}

int promotion_read(struct unit *unit, int64_t id, bool for_update, struct promotion_row *row)
{
	memset(row, 0, sizeof(*row));
	struct db_rows rows;
	int result;
	if (for_update && (result = db_exec(unit, &rows, sql_promotion_lock, "i", id)) != DB_OK)
		return result;
	if ((result = db_exec(unit, &rows, sql_promotion_read, "i", id)) != DB_OK)
		return result;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	promotion_from_rows(&rows, 0, row);
	return DB_OK;
}

int promotions_of_campaign(struct unit *unit, int64_t campaign_id, struct promotion_row **list, int *count)
{
	*list = NULL;
	*count = 0;
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_promotions_of_campaign, "i", campaign_id);
	if (result != DB_OK)
		return result;
	*list = arena_alloc(unit->arena, sizeof(**list) * (size_t)(rows.row_count > 0 ? rows.row_count : 1));
	for (int r = 0; r < rows.row_count; r++)
		promotion_from_rows(&rows, r, &(*list)[r]);
	*count = rows.row_count;
	return DB_OK;
}

int promotion_update(struct unit *unit, const struct promotion_row *row)
{
	return db_exec(unit, NULL, sql_promotion_update, "siiisiiii", row->title, row->starts_at, row->ends_at,
		       (int64_t)row->enabled, row->config_json, row->limit_total, row->limit_per_user, unit->now,
		       row->id);
}

int promotion_delete_or_disable(struct unit *unit, int64_t id)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_promotion_used_ever, "i", id);
	if (result != DB_OK)
		return result;
	if (rows.row_count == 0)
		return db_exec(unit, NULL, sql_promotion_delete, "i", id);
	result = db_exec(unit, NULL, sql_promotion_disable, "ii", unit->now, id);
	return result != DB_OK ? result : OUT_IN_USE;
}

int order_promotion_insert(struct unit *unit, int64_t order_id, int64_t promotion_id, int64_t amount_fen,
			   int counted)
{
	return db_exec(unit, NULL, sql_order_promotion_insert, "iiii", order_id, promotion_id, amount_fen,
		       (int64_t)counted);
}

int promotion_take(struct unit *unit, int64_t promotion_id, int64_t user_id, int64_t limit_total,
		   int64_t limit_per_user)
{
	struct db_rows rows;
	int result;
	if (limit_total > 0) {
		if ((result = db_exec(unit, &rows, sql_take_total, "i", promotion_id)) != DB_OK)
			return result;
		if (rows.affected != 1)
			return OUT_CONFLICT;
	}
	if (limit_per_user > 0) {
		if ((result = db_exec(unit, &rows, sql_take_per_user, "iii", promotion_id, user_id, limit_per_user)) != DB_OK)
			return result;
		if (rows.affected == 0) /* 1 inserted, 2 updated, 0 already at the limit */
			return OUT_CONFLICT;
	}
	return DB_OK;
}

int promotion_give_back_uses(struct unit *unit, int64_t order_id, int64_t user_id)
{
	int result = db_exec(unit, NULL, sql_give_back_total, "i", order_id);
	if (result != DB_OK)
		return result;
	return db_exec(unit, NULL, sql_give_back_per_user, "ii", order_id, user_id);
}

/* ============================================ full reduction, coupons */

static const char *const sql_tier_set =
	"INSERT INTO full_reduction_tier (campaign_id, min_spend_fen, off_fen) VALUES (?, ?, ?) "
	"ON DUPLICATE KEY UPDATE off_fen = VALUES(off_fen)";
static const char *const sql_tiers_clear = "DELETE FROM full_reduction_tier WHERE campaign_id = ?";
static const char *const sql_rules_set =
	"INSERT INTO campaign_checkout (campaign_id, coupons_stackable, coupon_uses_per_customer) "
	"VALUES (?, ?, NULLIF(?, 0)) ON DUPLICATE KEY UPDATE coupons_stackable = VALUES(coupons_stackable), "
	"coupon_uses_per_customer = VALUES(coupon_uses_per_customer)";
static const char *const sql_campaign_exists = "SELECT 1 FROM campaign WHERE id = ?";

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

/* What every cart reads of its campaign, with the budget's row
 * (promotion_kinds_store.c's table): the tiers as "min:off,min:off" by min
 * (tiers_parse keeps the first PRICE_TIERS_MAX), then the rules' and the
 * budget's columns, NULL where there is no row. Joined from the campaign's
 * row, with no derived table: MariaDB runs it in about the time a read of
 * each of the three tables took (a GROUP_CONCAT over a LIMIT subquery took
 * half as long again). */
static const char *const sql_campaign_read =
	"SELECT (SELECT GROUP_CONCAT(t.min_spend_fen, ':', t.off_fen ORDER BY t.min_spend_fen SEPARATOR ',') "
	"FROM full_reduction_tier t WHERE t.campaign_id = c.id), r.coupons_stackable, "
	"COALESCE(r.coupon_uses_per_customer, 0), b.campaign_id IS NOT NULL, b.subsidy_budget_fen IS NOT NULL, "
	"COALESCE(b.subsidy_budget_fen, 0), COALESCE(b.subsidy_spent_fen, 0), b.exclusive_json "
	"FROM campaign c LEFT JOIN campaign_checkout r ON r.campaign_id = c.id "
	"LEFT JOIN campaign_budget b ON b.campaign_id = c.id WHERE c.id = ?";

/* Tiers from "min:off,min:off" into tiers (OUT); returns how many. */
static int tiers_parse(const char *text, struct price_tier *tiers)
{
	int count = 0;
	while (text != NULL && *text != '\0' && count < PRICE_TIERS_MAX) {
		char *end;
		tiers[count].min_spend_fen = strtoll(text, &end, 10);
		if (*end != ':')
			break;
		tiers[count].off_fen = strtoll(end + 1, &end, 10);
		count++;
		if (*end != ',')
			break;
		text = end + 1;
	}
	return count;
}

int promotion_campaign_read(struct unit *unit, int64_t campaign_id, struct price_tier *tiers,
			    struct price_rules *rules, struct promotion_budget *budget, const char **exclusive_json)
{
	rules->tier_count = 0;
	rules->coupons_stackable = false;
	rules->coupon_uses_per_customer = 0;
	memset(budget, 0, sizeof(*budget));
	*exclusive_json = NULL;
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_campaign_read, "i", campaign_id);
	if (result != DB_OK || rows.row_count != 1)
		return result;
	rules->tier_count = db_null(&rows, 0, 0) ? 0 : tiers_parse(db_text(&rows, 0, 0), tiers);
	if (!db_null(&rows, 0, 1)) {
		rules->coupons_stackable = db_int(&rows, 0, 1) != 0;
		rules->coupon_uses_per_customer = db_int(&rows, 0, 2);
	}
	budget->found = db_int(&rows, 0, 3) != 0;
	if (budget->found) {
		budget->has_budget = db_int(&rows, 0, 4) != 0;
		budget->budget_fen = db_int(&rows, 0, 5);
		budget->spent_fen = db_int(&rows, 0, 6);
		*exclusive_json = db_null(&rows, 0, 7) ? NULL : db_text(&rows, 0, 7);
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

/* ======================================== what shoppers see (issue 14) */

static const char *const sql_shown =
	"SELECT p.id, p.kind, p.title, TIMESTAMPDIFF(SECOND, '1970-01-01', p.starts_at), "
	"TIMESTAMPDIFF(SECOND, '1970-01-01', p.ends_at), p.config_json FROM promotion p "
	"WHERE p.campaign_id = ? AND p.enabled = 1 AND (p.ends_at > TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"OR p.kind = 'presale') ORDER BY p.id DESC LIMIT 64";
_Static_assert(PROMOTIONS_LIVE_MAX == 64, "sql_shown reads at most PROMOTIONS_LIVE_MAX rows");

int promotions_shown_load(struct unit *unit, int64_t campaign_id, struct promotion_live **shown, int *count)
{
	*shown = NULL;
	*count = 0;
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_shown, "ii", campaign_id, unit->now);
	if (result != DB_OK || rows.row_count == 0)
		return result;
	*shown = arena_alloc(unit->arena, sizeof(**shown) * (size_t)rows.row_count);
	for (int r = 0; r < rows.row_count; r++) {
		struct promotion_live *row = &(*shown)[r];
		*row = (struct promotion_live){
			.id = db_int(&rows, r, 0),
			.kind = db_text(&rows, r, 1),
			.title = db_text(&rows, r, 2),
			.starts_at = db_int(&rows, r, 3),
			.ends_at = db_int(&rows, r, 4),
			.config = json_loads(db_text(&rows, r, 5), 0, NULL),
		};
		if (row->config != NULL)
			arena_json_own(unit->arena, row->config);
	}
	*count = rows.row_count;
	return DB_OK;
}

/* ============================================ coupon templates' counters */

static const char *const sql_template_take_total =
	"UPDATE promotion SET used_orders = used_orders + 1 WHERE id = ? AND limit_total IS NOT NULL "
	"AND used_orders < limit_total";
/* The shopper's row is made before the claim's transaction, on its own:
 * inside it, concurrent inserts of one key deadlock; the claim then only
 * moves the row with one conditional UPDATE. */
static const char *const sql_template_user_row =
	"INSERT IGNORE INTO promotion_user (promotion_id, user_id, uses) SELECT id, ?, 0 FROM promotion "
	"WHERE id = ? AND limit_per_user IS NOT NULL";
static const char *const sql_template_take_per_user =
	"UPDATE promotion_user SET uses = uses + 1 WHERE promotion_id = ? AND user_id = ? AND uses < ?";

int coupon_template_take_total(struct unit *unit, int64_t promotion_id)
{
	return db_exec_one(unit, OUT_OUT_OF_STOCK, sql_template_take_total, "i", promotion_id);
}

int coupon_template_user_row(struct unit *unit, int64_t promotion_id, int64_t user_id)
{
	return db_exec(unit, NULL, sql_template_user_row, "ii", user_id, promotion_id);
}

int coupon_template_take_per_user(struct unit *unit, int64_t promotion_id, int64_t user_id, int64_t limit_per_user)
{
	return db_exec_one(unit, OUT_LIMIT_REACHED, sql_template_take_per_user, "iii", promotion_id, user_id,
			   limit_per_user);
}
