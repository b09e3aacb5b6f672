/* bargain_store.c: the only SQL on bargain, bargain_cut and share_open (see
 * bargain_store.h). The hot-row statements keep their order and their
 * comments: the cut's UPDATE comes first and the cut row is copied from it,
 * so the bargain row is locked for as few round trips as possible. */
#include "bargain/bargain_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "admin/stats.h"
#include "bargain/bargain.h"
#include "core/arena.h"
#include "core/arena_json.h"
#include "core/log.h"
#include "core/marks.h"
#include "core/outcome.h"
#include "db/db.h"
#include "db/lease.h"
#include "fraud/fraud_store.h"
#include "fraud/limit.h"
#include "reward/reward.h"

/* ============================================================== reads */

#define BARGAIN_COLUMNS \
	"b.id, b.item_id, b.campaign_id, b.user_id, b.status, b.original_price_fen, b.floor_price_fen, " \
	"b.current_price_fen, b.cut_total_fen, b.helpers, b.cuts, b.last_cut_fen, b.share_code, " \
	"TIMESTAMPDIFF(SECOND, '1970-01-01', b.started_at), TIMESTAMPDIFF(SECOND, '1970-01-01', LEAST(b.expires_at, c.ends_at)), " \
	"TIMESTAMPDIFF(SECOND, '1970-01-01', b.succeeded_at), b.target_cuts, b.helps_per_bargain, b.self_cuts_per_day, " \
	"b.helps_per_user_per_day, b.rewards_json, b.cut_min_fen, b.cut_max_fen "
#define BARGAIN_FROM "FROM bargain b JOIN campaign c ON c.id = b.campaign_id "
#define BARGAIN_COLUMN_COUNT 23

static const char *const sql_bargain_by_id = "SELECT " BARGAIN_COLUMNS BARGAIN_FROM "WHERE b.id = ?";
static const char *const sql_bargain_by_code = "SELECT " BARGAIN_COLUMNS BARGAIN_FROM "WHERE b.share_code = ?";
static const char *const sql_bargain_for_helper =
	"SELECT " BARGAIN_COLUMNS ", EXISTS(SELECT 1 FROM bargain_cut k WHERE k.bargain_id = b.id AND k.helper_id = ?) "
	BARGAIN_FROM "WHERE b.share_code = ?";

static void bargain_from_row(const struct db_rows *rows, int row, struct bargain *bargain)
{
	int c = 0;
	bargain->id = db_int(rows, row, c++);
	bargain->item_id = db_int(rows, row, c++);
	bargain->campaign_id = db_int(rows, row, c++);
	bargain->user_id = db_int(rows, row, c++);
	bargain->status = db_text(rows, row, c++);
	bargain->original_price_fen = db_int(rows, row, c++);
	bargain->floor_price_fen = db_int(rows, row, c++);
	bargain->current_price_fen = db_int(rows, row, c++);
	bargain->cut_total_fen = db_int(rows, row, c++);
	bargain->helpers = db_int(rows, row, c++);
	bargain->cuts = db_int(rows, row, c++);
	bargain->last_cut_fen = db_int(rows, row, c++);
	bargain->share_code = db_text(rows, row, c++);
	bargain->started_at = db_int(rows, row, c++);
	bargain->expires_at = db_int(rows, row, c++);
	bargain->succeeded_at = db_null(rows, row, c) ? 0 : db_int(rows, row, c);
	c++;
	bargain->exact = !db_null(rows, row, c);
	bargain->target_cuts = db_int(rows, row, c++);
	bargain->helps_limited = !db_null(rows, row, c);
	bargain->helps_per_bargain = db_int(rows, row, c++);
	bargain->self_cuts_per_day = db_int(rows, row, c++);
	bargain->helps_per_user_per_day = db_int(rows, row, c++);
	bargain->rewards_json = db_text(rows, row, c++);
	bargain->cut_min_fen = db_int(rows, row, c++);
	bargain->cut_max_fen = db_int(rows, row, c++);
}

int bargain_get(struct unit *unit, int64_t id, struct bargain *bargain)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_bargain_by_id, "i", id);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	bargain_from_row(&rows, 0, bargain);
	return DB_OK;
}

int bargain_get_by_code(struct unit *unit, const char *code, struct bargain *bargain)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_bargain_by_code, "s", code);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	bargain_from_row(&rows, 0, bargain);
	return DB_OK;
}

int bargain_get_for_helper(struct unit *unit, const char *code, int64_t helper_id, struct bargain *bargain,
			   bool *helped)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_bargain_for_helper, "is", helper_id, code);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	bargain_from_row(&rows, 0, bargain);
	*helped = db_int(&rows, 0, BARGAIN_COLUMN_COUNT) != 0;
	return DB_OK;
}

static const char *const sql_bargain_cuts =
	"SELECT k.kind, s.phone, k.cut_fen, TIMESTAMPDIFF(SECOND, '1970-01-01', k.created_at) FROM bargain_cut k "
	"JOIN shopper s ON s.id = k.user_id WHERE k.bargain_id = ? AND (? = 0 OR k.kind = 'help') "
	"ORDER BY k.seq DESC LIMIT ?";

int bargain_cut_list(struct unit *unit, int64_t bargain_id, int64_t limit, bool only_helps,
		     struct bargain_cut_entry **entries, int *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_bargain_cuts, "iii", bargain_id, (int64_t)only_helps, limit);
	if (status != DB_OK)
		return status;
	struct bargain_cut_entry *list = arena_alloc(unit->arena, sizeof(*list) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++)
		list[r] = (struct bargain_cut_entry){ .self = strcmp(db_text(&rows, r, 0), "self") == 0,
						      .phone = db_text(&rows, r, 1),
						      .cut_fen = db_int(&rows, r, 2),
						      .at = db_int(&rows, r, 3) };
	*entries = list;
	*count = rows.row_count;
	return DB_OK;
}

static const char *const sql_my_bargains =
	"SELECT b.id FROM bargain b WHERE b.user_id = ? AND b.id < ? ORDER BY b.id DESC LIMIT ?";

int bargain_ids_of_user(struct unit *unit, int64_t user_id, int64_t before, int64_t limit, int64_t **ids,
			int *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_my_bargains, "iii", user_id, before, limit);
	if (status != DB_OK)
		return status;
	int64_t *list = arena_alloc(unit->arena, sizeof(*list) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++)
		list[r] = db_int(&rows, r, 0);
	*ids = list;
	*count = rows.row_count;
	return DB_OK;
}

/* The helps come as one JSON array ([[phone, cut_fen, at], ...], newest
 * first) so the landing stays one statement. */
static const char *const sql_landing =
	"SELECT " BARGAIN_COLUMNS ", i.name, i.images_json, s.phone, b.signature, "
	"(SELECT JSON_ARRAYAGG(JSON_ARRAY(hs.phone, k.cut_fen, TIMESTAMPDIFF(SECOND, '1970-01-01', k.created_at)) ORDER BY k.seq DESC LIMIT ?) "
	"FROM bargain_cut k JOIN shopper hs ON hs.id = k.user_id WHERE k.bargain_id = b.id AND k.kind = 'help') "
	BARGAIN_FROM "JOIN campaign_item i ON i.id = b.item_id JOIN shopper s ON s.id = b.user_id WHERE b.share_code = ?";

static int helps_from_json(struct unit *unit, const char *text, struct bargain_cut_entry **helps, int *count)
{
	*helps = arena_alloc(unit->arena, sizeof(**helps));
	*count = 0;
	if (text == NULL)
		return DB_OK; /* no help yet */
	json_error_t error;
	json_t *list = json_loads(text, 0, &error);
	if (!json_is_array(list)) {
		json_decref(list);
		log_error("landing: the helps read back are not a JSON array");
		return DB_FAILED;
	}
	size_t length = json_array_size(list);
	*helps = arena_alloc(unit->arena, sizeof(**helps) * (length + 1));
	for (size_t h = 0; h < length; h++) {
		const json_t *help = json_array_get(list, h);
		const char *phone = json_string_value(json_array_get(help, 0));
		(*helps)[h] = (struct bargain_cut_entry){ .self = false,
							  .phone = arena_strdup(unit->arena, phone ? phone : ""),
							  .cut_fen = json_integer_value(json_array_get(help, 1)),
							  .at = json_integer_value(json_array_get(help, 2)) };
	}
	*count = (int)length;
	json_decref(list);
	return DB_OK;
}

int bargain_landing_by_code(struct unit *unit, const char *code, int64_t limit, struct bargain *bargain,
			    struct bargain_landing *landing, const struct bargain_cut_entry **helps, int *help_count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_landing, "is", limit, code);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	bargain_from_row(&rows, 0, bargain);
	int c = BARGAIN_COLUMN_COUNT;
	*landing = (struct bargain_landing){ .item_name = db_text(&rows, 0, c), .images_json = db_text(&rows, 0, c + 1),
					     .initiator_phone = db_text(&rows, 0, c + 2),
					     .signature = db_null(&rows, 0, c + 3) ? NULL : db_text(&rows, 0, c + 3) };
	struct bargain_cut_entry *list;
	status = helps_from_json(unit, db_null(&rows, 0, c + 4) ? NULL : db_text(&rows, 0, c + 4), &list, help_count);
	*helps = list;
	return status;
}

static const char *const sql_leaderboard =
	"SELECT b.id, s.phone, b.succeeded_in_s, b.cut_total_fen FROM bargain b "
	"JOIN shopper s ON s.id = b.user_id "
	"WHERE b.campaign_id = ? AND b.succeeded_in_s IS NOT NULL AND b.held = 0 " /* held: not ranked */
	"ORDER BY b.succeeded_in_s ASC, b.cut_total_fen DESC, b.id ASC LIMIT ?";
static const char *const sql_campaign_exists = "SELECT 1 FROM campaign WHERE id = ?";

int bargain_leaderboard(struct unit *unit, int64_t campaign_id, int64_t limit, struct bargain_rank **ranks,
			int *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_campaign_exists, "i", campaign_id);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	if ((status = db_exec(unit, &rows, sql_leaderboard, "ii", campaign_id, limit)) != DB_OK)
		return status;
	struct bargain_rank *list = arena_alloc(unit->arena, sizeof(*list) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++)
		list[r] = (struct bargain_rank){ .bargain_id = db_int(&rows, r, 0), .phone = db_text(&rows, r, 1),
						 .succeeded_in_s = db_int(&rows, r, 2),
						 .cut_total_fen = db_int(&rows, r, 3) };
	*ranks = list;
	*count = rows.row_count;
	return DB_OK;
}

/* ============================================================== start */

static const char *const sql_item_for_start =
	"SELECT i.campaign_id, i.original_price_fen, i.floor_price_fen, i.stock_left, i.cut_min_fen, "
	"i.cut_max_fen, i.target_cuts, i.self_cuts_per_day, i.helps_per_user_per_day, i.bargains_per_user, "
	"i.helps_per_bargain, i.bargain_ttl_s, i.pay_within_s, i.rewards_json, "
	"TIMESTAMPDIFF(SECOND, '1970-01-01', c.starts_at), TIMESTAMPDIFF(SECOND, '1970-01-01', c.ends_at) "
	"FROM campaign_item i JOIN campaign c ON c.id = i.campaign_id WHERE i.id = ?";
static const char *const sql_open_bargain =
	"SELECT id FROM bargain WHERE user_id = ? AND item_id = ? AND open_slot = 1";
static const char *const sql_bargain_close =
	"UPDATE bargain SET status = 'expired', open_slot = NULL, closed_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"WHERE id = ? AND status = 'active'";
static const char *const sql_bargains_started =
	"SELECT COUNT(*) FROM bargain WHERE user_id = ? AND item_id = ?";
static const char *const sql_bargain_insert =
	"INSERT INTO bargain (campaign_id, item_id, user_id, share_code, original_price_fen, floor_price_fen, "
	"current_price_fen, cut_min_fen, cut_max_fen, target_cuts, self_cuts_per_day, helps_per_user_per_day, "
	"helps_per_bargain, pay_within_s, rewards_json, started_at, expires_at, start_ip, start_device) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, NULLIF(?, 0), ?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'), "
	"TIMESTAMPADD(SECOND, ?, '1970-01-01'), ?, NULLIF(?, ''))";
static const char *const sql_bargain_set_plan =
	"UPDATE bargain SET plan = ? WHERE id = ?";

int bargain_item_get(struct unit *unit, int64_t item_id, struct bargain_item *item)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_item_for_start, "i", item_id);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	int c = 0;
	item->item_id = item_id;
	item->campaign_id = db_int(&rows, 0, c++);
	item->original_price_fen = db_int(&rows, 0, c++);
	item->floor_price_fen = db_int(&rows, 0, c++);
	item->stock_left = db_int(&rows, 0, c++);
	item->cut_min_fen = db_int(&rows, 0, c++);
	item->cut_max_fen = db_int(&rows, 0, c++);
	item->exact = !db_null(&rows, 0, c);
	item->target_cuts = item->exact ? db_int(&rows, 0, c) : 0;
	c++;
	item->self_cuts_per_day = db_int(&rows, 0, c++);
	item->helps_per_user_per_day = db_int(&rows, 0, c++);
	item->bargains_per_user = db_int(&rows, 0, c++);
	item->helps_per_bargain = db_null(&rows, 0, c) ? 0 : db_int(&rows, 0, c);
	c++;
	item->bargain_ttl_s = db_int(&rows, 0, c++);
	item->pay_within_s = db_int(&rows, 0, c++);
	item->rewards_json = db_text(&rows, 0, c++);
	item->starts_at = db_int(&rows, 0, c++);
	item->ends_at = db_int(&rows, 0, c++);
	return DB_OK;
}

int bargain_count_started(struct unit *unit, int64_t user_id, int64_t item_id, int64_t *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_bargains_started, "ii", user_id, item_id);
	if (status != DB_OK)
		return status;
	*count = db_int(&rows, 0, 0);
	return DB_OK;
}

int bargain_find_open(struct unit *unit, int64_t user_id, int64_t item_id, int64_t *bargain_id)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_open_bargain, "ii", user_id, item_id);
	if (status != DB_OK)
		return status;
	*bargain_id = rows.row_count == 1 ? db_int(&rows, 0, 0) : 0;
	return DB_OK;
}

int bargain_insert(struct unit *unit, const struct bargain_new *bargain, int64_t *bargain_id)
{
	const struct bargain_item *item = bargain->item;
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_bargain_insert, "iiisiiiiiiiiiisiiss", item->campaign_id, item->item_id,
			     bargain->user_id, bargain->share_code, item->original_price_fen, item->floor_price_fen,
			     item->original_price_fen, item->cut_min_fen, item->cut_max_fen, item->target_cuts,
			     item->self_cuts_per_day, item->helps_per_user_per_day, item->helps_per_bargain,
			     item->pay_within_s, item->rewards_json, unit->now, bargain->expires_at, bargain->start_ip,
			     bargain->start_device ? bargain->start_device : "");
	if (status != DB_OK)
		return status;
	*bargain_id = (int64_t)rows.insert_id;
	return DB_OK;
}

int bargain_set_plan(struct unit *unit, int64_t bargain_id, const char *plan)
{
	return db_exec(unit, NULL, sql_bargain_set_plan, "si", plan, bargain_id);
}

int bargain_close(struct unit *unit, int64_t bargain_id)
{
	marks_changed(MARK_BARGAIN, bargain_id);
	return db_exec(unit, NULL, sql_bargain_close, "ii", unit->now, bargain_id);
}

/* ================================================================ cut */

/* The one write to the hot row (single-table, so assignments run left to
 * right). last_cut_fen is assigned first: the exact plan's next entry, or
 * the drawn range amount, clipped to what is left; the columns after it
 * read the new value. Only an active bargain inside its window with money
 * left is cut, and a help only under the bargain's helper cap. */
static const char *const sql_bargain_take_cut =
	"UPDATE bargain SET "
	"last_cut_fen = LEAST(current_price_fen - floor_price_fen, IF(plan IS NULL, ?, "
	"CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(plan, ',', cuts + 1), ',', -1) AS SIGNED))), "
	"current_price_fen = current_price_fen - last_cut_fen, "
	"cut_total_fen = cut_total_fen + last_cut_fen, "
	"cuts = cuts + 1, "
	"helpers = helpers + ?, "
	"succeeded_at = IF(current_price_fen = floor_price_fen, TIMESTAMPADD(SECOND, ?, '1970-01-01'), NULL), "
	"succeeded_in_s = IF(current_price_fen = floor_price_fen, ? - TIMESTAMPDIFF(SECOND, '1970-01-01', started_at), NULL), "
	"status = IF(current_price_fen = floor_price_fen, 'succeeded', 'active'), "
	"signature = RIGHT(CONCAT(signature, ?), 1000), held = GREATEST(held, ?) " /* anti-fraud */
	"WHERE id = ? AND status = 'active' AND current_price_fen > floor_price_fen "
	"AND expires_at > TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"AND (? = 0 OR helps_per_bargain IS NULL OR helpers < helps_per_bargain)";

/* The cut row, copied from the row the UPDATE above just wrote (under our
 * lock). helper_id stays NULL for self-cuts. */
static const char *const sql_cut_record =
	"INSERT INTO bargain_cut (bargain_id, campaign_id, seq, kind, user_id, helper_id, cut_fen, price_after_fen, "
	"helpers_after, client_ip, device, created_at) SELECT id, campaign_id, cuts, ?, ?, NULLIF(?, 0), "
	"last_cut_fen, current_price_fen, helpers, ?, NULLIF(?, ''), TIMESTAMPADD(SECOND, ?, '1970-01-01') FROM bargain WHERE id = ? "
	"RETURNING seq, cut_fen, price_after_fen, helpers_after";

int bargain_take_cut(struct unit *unit, int64_t bargain_id, int64_t drawn, bool is_help, const char *letter,
		     bool hold, bool *taken)
{
	marks_changed(MARK_BARGAIN, bargain_id);
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_bargain_take_cut, "iiiisiiii", drawn, (int64_t)is_help, unit->now,
			     unit->now, letter ? letter : "", (int64_t)hold, bargain_id, unit->now, (int64_t)is_help);
	if (status != DB_OK)
		return status;
	*taken = rows.affected != 0;
	return DB_OK;
}

int bargain_cut_record(struct unit *unit, int64_t bargain_id, bool is_help, int64_t user_id, const char *client_ip,
		       const char *device, struct bargain_cut_row *row)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_cut_record, "siissii", is_help ? "help" : "self", user_id,
			     is_help ? user_id : (int64_t)0, client_ip, device ? device : "", unit->now, bargain_id);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1)
		return DB_FAILED;
	*row = (struct bargain_cut_row){ .seq = db_int(&rows, 0, 0), .cut_fen = db_int(&rows, 0, 1),
					 .price_after_fen = db_int(&rows, 0, 2), .helpers_after = db_int(&rows, 0, 3) };
	return DB_OK;
}

/* =============================================================== help */

/* The bargain, the already-helped check, fraud_store.c's help facts and
 * the rule set's version, in one read. */
static const char *const sql_help_load =
	"SELECT " BARGAIN_COLUMNS ", EXISTS(SELECT 1 FROM bargain_cut k WHERE k.bargain_id = b.id AND k.helper_id = ?), "
	"b.signature, b.start_ip, b.start_device, hs.phone, TIMESTAMPDIFF(SECOND, '1970-01-01', hs.created_at), "
	"(SELECT k.client_ip FROM bargain_cut k WHERE k.bargain_id = b.id AND k.kind = 'help' "
	" ORDER BY k.seq DESC LIMIT 1), "
	"(SELECT TIMESTAMPDIFF(SECOND, '1970-01-01', k.created_at) FROM bargain_cut k WHERE k.bargain_id = b.id AND k.kind = 'help' "
	" ORDER BY k.seq DESC LIMIT 1), "
	"(SELECT COUNT(*) FROM bargain_cut k WHERE k.bargain_id = b.id AND k.device = ?), "
	"(SELECT COALESCE(MAX(f.version), 0) FROM fraud_state f WHERE f.id = 1), i.name, i.images_json, os.phone, "
	"hs.token_version, hs.blocked, (SELECT COUNT(*) FROM revoked_token r WHERE r.jti = ?) "
	BARGAIN_FROM "JOIN campaign_item i ON i.id = b.item_id JOIN shopper os ON os.id = b.user_id "
	"LEFT JOIN shopper hs ON hs.id = ? WHERE b.share_code = ?";

static const char *text_or_null(const struct db_rows *rows, int row, int column)
{
	return db_null(rows, row, column) ? NULL : db_text(rows, row, column);
}

int bargain_help_load(struct unit *unit, const char *code, int64_t helper_id, const char *device,
		      struct bargain *bargain, bool *helped, struct fraud_help_row *facts, int64_t *rules_version,
		      struct bargain_landing *landing)
{
	struct db_rows rows;
	/* the helper is the caller: its session's facts come with its row */
	bool carries = unit_session_carry(unit);
	int status = db_exec(unit, &rows, sql_help_load, "issis", helper_id, device, carries ? unit->session->jti : "",
			     helper_id, code);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	bargain_from_row(&rows, 0, bargain);
	int c = BARGAIN_COLUMN_COUNT;
	*helped = db_int(&rows, 0, c) != 0;
	if (db_null(&rows, 0, c + 4))
		return OUT_NOT_FOUND; /* the helper is gone */
	if (carries && (status = unit_session_settle(unit, db_int(&rows, 0, c + 13), db_int(&rows, 0, c + 14) != 0,
						     db_int(&rows, 0, c + 15) != 0)) != DB_OK)
		return status;
	*facts = (struct fraud_help_row){
		.signature = db_text(&rows, 0, c + 1), .start_ip = text_or_null(&rows, 0, c + 2),
		.start_device = text_or_null(&rows, 0, c + 3), .started_at = bargain->started_at,
		.phone = db_text(&rows, 0, c + 4), .joined_at = db_int(&rows, 0, c + 5),
		.previous_ip = text_or_null(&rows, 0, c + 6),
		.previous_at = db_null(&rows, 0, c + 7) ? 0 : db_int(&rows, 0, c + 7),
		.same_device_cuts = db_int(&rows, 0, c + 8),
	};
	*rules_version = db_int(&rows, 0, c + 9);
	*landing = (struct bargain_landing){ .item_name = db_text(&rows, 0, c + 10), .images_json = db_text(&rows, 0, c + 11),
					     .initiator_phone = db_text(&rows, 0, c + 12) };
	return DB_OK;
}

/* help_apply (sql/025_help_lighter.sql) runs the take-cut UPDATE above
 * keeping the values it writes in user variables and inserts the cut row
 * from them (no read of the bargain after the UPDATE): keep the UPDATE's
 * text in step with it. It brings the live helps only when the live cuts
 * may not hold them; bargain_help() then takes them from the cuts. */
static const char *const sql_help_apply =
	"CALL help_apply(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/* A reward as help_apply's reward_grant_apply reads it. The coupon's end
 * is reward_issue()'s: valid_days from now. */
static json_t *help_reward_json(const struct unit *unit, const struct bargain_help_reward *grant)
{
	const struct reward *reward = grant->reward;
	json_t *object = json_pack("{s:I, s:s, s:I, s:s, s:s, s:I, s:I, s:I}", "user_id", (json_int_t)grant->user_id,
				   "milestone", grant->milestone, "helpers", (json_int_t)grant->helpers, "kind",
				   reward->kind == REWARD_COUPON ? "coupon" : "prize", "title", reward->title,
				   "amount_fen", (json_int_t)reward->amount_fen, "min_spend_fen",
				   (json_int_t)reward->min_spend_fen, "expires_at",
				   (json_int_t)(unit->now + reward->valid_days * 86400));
	if (object == NULL)
		abort();
	return object;
}

/* text of value, whose reference it takes; NULL stays NULL. */
static const char *json_text(struct unit *unit, json_t *value)
{
	const char *text = arena_json_text(unit->arena, value, JSON_COMPACT);
	json_decref(value);
	return text;
}

int bargain_help_apply(struct unit *unit, const struct bargain_help_write *write, struct bargain_help_result *result)
{
	const struct bargain *bargain = write->bargain;
	*result = (struct bargain_help_result){ .applied = HELP_NOT_TAKEN, .limited_index = -1 };
	marks_changed(MARK_BARGAIN, bargain->id);
	if (write->milestone_count > 0)
		marks_changed(MARK_SHOPPER, bargain->user_id); /* the initiator's rewards */

	json_t *milestones = json_array();
	for (int i = 0; i < write->milestone_count; i++)
		json_array_append_new(milestones, help_reward_json(unit, &write->milestones[i]));
	int64_t hour, shard;
	char day[11];
	stats_row_key(unit->now, &hour, &shard, day);

	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_help_apply, "isiiiissisisisssiisssii", unit->now, unit->request_id,
			     bargain->id, bargain->campaign_id, bargain->item_id, write->helper_id, write->client_ip,
			     write->device ? write->device : "", write->drawn, write->letter ? write->letter : "",
			     (int64_t)write->hold, fraud_event_text(unit, write->event), write->rule_id, write->rule_field, write->shown,
			     limit_buckets_text(unit, write->limits, write->limit_count), hour, shard, day,
			     json_text(unit, write->helper_reward ? help_reward_json(unit, write->helper_reward) : NULL),
			     json_text(unit, milestones), write->live_cuts, write->live_helps);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1 || rows.column_count != 10) {
		log_error("help: help_apply answered %d rows of %d columns", rows.row_count, rows.column_count);
		return DB_FAILED;
	}
	const char *applied = db_text(&rows, 0, 0);
	if (strcmp(applied, "ok") == 0)
		result->applied = HELP_APPLIED;
	else if (strcmp(applied, "limited") == 0)
		result->applied = HELP_LIMITED;
	else if (strcmp(applied, "already_helped") == 0)
		result->applied = HELP_ALREADY_HELPED;
	result->limited_index = (int)db_int(&rows, 0, 1);
	result->row = (struct bargain_cut_row){ .seq = db_int(&rows, 0, 2), .cut_fen = db_int(&rows, 0, 3),
						.price_after_fen = db_int(&rows, 0, 4),
						.helpers_after = db_int(&rows, 0, 5) };
	result->coupon_id = db_int(&rows, 0, 6);
	result->decision_id = db_int(&rows, 0, 7);
	result->live_cuts_json = text_or_null(&rows, 0, 8);
	result->live_helps_json = text_or_null(&rows, 0, 9);
	if (result->applied == HELP_LIMITED && (result->limited_index < 0 || result->limited_index >= write->limit_count))
		return DB_FAILED;
	return DB_OK;
}

/* ============================================================== share */

/* A batch's visitors travel as one JSON array; the visitor key in hex
 * (a device id is the client's bytes). */
static const char *const sql_visits_load =
	"SELECT j.i, o.opens FROM JSON_TABLE(?, '$[*]' COLUMNS (i INT PATH '$[0]', b BIGINT PATH '$[1]', "
	"d BIGINT PATH '$[2]', v VARCHAR(400) PATH '$[3]')) AS j "
	"JOIN share_open o ON o.bargain_id = j.b AND o.day_start = j.d AND o.visitor = UNHEX(j.v) FOR UPDATE";
static const char *const sql_visits_write =
	"INSERT INTO share_open (bargain_id, campaign_id, item_id, day_start, visitor, client_ip, opens, created_at) "
	"SELECT j.b, j.c, j.it, j.d, UNHEX(j.v), UNHEX(j.ip), j.n, TIMESTAMPADD(SECOND, j.at, '1970-01-01') "
	"FROM JSON_TABLE(?, '$[*]' COLUMNS (b BIGINT PATH '$[0]', c BIGINT PATH '$[1]', it BIGINT PATH '$[2]', "
	"d BIGINT PATH '$[3]', v VARCHAR(400) PATH '$[4]', ip VARCHAR(96) PATH '$[5]', n INT PATH '$[6]', "
	"at BIGINT PATH '$[7]')) AS j "
	"ON DUPLICATE KEY UPDATE opens = VALUES(opens)";

static json_t *hex_of(const char *text)
{
	size_t length = strlen(text);
	char *hex = malloc(length * 2 + 1);
	if (hex == NULL)
		return json_null();
	for (size_t i = 0; i < length; i++)
		snprintf(hex + i * 2, 3, "%02x", (unsigned char)text[i]);
	hex[length * 2] = '\0';
	json_t *value = json_string(hex);
	free(hex);
	return value;
}

static int exec_json(struct unit *unit, struct db_rows *rows, const char *sql, json_t *list)
{
	char *text = json_dumps(list, JSON_COMPACT);
	json_decref(list);
	if (text == NULL)
		return DB_FAILED;
	int status = db_exec(unit, rows, sql, "s", text);
	free(text);
	return status;
}

int share_visits_load(struct unit *unit, struct share_visit *visits, int count)
{
	json_t *list = json_array();
	for (int v = 0; v < count; v++) {
		visits[v].before = 0;
		json_array_append_new(list, json_pack("[i, I, I, o]", v, (json_int_t)visits[v].bargain_id,
						      (json_int_t)visits[v].day_start, hex_of(visits[v].visitor)));
	}
	struct db_rows rows;
	int status = exec_json(unit, &rows, sql_visits_load, list);
	if (status != DB_OK)
		return status;
	for (int r = 0; r < rows.row_count; r++) {
		int64_t v = db_int(&rows, r, 0);
		if (v >= 0 && v < count)
			visits[v].before = db_int(&rows, r, 1);
	}
	return DB_OK;
}

int share_visits_write(struct unit *unit, const struct share_visit *visits, int count)
{
	json_t *list = json_array();
	for (int v = 0; v < count; v++)
		if (visits[v].after > visits[v].before)
			json_array_append_new(list, json_pack("[I, I, I, I, o, o, I, I]", (json_int_t)visits[v].bargain_id,
							      (json_int_t)visits[v].campaign_id,
							      (json_int_t)visits[v].item_id,
							      (json_int_t)visits[v].day_start, hex_of(visits[v].visitor),
							      hex_of(visits[v].client_ip), (json_int_t)visits[v].after,
							      (json_int_t)visits[v].first_at));
	if (json_array_size(list) == 0) {
		json_decref(list);
		return DB_OK;
	}
	return exec_json(unit, NULL, sql_visits_write, list);
}

/* ============================================================= orders */

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

int bargain_for_order(struct unit *unit, int64_t bargain_id, struct bargain_orderable *bargain)
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
	marks_changed(MARK_BARGAIN, bargain_id);
	return db_exec_one(unit, OUT_BARGAIN_NOT_SUCCEEDED, sql_bargain_mark_ordered, "iii", unit->now, bargain_id,
			   user_id);
}

int bargain_unmark_ordered(struct unit *unit, int64_t bargain_id, int64_t user_id)
{
	marks_changed(MARK_BARGAIN, bargain_id);
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

/* ========================================================= anti-fraud */

static const char *const sql_bargain_hold = "UPDATE bargain SET held = 1 WHERE id = ?";
static const char *const sql_bargain_release = "UPDATE bargain SET held = 0 WHERE id = ?";
static const char *const sql_bargain_reject =
	"UPDATE bargain SET status = 'expired', open_slot = NULL, closed_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"WHERE id = ? AND status IN ('active', 'succeeded')";

int bargain_hold(struct unit *unit, int64_t bargain_id)
{
	marks_changed(MARK_BARGAIN, bargain_id);
	return db_exec(unit, NULL, sql_bargain_hold, "i", bargain_id);
}

int bargain_release(struct unit *unit, int64_t bargain_id)
{
	marks_changed(MARK_BARGAIN, bargain_id);
	return db_exec(unit, NULL, sql_bargain_release, "i", bargain_id);
}

int bargain_reject(struct unit *unit, int64_t bargain_id)
{
	marks_changed(MARK_BARGAIN, bargain_id);
	return db_exec(unit, NULL, sql_bargain_reject, "ii", unit->now, bargain_id);
}

/* ============================================================== sweep */

/* Longer than a sweep takes; a worker killed mid-sweep frees it then. */
#define SWEEP_LEASE_S 60
static const char *const sql_sweep_expired =
	"UPDATE bargain b JOIN campaign c ON c.id = b.campaign_id "
	"SET b.status = 'expired', b.open_slot = NULL, b.closed_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"WHERE b.status = 'active' AND (b.expires_at <= TIMESTAMPADD(SECOND, ?, '1970-01-01') OR c.ends_at <= TIMESTAMPADD(SECOND, ?, '1970-01-01'))";

long bargain_close_expired(struct unit *unit)
{
	struct db_rows rows;
	/* One sweeper at a time across workers, hosts and database nodes: a
	 * lease row, not GET_LOCK, which Galera does not replicate. */
	bool taken = false;
	if (lease_take(unit, LEASE_BARGAIN_SWEEP, SWEEP_LEASE_S, &taken) != DB_OK || !taken)
		return 0;
	long closed = -1;
	if (db_exec(unit, &rows, sql_sweep_expired, "iii", unit->now, unit->now, unit->now) == DB_OK)
		closed = (long)rows.affected;
	if (closed > 0)
		marks_changed(MARK_BARGAIN, 0); /* many bargains at once */
	lease_release(unit, LEASE_BARGAIN_SWEEP);
	return closed;
}
