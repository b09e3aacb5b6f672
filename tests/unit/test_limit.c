/* test_limit.c: unit tests of fcgi/limit.c. */
#include "unit.h"

START_TEST(placeholder_limit)
{
	ck_assert_int_eq(1, 1);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("limit");
	TCase *cases = tcase_create("limit");
	tcase_add_test(cases, placeholder_limit);
	suite_add_tcase(suite, cases);
	return suite;
}
