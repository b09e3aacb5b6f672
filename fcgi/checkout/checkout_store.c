/* checkout_store.c: the only SQL of orders, order_line, order_discount,
 * order_event, idempotency_key, payment and payment_notify (see
 * checkout_store.h). */
#include "checkout/checkout_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "admin/stats.h"
#include "campaign/campaign_store.h"
#include "checkout/promo_kinds_store.h"
#include "core/arena.h"
#include "core/arena_json.h"
#include "core/log.h"
#include "core/marks.h"
#include "core/outcome.h"
#include "db/lease.h"
#include "fraud/fraud_store.h"
#include "fraud/limit.h"

/* ============================================================ order reads */

static const char *const sql_order_read =
	"SELECT id, user_id, campaign_id, bargain_id, status, subtotal_fen, discount_fen, total_fen, "
	"address_name, address_phone, address_province, address_city, address_district, address_detail, "
	"TIMESTAMPDIFF(SECOND, '1970-01-01', pay_by), TIMESTAMPDIFF(SECOND, '1970-01-01', paid_at), TIMESTAMPDIFF(SECOND, '1970-01-01', cancelled_at), cancel_reason, "
	"TIMESTAMPDIFF(SECOND, '1970-01-01', shipped_at), carrier, tracking_no, TIMESTAMPDIFF(SECOND, '1970-01-01', completed_at), "
	"TIMESTAMPDIFF(SECOND, '1970-01-01', refunded_at), TIMESTAMPDIFF(SECOND, '1970-01-01', created_at), kind FROM orders WHERE id = ?";
static const char *const sql_order_lines =
	"SELECT item_id, item_name, qty, unit_price_fen, amount_fen, bargain_price_fen FROM order_line "
	"WHERE order_id = ? ORDER BY id";
static const char *const sql_order_discounts =
	"SELECT kind, label, amount_fen, coupon_id, promotion_id FROM order_discount WHERE order_id = ? ORDER BY seq";
static const char *const sql_my_orders =
	"SELECT id FROM orders WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?";
static const char *const sql_order_head =
	"SELECT user_id, status, total_fen, TIMESTAMPDIFF(SECOND, '1970-01-01', pay_by), COALESCE(payment_id, 0), COALESCE(bargain_id, 0) "
	"FROM orders WHERE id = ?";
static const char *const sql_shopper_paid_once =
	"SELECT 1 FROM orders WHERE user_id = ? AND paid_at IS NOT NULL LIMIT 1";
static const char *const sql_order_quantities =
	"SELECT l.item_id, l.qty FROM order_line l JOIN orders o ON o.id = l.order_id "
	"WHERE l.order_id = ? AND o.kind <> 'final' ORDER BY l.item_id"; /* a final order's deposit holds its stock */

int order_read(struct unit *unit, int64_t order_id, struct order_rows *rows)
{
	int result = db_exec(unit, &rows->order, sql_order_read, "i", order_id);
	if (result != DB_OK)
		return result;
	if (rows->order.row_count != 1)
		return OUT_NOT_FOUND;
	if ((result = db_exec(unit, &rows->lines, sql_order_lines, "i", order_id)) != DB_OK ||
	    (result = order_gifts_read(unit, order_id, &rows->gifts)) != DB_OK ||
	    (result = order_points_read(unit, order_id, &rows->points_used)) != DB_OK)
		return result;
	return db_exec(unit, &rows->discounts, sql_order_discounts, "i", order_id);
}

int shopper_has_paid_order(struct unit *unit, int64_t user_id, bool *paid)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_shopper_paid_once, "i", user_id);
	*paid = result == DB_OK && rows.row_count == 1;
	return result;
}

int order_ids_of_shopper(struct unit *unit, int64_t user_id, int64_t before, int64_t limit, struct db_rows *rows)
{
	return db_exec(unit, rows, sql_my_orders, "iii", user_id, before, limit);
}

int order_head_read(struct unit *unit, int64_t order_id, struct order_head *head)
{
	memset(head, 0, sizeof(*head));
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_order_head, "i", order_id);
	if (result != DB_OK)
		return result;
	if (rows.row_count != 1)
		return OUT_NOT_FOUND;
	head->user_id = db_int(&rows, 0, 0);
	head->status = db_text(&rows, 0, 1);
	head->total_fen = db_int(&rows, 0, 2);
	head->pay_by = db_int(&rows, 0, 3);
	head->bargain_id = db_int(&rows, 0, 5);
	head->payment_id = db_int(&rows, 0, 4);
	return DB_OK;
}

int order_quantities(struct unit *unit, int64_t order_id, struct db_rows *rows)
{
	return db_exec(unit, rows, sql_order_quantities, "i", order_id);
}

/* =========================================================== order writes */

static const char *const sql_order_insert =
	"INSERT INTO orders (user_id, campaign_id, bargain_id, status, subtotal_fen, discount_fen, total_fen, "
	"address_name, address_phone, address_province, address_city, address_district, address_detail, pay_by, "
	"created_at, updated_at) VALUES (?, ?, NULLIF(?, 0), 'pending_payment', ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	"TIMESTAMPADD(SECOND, ?, '1970-01-01'), TIMESTAMPADD(SECOND, ?, '1970-01-01'), TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_line_insert =
	"INSERT INTO order_line (order_id, item_id, item_name, qty, unit_price_fen, amount_fen, bargain_price_fen) "
	"VALUES (?, ?, ?, ?, ?, ?, IF(?, ?, NULL))";
static const char *const sql_discount_insert =
	"INSERT INTO order_discount (order_id, seq, kind, label, amount_fen, coupon_id, promotion_id) "
	"VALUES (?, ?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0))";
static const char *const sql_event_insert =
	"INSERT INTO order_event (order_id, from_status, to_status, actor, actor_id, note, request_id, created_at) "
	"VALUES (?, ?, ?, ?, NULLIF(?, 0), ?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_cancel_by_shopper =
	"UPDATE orders SET status = 'cancelled', cancel_reason = 'shopper', cancelled_at = TIMESTAMPADD(SECOND, ?, '1970-01-01'), "
	"updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE id = ? AND user_id = ? AND status = 'pending_payment'";
static const char *const sql_cancel_by_timeout =
	"UPDATE orders SET status = 'cancelled', cancel_reason = 'timeout', cancelled_at = TIMESTAMPADD(SECOND, ?, '1970-01-01'), "
	"updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE id = ? AND status = 'pending_payment' AND pay_by <= TIMESTAMPADD(SECOND, ?, '1970-01-01')";
static const char *const sql_order_paid =
	"UPDATE orders SET status = 'paid', paid_at = TIMESTAMPADD(SECOND, ?, '1970-01-01'), payment_id = ?, updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"WHERE id = ? AND user_id = ? AND status = 'pending_payment' AND total_fen = ?";
static const char *const sql_order_ship =
	"UPDATE orders SET status = 'shipped', carrier = ?, tracking_no = ?, shipped_at = TIMESTAMPADD(SECOND, ?, '1970-01-01'), "
	"updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE id = ? AND status = 'paid'";
static const char *const sql_order_complete_by_shopper =
	"UPDATE orders SET status = 'completed', completed_at = TIMESTAMPADD(SECOND, ?, '1970-01-01'), updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"WHERE id = ? AND user_id = ? AND status = 'shipped'";
static const char *const sql_order_complete_by_time =
	"UPDATE orders SET status = 'completed', completed_at = TIMESTAMPADD(SECOND, ?, '1970-01-01'), updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"WHERE id = ? AND status = 'shipped' AND shipped_at <= TIMESTAMPADD(SECOND, ?, '1970-01-01')";
static const char *const sql_order_refund =
	"UPDATE orders SET status = 'refunded', refunded_at = TIMESTAMPADD(SECOND, ?, '1970-01-01'), updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"WHERE id = ? AND status = ?";

int order_insert(struct unit *unit, const struct order_new *order, int64_t *order_id)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_order_insert, "iiiiiissssssiii", order->user_id, order->campaign_id,
			     order->bargain_id, order->subtotal_fen, order->discount_fen, order->total_fen, order->name,
			     order->phone, order->province, order->city, order->district, order->detail, order->pay_by,
			     unit->now, unit->now);
	*order_id = result == DB_OK ? (int64_t)rows.insert_id : 0;
	return result;
}

int order_line_insert(struct unit *unit, int64_t order_id, int64_t item_id, const char *name, int64_t qty,
		      int64_t unit_price_fen, int64_t amount_fen, bool bargained, int64_t bargain_price_fen)
{
	return db_exec(unit, NULL, sql_line_insert, "iisiiiii", order_id, item_id, name, qty, unit_price_fen, amount_fen,
		       (int64_t)bargained, bargain_price_fen);
}

int order_discount_insert(struct unit *unit, int64_t order_id, int64_t seq, const char *kind, const char *label,
			  int64_t amount_fen, int64_t coupon_id, int64_t promotion_id)
{
	return db_exec(unit, NULL, sql_discount_insert, "iissiii", order_id, seq, kind, label, amount_fen, coupon_id,
		       promotion_id);
}

int order_event_add(struct unit *unit, int64_t order_id, const char *from, const char *to, const char *actor,
		    int64_t actor_id, const char *note)
{
	return db_exec(unit, NULL, sql_event_insert, "isssissi", order_id, from, to, actor, actor_id, note,
		       unit->request_id, unit->now);
}

int order_cancelled_mark(struct unit *unit, int64_t order_id, int64_t user_id)
{
	if (user_id != 0)
		return db_exec_one(unit, OUT_INVALID_STATE, sql_cancel_by_shopper, "iiii", unit->now, unit->now, order_id,
			       user_id);
	return db_exec_one(unit, OUT_INVALID_STATE, sql_cancel_by_timeout, "iiii", unit->now, unit->now, order_id, unit->now);
}

int order_paid_mark(struct unit *unit, int64_t order_id, int64_t user_id, int64_t payment_id, int64_t total_fen)
{
	marks_changed(MARK_SHOPPER, user_id); /* its /me's member level */
	return db_exec_one(unit, OUT_INVALID_STATE, sql_order_paid, "iiiiii", unit->now, payment_id, unit->now, order_id,
			   user_id, total_fen);
}

int order_shipped_mark(struct unit *unit, int64_t order_id, const char *carrier, const char *tracking_no)
{
	return db_exec_one(unit, OUT_INVALID_STATE, sql_order_ship, "ssiii", carrier, tracking_no, unit->now, unit->now,
		       order_id);
}

int order_completed_mark(struct unit *unit, int64_t order_id, int64_t user_id, int64_t shipped_before)
{
	if (user_id != 0)
		return db_exec_one(unit, OUT_INVALID_STATE, sql_order_complete_by_shopper, "iiii", unit->now, unit->now,
			       order_id, user_id);
	return db_exec_one(unit, OUT_INVALID_STATE, sql_order_complete_by_time, "iiii", unit->now, unit->now, order_id,
		       shipped_before);
}

int order_refunded_mark(struct unit *unit, int64_t order_id, const char *from)
{
	return db_exec_one(unit, OUT_INVALID_STATE, sql_order_refund, "iiis", unit->now, unit->now, order_id, from);
}

/* ============================================ the order in few round trips */

/* The cart's items in the order asked (JSON_TABLE over their ids), with
 * the shopper's phone, the bargain's signature, the rule set's version and
 * the shopper's session facts (token version, blocked, the token logged
 * out: the route is AUTH_SHOPPER_FOLDED) on every row. */
static const char *const sql_order_facts =
	"SELECT j.n, i.id, i.campaign_id, i.name, i.original_price_fen, i.checkout_floor_fen, i.stock_left, "
	"TIMESTAMPDIFF(SECOND, '1970-01-01', c.starts_at), TIMESTAMPDIFF(SECOND, '1970-01-01', c.ends_at), "
	"s.phone, (SELECT b.signature FROM bargain b WHERE b.id = ?), "
	"(SELECT COALESCE(MAX(f.version), 0) FROM fraud_state f WHERE f.id = 1), "
	"EXISTS(SELECT 1 FROM idempotency_key k WHERE k.user_id = ? AND k.idem_key = ?), "
	"s.id, s.token_version, s.blocked, (SELECT COUNT(*) FROM revoked_token r WHERE r.jti = ?) "
	"FROM JSON_TABLE(?, '$[*]' COLUMNS (n FOR ORDINALITY, item_id BIGINT PATH '$')) AS j "
	"LEFT JOIN shopper s ON s.id = ? "
	"LEFT JOIN campaign_item i ON i.id = j.item_id LEFT JOIN campaign c ON c.id = i.campaign_id ORDER BY j.n";

int order_facts_load(struct unit *unit, const int64_t *item_ids, int count, int64_t user_id, int64_t bargain_id,
		     const char *key, struct item_for_cart *items, const char **phone, const char **signature,
		     int64_t *rules_version, bool *key_seen)
{
	char *ids = arena_alloc(unit->arena, (size_t)count * 21 + 3);
	size_t used = 0;
	ids[used++] = '[';
	for (int i = 0; i < count; i++)
		used += (size_t)snprintf(ids + used, 22, "%s%lld", i ? "," : "", (long long)item_ids[i]);
	ids[used++] = ']';
	ids[used] = '\0';
	memset(items, 0, sizeof(*items) * (size_t)count);
	*phone = *signature = NULL;
	*rules_version = 0;
	*key_seen = false;
	struct db_rows rows;
	bool carries = unit_session_carry(unit); /* the shopper is the caller */
	int result = db_exec(unit, &rows, sql_order_facts, "iisssi", bargain_id, user_id, key,
			     carries ? unit->session->jti : "", ids, user_id);
	if (result != DB_OK)
		return result;
	/* a shopper who is gone leaves the session to the door's own check */
	if (carries && rows.row_count > 0 && !db_null(&rows, 0, 13) &&
	    (result = unit_session_settle(unit, db_int(&rows, 0, 14), db_int(&rows, 0, 15) != 0,
					  db_int(&rows, 0, 16) != 0)) != DB_OK)
		return result;
	for (int r = 0; r < rows.row_count; r++) {
		int64_t n = db_int(&rows, r, 0);
		if (r == 0) {
			*phone = db_null(&rows, r, 9) ? NULL : db_text(&rows, r, 9);
			*signature = db_null(&rows, r, 10) ? NULL : db_text(&rows, r, 10);
			*rules_version = db_int(&rows, r, 11);
			*key_seen = db_int(&rows, r, 12) != 0;
		}
		if (n < 1 || n > count || db_null(&rows, r, 1))
			continue; /* no such item */
		items[n - 1] = (struct item_for_cart){
			.found = true, .campaign_id = db_int(&rows, r, 2), .name = db_text(&rows, r, 3),
			.price_fen = db_int(&rows, r, 4), .floor_fen = db_int(&rows, r, 5),
			.stock_left = db_int(&rows, r, 6), .starts_at = db_int(&rows, r, 7), .ends_at = db_int(&rows, r, 8),
		};
	}
	return DB_OK;
}

static const char *const sql_order_apply =
	"CALL order_apply(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/* value's compact text in the unit's arena (value released). */
static const char *json_text(struct unit *unit, json_t *value)
{
	if (value == NULL)
		abort(); /* out of memory */
	const char *text = arena_json_text(unit->arena, value, JSON_COMPACT);
	json_decref(value);
	return text;
}

int order_apply(struct unit *unit, const struct order_write *write, struct order_applied_result *result)
{
	*result = (struct order_applied_result){ .applied = ORDER_APPLIED, .limited_index = -1 };
	const struct order_new *order = write->order;
	json_t *head = json_pack("{s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "campaign_id",
				 (json_int_t)order->campaign_id, "bargain_id", (json_int_t)order->bargain_id,
				 "subtotal_fen", (json_int_t)order->subtotal_fen, "discount_fen",
				 (json_int_t)order->discount_fen, "total_fen", (json_int_t)order->total_fen, "name",
				 order->name, "phone", order->phone, "province", order->province, "city", order->city,
				 "district", order->district, "detail", order->detail, "pay_by", (json_int_t)order->pay_by);
	json_t *lines = json_array(), *discounts = json_array(), *reserve = json_array();
	if (head == NULL || lines == NULL || discounts == NULL || reserve == NULL)
		abort();
	for (int i = 0; i < write->line_count; i++) {
		const struct order_line_new *line = &write->lines[i];
		json_array_append_new(lines, json_pack("[I, s, I, I, I, i, I]", (json_int_t)line->item_id, line->name,
						       (json_int_t)line->qty, (json_int_t)line->unit_price_fen,
						       (json_int_t)line->amount_fen, (int)line->bargained,
						       (json_int_t)line->bargain_price_fen));
	}
	for (int i = 0; i < write->discount_count; i++) {
		const struct order_discount_new *discount = &write->discounts[i];
		json_array_append_new(discounts, json_pack("[I, s, s, I, I, I]", (json_int_t)discount->seq, discount->kind,
							   discount->label, (json_int_t)discount->amount_fen,
							   (json_int_t)discount->coupon_id,
							   (json_int_t)discount->promotion_id));
	}
	for (int i = 0; write->reserve != NULL && i < write->reserve_count; i++)
		json_array_append_new(reserve, json_pack("[I, I]", (json_int_t)write->reserve[i].item_id,
							 (json_int_t)write->reserve[i].qty));
	int64_t hour, shard;
	char day[11];
	stats_row_key(unit->now, &hour, &shard, day);

	struct db_rows rows;
	int status = db_exec(unit, &rows, sql_order_apply, "isisbsisssissssiisssi", unit->now, unit->request_id,
			     order->user_id, write->key, write->hash, (size_t)CRYPTO_HMAC_SIZE,
			     fraud_event_text(unit, write->event), write->rule_id, write->rule_field, write->shown,
			     write->action, (int64_t)write->hold, limit_buckets_text(unit, write->limits, write->limit_count),
			     json_text(unit, head), json_text(unit, lines), json_text(unit, discounts), hour, shard, day,
			     write->answer_tail, json_text(unit, reserve), (int64_t)write->own_transaction);
	if (status != DB_OK)
		return status;
	if (rows.row_count != 1 || rows.column_count != 4) {
		log_error("order: order_apply answered %d rows of %d columns", rows.row_count, rows.column_count);
		return DB_FAILED;
	}
	const char *applied = db_text(&rows, 0, 0);
	if (strcmp(applied, "duplicate") == 0)
		result->applied = ORDER_KEY_TAKEN;
	else if (strcmp(applied, "limited") == 0)
		result->applied = ORDER_LIMITED;
	else if (strcmp(applied, "bargain_taken") == 0)
		result->applied = ORDER_BARGAIN_TAKEN;
	else if (strcmp(applied, "out_of_stock") == 0)
		result->applied = ORDER_OUT_OF_STOCK;
	else if (strcmp(applied, "ok") != 0)
		return DB_FAILED;
	result->limited_index = (int)db_int(&rows, 0, 1);
	result->order_id = db_int(&rows, 0, 2);
	result->decision_id = db_int(&rows, 0, 3);
	if (result->applied == ORDER_LIMITED && (result->limited_index < 0 || result->limited_index >= write->limit_count))
		return DB_FAILED;
	return DB_OK;
}

/* =================================================================== sweep */

/* Longer than a sweep takes; a worker killed mid-sweep frees it then. */
#define ORDER_SWEEP_LEASE_S 60
static const char *const sql_sweep_due =
	"SELECT id FROM orders WHERE status = 'pending_payment' AND pay_by <= TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"ORDER BY pay_by LIMIT ?";

static const char *const sql_sweep_to_complete =
	"SELECT id FROM orders WHERE status = 'shipped' AND shipped_at <= TIMESTAMPADD(SECOND, ?, '1970-01-01') ORDER BY shipped_at LIMIT ?";

int order_sweep_lock(struct unit *unit, bool *taken)
{
	/* A lease row, not GET_LOCK: it holds across Galera nodes. */
	return lease_take(unit, LEASE_ORDER_SWEEP, ORDER_SWEEP_LEASE_S, taken);
}

int order_sweep_unlock(struct unit *unit)
{
	return lease_release(unit, LEASE_ORDER_SWEEP);
}

int orders_due(struct unit *unit, int64_t limit, struct db_rows *rows)
{
	return db_exec(unit, rows, sql_sweep_due, "ii", unit->now, limit);
}

int orders_to_complete(struct unit *unit, int64_t shipped_before, int64_t limit, struct db_rows *rows)
{
	return db_exec(unit, rows, sql_sweep_to_complete, "ii", shipped_before, limit);
}

/* ============================================================= idempotency */

static const char *const sql_idem_claim =
	"INSERT INTO idempotency_key (user_id, idem_key, request_hash, state, claimed_at, created_at) "
	"VALUES (?, ?, ?, 'running', TIMESTAMPADD(SECOND, ?, '1970-01-01'), TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_idem_read =
	"SELECT request_hash, state, response_status, response_body, TIMESTAMPDIFF(SECOND, '1970-01-01', claimed_at), "
	"TIMESTAMPDIFF(SECOND, '1970-01-01', created_at) FROM idempotency_key WHERE user_id = ? AND idem_key = ?";
static const char *const sql_idem_forget_old =
	"DELETE FROM idempotency_key WHERE user_id = ? AND idem_key = ? AND created_at < TIMESTAMPADD(SECOND, ?, '1970-01-01')";
static const char *const sql_idem_take_over =
	"UPDATE idempotency_key SET claimed_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE user_id = ? AND idem_key = ? "
	"AND state = 'running' AND request_hash = ? AND claimed_at < TIMESTAMPADD(SECOND, ?, '1970-01-01')";
static const char *const sql_idem_release =
	"DELETE FROM idempotency_key WHERE user_id = ? AND idem_key = ? AND state = 'running'";
static const char *const sql_idem_finish =
	"UPDATE idempotency_key SET state = 'done', response_status = ?, response_body = ?, order_id = ? "
	"WHERE user_id = ? AND idem_key = ? AND state = 'running'";
static const char *const sql_idem_sweep = "DELETE FROM idempotency_key WHERE created_at < TIMESTAMPADD(SECOND, ?, '1970-01-01') LIMIT ?";

int idempotency_claim(struct unit *unit, int64_t user_id, const char *key, const unsigned char hash[CRYPTO_HMAC_SIZE])
{
	return db_exec(unit, NULL, sql_idem_claim, "isbii", user_id, key, hash, (size_t)CRYPTO_HMAC_SIZE, unit->now,
		       unit->now);
}

int idempotency_read(struct unit *unit, int64_t user_id, const char *key, const unsigned char hash[CRYPTO_HMAC_SIZE],
		     struct idempotency_record *record)
{
	memset(record, 0, sizeof(*record));
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_idem_read, "is", user_id, key);
	if (result != DB_OK || rows.row_count != 1)
		return result;
	record->found = true;
	record->same_request =
		rows.cells[0].length == CRYPTO_HMAC_SIZE && crypto_equal(db_text(&rows, 0, 0), hash, CRYPTO_HMAC_SIZE);
	record->done = strcmp(db_text(&rows, 0, 1), "done") == 0;
	record->answer = db_null(&rows, 0, 3) ? NULL : db_text(&rows, 0, 3);
	record->claimed_at = db_int(&rows, 0, 4);
	record->created_at = db_int(&rows, 0, 5);
	return DB_OK;
}

int idempotency_forget_old(struct unit *unit, int64_t user_id, const char *key, int64_t before)
{
	return db_exec(unit, NULL, sql_idem_forget_old, "isi", user_id, key, before);
}

int idempotency_take_over(struct unit *unit, int64_t user_id, const char *key,
			  const unsigned char hash[CRYPTO_HMAC_SIZE], int64_t stale_before)
{
	return db_exec_one(unit, OUT_IN_PROGRESS, sql_idem_take_over, "iisbi", unit->now, user_id, key, hash,
		       (size_t)CRYPTO_HMAC_SIZE, stale_before);
}

int idempotency_release(struct unit *unit, int64_t user_id, const char *key)
{
	return db_exec(unit, NULL, sql_idem_release, "is", user_id, key);
}

int idempotency_finish(struct unit *unit, int64_t user_id, const char *key, int64_t status, const char *answer,
		       int64_t order_id)
{
	return db_exec_one(unit, OUT_IN_PROGRESS, sql_idem_finish, "isiis", status, answer, order_id, user_id, key);
}

static const char *const sql_idem_answer =
	"UPDATE idempotency_key SET response_body = ? WHERE user_id = ? AND idem_key = ? AND state = 'done'";

int idempotency_answer_set(struct unit *unit, int64_t user_id, const char *key, const char *answer)
{
	return db_exec(unit, NULL, sql_idem_answer, "sis", answer, user_id, key);
}

int idempotency_sweep(struct unit *unit, int64_t before, int64_t limit)
{
	return db_exec(unit, NULL, sql_idem_sweep, "ii", before, limit);
}

/* ================================================================ payment */

static const char *const sql_payment_open =
	"SELECT provider_ref, amount_fen FROM payment WHERE order_id = ? AND provider = ? AND status = 'created' "
	"ORDER BY id DESC LIMIT 1";
static const char *const sql_payment_insert =
	"INSERT INTO payment (order_id, provider, provider_ref, amount_fen, status, created_at) "
	"VALUES (?, ?, ?, ?, 'created', TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_payment_lock_ref =
	"SELECT id, order_id, amount_fen, status FROM payment WHERE provider = ? AND provider_ref = ? FOR UPDATE";
static const char *const sql_payment_lock = "SELECT status FROM payment WHERE id = ? FOR UPDATE";
static const char *const sql_order_lock = "SELECT status FROM orders WHERE id = ? FOR UPDATE";
static const char *const sql_payment_succeeded =
	"UPDATE payment SET status = 'succeeded', notified_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE id = ? AND status = 'created'";
static const char *const sql_payment_refund_due =
	"UPDATE payment SET status = 'refund_due', notified_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE id = ? AND status = 'created'";
static const char *const sql_payment_refunded =
	"UPDATE payment SET status = 'refunded' WHERE id = ? AND status = 'succeeded'";
static const char *const sql_notify_record =
	"INSERT INTO payment_notify (provider, provider_ref, order_id, amount_fen, reported, outcome, request_id, "
	"created_at) VALUES (?, ?, ?, ?, ?, ?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'))";

int payment_open_read(struct unit *unit, int64_t order_id, const char *provider, struct payment_row *payment)
{
	memset(payment, 0, sizeof(*payment));
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_payment_open, "is", order_id, provider);
	if (result != DB_OK || rows.row_count != 1)
		return result;
	payment->found = true;
	payment->order_id = order_id;
	payment->provider_ref = db_text(&rows, 0, 0);
	payment->amount_fen = db_int(&rows, 0, 1);
	payment->status = "created";
	return DB_OK;
}

static const char *const sql_payment_keep_txn =
	"UPDATE payment SET provider_txn = ? WHERE provider = ? AND provider_ref = ? AND provider_txn IS NULL";

int payment_keep_txn(struct unit *unit, const char *provider, const char *ref, const char *txn)
{
	if (txn == NULL || txn[0] == '\0')
		return DB_OK;
	return db_exec(unit, NULL, sql_payment_keep_txn, "sss", txn, provider, ref);
}

int payment_insert(struct unit *unit, int64_t order_id, const char *provider, const char *provider_ref,
		   int64_t amount_fen)
{
	return db_exec(unit, NULL, sql_payment_insert, "issii", order_id, provider, provider_ref, amount_fen, unit->now);
}

int payment_lock_by_ref(struct unit *unit, const char *provider, const char *provider_ref,
			struct payment_row *payment)
{
	memset(payment, 0, sizeof(*payment));
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_payment_lock_ref, "ss", provider, provider_ref);
	if (result != DB_OK || rows.row_count != 1)
		return result;
	payment->found = true;
	payment->id = db_int(&rows, 0, 0);
	payment->order_id = db_int(&rows, 0, 1);
	payment->amount_fen = db_int(&rows, 0, 2);
	payment->status = db_text(&rows, 0, 3);
	payment->provider_ref = provider_ref;
	return DB_OK;
}

int payment_lock(struct unit *unit, int64_t payment_id)
{
	return db_exec(unit, NULL, sql_payment_lock, "i", payment_id);
}

int order_lock(struct unit *unit, int64_t order_id)
{
	return db_exec(unit, NULL, sql_order_lock, "i", order_id);
}

int payment_succeeded_mark(struct unit *unit, int64_t payment_id)
{
	return db_exec(unit, NULL, sql_payment_succeeded, "ii", unit->now, payment_id);
}

int payment_refund_due_mark(struct unit *unit, int64_t payment_id)
{
	return db_exec(unit, NULL, sql_payment_refund_due, "ii", unit->now, payment_id);
}

int payment_refunded_mark(struct unit *unit, int64_t payment_id)
{
	return db_exec(unit, NULL, sql_payment_refunded, "i", payment_id);
}

int payment_notify_record(struct unit *unit, const char *provider, const char *provider_ref, int64_t order_id,
			  int64_t amount_fen, const char *reported, const char *outcome)
{
	return db_exec(unit, NULL, sql_notify_record, "ssiisssi", provider, provider_ref, order_id, amount_fen, reported,
		       outcome, unit->request_id, unit->now);
}

/* ============================================================ admin reads */

#define ORDER_COLUMNS                                                                                           \
	"o.id, o.user_id, s.phone, o.campaign_id, o.bargain_id, o.status, o.subtotal_fen, o.discount_fen, "       \
	"o.total_fen, o.address_name, o.address_phone, o.address_province, o.address_city, o.address_district, "  \
	"o.address_detail, TIMESTAMPDIFF(SECOND, '1970-01-01', o.created_at), TIMESTAMPDIFF(SECOND, '1970-01-01', o.paid_at), TIMESTAMPDIFF(SECOND, '1970-01-01', o.shipped_at), " \
	"o.carrier, o.tracking_no, TIMESTAMPDIFF(SECOND, '1970-01-01', o.refunded_at), TIMESTAMPDIFF(SECOND, '1970-01-01', o.cancelled_at), "                \
	"TIMESTAMPDIFF(SECOND, '1970-01-01', o.pay_by), c.title, o.kind "
static const char *const sql_admin_orders =
	"SELECT " ORDER_COLUMNS "FROM orders o JOIN shopper s ON s.id = o.user_id JOIN campaign c ON c.id = o.campaign_id "
	"WHERE o.id < ? AND (? = '' OR o.status = ?) AND (? = 0 OR o.campaign_id = ?) "
	"AND (? = 0 OR o.created_at >= TIMESTAMPADD(SECOND, ?, '1970-01-01')) AND (? = 0 OR o.created_at < TIMESTAMPADD(SECOND, ?, '1970-01-01')) "
	"AND (? = '' OR s.phone = ? OR o.address_phone = ?) ORDER BY o.id DESC LIMIT ?";
static const char *const sql_admin_order_one =
	"SELECT " ORDER_COLUMNS "FROM orders o JOIN shopper s ON s.id = o.user_id JOIN campaign c ON c.id = o.campaign_id "
	"WHERE o.id = ?";
static const char *const sql_admin_order_lines =
	"SELECT order_id, item_id, item_name, qty, unit_price_fen, amount_fen FROM order_line "
	"WHERE order_id BETWEEN ? AND ? ORDER BY order_id, id";

int admin_orders_page(struct unit *unit, const struct admin_order_filter *filter, int64_t before, int64_t limit,
		      struct db_rows *rows)
{
	/* read replica: the console's list may lag; ship and refund decide on the primary */
	return db_read(unit, rows, sql_admin_orders, "issiiiiiisssi", before, filter->status, filter->status,
		       filter->campaign_id, filter->campaign_id, filter->from, filter->from, filter->to, filter->to,
		       filter->phone, filter->phone, filter->phone, limit);
}

int admin_order_read(struct unit *unit, int64_t order_id, struct db_rows *rows)
{
	int result = db_exec(unit, rows, sql_admin_order_one, "i", order_id);
	if (result != DB_OK)
		return result;
	return rows->row_count == 1 ? DB_OK : OUT_NOT_FOUND;
}

int admin_order_lines(struct unit *unit, int64_t low, int64_t high, struct db_rows *rows)
{
	return db_read(unit, rows, sql_admin_order_lines, "ii", low, high); /* in ship/refund: their transaction's */
}

/* ============================================= presale orders (issue 14) */

static const char *const sql_deposit_order_insert =
	"INSERT INTO orders (user_id, campaign_id, kind, status, subtotal_fen, discount_fen, total_fen, "
	"address_name, address_phone, address_province, address_city, address_district, address_detail, pay_by, "
	"created_at, updated_at) VALUES (?, ?, 'deposit', 'pending_payment', ?, 0, ?, '', '', '', '', '', '', "
	"TIMESTAMPADD(SECOND, ?, '1970-01-01'), TIMESTAMPADD(SECOND, ?, '1970-01-01'), "
	"TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_order_mark_final = "UPDATE orders SET kind = 'final' WHERE id = ?";
static const char *const sql_order_forfeit =
	"UPDATE orders SET status = 'forfeited', updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"WHERE id = ? AND status = 'paid' AND kind = 'deposit'";

int deposit_order_insert(struct unit *unit, int64_t user_id, int64_t campaign_id, int64_t total_fen, int64_t pay_by,
			 int64_t *order_id)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_deposit_order_insert, "iiiiiii", user_id, campaign_id, total_fen,
			     total_fen, pay_by, unit->now, unit->now);
	*order_id = result == DB_OK ? (int64_t)rows.insert_id : 0;
	return result;
}

int order_mark_final(struct unit *unit, int64_t order_id)
{
	return db_exec(unit, NULL, sql_order_mark_final, "i", order_id);
}

int order_forfeit_mark(struct unit *unit, int64_t deposit_order_id)
{
	return db_exec_one(unit, OUT_INVALID_STATE, sql_order_forfeit, "ii", unit->now, deposit_order_id);
}
