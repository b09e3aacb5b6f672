/* test_red_packet_store.c: fcgi/reward/red_packet_store.c against MariaDB:
 * bounds refused, a packet locked by one order only, given back, used,
 * shown expired past its end and expired by the sweeper. */
#include "store.h"

#include "core/outcome.h"
#include "reward/red_packet_store.h"

static int64_t new_shopper(void)
{
	char phone[12];
	snprintf(phone, sizeof(phone), "199%08u", (unsigned)rand() % 100000000u);
	struct db_rows rows;
	store_sql(&rows, "INSERT INTO shopper (phone, created_at) VALUES (?, NOW())", "s", phone);
	return (int64_t)rows.insert_id;
}

static const char *status_of(int64_t id)
{
	struct db_rows rows;
	store_sql(&rows, "SELECT status FROM red_packet WHERE id = ?", "i", id);
	ck_assert_int_eq(rows.row_count, 1);
	return db_text(&rows, 0, 0);
}

START_TEST(amounts_and_days_out_of_bounds_are_refused)
{
	int64_t user = new_shopper(), id = 0;
	ck_assert_int_eq(red_packet_issue(&store_unit, user, 0, 7, "t", &id), OUT_INVALID_FIELD);
	ck_assert_int_eq(red_packet_issue(&store_unit, user, RED_PACKET_FEN_MAX + 1, 7, "t", &id), OUT_INVALID_FIELD);
	ck_assert_int_eq(red_packet_issue(&store_unit, user, 100, 0, "t", &id), OUT_INVALID_FIELD);
	ck_assert_int_eq(red_packet_issue(&store_unit, user, 100, RED_PACKET_DAYS_MAX + 1, "t", &id), OUT_INVALID_FIELD);
	ck_assert_int_eq(id, 0);
}
END_TEST

START_TEST(a_packet_is_locked_by_one_order_only)
{
	int64_t user = new_shopper(), other = new_shopper(), a, b, total;
	ck_assert_int_eq(red_packet_issue(&store_unit, user, 300, 7, "t", &a), DB_OK);
	ck_assert_int_eq(red_packet_issue(&store_unit, user, 200, 7, "t", &b), DB_OK);
	int64_t ids[] = { a, b };
	ck_assert_int_eq(red_packet_lock_for_order(&store_unit, other, ids, 1, 901, &total), OUT_INVALID_STATE);
	ck_assert_str_eq(status_of(a), "available"); /* not hers */
	ck_assert_int_eq(red_packet_lock_for_order(&store_unit, user, ids, 2, 901, &total), DB_OK);
	ck_assert_int_eq(total, 500);
	ck_assert_int_eq(red_packet_lock_for_order(&store_unit, user, ids, 1, 902, &total), OUT_INVALID_STATE);
	ck_assert_int_eq(red_packet_give_back(&store_unit, 901), DB_OK);
	ck_assert_str_eq(status_of(a), "available");
	ck_assert_int_eq(red_packet_lock_for_order(&store_unit, user, ids, 1, 903, &total), DB_OK);
	ck_assert_int_eq(red_packet_use(&store_unit, 903), DB_OK);
	ck_assert_str_eq(status_of(a), "used");
	ck_assert_str_eq(status_of(b), "available");
}
END_TEST

START_TEST(expired_packets_show_expired_and_are_swept)
{
	int64_t user = new_shopper(), id, expired;
	ck_assert_int_eq(red_packet_issue(&store_unit, user, 100, 1, "t", &id), DB_OK);
	store_sql(NULL, "UPDATE red_packet SET expires_at = NOW() - INTERVAL 10 SECOND WHERE id = ?", "i", id);
	int64_t total;
	ck_assert_int_eq(red_packet_lock_for_order(&store_unit, user, &id, 1, 904, &total), OUT_INVALID_STATE);
	struct red_packet *packets;
	int count;
	ck_assert_int_eq(red_packet_page(&store_unit, user, INT64_MAX, 10, &packets, &count), DB_OK);
	ck_assert_int_eq(count, 1);
	ck_assert_str_eq(packets[0].status, "expired");
	ck_assert_int_eq(red_packet_expire_due(&store_unit, 100000, &expired), DB_OK);
	ck_assert_int_ge(expired, 1);
	ck_assert_str_eq(status_of(id), "expired");
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("red_packet_store");
	TCase *store = tcase_create("store");
	tcase_add_checked_fixture(store, store_setup, store_teardown);
	tcase_add_test(store, amounts_and_days_out_of_bounds_are_refused);
	tcase_add_test(store, a_packet_is_locked_by_one_order_only);
	tcase_add_test(store, expired_packets_show_expired_and_are_swept);
	suite_add_tcase(suite, store);
	return suite;
}
