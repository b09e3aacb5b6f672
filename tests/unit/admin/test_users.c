/* test_users.c: unit tests of fcgi/admin/users.c's pure part: a shopper as
 * the console shows it, the full number for owners only. */
#include "unit.h"

#include <string.h>

#include "admin/users.h"
#include "shopper/shopper_store.h"

static const struct shopper_summary shopper = {
	.id = 12, .phone = "13812345678", .blocked = true, .points_balance = 30,
	.created_at = 1700000000, .last_login_at = 0, .bargains = 2, .orders = 1, .helps = 5,
};

START_TEST(a_non_owner_never_searches_by_prefix)
{
	/* the old oracle: leading digits, one more per request */
	ck_assert_int_eq(users_phone_search_kind("138", false), USERS_PHONE_REFUSED);
	ck_assert_int_eq(users_phone_search_kind("1381234", false), USERS_PHONE_REFUSED);
	ck_assert_int_eq(users_phone_search_kind("1381234567", false), USERS_PHONE_REFUSED);
	ck_assert_int_eq(users_phone_search_kind("23812345678", false), USERS_PHONE_REFUSED); /* not a number */
	ck_assert_int_eq(users_phone_search_kind("138123456789", false), USERS_PHONE_REFUSED);
	ck_assert_int_eq(users_phone_search_kind("12a4", false), USERS_PHONE_REFUSED);
	ck_assert_int_eq(users_phone_search_kind("", false), USERS_PHONE_REFUSED);
	ck_assert_int_eq(users_phone_search_kind("5678", false), USERS_PHONE_LAST4);
	ck_assert_int_eq(users_phone_search_kind("13812345678", false), USERS_PHONE_FULL);
}
END_TEST

START_TEST(an_owner_searches_by_prefix)
{
	ck_assert_int_eq(users_phone_search_kind("13", true), USERS_PHONE_REFUSED);
	ck_assert_int_eq(users_phone_search_kind("138", true), USERS_PHONE_PREFIX);
	ck_assert_int_eq(users_phone_search_kind("5678", true), USERS_PHONE_PREFIX);
	ck_assert_int_eq(users_phone_search_kind("13812345678", true), USERS_PHONE_PREFIX);
	ck_assert_int_eq(users_phone_search_kind("138123456789", true), USERS_PHONE_REFUSED);
	ck_assert_int_eq(users_phone_search_kind("138 1", true), USERS_PHONE_REFUSED);
}
END_TEST

START_TEST(a_non_owner_sees_only_the_masked_number)
{
	json_t *user = users_json(&shopper, false);
	ck_assert_ptr_null(json_object_get(user, "phone"));
	const char *masked = json_string_value(json_object_get(user, "phone_masked"));
	ck_assert_ptr_nonnull(masked);
	ck_assert_ptr_null(strstr(masked, "1234"));
	ck_assert(json_is_null(json_object_get(user, "last_login_at"))); /* never logged in: 0 */
	json_decref(user);
}
END_TEST

START_TEST(an_owner_sees_the_number_and_every_count)
{
	json_t *user = users_json(&shopper, true);
	ck_assert_str_eq(json_string_value(json_object_get(user, "phone")), "13812345678");
	ck_assert_str_eq(json_string_value(json_object_get(user, "created_at")), "2023-11-14T22:13:20Z");
	ck_assert(json_is_true(json_object_get(user, "blocked")));
	ck_assert_int_eq(json_integer_value(json_object_get(user, "helps")), 5);
	ck_assert_int_eq(json_integer_value(json_object_get(user, "points_balance")), 30);
	json_decref(user);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("users");
	TCase *bad = tcase_create("bad_input");
	tcase_add_test(bad, a_non_owner_never_searches_by_prefix);
	tcase_add_test(bad, a_non_owner_sees_only_the_masked_number);
	tcase_add_test(bad, an_owner_searches_by_prefix);
	suite_add_tcase(suite, bad);
	TCase *shown = tcase_create("shown");
	tcase_add_test(shown, an_owner_sees_the_number_and_every_count);
	suite_add_tcase(suite, shown);
	return suite;
}
