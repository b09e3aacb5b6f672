/* fraud_store.h: the only SQL on fraud_rule, fraud_state, fraud_event,
 * fraud_decision and fraud_review (rate_counter has its own store:
 * limit.c).
 *
 * Named operations on a unit; each returns DB_OK, an outcome
 * (core/outcome.h) or a door code (db/db.h). Rows read are copied into
 * structs whose strings the unit's arena owns. A held bargain is marked
 * through bargain_store.h, never here. */
#ifndef KANJIA_FRAUD_STORE_H
#define KANJIA_FRAUD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fraud/fraud.h"

struct unit;

/* ================================================================ rules */

struct fraud_rule_row {
	int64_t id;
	const char *field;
	const char *pattern;
	const char *action;
	unsigned scopes;
	bool enabled;
	const char *note; /* NULL: none */
	const char *pack; /* NULL: made by an admin */
	int64_t limit_hits, created_at, updated_at;
	int64_t hits_24h; /* decisions of the last 24 hours (0 on a locking read) */
};

/* One rule; lock: FOR UPDATE (and no hit count, so no decision row is
 * locked). OUT_NOT_FOUND when there is none. */
int fraud_rule_get(struct unit *unit, int64_t id, bool lock, struct fraud_rule_row *rule);
/* Rules with id above after, oldest first, at most limit. */
int fraud_rule_page(struct unit *unit, int64_t after, int64_t limit, struct fraud_rule_row **rules, int *count);
/* Inserts *rule at the unit's now; rule->id (OUT). */
int fraud_rule_insert(struct unit *unit, struct fraud_rule_row *rule);
/* Writes rule's field, pattern, action, scopes, enabled and note. */
int fraud_rule_update(struct unit *unit, const struct fraud_rule_row *rule);
int fraud_rule_delete(struct unit *unit, int64_t id);
/* *exists (OUT): a rule with the same field, pattern and action exists. */
int fraud_rule_exists(struct unit *unit, const char *field, const char *pattern, const char *action, bool *exists);
/* Raises fraud_state.version: every worker recompiles within a second. */
int fraud_rules_changed(struct unit *unit);
/* fraud_state.version (*version, OUT; 0 when unset). */
int fraud_rules_version(struct unit *unit, int64_t *version);
/* The enabled rules, oldest first (id, field, action, scopes, pattern). */
int fraud_rules_enabled(struct unit *unit, struct fraud_rule_row **rules, int *count);
/* Adds hits to the rule's limit_hits. */
int fraud_rule_add_limit_hits(struct unit *unit, int64_t rule_id, int64_t hits);

/* ======================================================= events, decisions */

/* The phone of user_id and the signature of bargain_id (0: not asked);
 * NULL when unknown (OUT). */
int fraud_subject_facts(struct unit *unit, int64_t user_id, int64_t bargain_id, const char **phone,
			const char **signature);

struct fraud_event_row {
	const char *scope, *action;
	int64_t user_id, bargain_id; /* 0: none */
	const char *phone, *client_ip, *user_agent, *referer, *share_code, *device, *signature;
};
/* Records an event at the unit's now with its request id; *event_id (OUT). */
int fraud_event_record(struct unit *unit, const struct fraud_event_row *event, int64_t *event_id);
/* Batches of events (the share landing's, bargain/share_count.c): adds one
 * event at time at to batch (a JSON array; request_id may be NULL); 0, or
 * -1 when out of memory. */
int fraud_event_batch_add(json_t *batch, const struct fraud_event_row *event, int64_t at, const char *request_id);
/* event at the unit's now as a batch of one (the shape the help_apply and
 * order_apply procedures read, sql/024 and 025): text in the unit's arena. */
const char *fraud_event_text(struct unit *unit, const struct fraud_event_row *event);
/* Writes every event of batch in one statement: DB_OK or a door code. */
int fraud_event_batch_record(struct unit *unit, const json_t *batch);
/* Records a decision of rule on event; *decision_id (OUT). */
int fraud_decision_record(struct unit *unit, int64_t event_id, int64_t rule_id, const char *scope, const char *field,
			  const char *value_shown, const char *action, int64_t user_id, int64_t bargain_id,
			  int64_t *decision_id);
/* Forgets events and decisions older than before, a batch of each;
 * *forgotten (OUT) counts the rows. */
int fraud_forget_before(struct unit *unit, int64_t before, long *forgotten);

/* The ids of the events in [from, to) (*first, *last; 0 when none). */
int fraud_event_bounds(struct unit *unit, int64_t from, int64_t to, int64_t *first, int64_t *last);
/* An event as a dry run sees it: the value of one field. */
struct fraud_event_value {
	int64_t id, at;
	const char *scope, *action;
	int64_t bargain_id; /* 0: none */
	const char *value;  /* NULL: not known in that scope */
	size_t length;
};
/* The next page of events after cursor (up to last) in [from, to) and in
 * scopes, with the value of field. */
int fraud_event_page(struct unit *unit, enum fraud_field field, int64_t cursor, int64_t last, int64_t from,
		     int64_t to, unsigned scopes, struct fraud_event_value **events, int *count);

struct fraud_decision_row {
	int64_t id, at;
	int64_t event_id, rule_id; /* 0: gone */
	const char *scope, *field;
	const char *value; /* as shown (masked) */
	size_t value_length;
	const char *action;
	int64_t user_id, bargain_id; /* 0: none */
	const char *request_id;      /* NULL: none */
};
/* Decisions below before, of rule_id (0: any) and action ("": any), newest
 * first, at most limit. */
int fraud_decision_page(struct unit *unit, int64_t before, int64_t rule_id, const char *action, int64_t limit,
			struct fraud_decision_row **decisions, int *count);

/* ================================================================ reviews */

/* Puts target (kind "bargain" or "order") in the review queue for
 * decision_id, once: a pending one stays, a released one is pending again,
 * a rejected one stays rejected. */
int fraud_review_hold(struct unit *unit, const char *kind, int64_t target_id, int64_t decision_id);
/* *status (OUT): the target's review status, or NULL when it has none. */
int fraud_review_status(struct unit *unit, const char *kind, int64_t target_id, const char **status);

struct fraud_review_row {
	int64_t id;
	const char *kind;
	int64_t target_id;
	int64_t decision_id; /* 0: none */
	const char *status;
	int64_t created_at;
	int64_t resolved_at, resolved_by; /* 0: not yet */
	bool has_bargain;                 /* a bargain review whose bargain exists */
	const char *signature, *bargain_status;
	int64_t current_price_fen, floor_price_fen, helpers;
	bool held;
};
/* Reviews below before with state (pending, released, rejected, all),
 * newest first, at most limit. */
int fraud_review_page(struct unit *unit, int64_t before, const char *state, int64_t limit,
		      struct fraud_review_row **reviews, int *count);
/* One review, locked (FOR UPDATE); OUT_NOT_FOUND when there is none. */
int fraud_review_lock(struct unit *unit, int64_t id, struct fraud_review_row *review);
/* Resolves a review (released or rejected) by admin_id at the unit's now. */
int fraud_review_resolve(struct unit *unit, int64_t id, const char *status, int64_t admin_id);

/* ================================================================= helps */

/* What one query tells about a help about to happen (fraud_check.c decides
 * from it). */
struct fraud_help_row {
	const char *signature;     /* the bargain's */
	const char *start_ip;      /* NULL: unknown */
	const char *start_device;  /* NULL: unknown */
	int64_t started_at;
	const char *phone;         /* the helper's */
	int64_t joined_at;         /* the helper's account */
	const char *previous_ip;   /* the last help's, NULL: none */
	int64_t previous_at;       /* 0: no help yet */
	int64_t same_device_cuts;  /* cuts from device on this bargain */
};
/* OUT_NOT_FOUND when the bargain or the helper is gone. device NULL: none. */
int fraud_help_facts(struct unit *unit, const char *device, int64_t helper_id, int64_t bargain_id,
		     struct fraud_help_row *help);

#endif
