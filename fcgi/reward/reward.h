/* reward.h: coupons, prizes and the grants that issue them (SPEC, the
 * rewards of a campaign; API.md "Bargains" and "Admin").
 *
 * reward_issue() is the one way any feature gives a shopper a coupon or a
 * prize: a grant key (the bargain and a milestone such as "help:42" or
 * "helpers:3") makes each grant happen at most once, because the grant's
 * row has a unique key and its insert fails the caller's transaction the
 * second time. The wallet (GET /me/coupons) and the prize desk (admin
 * prizes, fulfil) read and change what was issued through reward_store.h.
 *
 * reward_read() is pure: it turns a campaign's rewards_json entry into a
 * struct reward; reward_issue() writes it. */
#ifndef KANJIA_REWARD_H
#define KANJIA_REWARD_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "reward/points.h"
#include "reward/reward_store.h"

struct unit;

#define REWARD_VALID_DAYS_DEFAULT 30
#define REWARD_MILESTONE_MAX 40

enum reward_kind {
	REWARD_NONE,   /* nothing to give (no entry, or an entry that gives nothing) */
	REWARD_COUPON, /* {"coupon": {"title", "amount_fen", "min_spend_fen", "valid_days"}} */
	REWARD_PRIZE,  /* {"prize": "title"} */
};

struct reward {
	enum reward_kind kind;
	const char *title;     /* borrowed from the JSON entry */
	int64_t amount_fen;    /* coupons */
	int64_t min_spend_fen; /* coupons */
	int64_t valid_days;    /* coupons: REWARD_VALID_DAYS_DEFAULT when not above 0 */
};

/* Who is given what, once: the grant key is (bargain_id, milestone). */
struct reward_grant {
	int64_t user_id;
	int64_t campaign_id;
	int64_t bargain_id;
	const char *milestone; /* "help:<helper id>", "helpers:<count>" */
};

/* Reads a rewards_json entry (validated at campaign creation). A coupon
 * without a title or with no amount gives nothing, as does an entry that is
 * neither a coupon nor a prize. Pure; reward (OUT) borrows from entry. */
void reward_read(const json_t *entry, struct reward *reward);

/* Issues reward under grant in the caller's transaction: the coupon or the
 * prize row, then the grant row. Returns DB_OK (also for REWARD_NONE, which
 * writes nothing), DB_DUPLICATE when this grant was issued before (the
 * caller's transaction must roll back), or a door code. coupon (OUT, may be
 * NULL) is the coupon issued, id 0 when none was; its strings live in the
 * unit's arena. */
int reward_issue(struct unit *unit, const struct reward_grant *grant, const struct reward *reward,
		 struct coupon *coupon);

/* The coupon object of API.md's wallet and help answers, with the status a
 * shopper sees at now (an available coupon past its end is "expired"). A
 * new reference. */
json_t *coupon_json(const struct coupon *coupon, int64_t now);
/* The admin's prize object; full_phone for owners, else the phone masked.
 * A new reference. */
json_t *prize_json(const struct prize *prize, bool full_phone);

/* The shopper's coupons, newest first: ids below before, at most limit.
 * Returns DB_OK with *coupons (OUT, the unit's arena) and *count, or a door
 * code. */
int reward_coupons_of(struct unit *unit, int64_t user_id, int64_t before, int64_t limit, struct coupon **coupons,
		      int *count);

/* The shopper's points balance and ledger rows below before, newest
 * first (*balance, *entries, *count: OUT). OUT_UNAUTHORIZED when the
 * shopper is gone. */
int reward_points_of(struct unit *unit, int64_t user_id, int64_t before, int64_t limit, int64_t *balance,
		     struct points_entry **entries, int *count);
/* Prizes with status (pending, fulfilled) below before, of campaign_id (0:
 * any), newest first, at most limit. */
int reward_prize_list(struct unit *unit, const char *status, int64_t campaign_id, int64_t before, int64_t limit,
		      struct prize **prizes, int *count);

/* Marks a pending prize fulfilled by admin_id with note (may be NULL) and
 * audits it, in one transaction. after (OUT) is the prize as it is now.
 * full_phone: how the audit record shows the phone (as the admin sees it).
 * Returns DB_OK, OUT_NOT_FOUND, OUT_INVALID_STATE (fulfilled already), or a
 * door code. */
int reward_prize_fulfil(struct unit *unit, int64_t prize_id, int64_t admin_id, const char *note, bool full_phone,
			struct prize *after);

#endif
