/* test_fraud_admin.c: unit tests of fcgi/fraud/fraud_admin.c's pure parts:
 * reading an admin's rule (scopes, pattern) and the rule's JSON. */
#include "unit.h"

#include <string.h>

#include "core/outcome.h"
#include "db/db.h"
#include "fraud/fraud_admin.h"

static int read_text(const char *text, struct fraud_rule_row *rule, struct fraud_rule_problem *problem)
{
	json_error_t error;
	json_t *object = json_loads(text, 0, &error);
	ck_assert_ptr_nonnull(object);
	int result = fraud_rule_read(object, rule, problem);
	json_decref(object);
	return result;
}

START_TEST(unknown_or_repeated_scopes_are_refused)
{
	struct fraud_rule_row rule = { .enabled = true };
	struct fraud_rule_problem problem;
	ck_assert_int_eq(read_text("{\"scope\": [\"help\", \"nope\"]}", &rule, &problem), OUT_INVALID_FIELD);
	ck_assert_int_eq(problem.kind, RULE_PROBLEM_SCOPE);
	ck_assert_int_eq(read_text("{\"scope\": [\"help\", \"help\"]}", &rule, &problem), OUT_INVALID_FIELD);
	ck_assert_int_eq(read_text("{\"scope\": [7]}", &rule, &problem), OUT_INVALID_FIELD);
	ck_assert_uint_eq(rule.scopes, 0); /* nothing half-read */
}
END_TEST

START_TEST(a_pattern_that_does_not_compile_says_where)
{
	struct fraud_rule_row rule = { .enabled = true };
	struct fraud_rule_problem problem;
	ck_assert_int_eq(read_text("{\"pattern\": \"ab(c\"}", &rule, &problem), OUT_INVALID_PATTERN);
	ck_assert_int_eq(problem.kind, RULE_PROBLEM_PATTERN);
	ck_assert(strlen(problem.message) > 0);
	ck_assert_uint_eq(problem.offset, 4);
}
END_TEST

START_TEST(a_good_rule_is_read_over_the_old_one)
{
	struct fraud_rule_row rule = { .id = 3, .field = "ip", .pattern = "^10\\.", .action = "block",
				       .scopes = FRAUD_SCOPE_SMS, .enabled = true, .note = "old" };
	struct fraud_rule_problem problem;
	json_error_t error;
	json_t *patch = json_loads("{\"action\": \"review\", \"scope\": [\"order\", \"help\"], \"enabled\": false, "
				   "\"note\": \"\"}", 0, &error);
	ck_assert_int_eq(fraud_rule_read(patch, &rule, &problem), DB_OK);
	ck_assert_int_eq(problem.kind, RULE_PROBLEM_NONE);
	ck_assert_str_eq(rule.action, "review");
	ck_assert_str_eq(rule.field, "ip");      /* not in the patch: kept */
	ck_assert_str_eq(rule.pattern, "^10\\."); /* kept */
	ck_assert_uint_eq(rule.scopes, FRAUD_SCOPE_ORDER | FRAUD_SCOPE_HELP);
	ck_assert(!rule.enabled);
	ck_assert_ptr_null(rule.note); /* an empty note is none */
	json_t *shown = fraud_rule_json(&rule);
	ck_assert_int_eq(json_array_size(json_object_get(shown, "scope")), 2);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(shown, "scope"), 0)), "help");
	ck_assert(json_is_null(json_object_get(shown, "note")));
	json_decref(shown);
	json_decref(patch);
}
END_TEST

START_TEST(only_a_pending_review_is_decided)
{
	struct fraud_review_row review = { .id = 1, .kind = "bargain", .target_id = 9, .status = "released" };
	ck_assert_int_eq(fraud_review_refusal(&review), OUT_REVIEW_CLOSED);
	review.status = "rejected";
	ck_assert_int_eq(fraud_review_refusal(&review), OUT_REVIEW_CLOSED);
	review.status = "pending";
	ck_assert_int_eq(fraud_review_refusal(&review), DB_OK);
}
END_TEST

START_TEST(a_review_changes_only_a_bargain)
{
	struct fraud_review_row review = { .id = 1, .kind = "order", .target_id = 9, .status = "pending" };
	ck_assert_int_eq(fraud_review_effect(&review, true), REVIEW_EFFECT_NONE);
	ck_assert_int_eq(fraud_review_effect(&review, false), REVIEW_EFFECT_NONE);
	review.kind = "bargain";
	ck_assert_int_eq(fraud_review_effect(&review, true), REVIEW_EFFECT_RELEASE_BARGAIN);
	ck_assert_int_eq(fraud_review_effect(&review, false), REVIEW_EFFECT_CLOSE_BARGAIN);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("fraud_admin");
	TCase *refusals = tcase_create("refusals");
	tcase_add_test(refusals, unknown_or_repeated_scopes_are_refused);
	tcase_add_test(refusals, a_pattern_that_does_not_compile_says_where);
	tcase_add_test(refusals, only_a_pending_review_is_decided);
	suite_add_tcase(suite, refusals);
	TCase *read = tcase_create("read");
	tcase_add_test(read, a_good_rule_is_read_over_the_old_one);
	tcase_add_test(read, a_review_changes_only_a_bargain);
	suite_add_tcase(suite, read);
	return suite;
}
