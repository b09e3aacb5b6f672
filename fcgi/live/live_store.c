/* live_store.c: the reads live.c makes after a commit, on a unit. Every
 * statement uses an index: bargain_cut_seq, the primary keys,
 * bargain_expiry (status, expires_at) and campaign_window (ends_at). */
#include "live/live_store.h"

static const char *const sql_live_cuts =
	"SELECT k.kind, s.phone, k.cut_fen, UNIX_TIMESTAMP(k.created_at) FROM bargain_cut k "
	"JOIN shopper s ON s.id = k.user_id WHERE k.bargain_id = ? AND (? = 0 OR k.kind = 'help') "
	"ORDER BY k.seq DESC LIMIT ?";

static const char *const sql_live_landing =
	"SELECT i.name, i.images_json, s.phone FROM campaign_item i JOIN shopper s ON s.id = ? WHERE i.id = ?";

/* The sweeper's UPDATE sets closed_at to its clock; the window bounds keep
 * the scan to bargains that ended since the last sweeps. */
static const char *const sql_live_swept =
	"SELECT b.id FROM bargain b WHERE b.status = 'expired' AND b.expires_at > FROM_UNIXTIME(?) "
	"AND b.expires_at <= FROM_UNIXTIME(?) AND b.closed_at = FROM_UNIXTIME(?) "
	"UNION "
	"SELECT b.id FROM campaign c JOIN bargain b ON b.campaign_id = c.id AND b.status = 'expired' "
	"WHERE c.ends_at > FROM_UNIXTIME(?) AND c.ends_at <= FROM_UNIXTIME(?) AND b.closed_at = FROM_UNIXTIME(?) "
	"LIMIT ?";

int live_store_cuts(struct unit *unit, int64_t bargain_id, int64_t limit, bool only_helps, struct db_rows *rows)
{
	return db_exec(unit, rows, sql_live_cuts, "iii", bargain_id, (int64_t)only_helps, limit);
}

int live_store_landing(struct unit *unit, int64_t owner_id, int64_t item_id, struct db_rows *rows)
{
	return db_exec(unit, rows, sql_live_landing, "ii", owner_id, item_id);
}

int live_store_swept(struct unit *unit, int64_t closed_at, int64_t since, int64_t limit, struct db_rows *rows)
{
	return db_exec(unit, rows, sql_live_swept, "iiiiiii", since, closed_at, closed_at, since, closed_at, closed_at,
		       limit);
}
