/* test_share_count.c: unit tests of fcgi/bargain/share_count.c without
 * MariaDB: the per-source bound, the visitor key, and when a worker's
 * pending opens are due (the flush itself is a store test's and the API
 * suite's). Bounds and refusals first. */
#include "unit.h"

#include <string.h>

#include "bargain/share_count.h"
#include "core/clock.h"

START_TEST(a_visitor_counts_at_most_the_bound_per_day)
{
	ck_assert_int_eq(share_opens_after(0, 1000), SHARE_OPENS_PER_VISITOR);
	ck_assert_int_eq(share_opens_after(SHARE_OPENS_PER_VISITOR, 1), SHARE_OPENS_PER_VISITOR);
	ck_assert_int_eq(share_opens_after(SHARE_OPENS_PER_VISITOR - 1, 5), SHARE_OPENS_PER_VISITOR);
	ck_assert_int_eq(share_opens_after(SHARE_OPENS_PER_VISITOR + 3, 2), SHARE_OPENS_PER_VISITOR + 3);
	ck_assert_int_eq(share_opens_after(0, 0), 0);
	ck_assert_int_eq(share_opens_after(0, 1), 1);
	ck_assert_int_eq(share_opens_after(2, 3), 5);
}
END_TEST

START_TEST(the_visitor_is_the_device_else_the_address_and_is_cut)
{
	char key[SHARE_VISITOR_MAX];
	share_visitor_key(NULL, "10.0.0.1", key);
	ck_assert_str_eq(key, "a:10.0.0.1");
	share_visitor_key("", "10.0.0.1", key);
	ck_assert_str_eq(key, "a:10.0.0.1");
	share_visitor_key("dev-1", "10.0.0.1", key);
	ck_assert_str_eq(key, "d:dev-1");
	share_visitor_key(NULL, NULL, key);
	ck_assert_str_eq(key, "a:");
	char long_device[400];
	memset(long_device, 'x', sizeof(long_device) - 1);
	long_device[sizeof(long_device) - 1] = '\0';
	share_visitor_key(long_device, "10.0.0.1", key);
	ck_assert_uint_eq(strlen(key), SHARE_VISITOR_MAX - 1);
}
END_TEST

START_TEST(opens_are_due_after_the_window_or_a_full_batch_and_the_list_is_bounded)
{
	ck_assert_int_eq(share_count_pending(), 0);
	ck_assert_int_eq(share_count_wait_ms(clock_micros()), -1); /* nothing waits */
	ck_assert(!share_count_due(clock_micros()));
	struct share_open_note open = { .bargain_id = 1, .campaign_id = 2, .item_id = 3, .day_start = 0, .at = 1,
					.client_ip = "10.0.0.1", .device_id = NULL };
	ck_assert(share_count_note(&open, NULL, NULL));
	int64_t now = clock_micros();
	ck_assert(!share_count_due(now));
	int64_t wait = share_count_wait_ms(now);
	ck_assert(wait > 0 && wait <= SHARE_FLUSH_MS);
	ck_assert(share_count_due(now + SHARE_FLUSH_MS * 1000 + 1000));
	for (int i = 1; i < SHARE_FLUSH_OPENS; i++)
		ck_assert(share_count_note(&open, NULL, NULL));
	ck_assert(share_count_due(clock_micros())); /* a full batch is due at once */
	while (share_count_pending() < SHARE_PENDING_MAX)
		ck_assert(share_count_note(&open, NULL, NULL));
	ck_assert(!share_count_note(&open, NULL, NULL)); /* the database away: bounded, dropped */
	ck_assert_int_eq(share_count_pending(), SHARE_PENDING_MAX);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("share_count");
	TCase *bounds = tcase_create("bounds");
	tcase_add_test(bounds, a_visitor_counts_at_most_the_bound_per_day);
	tcase_add_test(bounds, the_visitor_is_the_device_else_the_address_and_is_cut);
	tcase_add_test(bounds, opens_are_due_after_the_window_or_a_full_batch_and_the_list_is_bounded);
	suite_add_tcase(suite, bounds);
	return suite;
}

