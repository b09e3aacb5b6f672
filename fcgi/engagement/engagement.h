/* engagement.h: what brings shoppers back (issue 15, API.md "Engagement"):
 * the shop-wide settings, the new-user pack, invitations, item share links,
 * the daily check-in and the points exchange. Everything given is issued
 * through reward/ (coupons, prizes and grants: reward.h; points: points.h;
 * red packets: red_packet_store.h).
 *
 * Each flow loads its facts (engagement_store.h), decides in a pure
 * function below (unit-tested without MariaDB), then writes in one
 * db_atomic() transaction. Flows return DB_OK, an outcome or a door code;
 * routes map them with http_outcome(). */
#ifndef KANJIA_ENGAGEMENT_H
#define KANJIA_ENGAGEMENT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "fraud/fraud_check.h"
#include "reward/red_packet_store.h"
#include "reward/reward_store.h"

struct unit;

#define ENGAGEMENT_PACK_COUPONS_MAX 10
#define ENGAGEMENT_CHECKIN_DAYS_MAX 31
#define ENGAGEMENT_STREAK_BONUS_MAX 10
#define ENGAGEMENT_POINTS_MAX 1000000      /* any single grant of points */
#define ENGAGEMENT_INVITE_EVERY_MAX 100
#define ENGAGEMENT_TITLE_MAX 100           /* bytes, as coupon.title */
#define ENGAGEMENT_PRIZE_MAX 200           /* bytes, as prize.title */
#define ENGAGEMENT_FIELD_SIZE 64           /* the name of a refused field */
#define ENGAGEMENT_SHOP_UTC_OFFSET_S (8 * 3600) /* Asia/Shanghai: no daylight saving */

/* A coupon given without a template of issue 14's: its own title and
 * amount ({"title", "amount_fen", "min_spend_fen", "valid_days"}). */
struct engagement_coupon {
	char title[ENGAGEMENT_TITLE_MAX + 1];
	int64_t amount_fen, min_spend_fen, valid_days;
};

enum engagement_reward_kind {
	ENGAGEMENT_REWARD_NONE,
	ENGAGEMENT_REWARD_POINTS,          /* {"points": n} */
	ENGAGEMENT_REWARD_COUPON,          /* {"coupon": {...}} */
	ENGAGEMENT_REWARD_TEMPLATE,        /* {"coupon_promotion_id": id}: a coupon of that template (issue 14) */
	ENGAGEMENT_REWARD_PRIZE,           /* {"prize": "title"} */
};

struct engagement_reward {
	enum engagement_reward_kind kind;
	int64_t points;
	struct engagement_coupon coupon;
	int64_t coupon_promotion_id; /* ENGAGEMENT_REWARD_TEMPLATE */
	char prize[ENGAGEMENT_PRIZE_MAX + 1];
};

struct engagement_settings {
	/* new_user_pack: coupons of templates (issue 14), and coupons of their own */
	int64_t pack_templates[ENGAGEMENT_PACK_COUPONS_MAX];
	int pack_template_count;
	struct engagement_coupon pack_coupons[ENGAGEMENT_PACK_COUPONS_MAX];
	int pack_coupon_count;
	int64_t pack_points, pack_red_packet_fen, pack_red_packet_days;
	/* checkin */
	int64_t checkin_points[ENGAGEMENT_CHECKIN_DAYS_MAX];
	int checkin_point_count;
	struct {
		int64_t days, points;
	} streak_bonus[ENGAGEMENT_STREAK_BONUS_MAX];
	int streak_bonus_count;
	/* invite */
	int64_t invite_every;
	struct engagement_reward invite_reward;
};

/* ------------------------------------------------------------ settings */

/* The settings a shop has before any PUT: the pack gives nothing, check-in
 * points [5, 5, 10, 10, 15, 15, 30] with 100 on the 7th day, an invite
 * rewards 100 points for every 3 qualified invitees. */
void engagement_settings_default(struct engagement_settings *settings);
/* Reads json over base (the keys json leaves out keep base's values) into
 * *settings. Pure. Returns 0, or -1 with field (OUT) naming the first
 * refused field ("checkin.points[2]"). */
int engagement_settings_read(const json_t *json, const struct engagement_settings *base,
			     struct engagement_settings *settings, char field[ENGAGEMENT_FIELD_SIZE]);
/* The settings as API.md shows them. A new reference. */
json_t *engagement_settings_json(const struct engagement_settings *settings);

/* GET /admin/engagement (also what every flow reads). */
int engagement_settings_get(struct unit *unit, struct engagement_settings *settings);
/* PUT /admin/engagement: validates body over the current settings and
 * stores them, audited for admin_id. OUT_UNPROCESSABLE_FIELD with field
 * (OUT) when refused. *settings (OUT) is what is stored now. */
int engagement_settings_put(struct unit *unit, int64_t admin_id, const json_t *body,
			    struct engagement_settings *settings, char field[ENGAGEMENT_FIELD_SIZE]);

/* ------------------------------------------------------------- check-in */

/* The shop's day (Asia/Shanghai) of when, as days since 1970-01-01. */
int64_t engagement_shop_day(int64_t when);
/* "YYYY-MM-DD" of a shop day into out[11]. */
void engagement_day_text(int64_t day, char out[11]);

struct checkin_facts {
	int64_t today;     /* shop day */
	bool has_last;     /* the shopper checked in before */
	int64_t last_day;  /* the latest check-in's day */
	int64_t last_streak;
};

struct checkin_decision {
	bool already;      /* checked in today: 409 already_checked_in */
	int64_t streak;    /* today's streak day (1 after a missed day) */
	int64_t points, bonus_points;
};

/* Pure: today's check-in from the latest one. Points by the streak's day
 * (the last entry of settings' list for every day past its end); a bonus
 * on each streak day some streak_bonus names. */
struct checkin_decision checkin_decide(const struct engagement_settings *settings, const struct checkin_facts *facts);
/* The streak shown on a day: the latest check-in's streak if it was today
 * or yesterday, else 0. Pure. */
int64_t checkin_streak_now(const struct checkin_facts *facts);

struct checkin_result {
	char date[11];
	int64_t streak, points, bonus_points;
	int64_t retry_after_s; /* OUT_RATE_LIMITED: when to come back */
};

/* POST /checkin: once per shop day. OUT_ALREADY_CHECKED_IN, a fraud
 * outcome (OUT_RISK_REJECTED; OUT_RATE_LIMITED by fraud_checkin_limits,
 * result->retry_after_s set), or DB_OK with *result (OUT). */
int engagement_checkin(struct unit *unit, const struct fraud_client *client, int64_t user_id,
		       struct checkin_result *result);

struct checkin_month {
	int64_t streak;
	char (*days)[11]; /* the unit's arena */
	int count;
};

/* GET /me/checkin: this shop month's check-in days and the streak. */
int engagement_checkin_month(struct unit *unit, int64_t user_id, struct checkin_month *month);

/* -------------------------------------------------------- new-user pack */

/* A shopper's first login: the pack (once per shopper, its grant key
 * "pack:<user id>"), and, with invite_code (NULL or "": none), the
 * invitation. Runs in a transaction of its own, after the login's. */
int engagement_first_login(struct unit *unit, const struct fraud_client *client, int64_t user_id,
			   const char *invite_code);

/* ---------------------------------------------------------- invitations */

enum invite_join_verdict {
	INVITE_JOIN_RECORD,
	INVITE_JOIN_UNKNOWN_CODE,
	INVITE_JOIN_SELF,
	INVITE_JOIN_BLOCKED_INVITER,
};

/* Pure: whether a new shopper's login through an inviter's code records an
 * invitation. inviter_id 0: no shopper has that code. */
enum invite_join_verdict invite_join_decide(int64_t inviter_id, bool inviter_blocked, int64_t invitee_id);

/* Pure: whether the inviter's qualified-th qualified invitee earns the
 * reward (every every-th one; never for a blocked inviter). */
bool invite_reward_due(int64_t qualified, int64_t every, bool inviter_blocked);

/* Pure: the invite-ring letter of an invitation like the help's signature
 * (fraud.h): D the device of an earlier invitee of the same inviter, S
 * the subnet of one, H neither. */
char invite_signature_letter(bool same_device, bool same_subnet);

/* An order became paid, in the payment's transaction: its shopper's
 * invitation qualifies once (the first paid order), and the inviter is
 * rewarded for every N qualified invitees. */
int engagement_order_paid(struct unit *unit, int64_t user_id, int64_t order_id);

struct invite_summary {
	const char *code;
	int64_t invited, qualified;
	struct invite_reward_row {
		const char *milestone;
		int64_t coupon_id, prize_id;
		int64_t at;
	} *rewards;
	int reward_count;
};

/* GET /me/invite: the shopper's code (made on first use) and counts. */
int engagement_invite_of(struct unit *unit, int64_t user_id, struct invite_summary *summary);

/* --------------------------------------------------------------- shares */

struct item_share_landing {
	const char *code;
	int64_t item_id, campaign_id;
	const char *item_name;
	int64_t original_price_fen, floor_price_fen;
	const char *sharer_phone; /* to be masked by the route */
};

/* POST /shares: a share link of item_id by user_id (the same link again
 * for the same item). OUT_NOT_FOUND for no such item. *code (OUT). */
int engagement_share_create(struct unit *unit, int64_t user_id, int64_t item_id, const char **code);
/* GET /p/{code}. OUT_NOT_FOUND. */
int engagement_share_landing(struct unit *unit, const char *code, struct item_share_landing *landing);

/* ------------------------------------------------------- points exchange */

enum offer_kind { OFFER_COUPON, OFFER_RED_PACKET, OFFER_PRIZE };

struct points_offer {
	int64_t id;
	const char *title;
	int64_t cost_points, stock_total, stock_left, per_user;
	enum offer_kind kind;
	int64_t coupon_promotion_id; /* 0: the coupon below */
	int64_t coupon_amount_fen, coupon_min_spend_fen, coupon_valid_days;
	int64_t red_packet_fen, red_packet_days;
	const char *prize;
	bool active;
	int64_t created_at, updated_at;
};

struct exchange_facts {
	bool found;        /* the offer exists and is active */
	int64_t stock_left, per_user, cost_points;
	int64_t taken;     /* this shopper's exchanges of the offer */
	int64_t balance;   /* this shopper's points */
};

/* Pure: DB_OK, OUT_NOT_FOUND, OUT_OUT_OF_STOCK, OUT_LIMIT_REACHED or
 * OUT_INSUFFICIENT_POINTS, in that order. */
int exchange_decide(const struct exchange_facts *facts);

struct exchange_result {
	int64_t points_balance;
	struct coupon coupon;         /* id 0: none */
	struct red_packet red_packet; /* id 0: none */
	int64_t prize_id;             /* 0: none */
	const char *prize_title;
	int64_t retry_after_s;        /* OUT_RATE_LIMITED (fraud_exchange_limits) */
};

/* POST /points/offers/{id}/exchange. */
int engagement_exchange(struct unit *unit, const struct fraud_client *client, int64_t user_id, int64_t offer_id,
			struct exchange_result *result);

/* Reads an offer body (POST: every field required but the kind's; PATCH
 * over base). Pure. 0, or -1 with field (OUT). Strings borrow from json. */
int points_offer_read(const json_t *json, const struct points_offer *base, struct points_offer *offer,
		      char field[ENGAGEMENT_FIELD_SIZE]);
json_t *points_offer_json(const struct points_offer *offer, bool admin);

int engagement_offers(struct unit *unit, bool active_only, struct points_offer **offers, int *count);
/* POST /admin/points/offers; *offer (OUT) is the stored offer. */
int engagement_offer_create(struct unit *unit, int64_t admin_id, const json_t *body, struct points_offer *offer,
			    char field[ENGAGEMENT_FIELD_SIZE]);
/* PATCH /admin/points/offers/{id}: OUT_NOT_FOUND, OUT_UNPROCESSABLE_FIELD. */
int engagement_offer_update(struct unit *unit, int64_t admin_id, int64_t offer_id, const json_t *body,
			    struct points_offer *offer, char field[ENGAGEMENT_FIELD_SIZE]);

/* ------------------------------------------------------------- sweeper */

/* Expires red packets past their end (the worker's sweep). */
void engagement_sweep(struct unit *unit);

#endif
