/* test_wechat_routes.c: unit tests of the openid tickets of
 * fcgi/shopper/wechat_routes.c. */
#include "unit.h"

#include <string.h>

#include "shopper/wechat_routes.h"

#define SECRET "0123456789abcdef0123456789abcdef"

START_TEST(ticket_round_trip_and_refusals)
{
	char ticket[200], openid[WECHAT_OPENID_MAX + 1];
	wechat_ticket_make(SECRET, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", 2000, ticket, sizeof(ticket));
	ck_assert_int_eq(wechat_ticket_open(SECRET, ticket, 1999, openid), 0);
	ck_assert_str_eq(openid, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
	ck_assert_int_eq(wechat_ticket_open(SECRET, ticket, 2000, openid), -1);   /* expired */
	ck_assert_int_eq(wechat_ticket_open("another secret of thirty-two by", ticket, 1, openid), -1);
	char changed[200];
	strcpy(changed, ticket);
	changed[strlen(changed) - 1] = 'X'; /* another openid */
	ck_assert_int_eq(wechat_ticket_open(SECRET, changed, 1, openid), -1);
	strcpy(changed, ticket);
	char *dot = strchr(changed, '.');
	dot[1] = '9'; /* a later expiry */
	ck_assert_int_eq(wechat_ticket_open(SECRET, changed, 1, openid), -1);
	ck_assert_int_eq(wechat_ticket_open(SECRET, "", 1, openid), -1);
	ck_assert_int_eq(wechat_ticket_open(SECRET, NULL, 1, openid), -1);
	ck_assert_int_eq(wechat_ticket_open(SECRET, "abc.2000.o1", 1, openid), -1);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("wechat_routes");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, ticket_round_trip_and_refusals);
	suite_add_tcase(suite, tc);
	return suite;
}
