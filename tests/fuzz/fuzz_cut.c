/* fuzz_cut.c: the exact-cut plan (fcgi/bargain/cut.c) for any distance,
 * range and count the admin form can send: when feasible, N whole-fen cuts
 * in [min, max], summing exactly to the distance, none larger than the
 * first; when not, a refusal. Also the range-mode cut. */
#include "fuzz.h"

#include <assert.h>

#include "bargain/cut.h"

static int64_t take(const uint8_t **data, size_t *size)
{
	uint64_t value = 0;
	for (int i = 0; i < 8 && *size > 0; i++, (*data)++, (*size)--)
		value = value << 8 | **data;
	return (int64_t)(value & 0x7fffffffffffffffULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char seed[CUT_SEED_SIZE] = { 0 };
	memcpy(seed, data, size < CUT_SEED_SIZE ? size : CUT_SEED_SIZE);
	/* Full 63-bit ranges: the admin preview takes what the form sends. */
	int64_t distance = take(&data, &size);
	int64_t min = take(&data, &size);
	int64_t max = take(&data, &size);
	int64_t cuts = take(&data, &size) % (CUT_TARGET_MAX + 2);
	static int64_t plan[CUT_TARGET_MAX];
	int made = cut_plan_make(seed, distance, min, max, cuts, plan);
	if (made == 0) {
		assert(cuts >= 1 && cuts <= CUT_TARGET_MAX);
		int64_t sum = 0;
		for (int64_t i = 0; i < cuts; i++) {
			assert(plan[i] >= min && plan[i] <= max);
			assert(plan[i] <= plan[0]);
			sum += plan[i];
		}
		assert(sum == distance);
	} else {
		assert(cuts < 1 || cuts > CUT_TARGET_MAX || !cut_plan_feasible(distance, min, max, cuts));
	}
	if (distance > 0 && min > 0 && min <= max) {
		int64_t amount = cut_range_amount(distance, min, max, (uint64_t)take(&data, &size));
		assert(amount >= 1 && amount <= max && amount <= distance);
	}
	return 0;
}
