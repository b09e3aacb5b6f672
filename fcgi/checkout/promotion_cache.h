/* promotion_cache.h: a worker's cache of its campaigns' promotion config
 * (issue 14, "Speed"): the enabled promotions of a campaign, their configs
 * parsed once, kept until the campaign's promotion_version (bumped by
 * every promotion write, promotion_admin.c) differs from the one the
 * cart's item read carried. A quote or an order then reads no promotion
 * row at all, only the counters of the promotions that have limits (one
 * statement, when there are any): the order's statements grow neither
 * with the number of promotions nor with the number of kinds. Like the
 * anti-fraud rules' cache: per worker, no locks (one request at a time). */
#ifndef KANJIA_PROMOTION_CACHE_H
#define KANJIA_PROMOTION_CACHE_H

#include <stdint.h>

#include "checkout/promotion.h"

#define PROMOTION_CACHE_CAMPAIGNS 32

/* campaign_id's live promotions at unit->now (enabled, in their window),
 * by id, with their counters for user_id, into *live (OUT, the arena's:
 * texts copied, configs held until the unit ends) and *count, reading the
 * rows only when version is not the cached one. Returns DB_OK or a door
 * code. */
int promotion_cache_live(struct unit *unit, int64_t campaign_id, int64_t version, int64_t user_id,
			 struct promotion_live **live, int *count);

/* Forgets everything (tests; a worker's reload). */
void promotion_cache_clear(void);

#endif
