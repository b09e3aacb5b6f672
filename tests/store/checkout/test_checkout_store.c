/* test_checkout_store.c: fcgi/checkout/checkout_store.c against MariaDB:
 * missing rows, every order transition refusing a row not in the state it
 * leaves, the idempotency claim's guards; then an order's life. */
#include "store.h"

#include "core/outcome.h"
#include "fixtures.h"
#include "campaign/campaign_store.h"
#include "fraud/fraud_store.h"
#include "fraud/limit.h"

START_TEST(missing_orders_are_not_found)
{
	struct order_rows rows;
	struct order_head head;
	struct db_rows admin;
	ck_assert_int_eq(order_read(&store_unit, INT64_MAX, &rows), OUT_NOT_FOUND);
	ck_assert_int_eq(order_head_read(&store_unit, INT64_MAX, &head), OUT_NOT_FOUND);
	ck_assert_int_eq(admin_order_read(&store_unit, INT64_MAX, &admin), OUT_NOT_FOUND);
	ck_assert_int_eq(order_paid_mark(&store_unit, INT64_MAX, 1, 1, 0), OUT_INVALID_STATE);
}
END_TEST

START_TEST(transitions_refuse_rows_not_in_their_state)
{
	int64_t user = fixture_shopper(), campaign = fixture_campaign();
	int64_t order = fixture_order(user, campaign, 990, store_unit.now + 600);
	ck_assert_int_eq(order_cancelled_mark(&store_unit, order, user + 1), OUT_INVALID_STATE); /* not theirs */
	ck_assert_int_eq(order_cancelled_mark(&store_unit, order, 0), OUT_INVALID_STATE);        /* not yet due */
	ck_assert_int_eq(order_paid_mark(&store_unit, order, user, 1, 991), OUT_INVALID_STATE);   /* total moved */
	ck_assert_int_eq(order_paid_mark(&store_unit, order, user + 1, 1, 990), OUT_INVALID_STATE); /* not theirs */
	ck_assert_int_eq(order_shipped_mark(&store_unit, order, "顺丰", "SF1234"), OUT_INVALID_STATE);
	ck_assert_int_eq(order_refunded_mark(&store_unit, order, "paid"), OUT_INVALID_STATE);
	struct order_head head;
	ck_assert_int_eq(order_head_read(&store_unit, order, &head), DB_OK);
	ck_assert_str_eq(head.status, "pending_payment");
	ck_assert_int_eq(order_paid_mark(&store_unit, order, user, 0, 990), DB_OK);
	ck_assert_int_eq(order_paid_mark(&store_unit, order, user, 0, 990), OUT_INVALID_STATE); /* once */
	ck_assert_int_eq(order_cancelled_mark(&store_unit, order, user), OUT_INVALID_STATE);
}
END_TEST

START_TEST(only_a_shipped_order_completes_once)
{
	int64_t user = fixture_shopper(), campaign = fixture_campaign();
	int64_t order = fixture_order(user, campaign, 990, store_unit.now + 600);
	ck_assert_int_eq(order_completed_mark(&store_unit, order, user, 0), OUT_INVALID_STATE); /* pending */
	ck_assert_int_eq(order_paid_mark(&store_unit, order, user, 0, 990), DB_OK);
	ck_assert_int_eq(order_completed_mark(&store_unit, order, user, 0), OUT_INVALID_STATE); /* paid */
	ck_assert_int_eq(order_shipped_mark(&store_unit, order, "顺丰", "SF1234"), DB_OK);
	ck_assert_int_eq(order_completed_mark(&store_unit, order, user + 1, 0), OUT_INVALID_STATE); /* not theirs */
	/* by time: only once shipped at or before the bound */
	ck_assert_int_eq(order_completed_mark(&store_unit, order, 0, store_unit.now - 1), OUT_INVALID_STATE);
	struct db_rows rows;
	ck_assert_int_eq(orders_to_complete(&store_unit, store_unit.now - 1, 10, &rows), DB_OK);
	for (int r = 0; r < rows.row_count; r++)
		ck_assert_int_ne(db_int(&rows, r, 0), order);
	ck_assert_int_eq(orders_to_complete(&store_unit, store_unit.now, 100000, &rows), DB_OK);
	bool listed = false;
	for (int r = 0; r < rows.row_count; r++)
		listed = listed || db_int(&rows, r, 0) == order;
	ck_assert(listed);
	ck_assert_int_eq(order_completed_mark(&store_unit, order, 0, store_unit.now), DB_OK);
	ck_assert_int_eq(order_completed_mark(&store_unit, order, user, 0), OUT_INVALID_STATE); /* once */
	struct order_head head;
	ck_assert_int_eq(order_head_read(&store_unit, order, &head), DB_OK);
	ck_assert_str_eq(head.status, "completed");
}
END_TEST

START_TEST(an_idempotency_key_is_claimed_once)
{
	int64_t user = fixture_shopper();
	unsigned char hash[CRYPTO_HMAC_SIZE] = { 1 }, other[CRYPTO_HMAC_SIZE] = { 2 };
	ck_assert_int_eq(idempotency_claim(&store_unit, user, "k-1", hash), DB_OK);
	ck_assert_int_eq(idempotency_claim(&store_unit, user, "k-1", hash), DB_DUPLICATE);
	/* a fresh claim is not taken over, and never by another body */
	ck_assert_int_eq(idempotency_take_over(&store_unit, user, "k-1", hash, store_unit.now - 120), OUT_IN_PROGRESS);
	ck_assert_int_eq(idempotency_take_over(&store_unit, user, "k-1", other, store_unit.now + 1), OUT_IN_PROGRESS);
	struct idempotency_record record;
	ck_assert_int_eq(idempotency_read(&store_unit, user, "k-1", other, &record), DB_OK);
	ck_assert(record.found && !record.same_request && !record.done);
	ck_assert_int_eq(idempotency_finish(&store_unit, user, "k-2", 201, "{}", 0), OUT_IN_PROGRESS); /* not claimed */
	ck_assert_int_eq(idempotency_finish(&store_unit, user, "k-1", 201, "{\"id\":1}", 0), DB_OK);
	ck_assert_int_eq(idempotency_finish(&store_unit, user, "k-1", 201, "{}", 0), OUT_IN_PROGRESS); /* done */
	ck_assert_int_eq(idempotency_read(&store_unit, user, "k-1", hash, &record), DB_OK);
	ck_assert(record.found && record.same_request && record.done);
	ck_assert_str_eq(record.answer, "{\"id\":1}");
	/* a done key is not released */
	ck_assert_int_eq(idempotency_release(&store_unit, user, "k-1"), DB_OK);
	ck_assert_int_eq(idempotency_read(&store_unit, user, "k-1", hash, &record), DB_OK);
	ck_assert(record.found);
}
END_TEST

START_TEST(a_stale_claim_is_taken_over_by_the_same_request)
{
	int64_t user = fixture_shopper();
	unsigned char hash[CRYPTO_HMAC_SIZE] = { 3 };
	int64_t now = store_unit.now;
	store_unit.now = now - 300; /* claimed by a worker that died 5 minutes ago */
	ck_assert_int_eq(idempotency_claim(&store_unit, user, "k-3", hash), DB_OK);
	store_unit.now = now;
	ck_assert_int_eq(idempotency_take_over(&store_unit, user, "k-3", hash, now - 120), DB_OK);
	ck_assert_int_eq(idempotency_release(&store_unit, user, "k-3"), DB_OK);
	struct idempotency_record record;
	ck_assert_int_eq(idempotency_read(&store_unit, user, "k-3", hash, &record), DB_OK);
	ck_assert(!record.found);
}
END_TEST

START_TEST(an_order_lives_through_its_rows)
{
	int64_t user = fixture_shopper(), campaign = fixture_campaign();
	int64_t order = fixture_order(user, campaign, 1500, store_unit.now - 1);
	ck_assert_int_eq(order_line_insert(&store_unit, order, 12, "乙", 1, 1000, 1000, false, 0), DB_OK);
	ck_assert_int_eq(order_line_insert(&store_unit, order, 11, "甲", 1, 1000, 1000, true, 500), DB_OK);
	ck_assert_int_eq(order_discount_insert(&store_unit, order, 1, "bargain", "砍价", 500, 0, 0), DB_OK);
	ck_assert_int_eq(order_event_add(&store_unit, order, NULL, "pending_payment", "shopper", user, NULL), DB_OK);
	struct order_rows rows;
	ck_assert_int_eq(order_read(&store_unit, order, &rows), DB_OK);
	ck_assert_int_eq(rows.lines.row_count, 2);
	ck_assert(db_null(&rows.lines, 0, 5));
	ck_assert_int_eq(db_int(&rows.lines, 1, 5), 500);
	ck_assert_int_eq(rows.discounts.row_count, 1);
	struct db_rows quantities;
	ck_assert_int_eq(order_quantities(&store_unit, order, &quantities), DB_OK);
	ck_assert_int_eq(db_int(&quantities, 0, 0), 11); /* by item id: the hot rows' lock order */
	struct db_rows due;
	ck_assert_int_eq(orders_due(&store_unit, 1000, &due), DB_OK);
	bool listed = false;
	for (int r = 0; r < due.row_count; r++)
		listed |= db_int(&due, r, 0) == order;
	ck_assert(listed);
	ck_assert_int_eq(order_cancelled_mark(&store_unit, order, 0), DB_OK); /* due: the sweeper may */
	ck_assert_int_eq(order_head_read(&store_unit, order, &(struct order_head){ 0 }), DB_OK);
	struct db_rows admin;
	ck_assert_int_eq(admin_order_read(&store_unit, order, &admin), DB_OK);
	ck_assert_str_eq(db_text(&admin, 0, AO_STATUS), "cancelled");
}
END_TEST

START_TEST(a_payment_is_opened_locked_and_settled_once)
{
	int64_t user = fixture_shopper(), campaign = fixture_campaign();
	int64_t order = fixture_order(user, campaign, 700, store_unit.now + 600);
	struct payment_row payment;
	ck_assert_int_eq(payment_open_read(&store_unit, order, "sandbox", &payment), DB_OK);
	ck_assert(!payment.found);
	ck_assert_int_eq(payment_insert(&store_unit, order, "sandbox", "store-test-ref-1", 700), DB_OK);
	ck_assert_int_eq(payment_lock_by_ref(&store_unit, "sandbox", "nope", &payment), DB_OK);
	ck_assert(!payment.found);
	ck_assert_int_eq(payment_lock_by_ref(&store_unit, "sandbox", "store-test-ref-1", &payment), DB_OK);
	ck_assert(payment.found);
	ck_assert_int_eq(payment.amount_fen, 700);
	ck_assert_str_eq(payment.status, "created");
	ck_assert_int_eq(payment_succeeded_mark(&store_unit, payment.id), DB_OK);
	ck_assert_int_eq(payment_refund_due_mark(&store_unit, payment.id), DB_OK); /* not created any more: no change */
	ck_assert_int_eq(payment_lock_by_ref(&store_unit, "sandbox", "store-test-ref-1", &payment), DB_OK);
	ck_assert_str_eq(payment.status, "succeeded");
	ck_assert_int_eq(payment_notify_record(&store_unit, "sandbox", "store-test-ref-1", order, 700, "success", "paid"),
			 DB_OK);
}
END_TEST

/* order_apply (sql/020): the key once, the limits all or none, the stock
 * guard, the answer stored with the new id; order_facts_load reads what
 * the order decides on. */
START_TEST(an_order_is_applied_once_per_key_within_its_limits_and_stock)
{
	int64_t user = fixture_shopper(), campaign = fixture_campaign();
	struct db_rows rows;
	store_sql(&rows,
		  "INSERT INTO campaign_item (campaign_id, name, images_json, original_price_fen, floor_price_fen, "
		  "stock_total, stock_left, cut_min_fen, cut_max_fen, self_cuts_per_day, helps_per_user_per_day, "
		  "bargains_per_user, bargain_ttl_s, pay_within_s, rewards_json, created_at, updated_at) VALUES "
		  "(?, '杯子', '[]', 1000, 500, 1, 1, 100, 200, 3, 3, 1, 86400, 600, '{}', NOW(), NOW())",
		  "i", campaign);
	int64_t item = (int64_t)rows.insert_id;
	int64_t ids[2] = { item, INT64_MAX };
	struct item_for_cart items[2];
	const char *phone, *signature;
	int64_t version;
	bool seen = true;
	ck_assert_int_eq(order_facts_load(&store_unit, ids, 2, user, 0, "k-apply", items, &phone, &signature, &version,
					  &seen), DB_OK);
	ck_assert(items[0].found && !items[1].found);
	ck_assert_int_eq(items[0].stock_left, 1);
	ck_assert_str_eq(items[0].name, "杯子");
	ck_assert(phone != NULL && signature == NULL && !seen);

	unsigned char hash[CRYPTO_HMAC_SIZE] = { 1 };
	struct fraud_event_row event = { .scope = "order", .action = "allow", .user_id = user, .phone = phone,
					 .client_ip = "127.0.0.1", .user_agent = "", .referer = "", .device = "" };
	char bucket_name[LIMIT_BUCKET_MAX];
	snprintf(bucket_name, sizeof(bucket_name), "store-test:%lld:%d", (long long)user, rand());
	struct limit_bucket limit = { .window_start = store_unit.now, .window_length = 60, .max = 1 };
	snprintf(limit.name, sizeof(limit.name), "%s", bucket_name);
	struct order_new order = { .user_id = user, .campaign_id = campaign, .subtotal_fen = 1000, .total_fen = 1000,
				   .name = "张三", .phone = "13800138000", .province = "浙江", .city = "杭州",
				   .district = "西湖", .detail = "一号", .pay_by = store_unit.now + 600 };
	struct order_line_new line = { .item_id = item, .name = "杯子", .qty = 1, .unit_price_fen = 1000,
				       .amount_fen = 1000 };
	struct order_reserve reserve = { .item_id = item, .qty = 1 };
	struct order_write write = { .order = &order, .key = "k-apply", .hash = hash, .event = &event,
				     .limits = &limit, .limit_count = 1, .lines = &line, .line_count = 1,
				     .answer_tail = ",\"status\":\"pending_payment\"}", .reserve = &reserve,
				     .reserve_count = 1 };
	struct order_applied_result applied;
	ck_assert_int_eq(order_apply(&store_unit, &write, &applied), DB_OK);
	ck_assert_int_eq(applied.applied, ORDER_APPLIED);
	ck_assert_int_gt(applied.order_id, 0);
	store_sql(&rows, "SELECT response_body, order_id, state FROM idempotency_key WHERE user_id = ?", "i", user);
	char expected[80];
	snprintf(expected, sizeof(expected), "{\"id\":%lld,\"status\":\"pending_payment\"}", (long long)applied.order_id);
	ck_assert_str_eq(db_text(&rows, 0, 0), expected);
	ck_assert_int_eq(db_int(&rows, 0, 1), applied.order_id);
	ck_assert_str_eq(db_text(&rows, 0, 2), "done");
	store_sql(&rows, "SELECT stock_left, stock_reserved FROM campaign_item WHERE id = ?", "i", item);
	ck_assert_int_eq(db_int(&rows, 0, 0), 0);
	ck_assert_int_eq(db_int(&rows, 0, 1), 1);
	ck_assert_int_eq(order_facts_load(&store_unit, ids, 1, user, 0, "k-apply", items, &phone, &signature, &version,
					  &seen), DB_OK);
	ck_assert(seen);

	/* the same key again: taken, nothing more written */
	ck_assert_int_eq(order_apply(&store_unit, &write, &applied), DB_OK);
	ck_assert_int_eq(applied.applied, ORDER_KEY_TAKEN);
	/* another key: the limit is used up */
	write.key = "k-apply-2";
	ck_assert_int_eq(order_apply(&store_unit, &write, &applied), DB_OK);
	ck_assert_int_eq(applied.applied, ORDER_LIMITED);
	ck_assert_int_eq(applied.limited_index, 0);
	/* without limits: no stock left */
	write.key = "k-apply-3";
	write.limit_count = 0;
	ck_assert_int_eq(order_apply(&store_unit, &write, &applied), DB_OK);
	ck_assert_int_eq(applied.applied, ORDER_OUT_OF_STOCK);
	ck_assert_int_eq(applied.limited_index, 0);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("checkout_store");
	TCase *bad = tcase_create("refusals");
	tcase_add_checked_fixture(bad, store_setup, store_teardown);
	tcase_add_test(bad, missing_orders_are_not_found);
	tcase_add_test(bad, transitions_refuse_rows_not_in_their_state);
	tcase_add_test(bad, an_idempotency_key_is_claimed_once);
	tcase_add_test(bad, only_a_shipped_order_completes_once);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("life");
	tcase_add_checked_fixture(good, store_setup, store_teardown);
	tcase_add_test(good, a_stale_claim_is_taken_over_by_the_same_request);
	tcase_add_test(good, an_order_lives_through_its_rows);
	tcase_add_test(good, a_payment_is_opened_locked_and_settled_once);
	tcase_add_test(good, an_order_is_applied_once_per_key_within_its_limits_and_stock);
	suite_add_tcase(suite, good);
	return suite;
}
