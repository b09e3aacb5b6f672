/* guard_row.h: the row shape of the login guards' failure counters.
 *
 * The shopper's phone guard, its per-source guard and the admin's name
 * guard each keep one row per key in their own table with the same three
 * columns: when the counting window began, the failures in it, and until
 * when logins wait. Their stores keep their own SQL; this reads the row
 * the same way for all three. */
#ifndef KANJIA_GUARD_ROW_H
#define KANJIA_GUARD_ROW_H

#include <stdbool.h>
#include <stdint.h>

struct unit;

struct guard_row {
	bool found; /* false: no failure counted for the key yet */
	int64_t window_start;
	int64_t failures;
	int64_t locked_until;
};

/* Runs select_sql, which takes key as its one parameter and selects
 * window_start, failures, locked_until (with FOR UPDATE where the caller
 * decides under the row lock), into *row (OUT). Returns a door code. */
int guard_row_read(struct unit *unit, const char *select_sql, const char *key, struct guard_row *row);

#endif
