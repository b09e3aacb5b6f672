/* test_clock.c: unit tests of fcgi/clock.c. */
#include "unit.h"

START_TEST(placeholder_clock)
{
	ck_assert_int_eq(1, 1);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("clock");
	TCase *cases = tcase_create("clock");
	tcase_add_test(cases, placeholder_clock);
	suite_add_tcase(suite, cases);
	return suite;
}
