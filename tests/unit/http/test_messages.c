/* test_messages.c: unit tests of fcgi/http/messages.c's texts: unknown
 * names, the formatted texts, the login SMS's one run of six digits, and
 * the report's CSV header matching the counters. */
#include "unit.h"

#include <string.h>

#include "admin/stats.h"
#include "http/http.h"

START_TEST(an_unknown_text_is_null)
{
	ck_assert_ptr_null(http_text("no.such_text"));
	ck_assert_ptr_null(http_text(""));
}
END_TEST

START_TEST(texts_format_their_arguments)
{
	char out[256];
	ck_assert_int_eq(http_text_format(out, sizeof(out), "users.phone_search", 3, 11), 0);
	ck_assert_ptr_nonnull(strstr(out, "3 到 11"));
	ck_assert_int_eq(http_text_format(out, sizeof(out), "field.length", "body", "name", 1LL, 64LL), 0);
	ck_assert_ptr_nonnull(strstr(out, "body.name"));
	ck_assert_ptr_nonnull(strstr(out, "1 到 64"));
	ck_assert_str_eq(http_text("field.type_int"), "整数");
}
END_TEST

START_TEST(the_login_sms_has_one_run_of_six_digits)
{
	char out[256];
	ck_assert_int_eq(http_text_format(out, sizeof(out), "sms.login", "042917", 5L), 0);
	ck_assert_ptr_nonnull(strstr(out, "042917"));
	int runs = 0, length = 0;
	for (const char *c = out;; c++) {
		if (*c >= '0' && *c <= '9') {
			length++;
			continue;
		}
		if (length == 6)
			runs++;
		length = 0;
		if (*c == '\0')
			break;
	}
	ck_assert_int_eq(runs, 1);
}
END_TEST

START_TEST(the_csv_header_names_every_counter)
{
	ck_assert_uint_eq(http_report_csv_header_count, 3 + STATS_COUNTERS);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("messages");
	TCase *bad = tcase_create("bad_input");
	tcase_add_test(bad, an_unknown_text_is_null);
	suite_add_tcase(suite, bad);
	TCase *texts = tcase_create("texts");
	tcase_add_test(texts, texts_format_their_arguments);
	tcase_add_test(texts, the_login_sms_has_one_run_of_six_digits);
	tcase_add_test(texts, the_csv_header_names_every_counter);
	suite_add_tcase(suite, texts);
	return suite;
}
