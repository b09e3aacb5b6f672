/* marks.h: change marks the pool's workers share, so that what one worker
 * keeps in memory for a moment (a share landing, a shopper's GET /me) is
 * never served past a write it can see.
 *
 * A mark is a counter per id of a kind (a bargain, a shopper), folded into
 * MARK_SLOTS slots, and one counter per kind for all its ids. Every write through the
 * pool moves the mark of what it changed: once at the write and once more
 * when its request (or sweep) is done, that is after its commit
 * (marks_settle). A reader notes the marks before it reads from MariaDB and
 * keeps what it read only under them: whatever committed after its read has
 * moved a mark on, so the kept answer is not served again. Two ids sharing
 * a slot only cost each other a read.
 *
 * What the pool cannot see (another app host in a scale-out, a command-line
 * tool, SQL by hand) is bounded by each keeper's own keeping time. */
#ifndef KANJIA_MARKS_H
#define KANJIA_MARKS_H

#include <stdbool.h>
#include <stdint.h>

enum mark_kind {
	MARK_BARGAIN, /* a bargain's row, its cuts, its item as a landing shows them */
	MARK_SHOPPER, /* what GET /me shows: points, coupons, paid orders */
	MARK_KINDS,
};

#define MARK_SLOTS 65536      /* per kind */
#define MARK_PENDING_MAX 16   /* ids a request may change before "everything" */

/* The marks a reader noted before its read. */
struct mark_stamp {
	int64_t id; /* 0: no id, the stamp never holds */
	uint32_t one, everything;
	int64_t at_us;
};

/* The pool's master, before it forks the workers: maps the shared marks.
 * Returns 0 or -1 (logged). Without it (the command-line tools) marks are
 * this process's own and only the keeping times bound what is kept. */
int marks_share(void);

/* A write of id of kind by this process (id 0: of every id of the kind, a
 * sweep of many); noted again by marks_settle(). */
void marks_changed(enum mark_kind kind, int64_t id);
/* A write that may change anything kept (an admin's). */
void marks_changed_all(void);
/* After a request or a sweep, once its transactions are over: moves again
 * the marks of what it changed. */
void marks_settle(void);

/* The marks of id of kind to note at now_us before reading it. */
struct mark_stamp marks_stamp(enum mark_kind kind, int64_t id, int64_t now_us);
/* Whether what was read under stamp may still be served at now_us: taken
 * less than keep_ms ago (keep_ms 0: never) and nothing marked since. */
bool marks_unchanged(enum mark_kind kind, const struct mark_stamp *stamp, int64_t now_us, int64_t keep_ms);

#endif
