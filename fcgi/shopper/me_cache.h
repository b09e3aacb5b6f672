/* me_cache.h: a shopper's GET /me, kept by each worker for a moment.
 *
 * A shopper's pages read /me on every view, and its read (the shopper, the
 * count of usable coupons, the member level from the paid orders' total)
 * costs MariaDB more than the rest of the request. Each worker keeps what
 * it read for at most me_cache_ms, and never past a change it can see
 * (core/marks.h, MARK_SHOPPER):
 *
 *  - the shopper's own writes through the pool (a help and its reward, a
 *    coupon claimed or spent, an order, a check-in, a game) move the
 *    shopper's mark when the request is done, after its commit
 *    (worker_dispatch);
 *  - writes for a shopper by someone else move that shopper's mark where
 *    they are written: a reward granted (a friend's help reaching a
 *    milestone, an invitation), points moved, a payment's notice marking
 *    the order paid; a sweep that timed out orders or forfeited deposits
 *    retires every kept /me, and so does every admin write;
 *  - what this pool cannot see (another app host in a scale-out, a
 *    command-line tool, SQL by hand) and the coupons that expire meanwhile
 *    show within me_cache_ms.
 *
 * The session is checked on every request as before: only the profile's
 * read is kept. */
#ifndef KANJIA_ME_CACHE_H
#define KANJIA_ME_CACHE_H

#include <stdint.h>

#include "core/marks.h"
#include "shopper/shopper_store.h"

#define ME_CACHE_ENTRIES 1024 /* per worker, by shopper id */

/* The profile of user_id if kept and unchanged at now_us for at most
 * keep_ms (0: never); NULL otherwise. Its strings live in the cache until
 * the entry is replaced, which no later step of the same request does. */
const struct shopper_profile *me_cache_find(int64_t user_id, int64_t now_us, int64_t keep_ms);
/* Keeps a profile read for user_id under the stamp taken before the read
 * (marks_stamp(MARK_SHOPPER, user_id, ...)); copied. */
void me_cache_keep(const struct mark_stamp *stamp, const struct shopper_profile *profile);

#endif
