/* share_count.c: the worker's pending share opens and their one-transaction
 * flush (see share_count.h). The pending list is this process's own: each
 * worker is single-threaded, so nothing here is shared or locked. */
#include "bargain/share_count.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "admin/stats.h"
#include "bargain/bargain_store.h"
#include "core/clock.h"
#include "core/log.h"
#include "db/db.h"
#include "fraud/fraud_store.h"

#define SHARE_IP_MAX 46

struct pending_open {
	int64_t bargain_id, campaign_id, item_id, day_start, at;
	char visitor[SHARE_VISITOR_MAX];
	char client_ip[SHARE_IP_MAX];
};

static struct pending_open pending[SHARE_PENDING_MAX];
static int pending_count;
static int64_t oldest_us; /* when the oldest pending open was noted */
static json_t *events;    /* fraud_event_batch_add rows, written with the opens */

void share_visitor_key(const char *device_id, const char *client_ip, char key[SHARE_VISITOR_MAX])
{
	if (device_id != NULL && device_id[0] != '\0')
		snprintf(key, SHARE_VISITOR_MAX, "d:%s", device_id);
	else
		snprintf(key, SHARE_VISITOR_MAX, "a:%s", client_ip ? client_ip : "");
}

int64_t share_opens_after(int64_t before, int64_t arriving)
{
	assert(before >= 0 && arriving >= 0);
	if (before >= SHARE_OPENS_PER_VISITOR)
		return before; /* a row from before a lower bound keeps its count */
	int64_t after = before + arriving;
	return after > SHARE_OPENS_PER_VISITOR ? SHARE_OPENS_PER_VISITOR : after;
}

bool share_count_note(const struct share_open_note *open, const struct fraud_event_row *event,
		      const char *request_id)
{
	if (pending_count >= SHARE_PENDING_MAX) {
		log_warn("share: %d opens wait for the database; one more dropped", pending_count);
		return false;
	}
	if (event != NULL) {
		if (events == NULL)
			events = json_array();
		if (events == NULL || fraud_event_batch_add(events, event, open->at, request_id) != 0)
			log_warn("share: an open's anti-fraud event was not kept (out of memory)");
	}
	struct pending_open *slot = &pending[pending_count];
	*slot = (struct pending_open){ .bargain_id = open->bargain_id, .campaign_id = open->campaign_id,
				       .item_id = open->item_id, .day_start = open->day_start, .at = open->at };
	share_visitor_key(open->device_id, open->client_ip, slot->visitor);
	snprintf(slot->client_ip, sizeof(slot->client_ip), "%s", open->client_ip ? open->client_ip : "");
	if (pending_count++ == 0)
		oldest_us = clock_micros();
	return true;
}

int share_count_pending(void)
{
	return pending_count;
}

int64_t share_count_wait_ms(int64_t now_us)
{
	if (pending_count == 0 && json_array_size(events) == 0)
		return -1;
	if (pending_count >= SHARE_FLUSH_OPENS)
		return 0;
	int64_t due_us = oldest_us + SHARE_FLUSH_MS * 1000;
	return due_us <= now_us ? 0 : (due_us - now_us + 999) / 1000;
}

bool share_count_due(int64_t now_us)
{
	return share_count_wait_ms(now_us) == 0;
}

/* ================================================================ flush */

/* The batch folded by visitor: one share_visit per (bargain, day, visitor),
 * in the order first seen. */
static int fold_visits(struct unit *unit, struct share_visit **visits)
{
	struct share_visit *list = calloc((size_t)(pending_count + 1), sizeof(*list));
	assert(list != NULL || pending_count == 0);
	(void)unit;
	int count = 0;
	for (int p = 0; p < pending_count; p++) {
		const struct pending_open *open = &pending[p];
		int v = 0;
		while (v < count && !(list[v].bargain_id == open->bargain_id && list[v].day_start == open->day_start &&
				      strcmp(list[v].visitor, open->visitor) == 0))
			v++;
		if (v == count)
			list[count++] = (struct share_visit){ .bargain_id = open->bargain_id,
							      .campaign_id = open->campaign_id,
							      .item_id = open->item_id,
							      .day_start = open->day_start,
							      .first_at = open->at,
							      .visitor = open->visitor,
							      .client_ip = open->client_ip };
		list[v].arriving++;
	}
	*visits = list;
	return count;
}

struct flush {
	struct share_visit *visits;
	int count;
};

/* The counters each (campaign, item) gains, summed over its visits. */
static int counters_add(struct unit *unit, const struct share_visit *visits, int count)
{
	for (int v = 0; v < count; v++) {
		bool first = true; /* the first visit of its (campaign, item) sums them all */
		for (int w = 0; w < v && first; w++)
			first = !(visits[w].campaign_id == visits[v].campaign_id && visits[w].item_id == visits[v].item_id);
		if (!first)
			continue;
		struct stats_delta delta = { 0 };
		for (int w = v; w < count; w++)
			if (visits[w].campaign_id == visits[v].campaign_id && visits[w].item_id == visits[v].item_id) {
				delta.share_opens += visits[w].after - visits[w].before;
				delta.share_visitors += visits[w].before == 0 && visits[w].after > 0;
			}
		if (delta.share_opens == 0 && delta.share_visitors == 0)
			continue;
		int status = stats_add(unit, visits[v].campaign_id, visits[v].item_id, &delta);
		if (status != DB_OK)
			return status;
	}
	return DB_OK;
}

static int flush_body(struct unit *unit, void *context)
{
	struct flush *flush = context;
	int status = fraud_event_batch_record(unit, events);
	if (status != DB_OK || flush->count == 0)
		return status;
	/* the visitors' rows locked, then decided, then written */
	if ((status = share_visits_load(unit, flush->visits, flush->count)) != DB_OK)
		return status;
	for (int v = 0; v < flush->count; v++)
		flush->visits[v].after = share_opens_after(flush->visits[v].before, flush->visits[v].arriving);
	if ((status = share_visits_write(unit, flush->visits, flush->count)) != DB_OK)
		return status;
	return counters_add(unit, flush->visits, flush->count);
}

int share_count_flush(struct unit *unit)
{
	if (pending_count == 0 && json_array_size(events) == 0)
		return DB_OK;
	struct flush flush = { .visits = NULL };
	flush.count = fold_visits(unit, &flush.visits);
	int status = db_atomic(unit, flush_body, &flush);
	free(flush.visits);
	if (status != DB_OK) {
		log_warn("share: %d opens not written yet (%d); kept for the next flush", pending_count, status);
		oldest_us = clock_micros(); /* try again a window later, not on every request */
		return status;
	}
	pending_count = 0;
	json_array_clear(events);
	return DB_OK;
}
