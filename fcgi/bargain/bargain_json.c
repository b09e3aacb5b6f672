/* bargain_json.c: how a bargain is shown: its API.md object and its ETag
 * (see bargain.h). No SQL, no HTTP. */
#include <stdlib.h>
#include <string.h>

#include "bargain/bargain.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "db/db.h"
#include "share/share.h"

static json_t *time_or_null(int64_t when)
{
	if (when == 0)
		return json_null();
	char text[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(when, text);
	return json_string(text);
}

json_t *bargain_json(struct unit *unit, const struct bargain *bargain)
{
	const char *status = bargain_status_shown(bargain, unit->now);
	json_t *cuts_left = json_null();
	if (bargain->exact) {
		int64_t left = strcmp(status, "active") == 0 ? bargain->target_cuts - bargain->cuts : 0;
		cuts_left = json_integer(left < 0 ? 0 : left);
	}
	char base[SHARE_BASE_MAX]; /* issue 16: the share-domain pool's current domain */
	share_link_base(unit, base);
	char *share_url = arena_printf(unit->arena, "%s/s/%s", base, bargain->share_code);
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

const char *bargain_etag(struct unit *unit, const struct bargain *bargain)
{
	/* Everything a poller sees changes with cuts or the shown status. */
	return arena_printf(unit->arena, "\"b%lld-%lld-%s\"", (long long)bargain->id, (long long)bargain->cuts,
			    bargain_status_shown(bargain, unit->now));
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
