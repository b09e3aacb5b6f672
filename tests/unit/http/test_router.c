/* test_router.c: unit tests of fcgi/http/router.c, over a table of its own. */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "http/router.h"

static int handler_health(struct request *request) { return 200; }
static int handler_campaign(struct request *request) { return 200; }
static int handler_help(struct request *request) { return 200; }
static int handler_share(struct request *request) { return 200; }
static int handler_deep(struct request *request) { return 200; }

/* Two tables, as two features export them: a path's methods may be split
 * between tables (GET in one, DELETE in the other) and still answer 405 with
 * both in Allow. */
static const struct route first_routes[] = {
	{ .method = "GET", .pattern = "/", .handler = handler_health },
	{ .method = "GET", .pattern = "/api/health", .handler = handler_health },
	{ .method = "GET", .pattern = "/api/campaigns/{id}", .handler = handler_campaign },
};
static const struct route second_routes[] = {
	{ .method = "DELETE", .pattern = "/api/campaigns/{id}", .handler = handler_campaign, .auth = AUTH_ADMIN },
	{ .method = "POST", .pattern = "/api/campaigns/{id}/help/{code}", .handler = handler_help,
	  .auth = AUTH_SHOPPER },
	{ .method = "GET", .pattern = "/api/share/{code}", .handler = handler_share },
	{ .method = "GET", .pattern = "/api/a/{id}/b/{id}/c/{code}/d/{id}", .handler = handler_deep },
	{ .method = "GET", .pattern = "/api/a/{id}/b/{id}/c/{id}/d/{id}/e/{id}", .handler = handler_deep },
};
static const struct route_table first_table = { first_routes, sizeof(first_routes) / sizeof(first_routes[0]) };
static const struct route_table second_table = { second_routes, sizeof(second_routes) / sizeof(second_routes[0]) };
static const struct route_table *const table[] = { &first_table, &second_table };
#define TABLE_SIZE (sizeof(table) / sizeof(table[0]))

/* The n-th route counting across both tables. */
static const struct route *route_at(size_t n)
{
	return n < first_table.count ? &first_routes[n] : &second_routes[n - first_table.count];
}

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

static const struct route *match(const char *method, const char *path)
{
	request.method = method;
	request.path = path;
	request.status = 0;
	request.error_code = NULL;
	request.headers = NULL;
	request.route = NULL;
	request.path_param_count = 0;
	return router_match(&request, table, TABLE_SIZE);
}

static void assert_not_found(const char *method, const char *path)
{
	ck_assert_msg(match(method, path) == NULL, "%s %s matched", method, path);
	ck_assert_int_eq(request.status, 404);
	ck_assert_str_eq(request.error_code, "not_found");
	ck_assert_ptr_null(request.headers);
}

static const char *header(const char *name)
{
	for (const struct http_header *h = request.headers; h != NULL; h = h->next)
		if (strcmp(h->name, name) == 0)
			return h->value;
	return NULL;
}

/* ---- refused ---- */

START_TEST(id_refuses_non_ids)
{
	assert_not_found("GET", "/api/campaigns/0");
	assert_not_found("GET", "/api/campaigns/01");
	assert_not_found("GET", "/api/campaigns/-1");
	assert_not_found("GET", "/api/campaigns/+1");
	assert_not_found("GET", "/api/campaigns/abc");
	assert_not_found("GET", "/api/campaigns/12a");
	assert_not_found("GET", "/api/campaigns/1.5");
	assert_not_found("GET", "/api/campaigns/1234567890123456789"); /* 19 digits */
	assert_not_found("GET", "/api/campaigns/");
	assert_not_found("GET", "/api/campaigns");
	assert_not_found("GET", "/api/campaigns/%31");
}
END_TEST

START_TEST(code_refuses_bad_tokens)
{
	assert_not_found("GET", "/api/share/a.b");
	assert_not_found("GET", "/api/share/");
	assert_not_found("GET", "/api/share/a b");
	assert_not_found("GET", "/api/share/a%2Fb");
	assert_not_found("GET", "/api/share/砍价");
	/* 65 characters */
	assert_not_found("GET", "/api/share/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
}
END_TEST

START_TEST(unknown_paths_not_found)
{
	assert_not_found("GET", "/api/health/");   /* trailing slash */
	assert_not_found("GET", "/api/health//");
	assert_not_found("GET", "//api/health");
	assert_not_found("GET", "/api//health");
	assert_not_found("GET", "/api/healthz");
	assert_not_found("GET", "/api/healt");
	assert_not_found("GET", "/API/health");
	assert_not_found("GET", "api/health");
	assert_not_found("GET", "");
	assert_not_found("GET", "/api");
	assert_not_found("GET", "/api/campaigns/12/");
	assert_not_found("POST", "/api/campaigns/12/help");
	assert_not_found("POST", "/api/campaigns/12/help/abc/more");
	/* A trailing slash does not match even for a method that exists. */
	assert_not_found("DELETE", "/api/campaigns/12/");
}
END_TEST

START_TEST(wrong_method_is_405_with_allow)
{
	ck_assert_ptr_null(match("PATCH", "/api/campaigns/12"));
	ck_assert_int_eq(request.status, 405);
	ck_assert_str_eq(request.error_code, "method_not_allowed");
	ck_assert_ptr_nonnull(header("Allow"));
	ck_assert_str_eq(header("Allow"), "GET, DELETE");
	ck_assert_ptr_null(request.route);

	ck_assert_ptr_null(match("POST", "/api/health"));
	ck_assert_int_eq(request.status, 405);
	ck_assert_str_eq(header("Allow"), "GET");

	ck_assert_ptr_null(match("GET", "/api/campaigns/12/help/abc"));
	ck_assert_int_eq(request.status, 405);
	ck_assert_str_eq(header("Allow"), "POST");

	/* Methods are case-sensitive. */
	ck_assert_ptr_null(match("get", "/api/health"));
	ck_assert_int_eq(request.status, 405);
}
END_TEST

START_TEST(more_params_than_room_refused)
{
	/* Five parameters: more than ROUTE_PARAMS_MAX, so the route never matches. */
	assert_not_found("GET", "/api/a/1/b/2/c/3/d/4/e/5");
}
END_TEST

/* ---- matched ---- */

START_TEST(exact_match)
{
	const struct route *route = match("GET", "/api/health");
	ck_assert_ptr_eq(route, route_at(1));
	ck_assert_ptr_eq(request.route, route);
	ck_assert_int_eq(request.path_param_count, 0);
	ck_assert_int_eq(request.status, 0);
	ck_assert_ptr_null(request.error_code);
	ck_assert_ptr_eq(match("GET", "/"), route_at(0));
}
END_TEST

START_TEST(id_accepts_positive_ids)
{
	ck_assert_ptr_eq(match("GET", "/api/campaigns/1"), route_at(2));
	ck_assert_int_eq(request.path_param_count, 1);
	ck_assert_str_eq(request.path_params[0], "1");
	ck_assert_int_eq(http_path_id(&request, 0), 1);

	ck_assert_ptr_eq(match("GET", "/api/campaigns/123456789012345678"), route_at(2));
	ck_assert_str_eq(request.path_params[0], "123456789012345678");
	ck_assert_int_eq(http_path_id(&request, 0), 123456789012345678);
	ck_assert_int_eq(http_path_id(&request, 1), 0); /* no second parameter */

	ck_assert_ptr_eq(match("GET", "/api/campaigns/999999999999999999"), route_at(2));
	ck_assert_ptr_eq(match("GET", "/api/campaigns/10"), route_at(2));
	/* The method picks between routes of one pattern. */
	ck_assert_ptr_eq(match("DELETE", "/api/campaigns/10"), route_at(3));
	ck_assert_int_eq(request.route->auth, AUTH_ADMIN);
}
END_TEST

START_TEST(code_accepts_tokens)
{
	ck_assert_ptr_eq(match("GET", "/api/share/Xk3v9QpL2mTz8RwA"), route_at(5));
	ck_assert_str_eq(request.path_params[0], "Xk3v9QpL2mTz8RwA");
	ck_assert_ptr_eq(match("GET", "/api/share/a-b_c"), route_at(5));
	ck_assert_str_eq(request.path_params[0], "a-b_c");
	ck_assert_ptr_eq(match("GET", "/api/share/x"), route_at(5));
	/* 64 characters, the limit */
	const char *longest = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	char path[128];
	snprintf(path, sizeof(path), "/api/share/%s", longest);
	ck_assert_ptr_eq(match("GET", path), route_at(5));
	ck_assert_str_eq(request.path_params[0], longest);
}
END_TEST

START_TEST(params_captured_in_order)
{
	ck_assert_ptr_eq(match("POST", "/api/campaigns/42/help/Xk3v9QpL"), route_at(4));
	ck_assert_int_eq(request.path_param_count, 2);
	ck_assert_str_eq(request.path_params[0], "42");
	ck_assert_str_eq(request.path_params[1], "Xk3v9QpL");
	ck_assert_int_eq(http_path_id(&request, 0), 42);

	ck_assert_ptr_eq(match("GET", "/api/a/1/b/22/c/x-y/d/4444"), route_at(6));
	ck_assert_int_eq(request.path_param_count, ROUTE_PARAMS_MAX);
	ck_assert_str_eq(request.path_params[0], "1");
	ck_assert_str_eq(request.path_params[1], "22");
	ck_assert_str_eq(request.path_params[2], "x-y");
	ck_assert_str_eq(request.path_params[3], "4444");
}
END_TEST

START_TEST(params_are_copies_in_the_arena)
{
	char path[] = "/api/campaigns/77";
	ck_assert_ptr_eq(match("GET", path), route_at(2));
	path[15] = '8';
	ck_assert_str_eq(request.path_params[0], "77");
}
END_TEST

START_TEST(empty_table_is_404)
{
	request.method = "GET";
	request.path = "/";
	ck_assert_ptr_null(router_match(&request, table, 0));
	ck_assert_int_eq(request.status, 404);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("router");
	TCase *bad = tcase_create("bad_input");
	tcase_add_checked_fixture(bad, setup, teardown);
	tcase_add_test(bad, id_refuses_non_ids);
	tcase_add_test(bad, code_refuses_bad_tokens);
	tcase_add_test(bad, unknown_paths_not_found);
	tcase_add_test(bad, wrong_method_is_405_with_allow);
	tcase_add_test(bad, more_params_than_room_refused);
	tcase_add_test(bad, empty_table_is_404);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("match");
	tcase_add_checked_fixture(good, setup, teardown);
	tcase_add_test(good, exact_match);
	tcase_add_test(good, id_accepts_positive_ids);
	tcase_add_test(good, code_accepts_tokens);
	tcase_add_test(good, params_captured_in_order);
	tcase_add_test(good, params_are_copies_in_the_arena);
	suite_add_tcase(suite, good);
	return suite;
}
