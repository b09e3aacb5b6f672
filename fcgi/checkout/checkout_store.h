/* checkout_store.h: the only SQL of checkout's tables: orders, order_line,
 * order_discount, order_event, idempotency_key, payment, payment_notify.
 *
 * The order state machine (sql/004_orders.sql, order.h): every transition
 * is one conditional UPDATE of the order row here (order_*_mark), checked
 * by affected rows (OUT_INVALID_STATE when the row was not in the state
 * the transition leaves), in the caller's transaction with what rides on
 * it and an order_event row.
 *
 * Results: DB_OK, a door code (db/db.h) or an outcome (core/outcome.h).
 * Rows and texts live in the unit's arena. */
#ifndef KANJIA_CHECKOUT_STORE_H
#define KANJIA_CHECKOUT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/crypto.h"
#include "db/db.h"

/* ============================================================ order reads */

/* Columns of struct order_rows.order. */
enum order_column {
	O_ID, O_USER, O_CAMPAIGN, O_BARGAIN, O_STATUS, O_SUBTOTAL, O_DISCOUNT, O_TOTAL, O_NAME, O_PHONE, O_PROVINCE,
	O_CITY, O_DISTRICT, O_DETAIL, O_PAY_BY, O_PAID_AT, O_CANCELLED_AT, O_CANCEL_REASON, O_SHIPPED_AT, O_CARRIER,
	O_TRACKING, O_COMPLETED_AT, O_REFUNDED_AT, O_CREATED_AT, O_KIND,
};

/* An order as the shopper sees it: the row (enum order_column), its lines
 * (item_id, item_name, qty, unit_price_fen, amount_fen, bargain_price_fen
 * or NULL) and its discounts (kind, label, amount_fen, coupon_id or NULL, promotion_id or NULL). */
struct order_rows {
	struct db_rows order, lines, discounts;
	struct db_rows gifts; /* promotion_id, name, gift_index (promo_kinds_store.h) */
	int64_t points_used;
};

/* Reads order_id into *rows (OUT). Returns DB_OK, OUT_NOT_FOUND, or a door
 * code. */
int order_read(struct unit *unit, int64_t order_id, struct order_rows *rows);
/* user_id's order ids below before, newest first, at most limit: rows
 * (OUT) of one column. Returns DB_OK or a door code. */
int order_ids_of_shopper(struct unit *unit, int64_t user_id, int64_t before, int64_t limit, struct db_rows *rows);

/* *paid (OUT): whether user_id has ever paid an order in the shop (a
 * refunded one included). Returns DB_OK or a door code. */
int shopper_has_paid_order(struct unit *unit, int64_t user_id, bool *paid);

/* What the transitions decide on. */
struct order_head {
	int64_t user_id;
	const char *status;
	int64_t total_fen;
	int64_t pay_by;
	int64_t payment_id; /* 0: none */
	int64_t bargain_id; /* 0: none */
};
/* Reads order_id's head into *head (OUT). Returns DB_OK, OUT_NOT_FOUND,
 * or a door code. */
int order_head_read(struct unit *unit, int64_t order_id, struct order_head *head);
/* order_id's lines as item_id, qty by item id (the hot rows' lock order):
 * rows (OUT). Returns DB_OK or a door code. */
int order_quantities(struct unit *unit, int64_t order_id, struct db_rows *rows);

/* =========================================================== order writes */

struct order_new {
	int64_t user_id, campaign_id, bargain_id; /* bargain 0: none */
	int64_t subtotal_fen, discount_fen, total_fen;
	const char *name, *phone, *province, *city, *district, *detail; /* the address */
	int64_t pay_by;
};
/* Inserts a pending_payment order at unit->now; *order_id (OUT). Returns
 * DB_OK, DB_DUPLICATE (the bargain has its order already), or a door code. */
int order_insert(struct unit *unit, const struct order_new *order, int64_t *order_id);
/* bargain_price_fen is stored only when bargained. */
int order_line_insert(struct unit *unit, int64_t order_id, int64_t item_id, const char *name, int64_t qty,
		      int64_t unit_price_fen, int64_t amount_fen, bool bargained, int64_t bargain_price_fen);
/* coupon_id, promotion_id 0: none. */
int order_discount_insert(struct unit *unit, int64_t order_id, int64_t seq, const char *kind, const char *label,
			  int64_t amount_fen, int64_t coupon_id, int64_t promotion_id);
/* One order_event row (from NULL: placed; actor_id 0: NULL; note may be
 * NULL) with the unit's request id. Returns DB_OK or a door code. */
int order_event_add(struct unit *unit, int64_t order_id, const char *from, const char *to, const char *actor,
		    int64_t actor_id, const char *note);

/* ------------------------------------------- the order in few round trips
 *
 * The order transaction (order.h) sends one read for its facts and one
 * CALL for its writes (order_apply, sql/024_round_trips.sql). */

struct item_for_cart;
struct fraud_event_row;
struct limit_bucket;

/* What the order reads before it decides, in one statement: each of
 * item_ids' item for the cart (items[i], OUT; found false when there is
 * none), user_id's phone, bargain_id's anti-fraud signature (0: none),
 * fraud_state's version and whether user_id's Idempotency-Key key is
 * claimed already (*key_seen) (all OUT; phone and signature NULL when
 * unknown).
 * Returns DB_OK or a door code. */
int order_facts_load(struct unit *unit, const int64_t *item_ids, int count, int64_t user_id, int64_t bargain_id,
		     const char *key, struct item_for_cart *items, const char **phone, const char **signature,
		     int64_t *rules_version, bool *key_seen);

struct order_line_new {
	int64_t item_id;
	const char *name;
	int64_t qty, unit_price_fen, amount_fen;
	bool bargained;
	int64_t bargain_price_fen; /* stored only when bargained */
};
struct order_discount_new {
	int64_t seq;
	const char *kind, *label;
	int64_t amount_fen, coupon_id, promotion_id; /* ids 0: none */
};
struct order_reserve {
	int64_t item_id, qty;
};

/* What the order flow decided to write. */
struct order_write {
	const struct order_new *order;
	const char *key;                   /* Idempotency-Key */
	const unsigned char *hash;         /* CRYPTO_HMAC_SIZE bytes: the request's fingerprint */
	const struct fraud_event_row *event;
	int64_t rule_id;                   /* a decision other than allow: its rule (0: none), */
	const char *rule_field, *shown, *action; /* field, value shown and action */
	bool hold;                         /* review and shadow: the order is held */
	const struct limit_bucket *limits; /* velocity limits, taken all or none */
	int limit_count;
	const struct order_line_new *lines;
	int line_count;
	const struct order_discount_new *discounts;
	int discount_count;
	const char *answer_tail;           /* the answer's JSON after its id: from its first ',' */
	const struct order_reserve *reserve; /* by item id; NULL: the caller reserves */
	int reserve_count;
	bool own_transaction;              /* the CALL starts and ends a transaction of its own */
};

enum order_applied {
	ORDER_APPLIED,
	ORDER_KEY_TAKEN,     /* the key was claimed by an order that committed */
	ORDER_LIMITED,       /* limits[limited_index] is at its limit */
	ORDER_BARGAIN_TAKEN, /* the bargain has its order already */
	ORDER_OUT_OF_STOCK,  /* reserve[limited_index] had too little left */
};

struct order_applied_result {
	enum order_applied applied;
	int limited_index;
	int64_t order_id, decision_id;
};

/* Writes the order in one round trip inside the caller's transaction (or,
 * with own_transaction, in one of its own that it commits): the key
 * claimed, the event and decision, the limits, the order, its hold, lines,
 * discounts and event, the stats, the key's answer, then with reserve the
 * stock. Anything but ORDER_APPLIED wrote something the caller must roll
 * back (with own_transaction: rolled back already). Returns DB_OK with
 * *result (OUT), or a door code. */
int order_apply(struct unit *unit, const struct order_write *write, struct order_applied_result *result);

/* pending_payment -> cancelled: by user_id (cancel_reason 'shopper'), or
 * with user_id 0 by timeout (only once pay_by has passed). Returns DB_OK,
 * OUT_INVALID_STATE, or a door code. */
int order_cancelled_mark(struct unit *unit, int64_t order_id, int64_t user_id);
/* pending_payment -> paid by payment_id, if the order is still user_id's
 * (whose /me changes) and its total still total_fen. Returns DB_OK,
 * OUT_INVALID_STATE, or a door code. */
int order_paid_mark(struct unit *unit, int64_t order_id, int64_t user_id, int64_t payment_id, int64_t total_fen);
/* paid -> shipped with carrier and tracking_no. Returns DB_OK,
 * OUT_INVALID_STATE, or a door code. */
int order_shipped_mark(struct unit *unit, int64_t order_id, const char *carrier, const char *tracking_no);
/* shipped -> completed: by user_id (the shopper confirms receipt), or with
 * user_id 0 by time (only if shipped at or before shipped_before). Returns
 * DB_OK, OUT_INVALID_STATE, or a door code. */
int order_completed_mark(struct unit *unit, int64_t order_id, int64_t user_id, int64_t shipped_before);
/* from (paid or shipped) -> refunded. Returns DB_OK, OUT_INVALID_STATE, or
 * a door code. */
int order_refunded_mark(struct unit *unit, int64_t order_id, const char *from);

/* =================================================================== sweep */

/* Takes the sweep's named lock without waiting: *taken (OUT). */
int order_sweep_lock(struct unit *unit, bool *taken);
int order_sweep_unlock(struct unit *unit);
/* Pending orders whose pay_by has passed at unit->now, oldest due first,
 * at most limit: rows (OUT) of ids. */
int orders_due(struct unit *unit, int64_t limit, struct db_rows *rows);
/* Shipped orders shipped at or before shipped_before, oldest first, at
 * most limit: rows (OUT) of ids. */
int orders_to_complete(struct unit *unit, int64_t shipped_before, int64_t limit, struct db_rows *rows);

/* ============================================================= idempotency */

struct idempotency_record {
	bool found;
	bool same_request;       /* the stored hash is this request's */
	bool done;               /* else still running */
	const char *answer;      /* done: the stored answer's JSON text */
	int64_t claimed_at, created_at;
};
/* Claims (user_id, key) for the request of hash, running. Returns DB_OK,
 * DB_DUPLICATE (claimed before), or a door code. */
int idempotency_claim(struct unit *unit, int64_t user_id, const char *key, const unsigned char hash[CRYPTO_HMAC_SIZE]);
/* Reads the claim of (user_id, key) into *record (OUT). */
int idempotency_read(struct unit *unit, int64_t user_id, const char *key, const unsigned char hash[CRYPTO_HMAC_SIZE],
		     struct idempotency_record *record);
/* Deletes the claim if created before before. */
int idempotency_forget_old(struct unit *unit, int64_t user_id, const char *key, int64_t before);
/* Takes over a running claim of the same request claimed before
 * stale_before. Returns DB_OK, OUT_IN_PROGRESS (not taken), or a door code. */
int idempotency_take_over(struct unit *unit, int64_t user_id, const char *key,
			  const unsigned char hash[CRYPTO_HMAC_SIZE], int64_t stale_before);
/* Deletes a running claim (nothing was done: the key may be used again). */
int idempotency_release(struct unit *unit, int64_t user_id, const char *key);
/* running -> done with the answer. Returns DB_OK, OUT_IN_PROGRESS (another
 * request took the claim over), or a door code. */
int idempotency_finish(struct unit *unit, int64_t user_id, const char *key, int64_t status, const char *answer,
		       int64_t order_id);
/* Replaces the answer the done key keeps (the order's writes changed what
 * it was given after the answer was stored). */
int idempotency_answer_set(struct unit *unit, int64_t user_id, const char *key, const char *answer);
/* Deletes at most limit claims created before before. */
int idempotency_sweep(struct unit *unit, int64_t before, int64_t limit);

/* ================================================================ payment */

struct payment_row {
	bool found;
	int64_t id, order_id, amount_fen;
	const char *status;
	const char *provider_ref;
};
/* order_id's newest payment of provider still 'created' (*payment OUT). */
int payment_open_read(struct unit *unit, int64_t order_id, const char *provider, struct payment_row *payment);
/* Keeps the provider's transaction id on the payment (provider, ref), once;
 * an empty txn keeps nothing. */
int payment_keep_txn(struct unit *unit, const char *provider, const char *ref, const char *txn);
/* A 'created' payment at unit->now. */
int payment_insert(struct unit *unit, int64_t order_id, const char *provider, const char *provider_ref,
		   int64_t amount_fen);
/* Locks the payment (provider, ref) and reads it (*payment OUT). */
int payment_lock_by_ref(struct unit *unit, const char *provider, const char *provider_ref,
			struct payment_row *payment);
/* Locks payment_id's row (order.h's lock order: payment before order). */
int payment_lock(struct unit *unit, int64_t payment_id);
/* Locks order order_id's row until the unit ends (after its payment row:
 * order.h's lock order), so that a status read next is the latest. */
int order_lock(struct unit *unit, int64_t order_id);
/* created -> succeeded / refund_due at unit->now; succeeded -> refunded.
 * A payment not in the state left is left alone (DB_OK). */
int payment_succeeded_mark(struct unit *unit, int64_t payment_id);
int payment_refund_due_mark(struct unit *unit, int64_t payment_id);
int payment_refunded_mark(struct unit *unit, int64_t payment_id);
/* One payment_notify row: what the provider reported and what came of it. */
int payment_notify_record(struct unit *unit, const char *provider, const char *provider_ref, int64_t order_id,
			  int64_t amount_fen, const char *reported, const char *outcome);

/* ============================================================ admin reads */

/* Columns of the admin's order rows. */
enum admin_order_column {
	AO_ID, AO_USER, AO_USER_PHONE, AO_CAMPAIGN, AO_BARGAIN, AO_STATUS, AO_SUBTOTAL, AO_DISCOUNT, AO_TOTAL,
	AO_NAME, AO_PHONE, AO_PROVINCE, AO_CITY, AO_DISTRICT, AO_DETAIL, AO_CREATED, AO_PAID, AO_SHIPPED,
	AO_CARRIER, AO_TRACKING, AO_REFUNDED, AO_CANCELLED, AO_PAY_BY, AO_TITLE, AO_KIND,
};
struct admin_order_filter {
	const char *status;  /* "" any */
	int64_t campaign_id; /* 0 any */
	int64_t from, to;    /* created in [from, to); 0 open */
	const char *phone;   /* the shopper's or the recipient's; "" any */
};
/* Orders below before matching filter, newest first, at most limit:
 * rows (OUT, enum admin_order_column). A db_read(): may come from the read
 * replica, db_read_max_lag_s stale. */
int admin_orders_page(struct unit *unit, const struct admin_order_filter *filter, int64_t before, int64_t limit,
		      struct db_rows *rows);
/* One order (*rows OUT). Returns DB_OK, OUT_NOT_FOUND, or a door code. */
int admin_order_read(struct unit *unit, int64_t order_id, struct db_rows *rows);
/* Lines of the orders with ids in [low, high]: order_id, item_id,
 * item_name, qty, unit_price_fen, amount_fen, by order and line. A
 * db_read(): the replica's outside a transaction, the transaction's inside. */
int admin_order_lines(struct unit *unit, int64_t low, int64_t high, struct db_rows *rows);

/* ============================================= presale orders (issue 14) */

/* A deposit order (kind 'deposit', no address) at unit->now; *order_id OUT. */
int deposit_order_insert(struct unit *unit, int64_t user_id, int64_t campaign_id, int64_t total_fen, int64_t pay_by,
			 int64_t *order_id);
/* order_id is a presale's final payment (kind 'final'). */
int order_mark_final(struct unit *unit, int64_t order_id);
/* paid -> forfeited for a deposit order whose final payment was missed
 * (its deposit row locked first: promotion_kinds_store.h). Returns DB_OK,
 * OUT_INVALID_STATE (not a paid deposit any more), or a door code. */
int order_forfeit_mark(struct unit *unit, int64_t deposit_order_id);

#endif
