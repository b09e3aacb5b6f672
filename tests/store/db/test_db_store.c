/* test_db_store.c: the database door (fcgi/db/db.c) against MariaDB: the
 * statement cache holds more distinct statements than the code has (about
 * 300 by now; 256 once made a worker abort); the read door (db_read) falls
 * back to the primary when its replica is away, and inside a transaction
 * never leaves the transaction's connection; a caller's session still to
 * confirm (struct unit_session) is confirmed before the unit's first
 * statement unless that statement carries it, and once refused refuses
 * every later one. The replica itself is tested by tests/replica/ (./dev
 * replica). */
#include "store.h"

#include "core/outcome.h"
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

/* ------------------------------------------------- the session gate */

static int confirms, settles;
static int confirm_answer;

static int counting_confirm(struct unit *unit)
{
	confirms++;
	/* the confirm's own statement passes the gate */
	struct db_rows rows;
	ck_assert_int_eq(db_exec(unit, &rows, "SELECT 1", ""), DB_OK);
	if (confirm_answer == DB_OK)
		unit->session->pending = false;
	else
		unit->session->refusal = confirm_answer;
	return confirm_answer;
}

static int counting_settle(struct unit *unit, int64_t version, bool off, bool revoked)
{
	settles++;
	if (version == 7 && !off && !revoked) {
		unit->session->pending = false;
		return DB_OK;
	}
	return unit->session->refusal = OUT_UNAUTHORIZED;
}

static struct unit_session due;

static void due_begin(int answer)
{
	confirms = settles = 0;
	confirm_answer = answer;
	due = (struct unit_session){ .pending = true, .user_id = 1, .token_version = 7, .jti = "j",
				     .confirm = counting_confirm, .settle = counting_settle };
	store_unit.session = &due;
}

START_TEST(the_first_statement_confirms_a_pending_session_once)
{
	due_begin(DB_OK);
	struct db_rows rows;
	ck_assert_int_eq(db_exec(&store_unit, &rows, "SELECT 2", ""), DB_OK);
	ck_assert_int_eq(rows.row_count, 1);
	ck_assert_int_eq(db_exec(&store_unit, &rows, "SELECT 3", ""), DB_OK);
	ck_assert_int_eq(db_read(&store_unit, &rows, "SELECT 4", ""), DB_OK);
	ck_assert_int_eq(confirms, 1);
	ck_assert(!due.pending);
}
END_TEST

/* A store's load that carries the facts (sql answers version, off,
 * revoked), then hands them over: what the settle answered. */
static int carried_load(const char *sql)
{
	ck_assert(unit_session_carry(&store_unit));
	struct db_rows rows;
	ck_assert_int_eq(db_exec(&store_unit, &rows, sql, ""), DB_OK);
	return unit_session_settle(&store_unit, db_int(&rows, 0, 0), db_int(&rows, 0, 1) != 0, db_int(&rows, 0, 2) != 0);
}

START_TEST(a_statement_that_carries_the_facts_costs_no_confirm)
{
	due_begin(DB_OK);
	ck_assert_int_eq(carried_load("SELECT 7, 0, 0"), DB_OK);
	struct db_rows rows;
	ck_assert_int_eq(db_exec(&store_unit, &rows, "SELECT 3", ""), DB_OK);
	ck_assert_int_eq(confirms, 0);
	ck_assert_int_eq(settles, 1);
	ck_assert(!unit_session_carry(&store_unit)); /* nothing left to carry */
}
END_TEST

START_TEST(a_carried_statement_whose_facts_never_came_leaves_the_next_to_confirm)
{
	due_begin(DB_OK);
	ck_assert(unit_session_carry(&store_unit));
	struct db_rows rows;
	/* the load found nothing (no such bargain): no facts, no settle */
	ck_assert_int_eq(db_exec(&store_unit, &rows, "SELECT 1 FROM DUAL WHERE 1 = 0", ""), DB_OK);
	ck_assert_int_eq(rows.row_count, 0);
	ck_assert(due.pending);
	ck_assert_int_eq(db_exec(&store_unit, &rows, "SELECT 3", ""), DB_OK);
	ck_assert_int_eq(confirms, 1);
}
END_TEST

START_TEST(a_refused_session_refuses_every_later_statement)
{
	due_begin(OUT_UNAUTHORIZED);
	struct db_rows rows;
	ck_assert_int_eq(db_exec(&store_unit, &rows, "SELECT 2", ""), OUT_UNAUTHORIZED);
	ck_assert_int_eq(rows.row_count, 0);
	/* a carry after a refusal is not honoured either */
	ck_assert(!unit_session_carry(&store_unit));
	ck_assert_int_eq(db_exec(&store_unit, &rows, "SELECT 3", ""), OUT_UNAUTHORIZED);
	ck_assert_int_eq(db_read(&store_unit, &rows, "SELECT 4", ""), OUT_UNAUTHORIZED);
	ck_assert_int_eq(db_exec_one(&store_unit, OUT_CONFLICT, "SELECT 5", ""), OUT_UNAUTHORIZED);
}
END_TEST

START_TEST(settled_facts_that_refuse_stop_the_next_statement)
{
	due_begin(DB_OK);
	ck_assert_int_eq(carried_load("SELECT 8, 0, 0"), OUT_UNAUTHORIZED); /* another version */
	struct db_rows rows;
	ck_assert_int_eq(db_exec(&store_unit, &rows, "SELECT 3", ""), OUT_UNAUTHORIZED);
	ck_assert_int_eq(confirms, 0); /* the door refuses, it does not ask again */
}
END_TEST

START_TEST(a_unit_that_ran_nothing_is_confirmed_by_its_own_statement_once)
{
	due_begin(DB_OK);
	ck_assert(unit_session_carry(&store_unit)); /* a carry no statement used */
	ck_assert_int_eq(db_session_confirm(&store_unit), DB_OK);
	ck_assert_int_eq(confirms, 1);
	ck_assert(!due.pending);
	ck_assert_int_eq(db_session_confirm(&store_unit), DB_OK); /* nothing left to confirm */
	ck_assert_int_eq(confirms, 1);
	due_begin(OUT_UNAUTHORIZED);
	ck_assert_int_eq(db_session_confirm(&store_unit), OUT_UNAUTHORIZED);
	ck_assert_int_eq(db_session_confirm(&store_unit), OUT_UNAUTHORIZED);
	ck_assert_int_eq(confirms, 1);
	store_unit.session = NULL;
	ck_assert_int_eq(db_session_confirm(&store_unit), DB_OK); /* no session to confirm */
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
	TCase *gate = tcase_create("session_gate");
	tcase_add_checked_fixture(gate, store_setup, store_teardown);
	tcase_add_test(gate, the_first_statement_confirms_a_pending_session_once);
	tcase_add_test(gate, a_statement_that_carries_the_facts_costs_no_confirm);
	tcase_add_test(gate, a_carried_statement_whose_facts_never_came_leaves_the_next_to_confirm);
	tcase_add_test(gate, a_refused_session_refuses_every_later_statement);
	tcase_add_test(gate, settled_facts_that_refuse_stop_the_next_statement);
	tcase_add_test(gate, a_unit_that_ran_nothing_is_confirmed_by_its_own_statement_once);
	suite_add_tcase(suite, gate);
	return suite;
}
