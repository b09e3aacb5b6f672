/* test_phone.c: unit tests of fcgi/phone.c. */
#include "unit.h"

START_TEST(placeholder_phone)
{
	ck_assert_int_eq(1, 1);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("phone");
	TCase *cases = tcase_create("phone");
	tcase_add_test(cases, placeholder_phone);
	suite_add_tcase(suite, cases);
	return suite;
}
