/* limit.c: fixed-window and gap limits as conditional upserts. */
#include "fraud/limit.h"

#include <stdlib.h>

#include <jansson.h>

#include "core/arena.h"
#include "core/arena_json.h"
#include "core/outcome.h"
#include "db/db.h"

const char *limit_buckets_text(struct unit *unit, const struct limit_bucket *buckets, int count)
{
	json_t *list = json_array();
	for (int i = 0; list != NULL && i < count; i++)
		json_array_append_new(list, json_pack("[s, I, I]", buckets[i].name, (json_int_t)buckets[i].window_start,
						      (json_int_t)buckets[i].max));
	if (list == NULL)
		abort(); /* out of memory */
	const char *text = arena_json_text(unit->arena, list, JSON_COMPACT);
	json_decref(list);
	return text;
}

int64_t limit_window_start(int64_t now, int64_t window_s)
{
	return now - ((now % window_s) + window_s) % window_s;
}

int64_t limit_retry_after(int64_t now, int64_t window_start, int64_t window_length)
{
	int64_t left = window_start + window_length - now;
	return left < 1 ? 1 : left;
}

/* hits is assigned before window_start, so it sees the stored window.
 * Affected rows: 1 inserted, 2 counted, 0 at the limit (unchanged). */
static const char *const sql_limit_take =
	"INSERT INTO rate_counter (bucket, window_start, hits) VALUES (?, ?, 1) "
	"ON DUPLICATE KEY UPDATE "
	"hits = IF(window_start = VALUES(window_start), IF(hits < ?, hits + 1, hits), 1), "
	"window_start = VALUES(window_start)";

int limit_take(struct unit *unit, const char *bucket, int64_t window_start, int64_t window_length,
	       int64_t max, int64_t *retry_after_s)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_limit_take, "sii", bucket, window_start, max);
	if (status != 0)
		return status;
	if (rows.affected == 0) {
		*retry_after_s = limit_retry_after(unit->now, window_start, window_length);
		return OUT_RATE_LIMITED;
	}
	return 0;
}

/* For a gap the window start is the time of the last take. */
static const char *const sql_limit_gap =
	"INSERT INTO rate_counter (bucket, window_start, hits) VALUES (?, ?, 1) "
	"ON DUPLICATE KEY UPDATE "
	"hits = IF(window_start <= VALUES(window_start) - ?, hits + 1, hits), "
	"window_start = IF(window_start <= VALUES(window_start) - ?, VALUES(window_start), window_start)";

static const char *const sql_limit_last =
	"SELECT window_start FROM rate_counter WHERE bucket = ?";

int limit_gap(struct unit *unit, const char *bucket, int64_t gap_s, int64_t *retry_after_s)
{
	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_limit_gap, "siii", bucket, unit->now, gap_s, gap_s);
	if (status != 0)
		return status;
	if (rows.affected != 0)
		return 0;
	status = db_exec(unit, &rows, sql_limit_last, "s", bucket);
	if (status != 0)
		return status;
	int64_t last = rows.row_count == 1 ? db_int(&rows, 0, 0) : unit->now;
	*retry_after_s = limit_retry_after(unit->now, last, gap_s);
	return OUT_RATE_LIMITED;
}
