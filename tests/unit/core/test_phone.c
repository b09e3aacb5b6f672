/* test_phone.c: unit tests of fcgi/core/phone.c. */
#include "unit.h"

#include <string.h>

#include "core/phone.h"

START_TEST(invalid_numbers_refused)
{
	static const char *const invalid[] = {
		"",
		"1380013800",    /* 10 digits */
		"138001380001",  /* 12 digits */
		"23800138000",   /* starts with 2 */
		"03800138000",
		"12x00138000",
		"10800138000",   /* second digit 0 */
		"11800138000",   /* second digit 1 */
		"12800138000",   /* second digit 2 */
		"abcdefghijk",
		"1380013800a",
		"138 0013 800",
		"+8613800138000",
		"13800-38000",
		" 3800138000",
		"１３８００１３８０００", /* full-width digits */
	};
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		ck_assert_msg(!phone_valid(invalid[i]), "\"%s\" accepted", invalid[i]);
	ck_assert(!phone_valid(NULL));
}
END_TEST

START_TEST(valid_numbers_accepted)
{
	ck_assert(phone_valid("13800138000"));
	ck_assert(phone_valid("19912345678"));
	ck_assert(phone_valid("15000000000"));
	ck_assert(phone_valid("17099999999"));
	/* Every second digit from 3 to 9. */
	char number[] = "1x800138000";
	for (char second = '3'; second <= '9'; second++) {
		number[1] = second;
		ck_assert_msg(phone_valid(number), "\"%s\" refused", number);
	}
}
END_TEST

START_TEST(mask_shows_first_three_and_last_four)
{
	char out[PHONE_MASKED_SIZE];
	memset(out, 'x', sizeof(out));
	phone_mask("13800138000", out);
	ck_assert_str_eq(out, "138****8000");
	phone_mask("19912345678", out);
	ck_assert_str_eq(out, "199****5678");
	ck_assert_uint_eq(strlen(out), PHONE_MASKED_SIZE - 1);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("phone");
	TCase *bad = tcase_create("bad_input");
	tcase_add_test(bad, invalid_numbers_refused);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("valid");
	tcase_add_test(good, valid_numbers_accepted);
	tcase_add_test(good, mask_shows_first_three_and_last_four);
	suite_add_tcase(suite, good);
	return suite;
}
