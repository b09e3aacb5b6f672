/* store.h: the frame of the store tests: Check suites, TAP on stdout, run
 * against the test stack's MariaDB (the config named by $KANJIA_CONF) by
 * tests/store/run.sh, a stage of ./dev test after the stack is up.
 *
 * Each test gets a fresh unit (arena, the one connection, the config, a
 * clock) inside a transaction that teardown rolls back, so a test sees its
 * own writes and leaves nothing behind; tests that need a commit (or run a
 * transaction of their own through db_atomic) clean up after themselves.
 * Fixtures are written with store_sql(), prepared and typed like the door. */
#ifndef KANJIA_STORE_TEST_H
#define KANJIA_STORE_TEST_H

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "db/db.h"

static struct config store_config;
static struct db store_db;
static struct arena store_arena;
static struct unit store_unit;

static Suite *suite_for_file(void);

/* Opens the connection once per test program; exits on failure (a test
 * stage without its database is a failure, not a skip). */
static void store_open(void)
{
	const char *path = getenv("KANJIA_CONF");
	char error[256];
	if (path == NULL || config_load(&store_config, path, error, sizeof(error)) != 0) {
		fprintf(stderr, "store test: cannot load $KANJIA_CONF (%s): %s\n", path ? path : "unset",
			path ? error : "set it to the test stack's kanjia.conf");
		exit(2);
	}
	if (db_connect(&store_db, &store_config) != 0) {
		fprintf(stderr, "store test: cannot connect to the database of %s\n", path);
		exit(2);
	}
}

/* Runs one raw statement on the test's connection (fixtures, checks).
 * rows (OUT, may be NULL) as db_exec(); fails the test on any error. */
static void __attribute__((unused)) store_sql(struct db_rows *rows, const char *sql, const char *types, ...)
{
	va_list args;
	va_start(args, types);
	int result = db_exec_va(&store_unit, rows, sql, types, args);
	va_end(args);
	ck_assert_msg(result == DB_OK, "fixture statement failed (%d): %.80s", result, sql);
}

/* A fresh unit inside a transaction; teardown rolls it back. */
static void store_setup(void)
{
	arena_init(&store_arena);
	store_unit = (struct unit){ .arena = &store_arena, .db = &store_db, .config = &store_config,
				    .now = clock_now(), .request_id = "store-test" };
	ck_assert_int_eq(mysql_query(store_db.mysql, "START TRANSACTION"), 0);
	store_db.in_transaction = true;
}

static void store_teardown(void)
{
	if (store_db.in_transaction)
		mysql_query(store_db.mysql, "ROLLBACK");
	store_db.in_transaction = false;
	arena_destroy(&store_arena);
}

int main(void)
{
	store_open();
	SRunner *runner = srunner_create(suite_for_file());
	srunner_set_tap(runner, "-");
	srunner_set_fork_status(runner, CK_NOFORK);
	srunner_run_all(runner, CK_SILENT);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	db_close(&store_db);
	config_free(&store_config);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
