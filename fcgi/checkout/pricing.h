/* pricing.h: the pricing engine: a cart, the shopper's coupons and the
 * campaign's promotions in, a quote with every reduction as a line out.
 *
 * Pure: no SQL, no FastCGI, no allocation. The caller loads what it needs
 * (items, a succeeded bargain, the coupons the shopper chose, the
 * campaign's full-reduction tiers and rules) and stores what comes out.
 *
 * The default order of application (SPEC §3), each step on what the step
 * before left:
 *
 *   1. lines at the item's price, quantity times unit price: the subtotal;
 *   2. bargain price: one unit of the bargain's item at the bargain's price
 *      (a "bargain" discount of price minus bargain price);
 *   3. full reduction (满减): among the tiers whose minimum spend the
 *      merchandise amount (subtotal minus the bargain discount) reaches,
 *      the one that takes off most;
 *   4. coupons, in the order given: each checked for validity at now, its
 *      minimum spend against the merchandise amount of its scope (the whole
 *      cart, or the lines of its item), one per order unless the campaign
 *      says stackable, and the shopper's per-campaign use limit;
 *
 * Each step is a kind of the promotion registry (promotion.h), in its
 * order; later kinds (API.md "The price of an order") join as rows there.
 *
 * Time-limited discounts (限时折扣) of the promotion resource are an
 * item-price step after the bargain (promo_timed_discount.c). Bundles,
 * member prices and add-ons are item-price steps too; red packets and
 * points as cash take off the order last; gifts take nothing off (the
 * quote's gifts[]): promo_bundle.c, promo_member_price.c, promo_addon.c,
 * promo_red_packet.c, promo_points_cash.c, promo_gift.c.
 *
 * Every reduction is clipped so the total never falls below the floor: the
 * sum over lines of qty times the item's per-unit floor (and never below
 * 0). A coupon a clip would leave worth nothing is refused rather than
 * spent for nothing. */
#ifndef KANJIA_PRICING_H
#define KANJIA_PRICING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PRICE_LINES_MAX 20
#define PRICE_QTY_MAX 99
#define PRICE_COUPONS_MAX 5
#define PRICE_TIERS_MAX 20
#define PRICE_PROMOTIONS_MAX 16 /* a campaign's promotions of one kind that one cart meets */
#define PRICE_RED_PACKETS_MAX 5
#define PRICE_GIFTS_MAX 32      /* gifts one cart may meet, over every gift promotion */
#define PRICE_ADDON_OFFERS_MAX 32
/* bargain, first order, full reduction, deposit, coupons; timed discounts and
 * bundles (one line per promotion); add-ons (one per promotion, at most
 * one per line); member price, points; red packets */
#define PRICE_DISCOUNTS_MAX (4 + PRICE_COUPONS_MAX + 2 * PRICE_PROMOTIONS_MAX + PRICE_LINES_MAX + 2 + PRICE_RED_PACKETS_MAX)
#define PRICE_LABEL_SIZE 448 /* a coupon title is up to 100 characters */
/* Prices above this (per unit, in fen) are refused as input errors, so no
 * sum of PRICE_LINES_MAX * PRICE_QTY_MAX lines can overflow. */
#define PRICE_UNIT_MAX 100000000000LL

struct price_line {
	int64_t item_id;
	int64_t qty;             /* 1..PRICE_QTY_MAX */
	int64_t unit_price_fen;  /* the item's price */
	int64_t unit_floor_fen;  /* no promotion takes a unit below this */
	bool has_bargain;        /* one unit at bargain_price_fen */
	int64_t bargain_price_fen;
};

struct price_coupon {
	int64_t id;
	const char *title;    /* borrowed */
	int64_t amount_fen;
	int64_t min_spend_fen;
	int64_t starts_at;    /* epoch seconds; valid in [starts_at, expires_at) */
	int64_t expires_at;
	int64_t item_id;      /* 0: shop-wide; else only lines of this item */
	bool available;       /* not used by another order */
};

/* A timed discount (限时折扣) of the promotion resource: in [starts_at,
 * ends_at) each of its items costs percent of its price (1..99), or
 * price_fen when percent is 0. */
struct price_timed_item {
	int64_t item_id;
	int64_t percent;
	int64_t price_fen;
};
struct price_timed_discount {
	int64_t promotion_id;
	const char *title; /* borrowed */
	int64_t starts_at, ends_at;
	struct price_timed_item items[PRICE_LINES_MAX];
	int item_count;
};

/* A new shopper's first order (新客首单) of the promotion resource: pay
 * percent of the total (1..99), or off_fen less; at most max_off_fen (0:
 * no cap); in [starts_at, ends_at). */
struct price_first_order {
	int64_t promotion_id;
	const char *title; /* borrowed */
	int64_t starts_at, ends_at;
	int64_t percent, off_fen, max_off_fen;
};

struct price_tier {
	int64_t min_spend_fen;
	int64_t off_fen;
};

/* A full reduction (满减) of the promotion resource: the best tier its
 * items' amount (after item prices) reaches, or with repeat "每满 X 减 Y"
 * (its one tier) up to cap_fen (0: no cap), in [starts_at, ends_at). */
struct price_full_reduction {
	int64_t promotion_id;
	const char *title; /* borrowed */
	int64_t starts_at, ends_at;
	struct price_tier tiers[PRICE_TIERS_MAX];
	int tier_count;
	bool repeat;
	int64_t cap_fen;
	int64_t item_ids[PRICE_LINES_MAX]; /* item_count 0: every item */
	int item_count;
};

/* A bundle (组合套餐): every whole set of its items (each item_id qty
 * times; the bargained unit and add-ons are not in sets) costs price_fen,
 * in [starts_at, ends_at). */
struct price_bundle_item {
	int64_t item_id, qty;
};
struct price_bundle {
	int64_t promotion_id;
	const char *title; /* borrowed */
	int64_t starts_at, ends_at;
	struct price_bundle_item items[PRICE_LINES_MAX];
	int item_count;
	int64_t price_fen;
};

/* A member price (会员折扣) for the cart's shopper: percent (1..99) of the
 * unit price, in [starts_at, ends_at) (the loader picked the entry of the
 * shopper's level). */
struct price_member_price {
	int64_t promotion_id;
	const char *title; /* borrowed */
	int64_t starts_at, ends_at;
	int64_t level, percent;
};

/* One offer of an add-on purchase (加价购): when the rest of the order
 * (lines that are not add-ons, after item prices) reaches threshold_fen,
 * up to max_qty of item_id at price_fen each. */
struct price_addon_offer {
	int64_t promotion_id;
	int64_t starts_at, ends_at;
	int64_t threshold_fen;
	int64_t item_id, price_fen, max_qty;
};

/* One gift of a gift promotion (满就送/买就赠): given when the amount of
 * its items (item_count 0: every line) after item prices reaches
 * threshold_fen, and (with items) one of them is in the cart; only while
 * in_stock. */
struct price_gift {
	int64_t promotion_id;
	int gift_index;
	const char *name; /* borrowed */
	int64_t starts_at, ends_at;
	int64_t threshold_fen;
	int64_t item_ids[PRICE_LINES_MAX];
	int item_count;
	bool in_stock;
};

/* A red packet the shopper chose: cash off the order. */
struct price_red_packet {
	int64_t id;
	int64_t amount_fen;
	bool available; /* the shopper's, available and unexpired at now */
};

/* Points as cash (积分抵现): points_per_yuan points are one yuan, at most
 * max_percent of what the order costs before them. */
struct price_points_cash {
	int64_t promotion_id;
	const char *title; /* borrowed */
	int64_t points_per_yuan, max_percent;
};

struct price_rules {
	const struct price_tier *tiers;
	int tier_count;
	bool coupons_stackable;
	int64_t coupon_uses_per_customer; /* 0: unlimited */
	int64_t coupon_uses_so_far;       /* this shopper's coupons already used in the campaign */
};

/* Two kinds of promotion (the registry's names, API.md's kinds) that may not
 * apply to the same order (the campaign's "exclusive" pairs). */
#define PRICE_EXCLUSIVE_MAX 16
struct price_exclusive {
	const char *kind_a, *kind_b; /* borrowed */
};

struct price_input {
	const struct price_line *lines;
	int line_count;
	const struct price_coupon *coupons; /* the ones the shopper chose */
	int coupon_count;
	const struct price_rules *rules;
	const struct price_timed_discount *timed; /* the campaign's timed discounts */
	int timed_count;
	const struct price_full_reduction *reductions; /* the campaign's full reductions */
	int reduction_count;
	const struct price_first_order *first_orders; /* only when the shopper has no paid order */
	int first_order_count;
	int64_t deposit_value_fen; /* presale final payment: what the paid deposit counts (定金翻倍); 0: none */
	/* The campaign's subsidy budget: with has_budget, the discounts an
	 * order takes (all but the bargain's and the deposit's, which are the
	 * campaign's price and the shopper's money) may sum to at most
	 * budget_left_fen; a kind whose discounts the budget cannot cover is
	 * not applied (quote->budget_limited). */
	bool has_budget;
	int64_t budget_left_fen;
	const struct price_exclusive *exclusive; /* the campaign's exclusive pairs */
	int exclusive_count;
	int64_t now;
	/* kinds A (issue 14) */
	const struct price_bundle *bundles;
	int bundle_count;
	const struct price_member_price *member_prices; /* already resolved for the shopper's level */
	int member_price_count;
	const struct price_addon_offer *addon_offers;
	int addon_offer_count;
	const struct price_gift *gifts;
	int gift_count;
	const struct price_red_packet *red_packets; /* the ones the shopper chose */
	int red_packet_count;
	const struct price_points_cash *points_cash; /* NULL: none live */
	int64_t points_asked;   /* 0: none */
	int64_t points_balance; /* the shopper's, as loaded */
	uint32_t addon_lines;   /* bit i: lines[i] is an add-on (加价购) asked at an offer's price */
};

enum price_kind {
	PRICE_BARGAIN, PRICE_FULL_REDUCTION, PRICE_COUPON, PRICE_TIMED_DISCOUNT, PRICE_FIRST_ORDER,
	PRICE_DEPOSIT, PRICE_BUNDLE, PRICE_MEMBER_PRICE, PRICE_ADDON, PRICE_RED_PACKET, PRICE_POINTS_CASH,
};

struct price_discount {
	enum price_kind kind;
	int64_t amount_fen;  /* > 0 */
	int64_t coupon_id;   /* PRICE_COUPON only */
	int64_t item_id;     /* PRICE_COUPON only: its scope, 0 shop-wide */
	int64_t promotion_id; /* the promotion resource's row it came from, or 0 */
	char label[PRICE_LABEL_SIZE];
};

/* A kind of promotion that would have applied but was left out, and why:
 * "exclusive" (with names the kind it may not go with, which applied),
 * "budget" (the subsidy budget could not cover it with the rest), or
 * "lower_total" (where kinds compete, the set without it costs less: an
 * item price that kept the order under a full reduction's threshold). */
#define PRICE_SKIPPED_MAX 16
struct price_skipped {
	const char *kind;   /* the registry's name (static) */
	const char *reason; /* "exclusive", "budget" or "lower_total" (static) */
	const char *with;   /* exclusive: the kind that applied instead (static), else NULL */
	int64_t amount_fen; /* what it would have taken off alone with the rest */
};

struct price_line_total {
	int64_t amount_fen; /* qty * unit price */
	int64_t item_off_fen; /* what item-price kinds other than the bargain took off the line */
	int64_t bundled_units;  /* units sold in a bundle's sets (promo_bundle.c): no other item price */
	int64_t bundle_off_fen; /* what the bundles took off the line (part of item_off_fen) */
};

/* Why a quote was refused. */
enum price_error {
	PRICE_OK = 0,
	PRICE_BAD_INPUT,             /* counts, quantities or prices out of bounds */
	PRICE_COUPON_UNAVAILABLE,    /* used by another order, or not the shopper's */
	PRICE_COUPON_NOT_STARTED,
	PRICE_COUPON_EXPIRED,
	PRICE_COUPON_MIN_SPEND,
	PRICE_COUPON_SCOPE,          /* its item is not in the cart */
	PRICE_COUPON_NOT_STACKABLE,  /* a second coupon where only one is allowed */
	PRICE_COUPON_DUPLICATE,      /* the same coupon twice */
	PRICE_COUPON_CUSTOMER_LIMIT, /* the shopper's uses in this campaign are spent */
	PRICE_COUPON_NO_VALUE,       /* the floor leaves it nothing to take off */
	PRICE_ADDON_NOT_APPLICABLE,  /* an add-on no live offer serves, past its max_qty, or below its threshold */
	PRICE_RED_PACKET_UNAVAILABLE, /* not the shopper's, used, locked or expired, or the same twice */
	PRICE_RED_PACKET_NO_VALUE,   /* the floor leaves it nothing to take off */
	PRICE_POINTS_NOT_APPLICABLE, /* points asked where no points_cash promotion is live */
	PRICE_POINTS_INSUFFICIENT,   /* more points asked than the shopper has */
};

struct price_quote {
	struct price_line_total lines[PRICE_LINES_MAX];
	int64_t subtotal_fen;
	int64_t merchandise_fen; /* subtotal minus the bargain discount */
	int64_t floor_fen;
	struct price_discount discounts[PRICE_DISCOUNTS_MAX];
	int discount_count;
	int64_t discount_fen;    /* sum of the discounts */
	int64_t total_fen;
	enum price_error error;
	int64_t error_coupon_id; /* the coupon the error is about, or 0 */
	int64_t subsidy_fen;     /* what the budget is charged: the discounts but the bargain's and the deposit's */
	bool budget_limited;     /* a kind was left out because the budget could not cover it */
	struct price_skipped skipped[PRICE_SKIPPED_MAX];
	int skipped_count;
	/* kinds A (issue 14): what the quote gives besides discounts */
	struct price_gift_given {
		int64_t promotion_id;
		int gift_index;   /* in its promotion's config.gifts */
		const char *name; /* borrowed from the input */
	} gifts[PRICE_GIFTS_MAX];
	int gift_count;
	int addon_offers[PRICE_ADDON_OFFERS_MAX]; /* indexes into input->addon_offers the cart qualifies for */
	int addon_offer_count;
	int64_t points_used;   /* points spent as cash (promo_points_cash.c) */
	int64_t error_item_id; /* the add-on item or red packet an error is about, or 0 */
};

/* Computes the quote for input into *quote (OUT). Returns PRICE_OK, or
 * the first reason the cart cannot be priced as asked (also in
 * quote->error, with the coupon in quote->error_coupon_id).
 *
 * When the quote with every kind breaks an exclusive pair or the budget,
 * the engine prices the cart again with sets of the kinds that applied
 * left out, and takes the allowed set (no exclusive pair, subsidy within
 * the budget) with the lowest total (on a tie, the one leaving out fewer
 * kinds, then the first in the registry's order); the kinds left out are
 * quote->skipped with their reason. */
enum price_error price_quote(const struct price_input *input, struct price_quote *quote);
/* Whether kind counts against the subsidy budget (all but the bargain's
 * and the deposit's). */
bool price_kind_subsidised(enum price_kind kind);
/* The API's name of a discount kind: "bargain", "full_reduction", ... */
const char *price_kind_name(enum price_kind kind);
/* A sentence for people saying why error refused the cart: one of the
 * pricing.* texts (messages.c). */
const char *price_error_text(enum price_error error);

/* For the promotion kinds' apply functions (promo_*.c). */

/* Adds a discount of amount (> 0) to quote, taking it off the total;
 * returns it for its label. */
struct price_discount *price_discount_add(struct price_quote *quote, enum price_kind kind, int64_t amount);
/* Records error (about coupon_id, or 0) in quote and returns it. */
enum price_error price_refuse(struct price_quote *quote, enum price_error error, int64_t coupon_id);
/* "30元", "29.90元": fen as yuan for labels, into out. */
void price_yuan(int64_t fen, char *out, size_t size);
int64_t price_min(int64_t a, int64_t b);
/* What the lines of item_id (0: all) cost after the item prices (the
 * bargain, and quote's item_off_fen when quote is not NULL), and their
 * floor (OUT both). */
void price_scope_amounts(const struct price_input *input, const struct price_quote *quote, int64_t item_id,
			 int64_t *amount, int64_t *floor_fen);
bool price_item_in_cart(const struct price_input *input, int64_t item_id);
/* Whether line (an index of input->lines) is an add-on (promo_addon.c). */
bool price_line_is_addon(const struct price_input *input, int line);
/* What line (an index of input->lines) costs after the item prices so far. */
int64_t price_line_paid(const struct price_input *input, const struct price_quote *quote, int line);

#endif
