/* price_history.c: every campaign item's price history and its "was"
 * price (see price_history.h): the plan of prices from now on and the
 * lowest price of the 7 days before a point, in pure code; the refresh
 * (load the items, the timed discounts and the recorded points, decide,
 * write what differs through campaign_store.c) and the read of the prices
 * in force. */
#include "campaign/price_history.h"

#include <string.h>

#include "campaign/campaign.h"
#include "campaign/campaign_store.h"
#include "checkout/promotion.h"
#include "checkout/promotion_store.h"
#include "core/arena.h"
#include "db/db.h"

/* ================================================================ pure */

int64_t price_at(int64_t list_fen, const struct price_window *windows, int window_count, int64_t at,
		 int64_t *promotion_id)
{
	int64_t price = list_fen;
	*promotion_id = 0;
	for (int w = 0; w < window_count; w++) {
		if (at < windows[w].starts_at || at >= windows[w].ends_at || windows[w].price_fen >= price)
			continue;
		price = windows[w].price_fen;
		*promotion_id = windows[w].promotion_id;
	}
	return price;
}

int price_plan(int64_t list_fen, const struct price_window *windows, int window_count, int64_t now,
	       struct price_point *plan, int plan_max)
{
	/* every window edge after now, in time order */
	int64_t edges[2 * PRICE_WINDOWS_MAX];
	int edge_count = 0;
	for (int w = 0; w < window_count && w < PRICE_WINDOWS_MAX; w++) {
		if (windows[w].starts_at > now)
			edges[edge_count++] = windows[w].starts_at;
		if (windows[w].ends_at > now)
			edges[edge_count++] = windows[w].ends_at;
	}
	for (int i = 1; i < edge_count; i++) {
		int64_t edge = edges[i];
		int place = i;
		for (; place > 0 && edges[place - 1] > edge; place--)
			edges[place] = edges[place - 1];
		edges[place] = edge;
	}
	int count = 0;
	int64_t promotion_id;
	int64_t price = price_at(list_fen, windows, window_count, now, &promotion_id);
	plan[count++] = (struct price_point){ .at = now, .price_fen = price, .low_7d_fen = PRICE_HISTORY_NONE,
					      .promotion_id = promotion_id };
	for (int e = 0; e < edge_count && count < plan_max; e++) {
		price = price_at(list_fen, windows, window_count, edges[e], &promotion_id);
		if (price == plan[count - 1].price_fen)
			continue;
		plan[count++] = (struct price_point){ .at = edges[e], .price_fen = price,
						      .low_7d_fen = PRICE_HISTORY_NONE, .promotion_id = promotion_id };
	}
	return count;
}

int64_t price_low_before(const struct price_point *points, int count, int64_t at)
{
	int64_t low = PRICE_HISTORY_NONE;
	int64_t since = at - PRICE_HISTORY_WINDOW_S;
	for (int i = 0; i < count && points[i].at <= at; i++) {
		bool last = i + 1 == count || points[i + 1].at > at;
		int64_t until = last ? at : points[i + 1].at;
		/* in force during part of [since, at): a price that stood for
		 * less than a second (two changes in one second) counts too, so
		 * the lowest is never missed; the last price before at counts
		 * even when it came in the same second (a discount right after
		 * the item was listed is measured against the listing) */
		if (until > since || last) {
			if (low == PRICE_HISTORY_NONE || points[i].price_fen < low)
				low = points[i].price_fen;
		}
		if (last)
			break;
	}
	return low;
}

int64_t price_was(int64_t price_fen, int64_t low_7d_fen)
{
	return low_7d_fen != PRICE_HISTORY_NONE && low_7d_fen > price_fen ? low_7d_fen : 0;
}

/* ============================================================== refresh */

/* The windows the campaign's timed discounts give item (its price in each
 * as promo_timed_discount.c prices a unit: percent of the list price or a
 * fixed price no higher than it, never below the floor). */
static int item_windows(const struct item_price_basis *item, const struct promotion_live *promotions,
			int promotion_count, const struct price_timed_discount *parsed, struct price_window *windows)
{
	int count = 0;
	for (int p = 0; p < promotion_count && count < PRICE_WINDOWS_MAX; p++) {
		if (strcmp(promotions[p].kind, "timed_discount") != 0 || promotions[p].config == NULL)
			continue;
		const struct price_timed_discount *timed = &parsed[p];
		for (int i = 0; i < timed->item_count; i++) {
			const struct price_timed_item *entry = &timed->items[i];
			if (entry->item_id != item->item_id)
				continue;
			int64_t price = entry->percent > 0 ? item->list_fen * entry->percent / 100
							   : (entry->price_fen < item->list_fen ? entry->price_fen : item->list_fen);
			if (price < item->floor_fen)
				price = item->floor_fen;
			windows[count++] = (struct price_window){ .starts_at = promotions[p].starts_at,
								  .ends_at = promotions[p].ends_at, .price_fen = price,
								  .promotion_id = promotions[p].id };
		}
	}
	return count;
}

static bool same_points(const struct price_point *a, int a_count, const struct price_point *b, int b_count)
{
	if (a_count != b_count)
		return false;
	for (int i = 0; i < a_count; i++)
		if (a[i].at != b[i].at || a[i].price_fen != b[i].price_fen || a[i].low_7d_fen != b[i].low_7d_fen ||
		    a[i].promotion_id != b[i].promotion_id)
			return false;
	return true;
}

/* Decides and writes one item's points: past holds its recorded points up
 * to now (room for two more), future those after now. */
static int item_refresh(struct unit *unit, const struct item_price_basis *item, const struct price_window *windows,
			int window_count, struct price_point *past, int past_count, const struct price_point *future,
			int future_count)
{
	int64_t now = unit->now;
	int result;
	if (past_count == 0) {
		/* never recorded (an item of an earlier release, or one written
		 * by SQL): its history starts at its list price, from its listing */
		past[0] = (struct price_point){ .at = item->created_at < now ? item->created_at : now,
						.price_fen = item->list_fen, .low_7d_fen = PRICE_HISTORY_NONE };
		if ((result = item_price_record(unit, item->item_id, &past[0])) != DB_OK)
			return result;
		past_count = 1;
	}
	struct price_point plan[PRICE_PLAN_MAX];
	int plan_count = price_plan(item->list_fen, windows, window_count, now, plan, PRICE_PLAN_MAX);
	bool now_changes = past[past_count - 1].price_fen != plan[0].price_fen;
	if (now_changes) {
		plan[0].low_7d_fen = price_low_before(past, past_count, now);
		if ((result = item_price_record(unit, item->item_id, &plan[0])) != DB_OK)
			return result;
		past[past_count++] = plan[0];
	}
	/* the future points' lows, each over what comes before it */
	struct price_point line[PRICE_POINTS_MAX + 2 + PRICE_PLAN_MAX];
	int line_count = 0;
	for (int i = 0; i < past_count; i++)
		line[line_count++] = past[i];
	for (int i = 1; i < plan_count; i++) {
		plan[i].low_7d_fen = price_low_before(line, line_count, plan[i].at);
		line[line_count++] = plan[i];
	}
	if (!now_changes && same_points(future, future_count, plan + 1, plan_count - 1))
		return DB_OK;
	if (future_count > 0 && (result = item_price_future_clear(unit, item->item_id, now)) != DB_OK)
		return result;
	for (int i = 1; i < plan_count; i++)
		if ((result = item_price_record(unit, item->item_id, &plan[i])) != DB_OK)
			return result;
	return DB_OK;
}

int price_history_refresh(struct unit *unit, int64_t campaign_id)
{
	int result = campaign_lock(unit, campaign_id);
	if (result != DB_OK)
		return result;
	struct item_price_basis *items;
	int item_count;
	struct promotion_live *promotions;
	int promotion_count;
	struct item_price_row *rows;
	int row_count;
	if ((result = item_price_bases_load(unit, campaign_id, &items, &item_count)) != DB_OK ||
	    (result = promotions_shown_load(unit, campaign_id, &promotions, &promotion_count)) != DB_OK ||
	    (result = item_price_points_load(unit, campaign_id, unit->now - PRICE_HISTORY_WINDOW_S, &rows,
					     &row_count)) != DB_OK)
		return result;
	/* each timed discount's config parsed once (stored configs were
	 * validated; one that no longer parses gives no window, as in pricing) */
	struct price_timed_discount *parsed =
		arena_alloc(unit->arena, sizeof(*parsed) * (size_t)(promotion_count + 1));
	for (int p = 0; p < promotion_count; p++) {
		const char *ignored;
		parsed[p].item_count = 0;
		if (strcmp(promotions[p].kind, "timed_discount") == 0 && promotions[p].config != NULL &&
		    !timed_discount_parse(promotions[p].config, &parsed[p], &ignored))
			parsed[p].item_count = 0;
	}
	struct price_point *past = arena_alloc(unit->arena, sizeof(*past) * (PRICE_POINTS_MAX + 2));
	struct price_point *future = arena_alloc(unit->arena, sizeof(*future) * PRICE_PLAN_MAX);
	struct price_window windows[PRICE_WINDOWS_MAX];
	int r = 0;
	for (int i = 0; i < item_count; i++) {
		const struct item_price_basis *item = &items[i];
		while (r < row_count && rows[r].item_id < item->item_id)
			r++;
		int past_count = 0, future_count = 0;
		for (; r < row_count && rows[r].item_id == item->item_id; r++) {
			if (rows[r].point.at <= unit->now) {
				if (past_count == PRICE_POINTS_MAX) { /* keep the latest: drop the oldest */
					memmove(past, past + 1, sizeof(*past) * (PRICE_POINTS_MAX - 1));
					past_count--;
				}
				past[past_count++] = rows[r].point;
			} else if (future_count < PRICE_PLAN_MAX) {
				future[future_count++] = rows[r].point;
			}
		}
		int window_count = item_windows(item, promotions, promotion_count, parsed, windows);
		if ((result = item_refresh(unit, item, windows, window_count, past, past_count, future,
					   future_count)) != DB_OK)
			return result;
	}
	return DB_OK;
}

/* ================================================================= read */

int price_history_read(struct unit *unit, struct campaign *campaign)
{
	if (campaign->item_count == 0)
		return DB_OK;
	struct item_price_row *rows;
	int count;
	int result = item_prices_in_force(unit, campaign->id, campaign->items[0].id,
					  campaign->items[campaign->item_count - 1].id, &rows, &count);
	if (result != DB_OK)
		return result;
	int r = 0;
	for (int i = 0; i < campaign->item_count; i++) {
		struct campaign_item *item = &campaign->items[i];
		item->priced = true;
		item->price_fen = item->original_price_fen;
		item->was_price_fen = 0;
		while (r < count && rows[r].item_id < item->id)
			r++;
		if (r < count && rows[r].item_id == item->id) {
			item->price_fen = rows[r].point.price_fen;
			item->was_price_fen = price_was(rows[r].point.price_fen, rows[r].point.low_7d_fen);
		}
	}
	return DB_OK;
}
