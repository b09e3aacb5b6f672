/* fraud_admin.h: the anti-fraud admin's flows (API.md, the fraud part of
 * the Admin table): pattern rules and their dry run, the default pack, the
 * decision log and the review queue.
 *
 * Every write is audited and raises fraud_state.version in its
 * transaction, which is how the workers learn of it (fraud_check.h). Flows
 * return DB_OK, an outcome or a door code; what was wrong with an admin's
 * rule comes back in a struct fraud_rule_problem for the route to word. */
#ifndef KANJIA_FRAUD_ADMIN_H
#define KANJIA_FRAUD_ADMIN_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "fraud/fraud.h"
#include "fraud/fraud_store.h"

struct unit;

#define FRAUD_PACK_FILE "fraud_pack.json"
#define FRAUD_PACK_RULES_MAX 200
#define FRAUD_PATTERN_BODY_MAX 8192 /* longer than FRAUD_PATTERN_MAX: the compiler says why */
#define FRAUD_DRY_RUN_RANGE_MAX_S (31 * 86400)
#define FRAUD_DRY_RUN_ROWS_MAX 200000 /* the rows of a dry run stay in the unit's arena */
#define FRAUD_DRY_RUN_SAMPLE_DEFAULT 10
#define FRAUD_DRY_RUN_SAMPLE_MAX 50

enum fraud_rule_problem_kind {
	RULE_PROBLEM_NONE,
	RULE_PROBLEM_SCOPE,   /* a scope item unknown or repeated (OUT_INVALID_FIELD) */
	RULE_PROBLEM_PATTERN, /* the pattern does not compile (OUT_INVALID_PATTERN) */
	RULE_PROBLEM_SHAPE,   /* a pack entry is not a rule (OUT_INVALID_FIELD) */
};

struct fraud_rule_problem {
	enum fraud_rule_problem_kind kind;
	char message[FRAUD_MESSAGE_SIZE]; /* PCRE2's message for a pattern */
	size_t offset;                    /* where in the pattern */
};

/* Reads the rule fields present in object (already validated against the
 * route's field list) over *rule: scopes parsed, the pattern compiled once
 * to check it. Pure. Returns DB_OK, or OUT_INVALID_FIELD / OUT_INVALID_PATTERN
 * with *problem (OUT). */
int fraud_rule_read(const json_t *object, struct fraud_rule_row *rule, struct fraud_rule_problem *problem);

/* The rule object of API.md; a new reference. */
json_t *fraud_rule_json(const struct fraud_rule_row *rule);
/* The review object of API.md; a new reference. */
json_t *fraud_review_json(const struct fraud_review_row *review);

/* Rules with id above after, oldest first. */
int fraud_rule_list(struct unit *unit, int64_t after, int64_t limit, struct fraud_rule_row **rules, int *count);
/* Creates *rule (id and times OUT) for admin_id, audited, in one
 * transaction. */
int fraud_rule_create(struct unit *unit, int64_t admin_id, struct fraud_rule_row *rule);
/* Changes rule id by the fields of patch, audited. *after (OUT) as stored.
 * OUT_NOT_FOUND, or a refusal with *problem. */
int fraud_rule_change(struct unit *unit, int64_t admin_id, int64_t id, const json_t *patch,
		      struct fraud_rule_row *after, struct fraud_rule_problem *problem);
/* Deletes rule id, audited. OUT_NOT_FOUND when there is none. */
int fraud_rule_remove(struct unit *unit, int64_t admin_id, int64_t id);

/* Loads the default rule pack (FRAUD_PACK_FILE in migrations_dir): every
 * rule not yet present (same field, pattern and action) is added, through
 * the same checks as a created rule, and audited for admin_id (0: an
 * offline command). In the caller's transaction. *loaded and *skipped
 * (OUT) count the rules. Returns DB_OK, OUT_INVALID_FIELD or
 * OUT_INVALID_PATTERN for a bad entry (*problem, logged), OUT_INTERNAL_ERROR
 * for an unreadable pack, or a door code. */
int fraud_pack_load(struct unit *unit, int64_t admin_id, int *loaded, int *skipped, struct fraud_rule_problem *problem);
/* fraud_pack_load() in a transaction of its own. */
int fraud_pack_install(struct unit *unit, int64_t admin_id, int *loaded, int *skipped,
		       struct fraud_rule_problem *problem);

/* One recorded request a dry run's rule matched. */
struct fraud_dry_run_hit {
	int64_t event_id, at;
	const char *scope, *action;
	int64_t bargain_id; /* 0: none */
	const char *value;  /* masked, valid UTF-8 */
};
struct fraud_dry_run_result {
	int64_t requests, bargains, scanned, limit_hits;
	bool complete; /* FRAUD_DRY_RUN_ROWS_MAX not reached */
	struct fraud_dry_run_hit *sample;
	int sample_count;
};
/* What rule (field, pattern, scopes) would have matched among the requests
 * recorded in [from, to); at most sample_max hits are kept as a sample.
 * Returns DB_OK with *result (OUT) or a door code. */
int fraud_dry_run(struct unit *unit, const struct fraud_rule_row *rule, int64_t from, int64_t to, int64_t sample_max,
		  struct fraud_dry_run_result *result);

/* Decisions below before, of rule_id (0: any) and action ("": any). */
int fraud_decision_list(struct unit *unit, int64_t before, int64_t rule_id, const char *action, int64_t limit,
			struct fraud_decision_row **decisions, int *count);
/* Reviews below before with state (pending, released, rejected, all). */
int fraud_review_list(struct unit *unit, int64_t before, const char *state, int64_t limit,
		      struct fraud_review_row **reviews, int *count);
/* Whether a review may still be decided: DB_OK for a pending one, else
 * OUT_REVIEW_CLOSED. Pure. */
int fraud_review_refusal(const struct fraud_review_row *review);
/* What deciding a review does to its target: a bargain review releases
 * (release) or closes (reject) the bargain; an order review changes only
 * the queue (the order flow asks fraud_is_held() before shipping). Pure. */
enum fraud_review_effect { REVIEW_EFFECT_NONE, REVIEW_EFFECT_RELEASE_BARGAIN, REVIEW_EFFECT_CLOSE_BARGAIN };
enum fraud_review_effect fraud_review_effect(const struct fraud_review_row *review, bool release);
/* Releases (release) or rejects one pending review for admin_id, audited:
 * a released bargain is no longer held, a rejected one is closed (expired,
 * its progress void). *after (OUT). OUT_NOT_FOUND, OUT_REVIEW_CLOSED. */
int fraud_review_decide(struct unit *unit, int64_t admin_id, int64_t id, bool release, struct fraud_review_row *after);

#endif
