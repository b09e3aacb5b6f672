/* test_endpoint.c: unit tests of fcgi/core/endpoint.c and the scale-out
 * config keys (db_hosts, listen_tcp, listen_allow) it checks. */
#include "unit.h"

#include <string.h>

#include "core/config.h" /* not the build's autoconf config.h */
#include "core/endpoint.h"

#define SECRET "jwt_secret = 0123456789abcdef0123456789abcdef\n"

static char why[300];

START_TEST(host_and_port_parsed)
{
	struct endpoint e;
	ck_assert_int_eq(endpoint_parse("127.0.0.2:28211", &e, why, sizeof(why)), 0);
	ck_assert_str_eq(e.host, "127.0.0.2");
	ck_assert_int_eq(e.port, 28211);
	ck_assert_int_eq(endpoint_parse("db-1.example:3306", &e, why, sizeof(why)), 0);
	ck_assert_str_eq(e.host, "db-1.example");
}
END_TEST

START_TEST(bad_endpoints_refused)
{
	struct endpoint e;
	const char *bad[] = { "", "127.0.0.2", ":3306", "host:", "host:0", "host:65536", "host:12x",
			      "ho st:3306", "host;rm:3306", "host:-1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(endpoint_parse(bad[i], &e, why, sizeof(why)) == -1, "accepted \"%s\"", bad[i]);
}
END_TEST

START_TEST(lists_parsed_in_order)
{
	struct endpoint list[ENDPOINTS_MAX];
	ck_assert_int_eq(endpoint_list_parse("", list, why, sizeof(why)), 0);
	ck_assert_int_eq(endpoint_list_parse("a:1, b:2 ,c:3", list, why, sizeof(why)), 3);
	ck_assert_str_eq(list[0].host, "a");
	ck_assert_str_eq(list[1].host, "b");
	ck_assert_int_eq(list[2].port, 3);
	ck_assert_int_eq(endpoint_list_parse("a:1,,b:2", list, why, sizeof(why)), -1);
	ck_assert_int_eq(endpoint_list_parse("a:1,", list, why, sizeof(why)), -1);
	ck_assert_int_eq(endpoint_list_parse("a:1,b:2,c:3,d:4,e:5,f:6,g:7,h:8,i:9", list, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "more than"));
}
END_TEST

START_TEST(ipv4_lists)
{
	ck_assert(endpoint_ipv4_list_valid("127.0.0.5"));
	ck_assert(endpoint_ipv4_list_valid("127.0.0.5,10.0.0.7"));
	ck_assert(!endpoint_ipv4_list_valid(""));
	ck_assert(!endpoint_ipv4_list_valid("127.0.0.5,"));
	ck_assert(!endpoint_ipv4_list_valid("127.0.0.5, 10.0.0.7"));
	ck_assert(!endpoint_ipv4_list_valid("nginx.local"));
	ck_assert(!endpoint_ipv4_list_valid("::1"));
	ck_assert(!endpoint_ipv4_list_valid("127.0.0.256"));
}
END_TEST

static int parse(const char *text, char *error, size_t size)
{
	struct config config;
	int result = config_parse(&config, text, error, size);
	config_free(&config);
	return result;
}

START_TEST(config_keys_checked)
{
	char error[512];
	ck_assert_int_eq(parse(SECRET "db_hosts = 127.0.0.2:28211,127.0.0.3:28212\n", error, sizeof(error)), 0);
	ck_assert_int_eq(parse(SECRET "db_hosts = 127.0.0.2\n", error, sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "db_hosts"));
	ck_assert_int_eq(
		parse(SECRET "listen_tcp = 127.0.0.2:28251\nlisten_allow = 127.0.0.5\n", error, sizeof(error)), 0);
	/* A TCP listener without its allow-list would take anyone's requests. */
	ck_assert_int_eq(parse(SECRET "listen_tcp = 127.0.0.2:28251\n", error, sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "listen_allow"));
	ck_assert_int_eq(parse(SECRET "listen_allow = 127.0.0.5\n", error, sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "listen_allow"));
	/* IPv4 only: libfcgi checks the allow-list for IPv4 peers alone. */
	ck_assert_int_eq(parse(SECRET "listen_tcp = localhost:28251\nlisten_allow = 127.0.0.5\n", error, sizeof(error)),
			 -1);
	ck_assert_ptr_nonnull(strstr(error, "listen_tcp"));
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("endpoint");
	TCase *cases = tcase_create("endpoint");
	tcase_add_test(cases, host_and_port_parsed);
	tcase_add_test(cases, bad_endpoints_refused);
	tcase_add_test(cases, lists_parsed_in_order);
	tcase_add_test(cases, ipv4_lists);
	tcase_add_test(cases, config_keys_checked);
	suite_add_tcase(suite, cases);
	return suite;
}
