/* campaign.h: the campaign and bargain-item model, in one place.
 *
 * Parses and checks the admin's create and patch bodies (items, their cut
 * rules and rewards), renders campaigns and items for the public pages and
 * the admin console, and runs the admin's changes (load through
 * campaign_store.h, check, write, audit). The SQL is campaign_store.c's.
 *
 * Checking happens in two steps. The declared-field validator (validate.h)
 * refuses unknown keys, wrong types and absurd sizes with 400 at every
 * level. Then the business rules (floor below price, a cut range that is
 * not empty, N cuts that fit it, a forward window, limits of at least 1,
 * positive reward amounts, ...) answer 422 invalid_campaign with a Chinese
 * message that names the item and the rule.
 *
 * Rewards are stored in campaign_item.rewards_json normalised to exactly
 * the shape API.md names, which the bargain code reads:
 *
 *   {"initiator": [{"helpers": 5, "coupon": {...}}, {"helpers": 10, "prize": "..."}],
 *    "helper": {"coupon": {...}} | null,
 *    "leaderboard": [{"rank": 1, "prize": "..."}]}
 *
 * with every coupon as {"title", "amount_fen", "min_spend_fen", "valid_days"}
 * (defaults 0 and 7 filled in), milestones sorted by helpers, ranks by rank.
 * A milestone carries a coupon, a prize, or both. */
#ifndef KANJIA_CAMPAIGN_H
#define KANJIA_CAMPAIGN_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "http/validate.h"

struct request;
struct unit;

/* Business limits (422 outside them). */
#define CAMPAIGN_TITLE_CHARS_MAX 100
#define CAMPAIGN_ITEMS_MAX 50
#define ITEM_NAME_CHARS_MAX 100
#define ITEM_IMAGES_MAX 10
#define ITEM_IMAGE_BYTES_MAX 500
#define ITEM_PRICE_MAX_FEN 100000000000LL /* one billion yuan */
#define ITEM_STOCK_MAX 100000000LL
#define RULE_COUNT_MAX 10000 /* per-day and per-user limits, helpers per bargain */
#define RULE_TTL_MIN_S 60
#define RULE_TTL_MAX_S (30 * 86400)
#define RULE_PAY_MIN_S 60
#define RULE_PAY_MAX_S (7 * 86400)
#define REWARD_MILESTONES_MAX 20
#define REWARD_RANKS_MAX 100
#define REWARD_TITLE_CHARS_MAX 100
#define REWARD_PRIZE_CHARS_MAX 200
#define COUPON_VALID_DAYS_MAX 365

/* Rule defaults (API.md). */
#define RULE_DEFAULT_SELF_CUTS_PER_DAY 3
#define RULE_DEFAULT_HELPS_PER_USER_PER_DAY 3
#define RULE_DEFAULT_BARGAINS_PER_USER 1
#define RULE_DEFAULT_BARGAIN_TTL_S 86400
#define RULE_DEFAULT_PAY_WITHIN_S 1800
#define COUPON_DEFAULT_VALID_DAYS 7

/* Lists: ?limit= (default 20, max 100) and ?cursor=. */

struct campaign_rules {
	int64_t cut_min_fen;
	int64_t cut_max_fen;
	int64_t target_cuts; /* 0: range mode (JSON null) */
	int64_t self_cuts_per_day;
	int64_t helps_per_user_per_day;
	int64_t bargains_per_user;
	int64_t helps_per_bargain; /* 0: unlimited (JSON null) */
	int64_t bargain_ttl_s;
	int64_t pay_within_s;
};

struct campaign_item {
	int64_t id;
	int64_t campaign_id;
	const char *name;
	json_t *images;  /* array of strings; the request's arena owns it */
	int64_t original_price_fen;
	int64_t floor_price_fen;
	int64_t stock_total;
	int64_t stock_left;
	int64_t stock_reserved;
	int64_t stock_sold;
	struct campaign_rules rules;
	json_t *rewards; /* normalised (see above); the arena owns it */
	int64_t created_at;
	int64_t updated_at;
	/* public reads (price_history.h): the price in force now and the
	 * struck-through "was" price beside it (0: none), when priced */
	bool priced;
	int64_t price_fen;
	int64_t was_price_fen;
};

struct campaign {
	int64_t id;
	const char *title;
	int64_t starts_at;
	int64_t ends_at;
	int64_t created_at;
	int64_t updated_at;
	struct campaign_item *items; /* arena memory */
	int item_count;
	bool items_more; /* public reads: more items follow the last one shown */
	json_t *promotions; /* public reads: what shoppers see of its promotions (NULL: not read); the arena owns it */
};

enum campaign_view { VIEW_PUBLIC, VIEW_ADMIN };

/* Declared bodies for the routes (top level; nested levels are checked by
 * the parse functions below with their own field tables). */
extern const struct field campaign_create_body[];
extern const struct field campaign_patch_body[];
extern const struct field campaign_item_body[];
extern const struct field campaign_item_patch_body[];

/* ---------------------------------------------------------- parse, check */

/* Builds *campaign (OUT) from a create body that passed
 * campaign_create_body, checking every level. All memory is the request's
 * arena's. Returns 0, or 400/422 with the error set. */
int campaign_parse_new(struct request *request, const json_t *body, struct campaign *campaign);
/* Applies a patch body (title, starts_at, ends_at) to *campaign and checks
 * the result. Returns 0, or 400/422. */
int campaign_apply_patch(struct request *request, const json_t *body, struct campaign *campaign);
/* Builds *item (OUT) from one item object; where names it in messages
 * ("items[0]"). Returns 0, or 400/422. */
int campaign_item_parse_new(struct request *request, const json_t *object, struct campaign_item *item,
			    const char *where);
/* Applies an item patch (name, images, prices, rules as a partial object,
 * rewards as a whole) to *item and checks the result. stock_delta is the
 * caller's. Returns 0, or 400/422. */
int campaign_item_apply_patch(struct request *request, const json_t *body, struct campaign_item *item);

/* ----------------------------------------------------------------- render */

/* New references. VIEW_PUBLIC carries what API.md lists for shoppers;
 * VIEW_ADMIN adds the stock breakdown and timestamps. */
json_t *campaign_rules_json(const struct campaign_rules *rules);
json_t *campaign_item_json(const struct campaign_item *item, enum campaign_view view);
/* The campaign with its items; now decides status. */
json_t *campaign_json(const struct campaign *campaign, int64_t now, enum campaign_view view);
/* "upcoming", "active" or "ended" at now. */
const char *campaign_status(const struct campaign *campaign, int64_t now);

/* ------------------------------------------------------------------ flows */

/* GET /campaigns/{id}: campaign id with one page of its items (at most
 * items_limit after the item id items_cursor), each priced from its price
 * history (price_fen, was_price_fen), and the promotions a shopper sees
 * (enabled, not ended; id, kind, title, window, config). Returns DB_OK,
 * OUT_NOT_FOUND, or a door code. */
int campaign_public_read(struct unit *unit, int64_t id, int64_t items_cursor, int64_t items_limit,
			 struct campaign *campaign);

/* An admin's change to a campaign or an item: one transaction holding the
 * write and its audit_log row. The checks of a patch run on the locked
 * row, so they answer through checker (400/422 with the message set, as
 * the parse functions above). */
struct campaign_change {
	struct request *checker; /* borrowed: where a refused body's answer goes */
	const json_t *body;      /* the validated body */
	int64_t admin_id;
	int64_t id;              /* the campaign's (item create, campaign patch) or the item's (item patch) */
	struct campaign *campaign;   /* campaign create: parsed; ids filled */
	struct campaign_item *item;  /* item create: parsed; ids filled */
	json_t *after;           /* OUT: the admin view after the change, owned by the unit's arena */
};

/* Inserts change->campaign with its items. Returns DB_OK or a door code. */
int campaign_create(struct unit *unit, struct campaign_change *change);
/* Applies change->body to campaign change->id. Returns DB_OK,
 * OUT_NOT_FOUND, 400/422 (set on the checker), or a door code. */
int campaign_patch(struct unit *unit, struct campaign_change *change);
/* Adds change->item to campaign change->id. Returns DB_OK, OUT_NOT_FOUND,
 * 422 (a full campaign, set on the checker), or a door code. */
int campaign_item_create(struct unit *unit, struct campaign_change *change);
/* Applies change->body (with stock_delta) to item change->id. Returns
 * DB_OK, OUT_NOT_FOUND, OUT_INSUFFICIENT_STOCK, 400/422 (on the checker),
 * or a door code. */
int campaign_item_patch(struct unit *unit, struct campaign_change *change);

#endif
