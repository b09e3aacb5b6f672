/* landing_cache.h: the share landing's facts, kept by each worker for a
 * moment.
 *
 * The landing (GET /s/{code}) is the most requested URL of a campaign, and
 * one link is opened by many friends within seconds: read from MariaDB each
 * time, its join costs the database more than the rest of the request. Each
 * worker keeps what a landing read (the bargain, its item, the initiator and
 * the newest helps) for at most landing_cache_ms, and never past a change it
 * can see:
 *
 *  - every write of a bargain by this pool moves its change mark
 *    (core/marks.h, MARK_BARGAIN): a landing notes the bargain's mark
 *    before it reads, and keeps what it read only under that mark, so
 *    whatever committed after its read retires the entry. A shopper who
 *    helped and opens the link at once sees the help.
 *  - every admin write marks everything changed (a campaign's window, an
 *    item's name or images, a blocked shopper).
 *  - what this pool cannot see (another app host's helps in a scale-out, a
 *    command-line tool, SQL by hand) shows within landing_cache_ms.
 *
 * The mark is known by bargain id, the landing's key is its share code: a
 * worker learns a code's bargain id at its first read of it (codes never
 * change owner), and keeps the facts from its second read on. Whatever a
 * landing counts (the open, its anti-fraud check) is done on every landing,
 * served from here or not. */
#ifndef KANJIA_LANDING_CACHE_H
#define KANJIA_LANDING_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "bargain/bargain.h"
#include "bargain/bargain_store.h"
#include "core/marks.h"

#define LANDING_CACHE_ENTRIES 1024 /* per worker, by share code */

/* What a landing read, as the cache gives it back: its strings live in the
 * cache until the entry is replaced, which no later step of the same
 * request does. */
struct landing_facts {
	struct bargain bargain;
	struct bargain_landing landing;
	const struct bargain_cut_entry *helps;
	int help_count;
};

/* The facts of code if kept, fresh and unchanged at now_us for at most
 * ttl_ms; NULL otherwise (ttl_ms 0: never). */
const struct landing_facts *landing_cache_find(const char *code, int64_t now_us, int64_t ttl_ms);
/* The marks to note before reading code's landing at now_us. */
struct mark_stamp landing_cache_stamp(const char *code, int64_t now_us);
/* Keeps what a landing read under the stamp taken before the read (copied);
 * a stamp without a bargain id only learns the code's id. */
void landing_cache_keep(const char *code, const struct mark_stamp *stamp, const struct landing_facts *facts);

#endif
