/* test_bargain_store.c: fcgi/bargain/bargain_store.c against MariaDB: the
 * cut's conditional UPDATE never passes its guards, a helper's second cut
 * is a duplicate, one open bargain per shopper and item, reviews close
 * only what is still open. Refusals first. */
#include "store.h"

#include "bargain/bargain.h"
#include "bargain/bargain_store.h"
#include "core/outcome.h"
#include "fraud/fraud_store.h"
#include "checkout/fixtures.h"

static int64_t new_shopper(void)
{
	char phone[12];
	snprintf(phone, sizeof(phone), "197%08u", (unsigned)rand() % 100000000u);
	struct db_rows rows;
	store_sql(&rows, "INSERT INTO shopper (phone, created_at) VALUES (?, NOW())", "s", phone);
	return (int64_t)rows.insert_id;
}

/* A campaign open for a week and one item of it: price 100.00, floor
 * 10.00, cuts of 1.00 to 5.00, helps capped at helps_cap (0: none). */
static void new_item(int64_t helps_cap, struct bargain_item *item)
{
	struct db_rows rows;
	store_sql(&rows, "INSERT INTO campaign (title, starts_at, ends_at, created_at, updated_at) VALUES "
			 "('store test', NOW() - INTERVAL 1 DAY, NOW() + INTERVAL 7 DAY, NOW(), NOW())", "");
	int64_t campaign = (int64_t)rows.insert_id;
	store_sql(&rows, "INSERT INTO campaign_item (campaign_id, name, images_json, original_price_fen, "
			 "floor_price_fen, stock_total, stock_left, cut_min_fen, cut_max_fen, self_cuts_per_day, "
			 "helps_per_user_per_day, bargains_per_user, helps_per_bargain, bargain_ttl_s, pay_within_s, "
			 "rewards_json, created_at, updated_at) VALUES (?, 'mug', '[]', 10000, 1000, 5, 5, 100, 500, 3, 3, "
			 "2, NULLIF(?, 0), 86400, 1800, '{}', NOW(), NOW())", "ii", campaign, helps_cap);
	ck_assert_int_eq(bargain_item_get(&store_unit, (int64_t)rows.insert_id, item), DB_OK);
	ck_assert_int_eq(item->campaign_id, campaign);
	ck_assert_int_eq(item->helps_per_bargain, helps_cap);
}

static int64_t new_bargain(const struct bargain_item *item, int64_t user, int64_t expires_at)
{
	char code[SHARE_CODE_LENGTH + 1];
	share_code_new(code);
	struct bargain_new created = { .item = item, .user_id = user, .share_code = code, .expires_at = expires_at,
				       .start_ip = "127.0.0.1", .start_device = "" };
	int64_t id = 0;
	ck_assert_int_eq(bargain_insert(&store_unit, &created, &id), DB_OK);
	return id;
}

static int cut(int64_t bargain_id, int64_t cutter, bool is_help, struct bargain_cut_row *row)
{
	bool taken = false;
	int status = bargain_take_cut(&store_unit, bargain_id, 300, is_help, is_help ? "a" : NULL, false, &taken);
	ck_assert_int_eq(status, DB_OK);
	if (!taken)
		return OUT_BARGAIN_CLOSED;
	return bargain_cut_record(&store_unit, bargain_id, is_help, cutter, "127.0.0.1", "", row);
}

START_TEST(missing_bargains_are_not_found)
{
	struct bargain bargain;
	bool helped;
	ck_assert_int_eq(bargain_get(&store_unit, INT64_MAX, &bargain), OUT_NOT_FOUND);
	ck_assert_int_eq(bargain_get_by_code(&store_unit, "nosuchcodeatall0", &bargain), OUT_NOT_FOUND);
	ck_assert_int_eq(bargain_get_for_helper(&store_unit, "nosuchcodeatall0", 1, &bargain, &helped), OUT_NOT_FOUND);
	struct bargain_item item;
	ck_assert_int_eq(bargain_item_get(&store_unit, INT64_MAX, &item), OUT_NOT_FOUND);
	struct bargain_rank *ranks;
	int count;
	ck_assert_int_eq(bargain_leaderboard(&store_unit, INT64_MAX, 10, &ranks, &count), OUT_NOT_FOUND);
	struct bargain_landing landing;
	const struct bargain_cut_entry *helps;
	ck_assert_int_eq(bargain_landing_by_code(&store_unit, "nosuchcodeatall0", 10, &bargain, &landing, &helps, &count),
			 OUT_NOT_FOUND);
}
END_TEST

/* The help's one read: the bargain, whether the helper helped it, the
 * facts anti-fraud's letter is made of, the rules version and the landing's
 * item and initiator; a code leading nowhere is not found. */
START_TEST(a_help_loads_its_facts_in_one_read)
{
	struct bargain bargain;
	struct fraud_help_row facts;
	struct bargain_landing landing;
	bool helped = true;
	int64_t version = -1;
	ck_assert_int_eq(bargain_help_load(&store_unit, "nosuchcodeatall0", 1, NULL, &bargain, &helped, &facts, &version,
					   &landing), OUT_NOT_FOUND);
	struct bargain_item item;
	new_item(0, &item);
	int64_t owner = new_shopper(), helper = new_shopper();
	int64_t id = new_bargain(&item, owner, store_unit.now + 3600);
	ck_assert_int_eq(bargain_get(&store_unit, id, &bargain), DB_OK);
	const char *code = bargain.share_code;
	ck_assert_int_eq(bargain_help_load(&store_unit, code, helper, "dev-1", &bargain, &helped, &facts, &version,
					   &landing), DB_OK);
	ck_assert_int_eq(bargain.id, id);
	ck_assert(!helped);
	ck_assert_int_ge(version, 0);
	ck_assert_str_eq(landing.item_name, "mug");
	ck_assert_str_eq(landing.images_json, "[]");
	ck_assert(landing.initiator_phone != NULL && strlen(landing.initiator_phone) == 11);
	ck_assert_str_eq(facts.start_ip, "127.0.0.1");
	ck_assert(facts.previous_ip == NULL && facts.previous_at == 0 && facts.same_device_cuts == 0);
	struct bargain_cut_row row;
	ck_assert_int_eq(bargain_take_cut(&store_unit, id, 300, true, "H", false, &helped), DB_OK);
	ck_assert_int_eq(bargain_cut_record(&store_unit, id, true, helper, "10.0.0.9", "dev-1", &row), DB_OK);
	ck_assert_int_eq(bargain_help_load(&store_unit, code, helper, "dev-1", &bargain, &helped, &facts, &version,
					   &landing), DB_OK);
	ck_assert(helped);
	ck_assert_str_eq(facts.previous_ip, "10.0.0.9");
	ck_assert_int_eq(facts.same_device_cuts, 1);
	ck_assert_str_eq(facts.signature, "H");
}
END_TEST

START_TEST(a_second_open_bargain_on_the_same_item_is_a_duplicate)
{
	struct bargain_item item;
	new_item(0, &item);
	int64_t user = new_shopper();
	new_bargain(&item, user, store_unit.now + 3600);
	char code[SHARE_CODE_LENGTH + 1];
	share_code_new(code);
	struct bargain_new again = { .item = &item, .user_id = user, .share_code = code,
				     .expires_at = store_unit.now + 3600, .start_ip = "127.0.0.1" };
	int64_t id = 0;
	ck_assert_int_eq(bargain_insert(&store_unit, &again, &id), DB_DUPLICATE);
}
END_TEST

START_TEST(a_bargain_past_its_window_is_not_cut)
{
	struct bargain_item item;
	new_item(0, &item);
	int64_t user = new_shopper();
	int64_t id = new_bargain(&item, user, store_unit.now - 1);
	struct bargain_cut_row row;
	ck_assert_int_eq(cut(id, user, false, &row), OUT_BARGAIN_CLOSED);
	struct bargain bargain;
	ck_assert_int_eq(bargain_get(&store_unit, id, &bargain), DB_OK);
	ck_assert_int_eq(bargain.cuts, 0);
	ck_assert_int_eq(bargain.current_price_fen, 10000);
}
END_TEST

START_TEST(the_helper_cap_holds_and_a_helper_helps_once)
{
	struct bargain_item item;
	new_item(1, &item);
	int64_t owner = new_shopper(), first = new_shopper(), second = new_shopper();
	int64_t id = new_bargain(&item, owner, store_unit.now + 3600);
	struct bargain_cut_row row;
	ck_assert_int_eq(cut(id, first, true, &row), DB_OK);
	ck_assert_int_eq(row.helpers_after, 1);
	ck_assert_int_eq(cut(id, second, true, &row), OUT_BARGAIN_CLOSED); /* cap of 1 reached */
	ck_assert_int_eq(cut(id, owner, false, &row), DB_OK);                /* the owner has no cap */
	ck_assert_int_eq(row.helpers_after, 1);
	ck_assert_int_eq(row.seq, 2);

	struct bargain_item open;
	new_item(0, &open);
	int64_t other = new_bargain(&open, owner, store_unit.now + 3600);
	ck_assert_int_eq(cut(other, first, true, &row), DB_OK);
	/* The same helper again: the UPDATE passes, the cut row's unique key
	 * refuses (the caller's transaction rolls back both). */
	ck_assert_int_eq(cut(other, first, true, &row), DB_DUPLICATE);
	bool helped = false;
	struct bargain bargain;
	ck_assert_int_eq(bargain_get(&store_unit, other, &bargain), DB_OK);
	ck_assert_int_eq(bargain_get_for_helper(&store_unit, bargain.share_code, first, &bargain, &helped), DB_OK);
	ck_assert(helped);
	ck_assert_int_eq(bargain_get_for_helper(&store_unit, bargain.share_code, second, &bargain, &helped), DB_OK);
	ck_assert(!helped);
}
END_TEST

START_TEST(a_rejected_bargain_closes_once_and_an_ordered_one_stays)
{
	struct bargain_item item;
	new_item(0, &item);
	int64_t user = new_shopper();
	int64_t id = new_bargain(&item, user, store_unit.now + 3600);
	ck_assert_int_eq(bargain_hold(&store_unit, id), DB_OK);
	ck_assert_int_eq(bargain_reject(&store_unit, id), DB_OK);
	struct bargain bargain;
	ck_assert_int_eq(bargain_get(&store_unit, id, &bargain), DB_OK);
	ck_assert_str_eq(bargain.status, "expired");
	int64_t open = 0;
	ck_assert_int_eq(bargain_find_open(&store_unit, user, item.item_id, &open), DB_OK);
	ck_assert_int_eq(open, 0); /* the open slot is free again */
	int64_t ordered = new_bargain(&item, user, store_unit.now + 3600);
	store_sql(NULL, "UPDATE bargain SET status = 'ordered' WHERE id = ?", "i", ordered);
	ck_assert_int_eq(bargain_reject(&store_unit, ordered), DB_OK);
	ck_assert_int_eq(bargain_get(&store_unit, ordered, &bargain), DB_OK);
	ck_assert_str_eq(bargain.status, "ordered");
}
END_TEST

START_TEST(cuts_reach_the_floor_exactly_and_are_listed_newest_first)
{
	struct bargain_item item;
	new_item(0, &item);
	int64_t owner = new_shopper(), helper = new_shopper();
	int64_t id = new_bargain(&item, owner, store_unit.now + 3600);
	int64_t started = 0, open = 0;
	ck_assert_int_eq(bargain_count_started(&store_unit, owner, item.item_id, &started), DB_OK);
	ck_assert_int_eq(started, 1);
	ck_assert_int_eq(bargain_find_open(&store_unit, owner, item.item_id, &open), DB_OK);
	ck_assert_int_eq(open, id);
	struct bargain_cut_row row;
	ck_assert_int_eq(cut(id, helper, true, &row), DB_OK);
	ck_assert_int_eq(row.cut_fen, 300);
	ck_assert_int_eq(row.price_after_fen, 9700);
	for (int i = 0; i < 28; i++)
		ck_assert_int_eq(cut(id, owner, false, &row), DB_OK);
	ck_assert_int_eq(row.price_after_fen, 1300);
	store_sql(NULL, "UPDATE bargain SET current_price_fen = 1100, cut_total_fen = 8900 WHERE id = ?", "i", id);
	ck_assert_int_eq(cut(id, owner, false, &row), DB_OK);
	ck_assert_int_eq(row.cut_fen, 100); /* clipped to what was left */
	ck_assert_int_eq(row.price_after_fen, 1000);
	ck_assert_int_eq(cut(id, owner, false, &row), OUT_BARGAIN_CLOSED);
	struct bargain bargain;
	ck_assert_int_eq(bargain_get(&store_unit, id, &bargain), DB_OK);
	ck_assert_str_eq(bargain.status, "succeeded");
	ck_assert_int_eq(bargain.cut_total_fen, 9000);
	struct bargain_cut_entry *entries;
	int count;
	ck_assert_int_eq(bargain_cut_list(&store_unit, id, 100, true, &entries, &count), DB_OK);
	ck_assert_int_eq(count, 1);
	ck_assert(!entries[0].self);
	ck_assert_int_eq(bargain_cut_list(&store_unit, id, 5, false, &entries, &count), DB_OK);
	ck_assert_int_eq(count, 5);
	ck_assert(entries[0].self);
	ck_assert_int_eq(entries[0].cut_fen, 100);
	struct bargain_rank *ranks;
	ck_assert_int_eq(bargain_leaderboard(&store_unit, item.campaign_id, 10, &ranks, &count), DB_OK);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(ranks[0].bargain_id, id);
	ck_assert_int_eq(bargain_hold(&store_unit, id), DB_OK); /* held: not ranked */
	ck_assert_int_eq(bargain_leaderboard(&store_unit, item.campaign_id, 10, &ranks, &count), DB_OK);
	ck_assert_int_eq(count, 0);
	ck_assert_int_eq(bargain_release(&store_unit, id), DB_OK);
	ck_assert_int_eq(bargain_leaderboard(&store_unit, item.campaign_id, 10, &ranks, &count), DB_OK);
	ck_assert_int_eq(count, 1);
}
END_TEST

START_TEST(an_exact_plan_decides_the_cuts)
{
	struct bargain_item item;
	new_item(0, &item);
	int64_t owner = new_shopper();
	int64_t id = new_bargain(&item, owner, store_unit.now + 3600);
	ck_assert_int_eq(bargain_set_plan(&store_unit, id, "450,250"), DB_OK);
	struct bargain_cut_row row;
	ck_assert_int_eq(cut(id, owner, false, &row), DB_OK);
	ck_assert_int_eq(row.cut_fen, 450);
	ck_assert_int_eq(cut(id, owner, false, &row), DB_OK);
	ck_assert_int_eq(row.cut_fen, 250);
}
END_TEST

START_TEST(close_and_share_open)
{
	struct bargain_item item;
	new_item(0, &item);
	int64_t owner = new_shopper();
	int64_t id = new_bargain(&item, owner, store_unit.now + 3600);
	/* two visitors; a visitor seen before keeps its row and reads its opens */
	struct share_visit visits[2] = {
		{ .bargain_id = id, .campaign_id = item.campaign_id, .item_id = item.item_id, .day_start = 86400,
		  .first_at = store_unit.now, .visitor = "a:127.0.0.1", .client_ip = "127.0.0.1", .arriving = 3 },
		{ .bargain_id = id, .campaign_id = item.campaign_id, .item_id = item.item_id, .day_start = 86400,
		  .first_at = store_unit.now, .visitor = "d:\xff\x01" "dev", .client_ip = "127.0.0.1", .arriving = 1 },
	};
	ck_assert_int_eq(share_visits_load(&store_unit, visits, 2), DB_OK);
	ck_assert_int_eq(visits[0].before, 0);
	visits[0].after = 3;
	visits[1].after = 0; /* not above before: not written */
	ck_assert_int_eq(share_visits_write(&store_unit, visits, 2), DB_OK);
	struct db_rows rows;
	store_sql(&rows, "SELECT COUNT(*), SUM(opens) FROM share_open WHERE bargain_id = ?", "i", id);
	ck_assert_int_eq(db_int(&rows, 0, 0), 1);
	ck_assert_int_eq(db_int(&rows, 0, 1), 3);
	visits[1].after = 1;
	ck_assert_int_eq(share_visits_load(&store_unit, visits, 2), DB_OK);
	ck_assert_int_eq(visits[0].before, 3);
	ck_assert_int_eq(visits[1].before, 0);
	visits[0].after = 5;
	ck_assert_int_eq(share_visits_write(&store_unit, visits, 2), DB_OK);
	store_sql(&rows, "SELECT COUNT(*), SUM(opens) FROM share_open WHERE bargain_id = ?", "i", id);
	ck_assert_int_eq(db_int(&rows, 0, 0), 2);
	ck_assert_int_eq(db_int(&rows, 0, 1), 6);
	ck_assert_int_eq(share_visits_load(&store_unit, visits, 2), DB_OK);
	ck_assert_int_eq(visits[1].before, 1); /* the binary device key read back */

	struct bargain by_code;
	struct bargain_landing landing;
	const struct bargain_cut_entry *helps;
	int help_count;
	struct bargain stored;
	ck_assert_int_eq(bargain_get(&store_unit, id, &stored), DB_OK);
	ck_assert_int_eq(bargain_landing_by_code(&store_unit, stored.share_code, 10, &by_code, &landing, &helps,
						 &help_count), DB_OK);
	ck_assert_str_eq(landing.item_name, "mug");
	ck_assert_int_eq(by_code.id, id);
	ck_assert_int_eq(help_count, 0);
	ck_assert_int_eq(bargain_close(&store_unit, id), DB_OK);
	struct bargain bargain;
	ck_assert_int_eq(bargain_get(&store_unit, id, &bargain), DB_OK);
	ck_assert_str_eq(bargain.status, "expired");
	int64_t *ids;
	int count;
	ck_assert_int_eq(bargain_ids_of_user(&store_unit, owner, INT64_MAX, 10, &ids, &count), DB_OK);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(ids[0], id);
}
END_TEST

/* (from checkout's foreign store, issue 10) an order's operations on a
 * bargain. */
START_TEST(only_a_succeeded_bargain_is_marked_ordered)
{
	int64_t user = fixture_shopper();
	ck_assert_int_eq(bargain_mark_ordered(&store_unit, INT64_MAX, user), OUT_BARGAIN_NOT_SUCCEEDED);
	struct bargain_orderable bargain;
	ck_assert_int_eq(bargain_for_order(&store_unit, INT64_MAX, &bargain), DB_OK);
	ck_assert(!bargain.found);
}
END_TEST

/* A succeeded bargain of user_id on a new item of campaign_id that expires
 * at expires (succeeded an hour ago, 600 s to pay); its id. */
static int64_t fixture_bargain(int64_t user_id, int64_t campaign_id, int64_t expires)
{
	struct db_rows rows;
	store_sql(&rows,
		  "INSERT INTO campaign_item (campaign_id, name, images_json, original_price_fen, floor_price_fen, "
		  "stock_total, stock_left, cut_min_fen, cut_max_fen, self_cuts_per_day, helps_per_user_per_day, "
		  "bargains_per_user, bargain_ttl_s, pay_within_s, rewards_json, created_at, updated_at) VALUES "
		  "(?, 'item', '[]', 1000, 500, 5, 5, 100, 200, 3, 3, 1, 86400, 600, '{}', NOW(), NOW())",
		  "i", campaign_id);
	int64_t item = (int64_t)rows.insert_id;
	store_sql(&rows,
		  "INSERT INTO bargain (campaign_id, item_id, user_id, status, share_code, original_price_fen, "
		  "floor_price_fen, current_price_fen, cut_total_fen, cut_min_fen, cut_max_fen, self_cuts_per_day, "
		  "helps_per_user_per_day, pay_within_s, rewards_json, started_at, expires_at, succeeded_at) VALUES "
		  "(?, ?, ?, 'succeeded', LEFT(MD5(RAND()), 16), 1000, 500, 500, 500, 100, 200, 3, 3, 600, '{}', "
		  "FROM_UNIXTIME(?) - INTERVAL 2 HOUR, FROM_UNIXTIME(?), FROM_UNIXTIME(?) - INTERVAL 1 HOUR)",
		  "iiiiii", campaign_id, item, user_id, store_unit.now, expires, store_unit.now);
	return (int64_t)rows.insert_id;
}

START_TEST(a_bargain_is_given_back_only_from_ordered_and_within_its_window)
{
	int64_t user = fixture_shopper(), other = fixture_shopper(), campaign = fixture_campaign();
	int64_t bargain = fixture_bargain(user, campaign, store_unit.now + 60);
	struct bargain_orderable read;
	ck_assert_int_eq(bargain_for_order(&store_unit, bargain, &read), DB_OK);
	ck_assert(read.succeeded);
	ck_assert_int_eq(read.pay_window_end, store_unit.now + 60); /* its expiry: later than success + 600 s */
	/* not ordered: nothing to give back */
	ck_assert_int_eq(bargain_unmark_ordered(&store_unit, bargain, user), DB_OK);
	ck_assert_int_eq(bargain_mark_ordered(&store_unit, bargain, other), OUT_BARGAIN_NOT_SUCCEEDED);
	ck_assert_int_eq(bargain_mark_ordered(&store_unit, bargain, user), DB_OK);
	ck_assert_int_eq(bargain_mark_ordered(&store_unit, bargain, user), OUT_BARGAIN_NOT_SUCCEEDED); /* once */
	ck_assert_int_eq(bargain_unmark_ordered(&store_unit, bargain, other), DB_OK); /* another's: nothing */
	ck_assert_int_eq(bargain_for_order(&store_unit, bargain, &read), DB_OK);
	ck_assert(!read.succeeded);
	ck_assert_int_eq(bargain_unmark_ordered(&store_unit, bargain, user), DB_OK);
	ck_assert_int_eq(bargain_for_order(&store_unit, bargain, &read), DB_OK);
	ck_assert(read.succeeded);
	ck_assert_int_eq(bargain_mark_ordered(&store_unit, bargain, user), DB_OK); /* orderable again */
	/* past its window: closed, not succeeded */
	int64_t late = fixture_bargain(user, campaign, store_unit.now);
	ck_assert_int_eq(bargain_mark_ordered(&store_unit, late, user), DB_OK);
	ck_assert_int_eq(bargain_unmark_ordered(&store_unit, late, user), DB_OK);
	ck_assert_int_eq(bargain_for_order(&store_unit, late, &read), DB_OK);
	ck_assert(!read.succeeded);
	struct db_rows rows;
	store_sql(&rows, "SELECT status, open_slot IS NULL FROM bargain WHERE id = ?", "i", late);
	ck_assert_str_eq(db_text(&rows, 0, 0), "expired");
	ck_assert_int_eq(db_int(&rows, 0, 1), 1);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("bargain_store");
	TCase *bad = tcase_create("refusals");
	tcase_add_checked_fixture(bad, store_setup, store_teardown);
	tcase_add_test(bad, missing_bargains_are_not_found);
	tcase_add_test(bad, a_help_loads_its_facts_in_one_read);
	tcase_add_test(bad, a_second_open_bargain_on_the_same_item_is_a_duplicate);
	tcase_add_test(bad, a_bargain_past_its_window_is_not_cut);
	tcase_add_test(bad, the_helper_cap_holds_and_a_helper_helps_once);
	tcase_add_test(bad, a_rejected_bargain_closes_once_and_an_ordered_one_stays);
	tcase_add_test(bad, only_a_succeeded_bargain_is_marked_ordered);
	tcase_add_test(bad, a_bargain_is_given_back_only_from_ordered_and_within_its_window);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("cuts");
	tcase_add_checked_fixture(good, store_setup, store_teardown);
	tcase_add_test(good, cuts_reach_the_floor_exactly_and_are_listed_newest_first);
	tcase_add_test(good, an_exact_plan_decides_the_cuts);
	tcase_add_test(good, close_and_share_open);
	suite_add_tcase(suite, good);
	return suite;
}
