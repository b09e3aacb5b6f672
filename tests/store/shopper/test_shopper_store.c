/* test_shopper_store.c: fcgi/shopper/shopper_store.c against MariaDB:
 * codes that must not be spent twice, the guard's atomic failure count,
 * the block that only changes what it must. Failure paths first. */
#include <stdio.h>
#include <string.h>

#include "store.h"

#include "core/outcome.h"
#include "shopper/shopper_store.h"
#include "reward/points.h"

static char phone[12];

/* A phone no other test or run uses (199 numbers are not handed out). */
static const char *fresh_phone(void)
{
	snprintf(phone, sizeof(phone), "199%08u", (unsigned)((clock_micros() + rand()) % 100000000));
	return phone;
}

static void add_code(const char *for_phone, unsigned char fill, int64_t expires_at)
{
	unsigned char digest[CRYPTO_HMAC_SIZE];
	memset(digest, fill, sizeof(digest));
	ck_assert_int_eq(sms_code_add(&store_unit, for_phone, digest, expires_at), DB_OK);
}

START_TEST(no_code_and_an_expired_code_are_not_found)
{
	struct sms_code_row code;
	ck_assert_int_eq(sms_code_current(&store_unit, fresh_phone(), &code), DB_OK);
	ck_assert(!code.found);
	add_code(phone, 1, store_unit.now); /* expires now: not valid any more */
	ck_assert_int_eq(sms_code_current(&store_unit, phone, &code), DB_OK);
	ck_assert(!code.found);
}
END_TEST

START_TEST(a_code_is_spent_once)
{
	add_code(fresh_phone(), 2, store_unit.now + 300);
	struct sms_code_row code;
	ck_assert_int_eq(sms_code_current(&store_unit, phone, &code), DB_OK);
	ck_assert(code.found);
	ck_assert(code.digest_ok);
	ck_assert_int_eq(code.digest[0], 2);
	bool spent;
	ck_assert_int_eq(sms_code_spend(&store_unit, code.id, &spent), DB_OK);
	ck_assert(spent);
	ck_assert_int_eq(sms_code_spend(&store_unit, code.id, &spent), DB_OK);
	ck_assert(!spent);
	ck_assert_int_eq(sms_code_current(&store_unit, phone, &code), DB_OK);
	ck_assert(!code.found);
}
END_TEST

START_TEST(wrong_tries_use_a_code_up_at_the_limit)
{
	add_code(fresh_phone(), 3, store_unit.now + 300);
	struct sms_code_row code;
	ck_assert_int_eq(sms_code_current(&store_unit, phone, &code), DB_OK);
	int64_t id = code.id;
	ck_assert_int_eq(sms_code_count_wrong(&store_unit, id, 3), DB_OK);
	ck_assert_int_eq(sms_code_count_wrong(&store_unit, id, 3), DB_OK);
	ck_assert_int_eq(sms_code_current(&store_unit, phone, &code), DB_OK);
	ck_assert(code.found);
	ck_assert_int_eq(code.tries, 2);
	ck_assert_int_eq(sms_code_count_wrong(&store_unit, id, 3), DB_OK);
	ck_assert_int_eq(sms_code_current(&store_unit, phone, &code), DB_OK);
	ck_assert(!code.found);
}
END_TEST

START_TEST(a_new_send_burns_the_older_codes)
{
	add_code(fresh_phone(), 4, store_unit.now + 300);
	ck_assert_int_eq(sms_code_burn_all(&store_unit, phone), DB_OK);
	struct sms_code_row code;
	ck_assert_int_eq(sms_code_current(&store_unit, phone, &code), DB_OK);
	ck_assert(!code.found);
	add_code(phone, 5, store_unit.now + 300);
	ck_assert_int_eq(sms_code_current(&store_unit, phone, &code), DB_OK);
	ck_assert(code.found);
	ck_assert_int_eq(code.digest[0], 5);
}
END_TEST

START_TEST(the_guard_counts_and_a_new_window_restarts)
{
	struct guard_row guard;
	ck_assert_int_eq(login_guard_read(&store_unit, fresh_phone(), &guard), DB_OK);
	ck_assert(!guard.found);
	int64_t now = store_unit.now, floor = now - 3600;
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(login_guard_count_failure(&store_unit, phone, floor), DB_OK);
	ck_assert_int_eq(login_guard_read(&store_unit, phone, &guard), DB_OK);
	ck_assert(guard.found);
	ck_assert_int_eq(guard.failures, 3);
	ck_assert_int_eq(guard.locked_until, 0); /* no phone is ever locked */
	/* A floor past the window's start: the window is over, counting restarts. */
	ck_assert_int_eq(login_guard_count_failure(&store_unit, phone, now), DB_OK);
	ck_assert_int_eq(login_guard_read(&store_unit, phone, &guard), DB_OK);
	ck_assert_int_eq(guard.failures, 1);
	ck_assert_int_eq(login_guard_clear(&store_unit, phone), DB_OK);
	ck_assert_int_eq(login_guard_read(&store_unit, phone, &guard), DB_OK);
	ck_assert(!guard.found);
}
END_TEST

START_TEST(a_source_counts_apart_and_keeps_its_wait)
{
	char ip[64], other[64];
	snprintf(ip, sizeof(ip), "login:ip:test-%s", fresh_phone());
	snprintf(other, sizeof(other), "admin:ip:test-%s", phone);
	struct guard_row guard;
	ck_assert_int_eq(login_source_read(&store_unit, ip, &guard), DB_OK);
	ck_assert(!guard.found);
	int64_t now = store_unit.now;
	ck_assert_int_eq(login_source_count_failure(&store_unit, ip, now - 3600, 0), DB_OK);
	ck_assert_int_eq(login_source_count_failure(&store_unit, ip, now - 3600, now + 4), DB_OK);
	ck_assert_int_eq(login_source_read(&store_unit, ip, &guard), DB_OK);
	ck_assert_int_eq(guard.failures, 2);
	ck_assert_int_eq(guard.locked_until, now + 4);
	ck_assert_int_eq(login_source_read(&store_unit, other, &guard), DB_OK);
	ck_assert(!guard.found);
	/* the window is over: one failure again, the wait as given */
	ck_assert_int_eq(login_source_count_failure(&store_unit, ip, now, 0), DB_OK);
	ck_assert_int_eq(login_source_read(&store_unit, ip, &guard), DB_OK);
	ck_assert_int_eq(guard.failures, 1);
	ck_assert_int_eq(guard.locked_until, 0);
}
END_TEST

START_TEST(a_missing_shopper_is_not_found)
{
	struct shopper_access access;
	ck_assert_int_eq(shopper_access_read(&store_unit, INT64_MAX / 2, &access), DB_OK);
	ck_assert(!access.found);
	struct shopper_profile profile;
	ck_assert_int_eq(shopper_profile_read(&store_unit, INT64_MAX / 2, &profile), DB_OK);
	ck_assert(!profile.found);
	bool found = true, changed = true;
	struct shopper_summary summary;
	ck_assert_int_eq(shopper_summary_read(&store_unit, INT64_MAX / 2, &summary, &found), DB_OK);
	ck_assert(!found);
	ck_assert_int_eq(shopper_set_blocked(&store_unit, INT64_MAX / 2, true, &changed), DB_OK);
	ck_assert(!changed);
}
END_TEST

START_TEST(the_first_login_creates_the_shopper_and_the_next_finds_it)
{
	int64_t id, again;
	bool created;
	ck_assert_int_eq(shopper_login_upsert(&store_unit, fresh_phone(), &id, &created), DB_OK);
	ck_assert(created);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(shopper_login_upsert(&store_unit, phone, &again, &created), DB_OK);
	ck_assert(!created);
	ck_assert_int_eq(again, id);
	struct shopper_profile profile;
	ck_assert_int_eq(shopper_profile_read(&store_unit, id, &profile), DB_OK);
	ck_assert(profile.found);
	ck_assert_str_eq(profile.phone, phone);
	ck_assert_int_eq(profile.coupon_count, 0);
}
END_TEST

START_TEST(blocking_twice_changes_once_and_raises_the_version_once)
{
	int64_t id;
	bool created, changed;
	ck_assert_int_eq(shopper_login_upsert(&store_unit, fresh_phone(), &id, &created), DB_OK);
	struct shopper_access before, after;
	ck_assert_int_eq(shopper_access_read(&store_unit, id, &before), DB_OK);
	ck_assert_int_eq(shopper_set_blocked(&store_unit, id, true, &changed), DB_OK);
	ck_assert(changed);
	ck_assert_int_eq(shopper_set_blocked(&store_unit, id, true, &changed), DB_OK);
	ck_assert(!changed);
	ck_assert_int_eq(shopper_access_read(&store_unit, id, &after), DB_OK);
	ck_assert(after.blocked);
	ck_assert_int_eq(after.token_version, before.token_version + 1);
	/* An unblock lifts the block and leaves the version: old tokens stay dead. */
	ck_assert_int_eq(shopper_set_blocked(&store_unit, id, false, &changed), DB_OK);
	ck_assert(changed);
	ck_assert_int_eq(shopper_access_read(&store_unit, id, &after), DB_OK);
	ck_assert(!after.blocked);
	ck_assert_int_eq(after.token_version, before.token_version + 1);
}
END_TEST

START_TEST(a_page_searches_by_prefix_newest_first)
{
	int64_t first, second;
	bool created;
	ck_assert_int_eq(shopper_login_upsert(&store_unit, fresh_phone(), &first, &created), DB_OK);
	char prefix[10];
	memcpy(prefix, phone, 9);
	prefix[9] = '\0';
	char other[16];
	snprintf(other, sizeof(other), "%s%02d", prefix, (atoi(phone + 9) + 1) % 100);
	ck_assert_int_eq(shopper_login_upsert(&store_unit, other, &second, &created), DB_OK);
	struct shopper_summary *rows;
	int count;
	ck_assert_int_eq(shopper_page(&store_unit, prefix, SHOPPER_PHONE_PREFIX, false, INT64_MAX, 10, &rows, &count), DB_OK);
	ck_assert_int_ge(count, 2);
	ck_assert_int_eq(rows[0].id, second);
	ck_assert_int_eq(shopper_page(&store_unit, prefix, SHOPPER_PHONE_PREFIX, false, second, 10, &rows, &count), DB_OK);
	ck_assert_int_ge(count, 1);
	ck_assert_int_eq(rows[0].id, first);
	ck_assert_int_eq(rows[0].bargains, 0);
	ck_assert_int_eq(rows[0].last_login_at, store_unit.now);
	/* the whole number finds only it; a prefix is no whole number */
	ck_assert_int_eq(shopper_page(&store_unit, phone, SHOPPER_PHONE_EXACT, false, INT64_MAX, 10, &rows, &count), DB_OK);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(rows[0].id, first);
	ck_assert_int_eq(shopper_page(&store_unit, prefix, SHOPPER_PHONE_EXACT, false, INT64_MAX, 10, &rows, &count), DB_OK);
	ck_assert_int_eq(count, 0);
	/* the last four digits: the leading ones do not match */
	ck_assert_int_eq(shopper_page(&store_unit, phone + 7, SHOPPER_PHONE_LAST4, false, INT64_MAX, 10, &rows, &count),
			 DB_OK);
	ck_assert_int_ge(count, 1);
	for (int r = 0; r < count; r++)
		ck_assert_str_eq(rows[r].phone + 7, phone + 7);
	char head[5];
	memcpy(head, phone, 4);
	head[4] = '\0';
	ck_assert_int_eq(shopper_page(&store_unit, head, SHOPPER_PHONE_LAST4, false, INT64_MAX, 100, &rows, &count), DB_OK);
	for (int r = 0; r < count; r++)
		ck_assert_str_eq(rows[r].phone + 7, head);
}
END_TEST

START_TEST(a_revoked_token_is_recorded_once)
{
	char jti[40];
	snprintf(jti, sizeof(jti), "store-test-%lld", (long long)clock_micros());
	ck_assert_int_eq(token_revoke(&store_unit, jti, store_unit.now + 60), DB_OK);
	ck_assert_int_eq(token_revoke(&store_unit, jti, store_unit.now + 60), DB_OK);
	struct db_rows rows;
	store_sql(&rows, "SELECT COUNT(*) FROM revoked_token WHERE jti = ?", "s", jti);
	ck_assert_int_eq(db_int(&rows, 0, 0), 1);
}
END_TEST

START_TEST(the_outbox_keeps_the_message)
{
	ck_assert_int_eq(sms_outbox_add(&store_unit, fresh_phone(), "store test 123456"), DB_OK);
	struct db_rows rows;
	store_sql(&rows, "SELECT body FROM sms_outbox WHERE phone = ?", "s", phone);
	ck_assert_int_eq(rows.row_count, 1);
	ck_assert_str_eq(db_text(&rows, 0, 0), "store test 123456");
}
END_TEST

/* (from checkout's foreign store, issue 10) a refund's reads and locks. */
START_TEST(points_reads_for_a_refund)
{
	struct db_rows rows;
	store_sql(&rows, "INSERT INTO shopper (phone, created_at) VALUES (?, NOW())", "s", fresh_phone());
	int64_t user = (int64_t)rows.insert_id;
	int64_t earned = -1;
	ck_assert_int_eq(points_earned_for_order(&store_unit, INT64_MAX, &earned), DB_OK);
	ck_assert_int_eq(earned, 0);
	bool found;
	int64_t balance;
	ck_assert_int_eq(shopper_lock_points(&store_unit, INT64_MAX, &found, &balance), DB_OK);
	ck_assert(!found);
	ck_assert_int_eq(shopper_lock_points(&store_unit, user, &found, &balance), DB_OK);
	ck_assert(found);
	ck_assert_int_eq(balance, 0);
	ck_assert_int_eq(shopper_lock(&store_unit, user), DB_OK);
}
END_TEST

/* The queued message of phone among the due ones (NULL: not due). */
static const struct sms_outbox_due *due_for(const char *for_phone)
{
	struct sms_outbox_due *due;
	int count;
	ck_assert_int_eq(sms_outbox_due_list(&store_unit, 1000, &due, &count), DB_OK);
	for (int i = 0; i < count; i++)
		if (strcmp(due[i].phone, for_phone) == 0)
			return &due[i];
	return NULL;
}

START_TEST(a_queued_message_is_claimed_once_and_its_outcome_ends_it)
{
	ck_assert_int_eq(sms_outbox_queue(&store_unit, fresh_phone(), "store test 654321", "aliyun"), DB_OK);
	const struct sms_outbox_due *message = due_for(phone);
	ck_assert_ptr_nonnull(message);
	ck_assert_str_eq(message->body, "store test 654321");
	ck_assert_int_eq(message->attempts, 0);
	struct sms_outbox_due seen = *message;
	bool claimed;
	ck_assert_int_eq(sms_outbox_claim(&store_unit, &seen, store_unit.now + 30, &claimed), DB_OK);
	ck_assert(claimed);
	/* a second sender that read the same row before the claim gets nothing */
	ck_assert_int_eq(sms_outbox_claim(&store_unit, &seen, store_unit.now + 30, &claimed), DB_OK);
	ck_assert(!claimed);
	ck_assert_ptr_null(due_for(phone)); /* leased */
	ck_assert_int_eq(sms_outbox_record(&store_unit, seen.id, "pending", store_unit.now, "", "busy"), DB_OK);
	message = due_for(phone); /* due again, one attempt counted */
	ck_assert_ptr_nonnull(message);
	ck_assert_int_eq(message->attempts, 1);
	ck_assert_int_eq(sms_outbox_record(&store_unit, seen.id, "sent", store_unit.now, "ref-1", "OK"), DB_OK);
	ck_assert_ptr_null(due_for(phone));
	struct db_rows rows;
	store_sql(&rows, "SELECT status, provider_ref FROM sms_outbox WHERE id = ?", "i", seen.id);
	ck_assert_str_eq(db_text(&rows, 0, 0), "sent");
	ck_assert_str_eq(db_text(&rows, 0, 1), "ref-1");
	/* an outcome after the end changes nothing */
	ck_assert_int_eq(sms_outbox_expire(&store_unit, seen.id), DB_OK);
	store_sql(&rows, "SELECT status FROM sms_outbox WHERE id = ?", "i", seen.id);
	ck_assert_str_eq(db_text(&rows, 0, 0), "sent");
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("shopper_store");
	TCase *bad = tcase_create("bad_input");
	tcase_set_timeout(bad, 30);
	tcase_add_checked_fixture(bad, store_setup, store_teardown);
	tcase_add_test(bad, no_code_and_an_expired_code_are_not_found);
	tcase_add_test(bad, a_code_is_spent_once);
	tcase_add_test(bad, wrong_tries_use_a_code_up_at_the_limit);
	tcase_add_test(bad, a_missing_shopper_is_not_found);
	suite_add_tcase(suite, bad);
	TCase *ops = tcase_create("operations");
	tcase_set_timeout(ops, 30);
	tcase_add_checked_fixture(ops, store_setup, store_teardown);
	tcase_add_test(ops, a_new_send_burns_the_older_codes);
	tcase_add_test(ops, the_guard_counts_and_a_new_window_restarts);
	tcase_add_test(ops, a_source_counts_apart_and_keeps_its_wait);
	tcase_add_test(ops, the_first_login_creates_the_shopper_and_the_next_finds_it);
	tcase_add_test(ops, blocking_twice_changes_once_and_raises_the_version_once);
	tcase_add_test(ops, a_page_searches_by_prefix_newest_first);
	tcase_add_test(ops, a_revoked_token_is_recorded_once);
	tcase_add_test(ops, the_outbox_keeps_the_message);
	tcase_add_test(ops, points_reads_for_a_refund);
	tcase_add_test(ops, a_queued_message_is_claimed_once_and_its_outcome_ends_it);
	suite_add_tcase(suite, ops);
	return suite;
}
