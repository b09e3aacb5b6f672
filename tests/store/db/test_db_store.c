/* test_db_store.c: the database door (fcgi/db/db.c) against MariaDB: the
 * statement cache holds more distinct statements than the code has (about
 * 300 by now; 256 once made a worker abort); the read door (db_read) falls
 * back to the primary when its replica is away, and inside a transaction
 * never leaves the transaction's connection. The replica itself is tested
 * by tests/replica/ (./dev replica). */
#include "store.h"

#include "db/replica.h"

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

/* ------------------------------------------------------------ read door */

static const char *const sql_read_probe_set = "SET @kanjia_read_probe = 41 + 1";
static const char *const sql_read_probe = "SELECT @kanjia_read_probe";

/* A session variable set on the primary's connection tells which
 * connection a read ran on: a replica's would not know it. */
START_TEST(a_read_whose_replica_is_away_is_answered_by_the_primary)
{
	struct config config = store_config; /* borrows its strings: never freed here */
	char host[] = "127.0.0.1";
	config.db_read_host = host;
	config.db_read_port = 1; /* nothing listens there: refused at once */
	struct arena arena;
	arena_init(&arena);
	struct db db;
	memset(&db, 0, sizeof(db));
	ck_assert_int_eq(db_connect(&db, &config), 0);
	struct unit unit = { .arena = &arena, .db = &db, .config = &config, .now = clock_now() };
	ck_assert_int_eq(db_exec(&unit, NULL, sql_read_probe_set, ""), DB_OK);
	for (int round = 0; round < 3; round++) {
		struct db_rows rows;
		ck_assert_int_eq(db_read(&unit, &rows, sql_read_probe, ""), DB_OK);
		ck_assert_int_eq(rows.row_count, 1);
		ck_assert_int_eq(db_int(&rows, 0, 0), 42);
	}
	/* the replica's connection was made, failed, and is left alone */
	ck_assert_ptr_nonnull(db.replica);
	ck_assert_ptr_null(db.replica->mysql);
	ck_assert_int_eq(db.replica->replica_verdict, REPLICA_DOWN);
	ck_assert_int_gt(db.replica->replica_retry_us, clock_micros());
	db_close(&db); /* and closed with the primary's (LeakSanitizer watches) */
	ck_assert_ptr_null(db.replica);
	arena_destroy(&arena);
}
END_TEST

START_TEST(a_read_inside_a_transaction_stays_on_its_connection)
{
	struct config config = store_config;
	char host[] = "127.0.0.1";
	config.db_read_host = host;
	config.db_read_port = 1;
	store_unit.config = &config;
	store_sql(NULL, sql_read_probe_set, "");
	struct db_rows rows;
	ck_assert_int_eq(db_read(&store_unit, &rows, sql_read_probe, ""), DB_OK);
	ck_assert_int_eq(db_int(&rows, 0, 0), 42);
	ck_assert_ptr_null(store_db.replica); /* not even made */
	store_unit.config = &store_config;
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("db_store");
	TCase *cache = tcase_create("statement_cache");
	tcase_add_checked_fixture(cache, store_setup, store_teardown);
	tcase_add_test(cache, hundreds_of_distinct_statements_are_prepared_once_each);
	suite_add_tcase(suite, cache);
	TCase *read_door = tcase_create("read_door");
	tcase_add_test(read_door, a_read_whose_replica_is_away_is_answered_by_the_primary);
	suite_add_tcase(suite, read_door);
	TCase *in_transaction = tcase_create("read_door_in_transaction");
	tcase_add_checked_fixture(in_transaction, store_setup, store_teardown);
	tcase_add_test(in_transaction, a_read_inside_a_transaction_stays_on_its_connection);
	suite_add_tcase(suite, in_transaction);
	return suite;
}
