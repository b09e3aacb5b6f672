/* promotion.h: the promotion registry: every kind of promotion a cart can
 * meet is one row of promotion_kinds[] (promotion.c), each kind in its own
 * file (promo_<kind>.c). A row says how to
 *
 *   load       read the kind's config and the shopper's facts for a cart
 *              (store calls, before anything is decided);
 *   check      refuse a cart the kind cannot serve (pure, before pricing);
 *   validate   check an admin's config for the kind (pure);
 *   apply      take its discount off a quote (pure, pricing.c walks the
 *              rows in their order: item prices first, then the order's);
 *   claim      write what the order takes before the order row exists;
 *   persist    write what the order used once the order row exists;
 *   give_back  return what an order used when it is cancelled or refunded.
 *   paid       spend what the order only held once it is paid (red packets).
 *
 * Any hook may be NULL. The order of the rows is API.md's "The price of an
 * order": item prices (bargain, bundle, timed_discount, member_price) ->
 * first_order -> full_reduction -> coupon -> deposit -> red_packet ->
 * points_cash. Rows: bargain, bundle, timed_discount, member_price, addon
 * (item prices), first_order, full_reduction, coupon, presale (the deposit
 * line), red_packet, points_cash, then rows that take nothing off: gift
 * (the gifts the priced order reaches), share_reward (the sharer's coupon
 * when paid) and budget (the campaign's subsidy budget and exclusive pairs,
 * charged when the order is placed). A new kind is one file, one row here,
 * and its members in struct promotion_config. A row's `paid` hook runs
 * once when an order is paid. */
#ifndef KANJIA_PROMOTION_H
#define KANJIA_PROMOTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "checkout/pricing.h"

struct unit;

enum promotion_stage {
	PROMOTION_ITEM_PRICE, /* changes what a unit costs; merchandise is what they leave */
	PROMOTION_ORDER,      /* takes off the order, above its floor */
};

/* Why an order gives back what it used. */
enum promotion_return { PROMOTION_CANCELLED, PROMOTION_REFUNDED };

/* The bargain a cart names (promo_bargain.c). */
struct promotion_bargain {
	bool found;
	int64_t user_id;
	int64_t item_id;
	bool succeeded;
	int64_t price_fen;
	int64_t pay_within_s;
	int64_t pay_window_end; /* orderable until then (bargain_store.h) */
};

/* One live promotion of the cart's campaign (the promotion resource:
 * enabled, its window holding now), as promotion_load() reads them once
 * for every kind. Texts and config are the unit's. */
struct promotion_live {
	int64_t id;
	const char *kind, *title;
	int64_t starts_at, ends_at;
	json_t *config; /* NULL if the stored text does not parse */
	int64_t limit_total, limit_per_user; /* 0: none */
	int64_t used_orders, user_uses;      /* the counters as loaded */
};

/* Pure: whether live has no use left for the cart's shopper. */
bool promotion_live_exhausted(const struct promotion_live *live);

/* The paid deposit a final payment names (promo_presale.c). */
struct promotion_presale {
	bool found;           /* a deposit order of the shopper's */
	const char *status;   /* the deposit order's status */
	int64_t promotion_id, item_id, qty;
	int64_t deposit_fen, deposit_value_fen; /* per unit */
	int64_t final_starts_at, final_ends_at;
	int64_t final_order_id; /* a final order standing already, or 0 */
};

/* The item share link a cart came through (promo_share_reward.c). */
struct promotion_share {
	int64_t sharer_id, item_id;    /* 0: no such link */
	int64_t promotion_id;          /* the campaign's live share_reward, or 0 */
	int64_t coupon_promotion_id;   /* its coupon template */
};

/* The campaign's subsidy budget and exclusive pairs (promo_budget.c). */
struct promotion_budget {
	bool found;         /* a campaign_budget row: every order's subsidy is charged */
	bool has_budget;    /* a budget, not unlimited */
	int64_t budget_fen, spent_fen;
	struct price_exclusive pairs[PRICE_EXCLUSIVE_MAX];
	int pair_count;
};

/* A cart's promotions: what the shopper asked, then what the kinds load.
 * Strings borrowed from the unit's arena. */
struct promotion_config {
	/* asked */
	int64_t user_id;
	int64_t campaign_id; /* the cart's items' campaign (0: none found) */
	int64_t bargain_id;  /* 0: none */
	int64_t coupon_ids[PRICE_COUPONS_MAX];
	int coupon_count;
	int64_t now; /* when the cart is decided (cart_decide sets it) */
	int64_t deposit_order_id; /* presale final payment: the paid deposit; 0: none */
	const char *share_code;   /* the item share link that led here, or NULL */
	/* kept across a transaction's retries: the budget's charge lost a race
	 * (promo_budget.c), so the retry reads the budget locked */
	int budget_charge_lost;
	/* loaded */
	struct promotion_bargain bargain;
	struct price_coupon coupons[PRICE_COUPONS_MAX];
	struct price_tier tiers[PRICE_TIERS_MAX];
	struct price_rules rules; /* tiers point at the member above */
	struct promotion_live *live; /* the campaign's live promotions */
	int live_count;
	struct price_timed_discount timed[PRICE_PROMOTIONS_MAX];
	int timed_count;
	struct price_full_reduction reductions[PRICE_PROMOTIONS_MAX];
	int reduction_count;
	struct price_first_order first_orders[PRICE_PROMOTIONS_MAX];
	int first_order_count;
	struct promotion_presale presale;
	struct promotion_share share;
	struct promotion_budget budget;
	const char *budget_exclusive_json; /* the budget row's pairs as stored (NULL: none) */
	/* decided (cart_decide): what the quote charges the budget */
	int64_t subsidy_fen;
	/* the campaign's promotion_version as the cart's item read it: the
	 * per-worker cache's key (promotion_cache.h) */
	int64_t promotion_version;
	/* kinds A (issue 14): asked */
	int64_t red_packet_ids[PRICE_RED_PACKETS_MAX];
	int red_packet_count;
	int64_t points_asked;
	/* loaded */
	struct price_bundle bundles[PRICE_PROMOTIONS_MAX];
	int bundle_count;
	int64_t member_level; /* the shopper's (0: none), loaded only when a member price is live */
	struct price_member_price member_prices[PRICE_PROMOTIONS_MAX];
	int member_price_count;
	struct price_addon_offer addon_offers[PRICE_ADDON_OFFERS_MAX];
	int addon_offer_count;
	struct price_gift gifts[PRICE_GIFTS_MAX];
	int gift_count;
	struct price_red_packet red_packets[PRICE_RED_PACKETS_MAX];
	struct price_points_cash points_cash;
	bool points_cash_live;
	int64_t points_balance;
	/* decided: the cart's quote (cart_decide sets it), for what claim and
	 * persist write (gifts, points, red packets) */
	const struct price_quote *quote;
};

struct promotion_kind {
	const char *name;
	enum promotion_stage stage;
	bool configurable; /* an admin creates it on the promotion resource */
	/* Returns DB_OK or a door code. */
	int (*load)(struct unit *unit, struct promotion_config *config);
	/* lines are the cart's at list price. Returns DB_OK, or an outcome
	 * with *message (OUT, static or NULL) saying why. */
	int (*check)(const struct promotion_config *config, const struct price_line *lines, int line_count,
		     const char **message);
	/* Returns true when config is a valid admin config of the kind, else
	 * false with *message (OUT, static) naming the field. */
	bool (*validate)(const json_t *config, const char **message);
	enum price_error (*apply)(const struct price_input *input, struct price_quote *quote);
	/* Returns DB_OK, an outcome (*message OUT, arena or NULL), or a door code. */
	int (*claim)(struct unit *unit, const struct promotion_config *config, const char **message);
	int (*persist)(struct unit *unit, const struct promotion_config *config, int64_t order_id,
		       const char **message);
	/* Returns DB_OK or a door code. */
	int (*give_back)(struct unit *unit, int64_t order_id, enum promotion_return why);
	/* Writes what rides on order_id being paid (in the notify's
	 * transaction, once). Returns DB_OK or a door code. */
	int (*paid)(struct unit *unit, int64_t order_id);
	/* Pure: whether claim or persist would write anything for this priced
	 * cart (NULL: always, when either exists). An order nothing writes
	 * for is placed in one CALL (order.c, order_is_plain). */
	bool (*writes)(const struct promotion_config *config);
};

extern const struct promotion_kind *const promotion_kinds[];
extern const int promotion_kind_count;

/* The row of name, or NULL. */
const struct promotion_kind *promotion_kind_find(const char *name);

/* The registry's walks, each row in order; the first result other than
 * DB_OK stops the walk and is returned (with *message where there is one). */
int promotion_load(struct unit *unit, struct promotion_config *config);
int promotion_check(const struct promotion_config *config, const struct price_line *lines, int line_count,
		    const char **message);
int promotion_claim(struct unit *unit, const struct promotion_config *config, const char **message);
int promotion_persist(struct unit *unit, const struct promotion_config *config, int64_t order_id,
		      const char **message);
int promotion_give_back(struct unit *unit, int64_t order_id, enum promotion_return why);
/* Every kind's paid hook for order_id, just paid. */
int promotion_paid(struct unit *unit, int64_t order_id);
/* Pure: the outcome of a quote refused with one of the kinds A errors
 * (add-on, red packet, points), with message (OUT) saying why; DB_OK
 * for any other error (promo_refusal.c). */
int promotion_refusal(const struct price_quote *quote, char *message, size_t size);
/* Records that order_id took amount_fen from promotion_id (one of
 * config->live), taking a use of its limits. Returns DB_OK, DB_RETRY (a
 * limit was reached since the cart was priced: the order is priced again
 * without it), or a door code. */
int promotion_take_for_order(struct unit *unit, const struct promotion_config *config, int64_t order_id,
			     int64_t promotion_id, int64_t amount_fen);

/* The kinds' rows (promo_<kind>.c). */
extern const struct promotion_kind promo_bargain;
extern const struct promotion_kind promo_full_reduction;
extern const struct promotion_kind promo_coupon;
extern const struct promotion_kind promo_timed_discount;
extern const struct promotion_kind promo_first_order;
extern const struct promotion_kind promo_presale;
extern const struct promotion_kind promo_share_reward;
extern const struct promotion_kind promo_budget;
extern const struct promotion_kind promo_bundle;
extern const struct promotion_kind promo_member_price;
extern const struct promotion_kind promo_addon;
extern const struct promotion_kind promo_red_packet;
extern const struct promotion_kind promo_points_cash;
extern const struct promotion_kind promo_gift;

/* Pure parsers of the kinds A configs (API.md "Promotions (admin)"):
 * each returns true, or false with *message naming the field. The caller
 * sets promotion ids, titles and windows. */
bool bundle_parse(const json_t *config, struct price_bundle *bundle, const char **message);
/* {"levels": [{"level", "percent"}]}: *percent (OUT) of level, 0 if none. */
bool member_price_parse(const json_t *config, int64_t level, int64_t *percent, const char **message);
/* {"threshold_fen", "offers": [{"item_id", "price_fen", "max_qty"}]}
 * into offers (OUT, at most max) and *count. */
bool addon_parse(const json_t *config, struct price_addon_offer *offers, int max, int *count, const char **message);
/* {"gifts": [{"name", "stock", "threshold_fen", "item_ids"}]} into gifts
 * (OUT, at most max; in_stock from stock > 0) and *count; stocks (OUT,
 * may be NULL) each gift's stock. */
bool gift_parse(const json_t *config, struct price_gift *gifts, int64_t *stocks, int max, int *count,
		const char **message);
bool points_cash_parse(const json_t *config, struct price_points_cash *points, const char **message);

/* Pure: a first order's config ({"percent"} or {"off_fen"}, optional
 * "max_off_fen") into *first (promo_first_order.c). Returns true, or
 * false with *message naming the field. */
bool first_order_parse(const json_t *config, struct price_first_order *first, const char **message);

/* Pure: a timed discount's config into *timed (promo_timed_discount.c).
 * Returns true, or false with *message naming the field. */
bool timed_discount_parse(const json_t *config, struct price_timed_discount *timed, const char **message);
/* Pure: a full reduction's config of the promotion resource
 * ({"tiers": [{"threshold_fen", "off_fen"}], "repeat", "cap_fen",
 * "item_ids"}) into *reduction (promo_full_reduction.c). Returns true, or
 * false with *message naming the field. */
bool full_reduction_parse(const json_t *config, struct price_full_reduction *reduction, const char **message);

#endif
