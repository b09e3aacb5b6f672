/* checkout_routes.c: checkout (API.md, "Orders and payment" and "Wallet"):
 * quotes, orders with Idempotency-Key, the shopper's order reads, payment
 * through a provider, cancel, the provider's notify, the sweeper of unpaid
 * orders, and the points ledger.
 *
 * Stock lives in campaign_item as stock_left + stock_reserved + stock_sold
 * = stock_total (a CHECK). It moves only by the conditional UPDATEs below,
 * checked by affected rows, each riding in the transaction of the order's
 * own conditional status change, so each happens exactly once:
 *
 *   reserve  (order placed)    left -= q, reserved += q  WHERE left >= q
 *   confirm  (pending -> paid) reserved -= q, sold += q  WHERE reserved >= q
 *   release  (pending -> cancelled, by the shopper or the sweeper)
 *                              reserved -= q, left += q  WHERE reserved >= q
 *
 * The order transaction, as SQL (for tests/bench's C reference; `?` are
 * bound parameters, one line per statement, in this order):
 *
 *   -- outside it: INSERT INTO idempotency_key (user_id, idem_key,
 *   --   request_hash, state, claimed_at, created_at) VALUES (?, ?, ?,
 *   --   'running', NOW, NOW)                       (duplicate: replay/409/422)
 *   START TRANSACTION;
 *   SELECT id FROM shopper WHERE id = ? FOR UPDATE;          -- only with coupons
 *   SELECT i.campaign_id, i.name, i.original_price_fen, i.checkout_floor_fen,
 *          i.stock_left, UNIX_TIMESTAMP(c.starts_at), UNIX_TIMESTAMP(c.ends_at)
 *     FROM campaign_item i JOIN campaign c ON c.id = i.campaign_id
 *     WHERE i.id = ?;                                        -- per line
 *   SELECT ... FROM bargain WHERE id = ?;                    -- bargain orders
 *   SELECT ... FROM coupon WHERE id = ?;                     -- per coupon
 *   SELECT min_spend_fen, off_fen FROM full_reduction_tier WHERE campaign_id = ?;
 *   SELECT coupons_stackable, coupon_uses_per_customer FROM campaign_checkout
 *     WHERE campaign_id = ?;
 *   -- price_quote() in C (pricing.c)
 *   UPDATE bargain SET status = 'ordered', open_slot = NULL, closed_at = ?
 *     WHERE id = ? AND user_id = ? AND status = 'succeeded'; -- bargain orders; 0 rows: 409
 *   INSERT INTO orders (...) VALUES (...);
 *   INSERT INTO order_line (...) VALUES (...);               -- per line
 *   INSERT INTO order_discount (...) VALUES (...);           -- per discount
 *   UPDATE coupon SET status = 'used', order_id = ?, used_at = ?
 *     WHERE id = ? AND user_id = ? AND status = 'available'
 *     AND starts_at <= ? AND expires_at > ?;                 -- per coupon; 0 rows: 422
 *   INSERT INTO order_event (...) VALUES (...);
 *   SELECT ... FROM orders / order_line / order_discount WHERE ...;  -- the answer
 *   UPDATE idempotency_key SET state = 'done', response_status = 201,
 *     response_body = ?, order_id = ? WHERE user_id = ? AND idem_key = ?
 *     AND state = 'running';
 *   UPDATE campaign_item SET stock_left = stock_left - ?,
 *     stock_reserved = stock_reserved + ?
 *     WHERE id = ? AND stock_left >= ?;                      -- per line, by item id; 0 rows: 409
 *   COMMIT;
 *
 * The hot row (the item) is written last, so its lock is held only from
 * that UPDATE to COMMIT; an item already sold out is refused from the
 * unlocked read before anything is written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/crypto.h"
#include "db/db.h"
#include "fraud/fraud_check.h"
#include "reward/points.h"
#include "core/log.h"
#include "checkout/order.h"
#include "checkout/payment.h"
#include "checkout/pay_routes.h"
#include "core/phone.h"
#include "checkout/pricing.h"
#include "checkout/checkout_routes.h"
#include "admin/stats.h"

#define IDEMPOTENCY_KEY_MAX 64
/* A claim older than this whose request never finished (its worker died)
 * may be taken over by a retry with the same body. */
#define IDEMPOTENCY_STALE_S 120
#define SWEEP_BATCH 200
#define SWEEP_BATCHES_MAX 20
#define SWEEP_BUDGET_US 5000000
#define SWEEP_KEYS_BATCH 1000
#define ADDRESS_NAME_MAX 60
#define ADDRESS_REGION_MAX 60
#define ADDRESS_DETAIL_MAX 300

/* ========================================================== bodies */

static bool phone_shape(const char *text)
{
	return phone_valid(text);
}

static const struct field line_fields[] = {
	{ .name = "item_id", .type = FIELD_INT, .required = true, .min = 1, .max = INT64_MAX },
	{ .name = "qty", .type = FIELD_INT, .required = true, .min = 1, .max = PRICE_QTY_MAX },
	{ .name = NULL },
};

static const struct field address_fields[] = {
	{ .name = "name", .type = FIELD_STRING, .required = true, .min = 1, .max = ADDRESS_NAME_MAX },
	{ .name = "phone", .type = FIELD_STRING, .required = true, .min = 11, .max = 11, .shape = phone_shape,
	  .shape_status = 400, .shape_code = "invalid_phone" },
	{ .name = "province", .type = FIELD_STRING, .required = true, .min = 1, .max = ADDRESS_REGION_MAX },
	{ .name = "city", .type = FIELD_STRING, .required = true, .min = 1, .max = ADDRESS_REGION_MAX },
	{ .name = "district", .type = FIELD_STRING, .required = true, .min = 1, .max = ADDRESS_REGION_MAX },
	{ .name = "detail", .type = FIELD_STRING, .required = true, .min = 1, .max = ADDRESS_DETAIL_MAX },
	{ .name = NULL },
};

#define CART_FIELDS                                                                                             \
	{ .name = "lines", .type = FIELD_ARRAY, .required = true, .min = 1, .max = PRICE_LINES_MAX },              \
	{ .name = "bargain_id", .type = FIELD_INT, .nullable = true, .min = 1, .max = INT64_MAX },                  \
	{ .name = "coupon_ids", .type = FIELD_ARRAY, .nullable = true, .min = 0, .max = PRICE_COUPONS_MAX },       \
	{ .name = "points", .type = FIELD_INT, .nullable = true, .min = 0, .max = INT64_MAX }

static const struct field cart_quote_body[] = {
	CART_FIELDS,
	{ .name = NULL },
};

static const struct field order_create_body[] = {
	CART_FIELDS,
	{ .name = "address", .type = FIELD_OBJECT, .required = true },
	{ .name = NULL },
};

/* =========================================================== helpers */

static json_t *next_cursor(int64_t last_id, int count, int64_t limit)
{
	return http_next_cursor(last_id, count == limit);
}

static json_t *time_or_null(const struct db_rows *rows, int row, int column)
{
	if (db_null(rows, row, column))
		return json_null();
	char text[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(db_int(rows, row, column), text);
	return json_string(text);
}

static json_t *text_or_null(const struct db_rows *rows, int row, int column)
{
	return db_null(rows, row, column) ? json_null() : json_string(db_text(rows, row, column));
}

static json_t *int_or_null(const struct db_rows *rows, int row, int column)
{
	return db_null(rows, row, column) ? json_null() : json_integer((json_int_t)db_int(rows, row, column));
}

/* ======================================================= order reads */

static const char *const sql_order_read =
	"SELECT id, user_id, campaign_id, bargain_id, status, subtotal_fen, discount_fen, total_fen, "
	"address_name, address_phone, address_province, address_city, address_district, address_detail, "
	"UNIX_TIMESTAMP(pay_by), UNIX_TIMESTAMP(paid_at), UNIX_TIMESTAMP(cancelled_at), cancel_reason, "
	"UNIX_TIMESTAMP(shipped_at), carrier, tracking_no, UNIX_TIMESTAMP(completed_at), "
	"UNIX_TIMESTAMP(refunded_at), UNIX_TIMESTAMP(created_at) FROM orders WHERE id = ?";
enum order_column {
	O_ID, O_USER, O_CAMPAIGN, O_BARGAIN, O_STATUS, O_SUBTOTAL, O_DISCOUNT, O_TOTAL, O_NAME, O_PHONE, O_PROVINCE,
	O_CITY, O_DISTRICT, O_DETAIL, O_PAY_BY, O_PAID_AT, O_CANCELLED_AT, O_CANCEL_REASON, O_SHIPPED_AT, O_CARRIER,
	O_TRACKING, O_COMPLETED_AT, O_REFUNDED_AT, O_CREATED_AT,
};
static const char *const sql_order_lines =
	"SELECT item_id, item_name, qty, unit_price_fen, amount_fen, bargain_price_fen FROM order_line "
	"WHERE order_id = ? ORDER BY id";
static const char *const sql_order_discounts =
	"SELECT kind, label, amount_fen, coupon_id FROM order_discount WHERE order_id = ? ORDER BY seq";

/* The order object of API.md as a new reference in *object (OUT), for the
 * shopper user_id (0: anyone). Returns 0, 404 not_found, or a DB status. */
static int order_json(struct request *request, int64_t order_id, int64_t user_id, json_t **object)
{
	*object = NULL;
	struct db_rows order, lines, discounts;
	int status = db_run(request, &order, sql_order_read, "i", order_id);
	if (status != 0)
		return status;
	if (order.row_count != 1 || (user_id != 0 && db_int(&order, 0, O_USER) != user_id))
		return http_error(request, 404, "not_found"); /* not 403: ids say nothing */
	if ((status = db_run(request, &lines, sql_order_lines, "i", order_id)) != 0 ||
	    (status = db_run(request, &discounts, sql_order_discounts, "i", order_id)) != 0)
		return status;
	json_t *line_list = json_array();
	for (int r = 0; r < lines.row_count; r++)
		json_array_append_new(line_list,
				      json_pack("{s:I, s:s, s:I, s:I, s:I, s:o}", "item_id", (json_int_t)db_int(&lines, r, 0),
						"name", db_text(&lines, r, 1), "qty", (json_int_t)db_int(&lines, r, 2),
						"unit_price_fen", (json_int_t)db_int(&lines, r, 3), "amount_fen",
						(json_int_t)db_int(&lines, r, 4), "bargain_price_fen",
						int_or_null(&lines, r, 5)));
	json_t *discount_list = json_array();
	for (int r = 0; r < discounts.row_count; r++) {
		json_t *discount = json_pack("{s:s, s:s, s:I}", "kind", db_text(&discounts, r, 0), "label",
					     db_text(&discounts, r, 1), "amount_fen", (json_int_t)db_int(&discounts, r, 2));
		if (!db_null(&discounts, r, 3))
			json_object_set_new(discount, "coupon_id", json_integer((json_int_t)db_int(&discounts, r, 3)));
		json_array_append_new(discount_list, discount);
	}
	char masked[PHONE_MASKED_SIZE];
	phone_mask(db_text(&order, 0, O_PHONE), masked);
	json_t *address = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", db_text(&order, 0, O_NAME), "phone",
				    masked, "province", db_text(&order, 0, O_PROVINCE), "city",
				    db_text(&order, 0, O_CITY), "district", db_text(&order, 0, O_DISTRICT), "detail",
				    db_text(&order, 0, O_DETAIL));
	/* 9 leading members, then 11 of s:o */
	*object = json_pack("{s:I, s:s, s:I, s:o, s:o, s:I, s:o, s:I, s:I, "
			    "s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			    "id", (json_int_t)order_id, "status", db_text(&order, 0, O_STATUS), "campaign_id",
			    (json_int_t)db_int(&order, 0, O_CAMPAIGN), "bargain_id", int_or_null(&order, 0, O_BARGAIN),
			    "lines", line_list, "subtotal_fen", (json_int_t)db_int(&order, 0, O_SUBTOTAL), "discounts",
			    discount_list, "discount_fen", (json_int_t)db_int(&order, 0, O_DISCOUNT), "total_fen",
			    (json_int_t)db_int(&order, 0, O_TOTAL), "address", address, "pay_by",
			    time_or_null(&order, 0, O_PAY_BY), "created_at", time_or_null(&order, 0, O_CREATED_AT),
			    "paid_at", time_or_null(&order, 0, O_PAID_AT), "cancelled_at",
			    time_or_null(&order, 0, O_CANCELLED_AT), "cancel_reason",
			    text_or_null(&order, 0, O_CANCEL_REASON), "shipped_at", time_or_null(&order, 0, O_SHIPPED_AT),
			    "carrier", text_or_null(&order, 0, O_CARRIER), "tracking_no",
			    text_or_null(&order, 0, O_TRACKING), "completed_at", time_or_null(&order, 0, O_COMPLETED_AT),
			    "refunded_at", time_or_null(&order, 0, O_REFUNDED_AT));
	if (*object == NULL)
		abort();
	return 0;
}

static int order_get(struct request *request)
{
	json_t *object;
	int status = order_json(request, http_path_id(request, 0), request->session.user_id, &object);
	if (status != 0)
		return status;
	return http_reply(request, 200, object);
}

static const char *const sql_my_orders =
	"SELECT id FROM orders WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?";

static int order_list_mine(struct request *request)
{
	int64_t limit, cursor;
	int status = http_list_params_newest_first(request, &limit, &cursor);
	if (status != 0)
		return status;
	struct db_rows rows;
	status = db_run(request, &rows, sql_my_orders, "iii", request->session.user_id, cursor, limit);
	if (status != 0)
		return status;
	json_t *items = http_own(request, json_array());
	for (int r = 0; r < rows.row_count; r++) {
		json_t *object;
		status = order_json(request, db_int(&rows, r, 0), request->session.user_id, &object);
		if (status != 0)
			return status;
		json_array_append_new(items, object);
	}
	int64_t last = rows.row_count ? db_int(&rows, rows.row_count - 1, 0) : 0;
	return http_reply(request, 200, json_pack("{s:O, s:o}", "items", items, "next_cursor",
						  next_cursor(last, rows.row_count, limit)));
}

/* ============================================================== cart */

struct cart_line {
	int64_t item_id, qty;
	const char *name;
	int64_t price_fen, floor_fen, stock_left;
};

struct cart {
	/* from the body */
	struct cart_line lines[PRICE_LINES_MAX];
	int line_count;
	int64_t bargain_id;
	int64_t coupon_ids[PRICE_COUPONS_MAX];
	int coupon_count;
	/* loaded */
	int64_t campaign_id;
	int64_t bargain_price_fen, bargain_item_id, pay_within_s;
	struct price_coupon coupons[PRICE_COUPONS_MAX];
	struct price_tier tiers[PRICE_TIERS_MAX];
	struct price_rules rules;
	struct price_quote quote;
};

/* Reads lines, bargain_id and coupon_ids of the validated body into cart.
 * Returns 0 or 400. */
static int cart_parse(struct request *request, struct cart *cart)
{
	memset(cart, 0, sizeof(*cart));
	const json_t *lines = json_object_get(request->json, "lines");
	size_t index;
	const json_t *line;
	json_array_foreach(lines, index, line) {
		char where[32];
		snprintf(where, sizeof(where), "lines[%zu]", index);
		int status = validate_object(request, line, line_fields, where);
		if (status != 0)
			return status;
		struct cart_line *entry = &cart->lines[cart->line_count++];
		entry->item_id = json_integer_value(json_object_get(line, "item_id"));
		entry->qty = json_integer_value(json_object_get(line, "qty"));
		for (int i = 0; i + 1 < cart->line_count; i++)
			if (cart->lines[i].item_id == entry->item_id)
				return http_error_message(request, 400, "invalid_field",
							  "lines 中同一商品出现了两次，请合并为一行。");
	}
	cart->bargain_id = body_int(request, "bargain_id", 0);
	const json_t *coupons = json_object_get(request->json, "coupon_ids");
	const json_t *coupon;
	json_array_foreach(coupons, index, coupon) {
		if (!json_is_integer(coupon) || json_integer_value(coupon) < 1)
			return http_error_message(request, 400, "invalid_field", "coupon_ids 应为优惠券 id 的列表。");
		cart->coupon_ids[cart->coupon_count++] = json_integer_value(coupon);
	}
	if (body_int(request, "points", 0) > 0)
		return http_error(request, 422, "points_not_accepted");
	return 0;
}

static const char *const sql_cart_item =
	"SELECT i.campaign_id, i.name, i.original_price_fen, i.checkout_floor_fen, i.stock_left, "
	"UNIX_TIMESTAMP(c.starts_at), UNIX_TIMESTAMP(c.ends_at) "
	"FROM campaign_item i JOIN campaign c ON c.id = i.campaign_id WHERE i.id = ?";
static const char *const sql_cart_bargain =
	"SELECT user_id, item_id, status, current_price_fen, pay_within_s FROM bargain WHERE id = ?";
static const char *const sql_cart_coupon =
	"SELECT user_id, title, amount_fen, min_spend_fen, UNIX_TIMESTAMP(starts_at), UNIX_TIMESTAMP(expires_at), "
	"COALESCE(item_id, 0), status FROM coupon WHERE id = ?";
static const char *const sql_cart_tiers =
	"SELECT min_spend_fen, off_fen FROM full_reduction_tier WHERE campaign_id = ? ORDER BY min_spend_fen LIMIT 20";
static const char *const sql_cart_rules =
	"SELECT coupons_stackable, COALESCE(coupon_uses_per_customer, 0) FROM campaign_checkout WHERE campaign_id = ?";
static const char *const sql_cart_coupon_uses =
	"SELECT COUNT(*) FROM coupon c JOIN orders o ON o.id = c.order_id "
	"WHERE c.user_id = ? AND c.status = 'used' AND o.campaign_id = ?";

/* Loads what pricing needs and prices the cart into cart->quote. Returns
 * 0, or 404 (an unknown item or bargain), 409 bargain_not_succeeded, 410
 * campaign_not_active, 422 (mixed_campaigns, coupon_not_applicable), 400,
 * or a DB status. */
static int cart_price(struct request *request, struct cart *cart)
{
	int64_t user_id = request->session.user_id;
	int64_t starts_at = 0, ends_at = 0;
	struct db_rows rows;
	int status;
	/* what the body said stays; what is loaded is loaded afresh (a
	 * transaction that is tried again prices again) */
	memset(&cart->rules, 0, sizeof(cart->rules));
	memset(cart->coupons, 0, sizeof(cart->coupons));
	for (int i = 0; i < cart->line_count; i++) {
		struct cart_line *line = &cart->lines[i];
		if ((status = db_run(request, &rows, sql_cart_item, "i", line->item_id)) != 0)
			return status;
		if (rows.row_count != 1)
			return http_error_message(request, 404, "not_found", "商品 %lld 不存在。", (long long)line->item_id);
		if (i == 0)
			cart->campaign_id = db_int(&rows, 0, 0);
		else if (db_int(&rows, 0, 0) != cart->campaign_id)
			return http_error(request, 422, "mixed_campaigns");
		line->name = db_text(&rows, 0, 1);
		line->price_fen = db_int(&rows, 0, 2);
		line->floor_fen = db_int(&rows, 0, 3);
		line->stock_left = db_int(&rows, 0, 4);
		starts_at = db_int(&rows, 0, 5);
		ends_at = db_int(&rows, 0, 6);
		if (line->floor_fen > line->price_fen)
			line->floor_fen = line->price_fen;
	}

	if (cart->bargain_id != 0) {
		if ((status = db_run(request, &rows, sql_cart_bargain, "i", cart->bargain_id)) != 0)
			return status;
		if (rows.row_count != 1 || db_int(&rows, 0, 0) != user_id)
			return http_error_message(request, 404, "not_found", "找不到这个砍价。");
		if (strcmp(db_text(&rows, 0, 2), "succeeded") != 0)
			return http_error(request, 409, "bargain_not_succeeded");
		cart->bargain_item_id = db_int(&rows, 0, 1);
		cart->bargain_price_fen = db_int(&rows, 0, 3);
		cart->pay_within_s = db_int(&rows, 0, 4);
		bool in_cart = false;
		for (int i = 0; i < cart->line_count; i++)
			in_cart |= cart->lines[i].item_id == cart->bargain_item_id;
		if (!in_cart)
			return http_error_message(request, 400, "invalid_field", "砍价的商品不在 lines 中。");
	}
	/* A succeeded bargain may be ordered after its campaign ends (it has
	 * its own time to pay); anything else only while the campaign runs. */
	if (request->work.now < starts_at || (request->work.now >= ends_at && cart->bargain_id == 0))
		return http_error(request, 410, "campaign_not_active");

	for (int i = 0; i < cart->coupon_count; i++) {
		struct price_coupon *coupon = &cart->coupons[i];
		coupon->id = cart->coupon_ids[i];
		if ((status = db_run(request, &rows, sql_cart_coupon, "i", coupon->id)) != 0)
			return status;
		if (rows.row_count != 1 || db_int(&rows, 0, 0) != user_id) {
			coupon->available = false; /* someone else's is as good as none */
			coupon->amount_fen = 1;
			continue;
		}
		coupon->title = db_text(&rows, 0, 1);
		coupon->amount_fen = db_int(&rows, 0, 2);
		coupon->min_spend_fen = db_int(&rows, 0, 3);
		coupon->starts_at = db_int(&rows, 0, 4);
		coupon->expires_at = db_int(&rows, 0, 5);
		coupon->item_id = db_int(&rows, 0, 6);
		coupon->available = strcmp(db_text(&rows, 0, 7), "available") == 0;
	}

	if ((status = db_run(request, &rows, sql_cart_tiers, "i", cart->campaign_id)) != 0)
		return status;
	for (int r = 0; r < rows.row_count && r < PRICE_TIERS_MAX; r++) {
		cart->tiers[r].min_spend_fen = db_int(&rows, r, 0);
		cart->tiers[r].off_fen = db_int(&rows, r, 1);
		cart->rules.tier_count = r + 1;
	}
	cart->rules.tiers = cart->tiers;
	if ((status = db_run(request, &rows, sql_cart_rules, "i", cart->campaign_id)) != 0)
		return status;
	if (rows.row_count == 1) {
		cart->rules.coupons_stackable = db_int(&rows, 0, 0) != 0;
		cart->rules.coupon_uses_per_customer = db_int(&rows, 0, 1);
	}
	if (cart->rules.coupon_uses_per_customer > 0 && cart->coupon_count > 0) {
		if ((status = db_run(request, &rows, sql_cart_coupon_uses, "ii", user_id, cart->campaign_id)) != 0)
			return status;
		cart->rules.coupon_uses_so_far = db_int(&rows, 0, 0);
	}

	struct price_line lines[PRICE_LINES_MAX];
	memset(lines, 0, sizeof(lines));
	for (int i = 0; i < cart->line_count; i++) {
		lines[i].item_id = cart->lines[i].item_id;
		lines[i].qty = cart->lines[i].qty;
		lines[i].unit_price_fen = cart->lines[i].price_fen;
		lines[i].unit_floor_fen = cart->lines[i].floor_fen;
		if (cart->bargain_id != 0 && lines[i].item_id == cart->bargain_item_id) {
			lines[i].has_bargain = true;
			lines[i].bargain_price_fen = cart->bargain_price_fen;
		}
	}
	struct price_input input = {
		.lines = lines, .line_count = cart->line_count, .coupons = cart->coupons,
		.coupon_count = cart->coupon_count, .rules = &cart->rules, .now = request->work.now,
	};
	enum price_error error = price_quote(&input, &cart->quote);
	if (error == PRICE_BAD_INPUT)
		return http_error_message(request, 400, "invalid_field", "%s", price_error_text(error));
	if (error != PRICE_OK)
		return http_error_message(request, 422, "coupon_not_applicable", "优惠券 %lld 不可用：%s",
					  (long long)cart->quote.error_coupon_id, price_error_text(error));
	return 0;
}

/* The quote as API.md shows it; a new reference. */
static json_t *quote_json(const struct cart *cart)
{
	const struct price_quote *quote = &cart->quote;
	json_t *lines = json_array();
	for (int i = 0; i < cart->line_count; i++) {
		const struct cart_line *line = &cart->lines[i];
		json_t *object = json_pack("{s:I, s:s, s:I, s:I, s:I, s:I}", "item_id", (json_int_t)line->item_id, "name",
					   line->name, "qty", (json_int_t)line->qty, "unit_price_fen",
					   (json_int_t)line->price_fen, "amount_fen", (json_int_t)quote->lines[i].amount_fen,
					   "stock_left", (json_int_t)line->stock_left);
		if (cart->bargain_id != 0 && line->item_id == cart->bargain_item_id)
			json_object_set_new(object, "bargain_price_fen", json_integer((json_int_t)cart->bargain_price_fen));
		json_array_append_new(lines, object);
	}
	json_t *discounts = json_array();
	for (int i = 0; i < quote->discount_count; i++) {
		const struct price_discount *discount = &quote->discounts[i];
		json_t *object = json_pack("{s:s, s:s, s:I}", "kind", price_kind_name(discount->kind), "label",
					   discount->label, "amount_fen", (json_int_t)discount->amount_fen);
		if (discount->kind == PRICE_COUPON)
			json_object_set_new(object, "coupon_id", json_integer((json_int_t)discount->coupon_id));
		json_array_append_new(discounts, object);
	}
	return json_pack("{s:o, s:I, s:o, s:I, s:[], s:I}", "lines", lines, "subtotal_fen",
			 (json_int_t)quote->subtotal_fen, "discounts", discounts, "discount_fen",
			 (json_int_t)quote->discount_fen, "gifts", "total_fen", (json_int_t)quote->total_fen);
}

static int cart_quote(struct request *request)
{
	struct cart *cart = arena_alloc(&request->arena, sizeof(*cart));
	int status = cart_parse(request, cart);
	if (status == 0)
		status = cart_price(request, cart);
	if (status != 0)
		return status;
	return http_reply(request, 200, quote_json(cart));
}

/* ======================================================= idempotency */

static bool idempotency_key_shape(const char *key)
{
	size_t length = strlen(key);
	if (length == 0 || length > IDEMPOTENCY_KEY_MAX)
		return false;
	for (const char *p = key; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-' ||
		      *p == '_' || *p == '.' || *p == ':'))
			return false;
	return true;
}

/* The request's fingerprint: the route and the body as canonical JSON
 * (keys sorted, no spaces), so the same body sent with other spacing or
 * key order is the same request. */
static void request_hash(struct request *request, unsigned char hash[CRYPTO_HMAC_SIZE])
{
	char *canonical = json_dumps(request->json, JSON_COMPACT | JSON_SORT_KEYS);
	if (canonical == NULL)
		abort();
	const char *route = "POST /api/v1/orders";
	crypto_hmac_sha256(route, strlen(route), canonical, strlen(canonical), hash);
	free(canonical);
}

static const char *const sql_idem_claim =
	"INSERT INTO idempotency_key (user_id, idem_key, request_hash, state, claimed_at, created_at) "
	"VALUES (?, ?, ?, 'running', FROM_UNIXTIME(?), FROM_UNIXTIME(?))";
static const char *const sql_idem_read =
	"SELECT request_hash, state, response_status, response_body, UNIX_TIMESTAMP(claimed_at), "
	"UNIX_TIMESTAMP(created_at) FROM idempotency_key WHERE user_id = ? AND idem_key = ?";
static const char *const sql_idem_forget_old =
	"DELETE FROM idempotency_key WHERE user_id = ? AND idem_key = ? AND created_at < FROM_UNIXTIME(?)";
static const char *const sql_idem_take_over =
	"UPDATE idempotency_key SET claimed_at = FROM_UNIXTIME(?) WHERE user_id = ? AND idem_key = ? "
	"AND state = 'running' AND request_hash = ? AND claimed_at < FROM_UNIXTIME(?)";
static const char *const sql_idem_release =
	"DELETE FROM idempotency_key WHERE user_id = ? AND idem_key = ? AND state = 'running'";
static const char *const sql_idem_finish =
	"UPDATE idempotency_key SET state = 'done', response_status = ?, response_body = ?, order_id = ? "
	"WHERE user_id = ? AND idem_key = ? AND state = 'running'";

/* Claims key for this request. Returns 0 when the caller should run it;
 * otherwise the answer is set: 200 the stored answer of the same request,
 * 409 in_progress while it still runs, 422 idempotency_key_reused for
 * another body, or a DB status. */
static int idempotency_claim(struct request *request, const char *key, const unsigned char hash[CRYPTO_HMAC_SIZE])
{
	int64_t user_id = request->session.user_id;
	for (int attempt = 0; attempt < 2; attempt++) {
		int status = db_run(request, NULL, sql_idem_claim, "isbii", user_id, key, hash, (size_t)CRYPTO_HMAC_SIZE,
				    request->work.now, request->work.now);
		if (status == 0)
			return 0;
		if (!(status == 409 && db_was_duplicate(request)))
			return status;
		struct db_rows rows;
		if ((status = db_run(request, &rows, sql_idem_read, "is", user_id, key)) != 0)
			return status;
		if (rows.row_count != 1)
			continue; /* released meanwhile: claim again */
		int64_t created_at = db_int(&rows, 0, 5);
		if (created_at < request->work.now - request->work.config->idempotency_ttl_s) {
			/* past its time and not yet swept: a new key now */
			if ((status = db_run(request, NULL, sql_idem_forget_old, "isi", user_id, key,
					     request->work.now - request->work.config->idempotency_ttl_s)) != 0)
				return status;
			continue;
		}
		if (rows.cells[0].length != CRYPTO_HMAC_SIZE || !crypto_equal(db_text(&rows, 0, 0), hash, CRYPTO_HMAC_SIZE))
			return http_error(request, 422, "idempotency_key_reused");
		if (strcmp(db_text(&rows, 0, 1), "done") == 0) {
			json_error_t error;
			json_t *stored = json_loads(db_text(&rows, 0, 3), 0, &error);
			if (stored == NULL) {
				log_error("order: stored answer of an idempotency key does not parse");
				return http_error(request, 500, "internal_error");
			}
			return http_reply(request, 200, stored);
		}
		/* still running: unless its worker died long ago */
		struct db_rows taken;
		status = db_run(request, &taken, sql_idem_take_over, "iisbi", request->work.now, user_id, key, hash,
				(size_t)CRYPTO_HMAC_SIZE, request->work.now - IDEMPOTENCY_STALE_S);
		if (status != 0)
			return status;
		if (taken.affected == 1) {
			log_warn("order: took over an idempotency key abandoned since %lld",
				 (long long)db_int(&rows, 0, 4));
			return 0;
		}
		return http_error(request, 409, "in_progress");
	}
	return http_error(request, 409, "in_progress");
}

/* ============================================================= order */

struct order_attempt {
	struct cart *cart;
	const char *key;
	const json_t *address;
	int64_t order_id; /* OUT */
};

static const char *const sql_shopper_lock = "SELECT id FROM shopper WHERE id = ? FOR UPDATE";
static const char *const sql_bargain_order =
	"UPDATE bargain SET status = 'ordered', open_slot = NULL, closed_at = FROM_UNIXTIME(?) "
	"WHERE id = ? AND user_id = ? AND status = 'succeeded' AND held = 0"; /* a held bargain waits for review */
static const char *const sql_order_insert =
	"INSERT INTO orders (user_id, campaign_id, bargain_id, status, subtotal_fen, discount_fen, total_fen, "
	"address_name, address_phone, address_province, address_city, address_district, address_detail, pay_by, "
	"created_at, updated_at) VALUES (?, ?, NULLIF(?, 0), 'pending_payment', ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	"FROM_UNIXTIME(?), FROM_UNIXTIME(?), FROM_UNIXTIME(?))";
static const char *const sql_line_insert =
	"INSERT INTO order_line (order_id, item_id, item_name, qty, unit_price_fen, amount_fen, bargain_price_fen) "
	"VALUES (?, ?, ?, ?, ?, ?, IF(?, ?, NULL))";
static const char *const sql_discount_insert =
	"INSERT INTO order_discount (order_id, seq, kind, label, amount_fen, coupon_id) "
	"VALUES (?, ?, ?, ?, ?, NULLIF(?, 0))";
static const char *const sql_coupon_use =
	"UPDATE coupon SET status = 'used', order_id = ?, used_at = FROM_UNIXTIME(?) "
	"WHERE id = ? AND user_id = ? AND status = 'available' AND starts_at <= FROM_UNIXTIME(?) "
	"AND expires_at > FROM_UNIXTIME(?)";
static const char *const sql_event_insert =
	"INSERT INTO order_event (order_id, from_status, to_status, actor, actor_id, note, request_id, created_at) "
	"VALUES (?, ?, ?, ?, NULLIF(?, 0), ?, ?, FROM_UNIXTIME(?))";
static const char *const sql_stock_reserve =
	"UPDATE campaign_item SET stock_left = stock_left - ?, stock_reserved = stock_reserved + ? "
	"WHERE id = ? AND stock_left >= ?";

static int event_log(struct request *request, int64_t order_id, const char *from, const char *to, const char *actor,
		     int64_t actor_id, const char *note)
{
	return db_run(request, NULL, sql_event_insert, "isssissi", order_id, from, to, actor, actor_id, note,
		      request->request_id, request->work.now);
}

static int compare_lines(const void *a, const void *b)
{
	int64_t x = ((const struct cart_line *)a)->item_id, y = ((const struct cart_line *)b)->item_id;
	return (x > y) - (x < y);
}

static int order_transaction(struct request *request, void *context)
{
	struct order_attempt *attempt = context;
	struct cart *cart = attempt->cart;
	int64_t user_id = request->session.user_id;
	int status;
	/* A shopper's orders with coupons go one at a time, so the
	 * per-customer count read below cannot be raced. */
	if (cart->coupon_count > 0 && (status = db_run(request, NULL, sql_shopper_lock, "i", user_id)) != 0)
		return status;
	/* anti-fraud, before anything is written (fraud_check.h). A shadow
	 * decision cannot pretend an order into being without lying about
	 * stock and money, so it is held for review like a review decision. */
	struct fraud_subject subject = { .user_id = user_id, .bargain_id = cart->bargain_id };
	struct fraud_outcome outcome;
	if ((status = fraud_check(request, FRAUD_SCOPE_ORDER, &subject, &outcome)) != 0 ||
	    (status = fraud_velocity(request, FRAUD_SCOPE_ORDER, outcome.phone)) != 0)
		return status;
	if ((status = cart_price(request, cart)) != 0)
		return status;
	for (int i = 0; i < cart->line_count; i++)
		if (cart->lines[i].stock_left < cart->lines[i].qty)
			return http_error(request, 409, "out_of_stock"); /* sold out already: write nothing */

	if (cart->bargain_id != 0) {
		struct db_rows rows;
		if ((status = db_run(request, &rows, sql_bargain_order, "iii", request->work.now, cart->bargain_id, user_id)) != 0)
			return status;
		if (rows.affected != 1)
			return http_error(request, 409, "bargain_not_succeeded");
	}
	int64_t pay_within = cart->bargain_id != 0 ? cart->pay_within_s : request->work.config->order_pay_within_s;
	const json_t *address = attempt->address;
#define ADDRESS(name) json_string_value(json_object_get(address, name))
	struct db_rows inserted;
	const struct price_quote *quote = &cart->quote;
	status = db_run(request, &inserted, sql_order_insert, "iiiiiissssssiii", user_id, cart->campaign_id,
			cart->bargain_id, quote->subtotal_fen, quote->discount_fen, quote->total_fen, ADDRESS("name"),
			ADDRESS("phone"), ADDRESS("province"), ADDRESS("city"), ADDRESS("district"), ADDRESS("detail"),
			request->work.now + pay_within, request->work.now, request->work.now);
#undef ADDRESS
	if (status == 409 && db_was_duplicate(request))
		return http_error(request, 409, "bargain_not_succeeded"); /* the bargain has its order */
	if (status != 0)
		return status;
	int64_t order_id = (int64_t)inserted.insert_id;
	attempt->order_id = order_id;
	if ((outcome.action == FRAUD_REVIEW || outcome.action == FRAUD_SHADOW) &&
	    (status = fraud_hold(request, "order", order_id, outcome.decision_id, false)) != 0)
		return status;

	for (int i = 0; i < cart->line_count; i++) {
		const struct cart_line *line = &cart->lines[i];
		bool bargained = cart->bargain_id != 0 && line->item_id == cart->bargain_item_id;
		status = db_run(request, NULL, sql_line_insert, "iisiiiii", order_id, line->item_id, line->name, line->qty,
				line->price_fen, quote->lines[i].amount_fen, (int64_t)bargained, cart->bargain_price_fen);
		if (status != 0)
			return status;
	}
	for (int i = 0; i < quote->discount_count; i++) {
		const struct price_discount *discount = &quote->discounts[i];
		status = db_run(request, NULL, sql_discount_insert, "iissii", order_id, (int64_t)(i + 1),
				price_kind_name(discount->kind), discount->label, discount->amount_fen, discount->coupon_id);
		if (status != 0)
			return status;
	}
	for (int i = 0; i < cart->coupon_count; i++) {
		struct db_rows rows;
		status = db_run(request, &rows, sql_coupon_use, "iiiiii", order_id, request->work.now, cart->coupon_ids[i],
				user_id, request->work.now, request->work.now);
		if (status != 0)
			return status;
		if (rows.affected != 1)
			return http_error_message(request, 422, "coupon_not_applicable", "优惠券 %lld 不可用：%s",
						  (long long)cart->coupon_ids[i], price_error_text(PRICE_COUPON_UNAVAILABLE));
	}
	if ((status = event_log(request, order_id, NULL, "pending_payment", "shopper", user_id, NULL)) != 0 ||
	    (status = stats_order(request, order_id, STATS_ORDER_PLACED)) != 0)
		return status;

	json_t *object;
	if ((status = order_json(request, order_id, user_id, &object)) != 0)
		return status;
	http_reply(request, 201, object);
	char *text = json_dumps(object, JSON_COMPACT);
	if (text == NULL)
		abort();
	struct db_rows finished;
	status = db_run(request, &finished, sql_idem_finish, "isiis", (int64_t)201, text, order_id, user_id, attempt->key);
	free(text);
	if (status != 0)
		return status;
	if (finished.affected != 1)
		return http_error(request, 409, "in_progress"); /* another request took the key over */

	/* Last, in item order: the hot rows' locks are held only until COMMIT. */
	struct cart_line sorted[PRICE_LINES_MAX];
	memcpy(sorted, cart->lines, sizeof(sorted[0]) * (size_t)cart->line_count);
	qsort(sorted, (size_t)cart->line_count, sizeof(sorted[0]), compare_lines);
	for (int i = 0; i < cart->line_count; i++) {
		struct db_rows rows;
		status = db_run(request, &rows, sql_stock_reserve, "iiii", sorted[i].qty, sorted[i].qty, sorted[i].item_id,
				sorted[i].qty);
		if (status != 0)
			return status;
		if (rows.affected != 1)
			return http_error(request, 409, "out_of_stock");
	}
	return 201;
}

static int order_create(struct request *request)
{
	const char *key = request->idempotency_key;
	if (key == NULL || key[0] == '\0')
		return http_error(request, 400, "missing_idempotency_key");
	if (!idempotency_key_shape(key))
		return http_error_message(request, 400, "invalid_field",
					  "Idempotency-Key 应为 1 到 %d 个字母、数字或 -_.: 字符。", IDEMPOTENCY_KEY_MAX);
	struct order_attempt attempt = { .key = key, .address = json_object_get(request->json, "address") };
	attempt.cart = arena_alloc(&request->arena, sizeof(*attempt.cart));
	int status = validate_object(request, attempt.address, address_fields, "address");
	if (status == 0)
		status = cart_parse(request, attempt.cart);
	if (status != 0)
		return status;

	unsigned char hash[CRYPTO_HMAC_SIZE];
	request_hash(request, hash);
	status = idempotency_claim(request, key, hash);
	if (status != 0)
		return status;
	status = db_transaction(request, order_transaction, &attempt);
	if (status != 201) {
		/* Nothing was ordered: the key may be used again. */
		int saved_status = request->status;
		const char *code = request->error_code, *message = request->error_message;
		db_run(request, NULL, sql_idem_release, "is", request->session.user_id, key);
		request->status = saved_status;
		request->error_code = code;
		request->error_message = message;
		return status;
	}
	return 201;
}

/* ============================================================ cancel */

static const char *const sql_order_for_pay =
	"SELECT user_id, status, total_fen, UNIX_TIMESTAMP(pay_by) FROM orders WHERE id = ?";

static const char *const sql_cancel_by_shopper =
	"UPDATE orders SET status = 'cancelled', cancel_reason = 'shopper', cancelled_at = FROM_UNIXTIME(?), "
	"updated_at = FROM_UNIXTIME(?) WHERE id = ? AND user_id = ? AND status = 'pending_payment'";
static const char *const sql_cancel_by_timeout =
	"UPDATE orders SET status = 'cancelled', cancel_reason = 'timeout', cancelled_at = FROM_UNIXTIME(?), "
	"updated_at = FROM_UNIXTIME(?) WHERE id = ? AND status = 'pending_payment' AND pay_by <= FROM_UNIXTIME(?)";
static const char *const sql_lines_of =
	"SELECT item_id, qty FROM order_line WHERE order_id = ? ORDER BY item_id";
static const char *const sql_stock_release =
	"UPDATE campaign_item SET stock_reserved = stock_reserved - ?, stock_left = stock_left + ? "
	"WHERE id = ? AND stock_reserved >= ?";
static const char *const sql_stock_confirm =
	"UPDATE campaign_item SET stock_reserved = stock_reserved - ?, stock_sold = stock_sold + ? "
	"WHERE id = ? AND stock_reserved >= ?";
static const char *const sql_coupons_give_back =
	"UPDATE coupon SET status = 'available', order_id = NULL, used_at = NULL WHERE order_id = ? AND status = 'used'";

/* Moves every line's quantity with stock_sql (release or confirm). A row
 * that does not move means the stock columns disagree with the orders: a
 * bug, refused with 500 so the transaction rolls back. */
static int stock_move(struct request *request, int64_t order_id, const char *stock_sql)
{
	struct db_rows lines;
	int status = db_run(request, &lines, sql_lines_of, "i", order_id);
	if (status != 0)
		return status;
	for (int r = 0; r < lines.row_count; r++) {
		int64_t item_id = db_int(&lines, r, 0), qty = db_int(&lines, r, 1);
		struct db_rows rows;
		if ((status = db_run(request, &rows, stock_sql, "iiii", qty, qty, item_id, qty)) != 0)
			return status;
		if (rows.affected != 1) {
			log_error("order %lld: item %lld has less than %lld reserved", (long long)order_id,
				  (long long)item_id, (long long)qty);
			return http_error(request, 500, "internal_error");
		}
	}
	return 0;
}

struct cancel {
	int64_t order_id;
	int64_t user_id; /* 0: the sweeper */
};

/* pending_payment -> cancelled, then stock and coupons back. Returns 0, 409
 * invalid_state (not pending, or for the sweeper not yet due), or a DB
 * status. */
static int cancel_apply(struct request *request, const struct cancel *cancel)
{
	struct db_rows rows;
	int status = cancel->user_id != 0
			     ? db_run(request, &rows, sql_cancel_by_shopper, "iiii", request->work.now, request->work.now,
				      cancel->order_id, cancel->user_id)
			     : db_run(request, &rows, sql_cancel_by_timeout, "iiii", request->work.now, request->work.now,
				      cancel->order_id, request->work.now);
	if (status != 0)
		return status;
	if (rows.affected != 1)
		return http_error(request, 409, "invalid_state");
	/* coupons before items: the order transaction takes them in that order */
	if ((status = db_run(request, NULL, sql_coupons_give_back, "i", cancel->order_id)) != 0 ||
	    (status = stats_order(request, cancel->order_id, STATS_ORDER_CANCELLED)) != 0)
		return status;
	if ((status = stock_move(request, cancel->order_id, sql_stock_release)) != 0)
		return status;
	return event_log(request, cancel->order_id, "pending_payment", "cancelled", cancel->user_id ? "shopper" : "system",
			 cancel->user_id, cancel->user_id ? "shopper" : "timeout");
}

static int cancel_transaction(struct request *request, void *context)
{
	int status = cancel_apply(request, context);
	return status != 0 ? status : 200;
}

static int order_cancel(struct request *request)
{
	struct cancel cancel = { .order_id = http_path_id(request, 0), .user_id = request->session.user_id };
	struct db_rows order;
	int status = db_run(request, &order, sql_order_for_pay, "i", cancel.order_id);
	if (status != 0)
		return status;
	if (order.row_count != 1 || db_int(&order, 0, 0) != cancel.user_id)
		return http_error(request, 404, "not_found");
	json_t *object;
	status = db_transaction(request, cancel_transaction, &cancel);
	if (status != 200)
		return status;
	if ((status = order_json(request, cancel.order_id, cancel.user_id, &object)) != 0)
		return status;
	return http_reply(request, 200, object);
}

/* ============================================================ sweep */

static const char *const sql_sweep_lock = "SELECT GET_LOCK('kanjia.order_sweep', 0)";
static const char *const sql_sweep_unlock = "SELECT RELEASE_LOCK('kanjia.order_sweep')";
static const char *const sql_sweep_due =
	"SELECT id FROM orders WHERE status = 'pending_payment' AND pay_by <= FROM_UNIXTIME(?) "
	"ORDER BY pay_by LIMIT ?";
static const char *const sql_sweep_keys =
	"DELETE FROM idempotency_key WHERE created_at < FROM_UNIXTIME(?) LIMIT ?";

long order_sweep(struct request *request)
{
	struct db_rows rows;
	if (db_run(request, &rows, sql_sweep_lock, "") != 0 || rows.row_count != 1 || db_int(&rows, 0, 0) != 1)
		return 0;
	/* After a flash sale thousands may fall due at once: batch after batch,
	 * within a time budget, so one sweep does not hold a worker long. */
	long cancelled = 0;
	int64_t started = clock_micros();
	for (int batch = 0; batch < SWEEP_BATCHES_MAX && clock_micros() - started < SWEEP_BUDGET_US; batch++) {
		if (db_run(request, &rows, sql_sweep_due, "ii", request->work.now, (int64_t)SWEEP_BATCH) != 0) {
			cancelled = -1;
			break;
		}
		for (int r = 0; r < rows.row_count; r++) {
			struct cancel cancel = { .order_id = db_int(&rows, r, 0), .user_id = 0 };
			/* 409: paid or cancelled meanwhile; other failures are logged by db.c */
			if (db_transaction(request, cancel_transaction, &cancel) == 200)
				cancelled++;
		}
		if (rows.row_count < SWEEP_BATCH)
			break;
	}
	db_run(request, NULL, sql_sweep_keys, "ii", request->work.now - request->work.config->idempotency_ttl_s,
	       (int64_t)SWEEP_KEYS_BATCH);
	db_run(request, NULL, sql_sweep_unlock, "");
	if (cancelled > 0)
		log_info("sweep: cancelled %ld unpaid orders", cancelled);
	return cancelled;
}

/* =========================================================== payment */

static const char *const sql_payment_open =
	"SELECT provider_ref, amount_fen FROM payment WHERE order_id = ? AND provider = ? AND status = 'created' "
	"ORDER BY id DESC LIMIT 1";
static const char *const sql_payment_insert =
	"INSERT INTO payment (order_id, provider, provider_ref, amount_fen, status, created_at) "
	"VALUES (?, ?, ?, ?, 'created', FROM_UNIXTIME(?))";

static int order_pay(struct request *request)
{
	int64_t order_id = http_path_id(request, 0);
	const struct payment_provider *provider = payment_provider_find(request->work.config->payment_provider);
	if (provider == NULL)
		return http_error(request, 503, "unavailable");
	struct db_rows order;
	int status = db_run(request, &order, sql_order_for_pay, "i", order_id);
	if (status != 0)
		return status;
	if (order.row_count != 1 || db_int(&order, 0, 0) != request->session.user_id)
		return http_error(request, 404, "not_found");
	if (strcmp(db_text(&order, 0, 1), "pending_payment") != 0)
		return http_error(request, 409, "invalid_state");
	int64_t pay_by = db_int(&order, 0, 3), amount = db_int(&order, 0, 2);
	if (pay_by <= request->work.now)
		return http_error_message(request, 409, "invalid_state", "订单已超过支付时限。");

	struct db_rows open;
	if ((status = db_run(request, &open, sql_payment_open, "is", order_id, provider->name)) != 0)
		return status;
	char ref[PAYMENT_REF_SIZE];
	if (open.row_count == 1 && db_int(&open, 0, 1) == amount) {
		snprintf(ref, sizeof(ref), "%s", db_text(&open, 0, 0));
	} else {
		provider->new_ref(ref);
		if ((status = db_run(request, NULL, sql_payment_insert, "issii", order_id, provider->name, ref, amount,
				     request->work.now)) != 0)
			return status;
	}
	char pay_by_text[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(pay_by, pay_by_text);
	json_t *answer = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s}", "provider", provider->name, "payment_id", ref,
				   "order_id", (json_int_t)order_id, "amount_fen", (json_int_t)amount, "pay_by",
				   pay_by_text, "notify_url", "/api/v1/payments/sandbox/notify");
	if (provider->open != NULL) /* issue 16: WeChat Pay, Alipay */
		return pay_open_reply(request, provider, order_id, amount, ref, pay_by, answer);
	return http_reply(request, 200, answer);
}

/* ------------------------------------------------------------ notify */

static const struct field payment_notify_body[] = {
	{ .name = "payment_id", .type = FIELD_STRING, .required = true, .min = 1, .max = PAYMENT_REF_SIZE - 1 },
	{ .name = "order_id", .type = FIELD_INT, .required = true, .min = 1, .max = INT64_MAX },
	{ .name = "amount_fen", .type = FIELD_INT, .required = true, .min = 0, .max = INT64_MAX },
	{ .name = "status", .type = FIELD_STRING, .required = true, .min = 1, .max = 20 },
	{ .name = NULL },
};

static const char *const sql_payment_lock =
	"SELECT id, order_id, amount_fen, status FROM payment WHERE provider = ? AND provider_ref = ? FOR UPDATE";
static const char *const sql_notify_record =
	"INSERT INTO payment_notify (provider, provider_ref, order_id, amount_fen, reported, outcome, request_id, "
	"created_at) VALUES (?, ?, ?, ?, ?, ?, ?, FROM_UNIXTIME(?))";
static const char *const sql_order_paid =
	"UPDATE orders SET status = 'paid', paid_at = FROM_UNIXTIME(?), payment_id = ?, updated_at = FROM_UNIXTIME(?) "
	"WHERE id = ? AND status = 'pending_payment' AND total_fen = ?";
static const char *const sql_payment_succeeded =
	"UPDATE payment SET status = 'succeeded', notified_at = FROM_UNIXTIME(?) WHERE id = ? AND status = 'created'";
static const char *const sql_payment_refund_due =
	"UPDATE payment SET status = 'refund_due', notified_at = FROM_UNIXTIME(?) WHERE id = ? AND status = 'created'";
static const char *const sql_order_owner_total = "SELECT user_id, total_fen, status FROM orders WHERE id = ?";

struct notify {
	const char *provider;
	const char *ref;
	int64_t order_id, amount_fen;
	const char *reported;
	const char *outcome; /* OUT */
};

static int notify_record(struct request *request, struct notify *notify, const char *outcome)
{
	notify->outcome = outcome;
	return db_run(request, NULL, sql_notify_record, "ssiisssi", notify->provider, notify->ref, notify->order_id,
		      notify->amount_fen, notify->reported, outcome, request->request_id, request->work.now);
}

static int notify_answer(struct request *request, const struct notify *notify)
{
	return http_reply(request, 200, json_pack("{s:b, s:s}", "received", 1, "outcome", notify->outcome));
}

/* Points for a paid order: one ledger row per order, with the balance. */
static int points_for_order(struct request *request, int64_t user_id, int64_t order_id, int64_t total_fen)
{
	int64_t points = total_fen / 100 * request->work.config->points_per_yuan_paid;
	if (points <= 0)
		return 0;
	return points_apply(request, user_id, points, "order_paid", order_id);
}

static int notify_transaction(struct request *request, void *context)
{
	struct notify *notify = context;
	struct db_rows payment;
	int status = db_run(request, &payment, sql_payment_lock, "ss", notify->provider, notify->ref);
	if (status != 0)
		return status;
	request->work.commit_on_error = true; /* a refused notify is still recorded */
	if (payment.row_count != 1 || db_int(&payment, 0, 1) != notify->order_id) {
		if ((status = notify_record(request, notify, "unknown")) != 0)
			return status;
		return http_error(request, 404, "not_found");
	}
	int64_t payment_id = db_int(&payment, 0, 0);
	if (strcmp(notify->reported, "success") != 0) {
		if ((status = notify_record(request, notify, "ignored")) != 0)
			return status;
		return notify_answer(request, notify);
	}
	struct db_rows order;
	if ((status = db_run(request, &order, sql_order_owner_total, "i", notify->order_id)) != 0)
		return status;
	if (order.row_count != 1)
		return http_error(request, 500, "internal_error");
	int64_t total = db_int(&order, 0, 1), user_id = db_int(&order, 0, 0);
	if (notify->amount_fen != db_int(&payment, 0, 2) || notify->amount_fen != total) {
		if ((status = notify_record(request, notify, "amount_mismatch")) != 0)
			return status;
		return http_error(request, 422, "amount_mismatch");
	}
	request->work.commit_on_error = false;

	struct db_rows rows;
	if ((status = db_run(request, &rows, sql_order_paid, "iiiii", request->work.now, payment_id, request->work.now,
			     notify->order_id, total)) != 0)
		return status;
	if (rows.affected == 1) {
		if ((status = points_for_order(request, user_id, notify->order_id, total)) != 0 ||
		    (status = stats_order(request, notify->order_id, STATS_ORDER_PAID)) != 0 ||
		    (status = stock_move(request, notify->order_id, sql_stock_confirm)) != 0 ||
		    (status = db_run(request, NULL, sql_payment_succeeded, "ii", request->work.now, payment_id)) != 0 ||
		    (status = event_log(request, notify->order_id, "pending_payment", "paid", "provider", 0,
					notify->provider)) != 0 ||
		    (status = notify_record(request, notify, "paid")) != 0)
			return status;
		return notify_answer(request, notify);
	}
	/* Not pending any more. This payment already applied: a replay. Else
	 * the money came for an order that cannot take it (cancelled by the
	 * sweeper or the shopper, or paid by another payment): owed back. */
	const char *payment_status = db_text(&payment, 0, 3);
	if (strcmp(payment_status, "created") != 0)
		status = notify_record(request, notify, "duplicate");
	else if ((status = db_run(request, NULL, sql_payment_refund_due, "ii", request->work.now, payment_id)) == 0) {
		log_warn("payment %lld for order %lld (%s) arrived too late: refund due", (long long)payment_id,
			 (long long)notify->order_id, db_text(&order, 0, 2));
		status = notify_record(request, notify, "refund_due");
	}
	if (status != 0)
		return status;
	return notify_answer(request, notify);
}

static int payment_sandbox_notify(struct request *request)
{
	const struct payment_provider *provider = payment_provider_find("sandbox");
	if (provider == NULL || !provider->verify(request->work.config, request->payment_signature, request->body,
						   request->body_size)) {
		log_warn("payment notify: bad or missing signature");
		return http_error(request, 401, "bad_signature");
	}
	struct notify notify = {
		.provider = provider->name,
		.ref = body_string(request, "payment_id"),
		.order_id = body_int(request, "order_id", 0),
		.amount_fen = body_int(request, "amount_fen", 0),
		.reported = body_string(request, "status"),
	};
	return db_transaction(request, notify_transaction, &notify);
}

/* issue 16: the real providers' notifies (pay_routes.c) come here once verified. */
int checkout_notify_apply(struct request *request, const char *provider, const char *ref, int64_t order_id,
			  int64_t amount_fen, const char *reported)
{
	struct notify notify = {
		.provider = provider, .ref = ref, .order_id = order_id, .amount_fen = amount_fen, .reported = reported,
	};
	return db_transaction(request, notify_transaction, &notify);
}

/* ============================================================ points */

static const char *const sql_points_balance = "SELECT points_balance FROM shopper WHERE id = ?";
static const char *const sql_points_ledger =
	"SELECT id, delta, balance_after, reason, order_id, UNIX_TIMESTAMP(created_at) FROM points_ledger "
	"WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?";

static int points_get_mine(struct request *request)
{
	int64_t limit, cursor;
	int status = http_list_params_newest_first(request, &limit, &cursor);
	if (status != 0)
		return status;
	struct db_rows balance, rows;
	if ((status = db_run(request, &balance, sql_points_balance, "i", request->session.user_id)) != 0)
		return status;
	if (balance.row_count != 1)
		return http_error(request, 401, "unauthorized");
	if ((status = db_run(request, &rows, sql_points_ledger, "iii", request->session.user_id, cursor, limit)) != 0)
		return status;
	json_t *items = json_array();
	for (int r = 0; r < rows.row_count; r++)
		json_array_append_new(items, json_pack("{s:I, s:I, s:I, s:s, s:o, s:o}", "id", (json_int_t)db_int(&rows, r, 0),
						       "delta", (json_int_t)db_int(&rows, r, 1), "balance_after",
						       (json_int_t)db_int(&rows, r, 2), "reason", db_text(&rows, r, 3),
						       "order_id", int_or_null(&rows, r, 4), "at",
						       time_or_null(&rows, r, 5)));
	int64_t last = rows.row_count ? db_int(&rows, rows.row_count - 1, 0) : 0;
	return http_reply(request, 200, json_pack("{s:I, s:o, s:o}", "balance", (json_int_t)db_int(&balance, 0, 0),
						  "items", items, "next_cursor", next_cursor(last, rows.row_count, limit)));
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "POST", "/api/v1/cart/quote", cart_quote, AUTH_SHOPPER, 0, cart_quote_body },
	{ "POST", "/api/v1/orders", order_create, AUTH_SHOPPER, 0, order_create_body },
	{ "GET", "/api/v1/orders", order_list_mine, AUTH_SHOPPER, 0, NULL },
	{ "GET", "/api/v1/orders/{id}", order_get, AUTH_SHOPPER, 0, NULL },
	{ "POST", "/api/v1/orders/{id}/pay", order_pay, AUTH_SHOPPER, 0, NULL },
	{ "POST", "/api/v1/orders/{id}/cancel", order_cancel, AUTH_SHOPPER, 0, NULL },
	{ "POST", "/api/v1/payments/sandbox/notify", payment_sandbox_notify, AUTH_NONE, 0, payment_notify_body },
	{ "GET", "/api/v1/me/points", points_get_mine, AUTH_SHOPPER, 0, NULL },
};

const struct route_table checkout_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
