/* test_config.c: unit tests of fcgi/config.c. */
#include "unit.h"

START_TEST(placeholder_config)
{
	ck_assert_int_eq(1, 1);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("config");
	TCase *cases = tcase_create("config");
	tcase_add_test(cases, placeholder_config);
	suite_add_tcase(suite, cases);
	return suite;
}
