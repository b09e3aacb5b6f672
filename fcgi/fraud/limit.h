/* limit.h: counters that no race can exceed.
 *
 * A limit is a row in rate_counter (bucket, window_start, hits) changed by
 * one conditional upsert: it counts a hit only while hits < max in the
 * current window, and the affected-row count says whether it did. Called
 * inside a transaction, several limits are taken all or none. */
#ifndef KANJIA_LIMIT_H
#define KANJIA_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct unit;

#define LIMIT_BUCKET_MAX 96

/* A limit to take, as a flow decides it before writing (the help's
 * procedure takes a list of them in one round trip: sql/020). */
struct limit_bucket {
	char name[LIMIT_BUCKET_MAX];
	int64_t window_start, window_length, max;
	const char *what; /* for the log: "ip", "device", "helps per day", ... (static) */
};

/* buckets as the rate_counters_take procedure reads them
 * ([[name, window_start, max], ...]): text in the unit's arena. */
const char *limit_buckets_text(struct unit *unit, const struct limit_bucket *buckets, int count);

/* Pure window arithmetic, for fixed windows aligned to the epoch. */
int64_t limit_window_start(int64_t now, int64_t window_s);
/* Seconds until a window [start, start + length) is over, at least 1. */
int64_t limit_retry_after(int64_t now, int64_t window_start, int64_t window_length);

/* Takes one hit from the window [window_start, window_start + window_length)
 * of bucket if fewer than max were taken. Returns DB_OK when taken;
 * OUT_RATE_LIMITED (with *retry_after_s, OUT) when the limit is reached; or
 * a door code. */
int limit_take(struct unit *unit, const char *bucket, int64_t window_start, int64_t window_length,
	       int64_t max, int64_t *retry_after_s);
/* Takes the bucket if its last take is at least gap_s seconds ago. Same
 * returns as limit_take(). */
int limit_gap(struct unit *unit, const char *bucket, int64_t gap_s, int64_t *retry_after_s);

#endif
