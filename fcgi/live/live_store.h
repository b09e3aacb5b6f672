/* live_store.h: what live.c reads to build a bargain's messages, on a unit
 * (never a request: a publish must not touch the answer of the request it
 * follows). Reads only; the bargain feature owns these tables and writes
 * them. */
#ifndef KANJIA_LIVE_STORE_H
#define KANJIA_LIVE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* Columns of live_store_cuts(). */
enum live_cut_column { LIVE_CUT_KIND, LIVE_CUT_PHONE, LIVE_CUT_FEN, LIVE_CUT_AT };
/* Columns of live_store_landing(). */
enum live_landing_column { LIVE_LANDING_ITEM_NAME, LIVE_LANDING_IMAGES, LIVE_LANDING_OWNER_PHONE };

/* The newest `limit` cuts of a bargain (only helps: only_helps), newest
 * first: kind ('self' or 'help'), the cutter's phone, cut_fen, epoch
 * seconds. Returns a DB code. */
int live_store_cuts(struct unit *unit, int64_t bargain_id, int64_t limit, bool only_helps, struct db_rows *rows);
/* The landing's extras: the item's name and images JSON, the owner's phone
 * (one row, or none when either is gone). Returns a DB code. */
int live_store_landing(struct unit *unit, int64_t owner_id, int64_t item_id, struct db_rows *rows);
/* Bargains the sweeper closed at `closed_at` whose window (their own, or
 * their campaign's) ended after `since`, at most limit ids. Returns a DB
 * code. */
int live_store_swept(struct unit *unit, int64_t closed_at, int64_t since, int64_t limit, struct db_rows *rows);

#endif
