/* fraud_routes.c: the anti-fraud admin routes (API.md, the fraud part of the
 * Admin table): pattern rules and their dry run, the default pack, the
 * decision log and the review queue. HTTP only: the flows live in
 * fraud_admin.c, the SQL in fraud_store.c. All of them need the risk role
 * (or owner). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/outcome.h"
#include "fraud/fraud.h"
#include "fraud/fraud_admin.h"
#include "fraud/fraud_routes.h"
#include "http/http.h"
#include "http/router.h"
#include "http/session.h"
#include "http/validate.h"

/* ================================================================ fields */

static bool field_shape(const char *value)
{
	return fraud_field_parse(value) >= 0;
}

static bool action_shape(const char *value)
{
	return fraud_action_parse(value) >= 0;
}

#define RULE_FIELDS(needed)                                                                                    \
	{ .name = "field", .type = FIELD_STRING, .required = needed, .min = 1, .max = 16, .shape = field_shape }, \
	{ .name = "pattern", .type = FIELD_STRING, .required = needed, .min = 1, .max = FRAUD_PATTERN_BODY_MAX }, \
	{ .name = "action", .type = FIELD_STRING, .required = needed, .min = 1, .max = 16, .shape = action_shape }, \
	{ .name = "scope", .type = FIELD_ARRAY, .required = needed, .min = 1, .max = 5 },                          \
	{ .name = "enabled", .type = FIELD_BOOL },                                                                   \
	{ .name = "note", .type = FIELD_STRING, .nullable = true, .min = 0, .max = FRAUD_NOTE_MAX }

static const struct field fraud_rule_create_body[] = { RULE_FIELDS(true), { .name = NULL } };
static const struct field fraud_rule_patch_body[] = { RULE_FIELDS(false), { .name = NULL } };
/* A dry run takes a rule (its action, enabled and note are accepted and
 * ignored) and a time range. */
static const struct field fraud_dry_run_body[] = {
	{ .name = "field", .type = FIELD_STRING, .required = true, .min = 1, .max = 16, .shape = field_shape },
	{ .name = "pattern", .type = FIELD_STRING, .required = true, .min = 1, .max = FRAUD_PATTERN_BODY_MAX },
	{ .name = "action", .type = FIELD_STRING, .min = 1, .max = 16, .shape = action_shape },
	{ .name = "scope", .type = FIELD_ARRAY, .required = true, .min = 1, .max = 5 },
	{ .name = "enabled", .type = FIELD_BOOL },
	{ .name = "note", .type = FIELD_STRING, .nullable = true, .min = 0, .max = FRAUD_NOTE_MAX },
	{ .name = "from", .type = FIELD_STRING, .required = true, .min = 1, .max = 40 },
	{ .name = "to", .type = FIELD_STRING, .required = true, .min = 1, .max = 40 },
	{ .name = "sample", .type = FIELD_INT, .min = 0, .max = FRAUD_DRY_RUN_SAMPLE_MAX },
	{ .name = NULL },
};

/* The answer to a refused rule: 400 invalid_field naming the scope, or 422
 * invalid_pattern with PCRE2's message and offset. */
static int rule_refused(struct request *request, int result, const struct fraud_rule_problem *problem)
{
	if (problem->kind == RULE_PROBLEM_SCOPE) {
		/* every scope there is, so the sentence never falls behind the list */
		char names[256] = "";
		size_t used = 0;
		for (unsigned bit = 1; bit != 0 && bit <= FRAUD_SCOPE_INVITE; bit <<= 1) {
			const char *name = fraud_scope_name((enum fraud_scope)bit);
			if (name != NULL && used < sizeof(names))
				used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s", used ? "、" : "",
							 name);
		}
		return http_error_detail(request, 400, "invalid_field", "fraud.scope", "body", names);
	}
	if (problem->kind == RULE_PROBLEM_PATTERN) {
		char text[FRAUD_MESSAGE_SIZE + 96];
		http_text_format(text, sizeof(text), "fraud.pattern", problem->offset, problem->message);
		return http_reply(request, 422, json_pack("{s:{s:s, s:s, s:s, s:I}}", "error", "code", "invalid_pattern",
							  "message", text, "pcre2_message", problem->message, "offset",
							  (json_int_t)problem->offset));
	}
	return http_outcome(request, result);
}

static json_t *time_json(int64_t when)
{
	char text[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(when, text);
	return json_string(text);
}

/* A byte string from the database as a JSON string (invalid UTF-8 shown as
 * U+FFFD). */
static json_t *bytes_json(struct request *request, const char *bytes, size_t length)
{
	if (bytes == NULL)
		return json_null();
	char *clean = arena_alloc(&request->arena, length * 3 + 1);
	fraud_utf8_clean(bytes, length, clean);
	return json_string(clean);
}

static json_t *id_or_null(int64_t id)
{
	return id != 0 ? json_integer((json_int_t)id) : json_null();
}

/* ================================================================= rules */

static int admin_fraud_rule_list(struct request *request)
{
	int64_t limit, cursor;
	int status = http_list_params(request, &limit, &cursor);
	if (status != 0)
		return status;
	struct fraud_rule_row *rules;
	int count;
	if ((status = fraud_rule_list(&request->work, cursor, limit, &rules, &count)) != DB_OK)
		return http_outcome(request, status);
	json_t *items = json_array();
	for (int i = 0; i < count; i++)
		json_array_append_new(items, fraud_rule_json(&rules[i]));
	int64_t last = count ? rules[count - 1].id : 0;
	return http_reply(request, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor",
						  http_next_cursor(last, count == limit)));
}

static int admin_fraud_rule_create(struct request *request)
{
	struct fraud_rule_row rule = { .enabled = true };
	struct fraud_rule_problem problem;
	int status = fraud_rule_read(request->json, &rule, &problem);
	if (status != DB_OK)
		return rule_refused(request, status, &problem);
	if ((status = fraud_rule_create(&request->work, session_admin_id(&request->session), &rule)) != DB_OK)
		return http_outcome(request, status);
	return http_reply(request, 201, fraud_rule_json(&rule));
}

static int admin_fraud_rule_patch(struct request *request)
{
	struct fraud_rule_row after;
	struct fraud_rule_problem problem;
	int status = fraud_rule_change(&request->work, session_admin_id(&request->session), http_path_id(request, 0),
				       request->json, &after, &problem);
	if (status != DB_OK)
		return rule_refused(request, status, &problem);
	return http_reply(request, 200, fraud_rule_json(&after));
}

static int admin_fraud_rule_delete(struct request *request)
{
	int status = fraud_rule_remove(&request->work, session_admin_id(&request->session), http_path_id(request, 0));
	if (status != DB_OK)
		return http_outcome(request, status);
	return http_reply(request, 204, NULL);
}

/* ================================================================== pack */

static int admin_fraud_pack_load(struct request *request)
{
	int loaded = 0, skipped = 0;
	struct fraud_rule_problem problem;
	int status = fraud_pack_install(&request->work, session_admin_id(&request->session), &loaded, &skipped, &problem);
	if (status != DB_OK)
		return rule_refused(request, status, &problem);
	return http_reply(request, 200, json_pack("{s:i, s:i}", "loaded", loaded, "skipped", skipped));
}

/* =============================================================== dry run */

static int admin_fraud_dry_run(struct request *request)
{
	struct fraud_rule_row rule = { .enabled = true };
	struct fraud_rule_problem problem;
	int status = fraud_rule_read(request->json, &rule, &problem);
	if (status != DB_OK)
		return rule_refused(request, status, &problem);
	int64_t from, to;
	if (clock_parse_rfc3339(body_string(request, "from"), &from) != 0 ||
	    clock_parse_rfc3339(body_string(request, "to"), &to) != 0)
		return http_error_detail(request, 400, "invalid_field", "fraud.dry_run_times");
	if (to <= from || to - from > FRAUD_DRY_RUN_RANGE_MAX_S)
		return http_error_detail(request, 400, "invalid_field", "fraud.dry_run_range",
					 (int)(FRAUD_DRY_RUN_RANGE_MAX_S / 86400));
	struct fraud_dry_run_result result;
	status = fraud_dry_run(&request->work, &rule, from, to, body_int(request, "sample", FRAUD_DRY_RUN_SAMPLE_DEFAULT),
			       &result);
	if (status != DB_OK)
		return http_outcome(request, status);
	json_t *sample = json_array();
	for (int i = 0; i < result.sample_count; i++) {
		const struct fraud_dry_run_hit *hit = &result.sample[i];
		json_array_append_new(sample, json_pack("{s:I, s:o, s:s, s:s, s:o, s:s}", "event_id",
							(json_int_t)hit->event_id, "at", time_json(hit->at), "scope",
							hit->scope, "action", hit->action, "bargain_id",
							id_or_null(hit->bargain_id), "value", hit->value));
	}
	return http_reply(request, 200,
			  json_pack("{s:I, s:I, s:I, s:I, s:b, s:o, s:o, s:o}", "requests", (json_int_t)result.requests,
				    "bargains", (json_int_t)result.bargains, "scanned", (json_int_t)result.scanned,
				    "limit_hits", (json_int_t)result.limit_hits, "complete", result.complete, "from",
				    time_json(from), "to", time_json(to), "sample", sample));
}

/* ============================================================= decisions */

static int admin_fraud_decision_list(struct request *request)
{
	int64_t limit, cursor;
	int status = http_list_params_newest_first(request, &limit, &cursor);
	if (status != 0)
		return status;
	const char *rule_text = http_query_param(request, "rule_id");
	const char *action = http_query_param(request, "action");
	int64_t rule_id = 0;
	if (rule_text != NULL) {
		char *end = NULL;
		rule_id = strtoll(rule_text, &end, 10);
		if (*rule_text == '\0' || *end != '\0' || rule_id < 1)
			return http_error(request, 400, "invalid_field");
	}
	if (action != NULL && fraud_action_parse(action) < 0)
		return http_error(request, 400, "invalid_field");
	if (action == NULL)
		action = "";
	struct fraud_decision_row *decisions;
	int count;
	status = fraud_decision_list(&request->work, cursor, rule_id, action, limit, &decisions, &count);
	if (status != DB_OK)
		return http_outcome(request, status);
	json_t *items = json_array();
	for (int i = 0; i < count; i++) {
		const struct fraud_decision_row *d = &decisions[i];
		json_t *item = json_pack("{s:I, s:o, s:o, s:o, s:s, s:s, s:o, s:s, s:o, s:o, s:o}", "id",
					 (json_int_t)d->id, "at", time_json(d->at), "event_id", id_or_null(d->event_id),
					 "rule_id", id_or_null(d->rule_id), "scope", d->scope, "field", d->field, "value",
					 bytes_json(request, d->value, d->value_length), "action", d->action, "user_id",
					 id_or_null(d->user_id), "bargain_id", id_or_null(d->bargain_id), "request_id",
					 d->request_id ? json_string(d->request_id) : json_null());
		if (item == NULL)
			abort();
		json_array_append_new(items, item);
	}
	int64_t last = count ? decisions[count - 1].id : 0;
	return http_reply(request, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor",
						  http_next_cursor(last, count == limit)));
}

/* ================================================================ reviews */

static int admin_fraud_review_list(struct request *request)
{
	int64_t limit, cursor;
	int status = http_list_params_newest_first(request, &limit, &cursor);
	if (status != 0)
		return status;
	const char *state = http_query_param(request, "status");
	if (state == NULL)
		state = "pending";
	if (strcmp(state, "pending") != 0 && strcmp(state, "released") != 0 && strcmp(state, "rejected") != 0 &&
	    strcmp(state, "all") != 0)
		return http_error(request, 400, "invalid_field");
	struct fraud_review_row *reviews;
	int count;
	if ((status = fraud_review_list(&request->work, cursor, state, limit, &reviews, &count)) != DB_OK)
		return http_outcome(request, status);
	json_t *items = json_array();
	for (int i = 0; i < count; i++)
		json_array_append_new(items, fraud_review_json(&reviews[i]));
	int64_t last = count ? reviews[count - 1].id : 0;
	return http_reply(request, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor",
						  http_next_cursor(last, count == limit)));
}

static int review_decide(struct request *request, bool release)
{
	struct fraud_review_row after;
	int status = fraud_review_decide(&request->work, session_admin_id(&request->session), http_path_id(request, 0),
					 release, &after);
	if (status != DB_OK)
		return http_outcome(request, status);
	return http_reply(request, 200, fraud_review_json(&after));
}

static int admin_fraud_review_release(struct request *request)
{
	return review_decide(request, true);
}

static int admin_fraud_review_reject(struct request *request)
{
	return review_decide(request, false);
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "GET", "/api/v1/admin/fraud/rules", admin_fraud_rule_list, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "POST", "/api/v1/admin/fraud/rules", admin_fraud_rule_create, AUTH_ADMIN, ROLE_RISK, fraud_rule_create_body },
	{ "PATCH", "/api/v1/admin/fraud/rules/{id}", admin_fraud_rule_patch, AUTH_ADMIN, ROLE_RISK, fraud_rule_patch_body },
	{ "DELETE", "/api/v1/admin/fraud/rules/{id}", admin_fraud_rule_delete, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "POST", "/api/v1/admin/fraud/rules/dry-run", admin_fraud_dry_run, AUTH_ADMIN, ROLE_RISK, fraud_dry_run_body },
	{ "POST", "/api/v1/admin/fraud/rules/pack", admin_fraud_pack_load, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "GET", "/api/v1/admin/fraud/decisions", admin_fraud_decision_list, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "GET", "/api/v1/admin/fraud/reviews", admin_fraud_review_list, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "POST", "/api/v1/admin/fraud/reviews/{id}/release", admin_fraud_review_release, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "POST", "/api/v1/admin/fraud/reviews/{id}/reject", admin_fraud_review_reject, AUTH_ADMIN, ROLE_RISK, NULL },
};

const struct route_table fraud_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
