/* test_admin_store.c: fcgi/admin/admin_store.c and audit.c's pages against
 * MariaDB: a taken name, a missing account, the guard's atomic count, the
 * access change that ends sessions, the audit page of one target. */
#include "store.h"

#include "admin/admin_store.h"
#include "admin/audit.h"

static char name[40];

static const char *fresh_name(void)
{
	snprintf(name, sizeof(name), "store-test-%lld-%d", (long long)clock_micros(), rand() % 1000);
	return name;
}

START_TEST(a_taken_name_is_a_duplicate)
{
	int64_t id, again;
	ck_assert_int_eq(admin_insert(&store_unit, fresh_name(), "$y$hash", "operator", &id), DB_OK);
	ck_assert_int_eq(admin_insert(&store_unit, name, "$y$other", "owner", &again), DB_DUPLICATE);
}
END_TEST

START_TEST(a_missing_account_is_not_found)
{
	struct admin_account account;
	bool found = true;
	ck_assert_int_eq(admin_read(&store_unit, INT64_MAX / 2, &account, &found), DB_OK);
	ck_assert(!found);
	ck_assert_int_eq(admin_read_by_name(&store_unit, fresh_name(), &account, &found), DB_OK);
	ck_assert(!found);
}
END_TEST

START_TEST(the_guard_counts_and_keeps_the_wait_it_is_given)
{
	struct guard_row guard;
	ck_assert_int_eq(admin_guard_read(&store_unit, fresh_name(), &guard), DB_OK);
	ck_assert(!guard.found);
	int64_t floor = store_unit.now - 900, wait = store_unit.now + 2;
	ck_assert_int_eq(admin_guard_count_failure(&store_unit, name, floor, 0), DB_OK);
	ck_assert_int_eq(admin_guard_read(&store_unit, name, &guard), DB_OK);
	ck_assert_int_eq(guard.failures, 1);
	ck_assert_int_eq(guard.locked_until, 0);
	ck_assert_int_eq(admin_guard_count_failure(&store_unit, name, floor, wait), DB_OK);
	ck_assert_int_eq(admin_guard_read(&store_unit, name, &guard), DB_OK);
	ck_assert_int_eq(guard.failures, 2);
	ck_assert_int_eq(guard.locked_until, wait);
	/* A floor past the window's start: counting restarts. */
	ck_assert_int_eq(admin_guard_count_failure(&store_unit, name, store_unit.now, 0), DB_OK);
	ck_assert_int_eq(admin_guard_read(&store_unit, name, &guard), DB_OK);
	ck_assert_int_eq(guard.failures, 1);
	ck_assert_int_eq(admin_guard_clear(&store_unit, name), DB_OK);
	ck_assert_int_eq(admin_guard_read(&store_unit, name, &guard), DB_OK);
	ck_assert(!guard.found);
}
END_TEST

START_TEST(an_access_change_raises_the_token_version)
{
	int64_t id;
	ck_assert_int_eq(admin_insert(&store_unit, fresh_name(), "$y$hash", "operator", &id), DB_OK);
	struct admin_account before, after;
	bool found;
	ck_assert_int_eq(admin_read_by_name(&store_unit, name, &before, &found), DB_OK);
	ck_assert(found);
	ck_assert_str_eq(before.password_hash, "$y$hash");
	ck_assert_int_eq(admin_update_access(&store_unit, id, "risk,owner", true), DB_OK);
	ck_assert_int_eq(admin_read(&store_unit, id, &after, &found), DB_OK);
	ck_assert_str_eq(after.roles, "risk,owner");
	ck_assert(after.disabled);
	ck_assert_int_eq(after.token_version, before.token_version + 1);
	ck_assert_int_eq(after.created_at, store_unit.now);
	struct admin_account *all;
	int count;
	ck_assert_int_eq(admin_list(&store_unit, &all, &count), DB_OK);
	ck_assert_int_ge(count, 1);
	ck_assert_int_eq(all[count - 1].id, id); /* by id: the newest last */
}
END_TEST

START_TEST(an_audit_page_of_one_target_newest_first)
{
	int64_t id;
	ck_assert_int_eq(admin_insert(&store_unit, fresh_name(), "$y$hash", "operator", &id), DB_OK);
	json_t *after = json_pack("{s:s}", "k", "v");
	ck_assert_int_eq(audit_write(&store_unit, 0, "store.test", "store_test", id, NULL, after), DB_OK);
	ck_assert_int_eq(audit_write(&store_unit, id, "store.test2", "store_test", id, after, NULL), DB_OK);
	json_decref(after);
	struct audit_entry *entries;
	int count;
	ck_assert_int_eq(audit_page(&store_unit, "store_test", id, INT64_MAX, 10, &entries, &count), DB_OK);
	ck_assert_int_eq(count, 2);
	ck_assert_str_eq(entries[0].action, "store.test2");
	ck_assert_int_eq(entries[0].admin_id, id);
	ck_assert_str_eq(entries[0].admin_username, name);
	ck_assert_ptr_null(entries[0].after_json);
	ck_assert_str_eq(entries[0].request_id, "store-test");
	ck_assert_int_eq(entries[1].admin_id, 0);
	ck_assert_ptr_null(entries[1].admin_username);
	ck_assert_str_eq(entries[1].after_json, "{\"k\":\"v\"}");
	ck_assert_int_eq(audit_page(&store_unit, "store_test", id, entries[0].id, 10, &entries, &count), DB_OK);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(audit_page(&store_unit, "store_test", id, INT64_MAX, 1, &entries, &count), DB_OK);
	ck_assert_int_eq(count, 1);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("admin_store");
	TCase *bad = tcase_create("bad_input");
	tcase_set_timeout(bad, 30);
	tcase_add_checked_fixture(bad, store_setup, store_teardown);
	tcase_add_test(bad, a_taken_name_is_a_duplicate);
	tcase_add_test(bad, a_missing_account_is_not_found);
	suite_add_tcase(suite, bad);
	TCase *ops = tcase_create("operations");
	tcase_set_timeout(ops, 30);
	tcase_add_checked_fixture(ops, store_setup, store_teardown);
	tcase_add_test(ops, the_guard_counts_and_keeps_the_wait_it_is_given);
	tcase_add_test(ops, an_access_change_raises_the_token_version);
	tcase_add_test(ops, an_audit_page_of_one_target_newest_first);
	suite_add_tcase(suite, ops);
	return suite;
}
