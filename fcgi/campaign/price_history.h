/* price_history.h: every campaign item's price history, and the "was"
 * price it makes real (issue 14; SPEC §6: a struck-through price is
 * checked against the lowest price of the last 7 days).
 *
 * The public unit price of an item at a time t is what anyone pays for one
 * unit without a bargain, a member level or a coupon: its list price
 * (original_price_fen), or the lowest price a timed discount (限时折扣) of
 * its campaign gives it in that discount's window (never below the item's
 * checkout floor, as the pricing engine's promo_timed_discount.c does).
 *
 * The history (table item_price_history, sql/020) is a list of change
 * points per item: (effective_at, price_fen), the price in force from then
 * until the next point. It is kept by price_history_refresh(), which every
 * write that can move a price runs in its own transaction: the campaign's
 * and its items' creation and price changes (campaign.c) and every change
 * of one of its promotions (campaign_promotion_version_bump(), which the
 * promotion resource calls on each create, patch and delete). A refresh
 * plans the prices from now on out of the list prices and the enabled
 * timed discounts, and writes what differs from what is recorded: the
 * point of now if the price changes now, and the future points (a
 * window's opening and closing) replaced as a whole. Points already past
 * are never rewritten.
 *
 * The "was" price: beside a price in force since t0, a page may strike
 * through only the lowest price in force during [t0 - 7 days, t0) (the
 * basis Chinese price rules give a discount: the lowest price of the 7
 * days before it), and only when that is above the price itself. Raising a
 * price for a day to "discount" it back shows no was price; a discount
 * right after a cheaper week shows none either. Each point stores that
 * lowest price (low_7d_fen), worked out when it is written, so a read is
 * one row per item. */
#ifndef KANJIA_PRICE_HISTORY_H
#define KANJIA_PRICE_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

struct campaign;
struct unit;

#define PRICE_HISTORY_WINDOW_S (7 * 86400) /* the "last 7 days" of the price rules */
#define PRICE_HISTORY_NONE (-1)           /* no price recorded (low_7d_fen) */
#define PRICE_WINDOWS_MAX 64              /* timed discounts of one item planned (PROMOTIONS_LIVE_MAX) */
#define PRICE_PLAN_MAX (2 * PRICE_WINDOWS_MAX + 1)
#define PRICE_POINTS_MAX 512              /* points of one item read for a refresh */

/* One change point of an item's public price. */
struct price_point {
	int64_t at;           /* epoch seconds: in force from then */
	int64_t price_fen;
	int64_t low_7d_fen;   /* lowest price of [at - 7 days, at), or PRICE_HISTORY_NONE */
	int64_t promotion_id; /* the timed discount that sets it, or 0 (the list price) */
};

/* A timed discount's window for one item: price_fen in [starts_at, ends_at). */
struct price_window {
	int64_t starts_at, ends_at;
	int64_t price_fen;
	int64_t promotion_id;
};

/* ---------------------------------------------------------------- pure */

/* The public price at `at`: the lowest of list_fen and every window
 * holding at (*promotion_id OUT: the first window giving it, or 0). */
int64_t price_at(int64_t list_fen, const struct price_window *windows, int window_count, int64_t at,
		 int64_t *promotion_id);
/* The plan from now on: plan[0] the price at now, then one point at each
 * window edge after now where the price changes, in time order (low_7d_fen
 * left PRICE_HISTORY_NONE). Returns the number of points (1..plan_max). */
int price_plan(int64_t list_fen, const struct price_window *windows, int window_count, int64_t now,
	       struct price_point *plan, int plan_max);
/* The lowest price in force during [at - PRICE_HISTORY_WINDOW_S, at),
 * given points in time order (those at or after `at` are ignored), or
 * PRICE_HISTORY_NONE when no point is before at. */
int64_t price_low_before(const struct price_point *points, int count, int64_t at);
/* The struck-through price to show beside price_fen, given the point's
 * low_7d_fen: that lowest price when it is above price_fen, else 0 (none). */
int64_t price_was(int64_t price_fen, int64_t low_7d_fen);

/* ---------------------------------------------------------------- flows */

/* Brings the recorded prices of campaign_id's items in line with their
 * list prices and the campaign's enabled timed discounts, from unit->now
 * on (see above). Locks the campaign row, so refreshes of one campaign run
 * one after the other. Runs inside the caller's transaction. Returns DB_OK
 * or a door code. */
int price_history_refresh(struct unit *unit, int64_t campaign_id);

/* Fills price_fen and was_price_fen of each of campaign's items from the
 * point in force at unit->now (an item with no point: its list price, no
 * was price) and sets priced. Returns DB_OK or a door code. */
int price_history_read(struct unit *unit, struct campaign *campaign);

#endif
