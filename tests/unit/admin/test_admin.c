/* test_admin.c: unit tests of fcgi/admin/admin.c's pure parts: the login
 * decision admin_login_decide(), usernames and roles. Refusals first. */
#include "unit.h"

#include <string.h>

#include "admin/admin.h"
#include "admin/admin_store.h"

static const struct admin_login_rules rules = {
	.fail_limit = 5, .fail_window_s = 900, .source_window_s = 86400, .backoff_base_s = 1, .backoff_max_s = 900,
};

/* Facts from a known, clean address. */
static struct admin_login_facts facts_at(int64_t now)
{
	return (struct admin_login_facts){ .now = now, .source_present = true };
}

START_TEST(a_failing_address_waits_out_the_names_backoff_even_with_the_right_password)
{
	struct admin_login_facts facts = facts_at(100);
	facts.account = (struct admin_login_count){ true, 50, 7, 160 };
	facts.source = (struct admin_login_count){ true, 50, 1, 0 };
	facts.account_found = facts.password_matches = true;
	struct admin_login_decision decision = admin_login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, ADMIN_LOGIN_WAIT);
	ck_assert_int_eq(decision.retry_after_s, 60);
	ck_assert(!decision.count_source);
	int64_t wait;
	ck_assert(admin_login_must_wait(&rules, &facts, &wait)); /* so the password is not even hashed */
}
END_TEST

START_TEST(an_address_in_its_own_backoff_waits_for_every_name)
{
	struct admin_login_facts facts = facts_at(100);
	facts.source = (struct admin_login_count){ true, 50, 6, 130 };
	struct admin_login_decision decision = admin_login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, ADMIN_LOGIN_WAIT);
	ck_assert_int_eq(decision.retry_after_s, 30);
}
END_TEST

START_TEST(an_unknown_address_counts_as_failing)
{
	struct admin_login_facts facts = { .now = 100, .source_present = false };
	facts.account = (struct admin_login_count){ true, 50, 6, 110 };
	facts.account_found = facts.password_matches = true;
	ck_assert_int_eq(admin_login_decide(&rules, &facts).verdict, ADMIN_LOGIN_WAIT);
}
END_TEST

START_TEST(the_backoff_starts_at_the_limit_and_doubles_up_to_the_cap)
{
	ck_assert_int_eq(admin_login_backoff(&rules, 1), 0);
	ck_assert_int_eq(admin_login_backoff(&rules, 4), 0);
	ck_assert_int_eq(admin_login_backoff(&rules, 5), 1);
	ck_assert_int_eq(admin_login_backoff(&rules, 6), 2);
	ck_assert_int_eq(admin_login_backoff(&rules, 7), 4);
	ck_assert_int_eq(admin_login_backoff(&rules, 14), 512);
	ck_assert_int_eq(admin_login_backoff(&rules, 15), 900);
	ck_assert_int_eq(admin_login_backoff(&rules, 1000000), 900); /* no overflow */
}
END_TEST

START_TEST(an_unknown_name_a_wrong_password_and_a_disabled_account_are_counted)
{
	struct admin_login_facts unknown = facts_at(1000);
	struct admin_login_decision decision = admin_login_decide(&rules, &unknown);
	ck_assert_int_eq(decision.verdict, ADMIN_LOGIN_REFUSED);
	ck_assert_str_eq(decision.reason, "no such name");
	ck_assert_int_eq(decision.account_window_floor, 100);
	ck_assert_int_eq(decision.account_locked_until, 0); /* the first failure costs no wait */
	ck_assert(decision.count_source);
	ck_assert_int_eq(decision.source_window_floor, 1000 - 86400);
	ck_assert_int_eq(decision.source_locked_until, 0);

	struct admin_login_facts wrong = facts_at(1000);
	wrong.account_found = true;
	decision = admin_login_decide(&rules, &wrong);
	ck_assert_int_eq(decision.verdict, ADMIN_LOGIN_REFUSED);
	ck_assert_str_eq(decision.reason, "wrong password");

	struct admin_login_facts disabled = facts_at(1000);
	disabled.account_found = disabled.password_matches = disabled.disabled = true;
	decision = admin_login_decide(&rules, &disabled);
	ck_assert_int_eq(decision.verdict, ADMIN_LOGIN_REFUSED);
	ck_assert_str_eq(decision.reason, "disabled");
}
END_TEST

START_TEST(the_failure_at_the_limit_sets_a_wait_that_grows)
{
	struct admin_login_facts facts = facts_at(1000);
	facts.account_found = true;
	facts.account = (struct admin_login_count){ true, 900, 4, 0 };
	facts.source = (struct admin_login_count){ true, 900, 5, 999 };
	struct admin_login_decision decision = admin_login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, ADMIN_LOGIN_REFUSED);
	ck_assert_int_eq(decision.account_locked_until, 1001); /* the 5th failure: 1 s */
	ck_assert_int_eq(decision.source_locked_until, 1002);  /* the address's 6th: 2 s */
	/* a window that is over starts again */
	facts.account = (struct admin_login_count){ true, 1000 - 900, 40, 0 };
	decision = admin_login_decide(&rules, &facts);
	ck_assert_int_eq(decision.account_locked_until, 0);
}
END_TEST

START_TEST(the_owner_from_a_clean_address_gets_in_during_the_names_backoff)
{
	struct admin_login_facts facts = facts_at(1000);
	facts.account = (struct admin_login_count){ true, 900, 12, 1900 };
	facts.source = (struct admin_login_count){ true, 1000 - 86400, 3, 0 }; /* failures of yesterday only */
	facts.account_found = facts.password_matches = true;
	struct admin_login_decision decision = admin_login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, ADMIN_LOGIN_ACCEPT);
	ck_assert(decision.clear_guard);
}
END_TEST

START_TEST(the_right_password_is_accepted_and_forgets_failures)
{
	struct admin_login_facts facts = facts_at(1000);
	facts.account = (struct admin_login_count){ true, 900, 3, 1000 };
	facts.account_found = facts.password_matches = true;
	struct admin_login_decision decision = admin_login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, ADMIN_LOGIN_ACCEPT);
	ck_assert(decision.clear_guard);
	facts.account.found = false;
	decision = admin_login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, ADMIN_LOGIN_ACCEPT);
	ck_assert(!decision.clear_guard);
}
END_TEST

START_TEST(bad_usernames_and_roles)
{
	ck_assert(!admin_username_valid(""));
	ck_assert(!admin_username_valid("has space"));
	ck_assert(!admin_username_valid("名字"));
	char long_name[ADMIN_USERNAME_MAX + 2];
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	ck_assert(!admin_username_valid(long_name));
	ck_assert(admin_username_valid("ops.lead@shop-1"));
	char roles[ADMIN_ROLES_TEXT_MAX];
	ck_assert_int_eq(admin_roles_normalise("", roles), -1);
	ck_assert_int_eq(admin_roles_normalise("operator,", roles), -1);
	ck_assert_int_eq(admin_roles_normalise("root", roles), -1);
	ck_assert_int_eq(admin_roles_normalise("owner,risk,operator", roles), 0);
	ck_assert_str_eq(roles, "operator,risk,owner");
}
END_TEST

START_TEST(an_account_renders_as_the_api_shows_it)
{
	struct admin_account account = { .id = 7, .username = "ops", .roles = "operator,risk", .created_at = 0 };
	json_t *json = admin_account_json(&account);
	ck_assert_int_eq(json_integer_value(json_object_get(json, "id")), 7);
	ck_assert(json_is_null(json_object_get(json, "created_at")));
	ck_assert_int_eq(json_array_size(json_object_get(json, "roles")), 2);
	ck_assert(json_is_false(json_object_get(json, "disabled")));
	json_decref(json);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("admin");
	TCase *bad = tcase_create("bad_input");
	tcase_add_test(bad, a_failing_address_waits_out_the_names_backoff_even_with_the_right_password);
	tcase_add_test(bad, an_address_in_its_own_backoff_waits_for_every_name);
	tcase_add_test(bad, an_unknown_address_counts_as_failing);
	tcase_add_test(bad, the_backoff_starts_at_the_limit_and_doubles_up_to_the_cap);
	tcase_add_test(bad, an_unknown_name_a_wrong_password_and_a_disabled_account_are_counted);
	tcase_add_test(bad, the_failure_at_the_limit_sets_a_wait_that_grows);
	tcase_add_test(bad, bad_usernames_and_roles);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("accepted");
	tcase_add_test(good, the_owner_from_a_clean_address_gets_in_during_the_names_backoff);
	tcase_add_test(good, the_right_password_is_accepted_and_forgets_failures);
	tcase_add_test(good, an_account_renders_as_the_api_shows_it);
	suite_add_tcase(suite, good);
	return suite;
}
