/* test_admin.c: unit tests of fcgi/admin/admin.c's pure parts: the login
 * decision admin_login_decide(), usernames and roles. Refusals first. */
#include "unit.h"

#include <string.h>

#include "admin/admin.h"
#include "admin/admin_store.h"

static const struct admin_login_rules rules = { .fail_limit = 5, .fail_window_s = 900, .lock_s = 900 };

START_TEST(a_locked_name_is_refused_even_with_the_right_password)
{
	struct admin_login_facts facts = { .now = 100, .guard_found = true, .guard_locked_until = 160,
					   .account_found = true, .password_matches = true };
	struct admin_login_decision decision = admin_login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, ADMIN_LOGIN_LOCKED);
	ck_assert_int_eq(decision.retry_after_s, 60);
}
END_TEST

START_TEST(an_unknown_name_a_wrong_password_and_a_disabled_account_are_counted)
{
	struct admin_login_facts unknown = { .now = 1000 };
	struct admin_login_decision decision = admin_login_decide(&rules, &unknown);
	ck_assert_int_eq(decision.verdict, ADMIN_LOGIN_REFUSED);
	ck_assert_str_eq(decision.reason, "no such name");
	ck_assert_int_eq(decision.fail_window_floor, 100);
	ck_assert_int_eq(decision.lock_until, 1900);
	ck_assert_int_eq(decision.fail_limit, 5);
	ck_assert_int_eq(decision.first_lock, 0);

	struct admin_login_facts wrong = { .now = 1000, .account_found = true };
	decision = admin_login_decide(&rules, &wrong);
	ck_assert_int_eq(decision.verdict, ADMIN_LOGIN_REFUSED);
	ck_assert_str_eq(decision.reason, "wrong password");

	struct admin_login_facts disabled = { .now = 1000, .account_found = true, .password_matches = true,
					      .disabled = true };
	decision = admin_login_decide(&rules, &disabled);
	ck_assert_int_eq(decision.verdict, ADMIN_LOGIN_REFUSED);
	ck_assert_str_eq(decision.reason, "disabled");
}
END_TEST

START_TEST(a_limit_of_one_locks_at_the_first_failure)
{
	struct admin_login_rules strict = { .fail_limit = 1, .fail_window_s = 60, .lock_s = 30 };
	struct admin_login_facts facts = { .now = 1000, .account_found = true };
	struct admin_login_decision decision = admin_login_decide(&strict, &facts);
	ck_assert_int_eq(decision.first_lock, 1030);
}
END_TEST

START_TEST(the_right_password_is_accepted_and_forgets_failures)
{
	struct admin_login_facts facts = { .now = 1000, .guard_found = true, .guard_locked_until = 1000,
					   .account_found = true, .password_matches = true };
	struct admin_login_decision decision = admin_login_decide(&rules, &facts);
	ck_assert_int_eq(decision.verdict, ADMIN_LOGIN_ACCEPT);
	ck_assert(decision.clear_guard);
	facts.guard_found = false;
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
	tcase_add_test(bad, a_locked_name_is_refused_even_with_the_right_password);
	tcase_add_test(bad, an_unknown_name_a_wrong_password_and_a_disabled_account_are_counted);
	tcase_add_test(bad, a_limit_of_one_locks_at_the_first_failure);
	tcase_add_test(bad, bad_usernames_and_roles);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("accepted");
	tcase_add_test(good, the_right_password_is_accepted_and_forgets_failures);
	tcase_add_test(good, an_account_renders_as_the_api_shows_it);
	suite_add_tcase(suite, good);
	return suite;
}
