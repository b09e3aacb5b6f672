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
 *
 * Any hook may be NULL. The order of the rows is API.md's "The price of an
 * order": item prices (bargain, bundle, timed_discount, member_price) ->
 * first_order -> full_reduction -> coupon -> deposit -> red_packet ->
 * points_cash. Today: bargain, timed_discount, full_reduction, coupon. A new kind is one
 * file, one row here, and its members in struct promotion_config. */
#ifndef KANJIA_PROMOTION_H
#define KANJIA_PROMOTION_H

#include <stdbool.h>
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
