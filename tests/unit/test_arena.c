/* test_arena.c: unit tests of fcgi/arena.c. */
#include "unit.h"

START_TEST(placeholder_arena)
{
	ck_assert_int_eq(1, 1);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("arena");
	TCase *cases = tcase_create("arena");
	tcase_add_test(cases, placeholder_arena);
	suite_add_tcase(suite, cases);
	return suite;
}
