/* test_outcome.c: unit tests of http_outcome() (fcgi/http/http.c) over the
 * outcome list (fcgi/core/outcome.h): every outcome answers a status the
 * worker knows, an API code, and a Chinese sentence from messages.c. */
#include "unit.h"

#include <string.h>

#include "core/outcome.h"
#include "db/db.h"
#include "http/http.h"
#include "http/http_status.h"

static struct request request;

static void setup(void)
{
	memset(&request, 0, sizeof(request));
	arena_init(&request.arena);
}

static void teardown(void)
{
	arena_destroy(&request.arena);
}

static bool status_known(int status)
{
	switch (status) {
#define KNOWN(code, text) case code: return true;
		HTTP_STATUS_LIST(KNOWN)
#undef KNOWN
	}
	return false;
}

START_TEST(an_http_status_passes_through_untouched)
{
	ck_assert_int_eq(http_outcome(&request, 201), 201);
	ck_assert_ptr_null(request.error_code);
	ck_assert_int_eq(http_outcome(&request, DB_OK), 0);
	ck_assert_int_eq(http_outcome(&request, DB_RETRY), DB_RETRY);
	ck_assert_ptr_null(request.error_code);
}
END_TEST

START_TEST(door_failures_map_to_their_statuses)
{
	ck_assert_int_eq(http_outcome(&request, DB_DUPLICATE), 409);
	ck_assert_str_eq(request.error_code, "conflict");
	ck_assert_int_eq(http_outcome(&request, DB_UNAVAILABLE), 503);
	ck_assert_str_eq(request.error_code, "unavailable");
	ck_assert_int_eq(http_outcome(&request, DB_FAILED), 500);
	ck_assert_str_eq(request.error_code, "internal_error");
}
END_TEST

START_TEST(every_outcome_has_a_status_a_code_and_a_sentence)
{
	static const struct {
		int outcome, status;
		const char *code;
	} expected[] = {
#define EXPECTED(name, status, code) { name, status, code },
		OUTCOME_LIST(EXPECTED)
#undef EXPECTED
	};
	const char *fallback = http_message_for("no such code, surely");
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		request.error_code = NULL;
		ck_assert_int_eq(http_outcome(&request, expected[i].outcome), expected[i].status);
		ck_assert_msg(status_known(expected[i].status), "outcome %d: status %d is not in HTTP_STATUS_LIST",
			      expected[i].outcome, expected[i].status);
		ck_assert_str_eq(request.error_code, expected[i].code);
		ck_assert_msg(request.error_message != fallback, "code %s has no sentence in messages.c",
			      expected[i].code);
	}
}
END_TEST

START_TEST(a_specific_outcome_keeps_its_own_code)
{
	ck_assert_int_eq(http_outcome(&request, OUT_ALREADY_HELPED), 409);
	ck_assert_str_eq(request.error_code, "already_helped");
	ck_assert_int_eq(http_outcome(&request, OUT_UNPROCESSABLE_FIELD), 422);
	ck_assert_str_eq(request.error_code, "invalid_field");
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("outcome");
	TCase *cases = tcase_create("outcome");
	tcase_add_checked_fixture(cases, setup, teardown);
	tcase_add_test(cases, an_http_status_passes_through_untouched);
	tcase_add_test(cases, door_failures_map_to_their_statuses);
	tcase_add_test(cases, every_outcome_has_a_status_a_code_and_a_sentence);
	tcase_add_test(cases, a_specific_outcome_keeps_its_own_code);
	suite_add_tcase(suite, cases);
	return suite;
}
