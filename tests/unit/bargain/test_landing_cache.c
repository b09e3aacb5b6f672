/* test_landing_cache.c: unit tests of fcgi/bargain/landing_cache.c without
 * MariaDB or a pool: when a kept landing is served and when it is not (its
 * first read, past its time, after a change marked before or after the
 * read, after a change of everything), and that what it gives back is a
 * copy. The shared marks are mapped as the pool's master does, and a
 * forked child's change is seen by the parent, as workers see each other's. */
#include "unit.h"

#include <string.h>
#include <sys/wait.h>

#include "bargain/landing_cache.h"

#define CODE "AbCdEfGhIjKlMnOp"
#define OTHER_CODE "QrStUvWxYz012345"
#define TTL_MS 1000
#define T0 1000000000LL /* microseconds */

static struct landing_facts facts_of(int64_t bargain_id, const char *code, int64_t helpers)
{
	static struct bargain_cut_entry helps[2];
	static char phone_a[16], phone_b[16], name[32], signature[8];
	strcpy(phone_a, "13800001111");
	strcpy(phone_b, "13900002222");
	strcpy(name, "智能手表");
	strcpy(signature, "HF");
	helps[0] = (struct bargain_cut_entry){ .phone = phone_a, .cut_fen = 120, .at = 5 };
	helps[1] = (struct bargain_cut_entry){ .phone = phone_b, .cut_fen = 80, .at = 4 };
	struct landing_facts facts = {
		.bargain = { .id = bargain_id, .status = "active", .share_code = code, .helpers = helpers,
			     .current_price_fen = 49800, .rewards_json = NULL },
		.landing = { .item_name = name, .images_json = "[]", .initiator_phone = "13700003333",
			     .signature = signature },
		.helps = helps,
		.help_count = 2,
	};
	return facts;
}

/* The first read learns the id, the second keeps the facts. */
static void keep_twice(const char *code, int64_t bargain_id, int64_t now_us)
{
	struct landing_facts facts = facts_of(bargain_id, code, 2);
	struct mark_stamp stamp = landing_cache_stamp(code, now_us);
	landing_cache_keep(code, &stamp, &facts);
	stamp = landing_cache_stamp(code, now_us);
	landing_cache_keep(code, &stamp, &facts);
}

START_TEST(a_first_read_only_learns_the_bargain)
{
	struct landing_facts facts = facts_of(7, CODE, 2);
	struct mark_stamp stamp = landing_cache_stamp(CODE, T0);
	ck_assert_int_eq(stamp.id, 0);
	landing_cache_keep(CODE, &stamp, &facts);
	ck_assert_ptr_null(landing_cache_find(CODE, T0, TTL_MS));
	stamp = landing_cache_stamp(CODE, T0);
	ck_assert_int_eq(stamp.id, 7);
	landing_cache_keep(CODE, &stamp, &facts);
	ck_assert_ptr_nonnull(landing_cache_find(CODE, T0, TTL_MS));
	ck_assert_ptr_null(landing_cache_find(OTHER_CODE, T0, TTL_MS));
	ck_assert_ptr_null(landing_cache_find(CODE, T0, 0)); /* 0: never served */
	ck_assert_ptr_null(landing_cache_find("short", T0, TTL_MS));
}
END_TEST

START_TEST(a_kept_landing_is_a_copy_served_until_its_time_is_up)
{
	struct landing_facts facts = facts_of(8, CODE, 2);
	struct mark_stamp stamp = landing_cache_stamp(CODE, T0);
	landing_cache_keep(CODE, &stamp, &facts);
	stamp = landing_cache_stamp(CODE, T0);
	landing_cache_keep(CODE, &stamp, &facts);
	/* the caller's strings change (its arena is reset): the kept ones do not */
	strcpy((char *)facts.helps[0].phone, "xxxxxxxxxxx");
	strcpy((char *)facts.landing.item_name, "yyyy");
	strcpy((char *)facts.landing.signature, "Z");
	const struct landing_facts *kept = landing_cache_find(CODE, T0 + 999999, TTL_MS);
	ck_assert_ptr_nonnull(kept);
	ck_assert_int_eq(kept->bargain.id, 8);
	ck_assert_int_eq(kept->bargain.helpers, 2);
	ck_assert_int_eq(kept->bargain.current_price_fen, 49800);
	ck_assert_str_eq(kept->bargain.status, "active");
	ck_assert_str_eq(kept->bargain.share_code, CODE);
	ck_assert_ptr_null(kept->bargain.rewards_json);
	ck_assert_str_eq(kept->landing.item_name, "智能手表");
	ck_assert_str_eq(kept->landing.images_json, "[]");
	ck_assert_str_eq(kept->landing.initiator_phone, "13700003333");
	ck_assert_str_eq(kept->landing.signature, "HF");
	ck_assert_int_eq(kept->help_count, 2);
	ck_assert_str_eq(kept->helps[0].phone, "13800001111");
	ck_assert_str_eq(kept->helps[1].phone, "13900002222");
	ck_assert_int_eq(kept->helps[1].cut_fen, 80);
	ck_assert_ptr_null(landing_cache_find(CODE, T0 + TTL_MS * 1000, TTL_MS)); /* its time is up */
	ck_assert_ptr_null(landing_cache_find(CODE, T0 - 1, TTL_MS));              /* a clock that went back */
}
END_TEST

START_TEST(a_change_marked_before_or_after_the_read_is_never_served_over)
{
	keep_twice(CODE, 9, T0);
	ck_assert_ptr_nonnull(landing_cache_find(CODE, T0, TTL_MS));
	marks_changed(MARK_BARGAIN, 10); /* another bargain */
	ck_assert_ptr_nonnull(landing_cache_find(CODE, T0, TTL_MS));
	marks_changed(MARK_BARGAIN, 9); /* at its write */
	ck_assert_ptr_null(landing_cache_find(CODE, T0, TTL_MS));

	/* a read that began before the commit keeps its facts under the mark
	 * it noted before reading... */
	struct mark_stamp stamp = landing_cache_stamp(CODE, T0);
	struct landing_facts read = facts_of(9, CODE, 2);
	landing_cache_keep(CODE, &stamp, &read);
	ck_assert_ptr_nonnull(landing_cache_find(CODE, T0, TTL_MS));
	/* ...so the mark of the writer's settle, after its commit, retires it */
	marks_settle();
	ck_assert_ptr_null(landing_cache_find(CODE, T0, TTL_MS));
	/* settled: nothing is marked again */
	keep_twice(CODE, 9, T0);
	marks_settle();
	ck_assert_ptr_nonnull(landing_cache_find(CODE, T0, TTL_MS));
}
END_TEST

START_TEST(a_change_of_everything_retires_every_landing)
{
	keep_twice(CODE, 11, T0);
	keep_twice(OTHER_CODE, 12, T0);
	marks_changed(MARK_BARGAIN, 0);
	ck_assert_ptr_null(landing_cache_find(CODE, T0, TTL_MS));
	ck_assert_ptr_null(landing_cache_find(OTHER_CODE, T0, TTL_MS));
	marks_settle();
	/* every shopper at once (an order sweep) is not every bargain; an
	 * admin's write is everything, of every kind */
	keep_twice(CODE, 11, T0);
	marks_changed(MARK_SHOPPER, 0);
	marks_settle();
	ck_assert_ptr_nonnull(landing_cache_find(CODE, T0, TTL_MS));
	marks_changed_all();
	ck_assert_ptr_null(landing_cache_find(CODE, T0, TTL_MS));
	marks_settle();
	/* more bargains changed by one request than it remembers: everything */
	keep_twice(CODE, 11, T0);
	for (int64_t id = 1000; id < 1000 + MARK_PENDING_MAX + 1; id++)
		marks_changed(MARK_BARGAIN, id);
	ck_assert_ptr_nonnull(landing_cache_find(CODE, T0, TTL_MS));
	marks_settle();
	ck_assert_ptr_null(landing_cache_find(CODE, T0, TTL_MS));
}
END_TEST

START_TEST(a_code_that_names_another_bargain_is_learnt_again)
{
	keep_twice(CODE, 13, T0);
	struct landing_facts other = facts_of(14, CODE, 0);
	struct mark_stamp stamp = landing_cache_stamp(CODE, T0);
	ck_assert_int_eq(stamp.id, 13);
	landing_cache_keep(CODE, &stamp, &other); /* not under 14's mark: only learnt */
	ck_assert_ptr_null(landing_cache_find(CODE, T0, TTL_MS));
	stamp = landing_cache_stamp(CODE, T0);
	ck_assert_int_eq(stamp.id, 14);
}
END_TEST

START_TEST(another_process_of_the_pool_marks_a_change)
{
	ck_assert_int_eq(marks_share(), 0);
	keep_twice(CODE, 15, T0);
	ck_assert_ptr_nonnull(landing_cache_find(CODE, T0, TTL_MS));
	pid_t child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		marks_changed(MARK_BARGAIN, 15);
		marks_settle();
		_exit(0);
	}
	int status = 0;
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_ptr_null(landing_cache_find(CODE, T0, TTL_MS));
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("landing_cache");
	TCase *serving = tcase_create("serving");
	tcase_add_test(serving, a_first_read_only_learns_the_bargain);
	tcase_add_test(serving, a_kept_landing_is_a_copy_served_until_its_time_is_up);
	tcase_add_test(serving, a_change_marked_before_or_after_the_read_is_never_served_over);
	tcase_add_test(serving, a_change_of_everything_retires_every_landing);
	tcase_add_test(serving, a_code_that_names_another_bargain_is_learnt_again);
	tcase_add_test(serving, another_process_of_the_pool_marks_a_change);
	suite_add_tcase(suite, serving);
	return suite;
}
