/* order.c: checkout's flows as load -> decide -> write (see order.h for
 * the state machine, the lock order and the order transaction's SQL). The
 * decisions are the pure functions at the top of each section. */
#include "checkout/order.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/audit.h"
#include "admin/stats.h"
#include "checkout/checkout_json.h"
#include "checkout/promo_kinds_store.h"
#include "checkout/promotion_store.h"
#include "core/arena.h"
#include "core/arena_json.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/outcome.h"
#include "db/db.h"
#include "engagement/engagement.h"
#include "fraud/fraud_check.h"
#include "fraud/limit.h"
#include "http/messages.h"
#include "reward/points.h"
#include "ops/ops.h"
#include "shopper/shopper_store.h"

#define SWEEP_BATCH 200
#define SWEEP_BATCHES_MAX 20
#define SWEEP_BUDGET_US 5000000
#define SWEEP_KEYS_BATCH 1000

/* ========================================================== cart: decide */

int cart_items_decide(struct cart *cart)
{
	cart->message[0] = '\0';
	for (int i = 0; i < cart->line_count; i++) {
		const struct cart_line *line = &cart->lines[i];
		if (!line->item.found) {
			http_text_format(cart->message, sizeof(cart->message), "order.item_missing", (long long)line->item_id);
			return OUT_NOT_FOUND;
		}
		if (i == 0) {
			cart->promotions.campaign_id = line->item.campaign_id;
			cart->promotions.promotion_version = line->item.promotion_version; /* promotion_cache.h */
		}
		else if (line->item.campaign_id != cart->promotions.campaign_id)
			return OUT_MIXED_CAMPAIGNS;
	}
	return DB_OK;
}

/* After the quote: what the budget is charged, and the coupons the order
 * uses are the ones the engine applied (an exclusive pair may have left
 * them out). A coupon the shopper chose that the budget cannot cover is
 * OUT_BUDGET_EXHAUSTED (API.md: only a promotion asked for by id is an
 * error; the rest is budget_limited). */
static int cart_budget_decide(struct cart *cart)
{
	struct promotion_config *promotions = &cart->promotions;
	const struct price_quote *quote = &cart->quote;
	promotions->subsidy_fen = quote->subsidy_fen;
	for (int s = 0; s < quote->skipped_count; s++)
		if (promotions->coupon_count > 0 && strcmp(quote->skipped[s].kind, "coupon") == 0 &&
		    strcmp(quote->skipped[s].reason, "budget") == 0)
			return OUT_BUDGET_EXHAUSTED;
	int kept = 0;
	for (int i = 0; i < promotions->coupon_count; i++) {
		bool applied = false;
		for (int d = 0; d < quote->discount_count; d++)
			applied = applied || (quote->discounts[d].kind == PRICE_COUPON &&
					      quote->discounts[d].coupon_id == promotions->coupon_ids[i]);
		if (applied)
			promotions->coupon_ids[kept++] = promotions->coupon_ids[i];
	}
	promotions->coupon_count = kept;
	return DB_OK;
}

int cart_decide(struct cart *cart, int64_t now)
{
	assert(cart->line_count >= 1 && cart->line_count <= PRICE_LINES_MAX);
	cart->message[0] = '\0';
	cart->promotions.now = now;
	const struct promotion_config *promotions = &cart->promotions;
	struct price_line *lines = cart->price_lines;
	memset(lines, 0, sizeof(cart->price_lines));
	for (int i = 0; i < cart->line_count; i++) {
		const struct cart_line *line = &cart->lines[i];
		lines[i].item_id = line->item_id;
		lines[i].qty = line->qty;
		lines[i].unit_price_fen = line->item.price_fen;
		lines[i].unit_floor_fen = line->item.floor_fen > line->item.price_fen ? line->item.price_fen
										     : line->item.floor_fen;
	}
	const char *message = NULL;
	int result = promotion_check(promotions, lines, cart->line_count, &message);
	if (result != DB_OK) {
		if (message != NULL)
			snprintf(cart->message, sizeof(cart->message), "%s", message);
		return result;
	}
	/* A succeeded bargain may be ordered after its campaign ends (it has
	 * its own time to pay); anything else only while the campaign runs.
	 * Every line is of one campaign: the last line's window is its. */
	const struct item_for_cart *window = &cart->lines[cart->line_count - 1].item;
	if (now < window->starts_at ||
	    (now >= window->ends_at && promotions->bargain_id == 0 && promotions->deposit_order_id == 0))
		return OUT_CAMPAIGN_NOT_ACTIVE;
	for (int i = 0; i < cart->line_count; i++)
		if (promotions->bargain_id != 0 && lines[i].item_id == promotions->bargain.item_id) {
			lines[i].has_bargain = true;
			lines[i].bargain_price_fen = promotions->bargain.price_fen;
		}
	struct price_input input = {
		.lines = lines, .line_count = cart->line_count, .coupons = promotions->coupons,
		.coupon_count = promotions->coupon_count, .rules = &promotions->rules, .now = now,
		.timed = promotions->timed, .timed_count = promotions->timed_count,
		.reductions = promotions->reductions, .reduction_count = promotions->reduction_count,
		.first_orders = promotions->first_orders, .first_order_count = promotions->first_order_count,
		.deposit_value_fen = promotions->presale.found ? promotions->presale.deposit_value_fen * promotions->presale.qty : 0,
		.has_budget = promotions->budget.has_budget,
		.budget_left_fen = promotions->budget.budget_fen > promotions->budget.spent_fen
					   ? promotions->budget.budget_fen - promotions->budget.spent_fen : 0,
		.exclusive = promotions->budget.pairs, .exclusive_count = promotions->budget.pair_count,
		/* kinds A (issue 14) */
		.bundles = promotions->bundles, .bundle_count = promotions->bundle_count,
		.member_prices = promotions->member_prices, .member_price_count = promotions->member_price_count,
		.addon_offers = promotions->addon_offers, .addon_offer_count = promotions->addon_offer_count,
		.gifts = promotions->gifts, .gift_count = promotions->gift_count,
		.red_packets = promotions->red_packets, .red_packet_count = promotions->red_packet_count,
		.points_cash = promotions->points_cash_live ? &promotions->points_cash : NULL,
		.points_asked = promotions->points_asked, .points_balance = promotions->points_balance,
	};
	for (int i = 0; i < cart->line_count; i++)
		if (cart->lines[i].addon)
			input.addon_lines |= 1u << i;
	cart->promotions.quote = &cart->quote;
	enum price_error error = price_quote(&input, &cart->quote);
	if (error == PRICE_BAD_INPUT) {
		snprintf(cart->message, sizeof(cart->message), "%s", price_error_text(error));
		return OUT_INVALID_FIELD;
	}
	int refusal = promotion_refusal(&cart->quote, cart->message, sizeof(cart->message));
	if (refusal != DB_OK)
		return refusal;
	if (error != PRICE_OK) {
		http_text_format(cart->message, sizeof(cart->message), "pricing.coupon_refused",
				 (long long)cart->quote.error_coupon_id, price_error_text(error));
		return OUT_COUPON_NOT_APPLICABLE;
	}
	return cart_budget_decide(cart);
}

int order_stock_decide(const struct cart *cart)
{
	if (cart->promotions.deposit_order_id != 0)
		return DB_OK; /* a final payment: its deposit holds the stock */
	for (int i = 0; i < cart->line_count; i++)
		if (cart->lines[i].item.stock_left < cart->lines[i].qty)
			return OUT_OUT_OF_STOCK;
	return DB_OK;
}

int64_t order_pay_by(const struct cart *cart, int64_t now, int64_t pay_within_s)
{
	int64_t pay_by = now + (cart->promotions.bargain_id != 0 ? cart->promotions.bargain.pay_within_s : pay_within_s);
	/* a final payment is due by the end of the presale's final window */
	if (cart->promotions.presale.found && cart->promotions.presale.final_ends_at < pay_by)
		pay_by = cart->promotions.presale.final_ends_at;
	return pay_by;
}

/* ============================================================ cart: load */

/* With the items loaded: the promotions' loads, then the decisions. */
static int cart_price_items_loaded(struct unit *unit, struct cart *cart)
{
	int result;
	if ((result = cart_items_decide(cart)) != DB_OK ||
	    (result = promotion_load(unit, &cart->promotions)) != DB_OK)
		return result;
	return cart_decide(cart, unit->now);
}

int cart_price(struct unit *unit, struct cart *cart)
{
	int result;
	for (int i = 0; i < cart->line_count; i++)
		if ((result = campaign_item_for_cart(unit, cart->lines[i].item_id, &cart->lines[i].item)) != DB_OK)
			return result;
	return cart_price_items_loaded(unit, cart);
}

/* ================================================================= order */

static int compare_reserve(const void *a, const void *b)
{
	int64_t x = ((const struct order_reserve *)a)->item_id, y = ((const struct order_reserve *)b)->item_id;
	return (x > y) - (x < y);
}

void order_rows_decide(const struct cart *cart, struct order_line_new *lines,
			      struct order_discount_new *discounts)
{
	const struct price_quote *quote = &cart->quote;
	for (int i = 0; i < cart->line_count; i++) {
		const struct cart_line *line = &cart->lines[i];
		lines[i] = (struct order_line_new){ .item_id = line->item_id, .name = line->item.name, .qty = line->qty,
						    .unit_price_fen = line->item.price_fen,
						    .amount_fen = quote->lines[i].amount_fen,
						    .bargained = cart->price_lines[i].has_bargain,
						    .bargain_price_fen = cart->promotions.bargain.price_fen };
	}
	for (int i = 0; i < quote->discount_count; i++) {
		const struct price_discount *discount = &quote->discounts[i];
		discounts[i] = (struct order_discount_new){ .seq = i + 1, .kind = price_kind_name(discount->kind),
							    .label = discount->label, .amount_fen = discount->amount_fen,
							    .coupon_id = discount->coupon_id,
							    .promotion_id = discount->promotion_id };
	}
}

static bool order_is_plain_asked(const struct cart *cart);

bool order_reserves_at_once(const struct cart *cart)
{
	if (!order_is_plain_asked(cart))
		return false;
	for (int i = 0; i < cart->quote.discount_count; i++)
		if (cart->quote.discounts[i].promotion_id != 0)
			return false;
	return true;
}

/* What the shopper asked is plain: no coupon, no bargain, and no kind of
 * the registry writes for this cart (the bargain and the coupon write only
 * for a bargain or coupons; the others say so by their writes hook). A
 * kind that writes for an order it takes nothing off (a gift, say) needs
 * the order's transaction. */
static bool order_is_plain_asked(const struct cart *cart)
{
	if (cart->promotions.coupon_count > 0 || cart->promotions.bargain_id != 0)
		return false;
	for (int k = 0; k < promotion_kind_count; k++) {
		const struct promotion_kind *kind = promotion_kinds[k];
		if (kind == &promo_bargain || kind == &promo_coupon || (kind->claim == NULL && kind->persist == NULL))
			continue;
		if (kind->writes == NULL || kind->writes(&cart->promotions))
			return false;
	}
	for (int i = 0; i < cart->line_count; i++)
		if (cart->lines[i].addon)
			return false;
	return true;
}

bool order_is_plain(const struct cart *cart)
{
	return order_is_plain_asked(cart) && cart->quote.discount_count == 0;
}

/* What an order decided before it writes. */
struct order_decided {
	bool blocked; /* anti-fraud blocks it: its records, and nothing else, are written */
	struct fraud_judgement judgement;
	struct limit_bucket limits[FRAUD_LIMITS_MAX];
	int limit_count;
	struct order_new order;
	struct order_line_new lines[PRICE_LINES_MAX];
	struct order_discount_new discounts[PRICE_DISCOUNTS_MAX];
	struct order_reserve reserve[PRICE_LINES_MAX]; /* by item id */
	int reserve_count; /* 0 for a presale's final order: its deposit holds the stock */
	const char *answer_tail;
};

/* Load and decide: the items, anti-fraud's facts and the key in one read,
 * the verdict and the velocity buckets, the promotions' loads, the price
 * and the stock hint. Returns DB_OK (decided->blocked for a block, then
 * nothing more was decided), OUT_IN_PROGRESS with placing->key_taken (the
 * key is claimed already), the cart's outcomes, or a door code. */
static int order_load_decide(struct unit *unit, struct order_placing *placing, struct order_decided *decided)
{
	struct cart *cart = placing->cart;
	int64_t user_id = cart->promotions.user_id;
	decided->blocked = false;
	int64_t item_ids[PRICE_LINES_MAX];
	struct item_for_cart items[PRICE_LINES_MAX];
	for (int i = 0; i < cart->line_count; i++)
		item_ids[i] = cart->lines[i].item_id;
	const char *phone, *signature;
	int64_t rules_version;
	bool key_seen;
	int result = order_facts_load(unit, item_ids, cart->line_count, user_id, cart->promotions.bargain_id,
				      placing->key, items, &phone, &signature, &rules_version, &key_seen);
	if (result != DB_OK)
		return result;
	if (key_seen) {
		placing->key_taken = true; /* order_place() answers from the key */
		return OUT_IN_PROGRESS;
	}
	for (int i = 0; i < cart->line_count; i++)
		cart->lines[i].item = items[i];

	/* anti-fraud, before anything is written (fraud_check.h). A shadow
	 * decision cannot pretend an order into being without lying about
	 * stock and money, so it is held for review like a review decision. */
	struct fraud_subject subject = { .phone = phone, .signature = signature, .user_id = user_id,
					 .bargain_id = cart->promotions.bargain_id };
	if ((result = fraud_judge(unit, &placing->client, FRAUD_SCOPE_ORDER, &subject, rules_version,
				  &decided->judgement)) != DB_OK)
		return result;
	if (decided->judgement.action == FRAUD_BLOCK) {
		decided->blocked = true;
		return DB_OK;
	}
	decided->limit_count = 0;
	if ((result = fraud_velocity_buckets(unit, &placing->client, FRAUD_SCOPE_ORDER, decided->judgement.phone,
					     decided->limits, &decided->limit_count)) != DB_OK)
		return result;
	/* the promotions' loads, then the price and the stock */
	if ((result = cart_price_items_loaded(unit, cart)) != DB_OK)
		return result;
	return order_stock_decide(cart);
}

/* What the order writes, from a decided cart: its row, lines and
 * discounts, the answer the key keeps (built from them, the new id put in
 * front by the procedure), the stock by item id. */
static void order_write_decide(struct unit *unit, struct order_placing *placing, struct order_decided *decided)
{
	const struct cart *cart = placing->cart;
	const struct price_quote *quote = &cart->quote;
	const struct order_address *address = &placing->address;
	decided->order = (struct order_new){
		.user_id = cart->promotions.user_id, .campaign_id = cart->promotions.campaign_id,
		.bargain_id = cart->promotions.bargain_id, .subtotal_fen = quote->subtotal_fen,
		.discount_fen = quote->discount_fen, .total_fen = quote->total_fen, .name = address->name,
		.phone = address->phone, .province = address->province, .city = address->city,
		.district = address->district, .detail = address->detail,
		.pay_by = order_pay_by(cart, unit->now, unit->config->order_pay_within_s),
	};
	order_rows_decide(cart, decided->lines, decided->discounts);
	placing->answer = arena_json_own(unit->arena, order_json_written(&decided->order, 0, unit->now, decided->lines,
							    cart->line_count, decided->discounts,
							    quote->discount_count));
	/* what order_json() reads back besides the row: its kind, its gifts and
	 * the points it spent (issue 14) */
	json_object_set_new(placing->answer, "kind", json_string(cart->promotions.deposit_order_id ? "final" : "normal"));
	json_object_set_new(placing->answer, "gifts", quote_gifts_json(quote));
	json_object_set_new(placing->answer, "points_used", json_integer((json_int_t)quote->points_used));
	char *text = json_dumps(placing->answer, JSON_COMPACT);
	if (text == NULL)
		abort();
	static const char id_zero[] = "{\"id\":0";
	assert(strncmp(text, id_zero, sizeof(id_zero) - 1) == 0 && text[sizeof(id_zero) - 1] == ',');
	decided->answer_tail = arena_strdup(unit->arena, text + sizeof(id_zero) - 1);
	free(text);
	for (int i = 0; i < cart->line_count; i++)
		decided->reserve[i] = (struct order_reserve){ .item_id = cart->lines[i].item_id,
							      .qty = cart->lines[i].qty };
	qsort(decided->reserve, (size_t)cart->line_count, sizeof(decided->reserve[0]), compare_reserve);
	decided->reserve_count = cart->promotions.deposit_order_id == 0 ? cart->line_count : 0;
}

/* Writes the decided order in one CALL (order_apply): inside the caller's
 * transaction, or with own_transaction in one of its own; the stock with
 * it when reserve_at_once. Returns DB_OK (placing->order_id, the answer's
 * id set), OUT_IN_PROGRESS with placing->key_taken, OUT_RATE_LIMITED
 * (placing->retry_after_s), OUT_BARGAIN_NOT_SUCCEEDED, OUT_OUT_OF_STOCK,
 * or a door code; anything but DB_OK wrote nothing that stays. */
static int order_write(struct unit *unit, struct order_placing *placing, const struct order_decided *decided,
		       bool own_transaction, bool reserve_at_once)
{
	const struct cart *cart = placing->cart;
	const struct fraud_judgement *judgement = &decided->judgement;
	struct order_write write = {
		.order = &decided->order, .key = placing->key, .hash = placing->hash, .event = &judgement->event,
		.rule_id = judgement->rule_id, .rule_field = judgement->rule_field, .shown = judgement->shown,
		.action = judgement->event.action,
		.hold = judgement->action == FRAUD_REVIEW || judgement->action == FRAUD_SHADOW,
		.limits = decided->limits, .limit_count = decided->limit_count, .lines = decided->lines,
		.line_count = cart->line_count, .discounts = decided->discounts,
		.discount_count = cart->quote.discount_count, .answer_tail = decided->answer_tail,
		.reserve = reserve_at_once ? decided->reserve : NULL, .reserve_count = reserve_at_once ? decided->reserve_count : 0,
		.own_transaction = own_transaction,
	};
	struct order_applied_result applied;
	int result = order_apply(unit, &write, &applied);
	if (result != DB_OK)
		return result;
	switch (applied.applied) {
	case ORDER_KEY_TAKEN:
		placing->key_taken = true;
		return OUT_IN_PROGRESS;
	case ORDER_LIMITED: {
		const struct limit_bucket *refused = &decided->limits[applied.limited_index];
		fraud_velocity_refused(FRAUD_SCOPE_ORDER, refused);
		placing->retry_after_s = limit_retry_after(unit->now, refused->window_start, refused->window_length);
		return OUT_RATE_LIMITED;
	}
	case ORDER_BARGAIN_TAKEN:
		return OUT_BARGAIN_NOT_SUCCEEDED; /* the bargain has its order */
	case ORDER_OUT_OF_STOCK:
		return OUT_OUT_OF_STOCK;
	case ORDER_APPLIED:
		break;
	}
	placing->order_id = applied.order_id;
	json_object_set_new(placing->answer, "id", json_integer((json_int_t)applied.order_id));
	return DB_OK;
}

/* anti-fraud: a block outside the order's transaction is recorded in one
 * of its own (fraud_judgement_record keeps it: commit_on_error). */
static int judgement_record_body(struct unit *unit, void *context)
{
	struct fraud_outcome outcome;
	return fraud_judgement_record(unit, context, &outcome);
}

/* A plain order (order_is_plain) in one CALL with its own transaction:
 * its reads need no lock (every race is settled by the CALL's guards), and
 * nothing of a promotion is written. Returns as order_write(), or with
 * *in_transaction (OUT) when the priced cart is not plain after all (a
 * promotion applies): the order transaction must place it. */
static int order_place_at_once(struct unit *unit, struct order_placing *placing, bool *in_transaction)
{
	*in_transaction = false;
	struct order_decided decided;
	int result = order_load_decide(unit, placing, &decided);
	if (result != DB_OK)
		return result;
	if (decided.blocked)
		return db_atomic(unit, judgement_record_body, &decided.judgement); /* OUT_RISK_REJECTED */
	if (!order_is_plain(placing->cart)) {
		*in_transaction = true;
		return DB_OK;
	}
	order_write_decide(unit, placing, &decided);
	return order_write(unit, placing, &decided, true, true);
}

/* The answer was built before the writes, from the quote; a gift the
 * quote offered may have gone to an earlier order meanwhile (gift_persist
 * gives what is left, never an error). The answer, and the one the key
 * keeps for a replay, say what the order was given. */
static int order_answer_gifts(struct unit *unit, struct order_placing *placing)
{
	struct db_rows rows;
	int result = order_gifts_read(unit, placing->order_id, &rows);
	if (result != DB_OK)
		return result;
	json_object_set_new(placing->answer, "gifts", order_gifts_json(&rows));
	char *text = json_dumps(placing->answer, JSON_COMPACT);
	if (text == NULL)
		abort();
	result = idempotency_answer_set(unit, placing->cart->promotions.user_id, placing->key, text);
	free(text);
	return result;
}

/* The order transaction (order.h): load, decide, then one CALL, then what
 * the promotions write with the order's id. */
static int order_body(struct unit *unit, void *context)
{
	struct order_placing *placing = context;
	struct cart *cart = placing->cart;
	int64_t user_id = cart->promotions.user_id;
	int result;
	placing->key_taken = false;
	placing->retry_after_s = 0;
	/* A shopper's orders with coupons go one at a time, so the
	 * per-customer count read below cannot be raced. */
	if (cart->promotions.coupon_count > 0 && (result = shopper_lock(unit, user_id)) != DB_OK)
		return result;
	struct order_decided decided;
	if ((result = order_load_decide(unit, placing, &decided)) != DB_OK)
		return result;
	if (decided.blocked) {
		struct fraud_outcome outcome;
		return fraud_judgement_record(unit, &decided.judgement, &outcome); /* OUT_RISK_REJECTED, the record kept */
	}

	/* write: what the promotions take before the order row, the CALL */
	const char *message = NULL;
	if ((result = promotion_claim(unit, &cart->promotions, &message)) != DB_OK)
		goto refused;
	order_write_decide(unit, placing, &decided);
	bool at_once = order_reserves_at_once(cart); /* else after the promotions' writes: coupons before items */
	if ((result = order_write(unit, placing, &decided, false, at_once)) != DB_OK)
		return result;

	/* the promotions' writes that need the order: one use of each
	 * promotion's limits per discount line, the coupons used */
	const struct price_quote *quote = &cart->quote;
	for (int i = 0; i < quote->discount_count; i++)
		if (quote->discounts[i].promotion_id != 0 &&
		    (result = promotion_take_for_order(unit, &cart->promotions, placing->order_id,
						       quote->discounts[i].promotion_id,
						       quote->discounts[i].amount_fen)) != DB_OK)
			return result;
	if ((result = promotion_persist(unit, &cart->promotions, placing->order_id, &message)) != DB_OK)
		goto refused;
	if (quote->gift_count > 0 && (result = order_answer_gifts(unit, placing)) != DB_OK)
		return result;
	/* Last, in item order: the hot rows' locks are held only until COMMIT. */
	for (int i = 0; !at_once && i < decided.reserve_count; i++)
		if ((result = stock_reserve(unit, decided.reserve[i].item_id, decided.reserve[i].qty)) != DB_OK)
			return result;
	return DB_OK;

refused:
	if (message != NULL)
		snprintf(cart->message, sizeof(cart->message), "%s", message);
	return result;
}

/* The key is taken: the stored answer of the same request (a replay),
 * OUT_IDEMPOTENCY_KEY_REUSED for another body, OUT_IN_PROGRESS while a
 * claim of an older release still runs, DB_RETRY when the key is free
 * again (gone, or past its time), or a door code. */
static int idempotency_answer(struct unit *unit, struct order_placing *placing)
{
	int64_t user_id = placing->cart->promotions.user_id;
	int64_t ttl = unit->config->idempotency_ttl_s;
	struct idempotency_record record;
	int result = idempotency_read(unit, user_id, placing->key, placing->hash, &record);
	if (result != DB_OK)
		return result;
	if (!record.found)
		return DB_RETRY; /* released meanwhile: claim again */
	if (record.created_at < unit->now - ttl) {
		/* past its time and not yet swept: a new key now */
		result = idempotency_forget_old(unit, user_id, placing->key, unit->now - ttl);
		return result != DB_OK ? result : DB_RETRY;
	}
	if (!record.same_request)
		return OUT_IDEMPOTENCY_KEY_REUSED;
	if (!record.done) {
		/* A claim outside the order's transaction, as releases before
		 * sql/020 made them: running, unless its worker died long ago. */
		if (record.claimed_at >= unit->now - IDEMPOTENCY_STALE_S)
			return OUT_IN_PROGRESS;
		log_warn("order: released an idempotency key abandoned since %lld", (long long)record.claimed_at);
		result = idempotency_release(unit, user_id, placing->key);
		return result != DB_OK ? result : DB_RETRY;
	}
	json_error_t error;
	json_t *stored = record.answer ? json_loads(record.answer, 0, &error) : NULL;
	if (stored == NULL) {
		log_error("order: stored answer of an idempotency key does not parse");
		return OUT_INTERNAL_ERROR;
	}
	placing->answer = arena_json_own(unit->arena, stored);
	placing->replayed = true;
	return DB_OK;
}

int order_place(struct unit *unit, struct order_placing *placing)
{
	placing->replayed = false;
	placing->answer = NULL;
	placing->order_id = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		/* the key is claimed inside the order's transaction: the CALL's
		 * own for a plain cart, else the one order_body() runs in */
		placing->key_taken = false;
		placing->retry_after_s = 0;
		bool in_transaction = !order_is_plain_asked(placing->cart);
		int result = DB_OK;
		if (!in_transaction)
			result = order_place_at_once(unit, placing, &in_transaction);
		if (in_transaction)
			result = db_atomic(unit, order_body, placing);
		if (!placing->key_taken)
			return result;
		placing->answer = NULL;
		if ((result = idempotency_answer(unit, placing)) != DB_RETRY)
			return result;
	}
	return OUT_IN_PROGRESS;
}

int order_view(struct unit *unit, int64_t order_id, int64_t user_id, struct order_rows *rows)
{
	int result = order_read(unit, order_id, rows);
	if (result != DB_OK)
		return result;
	if (user_id != 0 && db_int(&rows->order, 0, O_USER) != user_id)
		return OUT_NOT_FOUND; /* not 403: ids say nothing */
	return DB_OK;
}

/* ================================================================ cancel */

/* Moves every line's quantity with move (stock_release, stock_confirm or
 * stock_unsell). A row that does not move means the stock columns
 * disagree with the orders: a bug, refused so the transaction rolls back. */
static int stock_move_lines(struct unit *unit, int64_t order_id, int (*move)(struct unit *, int64_t, int64_t),
			    const char *what)
{
	struct db_rows lines;
	int result = order_quantities(unit, order_id, &lines);
	if (result != DB_OK)
		return result;
	for (int r = 0; r < lines.row_count; r++) {
		int64_t item_id = db_int(&lines, r, 0), qty = db_int(&lines, r, 1);
		result = move(unit, item_id, qty);
		if (result == OUT_CONFLICT) {
			log_error("%s %lld: item %lld has less than %lld %s", move == stock_unsell ? "refund of order" : "order",
				  (long long)order_id, (long long)item_id, (long long)qty, what);
			return OUT_INTERNAL_ERROR;
		}
		if (result != DB_OK)
			return result;
	}
	return DB_OK;
}

struct cancel {
	int64_t order_id;
	int64_t user_id; /* 0: the sweeper */
};

/* pending_payment -> cancelled, then promotions and stock back. */
static int cancel_body(struct unit *unit, void *context)
{
	const struct cancel *cancel = context;
	int result = order_cancelled_mark(unit, cancel->order_id, cancel->user_id);
	if (result != DB_OK)
		return result;
	/* coupons before items: the order transaction takes them in that order */
	if ((result = promotion_give_back(unit, cancel->order_id, PROMOTION_CANCELLED)) != DB_OK ||
	    (result = stats_order(unit, cancel->order_id, STATS_ORDER_CANCELLED)) != DB_OK ||
	    (result = stock_move_lines(unit, cancel->order_id, stock_release, "reserved")) != DB_OK)
		return result;
	return order_event_add(unit, cancel->order_id, "pending_payment", "cancelled",
			       cancel->user_id ? "shopper" : "system", cancel->user_id,
			       cancel->user_id ? "shopper" : "timeout");
}

int order_cancel(struct unit *unit, int64_t order_id, int64_t user_id)
{
	struct order_head head;
	int result = order_head_read(unit, order_id, &head);
	if (result != DB_OK)
		return result;
	if (head.user_id != user_id)
		return OUT_NOT_FOUND;
	struct cancel cancel = { .order_id = order_id, .user_id = user_id };
	result = db_atomic(unit, cancel_body, &cancel);
	if (result == DB_OK)
		ops_count_order(OPS_ORDER_CANCELLED); /* /metrics, after the commit */
	return result;
}

struct complete {
	int64_t order_id;
	int64_t user_id;        /* 0: the sweeper */
	int64_t shipped_before; /* the sweeper: shipped at or before */
};

/* shipped -> completed, and its event. */
static int complete_body(struct unit *unit, void *context)
{
	const struct complete *complete = context;
	int result = order_completed_mark(unit, complete->order_id, complete->user_id, complete->shipped_before);
	if (result != DB_OK)
		return result;
	return order_event_add(unit, complete->order_id, "shipped", "completed",
			       complete->user_id ? "shopper" : "system", complete->user_id,
			       complete->user_id ? "confirmed" : "auto");
}

int order_confirm(struct unit *unit, int64_t order_id, int64_t user_id)
{
	struct order_head head;
	int result = order_head_read(unit, order_id, &head);
	if (result != DB_OK)
		return result;
	if (head.user_id != user_id)
		return OUT_NOT_FOUND;
	struct complete complete = { .order_id = order_id, .user_id = user_id };
	return db_atomic(unit, complete_body, &complete);
}

/* Completes up to a few batches of orders shipped long enough ago. */
static long complete_shipped(struct unit *unit)
{
	int64_t shipped_before = unit->now - unit->config->order_complete_after_days * 86400;
	long completed = 0;
	for (int batch = 0; batch < SWEEP_BATCHES_MAX; batch++) {
		struct db_rows rows;
		if (orders_to_complete(unit, shipped_before, SWEEP_BATCH, &rows) != DB_OK)
			return completed;
		for (int r = 0; r < rows.row_count; r++) {
			struct complete complete = { .order_id = db_int(&rows, r, 0), .shipped_before = shipped_before };
			/* OUT_INVALID_STATE: refunded or confirmed meanwhile */
			if (db_atomic(unit, complete_body, &complete) == DB_OK)
				completed++;
		}
		if (rows.row_count < SWEEP_BATCH)
			break;
	}
	return completed;
}

long order_sweep(struct unit *unit)
{
	bool taken;
	if (order_sweep_lock(unit, &taken) != DB_OK || !taken)
		return 0;
	/* After a flash sale thousands may fall due at once: batch after batch,
	 * within a time budget, so one sweep does not hold a worker long. */
	long cancelled = 0;
	int64_t started = clock_micros();
	for (int batch = 0; batch < SWEEP_BATCHES_MAX && clock_micros() - started < SWEEP_BUDGET_US; batch++) {
		struct db_rows rows;
		if (orders_due(unit, SWEEP_BATCH, &rows) != DB_OK) {
			cancelled = -1;
			break;
		}
		for (int r = 0; r < rows.row_count; r++) {
			struct cancel cancel = { .order_id = db_int(&rows, r, 0), .user_id = 0 };
			/* OUT_INVALID_STATE: paid or cancelled meanwhile; other failures are logged by db.c */
			if (db_atomic(unit, cancel_body, &cancel) == DB_OK) {
				cancelled++;
				ops_count_order(OPS_ORDER_CANCELLED);
			}
		}
		if (rows.row_count < SWEEP_BATCH)
			break;
	}
	long completed = complete_shipped(unit);
	if (completed > 0)
		log_info("sweep: completed %ld shipped orders", completed);
	idempotency_sweep(unit, unit->now - unit->config->idempotency_ttl_s, SWEEP_KEYS_BATCH);
	order_sweep_unlock(unit);
	if (cancelled > 0)
		log_info("sweep: cancelled %ld unpaid orders", cancelled);
	return cancelled;
}

/* =============================================================== payment */

int pay_decide(const struct order_head *head, int64_t user_id, int64_t now, const char **message)
{
	*message = NULL;
	if (head->user_id != user_id)
		return OUT_NOT_FOUND;
	if (strcmp(head->status, "pending_payment") != 0)
		return OUT_INVALID_STATE;
	if (head->pay_by <= now) {
		*message = http_text("order.pay_expired");
		return OUT_INVALID_STATE;
	}
	return DB_OK;
}

int order_pay(struct unit *unit, struct order_payment *payment)
{
	payment->message = NULL;
	const struct payment_provider *provider = payment_provider_find(unit->config->payment_provider);
	if (provider == NULL)
		return OUT_UNAVAILABLE;
	payment->provider = provider->name;
	struct order_head head;
	int result = order_head_read(unit, payment->order_id, &head);
	if (result != DB_OK)
		return result;
	if ((result = pay_decide(&head, payment->user_id, unit->now, &payment->message)) != DB_OK)
		return result;
	payment->amount_fen = head.total_fen;
	payment->pay_by = head.pay_by;
	struct payment_row open;
	if ((result = payment_open_read(unit, payment->order_id, provider->name, &open)) != DB_OK)
		return result;
	if (open.found && open.amount_fen == head.total_fen) {
		snprintf(payment->ref, sizeof(payment->ref), "%s", open.provider_ref);
		return DB_OK;
	}
	provider->new_ref(payment->ref);
	return payment_insert(unit, payment->order_id, provider->name, payment->ref, head.total_fen);
}

enum notify_verdict notify_decide(const struct payment_row *payment, const struct payment_notice *notice,
				  const struct order_head *order)
{
	if (!payment->found || payment->order_id != notice->order_id)
		return NOTIFY_UNKNOWN;
	if (strcmp(notice->reported, "success") != 0)
		return NOTIFY_IGNORED;
	if (order != NULL && (notice->amount_fen != payment->amount_fen || notice->amount_fen != order->total_fen))
		return NOTIFY_AMOUNT_MISMATCH;
	return NOTIFY_APPLY;
}

static int notify_record(struct unit *unit, struct payment_notice *notice, const char *outcome)
{
	notice->outcome = outcome;
	return payment_notify_record(unit, notice->provider, notice->ref, notice->order_id, notice->amount_fen,
				     notice->reported, outcome);
}

/* Points for a paid order: one ledger row per order, with the balance. */
static int points_for_order(struct unit *unit, int64_t user_id, int64_t order_id, int64_t total_fen)
{
	int64_t points = total_fen / 100 * unit->config->points_per_yuan_paid;
	if (points <= 0)
		return DB_OK;
	return points_apply(unit, user_id, points, "order_paid", order_id);
}

static int notify_body(struct unit *unit, void *context)
{
	struct payment_notice *notice = context;
	struct payment_row payment;
	int result = payment_lock_by_ref(unit, notice->provider, notice->ref, &payment);
	if (result != DB_OK)
		return result;
	unit->commit_on_error = true; /* a refused notify is still recorded */
	switch (notify_decide(&payment, notice, NULL)) {
	case NOTIFY_UNKNOWN:
		result = notify_record(unit, notice, "unknown");
		return result != DB_OK ? result : OUT_NOT_FOUND;
	case NOTIFY_IGNORED:
		return notify_record(unit, notice, "ignored");
	default:
		break;
	}
	struct order_head order;
	result = order_head_read(unit, notice->order_id, &order);
	if (result == OUT_NOT_FOUND)
		return OUT_INTERNAL_ERROR; /* a payment of an order that is not there */
	if (result != DB_OK)
		return result;
	if (notify_decide(&payment, notice, &order) == NOTIFY_AMOUNT_MISMATCH) {
		result = notify_record(unit, notice, "amount_mismatch");
		return result != DB_OK ? result : OUT_AMOUNT_MISMATCH;
	}
	unit->commit_on_error = false;

	result = order_paid_mark(unit, notice->order_id, order.user_id, payment.id, order.total_fen);
	if (result == DB_OK) {
		if ((result = points_for_order(unit, order.user_id, notice->order_id, order.total_fen)) != DB_OK ||
		    (result = stats_order(unit, notice->order_id, STATS_ORDER_PAID)) != DB_OK ||
		    (result = stock_move_lines(unit, notice->order_id, stock_confirm, "reserved")) != DB_OK ||
		    (result = payment_succeeded_mark(unit, payment.id)) != DB_OK ||
		    (result = promotion_paid(unit, notice->order_id)) != DB_OK || /* red packets, presale, share_reward */
		    (result = engagement_order_paid(unit, order.user_id, notice->order_id)) != DB_OK || /* invitations */
		    (result = order_event_add(unit, notice->order_id, "pending_payment", "paid", "provider", 0,
					      notice->provider)) != DB_OK)
			return result;
		return notify_record(unit, notice, "paid");
	}
	if (result != OUT_INVALID_STATE)
		return result;
	/* Not pending any more. This payment already applied: a replay. Else
	 * the money came for an order that cannot take it (cancelled by the
	 * sweeper or the shopper, or paid by another payment): owed back. */
	if (strcmp(payment.status, "created") != 0)
		return notify_record(unit, notice, "duplicate");
	if ((result = payment_refund_due_mark(unit, payment.id)) != DB_OK)
		return result;
	log_warn("payment %lld for order %lld (%s) arrived too late: refund due", (long long)payment.id,
		 (long long)notice->order_id, order.status);
	return notify_record(unit, notice, "refund_due");
}

int payment_notify(struct unit *unit, struct payment_notice *notice)
{
	notice->outcome = NULL;
	return db_atomic(unit, notify_body, notice);
}

/* ================================================================= admin */

/* The console's view of order_id into *object (OUT, owned by the arena). */
static int admin_order_view(struct unit *unit, int64_t order_id, const struct admin_view *view, json_t **object)
{
	struct db_rows rows, lines;
	int result = admin_order_read(unit, order_id, &rows);
	if (result != DB_OK || (result = admin_order_lines(unit, order_id, order_id, &lines)) != DB_OK)
		return result;
	*object = arena_json_own(unit->arena, admin_order_json(&rows, 0, &lines, view));
	struct db_rows gifts; /* what fulfilment ships besides the lines */
	if ((result = order_gifts_between(unit, order_id, order_id, &gifts)) != DB_OK)
		return result;
	admin_order_gifts_set(*object, order_id, &gifts);
	return DB_OK;
}

static int ship_body(struct unit *unit, void *context)
{
	struct admin_order_change *change = context;
	int64_t id = change->order_id;
	json_t *before;
	int result = admin_order_view(unit, id, &change->view, &before);
	if (result != DB_OK)
		return result;
	/* anti-fraud: an order held for review ships only once released */
	bool held = false;
	if ((result = fraud_is_held(change->fraud_request, "order", id, &held)) != 0)
		return result;
	if (held) {
		change->message = http_text("order.held");
		return OUT_INVALID_STATE;
	}
	if (!change->carrier_ok) {
		change->message = http_text("order.carrier");
		return OUT_INVALID_FIELD;
	}
	/* a presale's goods ship with its final payment, not its deposit */
	const char *kind = json_string_value(json_object_get(before, "kind"));
	if (kind != NULL && strcmp(kind, "deposit") == 0) {
		change->message = http_text("order.deposit_ships");
		return OUT_INVALID_STATE;
	}
	if ((result = order_shipped_mark(unit, id, change->carrier, change->tracking_no)) != DB_OK) {
		if (result == OUT_INVALID_STATE)
			change->message = http_text("order.ship_state");
		return result;
	}
	if ((result = order_event_add(unit, id, "paid", "shipped", "admin", change->admin_id, change->carrier)) != DB_OK ||
	    (result = stats_order(unit, id, STATS_ORDER_SHIPPED)) != DB_OK ||
	    (result = admin_order_view(unit, id, &change->view, &change->after)) != DB_OK)
		return result;
	return audit_write(unit, change->admin_id, "order.ship", "order", id, before, change->after);
}

int order_ship(struct unit *unit, struct admin_order_change *change)
{
	change->message = NULL;
	return db_atomic(unit, ship_body, change);
}

int refund_decide(const char *from, bool *restock, const char **message)
{
	*restock = false;
	*message = NULL;
	if (strcmp(from, "paid") != 0 && strcmp(from, "shipped") != 0) {
		*message = http_text("order.refund_state");
		return OUT_INVALID_STATE;
	}
	/* Not shipped: the goods never left, so the stock is sold again. */
	*restock = strcmp(from, "paid") == 0;
	return DB_OK;
}

int64_t refund_points_to_take(int64_t earned, bool shopper_found, int64_t balance)
{
	if (earned <= 0)
		return 0;
	int64_t take = shopper_found && balance < earned ? balance : earned;
	return take > 0 ? take : 0;
}

/* The points the order earned go back, as far as the shopper still has them
 * (the balance is never negative). */
static int refund_points(struct unit *unit, int64_t order_id, int64_t user_id)
{
	int64_t earned;
	int result = points_earned_for_order(unit, order_id, &earned);
	if (result != DB_OK || earned <= 0)
		return result;
	bool found;
	int64_t balance;
	if ((result = shopper_lock_points(unit, user_id, &found, &balance)) != DB_OK)
		return result;
	int64_t take = refund_points_to_take(earned, found, balance);
	if (take <= 0)
		return DB_OK;
	return points_apply(unit, user_id, -take, "order_refunded", order_id);
}

static int refund_body(struct unit *unit, void *context)
{
	struct admin_order_change *change = context;
	int64_t id = change->order_id;
	struct order_head head;
	int result = order_head_read(unit, id, &head);
	if (result != DB_OK)
		return result;
	/* order.h's lock order: the payment row before the order row */
	if (head.payment_id != 0 && (result = payment_lock(unit, head.payment_id)) != DB_OK)
		return result;
	/* Then the order row, before its status is read: a ship committing
	 * meanwhile is waited for and seen (READ COMMITTED), so a refund racing
	 * a ship refunds the shipped order instead of failing on the stale
	 * status (tests/api/test_fulfilment.py). */
	if ((result = order_lock(unit, id)) != DB_OK)
		return result;
	json_t *before;
	if ((result = admin_order_view(unit, id, &change->view, &before)) != DB_OK)
		return result;
	const char *from = json_string_value(json_object_get(before, "status"));
	bool restock;
	if ((result = refund_decide(from, &restock, &change->message)) != DB_OK ||
	    (result = order_refunded_mark(unit, id, from)) != DB_OK)
		return result;
	if ((head.payment_id != 0 && (result = payment_refunded_mark(unit, head.payment_id)) != DB_OK) ||
	    (result = refund_points(unit, id, head.user_id)) != DB_OK ||
	    (result = order_event_add(unit, id, from, "refunded", "admin", change->admin_id, change->reason)) != DB_OK ||
	    (result = stats_order(unit, id, STATS_ORDER_REFUNDED)) != DB_OK ||
	    (result = promotion_give_back(unit, id, PROMOTION_REFUNDED)) != DB_OK)
		return result;
	/* Last, by item id: the hot rows are held only until COMMIT. */
	if (restock && (result = stock_move_lines(unit, id, stock_unsell, "sold")) != DB_OK)
		return result;
	if ((result = admin_order_view(unit, id, &change->view, &change->after)) != DB_OK)
		return result;
	json_object_set_new(change->after, "restocked", json_boolean(restock));
	return audit_write(unit, change->admin_id, "order.refund", "order", id, before, change->after);
}

int order_refund(struct unit *unit, struct admin_order_change *change)
{
	change->message = NULL;
	return db_atomic(unit, refund_body, change);
}

int admin_order_list(struct unit *unit, const struct admin_order_filter *filter, int64_t before, int64_t limit,
		     struct admin_order_page *page)
{
	memset(page, 0, sizeof(*page));
	int result = admin_orders_page(unit, filter, before, limit + 1, &page->orders);
	if (result != DB_OK)
		return result;
	page->more = page->orders.row_count > limit;
	page->count = page->more ? (int)limit : page->orders.row_count;
	if (page->count > 0) {
		int64_t low = db_int(&page->orders, page->count - 1, AO_ID), high = db_int(&page->orders, 0, AO_ID);
		if ((result = admin_order_lines(unit, low, high, &page->lines)) != DB_OK)
			return result;
		return order_gifts_between(unit, low, high, &page->gifts);
	}
	return DB_OK;
}
