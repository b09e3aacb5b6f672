/* bargain.c: loading a bargain, its JSON, its ETag, and the sweeper that
 * closes bargains past their window. */
#include "bargain/bargain.h"
#include "share/share.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/crypto.h"
#include "db/db.h"
#include "http/http.h"
#include "core/log.h"
#include "live/live.h"

bool share_code_shape(const char *code)
{
	if (code == NULL || strlen(code) != SHARE_CODE_LENGTH)
		return false;
	for (const char *p = code; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_'))
			return false;
	return true;
}

void share_code_new(char code[SHARE_CODE_LENGTH + 1])
{
	unsigned char random[SHARE_CODE_BYTES];
	crypto_random(random, sizeof(random));
	crypto_base64url(random, sizeof(random), code);
}

const char *bargain_status_shown(const struct bargain *bargain, int64_t now)
{
	if (strcmp(bargain->status, "active") == 0 && now >= bargain->expires_at)
		return "expired";
	return bargain->status;
}

#define BARGAIN_COLUMNS \
	"b.id, b.item_id, b.campaign_id, b.user_id, b.status, b.original_price_fen, b.floor_price_fen, " \
	"b.current_price_fen, b.cut_total_fen, b.helpers, b.cuts, b.last_cut_fen, b.share_code, " \
	"UNIX_TIMESTAMP(b.started_at), UNIX_TIMESTAMP(LEAST(b.expires_at, c.ends_at)), " \
	"UNIX_TIMESTAMP(b.succeeded_at), b.target_cuts, b.helps_per_bargain, b.self_cuts_per_day, " \
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

int bargain_load(struct request *request, int64_t id, const char *by_code, struct bargain *bargain)
{
	struct db_rows rows;
	int status = by_code ? db_run(request, &rows, sql_bargain_by_code, "s", by_code)
			     : db_run(request, &rows, sql_bargain_by_id, "i", id);
	if (status != 0)
		return status;
	if (rows.row_count != 1)
		return http_error(request, 404, "not_found");
	bargain_from_row(&rows, 0, bargain);
	return 0;
}

int bargain_load_for_helper(struct request *request, const char *code, int64_t helper_id, struct bargain *bargain,
			    bool *helped)
{
	struct db_rows rows;
	int status = db_run(request, &rows, sql_bargain_for_helper, "is", helper_id, code);
	if (status != 0)
		return status;
	if (rows.row_count != 1)
		return http_error(request, 404, "not_found");
	bargain_from_row(&rows, 0, bargain);
	*helped = db_int(&rows, 0, BARGAIN_COLUMN_COUNT) != 0;
	return 0;
}

static json_t *time_or_null(int64_t when)
{
	if (when == 0)
		return json_null();
	char text[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(when, text);
	return json_string(text);
}

json_t *bargain_json(struct request *request, const struct bargain *bargain)
{
	const char *status = bargain_status_shown(bargain, request->work.now);
	json_t *cuts_left = json_null();
	if (bargain->exact) {
		int64_t left = strcmp(status, "active") == 0 ? bargain->target_cuts - bargain->cuts : 0;
		cuts_left = json_integer(left < 0 ? 0 : left);
	}
	char base[SHARE_BASE_MAX]; /* issue 16: the share-domain pool's current domain */
	share_link_base(&request->work, base);
	char *share_url = arena_printf(&request->arena, "%s/s/%s", base, bargain->share_code);
	json_t *object = json_pack("{s:I, s:I, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:s, s:s, s:o, s:o, s:o}",
				   "id", (json_int_t)bargain->id, "item_id", (json_int_t)bargain->item_id,
				   "campaign_id", (json_int_t)bargain->campaign_id, "status", status,
				   "original_price_fen", (json_int_t)bargain->original_price_fen,
				   "floor_price_fen", (json_int_t)bargain->floor_price_fen,
				   "current_price_fen", (json_int_t)bargain->current_price_fen,
				   "cut_total_fen", (json_int_t)bargain->cut_total_fen,
				   "remaining_fen", (json_int_t)(bargain->current_price_fen - bargain->floor_price_fen),
				   "helpers", (json_int_t)bargain->helpers, "cuts_left", cuts_left,
				   "share_code", bargain->share_code, "share_url", share_url,
				   "started_at", time_or_null(bargain->started_at),
				   "expires_at", time_or_null(bargain->expires_at),
				   "succeeded_at", time_or_null(bargain->succeeded_at));
	if (object == NULL)
		abort();
	return object;
}

const char *bargain_etag(struct request *request, const struct bargain *bargain)
{
	/* Everything a poller sees changes with cuts or the shown status. */
	return arena_printf(&request->arena, "\"b%lld-%lld-%s\"", (long long)bargain->id, (long long)bargain->cuts,
			    bargain_status_shown(bargain, request->work.now));
}

bool etag_matches(const char *if_none_match, const char *etag)
{
	if (if_none_match == NULL)
		return false;
	size_t etag_length = strlen(etag);
	const char *cursor = if_none_match;
	while (*cursor != '\0') {
		while (*cursor == ' ' || *cursor == ',')
			cursor++;
		if (*cursor == '*')
			return true;
		if (strncmp(cursor, "W/", 2) == 0) /* gzip in nginx weakens our ETags */
			cursor += 2;
		if (strncmp(cursor, etag, etag_length) == 0 &&
		    (cursor[etag_length] == '\0' || cursor[etag_length] == ',' || cursor[etag_length] == ' '))
			return true;
		cursor += strcspn(cursor, ",");
	}
	return false;
}

/* ------------------------------------------------------------- sweeper */

static const char *const sql_sweep_lock = "SELECT GET_LOCK('kanjia.sweep', 0)";
static const char *const sql_sweep_unlock = "SELECT RELEASE_LOCK('kanjia.sweep')";
static const char *const sql_sweep_expired =
	"UPDATE bargain b JOIN campaign c ON c.id = b.campaign_id "
	"SET b.status = 'expired', b.open_slot = NULL, b.closed_at = FROM_UNIXTIME(?) "
	"WHERE b.status = 'active' AND (b.expires_at <= FROM_UNIXTIME(?) OR c.ends_at <= FROM_UNIXTIME(?))";

long bargain_sweep(struct request *request)
{
	struct db_rows rows;
	/* One sweeper at a time across workers and hosts. */
	if (db_run(request, &rows, sql_sweep_lock, "") != 0 || rows.row_count != 1 || db_int(&rows, 0, 0) != 1)
		return 0;
	long closed = -1;
	if (db_run(request, &rows, sql_sweep_expired, "iii", request->work.now, request->work.now, request->work.now) == 0)
		closed = (long)rows.affected;
	db_run(request, NULL, sql_sweep_unlock, "");
	if (closed > 0)
		log_info("sweep: closed %ld expired bargains", closed);
	if (closed > 0)
		live_bargains_swept(request); /* live: after the commit */
	return closed;
}
