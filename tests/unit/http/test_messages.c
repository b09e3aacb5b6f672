/* test_messages.c: unit tests of fcgi/http/messages.c's texts: unknown
 * names, the table's names (unique, "<area>.<what>") and conversions (only
 * those the callers pass), the formatted texts, the login SMS's one run of
 * six digits, and the report's CSV header matching the counters. */
#include "unit.h"

#include <stdbool.h>
#include <string.h>

#include "admin/stats.h"
#include "http/http.h"

START_TEST(an_unknown_text_is_null)
{
	ck_assert_ptr_null(http_text("no.such_text"));
	ck_assert_ptr_null(http_text(""));
}
END_TEST

/* A name is "<area>.<what>": lower-case letters, digits and '_' on both
 * sides of one dot. */
static bool name_shaped(const char *name)
{
	const char *dot = strchr(name, '.');
	if (dot == NULL || dot == name || dot[1] == '\0' || strchr(dot + 1, '.') != NULL)
		return false;
	for (const char *c = name; *c; c++)
		if (c != dot && !((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
			return false;
	return true;
}

/* The conversion at format (just past a '%'), as its length when it is
 * one the texts may use, else 0: %s %d %ld %lld %zu %%, and the zero-padded
 * width of "%02lld" (fen). Anything else (%n, %x, a '*' width, a precision)
 * would be a text no caller's arguments were checked against. */
static size_t conversion_length(const char *format)
{
	static const char *const allowed[] = { "%", "s", "d", "ld", "lld", "zu", "02lld" };
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		size_t length = strlen(allowed[i]);
		if (strncmp(format, allowed[i], length) == 0)
			return length;
	}
	return 0;
}

START_TEST(every_name_is_unique_and_shaped)
{
	size_t count = http_text_count();
	ck_assert_uint_gt(count, 0);
	for (size_t i = 0; i < count; i++) {
		const char *name = http_text_name_at(i);
		ck_assert_msg(name_shaped(name), "text name %s is not <area>.<what>", name);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(strcmp(name, http_text_name_at(j)) != 0, "text name %s repeats", name);
		/* the lookup finds every entry by its name (none is shadowed) */
		ck_assert_ptr_nonnull(http_text(name));
	}
}
END_TEST

START_TEST(every_text_has_only_known_conversions)
{
	for (size_t i = 0; i < http_text_count(); i++) {
		const char *name = http_text_name_at(i), *text = http_text(name);
		ck_assert_msg(text[0] != '\0', "text %s is empty", name);
		for (const char *c = text; *c; c++) {
			if (*c != '%')
				continue;
			size_t length = conversion_length(c + 1);
			ck_assert_msg(length > 0, "text %s has an unknown conversion at \"%s\"", name, c);
			c += length;
		}
	}
}
END_TEST

/* Texts that replaced literal formats keep the sentences byte for byte
 * (clients and tests outside the repo compare them). */
START_TEST(moved_texts_keep_their_sentences)
{
	char out[512];
	ck_assert_int_eq(http_text_format(out, sizeof(out), "campaign.at", "items[0]", "底价必须低于原价。"), 0);
	ck_assert_str_eq(out, "items[0]：底价必须低于原价。");
	ck_assert_int_eq(http_text_format(out, sizeof(out), "campaign.text_long", http_text("campaign.label_item_name"),
					  (size_t)60), 0);
	ck_assert_str_eq(out, "商品名称不能超过 60 个字。");
	ck_assert_int_eq(http_text_format(out, sizeof(out), "pricing.yuan_fen", 29LL, 5LL), 0);
	ck_assert_str_eq(out, "29.05元");
	ck_assert_int_eq(http_text_format(out, sizeof(out), "discount.full_reduction", "100元", "20元"), 0);
	ck_assert_str_eq(out, "满100元减20元");
	ck_assert_int_eq(http_text_format(out, sizeof(out), "promotion.item_not_in_campaign", "config.item_ids", 7LL), 0);
	ck_assert_str_eq(out, "config.item_ids 不正确：商品 7 不在本活动中。");
	ck_assert_int_eq(http_text_format(out, sizeof(out), "pay.description", 42LL), 0);
	ck_assert_str_eq(out, "砍价活动订单 42");
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
	TCase *table = tcase_create("table");
	tcase_add_test(table, every_name_is_unique_and_shaped);
	tcase_add_test(table, every_text_has_only_known_conversions);
	suite_add_tcase(suite, table);
	TCase *texts = tcase_create("texts");
	tcase_add_test(texts, moved_texts_keep_their_sentences);
	tcase_add_test(texts, texts_format_their_arguments);
	tcase_add_test(texts, the_login_sms_has_one_run_of_six_digits);
	tcase_add_test(texts, the_csv_header_names_every_counter);
	suite_add_tcase(suite, texts);
	return suite;
}
