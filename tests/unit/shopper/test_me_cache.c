/* test_me_cache.c: unit tests of fcgi/shopper/me_cache.c without MariaDB
 * or a pool: when a kept /me is served and when it is not (past its time,
 * after the shopper's change marked before or after the read, after a
 * change of everything, never after another shopper's or a bargain's), and
 * that what it gives back is a copy. */
#include "unit.h"

#include <string.h>

#include "shopper/me_cache.h"

#define ALICE 41
#define BOB 42
#define KEEP_MS 1000
#define T0 1000000000LL /* microseconds */

static struct shopper_profile profile_of(int64_t coupons)
{
	static char phone[16], level[16];
	strcpy(phone, "13800001111");
	strcpy(level, "金卡");
	return (struct shopper_profile){ .found = true, .phone = phone, .created_at = 1700000000, .points_balance = 30,
					 .coupon_count = coupons, .member_level = 2, .member_level_name = level };
}

static void keep(int64_t user_id, int64_t coupons, int64_t now_us)
{
	struct mark_stamp stamp = marks_stamp(MARK_SHOPPER, user_id, now_us);
	struct shopper_profile profile = profile_of(coupons);
	me_cache_keep(&stamp, &profile);
}

START_TEST(a_kept_profile_is_a_copy_served_until_its_time_is_up)
{
	ck_assert_ptr_null(me_cache_find(ALICE, T0, KEEP_MS)); /* never read */
	keep(ALICE, 3, T0);
	struct shopper_profile caller = profile_of(3);
	strcpy((char *)caller.phone, "xxxxxxxxxxx"); /* the caller's arena is reset */
	strcpy((char *)caller.member_level_name, "yy");
	const struct shopper_profile *kept = me_cache_find(ALICE, T0 + 999999, KEEP_MS);
	ck_assert_ptr_nonnull(kept);
	ck_assert_str_eq(kept->phone, "13800001111");
	ck_assert_str_eq(kept->member_level_name, "金卡");
	ck_assert_int_eq(kept->coupon_count, 3);
	ck_assert_int_eq(kept->points_balance, 30);
	ck_assert_ptr_null(me_cache_find(ALICE, T0 + 1000000, KEEP_MS)); /* its time is up */
	ck_assert_ptr_null(me_cache_find(ALICE, T0 - 1, KEEP_MS));        /* a clock stepped back */
	ck_assert_ptr_null(me_cache_find(ALICE, T0, 0));                  /* 0: never served */
	ck_assert_ptr_null(me_cache_find(BOB, T0, KEEP_MS));
	ck_assert_ptr_null(me_cache_find(ALICE + ME_CACHE_ENTRIES, T0, KEEP_MS)); /* the same entry, another id */
}
END_TEST

START_TEST(a_profile_without_a_level_or_not_found_is_kept_as_read)
{
	struct mark_stamp stamp = marks_stamp(MARK_SHOPPER, ALICE, T0);
	struct shopper_profile none = profile_of(0);
	none.member_level = 0;
	none.member_level_name = NULL;
	me_cache_keep(&stamp, &none);
	const struct shopper_profile *kept = me_cache_find(ALICE, T0, KEEP_MS);
	ck_assert_ptr_nonnull(kept);
	ck_assert_ptr_null(kept->member_level_name);
	stamp = marks_stamp(MARK_SHOPPER, BOB, T0);
	struct shopper_profile gone = { .found = false };
	me_cache_keep(&stamp, &gone); /* a 401: read again every time */
	ck_assert_ptr_null(me_cache_find(BOB, T0, KEEP_MS));
}
END_TEST

START_TEST(the_shoppers_change_marked_before_or_after_the_read_is_never_served_over)
{
	/* marked between the stamp and the keep: the read may predate it */
	struct mark_stamp stamp = marks_stamp(MARK_SHOPPER, ALICE, T0);
	marks_changed(MARK_SHOPPER, ALICE);
	struct shopper_profile profile = profile_of(1);
	me_cache_keep(&stamp, &profile);
	ck_assert_ptr_null(me_cache_find(ALICE, T0, KEEP_MS));
	marks_settle();
	/* kept, then another shopper's change and a bargain's: still served */
	keep(ALICE, 2, T0);
	marks_changed(MARK_SHOPPER, BOB);
	marks_changed(MARK_BARGAIN, ALICE);
	marks_settle();
	ck_assert_ptr_nonnull(me_cache_find(ALICE, T0, KEEP_MS));
	/* the shopper's own: retired */
	marks_changed(MARK_SHOPPER, ALICE);
	ck_assert_ptr_null(me_cache_find(ALICE, T0, KEEP_MS));
	/* kept again while the writer's request runs: its settle, after its
	 * commit, retires it */
	keep(ALICE, 3, T0);
	ck_assert_ptr_nonnull(me_cache_find(ALICE, T0, KEEP_MS));
	marks_settle();
	ck_assert_ptr_null(me_cache_find(ALICE, T0, KEEP_MS));
}
END_TEST

START_TEST(a_change_of_everything_retires_every_profile)
{
	keep(ALICE, 1, T0);
	keep(BOB, 1, T0);
	marks_changed(MARK_SHOPPER, 0);
	ck_assert_ptr_null(me_cache_find(ALICE, T0, KEEP_MS));
	ck_assert_ptr_null(me_cache_find(BOB, T0, KEEP_MS));
	marks_settle();
	/* every bargain at once (a sweep of many) is not every shopper... */
	keep(ALICE, 1, T0);
	marks_changed(MARK_BARGAIN, 0);
	marks_settle();
	ck_assert_ptr_nonnull(me_cache_find(ALICE, T0, KEEP_MS));
	/* ...an admin's write is everything, of every kind */
	marks_changed_all();
	ck_assert_ptr_null(me_cache_find(ALICE, T0, KEEP_MS));
	marks_settle();
	/* more shoppers than a request lists: everything at its settle */
	keep(ALICE, 1, T0);
	for (int64_t id = 1000; id < 1000 + MARK_PENDING_MAX + 1; id++)
		marks_changed(MARK_SHOPPER, id);
	ck_assert_ptr_nonnull(me_cache_find(ALICE, T0, KEEP_MS));
	marks_settle();
	ck_assert_ptr_null(me_cache_find(ALICE, T0, KEEP_MS));
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("me_cache");
	TCase *serving = tcase_create("serving");
	tcase_add_test(serving, a_kept_profile_is_a_copy_served_until_its_time_is_up);
	tcase_add_test(serving, a_profile_without_a_level_or_not_found_is_kept_as_read);
	tcase_add_test(serving, the_shoppers_change_marked_before_or_after_the_read_is_never_served_over);
	tcase_add_test(serving, a_change_of_everything_retires_every_profile);
	suite_add_tcase(suite, serving);
	return suite;
}
