/* clock.h: time as int64 epoch seconds (UTC), RFC 3339 text, and the shop's
 * local day for "per day" limits. */
#ifndef KANJIA_CLOCK_H
#define KANJIA_CLOCK_H

#include <stdint.h>

#define CLOCK_RFC3339_SIZE 21 /* "2026-11-23T08:00:00Z" plus NUL */

int64_t clock_now(void);
/* Microseconds from a monotonic clock, for durations. */
int64_t clock_micros(void);
/* Parses "YYYY-MM-DDTHH:MM:SS" with "Z" or "+hh:mm"/"-hh:mm" (fractions of a
 * second are accepted and dropped). Returns 0 and *when (OUT), or -1. */
/* The last second a time may name: 9999-12-31T23:59:59Z, DATETIME's end. */
#define CLOCK_MAX_EPOCH 253402300799LL

int clock_parse_rfc3339(const char *text, int64_t *when);
/* Writes "YYYY-MM-DDTHH:MM:SSZ" into out[CLOCK_RFC3339_SIZE]. */
void clock_format_rfc3339(int64_t when, char out[CLOCK_RFC3339_SIZE]);
/* Returns 0 when name is a time zone this machine knows, else -1. */
int clock_zone_valid(const char *name);
/* Makes name the process's local zone (for clock_day_start). */
void clock_use_zone(const char *name);
/* The first second of the local day that contains when. */
int64_t clock_day_start(int64_t when);

#endif
