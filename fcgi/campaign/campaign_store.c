/* campaign_store.c: the only SQL of the campaign and campaign_item tables
 * (see campaign_store.h for the stock movements and their guards). */
#include "campaign/campaign_store.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/arena_json.h"
#include "core/log.h"
#include "core/outcome.h"

/* A JSON text of value in the arena (for the columns that hold JSON). */
static const char *dump(struct unit *unit, const json_t *value)
{
	if (value == NULL)
		abort(); /* out of memory */
	return arena_json_text(unit->arena, value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

/* ============================================================ load, store */

#define ITEM_COLUMNS                                                                                          \
	"id, campaign_id, name, images_json, original_price_fen, floor_price_fen, stock_total, stock_left, " \
	"stock_reserved, stock_sold, cut_min_fen, cut_max_fen, target_cuts, self_cuts_per_day, "             \
	"helps_per_user_per_day, bargains_per_user, helps_per_bargain, bargain_ttl_s, pay_within_s, "        \
	"rewards_json, TIMESTAMPDIFF(SECOND, '1970-01-01', created_at), TIMESTAMPDIFF(SECOND, '1970-01-01', updated_at)"
#define CAMPAIGN_COLUMNS                                                                                      \
	"id, title, TIMESTAMPDIFF(SECOND, '1970-01-01', starts_at), TIMESTAMPDIFF(SECOND, '1970-01-01', ends_at), TIMESTAMPDIFF(SECOND, '1970-01-01', created_at), "        \
	"TIMESTAMPDIFF(SECOND, '1970-01-01', updated_at)"

static const char *const sql_item_by_id = "SELECT " ITEM_COLUMNS " FROM campaign_item WHERE id = ?";
static const char *const sql_item_by_id_locked =
	"SELECT " ITEM_COLUMNS " FROM campaign_item WHERE id = ? FOR UPDATE";
static const char *const sql_items_of_campaign =
	"SELECT " ITEM_COLUMNS " FROM campaign_item WHERE campaign_id = ? ORDER BY id";
static const char *const sql_items_of_range =
	"SELECT " ITEM_COLUMNS " FROM campaign_item WHERE campaign_id BETWEEN ? AND ? ORDER BY campaign_id, id";
/* The public reads page a campaign's items (a campaign may hold a
 * thousand): one page of one campaign after a cursor, and for the list the
 * first page of each campaign (ROW_NUMBER over the (campaign_id, id) index,
 * so only the ids of the rest are read, not their rows). */
static const char *const sql_items_page =
	"SELECT " ITEM_COLUMNS " FROM campaign_item WHERE campaign_id = ? AND id > ? ORDER BY id LIMIT ?";
static const char *const sql_items_first_pages_public =
	"SELECT " ITEM_COLUMNS " FROM campaign_item JOIN (SELECT id AS paged_id, "
	"ROW_NUMBER() OVER (PARTITION BY campaign_id ORDER BY id) AS place FROM campaign_item "
	"WHERE campaign_id BETWEEN ? AND ? AND campaign_id IN (SELECT id FROM campaign WHERE ends_at > TIMESTAMPADD(SECOND, ?, '1970-01-01'))) "
	"AS paged ON paged.paged_id = campaign_item.id WHERE paged.place <= ? ORDER BY campaign_id, id";
static const char *const sql_campaign_by_id = "SELECT " CAMPAIGN_COLUMNS " FROM campaign WHERE id = ?";
static const char *const sql_campaign_by_id_locked =
	"SELECT " CAMPAIGN_COLUMNS " FROM campaign WHERE id = ? FOR UPDATE";
static const char *const sql_campaigns_public =
	"SELECT " CAMPAIGN_COLUMNS " FROM campaign WHERE ends_at > TIMESTAMPADD(SECOND, ?, '1970-01-01') AND id > ? ORDER BY id LIMIT ?";
static const char *const sql_campaigns_admin =
	"SELECT " CAMPAIGN_COLUMNS " FROM campaign WHERE id < ? ORDER BY id DESC LIMIT ?";
static const char *const sql_campaign_insert =
	"INSERT INTO campaign (title, starts_at, ends_at, created_at, updated_at) "
	"VALUES (?, TIMESTAMPADD(SECOND, ?, '1970-01-01'), TIMESTAMPADD(SECOND, ?, '1970-01-01'), TIMESTAMPADD(SECOND, ?, '1970-01-01'), TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_campaign_update =
	"UPDATE campaign SET title = ?, starts_at = TIMESTAMPADD(SECOND, ?, '1970-01-01'), ends_at = TIMESTAMPADD(SECOND, ?, '1970-01-01'), "
	"updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE id = ?";
/* 0 stands for SQL NULL in target_cuts and helps_per_bargain. */
static const char *const sql_item_insert =
	"INSERT INTO campaign_item (campaign_id, name, images_json, original_price_fen, floor_price_fen, "
	"stock_total, stock_left, cut_min_fen, cut_max_fen, target_cuts, self_cuts_per_day, "
	"helps_per_user_per_day, bargains_per_user, helps_per_bargain, bargain_ttl_s, pay_within_s, "
	"rewards_json, created_at, updated_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, NULLIF(?, 0), ?, ?, ?, "
	"TIMESTAMPADD(SECOND, ?, '1970-01-01'), TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_item_update =
	"UPDATE campaign_item SET name = ?, images_json = ?, original_price_fen = ?, floor_price_fen = ?, "
	"cut_min_fen = ?, cut_max_fen = ?, target_cuts = NULLIF(?, 0), self_cuts_per_day = ?, "
	"helps_per_user_per_day = ?, bargains_per_user = ?, helps_per_bargain = NULLIF(?, 0), "
	"bargain_ttl_s = ?, pay_within_s = ?, rewards_json = ?, updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE id = ?";
/* stock_total and stock_left move together, so stock_total stays
 * stock_left + stock_reserved + stock_sold; the condition keeps
 * stock_left >= 0 under any race. */
static const char *const sql_item_stock_adjust =
	"UPDATE campaign_item SET stock_total = stock_total + ?, stock_left = stock_left + ?, "
	"updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE id = ? AND stock_left + ? >= 0";

static json_t *parse_stored(struct unit *unit, const char *text, bool want_array)
{
	json_t *value = text ? json_loads(text, 0, NULL) : NULL;
	if (value == NULL || (want_array ? !json_is_array(value) : !json_is_object(value))) {
		log_error("campaign: stored %s JSON is not readable", want_array ? "images" : "rewards");
		json_decref(value);
		value = want_array ? json_array() : json_pack("{s:[], s:n, s:[]}", "initiator", "helper", "leaderboard");
	}
	return arena_json_own(unit->arena, value);
}

static void item_from_row(struct unit *unit, const struct db_rows *rows, int row, struct campaign_item *item)
{
	memset(item, 0, sizeof(*item));
	item->id = db_int(rows, row, 0);
	item->campaign_id = db_int(rows, row, 1);
	item->name = db_text(rows, row, 2);
	item->images = parse_stored(unit, db_text(rows, row, 3), true);
	item->original_price_fen = db_int(rows, row, 4);
	item->floor_price_fen = db_int(rows, row, 5);
	item->stock_total = db_int(rows, row, 6);
	item->stock_left = db_int(rows, row, 7);
	item->stock_reserved = db_int(rows, row, 8);
	item->stock_sold = db_int(rows, row, 9);
	item->rules.cut_min_fen = db_int(rows, row, 10);
	item->rules.cut_max_fen = db_int(rows, row, 11);
	item->rules.target_cuts = db_null(rows, row, 12) ? 0 : db_int(rows, row, 12);
	item->rules.self_cuts_per_day = db_int(rows, row, 13);
	item->rules.helps_per_user_per_day = db_int(rows, row, 14);
	item->rules.bargains_per_user = db_int(rows, row, 15);
	item->rules.helps_per_bargain = db_null(rows, row, 16) ? 0 : db_int(rows, row, 16);
	item->rules.bargain_ttl_s = db_int(rows, row, 17);
	item->rules.pay_within_s = db_int(rows, row, 18);
	item->rewards = parse_stored(unit, db_text(rows, row, 19), false);
	item->created_at = db_int(rows, row, 20);
	item->updated_at = db_int(rows, row, 21);
}

static void campaign_from_row(const struct db_rows *rows, int row, struct campaign *campaign)
{
	memset(campaign, 0, sizeof(*campaign));
	campaign->id = db_int(rows, row, 0);
	campaign->title = db_text(rows, row, 1);
	campaign->starts_at = db_int(rows, row, 2);
	campaign->ends_at = db_int(rows, row, 3);
	campaign->created_at = db_int(rows, row, 4);
	campaign->updated_at = db_int(rows, row, 5);
}

int campaign_item_load(struct unit *unit, int64_t id, bool for_update, struct campaign_item *item)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, for_update ? sql_item_by_id_locked : sql_item_by_id, "i", id);
	if (result != DB_OK)
		return result;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	item_from_row(unit, &rows, 0, item);
	return DB_OK;
}

/* Attaches to each campaign its items among rows (sorted by campaign id). */
static void attach_items(struct unit *unit, const struct db_rows *rows, struct campaign *campaigns, int count)
{
	for (int c = 0; c < count; c++) {
		int first = -1, found = 0;
		for (int r = 0; r < rows->row_count; r++) {
			if (db_int(rows, r, 1) == campaigns[c].id) {
				if (first < 0)
					first = r;
				found++;
			}
		}
		campaigns[c].item_count = found;
		campaigns[c].items = arena_alloc(unit->arena, sizeof(struct campaign_item) * (size_t)(found + 1));
		for (int i = 0; i < found; i++)
			item_from_row(unit, rows, first + i, &campaigns[c].items[i]);
	}
}

int campaign_load(struct unit *unit, int64_t id, bool for_update, struct campaign *campaign)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, for_update ? sql_campaign_by_id_locked : sql_campaign_by_id, "i", id);
	if (result != DB_OK)
		return result;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	campaign_from_row(&rows, 0, campaign);
	if ((result = db_exec(unit, &rows, sql_items_of_campaign, "i", id)) != DB_OK)
		return result;
	attach_items(unit, &rows, campaign, 1);
	return DB_OK;
}

/* Keeps at most shown items of each campaign, noting that more follow. */
static void items_trim(struct campaign *campaigns, int count, int64_t shown)
{
	for (int c = 0; c < count; c++) {
		campaigns[c].items_more = campaigns[c].item_count > shown;
		if (campaigns[c].items_more)
			campaigns[c].item_count = (int)shown;
	}
}

int campaign_load_page(struct unit *unit, int64_t id, int64_t items_cursor, int64_t items_limit,
		       struct campaign *campaign)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_campaign_by_id, "i", id);
	if (result != DB_OK)
		return result;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	campaign_from_row(&rows, 0, campaign);
	if ((result = db_exec(unit, &rows, sql_items_page, "iii", id, items_cursor, items_limit + 1)) != DB_OK)
		return result;
	attach_items(unit, &rows, campaign, 1);
	items_trim(campaign, 1, items_limit);
	return DB_OK;
}

int campaign_list(struct unit *unit, enum campaign_view view, int64_t cursor, int64_t limit,
		  struct campaign **campaigns, int *count, bool *more)
{
	struct db_rows rows;
	int result = view == VIEW_PUBLIC
			     ? db_exec(unit, &rows, sql_campaigns_public, "iii", unit->now, cursor, limit + 1)
			     : db_exec(unit, &rows, sql_campaigns_admin, "ii", cursor > 0 ? cursor : INT64_MAX,
				      limit + 1);
	if (result != DB_OK)
		return result;
	*more = rows.row_count > limit;
	int found = *more ? (int)limit : rows.row_count;
	struct campaign *list = arena_alloc(unit->arena, sizeof(struct campaign) * (size_t)(found + 1));
	int64_t low = INT64_MAX, high = 0;
	for (int i = 0; i < found; i++) {
		campaign_from_row(&rows, i, &list[i]);
		if (list[i].id < low)
			low = list[i].id;
		if (list[i].id > high)
			high = list[i].id;
	}
	if (found > 0) {
		struct db_rows items;
		result = view == VIEW_PUBLIC
				 ? db_exec(unit, &items, sql_items_first_pages_public, "iiii", low, high, unit->now,
					   (int64_t)CAMPAIGN_ITEMS_SHOWN + 1)
				 : db_exec(unit, &items, sql_items_of_range, "ii", low, high);
		if (result != DB_OK)
			return result;
		attach_items(unit, &items, list, found);
		if (view == VIEW_PUBLIC)
			items_trim(list, found, CAMPAIGN_ITEMS_SHOWN);
	}
	*campaigns = list;
	*count = found;
	return DB_OK;
}

int campaign_item_insert(struct unit *unit, int64_t campaign_id, struct campaign_item *item)
{
	const struct campaign_rules *rules = &item->rules;
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_item_insert, "issiiiiiiiiiiiiisii", campaign_id, item->name,
			    dump(unit, item->images), item->original_price_fen, item->floor_price_fen,
			    item->stock_total, item->stock_total, rules->cut_min_fen, rules->cut_max_fen,
			    rules->target_cuts, rules->self_cuts_per_day, rules->helps_per_user_per_day,
			    rules->bargains_per_user, rules->helps_per_bargain, rules->bargain_ttl_s, rules->pay_within_s,
			    dump(unit, item->rewards), unit->now, unit->now);
	if (result != DB_OK)
		return result;
	item->id = (int64_t)rows.insert_id;
	item->campaign_id = campaign_id;
	item->stock_left = item->stock_total;
	item->stock_reserved = item->stock_sold = 0;
	item->created_at = item->updated_at = unit->now;
	return DB_OK;
}

int campaign_insert(struct unit *unit, struct campaign *campaign)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_campaign_insert, "siiii", campaign->title, campaign->starts_at,
			    campaign->ends_at, unit->now, unit->now);
	if (result != DB_OK)
		return result;
	campaign->id = (int64_t)rows.insert_id;
	campaign->created_at = campaign->updated_at = unit->now;
	for (int i = 0; i < campaign->item_count; i++)
		if ((result = campaign_item_insert(unit, campaign->id, &campaign->items[i])) != DB_OK)
			return result;
	return DB_OK;
}

static const char *const sql_promotion_version_bump =
	"UPDATE campaign SET promotion_version = promotion_version + 1 WHERE id = ?";

int campaign_promotion_version_bump(struct unit *unit, int64_t campaign_id)
{
	int result = db_exec(unit, NULL, sql_promotion_version_bump, "i", campaign_id);
	/* Every promotion write passes here inside its transaction: the one
	 * place where a timed discount's new, changed or removed window is
	 * sure to reach the price history, whatever path wrote it. */
	return result != DB_OK ? result : price_history_refresh(unit, campaign_id);
}

int campaign_update(struct unit *unit, const struct campaign *campaign)
{
	return db_exec(unit, NULL, sql_campaign_update, "siiii", campaign->title, campaign->starts_at,
		      campaign->ends_at, unit->now, campaign->id);
}

int campaign_item_update(struct unit *unit, const struct campaign_item *item)
{
	const struct campaign_rules *rules = &item->rules;
	return db_exec(unit, NULL, sql_item_update, "ssiiiiiiiiiiisii", item->name, dump(unit, item->images),
		      item->original_price_fen, item->floor_price_fen, rules->cut_min_fen, rules->cut_max_fen,
		      rules->target_cuts, rules->self_cuts_per_day, rules->helps_per_user_per_day,
		      rules->bargains_per_user, rules->helps_per_bargain, rules->bargain_ttl_s, rules->pay_within_s,
		      dump(unit, item->rewards), unit->now, item->id);
}

int stock_adjust(struct unit *unit, int64_t item_id, int64_t delta)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_item_stock_adjust, "iiiii", delta, delta, unit->now, item_id, delta);
	if (result != DB_OK)
		return result;
	if (rows.affected != 1)
		return OUT_INSUFFICIENT_STOCK;
	return DB_OK;
}

static const char *const sql_item_for_cart =
	"SELECT i.campaign_id, i.name, i.original_price_fen, i.checkout_floor_fen, i.stock_left, "
	"TIMESTAMPDIFF(SECOND, '1970-01-01', c.starts_at), TIMESTAMPDIFF(SECOND, '1970-01-01', c.ends_at), "
	"c.promotion_version FROM campaign_item i JOIN campaign c ON c.id = i.campaign_id WHERE i.id = ?";

int campaign_item_for_cart(struct unit *unit, int64_t item_id, struct item_for_cart *item)
{
	memset(item, 0, sizeof(*item));
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_item_for_cart, "i", item_id);
	if (result != DB_OK || rows.row_count != 1)
		return result;
	item->found = true;
	item->campaign_id = db_int(&rows, 0, 0);
	item->name = db_text(&rows, 0, 1);
	item->price_fen = db_int(&rows, 0, 2);
	item->floor_fen = db_int(&rows, 0, 3);
	item->stock_left = db_int(&rows, 0, 4);
	item->starts_at = db_int(&rows, 0, 5);
	item->ends_at = db_int(&rows, 0, 6);
	item->promotion_version = db_int(&rows, 0, 7);
	return DB_OK;
}

/* ================================================================== stock */

static const char *const sql_stock_reserve =
	"UPDATE campaign_item SET stock_left = stock_left - ?, stock_reserved = stock_reserved + ? "
	"WHERE id = ? AND stock_left >= ?";
static const char *const sql_stock_confirm =
	"UPDATE campaign_item SET stock_reserved = stock_reserved - ?, stock_sold = stock_sold + ? "
	"WHERE id = ? AND stock_reserved >= ?";
static const char *const sql_stock_release =
	"UPDATE campaign_item SET stock_reserved = stock_reserved - ?, stock_left = stock_left + ? "
	"WHERE id = ? AND stock_reserved >= ?";
static const char *const sql_stock_unsell =
	"UPDATE campaign_item SET stock_sold = stock_sold - ?, stock_left = stock_left + ? "
	"WHERE id = ? AND stock_sold >= ?";

/* One guarded move of qty; refused answers refused. */
static int stock_move(struct unit *unit, const char *sql, int64_t item_id, int64_t qty, int refused)
{
	return db_exec_one(unit, refused, sql, "iiii", qty, qty, item_id, qty);
}

int stock_reserve(struct unit *unit, int64_t item_id, int64_t qty)
{
	return stock_move(unit, sql_stock_reserve, item_id, qty, OUT_OUT_OF_STOCK);
}

int stock_confirm(struct unit *unit, int64_t item_id, int64_t qty)
{
	return stock_move(unit, sql_stock_confirm, item_id, qty, OUT_CONFLICT);
}

int stock_release(struct unit *unit, int64_t item_id, int64_t qty)
{
	return stock_move(unit, sql_stock_release, item_id, qty, OUT_CONFLICT);
}

int stock_unsell(struct unit *unit, int64_t item_id, int64_t qty)
{
	return stock_move(unit, sql_stock_unsell, item_id, qty, OUT_CONFLICT);
}

/* ========================================================= price history */

#define AT(placeholder) "TIMESTAMPADD(SECOND, " placeholder ", '1970-01-01')"

static const char *const sql_campaign_lock = "SELECT id FROM campaign WHERE id = ? FOR UPDATE";
static const char *const sql_item_price_bases =
	"SELECT id, original_price_fen, checkout_floor_fen, TIMESTAMPDIFF(SECOND, '1970-01-01', created_at) "
	"FROM campaign_item WHERE campaign_id = ? ORDER BY id";
/* From the point in force at since (the latest at or before it) on. */
static const char *const sql_item_price_points =
	"SELECT h.item_id, TIMESTAMPDIFF(SECOND, '1970-01-01', h.effective_at), h.price_fen, "
	"COALESCE(h.low_7d_fen, -1), COALESCE(h.promotion_id, 0) "
	"FROM item_price_history h JOIN campaign_item i ON i.id = h.item_id WHERE i.campaign_id = ? "
	"AND h.effective_at >= COALESCE((SELECT MAX(o.effective_at) FROM item_price_history o "
	"WHERE o.item_id = h.item_id AND o.effective_at <= " AT("?") "), '1000-01-01') "
	"ORDER BY h.item_id, h.effective_at, h.id";
/* The one statement that writes the history: the point goes in unless the
 * price in force at its time (the latest point at or before it) is already
 * its price, so a refresh run twice, or a change that moves nothing,
 * writes nothing. */
static const char *const sql_item_price_record =
	"INSERT INTO item_price_history (item_id, price_fen, low_7d_fen, cause, promotion_id, effective_at, "
	"recorded_at) SELECT ?, ?, NULLIF(?, -1), IF(? = 0, 'list', 'timed_discount'), NULLIF(?, 0), " AT("?") ", "
	AT("?") " FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM (SELECT price_fen FROM item_price_history "
	"WHERE item_id = ? AND effective_at <= " AT("?") " ORDER BY effective_at DESC, id DESC LIMIT 1) AS last "
	"WHERE last.price_fen = ?)";
static const char *const sql_item_price_future_clear =
	"DELETE FROM item_price_history WHERE item_id = ? AND effective_at > " AT("?");
static const char *const sql_item_prices_in_force =
	"SELECT item_id, TIMESTAMPDIFF(SECOND, '1970-01-01', effective_at), price_fen, COALESCE(low_7d_fen, -1), "
	"COALESCE(promotion_id, 0) FROM (SELECT h.item_id, h.effective_at, h.price_fen, h.low_7d_fen, h.promotion_id, "
	"ROW_NUMBER() OVER (PARTITION BY h.item_id ORDER BY h.effective_at DESC, h.id DESC) AS place "
	"FROM item_price_history h JOIN campaign_item i ON i.id = h.item_id WHERE i.campaign_id = ? "
	"AND i.id BETWEEN ? AND ? AND h.effective_at <= " AT("?") ") AS in_force WHERE place = 1 ORDER BY item_id";

int campaign_lock(struct unit *unit, int64_t campaign_id)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_campaign_lock, "i", campaign_id);
	if (result != DB_OK)
		return result;
	return rows.row_count == 1 ? DB_OK : OUT_NOT_FOUND;
}

int item_price_bases_load(struct unit *unit, int64_t campaign_id, struct item_price_basis **items, int *count)
{
	struct db_rows rows;
	*items = NULL;
	*count = 0;
	int result = db_exec(unit, &rows, sql_item_price_bases, "i", campaign_id);
	if (result != DB_OK)
		return result;
	*items = arena_alloc(unit->arena, sizeof(**items) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++)
		(*items)[r] = (struct item_price_basis){ .item_id = db_int(&rows, r, 0), .list_fen = db_int(&rows, r, 1),
							 .floor_fen = db_int(&rows, r, 2), .created_at = db_int(&rows, r, 3) };
	*count = rows.row_count;
	return DB_OK;
}

/* Rows of (item_id, at, price, low, promotion) into item_price_rows. */
static void price_rows_from(struct unit *unit, const struct db_rows *rows, struct item_price_row **out, int *count)
{
	*out = arena_alloc(unit->arena, sizeof(**out) * (size_t)(rows->row_count + 1));
	for (int r = 0; r < rows->row_count; r++)
		(*out)[r] = (struct item_price_row){
			.item_id = db_int(rows, r, 0),
			.point = { .at = db_int(rows, r, 1), .price_fen = db_int(rows, r, 2),
				   .low_7d_fen = db_int(rows, r, 3), .promotion_id = db_int(rows, r, 4) },
		};
	*count = rows->row_count;
}

int item_price_points_load(struct unit *unit, int64_t campaign_id, int64_t since, struct item_price_row **rows,
			   int *count)
{
	struct db_rows found;
	*rows = NULL;
	*count = 0;
	int result = db_exec(unit, &found, sql_item_price_points, "ii", campaign_id, since);
	if (result == DB_OK)
		price_rows_from(unit, &found, rows, count);
	return result;
}

int item_price_record(struct unit *unit, int64_t item_id, const struct price_point *point)
{
	return db_exec(unit, NULL, sql_item_price_record, "iiiiiiiiii", item_id, point->price_fen, point->low_7d_fen,
		       point->promotion_id, point->promotion_id, point->at, unit->now, item_id, point->at,
		       point->price_fen);
}

int item_price_future_clear(struct unit *unit, int64_t item_id, int64_t after)
{
	return db_exec(unit, NULL, sql_item_price_future_clear, "ii", item_id, after);
}

int item_prices_in_force(struct unit *unit, int64_t campaign_id, int64_t first_item_id, int64_t last_item_id,
			 struct item_price_row **rows, int *count)
{
	struct db_rows found;
	*rows = NULL;
	*count = 0;
	int result = db_exec(unit, &found, sql_item_prices_in_force, "iiii", campaign_id, first_item_id, last_item_id,
			     unit->now);
	if (result == DB_OK)
		price_rows_from(unit, &found, rows, count);
	return result;
}
