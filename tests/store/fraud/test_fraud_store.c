/* test_fraud_store.c: fcgi/fraud/fraud_store.c against MariaDB: missing
 * rules and reviews, the review queue's once-per-target rule, events and
 * decisions as recorded, rules as written. Refusals first. */
#include "store.h"

#include "core/outcome.h"
#include "fraud/fraud_store.h"

/* Target ids far above any real one: fraud_review has no foreign key. */
static int64_t test_target(void)
{
	return ((int64_t)1 << 50) + (int64_t)(clock_micros() % 1000000);
}

START_TEST(missing_rows_are_not_found)
{
	struct fraud_rule_row rule;
	ck_assert_int_eq(fraud_rule_get(&store_unit, INT64_MAX, false, &rule), OUT_NOT_FOUND);
	ck_assert_int_eq(fraud_rule_get(&store_unit, INT64_MAX, true, &rule), OUT_NOT_FOUND);
	struct fraud_review_row review;
	ck_assert_int_eq(fraud_review_lock(&store_unit, INT64_MAX, &review), OUT_NOT_FOUND);
	struct fraud_help_row help;
	ck_assert_int_eq(fraud_help_facts(&store_unit, NULL, INT64_MAX, INT64_MAX, &help), OUT_NOT_FOUND);
	const char *status = "x";
	ck_assert_int_eq(fraud_review_status(&store_unit, "order", test_target(), &status), DB_OK);
	ck_assert_ptr_null(status);
	const char *phone = "x", *signature = "x";
	ck_assert_int_eq(fraud_subject_facts(&store_unit, INT64_MAX, INT64_MAX, &phone, &signature), DB_OK);
	ck_assert_ptr_null(phone);
	ck_assert_ptr_null(signature);
}
END_TEST

START_TEST(a_rejected_review_stays_rejected_and_a_released_one_is_pending_again)
{
	int64_t target = test_target();
	ck_assert_int_eq(fraud_review_hold(&store_unit, "order", target, 0), DB_OK);
	ck_assert_int_eq(fraud_review_hold(&store_unit, "order", target, 0), DB_OK); /* once */
	struct db_rows rows;
	store_sql(&rows, "SELECT id, COUNT(*) FROM fraud_review WHERE kind = 'order' AND target_id = ? GROUP BY id", "i",
		  target);
	ck_assert_int_eq(rows.row_count, 1);
	int64_t id = db_int(&rows, 0, 0);
	ck_assert_int_eq(fraud_review_resolve(&store_unit, id, "rejected", 1), DB_OK);
	ck_assert_int_eq(fraud_review_hold(&store_unit, "order", target, 0), DB_OK);
	const char *status;
	ck_assert_int_eq(fraud_review_status(&store_unit, "order", target, &status), DB_OK);
	ck_assert_str_eq(status, "rejected");
	store_sql(NULL, "UPDATE fraud_review SET status = 'released' WHERE id = ?", "i", id);
	ck_assert_int_eq(fraud_review_hold(&store_unit, "order", target, 0), DB_OK);
	ck_assert_int_eq(fraud_review_status(&store_unit, "order", target, &status), DB_OK);
	ck_assert_str_eq(status, "pending");
	struct fraud_review_row review;
	ck_assert_int_eq(fraud_review_lock(&store_unit, id, &review), DB_OK);
	ck_assert(!review.has_bargain); /* an order review */
	ck_assert_int_eq(review.resolved_by, 0);
}
END_TEST

START_TEST(a_rule_is_written_read_and_changed)
{
	struct fraud_rule_row rule = { .field = "phone", .pattern = "^170", .action = "review",
				       .scopes = FRAUD_SCOPE_HELP | FRAUD_SCOPE_ORDER, .enabled = true,
				       .note = "store test", .pack = NULL };
	ck_assert_int_eq(fraud_rule_insert(&store_unit, &rule), DB_OK);
	ck_assert(rule.id > 0);
	struct fraud_rule_row read;
	ck_assert_int_eq(fraud_rule_get(&store_unit, rule.id, false, &read), DB_OK);
	ck_assert_str_eq(read.pattern, "^170");
	ck_assert_uint_eq(read.scopes, FRAUD_SCOPE_HELP | FRAUD_SCOPE_ORDER);
	ck_assert_str_eq(read.note, "store test");
	ck_assert_ptr_null(read.pack);
	bool exists = false;
	ck_assert_int_eq(fraud_rule_exists(&store_unit, "phone", "^170", "review", &exists), DB_OK);
	ck_assert(exists);
	ck_assert_int_eq(fraud_rule_exists(&store_unit, "phone", "^170", "block", &exists), DB_OK);
	ck_assert(!exists);
	read.enabled = false;
	read.scopes = FRAUD_SCOPE_SMS;
	read.note = NULL;
	ck_assert_int_eq(fraud_rule_update(&store_unit, &read), DB_OK);
	ck_assert_int_eq(fraud_rule_add_limit_hits(&store_unit, rule.id, 3), DB_OK);
	ck_assert_int_eq(fraud_rule_get(&store_unit, rule.id, true, &read), DB_OK);
	ck_assert(!read.enabled);
	ck_assert_uint_eq(read.scopes, FRAUD_SCOPE_SMS);
	ck_assert_ptr_null(read.note);
	ck_assert_int_eq(read.limit_hits, 3);
	int64_t before = 0, after = 0;
	ck_assert_int_eq(fraud_rules_version(&store_unit, &before), DB_OK);
	ck_assert_int_eq(fraud_rules_changed(&store_unit), DB_OK);
	ck_assert_int_eq(fraud_rules_version(&store_unit, &after), DB_OK);
	ck_assert_int_eq(after, before + 1);
	ck_assert_int_eq(fraud_rule_delete(&store_unit, rule.id), DB_OK);
	ck_assert_int_eq(fraud_rule_get(&store_unit, rule.id, false, &read), OUT_NOT_FOUND);
}
END_TEST

START_TEST(events_and_decisions_are_recorded_and_paged)
{
	struct fraud_event_row event = { .scope = "help", .action = "shadow", .phone = "17000000000",
					 .client_ip = "127.0.0.9", .user_agent = "store test", .referer = "",
					 .share_code = "abcdefghijklmnop", .device = "", .signature = "ab" };
	int64_t event_id = 0, decision_id = 0;
	ck_assert_int_eq(fraud_event_record(&store_unit, &event, &event_id), DB_OK);
	ck_assert_int_eq(fraud_decision_record(&store_unit, event_id, 0, "help", "phone", "170****0000", "shadow", 0, 0,
					       &decision_id), DB_OK);
	struct fraud_decision_row *decisions;
	int count;
	ck_assert_int_eq(fraud_decision_page(&store_unit, decision_id + 1, 0, "shadow", 1, &decisions, &count), DB_OK);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(decisions[0].id, decision_id);
	ck_assert_int_eq(decisions[0].event_id, event_id);
	ck_assert_str_eq(decisions[0].request_id, "store-test");
	ck_assert_int_eq(decisions[0].user_id, 0);
	int64_t first = 0, last = 0;
	ck_assert_int_eq(fraud_event_bounds(&store_unit, store_unit.now - 1, store_unit.now + 1, &first, &last), DB_OK);
	ck_assert(first <= event_id && event_id <= last);
	struct fraud_event_value *events;
	ck_assert_int_eq(fraud_event_page(&store_unit, FRAUD_FIELD_PHONE, event_id - 1, event_id, store_unit.now - 1,
					  store_unit.now + 1, FRAUD_SCOPE_HELP, &events, &count), DB_OK);
	ck_assert_int_eq(count, 1);
	ck_assert_str_eq(events[0].value, "17000000000");
	ck_assert_int_eq(fraud_event_page(&store_unit, FRAUD_FIELD_PHONE, event_id - 1, event_id, store_unit.now - 1,
					  store_unit.now + 1, FRAUD_SCOPE_SMS, &events, &count), DB_OK);
	ck_assert_int_eq(count, 0); /* another scope */
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("fraud_store");
	TCase *bad = tcase_create("refusals");
	tcase_add_checked_fixture(bad, store_setup, store_teardown);
	tcase_add_test(bad, missing_rows_are_not_found);
	tcase_add_test(bad, a_rejected_review_stays_rejected_and_a_released_one_is_pending_again);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("records");
	tcase_add_checked_fixture(good, store_setup, store_teardown);
	tcase_add_test(good, a_rule_is_written_read_and_changed);
	tcase_add_test(good, events_and_decisions_are_recorded_and_paged);
	suite_add_tcase(suite, good);
	return suite;
}
