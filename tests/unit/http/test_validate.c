/* test_validate.c: unit tests of fcgi/http/validate.c. */
#include "unit.h"

#include <string.h>

#include "http/http.h"
#include "http/validate.h"

static struct request request;

static void setup(void)
{
	memset(&request, 0, sizeof(request));
	arena_init(&request.arena);
}

static void teardown(void)
{
	arena_destroy(&request.arena);
}

static bool six_digits(const char *value)
{
	if (strlen(value) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		if (value[i] < '0' || value[i] > '9')
			return false;
	return true;
}

static bool starts_with_a(const char *value)
{
	return value[0] == 'a';
}

static const struct field fields[] = {
	{ .name = "phone", .type = FIELD_STRING, .required = true, .min = 11, .max = 11 },
	{ .name = "code", .type = FIELD_STRING, .min = 6, .max = 6, .shape = six_digits, .shape_status = 401,
	  .shape_code = "invalid_code" },
	{ .name = "tag", .type = FIELD_STRING, .min = 1, .max = 8, .shape = starts_with_a },
	{ .name = "name", .type = FIELD_STRING, .nullable = true, .min = 1, .max = 6 },
	{ .name = "count", .type = FIELD_INT, .min = -5, .max = 10 },
	{ .name = "agree", .type = FIELD_BOOL },
	{ .name = "address", .type = FIELD_OBJECT, .nullable = true },
	{ .name = "items", .type = FIELD_ARRAY, .min = 1, .max = 3 },
	{ .name = NULL },
};

/* Validates text as the request body; returns the status. */
static int body(const char *text)
{
	request.body = text;
	request.body_size = strlen(text);
	request.status = 0;
	request.error_code = NULL;
	request.error_message = NULL;
	return validate_body(&request, fields);
}

static void assert_error(const char *text, int status, const char *code)
{
	int result = body(text);
	ck_assert_msg(result == status, "%s: status %d, not %d", text, result, status);
	ck_assert_int_eq(request.status, status);
	ck_assert_ptr_nonnull(request.error_code);
	ck_assert_msg(strcmp(request.error_code, code) == 0, "%s: code %s, not %s", text, request.error_code, code);
	ck_assert_ptr_nonnull(request.error_message);
}

static void assert_accepted(const char *text)
{
	int result = body(text);
	ck_assert_msg(result == 0, "%s refused: %d %s %s", text, result, request.error_code ? request.error_code : "",
		      request.error_message ? request.error_message : "");
	ck_assert_ptr_null(request.error_code);
}

/* ---- refused ---- */

START_TEST(unknown_key_refused)
{
	assert_error("{\"phone\":\"13800138000\",\"admin\":true}", 400, "unknown_field");
	assert_error("{\"Phone\":\"13800138000\"}", 400, "unknown_field");
}
END_TEST

START_TEST(missing_required_refused)
{
	assert_error("{}", 400, "missing_field");
	ck_assert_ptr_nonnull(strstr(request.error_message, "body.phone"));
	assert_error("", 400, "missing_field"); /* an empty body is {} */
	assert_error("{\"count\":1}", 400, "missing_field");
}
END_TEST

START_TEST(wrong_type_refused_for_each_type)
{
	/* string */
	assert_error("{\"phone\":13800138000}", 400, "invalid_field");
	assert_error("{\"phone\":[\"13800138000\"]}", 400, "invalid_field");
	/* int: a real, a string, a bool are not ints */
	assert_error("{\"phone\":\"13800138000\",\"count\":1.0}", 400, "invalid_field");
	assert_error("{\"phone\":\"13800138000\",\"count\":\"1\"}", 400, "invalid_field");
	assert_error("{\"phone\":\"13800138000\",\"count\":true}", 400, "invalid_field");
	/* bool */
	assert_error("{\"phone\":\"13800138000\",\"agree\":1}", 400, "invalid_field");
	assert_error("{\"phone\":\"13800138000\",\"agree\":\"true\"}", 400, "invalid_field");
	/* object */
	assert_error("{\"phone\":\"13800138000\",\"address\":[]}", 400, "invalid_field");
	assert_error("{\"phone\":\"13800138000\",\"address\":\"x\"}", 400, "invalid_field");
	/* array */
	assert_error("{\"phone\":\"13800138000\",\"items\":{}}", 400, "invalid_field");
	assert_error("{\"phone\":\"13800138000\",\"items\":1}", 400, "invalid_field");
}
END_TEST

START_TEST(null_refused_unless_nullable)
{
	assert_error("{\"phone\":null}", 400, "invalid_field");
	assert_error("{\"phone\":\"13800138000\",\"count\":null}", 400, "invalid_field");
	assert_error("{\"phone\":\"13800138000\",\"items\":null}", 400, "invalid_field");
	assert_accepted("{\"phone\":\"13800138000\",\"name\":null,\"address\":null}");
	ck_assert_ptr_null(body_string(&request, "name"));
}
END_TEST

START_TEST(string_length_in_bytes)
{
	assert_error("{\"phone\":\"1380013800\"}", 400, "invalid_field");   /* 10 */
	assert_error("{\"phone\":\"138001380001\"}", 400, "invalid_field"); /* 12 */
	assert_error("{\"phone\":\"13800138000\",\"name\":\"\"}", 400, "invalid_field");
	/* Two Chinese characters are 6 bytes: at the bound; a third is 9. */
	assert_accepted("{\"phone\":\"13800138000\",\"name\":\"砍价\"}");
	assert_error("{\"phone\":\"13800138000\",\"name\":\"砍价a\"}", 400, "invalid_field");
	assert_error("{\"phone\":\"13800138000\",\"name\":\"砍价吧\"}", 400, "invalid_field");
	assert_accepted("{\"phone\":\"13800138000\",\"name\":\"abcdef\"}");
	assert_error("{\"phone\":\"13800138000\",\"name\":\"abcdefg\"}", 400, "invalid_field");
}
END_TEST

START_TEST(string_with_control_or_nul_refused)
{
	assert_error("{\"phone\":\"13800138000\",\"name\":\"a\\u0001b\"}", 400, "invalid_field");
	assert_error("{\"phone\":\"13800138000\",\"name\":\"a\\u007fb\"}", 400, "invalid_field");
	assert_error("{\"phone\":\"13800138000\",\"name\":\"a\\rb\"}", 400, "invalid_field");
	/* jansson refuses \u0000 in a body; an object built in code may hold one. */
	assert_error("{\"phone\":\"13800138000\",\"name\":\"a\\u0000b\"}", 400, "invalid_json");
	json_t *object = json_pack("{s:s, s:s%}", "phone", "13800138000", "name", "a\0b", (size_t)3);
	ck_assert_ptr_nonnull(object);
	ck_assert_int_eq(validate_object(&request, object, fields, "body"), 400);
	ck_assert_str_eq(request.error_code, "invalid_field");
	json_decref(object);
}
END_TEST

START_TEST(int_bounds)
{
	assert_error("{\"phone\":\"13800138000\",\"count\":11}", 400, "invalid_field");
	assert_error("{\"phone\":\"13800138000\",\"count\":-6}", 400, "invalid_field");
	assert_error("{\"phone\":\"13800138000\",\"count\":9223372036854775807}", 400, "invalid_field");
	/* Past int64: jansson cannot read it. */
	assert_error("{\"phone\":\"13800138000\",\"count\":9223372036854775808}", 400, "invalid_json");
	assert_accepted("{\"phone\":\"13800138000\",\"count\":10}");
	ck_assert_int_eq(body_int(&request, "count", 99), 10);
	assert_accepted("{\"phone\":\"13800138000\",\"count\":-5}");
	ck_assert_int_eq(body_int(&request, "count", 99), -5);
	assert_accepted("{\"phone\":\"13800138000\",\"count\":0}");
	ck_assert_int_eq(body_int(&request, "count", 99), 0);
}
END_TEST

START_TEST(array_size_bounds)
{
	assert_error("{\"phone\":\"13800138000\",\"items\":[]}", 400, "invalid_field");
	assert_error("{\"phone\":\"13800138000\",\"items\":[1,2,3,4]}", 400, "invalid_field");
	assert_accepted("{\"phone\":\"13800138000\",\"items\":[1]}");
	assert_accepted("{\"phone\":\"13800138000\",\"items\":[1,\"x\",null]}");
}
END_TEST

START_TEST(shape_check_with_its_own_status)
{
	/* Wrong shape, and wrong length, both answer the field's own code. */
	assert_error("{\"phone\":\"13800138000\",\"code\":\"12345a\"}", 401, "invalid_code");
	assert_error("{\"phone\":\"13800138000\",\"code\":\"12345\"}", 401, "invalid_code");
	assert_error("{\"phone\":\"13800138000\",\"code\":\"1234567\"}", 401, "invalid_code");
	assert_error("{\"phone\":\"13800138000\",\"code\":123456}", 400, "invalid_field"); /* type first */
	assert_accepted("{\"phone\":\"13800138000\",\"code\":\"123456\"}");
	/* A shape without a code of its own: 400 invalid_field. */
	assert_error("{\"phone\":\"13800138000\",\"tag\":\"bcd\"}", 400, "invalid_field");
	assert_accepted("{\"phone\":\"13800138000\",\"tag\":\"abc\"}");
}
END_TEST

START_TEST(invalid_json_refused)
{
	assert_error("{", 400, "invalid_json");
	assert_error("{\"phone\":}", 400, "invalid_json");
	assert_error("{'phone':'13800138000'}", 400, "invalid_json");
	assert_error("{\"phone\":\"13800138000\"} trailing", 400, "invalid_json");
	assert_error("{\"phone\":\"13800138000\",}", 400, "invalid_json");
	assert_error("null", 400, "invalid_json");
	assert_error("\"text\"", 400, "invalid_json");
	assert_error("[]", 400, "invalid_json"); /* JSON, but not an object */
	assert_error("[{\"phone\":\"13800138000\"}]", 400, "invalid_json");
	/* Invalid UTF-8 inside a JSON string. */
	assert_error("{\"phone\":\"1380013800\xc0\xaf\"}", 400, "invalid_json");
}
END_TEST

START_TEST(duplicate_keys_refused)
{
	assert_error("{\"phone\":\"13800138000\",\"phone\":\"13900139000\"}", 400, "invalid_json");
}
END_TEST

/* {"phone":"...","items":[[...[]...]]} with depth arrays. */
static char *nested(int depth)
{
	static const char head[] = "{\"phone\":\"13800138000\",\"items\":";
	char *text = arena_alloc(&request.arena, sizeof(head) + 2 * (size_t)depth + 2);
	strcpy(text, head);
	size_t used = strlen(head);
	for (int i = 0; i < depth; i++)
		text[used++] = '[';
	for (int i = 0; i < depth; i++)
		text[used++] = ']';
	text[used++] = '}';
	text[used] = '\0';
	return text;
}

START_TEST(nesting_deeper_than_16_refused)
{
	assert_accepted(nested(16));
	assert_error(nested(17), 400, "invalid_json");
	assert_error(nested(100), 400, "invalid_json");
	assert_error(nested(5000), 400, "invalid_json"); /* past jansson's own limit */
	assert_error("{\"phone\":\"13800138000\",\"address\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":"
		     "{\"i\":{\"j\":{\"k\":{\"l\":{\"m\":{\"n\":{\"o\":{\"p\":1}}}}}}}}}}}}}}}}}",
		     400, "invalid_json");
}
END_TEST

START_TEST(validate_object_refuses_non_object)
{
	json_t *array = json_array();
	ck_assert_int_eq(validate_object(&request, array, fields, "address"), 400);
	ck_assert_str_eq(request.error_code, "invalid_json");
	ck_assert_ptr_nonnull(strstr(request.error_message, "address"));
	json_decref(array);
	ck_assert_int_eq(validate_object(&request, NULL, fields, "body"), 400);
}
END_TEST

/* ---- UTF-8 ---- */

static bool text_ok(const char *bytes)
{
	return validate_text(bytes, strlen(bytes));
}

START_TEST(text_refuses_invalid_utf8)
{
	ck_assert(!text_ok("\xc0\xaf"));         /* overlong '/' */
	ck_assert(!text_ok("\xc1\xbf"));
	ck_assert(!text_ok("\xe0\x80\xaf"));     /* overlong, three bytes */
	ck_assert(!text_ok("\xf0\x80\x80\xaf")); /* overlong, four bytes */
	ck_assert(!text_ok("\xed\xa0\x80"));     /* U+D800, a surrogate */
	ck_assert(!text_ok("\xed\xbf\xbf"));     /* U+DFFF */
	ck_assert(!text_ok("\xf4\x90\x80\x80")); /* U+110000 */
	ck_assert(!text_ok("\xf5\x80\x80\x80"));
	ck_assert(!text_ok("\xf8\x88\x80\x80\x80")); /* five-byte form */
	ck_assert(!text_ok("\xff"));
	ck_assert(!text_ok("\x80"));             /* lone continuation */
	ck_assert(!text_ok("a\xbf"));
	ck_assert(!text_ok("\xe7\xa0"));         /* truncated 砍 */
	ck_assert(!text_ok("\xe7"));
	ck_assert(!text_ok("\xf0\x9f\x98"));     /* truncated emoji */
	ck_assert(!text_ok("\xe7\xa0\x41"));     /* bad continuation */
	ck_assert(!text_ok("\xc3"));
	/* Truncated by length, though more bytes follow in memory. */
	ck_assert(!validate_text("\xe7\xa0\x8d", 2));
}
END_TEST

START_TEST(text_refuses_control_characters)
{
	ck_assert(!text_ok("a\rb"));
	ck_assert(!text_ok("\x01"));
	ck_assert(!text_ok("\x1b[31m"));
	ck_assert(!text_ok("\x7f"));
	ck_assert(!validate_text("a\0b", 3));
}
END_TEST

START_TEST(text_accepts_chinese_tab_newline)
{
	ck_assert(text_ok(""));
	ck_assert(text_ok("hello"));
	ck_assert(text_ok("砍一刀，帮我砍价！"));
	ck_assert(text_ok("a\tb\nc"));
	ck_assert(text_ok("\xc2\x80"));         /* U+0080, smallest two-byte */
	ck_assert(text_ok("\xed\x9f\xbf"));     /* U+D7FF, below surrogates */
	ck_assert(text_ok("\xee\x80\x80"));     /* U+E000, above them */
	ck_assert(text_ok("\xf0\x9f\x98\x80")); /* U+1F600 */
	ck_assert(text_ok("\xf4\x8f\xbf\xbf")); /* U+10FFFF */
	ck_assert(validate_text("\xe7\xa0\x8d", 3));
}
END_TEST

/* ---- accepted, and the accessors ---- */

START_TEST(empty_body_is_empty_object)
{
	static const struct field optional[] = {
		{ .name = "note", .type = FIELD_STRING, .min = 0, .max = 10 },
		{ .name = NULL },
	};
	request.body = "";
	request.body_size = 0;
	ck_assert_int_eq(validate_body(&request, optional), 0);
	ck_assert(json_is_object(request.json));
	ck_assert_uint_eq(json_object_size(request.json), 0);
	ck_assert_ptr_null(body_string(&request, "note"));
}
END_TEST

START_TEST(accessors_read_values_and_defaults)
{
	assert_accepted("{\"phone\":\"13800138000\",\"count\":7,\"agree\":false,\"name\":\"小王\","
			"\"address\":{\"city\":\"上海\"},\"items\":[1,2]}");
	ck_assert_str_eq(body_string(&request, "phone"), "13800138000");
	ck_assert_str_eq(body_string(&request, "name"), "小王");
	ck_assert_ptr_null(body_string(&request, "code"));   /* absent */
	ck_assert_ptr_null(body_string(&request, "count"));  /* not a string */
	ck_assert_int_eq(body_int(&request, "count", 99), 7);
	ck_assert_int_eq(body_int(&request, "absent", 99), 99);
	ck_assert_int_eq(body_int(&request, "phone", 42), 42);
	ck_assert(!body_bool(&request, "agree", true));
	ck_assert(body_bool(&request, "absent", true));
	ck_assert(!body_bool(&request, "absent", false));
	ck_assert(body_bool(&request, "count", true)); /* not a bool: the fallback */
	assert_accepted("{\"phone\":\"13800138000\",\"agree\":true}");
	ck_assert(body_bool(&request, "agree", false));
}
END_TEST

START_TEST(whitespace_around_body_accepted)
{
	assert_accepted(" \n\t{ \"phone\" : \"13800138000\" }\n ");
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("validate");
	TCase *bad = tcase_create("bad_input");
	tcase_add_checked_fixture(bad, setup, teardown);
	tcase_add_test(bad, unknown_key_refused);
	tcase_add_test(bad, missing_required_refused);
	tcase_add_test(bad, wrong_type_refused_for_each_type);
	tcase_add_test(bad, null_refused_unless_nullable);
	tcase_add_test(bad, string_length_in_bytes);
	tcase_add_test(bad, string_with_control_or_nul_refused);
	tcase_add_test(bad, int_bounds);
	tcase_add_test(bad, array_size_bounds);
	tcase_add_test(bad, shape_check_with_its_own_status);
	tcase_add_test(bad, invalid_json_refused);
	tcase_add_test(bad, duplicate_keys_refused);
	tcase_add_test(bad, nesting_deeper_than_16_refused);
	tcase_add_test(bad, validate_object_refuses_non_object);
	suite_add_tcase(suite, bad);
	TCase *text = tcase_create("utf8");
	tcase_add_test(text, text_refuses_invalid_utf8);
	tcase_add_test(text, text_refuses_control_characters);
	tcase_add_test(text, text_accepts_chinese_tab_newline);
	suite_add_tcase(suite, text);
	TCase *good = tcase_create("accepted");
	tcase_add_checked_fixture(good, setup, teardown);
	tcase_add_test(good, empty_body_is_empty_object);
	tcase_add_test(good, accessors_read_values_and_defaults);
	tcase_add_test(good, whitespace_around_body_accepted);
	suite_add_tcase(suite, good);
	return suite;
}
