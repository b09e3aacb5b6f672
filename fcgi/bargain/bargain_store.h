/* bargain_store.h: the only SQL on bargain, bargain_cut and share_open.
 *
 * Named operations on a unit; each returns DB_OK, an outcome
 * (core/outcome.h) or a door code (db/db.h). Rows read are copied into
 * structs whose strings the unit's arena owns. Reads may join other
 * features' tables to gather a flow's facts in one statement; writes touch
 * only this feature's tables. Other features change a bargain only through
 * the operations here (bargain_hold, bargain_release, bargain_reject; an
 * order's bargain_for_order, bargain_mark_ordered, bargain_unmark_ordered). */
#ifndef KANJIA_BARGAIN_STORE_H
#define KANJIA_BARGAIN_STORE_H

#include <stdbool.h>
#include <stdint.h>

struct unit;
struct bargain;

/* ------------------------------------------------------------ reads */

/* The bargain with id, or with share code; OUT_NOT_FOUND when none. */
int bargain_get(struct unit *unit, int64_t id, struct bargain *bargain);
int bargain_get_by_code(struct unit *unit, const char *code, struct bargain *bargain);
/* bargain_get_by_code() for a would-be helper, telling in the same read
 * whether helper_id has helped it already (*helped, OUT). */
int bargain_get_for_helper(struct unit *unit, const char *code, int64_t helper_id, struct bargain *bargain,
			   bool *helped);

/* One line of a bargain's cut list. */
struct bargain_cut_entry {
	bool self;          /* the owner's own cut */
	const char *phone;  /* the cutter's phone (the route masks it) */
	int64_t cut_fen;
	int64_t at;
};
/* The newest limit cuts of bargain_id (only helps when only_helps). */
int bargain_cut_list(struct unit *unit, int64_t bargain_id, int64_t limit, bool only_helps,
		     struct bargain_cut_entry **entries, int *count);
/* The ids of user's bargains below before, newest first, at most limit. */
int bargain_ids_of_user(struct unit *unit, int64_t user_id, int64_t before, int64_t limit, int64_t **ids,
			int *count);

/* What the share landing shows besides the bargain: the item's name and
 * images, the initiator's phone (masked by the route). */
struct bargain_landing {
	const char *item_name;
	const char *images_json;
	const char *initiator_phone;
	const char *signature; /* the bargain's anti-fraud signature, or NULL */
};
/* The share landing in one indexed read: the bargain by its code, the
 * item's name and images, the initiator's phone, the bargain's anti-fraud
 * signature and its newest limit helps (*helps, *help_count OUT).
 * OUT_NOT_FOUND when the code, the item or the initiator is gone. */
int bargain_landing_by_code(struct unit *unit, const char *code, int64_t limit, struct bargain *bargain,
			    struct bargain_landing *landing, const struct bargain_cut_entry **helps, int *help_count);

struct bargain_rank {
	int64_t bargain_id;
	const char *phone;
	int64_t succeeded_in_s, cut_total_fen;
};
/* The campaign's fastest succeeded bargains that are not held, at most
 * limit, best first; OUT_NOT_FOUND when there is no such campaign. */
int bargain_leaderboard(struct unit *unit, int64_t campaign_id, int64_t limit, struct bargain_rank **ranks,
			int *count);

/* ------------------------------------------------------------ start */

/* The item a bargain starts from, with its campaign's window. */
struct bargain_item {
	int64_t item_id, campaign_id;
	int64_t original_price_fen, floor_price_fen, stock_left;
	int64_t cut_min_fen, cut_max_fen;
	bool exact;          /* target_cuts set: an exact plan */
	int64_t target_cuts; /* 0 when not exact */
	int64_t self_cuts_per_day, helps_per_user_per_day, bargains_per_user;
	int64_t helps_per_bargain; /* 0: no cap */
	int64_t bargain_ttl_s, pay_within_s;
	const char *rewards_json;
	int64_t starts_at, ends_at;
};
/* OUT_NOT_FOUND when there is no such item. */
int bargain_item_get(struct unit *unit, int64_t item_id, struct bargain_item *item);
/* How many bargains user has started on item, ever (*count, OUT). */
int bargain_count_started(struct unit *unit, int64_t user_id, int64_t item_id, int64_t *count);
/* The id of user's open bargain on item (*bargain_id, OUT; 0: none). */
int bargain_find_open(struct unit *unit, int64_t user_id, int64_t item_id, int64_t *bargain_id);

struct bargain_new {
	const struct bargain_item *item;
	int64_t user_id;
	const char *share_code;
	int64_t expires_at;
	const char *start_ip;
	const char *start_device; /* "" or NULL: none */
};
/* Inserts an active bargain at the unit's now. *bargain_id (OUT).
 * DB_DUPLICATE when user already has an open one on the item (the open
 * slot's unique key) or the share code is taken. */
int bargain_insert(struct unit *unit, const struct bargain_new *bargain, int64_t *bargain_id);
/* Fixes the exact plan (comma-separated fen) of a new bargain. */
int bargain_set_plan(struct unit *unit, int64_t bargain_id, const char *plan);
/* Closes one active bargain past its window (status expired). */
int bargain_close(struct unit *unit, int64_t bargain_id);

/* -------------------------------------------------------------- cut */

/* The one write to the hot row: takes the next cut of bargain_id (the exact
 * plan's next entry, or drawn fen in range mode, clipped to what is left),
 * adds letter to its signature and, with hold, marks it held. Only an
 * active bargain inside its window with money left is cut, and a help
 * (is_help) only under the helper cap. *taken (OUT) says whether it was. */
int bargain_take_cut(struct unit *unit, int64_t bargain_id, int64_t drawn, bool is_help, const char *letter,
		     bool hold, bool *taken);

/* The bargain right after its latest cut, as the cut row recorded it. */
struct bargain_cut_row {
	int64_t seq, cut_fen, price_after_fen, helpers_after;
};
/* Records the cut bargain_take_cut() just took, copied from the row under
 * the caller's lock. helper_id 0 for a self-cut. DB_DUPLICATE when
 * helper_id has helped this bargain already. *row (OUT). */
int bargain_cut_record(struct unit *unit, int64_t bargain_id, bool is_help, int64_t user_id, const char *client_ip,
		       const char *device, struct bargain_cut_row *row);

/* ------------------------------------------------------------- help */

struct fraud_help_row;
struct fraud_event_row;
struct limit_bucket;
struct reward;

/* A help's facts in one read: the bargain shared as code, whether
 * helper_id helped it already (*helped), what anti-fraud's signature
 * letter is made of (*facts: the bargain's signature, start IP and device,
 * the helper's phone and account age, the previous help, the cuts from
 * device), fraud_state's version (*rules_version) and what the live
 * landing message shows (*landing: item name, images, initiator's phone;
 * signature NULL). All OUT.
 * OUT_NOT_FOUND when the code leads nowhere. device NULL: none. */
int bargain_help_load(struct unit *unit, const char *code, int64_t helper_id, const char *device,
		      struct bargain *bargain, bool *helped, struct fraud_help_row *facts, int64_t *rules_version,
		      struct bargain_landing *landing);

/* A reward a help issues to user_id under the grant key milestone (once
 * per bargain); an initiator's milestone only when the cut brings the
 * bargain to exactly helpers helpers. */
struct bargain_help_reward {
	int64_t user_id;
	const char *milestone;
	int64_t helpers; /* milestones only */
	const struct reward *reward;
};

/* What the help flow decided to write. */
struct bargain_help_write {
	const struct bargain *bargain;
	int64_t helper_id;
	const char *client_ip, *device; /* device "" or NULL: none */
	int64_t drawn;                  /* bargain_cut_drawn() */
	const char *letter;             /* anti-fraud: the help's signature letter */
	bool hold;                      /* anti-fraud: a review holds the bargain */
	const struct fraud_event_row *event;
	int64_t rule_id;                /* a review's decision: its rule (0: none), */
	const char *rule_field, *shown; /* field and value shown */
	const struct limit_bucket *limits; /* velocity limits, then the helper's daily limit */
	int limit_count;
	const struct bargain_help_reward *helper_reward; /* NULL: none */
	const struct bargain_help_reward *milestones;
	int milestone_count;
	int64_t live_cuts, live_helps; /* > 0: bring back the newest cuts and helps for live.h (0: none) */
};

enum bargain_help_applied {
	HELP_APPLIED,        /* written and committed */
	HELP_LIMITED,        /* limits[limited_index] is at its limit: nothing written */
	HELP_NOT_TAKEN,      /* the hot row's guard refused the cut: nothing written */
	HELP_ALREADY_HELPED, /* the helper's grant or cut row exists: nothing written */
};

struct bargain_help_result {
	enum bargain_help_applied applied;
	int limited_index;
	struct bargain_cut_row row; /* HELP_APPLIED: the bargain right after the cut */
	int64_t coupon_id;          /* the helper's coupon, 0: none */
	int64_t decision_id;        /* the review's decision, 0: none */
	const char *live_cuts_json;  /* HELP_APPLIED with live_cuts: [[kind, phone, cut_fen, at], ...] newest first */
	const char *live_helps_json; /* the same of the helps; NULL: left out because the cuts hold them
				      * (few self-cuts: bargain_live_helps_from_cuts takes them from there) */
};

/* Applies a help in one round trip (CALL help_apply, sql/025): the event
 * and a review's decision and hold, the limits all or none, the helper's
 * reward, the stats, the hot row's conditional UPDATE and the cut row, the
 * milestones due, in a transaction of the procedure's own; then, with
 * live_cuts, the newest cuts and helps for the live messages. Outside any
 * transaction (a deadlock sends the CALL again). Returns DB_OK with
 * *result (OUT), or a door code. */
int bargain_help_apply(struct unit *unit, const struct bargain_help_write *write, struct bargain_help_result *result);

/* ------------------------------------------------------------ share */

/* A visitor's opens of one bargain's shop day, as a batch carries them
 * (bargain/share_count.c). */
struct share_visit {
	int64_t bargain_id, campaign_id, item_id, day_start, first_at;
	const char *visitor, *client_ip;
	int64_t arriving; /* this batch's opens */
	int64_t before;   /* opens counted already (share_visits_load; 0: a new visitor) */
	int64_t after;    /* opens counted after the batch (decided by the caller) */
};
/* Reads and locks the rows of visits (inside the caller's transaction);
 * sets each visit's before. */
int share_visits_load(struct unit *unit, struct share_visit *visits, int count);
/* Writes each visit whose after exceeds its before: a new row, or its
 * opens raised to after. */
int share_visits_write(struct unit *unit, const struct share_visit *visits, int count);

/* ----------------------------------------------------------- orders */

/* A bargain as an order sees it. */
struct bargain_orderable {
	bool found;
	int64_t user_id, item_id;
	bool succeeded;
	int64_t price_fen;      /* its current price */
	int64_t pay_within_s;
	int64_t pay_window_end; /* orderable until then: its expiry, or pay_within_s after it succeeded if later */
};
/* Reads bargain_id for an order into *bargain (OUT; found false when there
 * is no such bargain). Returns DB_OK or a door code. */
int bargain_for_order(struct unit *unit, int64_t bargain_id, struct bargain_orderable *bargain);
/* succeeded -> ordered for user_id's bargain, unless it is held for
 * review. Returns DB_OK, OUT_BARGAIN_NOT_SUCCEEDED (not succeeded, not
 * the user's, or held), or a door code. */
int bargain_mark_ordered(struct unit *unit, int64_t bargain_id, int64_t user_id);
/* ordered -> succeeded for user_id's bargain whose order was cancelled:
 * open again and orderable until its pay window ends (its expiry, or
 * pay_within_s after it succeeded if later); once that window is over the
 * bargain closes (expired) instead. Returns DB_OK or a door code. */
int bargain_unmark_ordered(struct unit *unit, int64_t bargain_id, int64_t user_id);

/* ---------------------------------------------------- anti-fraud */

/* Marks the bargain held: it can be cut, not ordered or ranked. */
int bargain_hold(struct unit *unit, int64_t bargain_id);
/* Releases a held bargain. */
int bargain_release(struct unit *unit, int64_t bargain_id);
/* Closes a bargain a reviewer rejected (expired, its progress void). */
int bargain_reject(struct unit *unit, int64_t bargain_id);

/* ------------------------------------------------------------ sweep */

/* Closes active bargains past their window, one sweeper at a time across
 * workers (a named lock; another holder: 0). Returns the number closed, or
 * -1 on a door failure. */
long bargain_close_expired(struct unit *unit);

#endif
