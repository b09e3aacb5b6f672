/* engagement_store.c: the only SQL on the engagement tables (see
 * engagement_store.h). */
#include "engagement/engagement_store.h"

#include <string.h>

#include "core/arena.h"
#include "core/outcome.h"
#include "db/db.h"

/* ============================================================ settings */

static const char *const sql_setting_read = "SELECT settings_json FROM engagement_setting WHERE id = 1";
static const char *const sql_setting_write =
	"INSERT INTO engagement_setting (id, settings_json, updated_by, updated_at) VALUES (1, ?, NULLIF(?, 0), "
	"TIMESTAMPADD(SECOND, ?, '1970-01-01')) ON DUPLICATE KEY UPDATE settings_json = VALUES(settings_json), "
	"updated_by = VALUES(updated_by), updated_at = VALUES(updated_at)";

int engagement_setting_read(struct unit *unit, const char **text)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_setting_read, "");
	if (status != DB_OK)
		return status;
	*text = rows.row_count == 1 ? db_text(&rows, 0, 0) : NULL;
	return DB_OK;
}

int engagement_setting_write(struct unit *unit, const char *text, int64_t admin_id)
{
	return db_exec(unit, NULL, sql_setting_write, "sii", text, admin_id, unit->now);
}

/* ============================================================ check-in */

static const char *const sql_checkin_last =
	"SELECT DATEDIFF(day, '1970-01-01'), streak FROM checkin WHERE user_id = ? ORDER BY day DESC LIMIT 1";
static const char *const sql_checkin_insert =
	"INSERT INTO checkin (user_id, day, streak, points, bonus_points, created_at) "
	"VALUES (?, ?, ?, ?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_checkin_days =
	"SELECT DATE_FORMAT(day, '%Y-%m-%d') FROM checkin WHERE user_id = ? AND day BETWEEN ? AND ? ORDER BY day";

int checkin_last(struct unit *unit, int64_t user_id, bool *found, int64_t *day, int64_t *streak)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_checkin_last, "i", user_id);
	if (status != DB_OK)
		return status;
	*found = rows.row_count == 1;
	*day = *found ? db_int(&rows, 0, 0) : 0;
	*streak = *found ? db_int(&rows, 0, 1) : 0;
	return DB_OK;
}

int checkin_insert(struct unit *unit, int64_t user_id, const char *day, int64_t streak, int64_t points,
		   int64_t bonus_points)
{
	return db_exec(unit, NULL, sql_checkin_insert, "isiiii", user_id, day, streak, points, bonus_points,
		       unit->now);
}

int checkin_days(struct unit *unit, int64_t user_id, const char *first, const char *last, char (**days)[11],
		 int *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_checkin_days, "iss", user_id, first, last);
	if (status != DB_OK)
		return status;
	char(*list)[11] = arena_alloc(unit->arena, sizeof(*list) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++) {
		strncpy(list[r], db_text(&rows, r, 0), sizeof(list[r]) - 1);
		list[r][10] = '\0';
	}
	*days = list;
	*count = rows.row_count;
	return DB_OK;
}

/* ========================================================= invitations */

static const char *const sql_invite_code_of = "SELECT code FROM invite_code WHERE user_id = ?";
static const char *const sql_invite_code_insert =
	"INSERT INTO invite_code (user_id, code, created_at) VALUES (?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_invite_code_owner =
	"SELECT i.user_id, s.blocked FROM invite_code i JOIN shopper s ON s.id = i.user_id WHERE i.code = ?";
static const char *const sql_invitation_ring =
	"SELECT COALESCE(MAX(device_id = ? AND device_id <> ''), 0), COALESCE(MAX(subnet = ?), 0) "
	"FROM invitation WHERE inviter_id = ?";
static const char *const sql_invitation_insert =
	"INSERT INTO invitation (invitee_id, inviter_id, ip, subnet, device_id, letter, created_at) "
	"VALUES (?, ?, ?, ?, ?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_invitation_signature =
	"SELECT COALESCE(GROUP_CONCAT(letter ORDER BY created_at, invitee_id SEPARATOR ''), '') FROM "
	"(SELECT letter, created_at, invitee_id FROM invitation WHERE inviter_id = ? "
	"ORDER BY created_at DESC, invitee_id DESC LIMIT 63) recent";
static const char *const sql_invitation_qualify =
	"UPDATE invitation SET qualified_at = TIMESTAMPADD(SECOND, ?, '1970-01-01'), order_id = ? "
	"WHERE invitee_id = ? AND qualified_at IS NULL";
static const char *const sql_invitation_inviter = "SELECT inviter_id FROM invitation WHERE invitee_id = ?";
static const char *const sql_invitation_qualified =
	"SELECT COUNT(*) FROM invitation WHERE inviter_id = ? AND qualified_at IS NOT NULL FOR UPDATE";
static const char *const sql_shopper_blocked = "SELECT blocked FROM shopper WHERE id = ?";
static const char *const sql_invitation_counts =
	"SELECT COUNT(*), COUNT(qualified_at) FROM invitation WHERE inviter_id = ?";
static const char *const sql_invitation_rewards =
	"SELECT milestone, COALESCE(coupon_id, 0), COALESCE(prize_id, 0), TIMESTAMPDIFF(SECOND, '1970-01-01', created_at) "
	"FROM reward_grant WHERE bargain_id = 0 AND user_id = ? AND milestone LIKE 'invite:%' ORDER BY id DESC "
	"LIMIT 100";

int invite_code_of(struct unit *unit, int64_t user_id, const char **code)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_invite_code_of, "i", user_id);
	if (status != DB_OK)
		return status;
	*code = rows.row_count == 1 ? db_text(&rows, 0, 0) : NULL;
	return DB_OK;
}

int invite_code_insert(struct unit *unit, int64_t user_id, const char *code)
{
	return db_exec(unit, NULL, sql_invite_code_insert, "isi", user_id, code, unit->now);
}

int invite_code_owner(struct unit *unit, const char *code, int64_t *inviter_id, bool *blocked)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_invite_code_owner, "s", code);
	if (status != DB_OK)
		return status;
	*inviter_id = rows.row_count == 1 ? db_int(&rows, 0, 0) : 0;
	*blocked = rows.row_count == 1 && db_int(&rows, 0, 1) != 0;
	return DB_OK;
}

int invitation_ring_facts(struct unit *unit, int64_t inviter_id, const char *device_id, const char *subnet,
			  bool *same_device, bool *same_subnet)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_invitation_ring, "ssi", device_id, subnet, inviter_id);
	if (status != DB_OK)
		return status;
	*same_device = db_int(&rows, 0, 0) != 0;
	*same_subnet = db_int(&rows, 0, 1) != 0;
	return DB_OK;
}

int invitation_signature(struct unit *unit, int64_t inviter_id, const char **signature)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_invitation_signature, "i", inviter_id);
	if (status != DB_OK)
		return status;
	*signature = rows.row_count == 1 ? db_text(&rows, 0, 0) : "";
	return DB_OK;
}

int invitation_insert(struct unit *unit, int64_t invitee_id, int64_t inviter_id, const char *ip, const char *subnet,
		      const char *device_id, char letter)
{
	char letter_text[2] = { letter, '\0' };
	return db_exec(unit, NULL, sql_invitation_insert, "iissssi", invitee_id, inviter_id, ip, subnet, device_id,
		       letter_text, unit->now);
}

int invitation_qualify(struct unit *unit, int64_t invitee_id, int64_t order_id, bool *qualified,
		       int64_t *inviter_id)
{
	struct db_rows rows;
	*qualified = false;
	*inviter_id = 0;
	int status = db_exec(unit, &rows, sql_invitation_qualify, "iii", unit->now, order_id, invitee_id);
	if (status != DB_OK || rows.affected != 1)
		return status;
	if ((status = db_exec(unit, &rows, sql_invitation_inviter, "i", invitee_id)) != DB_OK)
		return status;
	if (rows.row_count != 1)
		return DB_FAILED; /* the row just updated is gone */
	*qualified = true;
	*inviter_id = db_int(&rows, 0, 0);
	return DB_OK;
}

int invitation_qualified_count(struct unit *unit, int64_t inviter_id, int64_t *qualified, bool *blocked)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_invitation_qualified, "i", inviter_id);
	if (status != DB_OK)
		return status;
	*qualified = db_int(&rows, 0, 0);
	if ((status = db_exec(unit, &rows, sql_shopper_blocked, "i", inviter_id)) != DB_OK)
		return status;
	*blocked = rows.row_count != 1 || db_int(&rows, 0, 0) != 0;
	return DB_OK;
}

int invitation_counts(struct unit *unit, int64_t inviter_id, int64_t *invited, int64_t *qualified)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_invitation_counts, "i", inviter_id);
	if (status != DB_OK)
		return status;
	*invited = db_int(&rows, 0, 0);
	*qualified = db_int(&rows, 0, 1);
	return DB_OK;
}

int invitation_rewards(struct unit *unit, int64_t inviter_id, struct invite_reward_row **list, int *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_invitation_rewards, "i", inviter_id);
	if (status != DB_OK)
		return status;
	struct invite_reward_row *out = arena_alloc(unit->arena, sizeof(*out) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++)
		out[r] = (struct invite_reward_row){
			.milestone = db_text(&rows, r, 0),
			.coupon_id = db_int(&rows, r, 1),
			.prize_id = db_int(&rows, r, 2),
			.at = db_int(&rows, r, 3),
		};
	*list = out;
	*count = rows.row_count;
	return DB_OK;
}

/* ============================================================== shares */

static const char *const sql_share_item = "SELECT 1 FROM campaign_item WHERE id = ?";
static const char *const sql_share_of =
	"SELECT code FROM item_share WHERE user_id = ? AND item_id = ? ORDER BY id LIMIT 1";
static const char *const sql_share_insert =
	"INSERT INTO item_share (code, user_id, item_id, created_at) VALUES (?, ?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_share_find = "SELECT user_id, item_id FROM item_share WHERE code = ?";
static const char *const sql_share_landing =
	"SELECT h.code, i.id, i.campaign_id, i.name, i.original_price_fen, i.floor_price_fen, s.phone "
	"FROM item_share h JOIN campaign_item i ON i.id = h.item_id JOIN shopper s ON s.id = h.user_id "
	"WHERE h.code = ?";

int share_item_exists(struct unit *unit, int64_t item_id, bool *exists)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_share_item, "i", item_id);
	*exists = status == DB_OK && rows.row_count == 1;
	return status;
}

int share_of(struct unit *unit, int64_t user_id, int64_t item_id, const char **code)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_share_of, "ii", user_id, item_id);
	if (status != DB_OK)
		return status;
	*code = rows.row_count == 1 ? db_text(&rows, 0, 0) : NULL;
	return DB_OK;
}

int share_insert(struct unit *unit, const char *code, int64_t user_id, int64_t item_id)
{
	return db_exec(unit, NULL, sql_share_insert, "siii", code, user_id, item_id, unit->now);
}

int share_find(struct unit *unit, const char *code, int64_t *user_id, int64_t *item_id)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_share_find, "s", code);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	*user_id = db_int(&rows, 0, 0);
	*item_id = db_int(&rows, 0, 1);
	return DB_OK;
}

int share_landing_read(struct unit *unit, const char *code, struct item_share_landing *landing)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_share_landing, "s", code);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	*landing = (struct item_share_landing){
		.code = db_text(&rows, 0, 0),
		.item_id = db_int(&rows, 0, 1),
		.campaign_id = db_int(&rows, 0, 2),
		.item_name = db_text(&rows, 0, 3),
		.original_price_fen = db_int(&rows, 0, 4),
		.floor_price_fen = db_int(&rows, 0, 5),
		.sharer_phone = db_text(&rows, 0, 6),
	};
	return DB_OK;
}

/* ====================================================== points offers */

#define OFFER_COLUMNS \
	"SELECT id, title, cost_points, stock_total, stock_left, per_user, kind, COALESCE(coupon_promotion_id, 0), " \
	"coupon_amount_fen, coupon_min_spend_fen, coupon_valid_days, red_packet_fen, red_packet_days, prize, " \
	"active, TIMESTAMPDIFF(SECOND, '1970-01-01', created_at), TIMESTAMPDIFF(SECOND, '1970-01-01', updated_at) FROM points_offer "

static const char *const sql_offer_list = OFFER_COLUMNS "WHERE (? = 0 OR active = 1) ORDER BY id LIMIT 200";
static const char *const sql_offer_get = OFFER_COLUMNS "WHERE id = ?";
static const char *const sql_offer_lock = OFFER_COLUMNS "WHERE id = ? FOR UPDATE";
static const char *const sql_offer_insert =
	"INSERT INTO points_offer (title, cost_points, stock_total, stock_left, per_user, kind, coupon_promotion_id, "
	"coupon_amount_fen, coupon_min_spend_fen, coupon_valid_days, red_packet_fen, red_packet_days, prize, active, "
	"created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'), "
	"TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_offer_update =
	"UPDATE points_offer SET title = ?, cost_points = ?, stock_left = stock_left + (? - stock_total), "
	"stock_total = ?, per_user = ?, kind = ?, coupon_promotion_id = NULLIF(?, 0), coupon_amount_fen = ?, "
	"coupon_min_spend_fen = ?, coupon_valid_days = ?, red_packet_fen = ?, red_packet_days = ?, prize = ?, "
	"active = ?, updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE id = ? AND stock_left + (? - stock_total) >= 0";
static const char *const sql_offer_take =
	"UPDATE points_offer SET stock_left = stock_left - 1 WHERE id = ? AND stock_left > 0";
static const char *const sql_exchange_count =
	"SELECT COUNT(*) FROM points_exchange WHERE offer_id = ? AND user_id = ? FOR UPDATE";
static const char *const sql_exchange_insert =
	"INSERT INTO points_exchange (offer_id, user_id, cost_points, coupon_id, red_packet_id, prize_id, created_at) "
	"VALUES (?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), NULLIF(?, 0), TIMESTAMPADD(SECOND, ?, '1970-01-01'))";

static const char *const offer_kind_names[] = { [OFFER_COUPON] = "coupon", [OFFER_RED_PACKET] = "red_packet",
						[OFFER_PRIZE] = "prize" };

static void offer_from_row(const struct db_rows *rows, int r, struct points_offer *offer)
{
	const char *kind = db_text(rows, r, 6);
	*offer = (struct points_offer){
		.id = db_int(rows, r, 0),
		.title = db_text(rows, r, 1),
		.cost_points = db_int(rows, r, 2),
		.stock_total = db_int(rows, r, 3),
		.stock_left = db_int(rows, r, 4),
		.per_user = db_int(rows, r, 5),
		.kind = strcmp(kind, "red_packet") == 0 ? OFFER_RED_PACKET
			: strcmp(kind, "prize") == 0	? OFFER_PRIZE
							: OFFER_COUPON,
		.coupon_promotion_id = db_int(rows, r, 7),
		.coupon_amount_fen = db_int(rows, r, 8),
		.coupon_min_spend_fen = db_int(rows, r, 9),
		.coupon_valid_days = db_int(rows, r, 10),
		.red_packet_fen = db_int(rows, r, 11),
		.red_packet_days = db_int(rows, r, 12),
		.prize = db_null(rows, r, 13) ? NULL : db_text(rows, r, 13),
		.active = db_int(rows, r, 14) != 0,
		.created_at = db_int(rows, r, 15),
		.updated_at = db_int(rows, r, 16),
	};
}

int points_offer_list(struct unit *unit, bool active_only, struct points_offer **offers, int *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_offer_list, "i", (int64_t)active_only);
	if (status != DB_OK)
		return status;
	struct points_offer *list = arena_alloc(unit->arena, sizeof(*list) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++)
		offer_from_row(&rows, r, &list[r]);
	*offers = list;
	*count = rows.row_count;
	return DB_OK;
}

int points_offer_get(struct unit *unit, int64_t offer_id, bool lock, struct points_offer *offer)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, lock ? sql_offer_lock : sql_offer_get, "i", offer_id);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	offer_from_row(&rows, 0, offer);
	return DB_OK;
}

int points_offer_insert(struct unit *unit, const struct points_offer *o, int64_t *offer_id)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_offer_insert, "siiiisiiiiiisiii", o->title, o->cost_points,
			     o->stock_total, o->stock_total, o->per_user, offer_kind_names[o->kind],
			     o->coupon_promotion_id, o->coupon_amount_fen, o->coupon_min_spend_fen,
			     o->coupon_valid_days, o->red_packet_fen, o->red_packet_days, o->prize,
			     (int64_t)o->active, unit->now, unit->now);
	if (status != DB_OK)
		return status;
	*offer_id = (int64_t)rows.insert_id;
	return DB_OK;
}

int points_offer_update(struct unit *unit, const struct points_offer *o)
{
	return db_exec(unit, NULL, sql_offer_update, "siiiisiiiiiisiiii", o->title, o->cost_points,
			     o->stock_total, o->stock_total, o->per_user, offer_kind_names[o->kind],
			     o->coupon_promotion_id, o->coupon_amount_fen, o->coupon_min_spend_fen,
			     o->coupon_valid_days, o->red_packet_fen, o->red_packet_days, o->prize,
		       (int64_t)o->active, unit->now, o->id, o->stock_total);
}

int points_offer_take(struct unit *unit, int64_t offer_id)
{
	return db_exec_one(unit, OUT_OUT_OF_STOCK, sql_offer_take, "i", offer_id);
}

int points_exchange_count(struct unit *unit, int64_t offer_id, int64_t user_id, int64_t *taken)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_exchange_count, "ii", offer_id, user_id);
	if (status != DB_OK)
		return status;
	*taken = db_int(&rows, 0, 0);
	return DB_OK;
}

int points_exchange_insert(struct unit *unit, int64_t offer_id, int64_t user_id, int64_t cost_points,
			   int64_t coupon_id, int64_t red_packet_id, int64_t prize_id)
{
	return db_exec(unit, NULL, sql_exchange_insert, "iiiiiii", offer_id, user_id, cost_points, coupon_id,
		       red_packet_id, prize_id, unit->now);
}
