/* promotion_cache.c: the per-worker promotion config cache (see
 * promotion_cache.h). Each slot holds one campaign's enabled promotions as
 * of one promotion_version; the least recently used slot is reloaded when
 * a campaign not cached comes. Texts and configs belong to the slot and
 * are copied (texts) or referenced (configs, json_incref) into the unit's
 * arena for each request, so a reload never pulls anything from under a
 * request. */
#include "checkout/promotion_cache.h"

#include <stdlib.h>
#include <string.h>

#include "checkout/promotion_store.h"
#include "core/arena.h"
#include "core/arena_json.h"
#include "db/db.h"

struct cached_promotion {
	int64_t id;
	char *kind, *title;
	int64_t starts_at, ends_at;
	json_t *config; /* NULL if the stored text does not parse */
	int64_t limit_total, limit_per_user;
};

struct cached_campaign {
	int64_t campaign_id; /* 0: a free slot */
	int64_t version;
	uint64_t used_at;    /* a tick of last use, for the least recently used */
	int count;
	struct cached_promotion rows[PROMOTIONS_LIVE_MAX];
};

static struct cached_campaign cache[PROMOTION_CACHE_CAMPAIGNS];
static uint64_t ticks;

static void slot_empty(struct cached_campaign *slot)
{
	for (int r = 0; r < slot->count; r++) {
		free(slot->rows[r].kind);
		free(slot->rows[r].title);
		json_decref(slot->rows[r].config);
	}
	memset(slot, 0, sizeof(*slot));
}

void promotion_cache_clear(void)
{
	for (int s = 0; s < PROMOTION_CACHE_CAMPAIGNS; s++)
		slot_empty(&cache[s]);
}

static char *copy(const char *text)
{
	char *out = strdup(text != NULL ? text : "");
	if (out == NULL)
		abort(); /* out of memory: the master starts a new worker */
	return out;
}

/* The slot of campaign_id at version, loading it when it is not. */
static int slot_for(struct unit *unit, int64_t campaign_id, int64_t version, struct cached_campaign **out)
{
	struct cached_campaign *slot = NULL, *oldest = &cache[0];
	for (int s = 0; s < PROMOTION_CACHE_CAMPAIGNS; s++) {
		if (cache[s].campaign_id == campaign_id)
			slot = &cache[s];
		if (cache[s].used_at < oldest->used_at)
			oldest = &cache[s];
	}
	if (slot != NULL && slot->version == version) {
		slot->used_at = ++ticks;
		*out = slot;
		return DB_OK;
	}
	struct db_rows rows;
	int result = promotions_enabled_load(unit, campaign_id, &rows);
	if (result != DB_OK)
		return result;
	if (slot == NULL)
		slot = oldest;
	slot_empty(slot);
	slot->campaign_id = campaign_id;
	slot->version = version;
	slot->used_at = ++ticks;
	for (int r = 0; r < rows.row_count && r < PROMOTIONS_LIVE_MAX; r++) {
		struct cached_promotion *row = &slot->rows[r];
		row->id = db_int(&rows, r, 0);
		row->kind = copy(db_text(&rows, r, 1));
		row->title = copy(db_text(&rows, r, 2));
		row->starts_at = db_int(&rows, r, 3);
		row->ends_at = db_int(&rows, r, 4);
		row->config = json_loads(db_text(&rows, r, 5), 0, NULL);
		row->limit_total = db_int(&rows, r, 6);
		row->limit_per_user = db_int(&rows, r, 7);
		slot->count = r + 1;
	}
	*out = slot;
	return DB_OK;
}

int promotion_cache_live(struct unit *unit, int64_t campaign_id, int64_t version, int64_t user_id,
			 struct promotion_live **live, int *count)
{
	*live = NULL;
	*count = 0;
	struct cached_campaign *slot;
	int result = slot_for(unit, campaign_id, version, &slot);
	if (result != DB_OK)
		return result;
	*live = arena_alloc(unit->arena, sizeof(**live) * (size_t)(slot->count > 0 ? slot->count : 1));
	bool limited = false;
	for (int r = 0; r < slot->count; r++) {
		const struct cached_promotion *row = &slot->rows[r];
		if (unit->now < row->starts_at || unit->now >= row->ends_at)
			continue;
		struct promotion_live *out = &(*live)[(*count)++];
		*out = (struct promotion_live){
			.id = row->id, .kind = arena_strdup(unit->arena, row->kind),
			.title = arena_strdup(unit->arena, row->title), .starts_at = row->starts_at,
			.ends_at = row->ends_at, .config = row->config, .limit_total = row->limit_total,
			.limit_per_user = row->limit_per_user,
		};
		if (out->config != NULL)
			arena_json_own(unit->arena, json_incref(out->config));
		limited = limited || row->limit_total > 0 || row->limit_per_user > 0;
	}
	if (!limited)
		return DB_OK;
	/* the counters move with every order: read fresh, one statement */
	struct db_rows rows;
	if ((result = promotion_counters_load(unit, campaign_id, user_id, &rows)) != DB_OK)
		return result;
	for (int k = 0; k < rows.row_count; k++)
		for (int r = 0; r < *count; r++)
			if ((*live)[r].id == db_int(&rows, k, 0)) {
				(*live)[r].used_orders = db_int(&rows, k, 1);
				(*live)[r].user_uses = db_int(&rows, k, 2);
			}
	return DB_OK;
}
