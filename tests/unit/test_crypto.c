/* test_crypto.c: unit tests of fcgi/crypto.c. */
#include "unit.h"

START_TEST(placeholder_crypto)
{
	ck_assert_int_eq(1, 1);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("crypto");
	TCase *cases = tcase_create("crypto");
	tcase_add_test(cases, placeholder_crypto);
	suite_add_tcase(suite, cases);
	return suite;
}
