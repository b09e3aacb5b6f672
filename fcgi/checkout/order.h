/* order.h: checkout's flows (the order, its payment, cancel, the sweeper,
 * shipping and refund) and the pure decisions they are made of.
 *
 * Each flow loads its facts through the stores (checkout_store.h,
 * campaign_store.h, promotion.h's kinds and the other features' stores),
 * decides in the pure functions below (unit-tested without a database:
 * tests/unit/checkout/test_order.c), then writes, inside db_atomic().
 * Flows return DB_OK, a door code, an outcome (core/outcome.h) with an
 * optional message, or an HTTP status that anti-fraud (fraud_check.h) has
 * already answered on the request it was given.
 *
 * The order state machine (sql/004_orders.sql): every transition is one
 * conditional UPDATE of the order row, checked by affected rows, in the
 * same transaction as what rides on it and an order_event row:
 *
 *   placed    -> pending_payment  INSERT; stock reserved (left -> reserved)
 *   paid      pending_payment -> paid       WHERE status = 'pending_payment'
 *             (the provider's notify)       stock confirmed (reserved -> sold)
 *   cancelled pending_payment -> cancelled  WHERE status = 'pending_payment'
 *             (shopper, or timeout: AND pay_by <= now)
 *                                           stock released (reserved -> left),
 *                                           promotions given back (coupons)
 *   shipped   paid -> shipped      SET carrier, tracking_no, shipped_at
 *                                  WHERE status = 'paid'
 *   completed shipped -> completed WHERE status = 'shipped'
 *             (the shopper confirms receipt, or the sweeper
 *             order_complete_after_days after shipped_at)
 *   refunded  paid -> refunded     WHERE status = 'paid'; the points the
 *             order earned go back (a negative points_ledger row); whether
 *             stock returns is the refund's call (sold -> left, or not).
 *
 * Lock order, to keep clear of deadlocks: payment row, order row, shopper
 * row, coupon rows, then item rows by id.
 *
 * The order, as round trips (issue 13: at most 8 with the session check;
 * tests/api/test_round_trips.py counts them; tests/bench's orderref.c
 * mirrors the writes). A plain order (order_is_plain: no coupon, bargain
 * or discount) is read without a lock and written by one CALL in a
 * transaction of its own, 5 round trips (6 with the session check):
 *
 *   SELECT <each line's item and campaign window>, <the shopper's phone>,
 *          <the bargain's signature>, <fraud_state.version>,
 *          <the Idempotency-Key claimed already?>
 *     FROM JSON_TABLE(<item ids>) ... ;                      -- checkout_store.c order_facts_load
 *   -- the promotion registry's loads, in its order (promotion.c): the
 *   -- campaign's live promotions, its full-reduction tiers, its coupon
 *   -- rules; with a bargain, coupons or a first-order promotion, theirs
 *   -- decide in C: anti-fraud's verdict (rules compiled per worker), the
 *   -- velocity buckets, price_quote(), the stock hint
 *   CALL order_apply(..., own transaction);  -- sql/020: START TRANSACTION,
 *                           -- the key claimed, the fraud event (and
 *                           -- decision), the rate counters all or none,
 *                           -- the order, its hold, lines, discounts, event,
 *                           -- the stats, the key's answer, the stock
 *                           -- reserve (UPDATE campaign_item ... WHERE id = ?
 *                           -- AND stock_left >= ?, by item id) last, COMMIT
 *
 * Any other order runs the same inside the order transaction (db_atomic):
 *
 *   START TRANSACTION;
 *   SELECT id FROM shopper WHERE id = ? FOR UPDATE;          -- only with coupons
 *   the facts read and the promotions' loads, as above;
 *   UPDATE bargain SET status = 'ordered' ... ;              -- bargain orders (the kind's claim)
 *   CALL order_apply(...);  -- the same writes, without its own transaction;
 *                           -- the stock too when no promotion writes after
 *   -- each promotion's use, the coupons used, then the stock reserve
 *   -- (lock order: coupons before items)
 *   COMMIT;
 *
 * The hot row (the item) is written last, so its lock is held only from
 * that UPDATE to COMMIT; an item already sold out is refused from the
 * unlocked read before anything is written. */
#ifndef KANJIA_ORDER_H
#define KANJIA_ORDER_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "campaign/campaign_store.h"
#include "checkout/checkout_store.h"
#include "checkout/payment.h"
#include "checkout/pricing.h"
#include "checkout/promotion.h"
#include "core/crypto.h"
#include "fraud/fraud_check.h"

struct request;
struct unit;

#define IDEMPOTENCY_KEY_MAX 64
/* A claim older than this whose request never finished (its worker died)
 * may be taken over by a retry with the same body. */
#define IDEMPOTENCY_STALE_S 120
#define ORDER_MESSAGE_SIZE 512

/* ================================================================== cart */

struct cart_line {
	int64_t item_id, qty;     /* asked */
	struct item_for_cart item; /* loaded */
	bool addon;               /* asked as an add-on (加价购: promo_addon.c) */
};

/* A cart: what the shopper asked (lines, and in promotions the user, the
 * bargain and the coupons), what was loaded, and what was decided. */
struct cart {
	struct cart_line lines[PRICE_LINES_MAX];
	int line_count;
	struct promotion_config promotions;
	struct price_line price_lines[PRICE_LINES_MAX];
	struct price_quote quote;
	char message[ORDER_MESSAGE_SIZE]; /* why it was refused, when there is more to say than the code */
};

/* Loads the cart's items and promotions and prices it (cart->quote).
 * Returns DB_OK, OUT_NOT_FOUND, OUT_MIXED_CAMPAIGNS,
 * OUT_BARGAIN_NOT_SUCCEEDED, OUT_INVALID_FIELD, OUT_CAMPAIGN_NOT_ACTIVE,
 * OUT_COUPON_NOT_APPLICABLE (cart->message says more), or a door code. */
int cart_price(struct unit *unit, struct cart *cart);

/* ---------------------------------------------------- pure cart decisions */

/* Every line's item exists and all are of one campaign (then
 * promotions.campaign_id is set). Returns DB_OK, OUT_NOT_FOUND or
 * OUT_MIXED_CAMPAIGNS (cart->message). */
int cart_items_decide(struct cart *cart);
/* With items and promotions loaded: the promotions' checks, the campaign's
 * window at now (a succeeded bargain may be ordered after its campaign
 * ends: it has its own time to pay), then the quote. Returns DB_OK or an
 * outcome (cart->message). */
int cart_decide(struct cart *cart, int64_t now);
/* OUT_OUT_OF_STOCK when a line asks more than its item had left when read
 * (sold out already: the order writes nothing), else DB_OK. */
int order_stock_decide(const struct cart *cart);
/* When the order must be paid by: a bargain's own pay window, else
 * pay_within_s (config). */
int64_t order_pay_by(const struct cart *cart, int64_t now, int64_t pay_within_s);
/* What a decided cart's order writes besides its row: its lines and
 * discounts (OUT: cart->line_count and quote.discount_count of them; the
 * strings borrow from the cart). */
void order_rows_decide(const struct cart *cart, struct order_line_new *lines, struct order_discount_new *discounts);
/* True when the order's promotions write nothing after the order row (no
 * promotion's use to take, no coupon, no bargain, no kind whose writes
 * hook says it writes): then its stock is
 * reserved inside order_apply's one round trip; else after those writes,
 * to keep the lock order (coupons before items). */
bool order_reserves_at_once(const struct cart *cart);
/* True for a priced cart whose order writes nothing but its own rows and
 * stock: no coupon, no bargain, no discount, no add-on, and no kind of
 * the registry that writes for this cart (its writes hook). Such an order is written by one CALL in a transaction of its
 * own, its reads made before it without a lock. */
bool order_is_plain(const struct cart *cart);

/* ================================================================= order */

struct order_address {
	const char *name, *phone, *province, *city, *district, *detail;
};

struct order_placing {
	struct fraud_client client;     /* anti-fraud's view of the request (borrowed strings) */
	struct cart *cart;
	const char *key;                /* Idempotency-Key */
	unsigned char hash[CRYPTO_HMAC_SIZE]; /* the request's fingerprint */
	struct order_address address;
	/* OUT */
	bool replayed;    /* answer is the stored answer of the same request */
	json_t *answer;   /* the order object (or the stored answer), owned by the unit's arena */
	int64_t order_id;
	int64_t retry_after_s; /* with OUT_RATE_LIMITED */
	bool key_taken;        /* inside: the key was claimed by another order */
};

/* Places the order once per key: runs the order transaction (above),
 * which claims the key; a key claimed before answers the stored order (a
 * replay) or refuses. Returns DB_OK, OUT_IDEMPOTENCY_KEY_REUSED,
 * OUT_IN_PROGRESS, OUT_OUT_OF_STOCK, the cart's outcomes (cart->message),
 * OUT_RISK_REJECTED, OUT_RATE_LIMITED (retry_after_s), or a door code. */
int order_place(struct unit *unit, struct order_placing *placing);

/* user_id's order (0: anyone's) into *rows (OUT). Returns DB_OK,
 * OUT_NOT_FOUND (also for another's: ids say nothing), or a door code. */
int order_view(struct unit *unit, int64_t order_id, int64_t user_id, struct order_rows *rows);

/* Cancels user_id's pending order. Returns DB_OK, OUT_NOT_FOUND,
 * OUT_INVALID_STATE, or a door code. */
int order_cancel(struct unit *unit, int64_t order_id, int64_t user_id);

/* user_id confirms receipt of a shipped order: shipped -> completed.
 * Returns DB_OK, OUT_NOT_FOUND, OUT_INVALID_STATE, or a door code. */
int order_confirm(struct unit *unit, int64_t order_id, int64_t user_id);

/* Cancels pending orders past pay_by (returning their stock and
 * promotions, each exactly once), completes orders shipped
 * order_complete_after_days ago, and forgets idempotency keys older than
 * idempotency_ttl_s. One worker at a time (a named lock). Returns the
 * number of orders cancelled, or -1 on a DB error. */
long order_sweep(struct unit *unit);

/* ============================================================== payment */

struct order_payment {
	int64_t order_id, user_id;
	/* OUT */
	const char *provider;
	char ref[PAYMENT_REF_SIZE];
	int64_t amount_fen, pay_by;
	const char *message;
};

/* Decides whether user_id may pay order head now. Returns DB_OK,
 * OUT_NOT_FOUND, or OUT_INVALID_STATE (*message OUT for a passed pay_by). */
int pay_decide(const struct order_head *head, int64_t user_id, int64_t now, const char **message);
/* Opens (or reuses) a payment of the config's provider for the order.
 * Returns DB_OK, OUT_UNAVAILABLE (no provider), pay_decide()'s outcomes,
 * or a door code. */
int order_pay(struct unit *unit, struct order_payment *payment);

struct payment_notice {
	const char *provider, *ref, *reported;
	int64_t order_id, amount_fen;
	const char *outcome; /* OUT: what was recorded */
};

enum notify_verdict {
	NOTIFY_UNKNOWN,         /* no such payment for this order */
	NOTIFY_IGNORED,         /* the provider reports something other than success */
	NOTIFY_AMOUNT_MISMATCH, /* the amount is not the payment's or the order's */
	NOTIFY_APPLY,           /* pay the order */
};
/* The provider's report against the payment (order may be NULL before it
 * is read: then only the first two verdicts are decided, else APPLY). */
enum notify_verdict notify_decide(const struct payment_row *payment, const struct payment_notice *notice,
				  const struct order_head *order);
/* Applies a verified notify once: pays the order (stock confirmed, points,
 * stats), or records a replay, a refund due, or a refusal (kept even when
 * refused). Returns DB_OK (notice->outcome), OUT_NOT_FOUND,
 * OUT_AMOUNT_MISMATCH, or a door code. */
int payment_notify(struct unit *unit, struct payment_notice *notice);

/* ================================================================ admin */

/* What the console shows of an order depends on who looks. */
struct admin_view {
	bool ships; /* fulfilment or owner: the recipient's phone and street */
	bool owner; /* the shopper's whole phone number */
};

struct admin_order_change {
	int64_t order_id, admin_id;
	struct admin_view view;
	struct request *fraud_request; /* borrowed: for fraud_is_held() */
	const char *carrier, *tracking_no; /* ship */
	bool carrier_ok;                  /* ship: the carrier's text passed validate_text() */
	const char *reason;               /* refund, may be NULL */
	/* OUT */
	json_t *after;       /* the console's view after, owned by the unit's arena */
	const char *message;
};

/* paid -> shipped. Returns DB_OK, OUT_NOT_FOUND, OUT_INVALID_STATE (held
 * for review, or not paid; message), OUT_INVALID_FIELD (carrier), an
 * anti-fraud HTTP status, or a door code. */
int order_ship(struct unit *unit, struct admin_order_change *change);

/* Whether an order in status from may be refunded (*restock OUT: the goods
 * never left, so the stock is sold again). Returns DB_OK or
 * OUT_INVALID_STATE (*message OUT). */
int refund_decide(const char *from, bool *restock, const char **message);
/* How many of the points an order earned a refund takes back: all, or as
 * many as the shopper still has (the balance is never negative). */
int64_t refund_points_to_take(int64_t earned, bool shopper_found, int64_t balance);
/* paid or shipped -> refunded. Returns DB_OK, OUT_NOT_FOUND,
 * OUT_INVALID_STATE, or a door code. */
int order_refund(struct unit *unit, struct admin_order_change *change);

struct admin_order_page {
	struct db_rows orders; /* enum admin_order_column; at most limit */
	struct db_rows lines;
	int count;
	bool more;
	struct db_rows gifts; /* order_id, promotion_id, name (promo_kinds_store.h) */
};
/* One page of the console's order list. */
int admin_order_list(struct unit *unit, const struct admin_order_filter *filter, int64_t before, int64_t limit,
		     struct admin_order_page *page);

#endif
