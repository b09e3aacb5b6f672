/* cut.h: how much one cut takes off a bargain's price. Pure logic: no SQL,
 * no FastCGI.
 *
 * Range mode: each cut is uniform in [min, max] fen, the last one clipped so
 * the price lands exactly on the floor.
 *
 * Exact mode (target_cuts = N): when the bargain starts, a plan of N whole-fen
 * cuts is fixed, each in [min, max], summing exactly to price - floor, the
 * first the largest and decaying after, with some randomness and no tail of
 * minimum cuts. The plan is derived from a keyed hash of the bargain id, so
 * it can be derived again to audit a bargain, and "K more cuts" is exact. */
#ifndef KANJIA_CUT_H
#define KANJIA_CUT_H

#include <stddef.h>
#include <stdint.h>

#define CUT_TARGET_MAX 500
#define CUT_SEED_SIZE 32

/* True when N cuts in [min, max] can sum to distance: N*min <= distance <=
 * N*max, with every amount at most MONEY_MAX_FEN (core/money.h). */
int cut_plan_feasible(int64_t distance, int64_t min, int64_t max, int64_t cuts);
/* The seed of a bargain's plan: HMAC-SHA256(key, "cut-plan:" id). */
void cut_plan_seed(const void *key, size_t key_size, int64_t bargain_id, unsigned char seed[CUT_SEED_SIZE]);
/* Fills plan[0..cuts) (OUT) from seed. Returns 0, or -1 when infeasible or
 * cuts is outside 1..CUT_TARGET_MAX. */
int cut_plan_make(const unsigned char seed[CUT_SEED_SIZE], int64_t distance, int64_t min, int64_t max,
		  int64_t cuts, int64_t *plan);
/* A range-mode cut: random is a uniform 64-bit number; the result is in
 * [min, max], clipped to remaining. remaining > 0, 0 < min <= max. */
int64_t cut_range_amount(int64_t remaining, int64_t min, int64_t max, uint64_t random);

#endif
