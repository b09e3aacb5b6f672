/* test_validate.c: unit tests of fcgi/validate.c. */
#include "unit.h"

START_TEST(placeholder_validate)
{
	ck_assert_int_eq(1, 1);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("validate");
	TCase *cases = tcase_create("validate");
	tcase_add_test(cases, placeholder_validate);
	suite_add_tcase(suite, cases);
	return suite;
}
