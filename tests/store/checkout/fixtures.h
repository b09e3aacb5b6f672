/* fixtures.h: rows the checkout store tests stand on (a shopper, a
 * campaign with an item, a pending order, a coupon), written with
 * store_sql() inside the test's transaction. Include after store.h. */
#ifndef KANJIA_CHECKOUT_FIXTURES_H
#define KANJIA_CHECKOUT_FIXTURES_H

#include "checkout/checkout_store.h"

static int64_t __attribute__((unused)) fixture_shopper(void)
{
	char phone[12];
	snprintf(phone, sizeof(phone), "198%08u", (unsigned)rand() % 100000000u);
	struct db_rows rows;
	store_sql(&rows, "INSERT INTO shopper (phone, created_at) VALUES (?, NOW())", "s", phone);
	return (int64_t)rows.insert_id;
}

/* A running campaign; its id. */
static int64_t __attribute__((unused)) fixture_campaign(void)
{
	struct db_rows rows;
	store_sql(&rows,
		  "INSERT INTO campaign (title, starts_at, ends_at, created_at, updated_at) "
		  "VALUES ('store test', NOW() - INTERVAL 1 HOUR, NOW() + INTERVAL 1 HOUR, NOW(), NOW())",
		  "");
	return (int64_t)rows.insert_id;
}

/* A pending order of user_id in campaign_id of total_fen, due at pay_by. */
static int64_t __attribute__((unused)) fixture_order(int64_t user_id, int64_t campaign_id, int64_t total_fen,
						     int64_t pay_by)
{
	struct order_new order = { .user_id = user_id, .campaign_id = campaign_id, .subtotal_fen = total_fen,
				   .total_fen = total_fen, .name = "张三", .phone = "13800138000", .province = "浙江",
				   .city = "杭州", .district = "西湖", .detail = "一号", .pay_by = pay_by };
	int64_t order_id;
	ck_assert_int_eq(order_insert(&store_unit, &order, &order_id), DB_OK);
	ck_assert_int_gt(order_id, 0);
	return order_id;
}

/* An available coupon of user_id valid in [starts, expires). */
static int64_t __attribute__((unused)) fixture_coupon(int64_t user_id, int64_t starts, int64_t expires)
{
	struct db_rows rows;
	store_sql(&rows,
		  "INSERT INTO coupon (user_id, title, amount_fen, starts_at, expires_at, created_at) "
		  "VALUES (?, '券', 500, FROM_UNIXTIME(?), FROM_UNIXTIME(?), NOW())",
		  "iii", user_id, starts, expires);
	return (int64_t)rows.insert_id;
}

#endif
