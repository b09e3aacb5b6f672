/* red_packet_store.c: the only SQL on red_packet (see red_packet_store.h). */
#include "reward/red_packet_store.h"

#include "core/arena.h"
#include "core/outcome.h"
#include "db/db.h"

#define DAY_S 86400

static const char *const sql_red_packet_issue =
	"INSERT INTO red_packet (user_id, amount_fen, source, status, created_at, expires_at) "
	"VALUES (?, ?, ?, 'available', TIMESTAMPADD(SECOND, ?, '1970-01-01'), TIMESTAMPADD(SECOND, ?, '1970-01-01'))";

int red_packet_issue(struct unit *unit, int64_t user_id, int64_t amount_fen, int64_t days, const char *source,
		     int64_t *id)
{
	if (amount_fen <= 0 || amount_fen > RED_PACKET_FEN_MAX || days <= 0 || days > RED_PACKET_DAYS_MAX)
		return OUT_INVALID_FIELD;
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_red_packet_issue, "iisii", user_id, amount_fen, source, unit->now,
			     unit->now + days * DAY_S);
	if (status != DB_OK)
		return status;
	*id = (int64_t)rows.insert_id;
	return DB_OK;
}

static const char *const sql_red_packet_page =
	"SELECT id, amount_fen, source, TIMESTAMPDIFF(SECOND, '1970-01-01', created_at), TIMESTAMPDIFF(SECOND, '1970-01-01', expires_at), "
	"IF(status = 'available' AND expires_at <= TIMESTAMPADD(SECOND, ?, '1970-01-01'), 'expired', status), order_id "
	"FROM red_packet WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?";

int red_packet_page(struct unit *unit, int64_t user_id, int64_t before, int64_t limit,
		    struct red_packet **packets, int *count)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_red_packet_page, "iiii", unit->now, user_id, before, limit);
	if (status != DB_OK)
		return status;
	struct red_packet *list = arena_alloc(unit->arena, sizeof(*list) * (size_t)(rows.row_count + 1));
	for (int r = 0; r < rows.row_count; r++)
		list[r] = (struct red_packet){
			.id = db_int(&rows, r, 0),
			.amount_fen = db_int(&rows, r, 1),
			.source = db_text(&rows, r, 2),
			.created_at = db_int(&rows, r, 3),
			.expires_at = db_int(&rows, r, 4),
			.status = db_text(&rows, r, 5),
			.order_id = db_null(&rows, r, 6) ? 0 : db_int(&rows, r, 6),
		};
	*packets = list;
	*count = rows.row_count;
	return DB_OK;
}

/* ============================================================ checkout */

static const char *const sql_red_packet_lock =
	"UPDATE red_packet SET status = 'locked', order_id = ? "
	"WHERE id = ? AND user_id = ? AND status = 'available' AND expires_at > TIMESTAMPADD(SECOND, ?, '1970-01-01')";
static const char *const sql_red_packet_amount = "SELECT amount_fen FROM red_packet WHERE id = ?";
static const char *const sql_red_packet_use =
	"UPDATE red_packet SET status = 'used', used_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE order_id = ? AND status = 'locked'";
static const char *const sql_red_packet_give_back =
	"UPDATE red_packet SET status = IF(expires_at > TIMESTAMPADD(SECOND, ?, '1970-01-01'), 'available', 'expired'), "
	"order_id = NULL, used_at = NULL WHERE order_id = ? AND status IN ('locked', 'used')";

int red_packet_lock_for_order(struct unit *unit, int64_t user_id, const int64_t *ids, int n, int64_t order_id,
			      int64_t *total_fen)
{
	*total_fen = 0;
	for (int i = 0; i < n; i++) {
		struct db_rows rows;
		int status = db_exec(unit, &rows, sql_red_packet_lock, "iiii", order_id, ids[i], user_id, unit->now);
		if (status != DB_OK)
			return status;
		if (rows.affected != 1)
			return OUT_INVALID_STATE; /* not hers, gone, used, locked or expired (or listed twice) */
		if ((status = db_exec(unit, &rows, sql_red_packet_amount, "i", ids[i])) != DB_OK)
			return status;
		*total_fen += db_int(&rows, 0, 0);
	}
	return DB_OK;
}

static const char *const sql_red_packet_for_order =
	"SELECT amount_fen, user_id = ? AND status = 'available' AND expires_at > TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"FROM red_packet WHERE id = ?";

int red_packet_for_order(struct unit *unit, int64_t user_id, int64_t id, int64_t *amount_fen, bool *available)
{
	*amount_fen = 0;
	*available = false;
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_red_packet_for_order, "iii", user_id, unit->now, id);
	if (status == DB_OK && rows.row_count == 1) {
		*available = db_int(&rows, 0, 1) != 0;
		*amount_fen = *available ? db_int(&rows, 0, 0) : 0; /* another's amount is not for this cart */
	}
	return status;
}

int red_packet_use(struct unit *unit, int64_t order_id)
{
	return db_exec(unit, NULL, sql_red_packet_use, "ii", unit->now, order_id);
}

int red_packet_give_back(struct unit *unit, int64_t order_id)
{
	return db_exec(unit, NULL, sql_red_packet_give_back, "ii", unit->now, order_id);
}

/* ============================================================= sweeper */

static const char *const sql_red_packet_expire =
	"UPDATE red_packet SET status = 'expired' WHERE status = 'available' AND expires_at <= TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"LIMIT ?";

int red_packet_expire_due(struct unit *unit, int64_t limit, int64_t *expired)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_red_packet_expire, "ii", unit->now, limit);
	*expired = status == DB_OK ? (int64_t)rows.affected : 0;
	return status;
}
