/* test_db_store.c: the database door (fcgi/db/db.c) against MariaDB: the
 * statement cache holds more distinct statements than the code has (about
 * 300 by now; 256 once made a worker abort). */
#include "store.h"

START_TEST(hundreds_of_distinct_statements_are_prepared_once_each)
{
	enum { COUNT = 600 };
	static char texts[COUNT][48];
	for (int i = 0; i < COUNT; i++)
		snprintf(texts[i], sizeof(texts[i]), "SELECT %d + 0 AS n", i);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < COUNT; i++) {
			struct db_rows rows;
			ck_assert_int_eq(db_exec(&store_unit, &rows, texts[i], ""), DB_OK);
			ck_assert_int_eq(db_int(&rows, 0, 0), i);
		}
	}
	/* prepared once each: the second round found them in the cache */
	ck_assert_int_ge(store_db.statement_count, COUNT);
	ck_assert_int_lt(store_db.statement_count, COUNT + 64);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("db_store");
	TCase *cache = tcase_create("statement_cache");
	tcase_add_checked_fixture(cache, store_setup, store_teardown);
	tcase_add_test(cache, hundreds_of_distinct_statements_are_prepared_once_each);
	suite_add_tcase(suite, cache);
	return suite;
}
