/* test_shopper.c: unit tests of fcgi/shopper/shopper.c's pure login guard
 * decision, login_decide(): refusals first. The rules follow NIST SP
 * 800-63B: guessing is limited per code, per phone and per source, and no
 * stranger can keep the owner's fresh code from logging in. */
#include "unit.h"

#include "shopper/shopper.h"

static const struct login_rules rules = {
	.code_max_tries = 5,
	.phone_fail_limit = 10,
	.phone_window_s = 86400,
	.source_fail_limit = { 30, 100, 10 },
	.source_window_s = 3600,
};

/* Facts with every source present and clean. */
static struct login_facts facts_at(int64_t now)
{
	struct login_facts facts = { .now = now };
	for (int s = 0; s < LOGIN_SOURCES; s++)
		facts.source_present[s] = true;
	return facts;
}

START_TEST(a_source_past_its_limit_is_refused_whatever_the_code)
{
	struct login_facts facts = facts_at(5000);
	facts.source[LOGIN_SOURCE_IP] = (struct login_count){ true, 4000, 30 };
	facts.code_found = facts.code_matches = true;
	struct login_decision decision = login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, LOGIN_LOCKED);
	ck_assert_int_eq(decision.retry_after_s, 4000 + 3600 - 5000);
	/* nothing is counted, nothing forgotten */
	ck_assert(!decision.count_code_try);
	ck_assert(!decision.count_phone);
	for (int s = 0; s < LOGIN_SOURCES; s++)
		ck_assert(!decision.count_source[s]);
	ck_assert(!decision.clear_guard);
}
END_TEST

START_TEST(the_subnet_and_the_device_limits_bite_too_and_the_latest_end_is_told)
{
	struct login_facts facts = facts_at(5000);
	facts.source[LOGIN_SOURCE_SUBNET] = (struct login_count){ true, 2000, 100 };
	facts.source[LOGIN_SOURCE_DEVICE] = (struct login_count){ true, 4500, 10 };
	struct login_decision decision = login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, LOGIN_LOCKED);
	ck_assert_int_eq(decision.retry_after_s, 4500 + 3600 - 5000);
}
END_TEST

START_TEST(a_source_without_a_value_is_never_limited)
{
	struct login_facts facts = facts_at(5000);
	facts.source_present[LOGIN_SOURCE_DEVICE] = false;
	facts.source[LOGIN_SOURCE_DEVICE] = (struct login_count){ true, 4500, 1000 };
	struct login_decision decision = login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, LOGIN_WRONG_CODE);
	ck_assert(decision.count_source[LOGIN_SOURCE_IP]);
	ck_assert(!decision.count_source[LOGIN_SOURCE_DEVICE]);
}
END_TEST

START_TEST(no_code_counts_on_the_sources_only)
{
	struct login_facts facts = facts_at(5000);
	struct login_decision decision = login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, LOGIN_WRONG_CODE);
	ck_assert(!decision.count_code_try);
	ck_assert(!decision.count_phone); /* no code: not a guess at the phone */
	for (int s = 0; s < LOGIN_SOURCES; s++)
		ck_assert(decision.count_source[s]);
	ck_assert_int_eq(decision.source_window_floor, 5000 - 3600);
}
END_TEST

START_TEST(a_wrong_code_counts_on_the_code_the_phone_and_the_sources)
{
	struct login_facts facts = facts_at(5000);
	facts.code_found = true;
	facts.code_matches = false;
	struct login_decision decision = login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, LOGIN_WRONG_CODE);
	ck_assert(decision.count_code_try);
	ck_assert_int_eq(decision.code_max_tries, 5);
	ck_assert(decision.count_phone);
	ck_assert_int_eq(decision.phone_window_floor, 5000 - 86400);
	ck_assert(!decision.clear_guard);
}
END_TEST

START_TEST(a_phone_past_its_limit_gives_each_code_one_wrong_try)
{
	struct login_facts facts = facts_at(90000);
	facts.phone = (struct login_count){ true, 10000, 10 };
	facts.code_found = true;
	struct login_decision decision = login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, LOGIN_WRONG_CODE);
	ck_assert_int_eq(decision.code_max_tries, 1);
}
END_TEST

START_TEST(old_failures_are_forgotten_when_their_window_is_over)
{
	struct login_facts facts = facts_at(100000);
	facts.phone = (struct login_count){ true, 10000, 10 };              /* began 90000 s ago */
	facts.source[LOGIN_SOURCE_IP] = (struct login_count){ true, 96000, 30 }; /* 4000 s ago */
	facts.code_found = true;
	struct login_decision decision = login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, LOGIN_WRONG_CODE);
	ck_assert_int_eq(decision.code_max_tries, 5);
}
END_TEST

START_TEST(a_strangers_failures_do_not_stop_the_owners_fresh_code)
{
	/* ten wrong codes from elsewhere: the phone is past its limit, the
	 * owner's own sources are clean, the fresh code matches */
	struct login_facts facts = facts_at(5000);
	facts.phone = (struct login_count){ true, 4000, 10 };
	facts.code_found = facts.code_matches = true;
	struct login_decision decision = login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, LOGIN_ACCEPT);
	ck_assert(decision.clear_guard);
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

START_TEST(a_source_just_under_its_limit_still_logs_in)
{
	struct login_facts facts = facts_at(5000);
	facts.source[LOGIN_SOURCE_IP] = (struct login_count){ true, 4000, 29 };
	facts.source[LOGIN_SOURCE_DEVICE] = (struct login_count){ true, 4000, 9 };
	facts.code_found = facts.code_matches = true;
	struct login_decision decision = login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, LOGIN_ACCEPT);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("shopper");
	TCase *refused = tcase_create("bad_input");
	tcase_add_test(refused, a_source_past_its_limit_is_refused_whatever_the_code);
	tcase_add_test(refused, the_subnet_and_the_device_limits_bite_too_and_the_latest_end_is_told);
	tcase_add_test(refused, a_source_without_a_value_is_never_limited);
	tcase_add_test(refused, no_code_counts_on_the_sources_only);
	tcase_add_test(refused, a_wrong_code_counts_on_the_code_the_phone_and_the_sources);
	tcase_add_test(refused, a_phone_past_its_limit_gives_each_code_one_wrong_try);
	tcase_add_test(refused, old_failures_are_forgotten_when_their_window_is_over);
	suite_add_tcase(suite, refused);
	TCase *accepted = tcase_create("accepted");
	tcase_add_test(accepted, a_strangers_failures_do_not_stop_the_owners_fresh_code);
	tcase_add_test(accepted, the_right_code_is_accepted_without_a_guard_row);
	tcase_add_test(accepted, a_source_just_under_its_limit_still_logs_in);
	suite_add_tcase(suite, accepted);
	return suite;
}
