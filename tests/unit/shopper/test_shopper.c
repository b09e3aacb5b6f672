/* test_shopper.c: unit tests of fcgi/shopper/shopper.c's pure login guard
 * decision, login_decide(): refusals first. */
#include "unit.h"

#include "shopper/shopper.h"

static const struct login_rules rules = { .fail_limit = 10, .fail_window_s = 3600, .lock_s = 3600 };

static struct login_facts facts_at(int64_t now)
{
	return (struct login_facts){ .now = now };
}

START_TEST(a_locked_phone_is_refused_whatever_the_code)
{
	struct login_facts facts = facts_at(1000);
	facts.guard_found = true;
	facts.guard_failures = 10;
	facts.guard_locked_until = 1600;
	facts.code_found = facts.code_matches = true; /* even the right code */
	struct login_decision decision = login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, LOGIN_LOCKED);
	ck_assert_int_eq(decision.retry_after_s, 600);
	ck_assert(!decision.count_code_try);
	ck_assert(!decision.clear_guard);
}
END_TEST

START_TEST(a_lock_that_ended_no_longer_refuses)
{
	struct login_facts facts = facts_at(1600);
	facts.guard_found = true;
	facts.guard_locked_until = 1600; /* ends at this very second */
	facts.code_found = facts.code_matches = true;
	struct login_decision decision = login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, LOGIN_ACCEPT);
	ck_assert(decision.clear_guard);
}
END_TEST

START_TEST(no_code_counts_a_failure_on_the_phone_only)
{
	struct login_facts facts = facts_at(5000);
	struct login_decision decision = login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, LOGIN_WRONG_CODE);
	ck_assert(!decision.count_code_try);
	ck_assert_int_eq(decision.fail_window_floor, 5000 - 3600);
	ck_assert_int_eq(decision.fail_limit, 10);
	ck_assert_int_eq(decision.lock_until, 5000 + 3600);
	ck_assert_int_eq(decision.first_lock, 0);
}
END_TEST

START_TEST(a_wrong_code_counts_on_the_code_and_the_phone)
{
	struct login_facts facts = facts_at(5000);
	facts.code_found = true;
	facts.code_matches = false;
	struct login_decision decision = login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, LOGIN_WRONG_CODE);
	ck_assert(decision.count_code_try);
	ck_assert(!decision.clear_guard);
}
END_TEST

START_TEST(a_limit_of_one_locks_at_the_first_failure)
{
	struct login_rules strict = { .fail_limit = 1, .fail_window_s = 60, .lock_s = 900 };
	struct login_facts facts = facts_at(5000);
	struct login_decision decision = login_decide(&strict, &facts);
	ck_assert_int_eq(decision.verdict, LOGIN_WRONG_CODE);
	ck_assert_int_eq(decision.first_lock, 5900);
	ck_assert_int_eq(decision.lock_until, 5900);
}
END_TEST

START_TEST(the_right_code_is_accepted_without_a_guard_row)
{
	struct login_facts facts = facts_at(5000);
	facts.code_found = facts.code_matches = true;
	struct login_decision decision = login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, LOGIN_ACCEPT);
	ck_assert(!decision.clear_guard); /* nothing to forget */
	ck_assert(!decision.count_code_try);
}
END_TEST

START_TEST(the_right_code_forgets_earlier_failures)
{
	struct login_facts facts = facts_at(5000);
	facts.guard_found = true;
	facts.guard_failures = 9;
	facts.guard_window_start = 4000;
	facts.code_found = facts.code_matches = true;
	struct login_decision decision = login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, LOGIN_ACCEPT);
	ck_assert(decision.clear_guard);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("shopper");
	TCase *refused = tcase_create("bad_input");
	tcase_add_test(refused, a_locked_phone_is_refused_whatever_the_code);
	tcase_add_test(refused, no_code_counts_a_failure_on_the_phone_only);
	tcase_add_test(refused, a_wrong_code_counts_on_the_code_and_the_phone);
	tcase_add_test(refused, a_limit_of_one_locks_at_the_first_failure);
	suite_add_tcase(suite, refused);
	TCase *accepted = tcase_create("accepted");
	tcase_add_test(accepted, a_lock_that_ended_no_longer_refuses);
	tcase_add_test(accepted, the_right_code_is_accepted_without_a_guard_row);
	tcase_add_test(accepted, the_right_code_forgets_earlier_failures);
	suite_add_tcase(suite, accepted);
	return suite;
}
