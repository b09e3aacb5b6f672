/* test_token.c: unit tests of fcgi/token.c. */
#include "unit.h"

START_TEST(placeholder_token)
{
	ck_assert_int_eq(1, 1);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("token");
	TCase *cases = tcase_create("token");
	tcase_add_test(cases, placeholder_token);
	suite_add_tcase(suite, cases);
	return suite;
}
