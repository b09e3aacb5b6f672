/* bargain.h: the bargain feature's model, its rules and its flows (API.md,
 * "Bargains"; SPEC §3).
 *
 * Each flow loads the facts through bargain_store.h, decides in the pure
 * functions below (no SQL, no HTTP: unit-tested in tests/unit/bargain/),
 * then writes through the stores inside db_atomic(). Flows return DB_OK, an
 * outcome (core/outcome.h) or a door code; the routes map them once.
 *
 * A cut is one short transaction. Everything that does not touch the
 * bargain row (limits, the anti-fraud record, the helper's reward, the
 * duplicate check) comes first; then one conditional UPDATE of the bargain
 * row takes the cut and the cut row is copied from it: the hot row is held
 * for as few round trips as the checks allow. */
#ifndef KANJIA_BARGAIN_H
#define KANJIA_BARGAIN_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "fraud/fraud_check.h"
#include "bargain/bargain_store.h"
#include "reward/reward_store.h"

#define SHARE_CODE_BYTES 12 /* 96 random bits */
#define SHARE_CODE_LENGTH 16
#define BARGAIN_MILESTONES_MAX 16 /* initiator rewards reached by one help */
#define BARGAIN_MILESTONE_ENTRIES_MAX 32 /* the initiator's reward entries a help weighs (at least campaign.h's REWARD_MILESTONES_MAX) */
#define BARGAIN_RECENT_HELPS 10    /* helps shown on the share landing */
#define BARGAIN_CUTS_SHOWN 1000    /* cuts shown to the owner */
#define BARGAIN_LEADERBOARD_SIZE 100

struct unit;

struct bargain {
	int64_t id, item_id, campaign_id, user_id;
	const char *status; /* as stored */
	int64_t original_price_fen, floor_price_fen, current_price_fen, cut_total_fen;
	int64_t helpers, cuts, last_cut_fen;
	int64_t cut_min_fen, cut_max_fen;
	const char *share_code;
	int64_t started_at, expires_at, succeeded_at; /* expires_at: the earlier of its own and its campaign's end */
	bool exact; /* target_cuts set */
	int64_t target_cuts;
	bool helps_limited;
	int64_t helps_per_bargain, self_cuts_per_day, helps_per_user_per_day;
	const char *rewards_json;
};

/* ============================================================ pure rules */

/* True for 16 characters of the base64url alphabet. */
bool share_code_shape(const char *code);
/* Writes a fresh share code (16 characters and NUL). */
void share_code_new(char code[SHARE_CODE_LENGTH + 1]);
/* The status a shopper sees: an active bargain past its window is expired
 * at once, before the sweeper closes it in the database. */
const char *bargain_status_shown(const struct bargain *bargain, int64_t now);

/* Whether user may cut bargain at now: DB_OK, OUT_NOT_FOUND (not theirs:
 * ids say nothing) or OUT_BARGAIN_CLOSED. */
int bargain_self_cut_refusal(const struct bargain *bargain, int64_t user_id, int64_t now);
/* Whether helper may help bargain at now, helped telling whether they did
 * before: DB_OK, OUT_SELF_HELP, OUT_BARGAIN_CLOSED or OUT_ALREADY_HELPED
 * (in that order). */
int bargain_help_refusal(const struct bargain *bargain, int64_t helper_id, bool helped, int64_t now);
/* Why the cut's conditional UPDATE found nothing to cut, from the bargain
 * read before it: OUT_HELPS_FULL for a help at the helper cap, else
 * OUT_BARGAIN_CLOSED. */
int bargain_cut_refusal(const struct bargain *bargain, bool is_help);
/* The drawn amount a cut asks for: 0 for an exact plan (the plan decides),
 * else a range amount from random (cut.h). */
int64_t bargain_cut_drawn(const struct bargain *bargain, uint64_t random);
/* bargain (IN/OUT) as the cut row says it is right after its cut at now. */
void bargain_cut_apply(struct bargain *bargain, const struct bargain_cut_row *row, int64_t now);
/* anti-fraud: the bargain a shadowed help is shown, as it would look after
 * a range cut drawn from random; nothing is cut. *shown and *cut (OUT). */
void bargain_shadow_cut(const struct bargain *bargain, uint64_t random, int64_t now, struct bargain *shown,
			int64_t *cut);
/* The initiator's rewards (rewards->initiator entries) reached at exactly
 * helpers helpers: up to max entries (OUT, borrowed from rewards). Each help
 * raises the count by one under the row lock, so exactly one transaction
 * sees each count. Returns how many. */
int bargain_milestones_due(const json_t *rewards, int64_t helpers, const json_t **entries, int max);

/* What a start knows once it has looked. */
struct bargain_start_facts {
	const struct bargain_item *item;
	int64_t now;
	int64_t started; /* bargains this shopper started on the item, ever */
	bool open;       /* an open one exists ... */
	bool open_expired; /* ... and is past its window */
};
struct bargain_start_decision {
	int refusal;      /* DB_OK, or the outcome to answer (after the close) */
	bool use_open;    /* answer the open bargain (200) */
	bool close_open;  /* close the expired open one first; kept even on a refusal */
	int64_t expires_at; /* a new bargain's end: its ttl, at most its campaign's end */
};
/* The campaign window alone (checked before anything else is read):
 * DB_OK or OUT_CAMPAIGN_NOT_ACTIVE. */
int bargain_start_window_refusal(const struct bargain_item *item, int64_t now);
/* Decides a start from its facts. */
void bargain_start_decide(const struct bargain_start_facts *facts, struct bargain_start_decision *decision);
/* An exact plan as stored: comma-separated fen, in the arena of unit. */
const char *bargain_plan_text(struct unit *unit, const int64_t *plan, int64_t cuts);
/* The newest helps_max helps of a help's live cuts (cuts_json: the newest
 * cuts, at most cuts_max, [[kind, phone, cut_fen, at], ...] newest first,
 * as help_apply brings them), the same shape, in the arena of unit.
 * help_apply leaves the helps out when the cuts are sure to hold them
 * (sql/025_help_lighter.sql). NULL when cuts_json is NULL or not a list,
 * or when the list is full (cuts_max entries) and holds fewer than
 * helps_max helps: self-cuts newer than the CALL saw may have crowded
 * helps out, and only a read of the helps can say. */
const char *bargain_live_helps_from_cuts(struct unit *unit, const char *cuts_json, int64_t cuts_max,
					 int64_t helps_max);

/* ================================================================ flows */

/* POST /bargains: starts (or finds the open) bargain of user on item.
 * Returns DB_OK with *bargain (as read after the commit) and *created
 * (OUT), OUT_NOT_FOUND,
 * OUT_CAMPAIGN_NOT_ACTIVE, OUT_OUT_OF_STOCK, OUT_BARGAIN_LIMIT,
 * OUT_INVALID_CAMPAIGN (no exact plan fits), or a door code. */
int bargain_start(struct unit *unit, int64_t user_id, int64_t item_id, const struct fraud_client *client,
		  struct bargain *bargain, bool *created);

/* A cut's answer: the bargain right after it and the cut taken. */
/* What a help's live messages show beyond the bargain (live.h), brought
 * by the help's own load and CALL so that publishing reads nothing. */
struct bargain_live {
	const char *cuts_json;  /* the newest cuts, [[kind, phone, cut_fen, at], ...] newest first; NULL: not brought */
	const char *helps_json; /* the newest helps, the same shape */
	struct bargain_landing landing; /* the item's name and images, the initiator's phone */
};

struct bargain_cut_answer {
	struct bargain bargain;
	int64_t cut_fen;
	struct coupon reward;  /* a help's coupon for the helper; id 0: none */
	int64_t retry_after_s; /* with OUT_DAILY_LIMIT and OUT_RATE_LIMITED */
	bool shadowed;         /* anti-fraud: a shadowed help, shown but not made */
	struct bargain_live live; /* a help's: for live_bargain_known() */
};

/* POST /bargains/{id}/cut: the owner's own cut, once per self-cut limit
 * and day. Returns DB_OK with *answer (OUT), OUT_NOT_FOUND,
 * OUT_BARGAIN_CLOSED, OUT_DAILY_LIMIT (retry_after_s), or a door code. */
int bargain_self_cut(struct unit *unit, int64_t user_id, int64_t bargain_id, const struct fraud_client *client,
		     struct bargain_cut_answer *answer);

struct reward;
/* The rewards a help may issue, from the bargain's rewards (its
 * rewards_json): the helper's, under "help:<helper_id>" (*helper_reward
 * and *helper, OUT; helper->reward NULL: nothing to give), and each
 * initiator milestone with something to give (milestone_rewards[] and
 * milestones[], at most BARGAIN_MILESTONE_ENTRIES_MAX, *count OUT), issued
 * by the help's write only when its cut brings the bargain to exactly
 * milestones[i].helpers helpers. Pure but for the grant keys' text (the
 * unit's arena); titles borrow from rewards, the helper's is copied. */
void bargain_help_rewards_decide(struct unit *unit, const struct bargain *bargain, int64_t helper_id,
				 const json_t *rewards, struct reward *helper_reward, struct bargain_help_reward *helper,
				 struct reward *milestone_rewards, struct bargain_help_reward *milestones, int *count);

/* POST /s/{code}/help: helper helps the bargain shared as code. A code of
 * the wrong shape or leading nowhere is checked by anti-fraud too, then
 * OUT_NOT_FOUND. Returns DB_OK with *answer (OUT; a shadowed help looks
 * the same and changes nothing), OUT_NOT_FOUND, OUT_SELF_HELP,
 * OUT_BARGAIN_CLOSED, OUT_ALREADY_HELPED, OUT_HELPS_FULL, OUT_RISK_REJECTED,
 * OUT_RATE_LIMITED (retry_after_s), or a door code. */
int bargain_help(struct unit *unit, int64_t helper_id, const char *code, const struct fraud_client *client,
		 struct bargain_cut_answer *answer);

/* GET /bargains/{id}: the owner's bargain with its cuts. */
struct bargain_view {
	struct bargain bargain;
	const char *etag;
	bool not_modified; /* if_none_match names etag: nothing more was read */
	struct bargain_cut_entry *cuts;
	int cut_count;
};
/* Returns DB_OK with *view (OUT), OUT_NOT_FOUND (also: not the owner's),
 * or a door code. */
int bargain_show(struct unit *unit, int64_t user_id, int64_t bargain_id, const char *if_none_match,
		 struct bargain_view *view);

/* GET /s/{code}: the share landing. */
struct bargain_landing_view {
	struct bargain bargain;
	const char *etag;  /* set once the bargain is found, even when a later step fails */
	bool not_modified; /* a re-poll: not a new open, nothing more was read */
	struct bargain_landing landing;
	const struct bargain_cut_entry *helps; /* the newest helps */
	int help_count;
};
/* A code of the wrong shape or leading nowhere is checked by anti-fraud,
 * then OUT_NOT_FOUND. Else the open's anti-fraud check, the open and its
 * counter commit together: OUT_RISK_REJECTED keeps only the check's
 * record, a shadowed open is shown but not counted. Returns DB_OK with
 * *view (OUT), OUT_NOT_FOUND, OUT_RISK_REJECTED, or a door code. */
int bargain_landing_show(struct unit *unit, const char *code, int64_t user_id, const struct fraud_client *client,
			 const char *if_none_match, struct bargain_landing_view *view);

/* The live streams' checks (live/live_routes.c): DB_OK when user_id owns
 * bargain_id, else OUT_NOT_FOUND (ids say nothing); DB_OK when code leads
 * to a bargain (*bargain_id, OUT, its id), else OUT_NOT_FOUND. */
int bargain_owned(struct unit *unit, int64_t bargain_id, int64_t user_id);
int bargain_code_known(struct unit *unit, const char *code, int64_t *bargain_id);

/* GET /me/bargains: user's bargains below before, newest first. */
int bargain_list_of(struct unit *unit, int64_t user_id, int64_t before, int64_t limit, struct bargain **bargains,
		    int *count);

/* GET /campaigns/{id}/leaderboard: OUT_NOT_FOUND for an unknown campaign. */
int bargain_ranking(struct unit *unit, int64_t campaign_id, struct bargain_rank **ranks, int *count);

/* Why a cut plan cannot be made. */
enum bargain_plan_problem {
	PLAN_FINE,
	PLAN_FLOOR_NOT_BELOW_PRICE,
	PLAN_MAX_BELOW_MIN,
	PLAN_CUTS_CANNOT_FIT, /* cuts in [min, max] cannot sum to price - floor */
	PLAN_NOT_MADE,
};
/* POST /admin/cut-plan/preview: a sample plan made by cut_plan_make, the
 * very function that fixes each bargain's plan (with a random seed: each
 * bargain's own plan differs in its randomness, not in its shape). Returns
 * DB_OK with *plan (OUT, cuts entries in the unit's arena), or
 * OUT_INVALID_CAMPAIGN with *problem (OUT). cuts is 1..CUT_TARGET_MAX. */
int bargain_plan_preview(struct unit *unit, int64_t price_fen, int64_t floor_fen, int64_t min_fen, int64_t max_fen,
			 int64_t cuts, int64_t **plan, enum bargain_plan_problem *problem);

/* Closes active bargains past their window (the worker's sweep). Returns
 * the number closed, or -1 on a door failure. */
long bargain_sweep(struct unit *unit);

/* ================================================================= JSON */

/* The bargain object of API.md as shown at the unit's now; a new
 * reference. */
json_t *bargain_json(struct unit *unit, const struct bargain *bargain);
/* A strong ETag of what a shopper sees of the bargain (in the arena). */
const char *bargain_etag(struct unit *unit, const struct bargain *bargain);
/* True when If-None-Match names etag (weak or strong, or in a list). */
bool etag_matches(const char *if_none_match, const char *etag);

#endif
