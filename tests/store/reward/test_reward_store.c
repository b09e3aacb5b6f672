/* test_reward_store.c: fcgi/reward/reward_store.c and reward_issue()
 * against MariaDB: a grant issues once, a prize is fulfilled once, the
 * wallet pages newest first. */
#include "store.h"

#include <string.h>

#include "core/outcome.h"
#include "reward/reward.h"
#include "reward/reward_store.h"
#include "checkout/fixtures.h"

static int64_t new_shopper(void)
{
	char phone[12];
	snprintf(phone, sizeof(phone), "198%08u", (unsigned)rand() % 100000000u);
	struct db_rows rows;
	store_sql(&rows, "INSERT INTO shopper (phone, created_at) VALUES (?, NOW())", "s", phone);
	return (int64_t)rows.insert_id;
}

static int64_t new_campaign(void)
{
	struct db_rows rows;
	store_sql(&rows, "INSERT INTO campaign (title, starts_at, ends_at, created_at, updated_at) VALUES "
			 "('store test', NOW(), NOW() + INTERVAL 1 DAY, NOW(), NOW())", "");
	return (int64_t)rows.insert_id;
}

static int64_t count_of(const char *sql, int64_t id)
{
	struct db_rows rows;
	store_sql(&rows, sql, "i", id);
	return db_int(&rows, 0, 0);
}

/* A bargain id far above any real one: reward_grant has no foreign key. */
static int64_t test_bargain(void)
{
	return ((int64_t)1 << 50) + (int64_t)(clock_micros() % 1000000);
}

START_TEST(a_second_issue_of_the_same_grant_is_a_duplicate)
{
	int64_t user = new_shopper(), campaign = new_campaign();
	struct reward_grant grant = { .user_id = user, .campaign_id = campaign, .bargain_id = test_bargain(),
				      .milestone = "help:1" };
	struct reward reward = { .kind = REWARD_PRIZE, .title = "store test prize" };
	ck_assert_int_eq(reward_issue(&store_unit, &grant, &reward, NULL), DB_OK);
	ck_assert_int_eq(reward_issue(&store_unit, &grant, &reward, NULL), DB_DUPLICATE);
}
END_TEST

START_TEST(fulfilling_a_missing_prize_is_refused)
{
	ck_assert_int_eq(prize_fulfil(&store_unit, INT64_MAX, 1, NULL), OUT_INVALID_STATE);
	struct prize prize;
	ck_assert_int_eq(prize_get(&store_unit, INT64_MAX, &prize), OUT_NOT_FOUND);
}
END_TEST

START_TEST(a_prize_is_fulfilled_once)
{
	int64_t user = new_shopper(), campaign = new_campaign(), prize_id = 0;
	ck_assert_int_eq(prize_issue(&store_unit, user, campaign, 0, "a mug", &prize_id), DB_OK);
	ck_assert_int_eq(prize_fulfil(&store_unit, prize_id, 1, "sent"), DB_OK);
	ck_assert_int_eq(prize_fulfil(&store_unit, prize_id, 1, "again"), OUT_INVALID_STATE);
	struct prize prize;
	ck_assert_int_eq(prize_get(&store_unit, prize_id, &prize), DB_OK);
	ck_assert_str_eq(prize.status, "fulfilled");
	ck_assert_str_eq(prize.note, "sent");
	ck_assert_int_eq(prize.bargain_id, 0);
	ck_assert(prize.fulfilled_at != 0);
}
END_TEST

START_TEST(nothing_to_give_writes_nothing)
{
	int64_t user = new_shopper(), bargain = test_bargain();
	struct reward_grant grant = { .user_id = user, .campaign_id = 1, .bargain_id = bargain, .milestone = "x" };
	struct reward reward = { .kind = REWARD_NONE };
	struct coupon coupon;
	ck_assert_int_eq(reward_issue(&store_unit, &grant, &reward, &coupon), DB_OK);
	ck_assert_int_eq(coupon.id, 0);
	ck_assert_int_eq(count_of("SELECT COUNT(*) FROM reward_grant WHERE bargain_id = ?", bargain), 0);
}
END_TEST

START_TEST(a_coupon_grant_records_the_coupon_and_the_wallet_shows_it)
{
	int64_t user = new_shopper(), campaign = new_campaign(), bargain = test_bargain();
	struct reward_grant grant = { .user_id = user, .campaign_id = campaign, .bargain_id = bargain,
				      .milestone = "helpers:3" };
	struct reward reward = { .kind = REWARD_COUPON, .title = "5 off", .amount_fen = 500, .min_spend_fen = 1000,
				 .valid_days = 2 };
	struct coupon coupon;
	ck_assert_int_eq(reward_issue(&store_unit, &grant, &reward, &coupon), DB_OK);
	ck_assert(coupon.id > 0);
	ck_assert_int_eq(coupon.expires_at - coupon.starts_at, 2 * 86400);
	struct db_rows rows;
	store_sql(&rows, "SELECT coupon_id, prize_id IS NULL, milestone FROM reward_grant WHERE bargain_id = ?", "i",
		  bargain);
	ck_assert_int_eq(rows.row_count, 1);
	ck_assert_int_eq(db_int(&rows, 0, 0), coupon.id);
	ck_assert_int_eq(db_int(&rows, 0, 1), 1);
	ck_assert_str_eq(db_text(&rows, 0, 2), "helpers:3");

	int64_t second = 0;
	ck_assert_int_eq(coupon_issue(&store_unit, user, campaign, "test", "second", 100, 0, store_unit.now,
				      store_unit.now + 60, &second), DB_OK);
	struct coupon *page;
	int count;
	ck_assert_int_eq(coupon_page(&store_unit, user, INT64_MAX, 10, &page, &count), DB_OK);
	ck_assert_int_eq(count, 2);
	ck_assert_int_eq(page[0].id, second); /* newest first */
	ck_assert_str_eq(page[1].title, "5 off");
	ck_assert_int_eq(page[1].min_spend_fen, 1000);
	ck_assert_int_eq(coupon_page(&store_unit, user, second, 10, &page, &count), DB_OK);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(page[0].id, coupon.id);
}
END_TEST

START_TEST(prize_pages_filter_by_status_and_campaign)
{
	int64_t user = new_shopper(), campaign = new_campaign(), other = new_campaign(), a = 0, b = 0, c = 0;
	ck_assert_int_eq(prize_issue(&store_unit, user, campaign, 0, "a", &a), DB_OK);
	ck_assert_int_eq(prize_issue(&store_unit, user, campaign, 0, "b", &b), DB_OK);
	ck_assert_int_eq(prize_issue(&store_unit, user, other, 0, "c", &c), DB_OK);
	ck_assert_int_eq(prize_fulfil(&store_unit, a, 1, NULL), DB_OK);
	struct prize *page;
	int count;
	ck_assert_int_eq(prize_page(&store_unit, "pending", campaign, INT64_MAX, 10, &page, &count), DB_OK);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(page[0].id, b);
	ck_assert_int_eq(prize_page(&store_unit, "fulfilled", campaign, INT64_MAX, 10, &page, &count), DB_OK);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(page[0].id, a);
	ck_assert(page[0].note == NULL);
}
END_TEST

/* (from checkout's foreign store, issue 10) orders use coupons through
 * their named operations. */
START_TEST(a_coupon_is_used_only_by_its_owner_while_valid)
{
	int64_t user = fixture_shopper(), other = fixture_shopper(), campaign = fixture_campaign();
	int64_t order = fixture_order(user, campaign, 1000, store_unit.now + 600);
	int64_t coupon = fixture_coupon(user, store_unit.now - 60, store_unit.now + 60);
	int64_t expired = fixture_coupon(user, store_unit.now - 60, store_unit.now);
	int64_t early = fixture_coupon(user, store_unit.now + 1, store_unit.now + 60);
	ck_assert_int_eq(coupon_use(&store_unit, coupon, other, order), OUT_COUPON_NOT_APPLICABLE);
	ck_assert_int_eq(coupon_use(&store_unit, expired, user, order), OUT_COUPON_NOT_APPLICABLE);
	ck_assert_int_eq(coupon_use(&store_unit, early, user, order), OUT_COUPON_NOT_APPLICABLE);
	ck_assert_int_eq(coupon_use(&store_unit, INT64_MAX, user, order), OUT_COUPON_NOT_APPLICABLE);
	ck_assert_int_eq(coupon_use(&store_unit, coupon, user, order), DB_OK);
	ck_assert_int_eq(coupon_use(&store_unit, coupon, user, order), OUT_COUPON_NOT_APPLICABLE); /* once */
	struct coupon read;
	bool found;
	ck_assert_int_eq(coupon_for_order(&store_unit, coupon, other, &read, &found), DB_OK);
	ck_assert(!found); /* another's reads as none */
	ck_assert_int_eq(coupon_for_order(&store_unit, coupon, user, &read, &found), DB_OK);
	ck_assert(found);
	ck_assert_str_eq(read.status, "used");
	int64_t uses;
	ck_assert_int_eq(coupon_uses_in_campaign(&store_unit, user, campaign, &uses), DB_OK);
	ck_assert_int_eq(uses, 1);
	ck_assert_int_eq(coupon_give_back(&store_unit, order + 1), DB_OK); /* another order's: nothing */
	ck_assert_int_eq(coupon_for_order(&store_unit, coupon, user, &read, &found), DB_OK);
	ck_assert_str_eq(read.status, "used");
	ck_assert_int_eq(coupon_give_back(&store_unit, order), DB_OK);
	ck_assert_int_eq(coupon_for_order(&store_unit, coupon, user, &read, &found), DB_OK);
	ck_assert_str_eq(read.status, "available");
	ck_assert_int_eq(read.amount_fen, 500);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("reward_store");
	TCase *bad = tcase_create("refusals");
	tcase_add_checked_fixture(bad, store_setup, store_teardown);
	tcase_add_test(bad, a_second_issue_of_the_same_grant_is_a_duplicate);
	tcase_add_test(bad, fulfilling_a_missing_prize_is_refused);
	tcase_add_test(bad, a_prize_is_fulfilled_once);
	tcase_add_test(bad, nothing_to_give_writes_nothing);
	tcase_add_test(bad, a_coupon_is_used_only_by_its_owner_while_valid);
	suite_add_tcase(suite, bad);
	TCase *issue = tcase_create("issue and read");
	tcase_add_checked_fixture(issue, store_setup, store_teardown);
	tcase_add_test(issue, a_coupon_grant_records_the_coupon_and_the_wallet_shows_it);
	tcase_add_test(issue, prize_pages_filter_by_status_and_campaign);
	suite_add_tcase(suite, issue);
	return suite;
}
