/* test_points_store.c: fcgi/reward/points.c against MariaDB: one conditional
 * update and one ledger row per change; the balance never goes negative. */
#include "store.h"

#include "core/outcome.h"
#include "reward/points.h"

/* A shopper of the test's own, inside the test's transaction. */
static int64_t new_shopper(int64_t balance)
{
	char phone[12];
	snprintf(phone, sizeof(phone), "199%08u", (unsigned)rand() % 100000000u);
	struct db_rows rows;
	store_sql(&rows, "INSERT INTO shopper (phone, points_balance, created_at) VALUES (?, ?, NOW())", "si", phone,
		  balance);
	return (int64_t)rows.insert_id;
}

static int64_t balance_of(int64_t user_id)
{
	struct db_rows rows;
	store_sql(&rows, "SELECT points_balance FROM shopper WHERE id = ?", "i", user_id);
	ck_assert_int_eq(rows.row_count, 1);
	return db_int(&rows, 0, 0);
}

static int64_t ledger_rows(int64_t user_id)
{
	struct db_rows rows;
	store_sql(&rows, "SELECT COUNT(*) FROM points_ledger WHERE user_id = ?", "i", user_id);
	return db_int(&rows, 0, 0);
}

START_TEST(taking_more_than_the_balance_changes_nothing)
{
	int64_t user = new_shopper(50);
	ck_assert_int_eq(points_apply(&store_unit, user, -51, "store_test", 0), OUT_CONFLICT);
	ck_assert_int_eq(balance_of(user), 50);
	ck_assert_int_eq(ledger_rows(user), 0);
}
END_TEST

START_TEST(an_unknown_shopper_is_refused)
{
	ck_assert_int_eq(points_apply(&store_unit, INT64_MAX, 10, "store_test", 0), OUT_CONFLICT);
}
END_TEST

START_TEST(each_change_is_one_ledger_row_with_the_balance_after)
{
	int64_t user = new_shopper(0);
	ck_assert_int_eq(points_apply(&store_unit, user, 120, "store_test", 0), DB_OK);
	ck_assert_int_eq(points_apply(&store_unit, user, -20, "store_test", 0), DB_OK);
	ck_assert_int_eq(points_apply(&store_unit, user, -100, "store_test", 0), DB_OK);
	ck_assert_int_eq(balance_of(user), 0);
	struct db_rows rows;
	store_sql(&rows, "SELECT delta, balance_after FROM points_ledger WHERE user_id = ? ORDER BY id", "i", user);
	ck_assert_int_eq(rows.row_count, 3);
	const int64_t expected[3][2] = { { 120, 120 }, { -20, 100 }, { -100, 0 } };
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(db_int(&rows, i, 0), expected[i][0]);
		ck_assert_int_eq(db_int(&rows, i, 1), expected[i][1]);
	}
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("points_store");
	TCase *bad = tcase_create("refusals");
	tcase_add_checked_fixture(bad, store_setup, store_teardown);
	tcase_add_test(bad, taking_more_than_the_balance_changes_nothing);
	tcase_add_test(bad, an_unknown_shopper_is_refused);
	suite_add_tcase(suite, bad);
	TCase *ledger = tcase_create("ledger");
	tcase_add_checked_fixture(ledger, store_setup, store_teardown);
	tcase_add_test(ledger, each_change_is_one_ledger_row_with_the_balance_after);
	suite_add_tcase(suite, ledger);
	return suite;
}
