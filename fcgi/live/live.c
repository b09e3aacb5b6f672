/* live.c: what a bargain's watchers are sent after a change commits, and
 * sending it (live.h). The owner's message is the shape of GET
 * /bargains/{id} (the bargain object plus its cuts) with the newest
 * LIVE_OWNER_CUTS cuts only and "cuts_count", how many there are: a page
 * adds the cuts it has not shown (and reloads in the rare case it missed
 * more than that), so a publish costs the same on a bargain with thousands
 * of helps as on a new one. The share channel's is the landing's shape (the
 * bargain object plus item, initiator and recent helps), as the landing
 * answers it. */
#include "live/live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bargain/bargain.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/phone.h"
#include "http/http.h"
#include "live/live_publish.h"
#include "live/live_store.h"
#include "live/live_watch.h"

#define LIVE_EVENT "bargain"         /* the SSE event type of every message */
#define LIVE_SWEEP_MAX 1000          /* bargains published after one sweep */
#define LIVE_SWEEP_BUDGET_MS 2000    /* and the time they may take */
#define LIVE_SWEEP_SLACK_S 60        /* how far before the last sweeps a swept window may have ended */
#define LIVE_LOG_EVERY 100           /* after the first few, one failure line per this many */
#define LIVE_LOG_FIRST 10

static struct live_counters counters;

struct live_counters live_counters(void)
{
	return counters;
}

/* What the request will answer; a publish runs DB reads whose errors must
 * not become the answer of a request that has already succeeded. */
struct answer {
	int status;
	const char *error_code, *error_message;
};

static struct answer answer_save(const struct request *request)
{
	return (struct answer){ request->status, request->error_code, request->error_message };
}

static void answer_restore(struct request *request, const struct answer *saved)
{
	request->status = saved->status;
	request->error_code = saved->error_code;
	request->error_message = saved->error_message;
}

static void note_failure(int64_t bargain_id, const char *why)
{
	counters.failed++;
	if (counters.failed <= LIVE_LOG_FIRST || counters.failed % LIVE_LOG_EVERY == 0)
		log_warn("live: bargain %lld not published: %s (%lld failed, %lld published by this worker)",
			 (long long)bargain_id, why, (long long)counters.failed, (long long)counters.published);
}

/* Sends message (a reference the arena owns) to channel. Returns 0 or -1. */
static int publish(struct request *request, int64_t bargain_id, const char *channel, const json_t *message)
{
	const struct config *config = request->work.config;
	char *text = json_dumps(message, JSON_COMPACT);
	if (text == NULL)
		abort();
	int http_status = 0;
	enum live_publish_result result = live_publish(config->live_socket, channel, LIVE_EVENT, text, strlen(text),
						       (int)config->live_timeout_ms, &http_status);
	free(text);
	if (result == LIVE_PUBLISHED) {
		counters.published++;
		struct live_watches *watches = live_watches_for(config->live_socket);
		if (http_status == 201 && watches != NULL) /* 201: a subscriber got it (202: queued only) */
			live_watch_extend(watches, bargain_id, request->work.now);
		return 0;
	}
	char why[96];
	snprintf(why, sizeof(why), "channel %.1s: %s (status %d)", channel, live_publish_result_name(result),
		 http_status);
	note_failure(bargain_id, why);
	return -1;
}

/* One cut as the API shows it: "self" or the helper's masked phone. */
static json_t *cut_json(const struct db_rows *rows, int r)
{
	char masked[PHONE_MASKED_SIZE], at[CLOCK_RFC3339_SIZE];
	bool self = strcmp(db_text(rows, r, LIVE_CUT_KIND), "self") == 0;
	phone_mask(db_text(rows, r, LIVE_CUT_PHONE), masked);
	clock_format_rfc3339(db_int(rows, r, LIVE_CUT_AT), at);
	json_t *cut = json_pack("{s:s, s:I, s:s}", "by", self ? "self" : masked, "cut_fen",
				(json_int_t)db_int(rows, r, LIVE_CUT_FEN), "at", at);
	if (cut == NULL)
		abort();
	return cut;
}

/* A cut [kind, phone, cut_fen, at] of a JSON list a help brought back, as
 * cut_json() shows a row. */
static json_t *cut_json_known(const json_t *cut)
{
	char masked[PHONE_MASKED_SIZE], at[CLOCK_RFC3339_SIZE];
	const char *kind = json_string_value(json_array_get(cut, 0));
	const char *phone = json_string_value(json_array_get(cut, 1));
	bool self = kind != NULL && strcmp(kind, "self") == 0;
	phone_mask(phone ? phone : "", masked);
	clock_format_rfc3339(json_integer_value(json_array_get(cut, 3)), at);
	json_t *object = json_pack("{s:s, s:I, s:s}", "by", self ? "self" : masked, "cut_fen",
				   (json_int_t)json_integer_value(json_array_get(cut, 2)), "at", at);
	if (object == NULL)
		abort();
	return object;
}

/* The cut objects of text (a JSON list of cuts; NULL or unreadable: none). */
static json_t *cuts_known(const char *text)
{
	json_t *list = json_array();
	json_error_t error;
	json_t *cuts = text ? json_loads(text, 0, &error) : NULL;
	size_t index;
	json_t *cut;
	json_array_foreach(cuts, index, cut)
		json_array_append_new(list, cut_json_known(cut));
	json_decref(cuts);
	return list;
}

/* Sends bargain's two messages: the owner's with newest (its newest cuts,
 * stolen) and the landing's with helps (stolen) and the item's name and
 * images and the initiator's phone. */
static void publish_both(struct request *request, const struct bargain *bargain, json_t *newest, json_t *helps,
			 const char *item_name, const char *images_json, const char *initiator_phone)
{
	struct unit *unit = &request->work;
	json_t *owner = http_own(request, bargain_json(unit, bargain));
	json_object_set_new(owner, "cuts", newest);
	json_object_set_new(owner, "cuts_count", json_integer(bargain->cuts));
	char channel[LIVE_CHANNEL_MAX + 1];
	snprintf(channel, sizeof(channel), "b%lld", (long long)bargain->id);
	publish(request, bargain->id, channel, owner);

	/* The share landing's shape, as share_landing() in bargain_routes.c shows it. */
	json_t *landing = http_own(request, bargain_json(unit, bargain));
	json_error_t error;
	json_t *images = json_loads(images_json ? images_json : "[]", 0, &error);
	char masked[PHONE_MASKED_SIZE];
	phone_mask(initiator_phone ? initiator_phone : "", masked);
	json_object_set_new(landing, "item", json_pack("{s:I, s:s, s:o}", "id", (json_int_t)bargain->item_id, "name",
						       item_name ? item_name : "", "images",
						       images ? images : json_array()));
	json_object_set_new(landing, "initiator", json_string(masked));
	json_object_set_new(landing, "recent_helps", helps);
	snprintf(channel, sizeof(channel), "s%s", bargain->share_code);
	publish(request, bargain->id, channel, landing);
}

/* Publishes bargain_id's state as the database has it now. */
static void publish_read(struct request *request, int64_t bargain_id)
{
	struct unit *unit = &request->work;
	struct bargain bargain;
	if (bargain_get(unit, bargain_id, &bargain) != DB_OK) {
		note_failure(bargain_id, "cannot load it");
		return;
	}
	struct db_rows cuts;
	if (live_store_cuts(unit, bargain_id, LIVE_OWNER_CUTS, false, &cuts) != DB_OK) {
		note_failure(bargain_id, "cannot read its cuts");
		return;
	}
	json_t *newest = json_array(), *helps = json_array();
	for (int r = 0; r < cuts.row_count; r++) {
		json_t *cut = cut_json(&cuts, r);
		if (strcmp(db_text(&cuts, r, LIVE_CUT_KIND), "help") == 0 && json_array_size(helps) < LIVE_RECENT_HELPS)
			json_array_append(helps, cut);
		json_array_append_new(newest, cut);
	}
	/* Self-cuts crowded helps out of the newest cuts: read the helps alone. */
	if (json_array_size(helps) < LIVE_RECENT_HELPS && cuts.row_count == LIVE_OWNER_CUTS) {
		struct db_rows only;
		if (live_store_cuts(unit, bargain_id, LIVE_RECENT_HELPS, true, &only) != DB_OK) {
			json_decref(helps);
			json_decref(newest);
			note_failure(bargain_id, "cannot read its helps");
			return;
		}
		json_array_clear(helps);
		for (int r = 0; r < only.row_count; r++)
			json_array_append_new(helps, cut_json(&only, r));
	}
	struct db_rows extra;
	if (live_store_landing(unit, bargain.user_id, bargain.item_id, &extra) != DB_OK || extra.row_count != 1) {
		json_decref(helps);
		json_decref(newest);
		note_failure(bargain_id, "cannot read its landing");
		return;
	}
	publish_both(request, &bargain, newest, helps, db_text(&extra, 0, LIVE_LANDING_ITEM_NAME),
		     db_text(&extra, 0, LIVE_LANDING_IMAGES), db_text(&extra, 0, LIVE_LANDING_OWNER_PHONE));
}

bool live_wanted(const struct config *config, int64_t bargain_id, int64_t now)
{
	if (config->live_socket[0] == '\0' || bargain_id <= 0)
		return false;
	const struct live_watches *watches = live_watches_for(config->live_socket);
	return watches == NULL || live_watch_held(watches, bargain_id, now);
}

/* After a change of bargain_id committed: whether to publish it now. A
 * change nobody watches is noted, for the next stream's opening. */
static bool publish_due(const struct config *config, int64_t bargain_id, int64_t now)
{
	if (config->live_socket[0] == '\0' || bargain_id <= 0)
		return false;
	struct live_watches *watches = live_watches_for(config->live_socket);
	return watches == NULL || live_watch_held(watches, bargain_id, now) ||
	       live_watch_unpublished(watches, bargain_id, now);
}

void live_bargain_known(struct request *request, const struct bargain *bargain, const struct bargain_live *known)
{
	/* asked again after the commit: a stream may have opened since the help asked */
	if (!publish_due(request->work.config, bargain->id, request->work.now))
		return;
	struct answer saved = answer_save(request);
	if (known->cuts_json == NULL)
		publish_read(request, bargain->id);
	else
		publish_both(request, bargain, cuts_known(known->cuts_json), cuts_known(known->helps_json),
			     known->landing.item_name, known->landing.images_json, known->landing.initiator_phone);
	answer_restore(request, &saved);
}

void live_bargain_changed(struct request *request, int64_t bargain_id)
{
	if (!publish_due(request->work.config, bargain_id, request->work.now))
		return;
	struct answer saved = answer_save(request);
	publish_read(request, bargain_id);
	answer_restore(request, &saved);
}

void live_watch_began(struct request *request, int64_t bargain_id)
{
	const struct config *config = request->work.config;
	if (config->live_socket[0] == '\0' || bargain_id <= 0)
		return;
	struct live_watches *watches = live_watches_for(config->live_socket);
	/* armed before the read (live_watch.c): a change committed after the
	 * read sees the watch and publishes itself */
	if (watches != NULL && live_watch_arm(watches, bargain_id, request->work.now))
		live_bargain_changed(request, bargain_id);
}

static long long monotonic_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

void live_bargains_swept(struct request *request)
{
	const struct config *config = request->work.config;
	if (config->live_socket[0] == '\0')
		return;
	struct answer saved = answer_save(request);
	int64_t now = request->work.now;
	/* Every worker sweeps every sweep_interval_s: a window that ended
	 * before the last two sweeps was closed (and published) by them. */
	int64_t since = now - 2 * config->sweep_interval_s - LIVE_SWEEP_SLACK_S;
	struct db_rows swept;
	if (live_store_swept(&request->work, now, since, LIVE_SWEEP_MAX, &swept) != DB_OK) {
		note_failure(0, "cannot list the swept bargains");
	} else {
		long long deadline = monotonic_ms() + LIVE_SWEEP_BUDGET_MS;
		int r = 0;
		for (; r < swept.row_count && monotonic_ms() < deadline; r++)
			if (publish_due(config, db_int(&swept, r, 0), now))
				publish_read(request, db_int(&swept, r, 0));
		if (r < swept.row_count)
			log_warn("live: %d swept bargains left unpublished (time budget)", swept.row_count - r);
	}
	answer_restore(request, &saved);
}
