/* test_cut.c: unit tests of fcgi/bargain/cut.c, with a property run over a million
 * random plans and settings. */
#include <stdio.h>
#include <string.h>

#include "bargain/cut.h"
#include "unit.h"

#define PROPERTY_PLANS 1000000

static uint64_t test_state = 0x1234567;

static uint64_t test_random(void)
{
	test_state ^= test_state << 13;
	test_state ^= test_state >> 7;
	test_state ^= test_state << 17;
	return test_state;
}

static int64_t test_between(int64_t low, int64_t high)
{
	return low + (int64_t)(test_random() % (uint64_t)(high - low + 1));
}

START_TEST(infeasible_plans_are_refused)
{
	unsigned char seed[CUT_SEED_SIZE] = { 1 };
	int64_t plan[CUT_TARGET_MAX];
	/* 20 cuts of at most 50 yuan cannot cut 2000 yuan */
	ck_assert_int_eq(cut_plan_feasible(200000, 100, 5000, 20), 0);
	ck_assert_int_eq(cut_plan_make(seed, 200000, 100, 5000, 20, plan), -1);
	/* 20 cuts of at least 1 yuan cut more than 10 yuan */
	ck_assert_int_eq(cut_plan_make(seed, 1000, 100, 5000, 20, plan), -1);
	ck_assert_int_eq(cut_plan_make(seed, 1000, 0, 5000, 5, plan), -1);
	ck_assert_int_eq(cut_plan_make(seed, 1000, 300, 200, 5, plan), -1);
	ck_assert_int_eq(cut_plan_make(seed, 1000, 1, 5000, 0, plan), -1);
	ck_assert_int_eq(cut_plan_make(seed, 100000, 1, 5000, CUT_TARGET_MAX + 1, plan), -1);
	ck_assert_int_eq(cut_plan_make(seed, 0, 1, 5000, 1, plan), -1);
	/* the edges are feasible */
	ck_assert_int_eq(cut_plan_feasible(2000, 100, 5000, 20), 1);
	ck_assert_int_eq(cut_plan_feasible(100000, 100, 5000, 20), 1);
}
END_TEST

START_TEST(tight_plans_are_exact)
{
	unsigned char seed[CUT_SEED_SIZE] = { 7 };
	int64_t plan[CUT_TARGET_MAX];
	ck_assert_int_eq(cut_plan_make(seed, 2000, 100, 5000, 20, plan), 0);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(plan[i], 100);
	ck_assert_int_eq(cut_plan_make(seed, 100000, 100, 5000, 20, plan), 0);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(plan[i], 5000);
	ck_assert_int_eq(cut_plan_make(seed, 777, 1, 1000, 1, plan), 0);
	ck_assert_int_eq(plan[0], 777);
}
END_TEST

START_TEST(plan_is_derived_again_from_the_key)
{
	unsigned char seed_a[CUT_SEED_SIZE], seed_b[CUT_SEED_SIZE], seed_c[CUT_SEED_SIZE];
	cut_plan_seed("secret-key", 10, 42, seed_a);
	cut_plan_seed("secret-key", 10, 42, seed_b);
	cut_plan_seed("secret-key", 10, 43, seed_c);
	ck_assert_mem_eq(seed_a, seed_b, CUT_SEED_SIZE);
	ck_assert(memcmp(seed_a, seed_c, CUT_SEED_SIZE) != 0);
	int64_t first[20], again[20];
	ck_assert_int_eq(cut_plan_make(seed_a, 20000, 100, 5000, 20, first), 0);
	ck_assert_int_eq(cut_plan_make(seed_b, 20000, 100, 5000, 20, again), 0);
	ck_assert_mem_eq(first, again, sizeof(first));
}
END_TEST

START_TEST(example_plan_500_to_300_yuan_in_20_cuts)
{
	unsigned char seed[CUT_SEED_SIZE];
	cut_plan_seed("k", 1, 1, seed);
	int64_t plan[20];
	ck_assert_int_eq(cut_plan_make(seed, 20000, 100, 5000, 20, plan), 0);
	int64_t sum = 0;
	for (int i = 0; i < 20; i++) {
		sum += plan[i];
		if (i > 0)
			ck_assert_int_le(plan[i], plan[i - 1]);
	}
	ck_assert_int_eq(sum, 20000);
	ck_assert_int_gt(plan[0], 2 * plan[19]);
	/* no tail of minimum cuts */
	ck_assert_int_gt(plan[19], 100);
}
END_TEST

START_TEST(range_cuts_stay_in_range_and_clip_to_the_floor)
{
	ck_assert_int_eq(cut_range_amount(100000, 100, 5000, 0), 100);
	ck_assert_int_eq(cut_range_amount(100000, 100, 5000, 4900), 5000);
	ck_assert_int_eq(cut_range_amount(100000, 100, 5000, 4901), 100);
	ck_assert_int_eq(cut_range_amount(250, 100, 5000, 4000), 250);
	ck_assert_int_eq(cut_range_amount(50, 100, 5000, 0), 50);
	ck_assert_int_eq(cut_range_amount(1, 1, 1, UINT64_MAX), 1);
	for (int i = 0; i < 100000; i++) {
		int64_t amount = cut_range_amount(1000000, 100, 5000, test_random());
		ck_assert(amount >= 100 && amount <= 5000);
	}
}
END_TEST

START_TEST(a_million_random_plans_hold_every_property)
{
	static int64_t plan[CUT_TARGET_MAX];
	double first_share = 0, last_share = 0;
	long measured = 0;
	for (long n = 0; n < PROPERTY_PLANS; n++) {
		int64_t cuts = test_between(1, 60);
		int64_t min = test_between(1, 2000);
		int64_t max = test_between(min, min + test_between(0, 20000));
		int64_t distance = test_between(cuts * min, cuts * max);
		unsigned char seed[CUT_SEED_SIZE];
		for (int i = 0; i < CUT_SEED_SIZE; i += 8) {
			uint64_t word = test_random();
			memcpy(seed + i, &word, 8);
		}
		ck_assert_int_eq(cut_plan_make(seed, distance, min, max, cuts, plan), 0);
		int64_t sum = 0;
		for (int64_t i = 0; i < cuts; i++) {
			if (plan[i] < min || plan[i] > max)
				ck_abort_msg("cut %lld out of [%lld, %lld]", (long long)plan[i], (long long)min,
					     (long long)max);
			if (plan[i] > plan[0])
				ck_abort_msg("cut %lld larger than the first", (long long)i);
			sum += plan[i];
			if (sum > distance)
				ck_abort_msg("below the floor after cut %lld", (long long)i);
		}
		if (sum != distance)
			ck_abort_msg("plan sums to %lld, not %lld", (long long)sum, (long long)distance);
		if (cuts >= 2) {
			first_share += (double)plan[0] / (double)distance;
			last_share += (double)plan[cuts - 1] / (double)distance;
			measured++;
		}
	}
	fprintf(stderr, "# cut plans: %d checked; mean share of the first cut %.3f, of the last %.3f\n",
	       PROPERTY_PLANS, first_share / (double)measured, last_share / (double)measured);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("cut");
	TCase *cases = tcase_create("cut");
	tcase_set_timeout(cases, 300);
	tcase_add_test(cases, infeasible_plans_are_refused);
	tcase_add_test(cases, tight_plans_are_exact);
	tcase_add_test(cases, plan_is_derived_again_from_the_key);
	tcase_add_test(cases, example_plan_500_to_300_yuan_in_20_cuts);
	tcase_add_test(cases, range_cuts_stay_in_range_and_clip_to_the_floor);
	tcase_add_test(cases, a_million_random_plans_hold_every_property);
	suite_add_tcase(suite, cases);
	return suite;
}
