/* fraud_check.h: the request side of anti-fraud (SPEC §5).
 *
 * Every SMS send, login, help, share open and order is checked with
 * fraud_check() before it writes anything: the request is recorded in
 * fraud_event with the values the rules look at, the worker's compiled rules
 * (fraud.h) decide, and a decision other than allow is logged in
 * fraud_decision. The caller then acts on the outcome:
 *
 *   block   fraud_check() has already answered 403 risk_rejected (saying
 *           nothing about the rule); return its status.
 *   shadow  answer as if it worked, but write and issue nothing.
 *   review  go ahead, and hold what it leads to (fraud_hold(): a held
 *           bargain can be cut but is not ordered or ranked until an admin
 *           releases it).
 *   allow   go ahead.
 *
 * What reaches the check is recorded, and nothing else: a request refused
 * before it (a malformed body; for a help: self-help, a closed bargain, an
 * earlier help by the same shopper) or rolled back after it (a velocity
 * limit, a lost race) leaves no event; rate_counter counts the velocity
 * refusals. Dry runs count over what was recorded.
 *
 * Inside the caller's transaction (the usual place: first thing in it),
 * the event and the decision commit with it, and a block sets
 * commit_on_error so they are kept while nothing else was written. Outside
 * one they commit on their own.
 *
 * The rule set reaches every worker within a second of an admin's edit:
 * fraud_check() reads fraud_state.version at most once a second per worker
 * and recompiles only when it changed.
 *
 * The help and the order (issue 13) decide with fraud_judge() instead and
 * write the event, the decision, the hold and the velocity limits with
 * their own writes, in one CALL (sql/024_round_trips.sql); a block or a
 * shadow is recorded at once with fraud_judgement_record(). Before that,
 * orders used fraud_check() like this, first thing in the order's
 * transaction:
 *
 *	struct fraud_subject subject = { .user_id = request->session.user_id,
 *					 .bargain_id = bargain_id };   (0: none)
 *	struct fraud_outcome outcome;
 *	if ((status = fraud_check(request, FRAUD_SCOPE_ORDER, &subject, &outcome)) != 0)
 *		return status;                          (403 risk_rejected)
 *	if (outcome.action == FRAUD_SHADOW)
 *		... answer as if created; create nothing
 *	if ((status = fraud_velocity(request, FRAUD_SCOPE_ORDER, outcome.phone)) != 0)
 *		return status;                          (429 rate_limited)
 *	... create the order; for review:
 *	fraud_hold(request, "order", order_id, outcome.decision_id, false);
 *
 * and never order a held bargain (bargain.held = 1: "AND held = 0" in the
 * UPDATE that marks it ordered, 409 bargain_not_succeeded); before shipping
 * a held order, fraud_is_held() says whether an admin has released it.
 *
 * Velocity limits (fraud_velocity) are separate: config keys
 * fraud_{sms,login,help,order}_limits, counted with limit.h's conditional
 * upserts in rate_counter under buckets
 * "fv:<scope>:<dimension>:<window_s>:<value>" (device ids hashed), so no
 * race can exceed them. */
#ifndef KANJIA_FRAUD_CHECK_H
#define KANJIA_FRAUD_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "fraud/fraud.h"
#include "fraud/fraud_store.h"

struct request;
struct unit;

/* The request facts the checks read (borrowed; NULL: not sent). Route
 * files fill it from the request; flows carry it in their input. */
struct fraud_client {
	const char *ip;
	const char *user_agent;
	const char *referer;
	const char *device_id; /* "" or NULL: none */
};

/* What the caller knows beyond the request itself (client IP, User-Agent,
 * referer and device id come from the request). NULL and 0 mean unknown:
 * with user_id the phone is read from the shopper, with bargain_id the
 * signature from the bargain. */
struct fraud_subject {
	const char *phone;
	const char *share_code;
	const char *signature;
	int64_t user_id;
	int64_t bargain_id;
};

struct fraud_outcome {
	enum fraud_action action;
	int64_t event_id;
	int64_t decision_id; /* 0 for allow */
	int64_t rule_id;     /* 0 for allow */
	const char *phone;   /* the phone checked (given or read), or NULL; the arena owns it */
};

/* Checks request in scope. Returns 0 with *outcome (OUT) filled for allow,
 * review and shadow; 403 risk_rejected for block (outcome filled too); or a
 * DB status (DB_RETRY inside a transaction). */
int fraud_check(struct request *request, enum fraud_scope scope, const struct fraud_subject *subject,
		struct fraud_outcome *outcome);
/* The same on a unit, for flows: returns DB_OK (allow, review, shadow),
 * OUT_RISK_REJECTED for block (with unit->commit_on_error set, so the
 * record is kept), or a door code. */
int fraud_check_unit(struct unit *unit, const struct fraud_client *client, enum fraud_scope scope,
		     const struct fraud_subject *subject, struct fraud_outcome *outcome);
/* The same, except that an allow is not written: its event row (OUT
 * *deferred, strings owned by the unit's arena or the caller) is handed
 * back with *was_deferred true, for a caller that writes events in
 * batches (the share landing, bargain/share_count.h). Review, shadow and
 * block are recorded at once as fraud_check_unit() does. */
struct fraud_event_row;
int fraud_check_deferred(struct unit *unit, const struct fraud_client *client, enum fraud_scope scope,
			 const struct fraud_subject *subject, struct fraud_outcome *outcome,
			 struct fraud_event_row *deferred, bool *was_deferred);

/* Takes one hit of every velocity limit of scope (config) for the request's
 * IP, subnet and device and for phone (may be NULL). Call it inside the
 * caller's transaction, so the limits are taken all or none. Returns 0, 429
 * rate_limited with Retry-After, or a DB status. */
int fraud_velocity(struct request *request, enum fraud_scope scope, const char *phone);
/* The same on a unit: DB_OK, OUT_RATE_LIMITED with *retry_after_s (OUT),
 * or a door code. */
int fraud_velocity_unit(struct unit *unit, const struct fraud_client *client, enum fraud_scope scope,
			const char *phone, int64_t *retry_after_s);

/* ---------------------------------------------- decided, written later
 *
 * For flows that send their writes in one round trip (the help's
 * help_apply procedure, sql/025_help_lighter.sql): the check decided from
 * the rules version the flow's own read brought, its event and decision
 * handed back to be written with the flow's writes; the velocity limits
 * as buckets to take there. */
struct fraud_judgement {
	struct fraud_event_row event; /* as fraud_check_unit() records it */
	enum fraud_action action;
	int64_t rule_id;        /* the deciding rule, 0 for allow */
	const char *rule_field; /* its field's name, NULL for allow */
	const char *shown;      /* the value as a decision shows it (masked; the arena's), NULL for allow */
	const char *phone;      /* the phone checked, or NULL */
};
/* Decides scope's check for subject without writing it. rules_version:
 * fraud_state.version as the caller just read it (the rules are
 * recompiled only when it moved), or -1 to read it here. Returns DB_OK
 * with *judgement (OUT), or a door code. */
int fraud_judge(struct unit *unit, const struct fraud_client *client, enum fraud_scope scope,
		const struct fraud_subject *subject, int64_t rules_version, struct fraud_judgement *judgement);
/* Writes a judgement as fraud_check_unit() does (the event, then the
 * decision): DB_OK (allow, review, shadow), OUT_RISK_REJECTED for block
 * (commit_on_error set), or a door code. *outcome (OUT). */
int fraud_judgement_record(struct unit *unit, const struct fraud_judgement *judgement, struct fraud_outcome *outcome);

struct limit_bucket;
/* scope's velocity limits (config) for the client and phone (may be NULL)
 * as buckets (OUT, at most FRAUD_LIMITS_MAX) and *count, to be taken all or
 * none in the caller's write. Returns DB_OK. */
int fraud_velocity_buckets(struct unit *unit, const struct fraud_client *client, enum fraud_scope scope,
			   const char *phone, struct limit_bucket *buckets, int *count);
/* Logs that bucket (one of fraud_velocity_buckets()'s) refused a request. */
void fraud_velocity_refused(enum fraud_scope scope, const struct limit_bucket *bucket);

/* Puts target (kind "bargain" or "order") in the review queue for
 * decision_id, once; with mark, a bargain is also marked held (the help
 * path marks it in its own UPDATE of the row instead). In the caller's
 * transaction. Returns 0 or a DB status. */
int fraud_hold(struct request *request, const char *kind, int64_t target_id, int64_t decision_id, bool mark);
/* The same on a unit: DB_OK or a door code. */
int fraud_hold_unit(struct unit *unit, const char *kind, int64_t target_id, int64_t decision_id, bool mark);
/* *held (OUT) is true while target is in the review queue and not released
 * (pending or rejected). Returns 0 or a DB status. For the order flow. */
int fraud_is_held(struct request *request, const char *kind, int64_t target_id, bool *held);
/* The same on a unit: DB_OK or a door code. */
int fraud_is_held_unit(struct unit *unit, const char *kind, int64_t target_id, bool *held);

/* A help about to happen: its letter (fraud.h's alphabet), the signature
 * the rules see (the bargain's plus this letter, the newest
 * FRAUD_SIGNATURE_MAX), and the helper's phone. */
struct fraud_help {
	char letter[2];
	const char *signature; /* the arena owns it */
	const char *phone;     /* the arena owns it */
};

/* Works out the help of helper_id on bargain_id from the client and the
 * rows so far (one query gathers the facts, pure code decides). Returns
 * DB_OK with *help (OUT) filled, OUT_NOT_FOUND, or a door code. */
int fraud_help_prepare(struct unit *unit, const struct fraud_client *client, int64_t bargain_id, int64_t helper_id,
		       struct fraud_help *help);

/* The pure half of fraud_help_prepare(): the help's letter, signature and
 * phone from the facts row (which a flow may have read itself, in its own
 * first query: bargain_help_load()). */
void fraud_help_decide(struct unit *unit, const struct fraud_client *client, const struct fraud_help_row *row,
		       struct fraud_help *help);

/* A login answer for shadow: a token of the right shape for subject,
 * signed with a key this worker made up, so every use of it is refused
 * (401). The caller frees the result. */
char *fraud_dud_token(struct request *request, int64_t subject, int64_t expires_at);

/* Housekeeping for the sweeper, between requests: adds the match-limit
 * hits this worker noted since the last sweep to their rules' limit_hits
 * (and logs them); forgets events and decisions older than fraud_keep_days,
 * a batch of SWEEP_BATCH each, at most once a minute per worker. Returns
 * how many rows went, or -1 on a DB error. */
long fraud_sweep(struct unit *unit);

#endif
