/* fraud_admin.c: the anti-fraud admin's flows: rules, the default pack,
 * the dry run, decisions and reviews (see fraud_admin.h). */
#include "fraud/fraud_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/audit.h"
#include "bargain/bargain_store.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/outcome.h"
#include "db/db.h"

/* ================================================================ rules */

int fraud_rule_read(const json_t *object, struct fraud_rule_row *rule, struct fraud_rule_problem *problem)
{
	*problem = (struct fraud_rule_problem){ .kind = RULE_PROBLEM_NONE };
	const json_t *value;
	if ((value = json_object_get(object, "field")) != NULL)
		rule->field = json_string_value(value);
	if ((value = json_object_get(object, "action")) != NULL)
		rule->action = json_string_value(value);
	if ((value = json_object_get(object, "enabled")) != NULL)
		rule->enabled = json_is_true(value);
	if ((value = json_object_get(object, "note")) != NULL)
		rule->note = json_is_string(value) && json_string_length(value) > 0 ? json_string_value(value) : NULL;
	if ((value = json_object_get(object, "scope")) != NULL) {
		unsigned scopes = 0;
		size_t index;
		const json_t *item;
		json_array_foreach(value, index, item) {
			unsigned bit = fraud_scope_parse(json_string_value(item));
			if (bit == 0 || (scopes & bit) != 0) {
				problem->kind = RULE_PROBLEM_SCOPE;
				return OUT_INVALID_FIELD;
			}
			scopes |= bit;
		}
		rule->scopes = scopes;
	}
	if ((value = json_object_get(object, "pattern")) != NULL) {
		rule->pattern = json_string_value(value);
		struct fraud_pattern compiled;
		if (fraud_pattern_compile(rule->pattern, &compiled, problem->message, &problem->offset) != 0) {
			problem->kind = RULE_PROBLEM_PATTERN;
			return OUT_INVALID_PATTERN;
		}
		fraud_pattern_free(&compiled);
	}
	return DB_OK;
}

static json_t *time_json(int64_t when)
{
	if (when == 0)
		return json_null();
	char text[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(when, text);
	return json_string(text);
}

json_t *fraud_rule_json(const struct fraud_rule_row *rule)
{
	json_t *scope = json_array();
	for (unsigned bit = 1; bit <= FRAUD_SCOPE_ALL; bit <<= 1)
		if (rule->scopes & bit)
			json_array_append_new(scope, json_string(fraud_scope_name((enum fraud_scope)bit)));
	char created[CLOCK_RFC3339_SIZE], updated[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(rule->created_at, created);
	clock_format_rfc3339(rule->updated_at, updated);
	json_t *object = json_pack("{s:I, s:s, s:s, s:s, s:o, s:b, s:o, s:o, s:I, s:I, s:s, s:s}", "id",
				   (json_int_t)rule->id, "field", rule->field, "pattern", rule->pattern, "action",
				   rule->action, "scope", scope, "enabled", rule->enabled, "note",
				   rule->note ? json_string(rule->note) : json_null(), "pack",
				   rule->pack ? json_string(rule->pack) : json_null(), "limit_hits",
				   (json_int_t)rule->limit_hits, "hits_24h", (json_int_t)rule->hits_24h, "created_at",
				   created, "updated_at", updated);
	if (object == NULL)
		abort();
	return object;
}

json_t *fraud_review_json(const struct fraud_review_row *review)
{
	json_t *bargain = json_null();
	if (review->has_bargain)
		bargain = json_pack("{s:s, s:s, s:I, s:I, s:I, s:b}", "signature", review->signature, "status",
				    review->bargain_status, "current_price_fen", (json_int_t)review->current_price_fen,
				    "floor_price_fen", (json_int_t)review->floor_price_fen, "helpers",
				    (json_int_t)review->helpers, "held", review->held);
	char created[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(review->created_at, created);
	json_t *item = json_pack(
		"{s:I, s:s, s:I, s:o, s:s, s:s, s:o, s:o, s:o}", "id", (json_int_t)review->id, "kind", review->kind,
		"target_id", (json_int_t)review->target_id, "decision_id",
		review->decision_id ? json_integer(review->decision_id) : json_null(), "status", review->status,
		"created_at", created, "resolved_at", time_json(review->resolved_at), "resolved_by",
		review->resolved_by ? json_integer(review->resolved_by) : json_null(), "bargain",
		bargain ? bargain : json_null());
	if (item == NULL)
		abort();
	return item;
}

/* Writes an audit row with before and after (new references, released
 * here; either may be NULL). */
static int audit(struct unit *unit, int64_t admin_id, const char *action, const char *type, int64_t id, json_t *before,
		 json_t *after)
{
	int status = audit_write(unit, admin_id, action, type, id, before, after);
	json_decref(before);
	json_decref(after);
	return status;
}

int fraud_rule_list(struct unit *unit, int64_t after, int64_t limit, struct fraud_rule_row **rules, int *count)
{
	return fraud_rule_page(unit, after, limit, rules, count);
}

/* Inserts *rule, audited, and marks the rule set changed unless bump is
 * false (the caller does it once). */
static int rule_insert(struct unit *unit, int64_t admin_id, struct fraud_rule_row *rule, bool bump)
{
	int status = fraud_rule_insert(unit, rule);
	if (status != DB_OK)
		return status;
	if (bump && (status = fraud_rules_changed(unit)) != DB_OK)
		return status;
	return audit(unit, admin_id, "fraud_rule.create", "fraud_rule", rule->id, NULL, fraud_rule_json(rule));
}

struct rule_write {
	int64_t admin_id, id;
	const json_t *patch;
	struct fraud_rule_row *rule;
	struct fraud_rule_problem *problem;
};

static int create_body(struct unit *unit, void *context)
{
	struct rule_write *write = context;
	return rule_insert(unit, write->admin_id, write->rule, true);
}

int fraud_rule_create(struct unit *unit, int64_t admin_id, struct fraud_rule_row *rule)
{
	struct rule_write write = { .admin_id = admin_id, .rule = rule };
	return db_atomic(unit, create_body, &write);
}

static int change_body(struct unit *unit, void *context)
{
	struct rule_write *write = context;
	struct fraud_rule_row rule;
	int status = fraud_rule_get(unit, write->id, true, &rule);
	if (status != DB_OK)
		return status;
	json_t *before = fraud_rule_json(&rule);
	if ((status = fraud_rule_read(write->patch, &rule, write->problem)) != DB_OK ||
	    (status = fraud_rule_update(unit, &rule)) != DB_OK || (status = fraud_rules_changed(unit)) != DB_OK ||
	    (status = fraud_rule_get(unit, rule.id, false, write->rule)) != DB_OK) { /* as stored, with its hits */
		json_decref(before);
		return status;
	}
	return audit(unit, write->admin_id, "fraud_rule.update", "fraud_rule", rule.id, before,
		     fraud_rule_json(write->rule));
}

int fraud_rule_change(struct unit *unit, int64_t admin_id, int64_t id, const json_t *patch,
		      struct fraud_rule_row *after, struct fraud_rule_problem *problem)
{
	*problem = (struct fraud_rule_problem){ .kind = RULE_PROBLEM_NONE };
	struct rule_write write = { .admin_id = admin_id, .id = id, .patch = patch, .rule = after, .problem = problem };
	return db_atomic(unit, change_body, &write);
}

static int remove_body(struct unit *unit, void *context)
{
	struct rule_write *write = context;
	struct fraud_rule_row rule;
	int status = fraud_rule_get(unit, write->id, true, &rule);
	if (status != DB_OK)
		return status;
	if ((status = fraud_rule_delete(unit, rule.id)) != DB_OK || (status = fraud_rules_changed(unit)) != DB_OK)
		return status;
	return audit(unit, write->admin_id, "fraud_rule.delete", "fraud_rule", rule.id, fraud_rule_json(&rule), NULL);
}

int fraud_rule_remove(struct unit *unit, int64_t admin_id, int64_t id)
{
	struct rule_write write = { .admin_id = admin_id, .id = id };
	return db_atomic(unit, remove_body, &write);
}

/* ================================================================== pack */

static bool string_between(const json_t *value, size_t min, size_t max)
{
	return json_is_string(value) && json_string_length(value) >= min && json_string_length(value) <= max;
}

/* A pack entry has exactly the shape POST /admin/fraud/rules accepts. */
static bool pack_entry_shape(const json_t *item)
{
	if (!json_is_object(item))
		return false;
	const char *key;
	const json_t *value;
	json_object_foreach((json_t *)item, key, value) {
		if (strcmp(key, "field") == 0) {
			if (!string_between(value, 1, 16) || fraud_field_parse(json_string_value(value)) < 0)
				return false;
		} else if (strcmp(key, "action") == 0) {
			if (!string_between(value, 1, 16) || fraud_action_parse(json_string_value(value)) < 0)
				return false;
		} else if (strcmp(key, "pattern") == 0) {
			if (!string_between(value, 1, FRAUD_PATTERN_BODY_MAX))
				return false;
		} else if (strcmp(key, "scope") == 0) {
			if (!json_is_array(value) || json_array_size(value) < 1 || json_array_size(value) > 5)
				return false;
		} else if (strcmp(key, "enabled") == 0) {
			if (!json_is_boolean(value))
				return false;
		} else if (strcmp(key, "note") == 0) {
			if (!json_is_null(value) && !string_between(value, 0, FRAUD_NOTE_MAX))
				return false;
		} else {
			return false;
		}
	}
	return json_object_get(item, "field") && json_object_get(item, "pattern") && json_object_get(item, "action") &&
	       json_object_get(item, "scope");
}

int fraud_pack_load(struct unit *unit, int64_t admin_id, int *loaded, int *skipped, struct fraud_rule_problem *problem)
{
	*loaded = *skipped = 0;
	*problem = (struct fraud_rule_problem){ .kind = RULE_PROBLEM_NONE };
	char *path = arena_printf(unit->arena, "%s/%s", unit->config->migrations_dir, FRAUD_PACK_FILE);
	json_error_t error;
	json_t *pack = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
	if (pack == NULL) {
		log_error("fraud pack: %s: %s (line %d)", FRAUD_PACK_FILE, error.text, error.line);
		return OUT_INTERNAL_ERROR;
	}
	const char *name = json_string_value(json_object_get(pack, "pack"));
	const json_t *rules = json_object_get(pack, "rules");
	int status = DB_OK;
	if (name == NULL || !json_is_array(rules) || json_array_size(rules) > FRAUD_PACK_RULES_MAX) {
		log_error("fraud pack: %s is not {\"pack\": name, \"rules\": [...]}", FRAUD_PACK_FILE);
		status = OUT_INTERNAL_ERROR;
	}
	size_t index;
	const json_t *item;
	json_array_foreach(rules, index, item) {
		if (status != DB_OK)
			break;
		/* The same checks as POST /admin/fraud/rules. */
		struct fraud_rule_row rule = { .enabled = true, .pack = arena_strdup(unit->arena, name) };
		if (!pack_entry_shape(item)) {
			problem->kind = RULE_PROBLEM_SHAPE;
			status = OUT_INVALID_FIELD;
		} else {
			status = fraud_rule_read(item, &rule, problem);
		}
		if (status != DB_OK) {
			log_error("fraud pack: %s.rules[%zu] is refused (%d)", FRAUD_PACK_FILE, index, status);
			break;
		}
		/* The rule's strings outlive the pack's JSON. */
		rule.field = arena_strdup(unit->arena, rule.field);
		rule.pattern = arena_strdup(unit->arena, rule.pattern);
		rule.action = arena_strdup(unit->arena, rule.action);
		rule.note = rule.note ? arena_strdup(unit->arena, rule.note) : NULL;
		bool exists = false;
		if ((status = fraud_rule_exists(unit, rule.field, rule.pattern, rule.action, &exists)) != DB_OK)
			break;
		if (exists) {
			(*skipped)++;
			continue;
		}
		if ((status = rule_insert(unit, admin_id, &rule, false)) != DB_OK)
			break;
		(*loaded)++;
	}
	json_decref(pack);
	if (status == DB_OK && *loaded > 0)
		status = fraud_rules_changed(unit);
	return status;
}

struct pack_install {
	int64_t admin_id;
	int *loaded, *skipped;
	struct fraud_rule_problem *problem;
};

static int pack_body(struct unit *unit, void *context)
{
	struct pack_install *install = context;
	return fraud_pack_load(unit, install->admin_id, install->loaded, install->skipped, install->problem);
}

int fraud_pack_install(struct unit *unit, int64_t admin_id, int *loaded, int *skipped,
		       struct fraud_rule_problem *problem)
{
	struct pack_install install = { .admin_id = admin_id, .loaded = loaded, .skipped = skipped, .problem = problem };
	return db_atomic(unit, pack_body, &install);
}

/* =============================================================== dry run */

static int compare_ids(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int fraud_dry_run(struct unit *unit, const struct fraud_rule_row *rule, int64_t from, int64_t to, int64_t sample_max,
		  struct fraud_dry_run_result *result)
{
	*result = (struct fraud_dry_run_result){ .complete = true };
	struct fraud_pattern pattern;
	char message[FRAUD_MESSAGE_SIZE];
	size_t offset;
	if (fraud_pattern_compile(rule->pattern, &pattern, message, &offset) != 0)
		return OUT_INVALID_PATTERN; /* fraud_rule_read() checked it */
	enum fraud_field field = (enum fraud_field)fraud_field_parse(rule->field);
	int64_t cursor, last;
	int status = fraud_event_bounds(unit, from, to, &cursor, &last);
	if (status != DB_OK) {
		fraud_pattern_free(&pattern);
		return status;
	}
	cursor--;
	int64_t bargain_count = 0, bargain_capacity = 1024;
	int64_t *bargains = malloc((size_t)bargain_capacity * sizeof(int64_t));
	if (bargains == NULL)
		abort();
	result->sample = arena_alloc(unit->arena, sizeof(*result->sample) * (size_t)(sample_max + 1));
	while (cursor < last) {
		struct fraud_event_value *events;
		int count;
		status = fraud_event_page(unit, field, cursor, last, from, to, rule->scopes, &events, &count);
		if (status != DB_OK || count == 0)
			break;
		for (int r = 0; r < count; r++) {
			const struct fraud_event_value *event = &events[r];
			result->scanned++;
			if (event->value == NULL)
				continue; /* not known in that request's scope: the rule was not asked */
			enum fraud_match match = fraud_pattern_match(&pattern, event->value, event->length);
			if (match == FRAUD_LIMIT_HIT)
				result->limit_hits++;
			if (match != FRAUD_MATCHED)
				continue;
			result->requests++;
			if (event->bargain_id != 0) {
				if (bargain_count == bargain_capacity) {
					bargain_capacity *= 2;
					bargains = realloc(bargains, (size_t)bargain_capacity * sizeof(int64_t));
					if (bargains == NULL)
						abort();
				}
				bargains[bargain_count++] = event->bargain_id;
			}
			if (result->sample_count < sample_max) {
				char shown[FRAUD_FIELD_MAX + 1];
				char *clean = arena_alloc(unit->arena, FRAUD_FIELD_MAX * 3 + 1);
				char *copy = arena_strndup(unit->arena, event->value, event->length);
				fraud_mask(field, copy, shown);
				fraud_utf8_clean(shown, strlen(shown), clean);
				result->sample[result->sample_count++] = (struct fraud_dry_run_hit){
					.event_id = event->id, .at = event->at, .scope = event->scope,
					.action = event->action, .bargain_id = event->bargain_id, .value = clean,
				};
			}
		}
		cursor = events[count - 1].id;
		if (result->scanned >= FRAUD_DRY_RUN_ROWS_MAX) {
			result->complete = false;
			break;
		}
	}
	fraud_pattern_free(&pattern);
	if (status != DB_OK) {
		free(bargains);
		return status;
	}
	qsort(bargains, (size_t)bargain_count, sizeof(int64_t), compare_ids);
	for (int64_t i = 0; i < bargain_count; i++)
		if (i == 0 || bargains[i] != bargains[i - 1])
			result->bargains++;
	free(bargains);
	return DB_OK;
}

/* ============================================================= decisions */

int fraud_decision_list(struct unit *unit, int64_t before, int64_t rule_id, const char *action, int64_t limit,
			struct fraud_decision_row **decisions, int *count)
{
	return fraud_decision_page(unit, before, rule_id, action, limit, decisions, count);
}

/* =============================================================== reviews */

int fraud_review_list(struct unit *unit, int64_t before, const char *state, int64_t limit,
		      struct fraud_review_row **reviews, int *count)
{
	return fraud_review_page(unit, before, state, limit, reviews, count);
}

int fraud_review_refusal(const struct fraud_review_row *review)
{
	return strcmp(review->status, "pending") == 0 ? DB_OK : OUT_REVIEW_CLOSED;
}

enum fraud_review_effect fraud_review_effect(const struct fraud_review_row *review, bool release)
{
	if (strcmp(review->kind, "bargain") != 0)
		return REVIEW_EFFECT_NONE;
	return release ? REVIEW_EFFECT_RELEASE_BARGAIN : REVIEW_EFFECT_CLOSE_BARGAIN;
}

struct review_decision {
	int64_t admin_id, id;
	bool release;
	struct fraud_review_row *after;
};

static int review_body(struct unit *unit, void *context)
{
	struct review_decision *decision = context;
	struct fraud_review_row review;
	int status = fraud_review_lock(unit, decision->id, &review);
	if (status != DB_OK)
		return status;
	if ((status = fraud_review_refusal(&review)) != DB_OK)
		return status;
	const char *outcome = decision->release ? "released" : "rejected";
	status = fraud_review_resolve(unit, decision->id, outcome, decision->admin_id);
	enum fraud_review_effect effect = fraud_review_effect(&review, decision->release);
	if (status == DB_OK && effect == REVIEW_EFFECT_RELEASE_BARGAIN)
		status = bargain_release(unit, review.target_id);
	else if (status == DB_OK && effect == REVIEW_EFFECT_CLOSE_BARGAIN)
		status = bargain_reject(unit, review.target_id);
	if (status != DB_OK || (status = fraud_review_lock(unit, decision->id, decision->after)) != DB_OK)
		return status;
	return audit(unit, decision->admin_id, decision->release ? "fraud_review.release" : "fraud_review.reject",
		     "fraud_review", decision->id, fraud_review_json(&review), fraud_review_json(decision->after));
}

int fraud_review_decide(struct unit *unit, int64_t admin_id, int64_t id, bool release, struct fraud_review_row *after)
{
	struct review_decision decision = { .admin_id = admin_id, .id = id, .release = release, .after = after };
	return db_atomic(unit, review_body, &decision);
}
