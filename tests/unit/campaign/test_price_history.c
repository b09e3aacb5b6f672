/* test_price_history.c: unit tests of fcgi/campaign/price_history.c's pure
 * half: the plan of prices from the list price and timed discount windows,
 * the lowest price of the 7 days before a point, and the "was" price (the
 * refresh and the read need MariaDB: tests/api/test_price_history.py). */
#include "unit.h"

#include "campaign/price_history.h"

#define NOW 1800000000LL /* 2027-01-15T08:00:00Z */
#define DAY 86400LL

START_TEST(bad_input_no_windows_is_the_list_price_alone)
{
	struct price_point plan[PRICE_PLAN_MAX];
	int64_t promotion_id = 7;
	ck_assert_int_eq(price_at(50000, NULL, 0, NOW, &promotion_id), 50000);
	ck_assert_int_eq(promotion_id, 0);
	ck_assert_int_eq(price_plan(50000, NULL, 0, NOW, plan, PRICE_PLAN_MAX), 1);
	ck_assert_int_eq(plan[0].at, NOW);
	ck_assert_int_eq(plan[0].price_fen, 50000);
	ck_assert_int_eq(price_low_before(NULL, 0, NOW), PRICE_HISTORY_NONE);
	ck_assert_int_eq(price_was(50000, PRICE_HISTORY_NONE), 0);
}
END_TEST

START_TEST(a_window_holds_from_its_start_to_before_its_end)
{
	struct price_window w[] = { { .starts_at = NOW, .ends_at = NOW + 10, .price_fen = 30000, .promotion_id = 4 } };
	int64_t id;
	ck_assert_int_eq(price_at(50000, w, 1, NOW - 1, &id), 50000);
	ck_assert_int_eq(price_at(50000, w, 1, NOW, &id), 30000);
	ck_assert_int_eq(id, 4);
	ck_assert_int_eq(price_at(50000, w, 1, NOW + 9, &id), 30000);
	ck_assert_int_eq(price_at(50000, w, 1, NOW + 10, &id), 50000);
	/* a "discount" above the list price changes nothing */
	struct price_window up[] = { { .starts_at = NOW, .ends_at = NOW + 10, .price_fen = 60000, .promotion_id = 5 } };
	ck_assert_int_eq(price_at(50000, up, 1, NOW, &id), 50000);
	ck_assert_int_eq(id, 0);
}
END_TEST

START_TEST(the_plan_has_a_point_where_the_price_changes_only)
{
	/* two overlapping windows and one in the past: 500 now, 300 from +1h,
	 * 250 from +2h (the lower wins), 300 again at +3h, 500 at +4h; an edge
	 * where nothing changes (+5h, +6h: a window above the price) adds no point */
	struct price_window w[] = {
		{ .starts_at = NOW + 3600, .ends_at = NOW + 4 * 3600, .price_fen = 30000, .promotion_id = 1 },
		{ .starts_at = NOW + 2 * 3600, .ends_at = NOW + 3 * 3600, .price_fen = 25000, .promotion_id = 2 },
		{ .starts_at = NOW - 2 * DAY, .ends_at = NOW - DAY, .price_fen = 10000, .promotion_id = 3 },
		{ .starts_at = NOW + 5 * 3600, .ends_at = NOW + 6 * 3600, .price_fen = 70000, .promotion_id = 9 },
	};
	struct price_point plan[PRICE_PLAN_MAX];
	int n = price_plan(50000, w, 4, NOW, plan, PRICE_PLAN_MAX);
	ck_assert_int_eq(n, 5);
	int64_t at[] = { NOW, NOW + 3600, NOW + 2 * 3600, NOW + 3 * 3600, NOW + 4 * 3600 };
	int64_t price[] = { 50000, 30000, 25000, 30000, 50000 };
	int64_t by[] = { 0, 1, 2, 1, 0 };
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(plan[i].at, at[i]);
		ck_assert_int_eq(plan[i].price_fen, price[i]);
		ck_assert_int_eq(plan[i].promotion_id, by[i]);
		ck_assert_int_eq(plan[i].low_7d_fen, PRICE_HISTORY_NONE);
	}
	/* a window already open: the plan starts at its price */
	n = price_plan(50000, w, 2, NOW + 3600 + 1, plan, PRICE_PLAN_MAX);
	ck_assert_int_eq(plan[0].price_fen, 30000);
	ck_assert_int_eq(n, 4);
	/* never more points than room */
	ck_assert_int_eq(price_plan(50000, w, 2, NOW, plan, 2), 2);
}
END_TEST

START_TEST(the_lowest_of_the_week_before_a_point)
{
	struct price_point h[] = {
		{ .at = NOW - 30 * DAY, .price_fen = 20000 }, /* before the week, replaced before it began */
		{ .at = NOW - 10 * DAY, .price_fen = 50000 }, /* in force when the week began */
		{ .at = NOW - 3 * DAY, .price_fen = 28000 },
		{ .at = NOW - 2 * DAY, .price_fen = 50000 },
		{ .at = NOW + DAY, .price_fen = 1 },          /* after the point: ignored */
	};
	ck_assert_int_eq(price_low_before(h, 5, NOW), 28000);
	/* a week later the 280 has left the window; the 200 never counted */
	ck_assert_int_eq(price_low_before(h, 4, NOW + 5 * DAY), 50000);
	/* nothing before the first point */
	ck_assert_int_eq(price_low_before(h, 5, NOW - 31 * DAY), PRICE_HISTORY_NONE);
	/* the last price before counts even from the same second, and so does
	 * a price that stood for no time at all */
	struct price_point same[] = { { .at = NOW, .price_fen = 50000 }, { .at = NOW, .price_fen = 40000 },
				      { .at = NOW, .price_fen = 50000 } };
	ck_assert_int_eq(price_low_before(same, 1, NOW), 50000);
	ck_assert_int_eq(price_low_before(same, 3, NOW), 40000);
}
END_TEST

START_TEST(the_was_price_only_above_the_price)
{
	ck_assert_int_eq(price_was(25000, 28000), 28000);
	ck_assert_int_eq(price_was(30000, 28000), 0);
	ck_assert_int_eq(price_was(28000, 28000), 0);
	ck_assert_int_eq(price_was(0, PRICE_HISTORY_NONE), 0);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("price_history");
	TCase *tc = tcase_create("price_history");
	tcase_add_test(tc, bad_input_no_windows_is_the_list_price_alone);
	tcase_add_test(tc, a_window_holds_from_its_start_to_before_its_end);
	tcase_add_test(tc, the_plan_has_a_point_where_the_price_changes_only);
	tcase_add_test(tc, the_lowest_of_the_week_before_a_point);
	tcase_add_test(tc, the_was_price_only_above_the_price);
	suite_add_tcase(suite, tc);
	return suite;
}
