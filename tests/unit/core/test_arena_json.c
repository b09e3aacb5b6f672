/* test_arena_json.c: unit tests of fcgi/core/arena_json.c: a value handed
 * to an arena is released by its reset, not before; a text is the value's
 * dump with the flags given, kept in the arena; NULL gives NULL. */
#include "unit.h"

#include "core/arena_json.h"

START_TEST(an_owned_value_lives_until_the_arena_is_reset)
{
	struct arena arena;
	arena_init(&arena);
	json_t *value = json_pack("{s:i}", "a", 1);
	json_incref(value); /* the test's own reference, to watch the count */
	ck_assert_ptr_eq(arena_json_own(&arena, value), value);
	ck_assert_int_eq((int)value->refcount, 2);
	arena_reset(&arena);
	ck_assert_int_eq((int)value->refcount, 1);
	json_decref(value);
	arena_destroy(&arena);
}
END_TEST

START_TEST(a_text_is_the_dump_with_the_flags_given)
{
	struct arena arena;
	arena_init(&arena);
	json_t *value = json_pack("{s:i, s:[i, s]}", "b", 2, "a", 1, "x");
	ck_assert_str_eq(arena_json_text(&arena, value, JSON_COMPACT | JSON_SORT_KEYS), "{\"a\":[1,\"x\"],\"b\":2}");
	json_t *number = json_integer(7);
	ck_assert_str_eq(arena_json_text(&arena, number, JSON_COMPACT | JSON_ENCODE_ANY), "7");
	ck_assert_ptr_null(arena_json_text(&arena, NULL, JSON_COMPACT));
	json_decref(number);
	json_decref(value);
	arena_destroy(&arena);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("arena_json");
	TCase *values = tcase_create("values");
	tcase_add_test(values, an_owned_value_lives_until_the_arena_is_reset);
	tcase_add_test(values, a_text_is_the_dump_with_the_flags_given);
	suite_add_tcase(suite, values);
	return suite;
}
