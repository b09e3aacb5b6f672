/* test_live_helps.c: unit tests of bargain_live_helps_from_cuts()
 * (fcgi/bargain/bargain.c): the helps of a help's live message taken from
 * its newest cuts when help_apply (sql/025_help_lighter.sql) leaves them
 * out. */
#include "unit.h"

#include <string.h>

#include "bargain/bargain.h"
#include "core/arena.h"
#include "db/db.h"

#define CUTS_MAX 20
#define HELPS_MAX 10

static struct arena test_arena;
static struct unit test_unit;

static void setup(void)
{
	arena_init(&test_arena);
	test_unit = (struct unit){ .arena = &test_arena };
}

static void teardown(void)
{
	arena_destroy(&test_arena);
}

/* helps_max, cuts_max of the live messages unless said */
static const char *helps_of(const char *cuts_json)
{
	return bargain_live_helps_from_cuts(&test_unit, cuts_json, CUTS_MAX, HELPS_MAX);
}

START_TEST(all_helps_give_the_first_helps_max)
{
	/* as MariaDB's JSON_ARRAYAGG writes it, with spaces */
	const char *twelve = "[[\"help\", \"13800000012\", 12, 1800000012], [\"help\", \"13800000011\", 11, 1800000011], "
			     "[\"help\", \"13800000010\", 10, 1800000010], [\"help\", \"13800000009\", 9, 1800000009], "
			     "[\"help\", \"13800000008\", 8, 1800000008], [\"help\", \"13800000007\", 7, 1800000007], "
			     "[\"help\", \"13800000006\", 6, 1800000006], [\"help\", \"13800000005\", 5, 1800000005], "
			     "[\"help\", \"13800000004\", 4, 1800000004], [\"help\", \"13800000003\", 3, 1800000003], "
			     "[\"help\", \"13800000002\", 2, 1800000002], [\"help\", \"13800000001\", 1, 1800000001]]";
	ck_assert_str_eq(helps_of(twelve),
			 "[[\"help\",\"13800000012\",12,1800000012],[\"help\",\"13800000011\",11,1800000011],"
			 "[\"help\",\"13800000010\",10,1800000010],[\"help\",\"13800000009\",9,1800000009],"
			 "[\"help\",\"13800000008\",8,1800000008],[\"help\",\"13800000007\",7,1800000007],"
			 "[\"help\",\"13800000006\",6,1800000006],[\"help\",\"13800000005\",5,1800000005],"
			 "[\"help\",\"13800000004\",4,1800000004],[\"help\",\"13800000003\",3,1800000003]]");
	/* a smaller helps_max takes the newest */
	ck_assert_str_eq(bargain_live_helps_from_cuts(&test_unit, twelve, CUTS_MAX, 2),
			 "[[\"help\",\"13800000012\",12,1800000012],[\"help\",\"13800000011\",11,1800000011]]");
}
END_TEST

START_TEST(self_cuts_are_left_out_in_order)
{
	const char *mixed = "[[\"help\", \"13800000004\", 40, 1800000004], [\"self\", \"13900000000\", 30, 1800000003], "
			    "[\"help\", \"13800000002\", 20, 1800000002], [\"self\", \"13900000000\", 10, 1800000001]]";
	ck_assert_str_eq(helps_of(mixed),
			 "[[\"help\",\"13800000004\",40,1800000004],[\"help\",\"13800000002\",20,1800000002]]");
	/* the list not full: every help there is, fewer than helps_max */
	ck_assert_str_eq(bargain_live_helps_from_cuts(&test_unit, mixed, 5, 3),
			 "[[\"help\",\"13800000004\",40,1800000004],[\"help\",\"13800000002\",20,1800000002]]");
	/* a full list (cuts_max entries) with enough helps is enough */
	ck_assert_str_eq(bargain_live_helps_from_cuts(&test_unit, mixed, 4, 2),
			 "[[\"help\",\"13800000004\",40,1800000004],[\"help\",\"13800000002\",20,1800000002]]");
}
END_TEST

START_TEST(a_full_list_short_of_helps_says_nothing)
{
	/* self-cuts newer than the CALL saw crowded older helps out: only a
	 * read of the helps knows them */
	const char *crowded = "[[\"self\", \"13900000000\", 30, 1800000003], [\"help\", \"13800000002\", 20, 1800000002], "
			      "[\"self\", \"13900000000\", 10, 1800000001]]";
	ck_assert_ptr_null(bargain_live_helps_from_cuts(&test_unit, crowded, 3, 2));
	ck_assert_str_eq(bargain_live_helps_from_cuts(&test_unit, crowded, 4, 2),
			 "[[\"help\",\"13800000002\",20,1800000002]]");
}
END_TEST

START_TEST(no_helps_and_an_empty_list_give_an_empty_list)
{
	ck_assert_str_eq(helps_of("[]"), "[]");
	ck_assert_str_eq(helps_of("[[\"self\", \"13900000000\", 10, 1800000001]]"), "[]");
	ck_assert_str_eq(bargain_live_helps_from_cuts(&test_unit, "[]", CUTS_MAX, 0), "[]");
}
END_TEST

START_TEST(null_or_malformed_cuts_give_null)
{
	ck_assert_ptr_null(helps_of(NULL));
	ck_assert_ptr_null(helps_of(""));
	ck_assert_ptr_null(helps_of("[[\"help\", \"1\", 1, 1]"));
	ck_assert_ptr_null(helps_of("{\"kind\": \"help\"}"));
	ck_assert_ptr_null(helps_of("null"));
	/* entries of another shape are not helps */
	ck_assert_str_eq(helps_of("[1, \"help\", [\"help\"], [7, \"x\"]]"), "[[\"help\"]]");
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("live_helps");
	TCase *helps = tcase_create("helps from cuts");
	tcase_add_checked_fixture(helps, setup, teardown);
	tcase_add_test(helps, all_helps_give_the_first_helps_max);
	tcase_add_test(helps, self_cuts_are_left_out_in_order);
	tcase_add_test(helps, a_full_list_short_of_helps_says_nothing);
	tcase_add_test(helps, no_helps_and_an_empty_list_give_an_empty_list);
	tcase_add_test(helps, null_or_malformed_cuts_give_null);
	suite_add_tcase(suite, helps);
	return suite;
}
