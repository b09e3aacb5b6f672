/* test_router.c: unit tests of fcgi/router.c. */
#include "unit.h"

START_TEST(placeholder_router)
{
	ck_assert_int_eq(1, 1);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("router");
	TCase *cases = tcase_create("router");
	tcase_add_test(cases, placeholder_router);
	suite_add_tcase(suite, cases);
	return suite;
}
