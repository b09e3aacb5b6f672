/* fraud_check.c: checking requests against the rules, recording them,
 * velocity limits, holds and help signatures (see fraud_check.h). */
#include "fraud/fraud_check.h"
#include "ops/ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bargain/bargain_store.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/crypto.h"
#include "db/db.h"
#include "http/http.h"
#include "fraud/fraud_store.h"
#include "fraud/limit.h"
#include "core/log.h"
#include "core/outcome.h"
#include "http/session.h"
#include "http/token.h"

#define RELOAD_CHECK_US 1000000 /* read fraud_state.version at most this often */
#define SWEEP_EVERY_S 60
#define SWEEP_BATCH 5000

/* The worker's compiled rules and when their version was last checked. */
static struct fraud_ruleset ruleset = { .version = -1 };
static int64_t version_checked_us;

/* =========================================================== the rule set */

/* Recompiles the rule set when fraud_state's version moved. known: the
 * version a flow's own read just brought (no statement of its own when it
 * is the compiled one), or -1 to read it here at most once a second. */
static int rules_refresh(struct unit *unit, int64_t known)
{
	int64_t now_us = clock_micros();
	if (known < 0 && ruleset.version >= 0 && now_us - version_checked_us < RELOAD_CHECK_US &&
	    now_us >= version_checked_us)
		return 0;
	int64_t version = known;
	int status = DB_OK;
	if (known < 0 && (status = fraud_rules_version(unit, &version)) != DB_OK)
		return status;
	if (version == ruleset.version) {
		version_checked_us = now_us;
		return DB_OK;
	}
	struct fraud_rule_row *rules;
	int count;
	if ((status = fraud_rules_enabled(unit, &rules, &count)) != DB_OK)
		return status;
	fraud_ruleset_clear(&ruleset);
	int refused = 0;
	for (int r = 0; r < count; r++) {
		int field = fraud_field_parse(rules[r].field);
		int action = fraud_action_parse(rules[r].action);
		char message[FRAUD_MESSAGE_SIZE];
		size_t offset = 0;
		if (field < 0 || action < 0 ||
		    fraud_ruleset_add(&ruleset, rules[r].id, (enum fraud_field)field, (enum fraud_action)action,
				      rules[r].scopes, rules[r].pattern, message, &offset) != 0) {
			log_warn("fraud: rule %lld does not compile here; skipped", (long long)rules[r].id);
			refused++;
		}
	}
	ruleset.version = version;
	version_checked_us = now_us;
	log_info("fraud: rule set version %lld: %zu rules (%d skipped), JIT %s", (long long)version, ruleset.count,
		 refused, fraud_jit_available() ? "on" : "off");
	return 0;
}

/* ================================================================ checks */


/* Limit hits wait here for the sweeper (fraud_sweep) rather than update
 * the rule's row inside the request's transaction: a flood of hostile
 * values would otherwise queue every worker on that one row. */
#define PENDING_MAX 64
static struct {
	int64_t rule_id;
	int64_t hits;
} pending[PENDING_MAX];
static int pending_count;

static void limit_hit_note(int64_t rule_id)
{
	for (int i = 0; i < pending_count; i++)
		if (pending[i].rule_id == rule_id) {
			pending[i].hits++;
			return;
		}
	if (pending_count == PENDING_MAX)
		return; /* 64 different rules hitting limits between two sweeps: the log still says so */
	pending[pending_count].rule_id = rule_id;
	pending[pending_count].hits = 1;
	pending_count++;
}

/* Adds the noted limit hits to their rules and logs them, once per rule. */
static void limit_hits_flush(struct unit *unit)
{
	for (int i = 0; i < pending_count; i++) {
		log_warn("fraud: rule %lld hit a match limit %lld time(s): counted as no match",
			 (long long)pending[i].rule_id, (long long)pending[i].hits);
		fraud_rule_add_limit_hits(unit, pending[i].rule_id, pending[i].hits);
	}
	pending_count = 0;
}

/* value cut to FRAUD_FIELD_MAX bytes (as the matcher sees it), in the arena;
 * NULL stays NULL. The event records exactly the values the rules saw
 * ("" for a header not sent, NULL for a field unknown in the scope), so a
 * dry run replays the same decisions. */
static const char *field_cut(struct unit *unit, const char *value, size_t max)
{
	if (value == NULL || strlen(value) <= max)
		return value;
	return arena_strndup(unit->arena, value, max);
}

/* The request facts the checks read, from a request. */
static struct fraud_client client_of(const struct request *request)
{
	return (struct fraud_client){ .ip = request->client_ip, .user_agent = request->user_agent,
				      .referer = request->referer, .device_id = request->device_id };
}

int fraud_check(struct request *request, enum fraud_scope scope, const struct fraud_subject *subject,
		struct fraud_outcome *outcome)
{
	struct fraud_client client = client_of(request);
	return http_outcome(request, fraud_check_unit(&request->work, &client, scope, subject, outcome));
}

/* Decides a check without writing it: the rules (refreshed to
 * rules_version, or -1), the phone and signature the subject lacks, the
 * verdict. */
static int judge(struct unit *unit, const struct fraud_client *client, enum fraud_scope scope,
		 const struct fraud_subject *subject, int64_t rules_version, struct fraud_judgement *judgement)
{
	memset(judgement, 0, sizeof(*judgement));
	int status = rules_refresh(unit, rules_version);
	if (status != DB_OK)
		return status;

	const char *phone = subject->phone, *signature = subject->signature;
	if ((phone == NULL && subject->user_id != 0) || (signature == NULL && subject->bargain_id != 0)) {
		const char *stored_phone, *stored_signature;
		status = fraud_subject_facts(unit, subject->user_id, subject->bargain_id, &stored_phone, &stored_signature);
		if (status != DB_OK)
			return status;
		if (phone == NULL)
			phone = stored_phone;
		if (signature == NULL)
			signature = stored_signature;
	}

	struct fraud_fields fields;
	fields.value[FRAUD_FIELD_PHONE] = phone;
	fields.value[FRAUD_FIELD_IP] = client->ip ? client->ip : "";
	fields.value[FRAUD_FIELD_USER_AGENT] = field_cut(unit, client->user_agent ? client->user_agent : "",
							 FRAUD_FIELD_MAX);
	fields.value[FRAUD_FIELD_REFERER] = field_cut(unit, client->referer ? client->referer : "", FRAUD_FIELD_MAX);
	fields.value[FRAUD_FIELD_SHARE_CODE] = field_cut(unit, subject->share_code, FRAUD_FIELD_MAX);
	fields.value[FRAUD_FIELD_DEVICE] = client->device_id ? client->device_id : "";
	fields.value[FRAUD_FIELD_SIGNATURE] = field_cut(unit, signature, FRAUD_FIELD_MAX);

	struct fraud_verdict verdict;
	fraud_ruleset_evaluate(&ruleset, scope, &fields, &verdict);
	for (int i = 0; i < verdict.limited_count && i < FRAUD_LIMITED_MAX; i++)
		limit_hit_note(verdict.limited[i]);

	judgement->action = verdict.action;
	judgement->phone = phone;
	judgement->event = (struct fraud_event_row){
		.scope = fraud_scope_name(scope), .action = fraud_action_name(verdict.action),
		.user_id = subject->user_id, .bargain_id = subject->bargain_id, .phone = phone,
		.client_ip = fields.value[FRAUD_FIELD_IP], .user_agent = fields.value[FRAUD_FIELD_USER_AGENT],
		.referer = fields.value[FRAUD_FIELD_REFERER], .share_code = fields.value[FRAUD_FIELD_SHARE_CODE],
		.device = fields.value[FRAUD_FIELD_DEVICE], .signature = fields.value[FRAUD_FIELD_SIGNATURE],
	};
	if (verdict.action != FRAUD_ALLOW) {
		const struct fraud_rule *rule = verdict.rule;
		char *shown = arena_alloc(unit->arena, FRAUD_FIELD_MAX + 1);
		fraud_mask(rule->field, fields.value[rule->field], shown);
		judgement->rule_id = rule->id;
		judgement->rule_field = fraud_field_name(rule->field);
		judgement->shown = shown;
		log_info("fraud: %s %s by rule %lld (field %s)", judgement->event.scope, judgement->event.action,
			 (long long)rule->id, judgement->rule_field);
	}
	ops_count_fraud(judgement->event.action); /* /metrics: kanjia_fraud_decisions_total */
	return DB_OK;
}

int fraud_judge(struct unit *unit, const struct fraud_client *client, enum fraud_scope scope,
		const struct fraud_subject *subject, int64_t rules_version, struct fraud_judgement *judgement)
{
	return judge(unit, client, scope, subject, rules_version, judgement);
}

int fraud_judgement_record(struct unit *unit, const struct fraud_judgement *judgement, struct fraud_outcome *outcome)
{
	memset(outcome, 0, sizeof(*outcome));
	outcome->action = judgement->action;
	outcome->phone = judgement->phone;
	int status = fraud_event_record(unit, &judgement->event, &outcome->event_id);
	if (status != DB_OK || judgement->action == FRAUD_ALLOW)
		return status;
	const struct fraud_event_row *event = &judgement->event;
	status = fraud_decision_record(unit, outcome->event_id, judgement->rule_id, event->scope, judgement->rule_field,
				       judgement->shown, event->action, event->user_id, event->bargain_id,
				       &outcome->decision_id);
	if (status != DB_OK)
		return status;
	outcome->rule_id = judgement->rule_id;
	if (judgement->action != FRAUD_BLOCK)
		return DB_OK;
	/* Nothing but the record was written: keep it. */
	unit->commit_on_error = true;
	return OUT_RISK_REJECTED;
}

/* The check itself; with deferred, an allow's event is handed back in it
 * instead of written (fraud_check_deferred). */
static int check_unit(struct unit *unit, const struct fraud_client *client, enum fraud_scope scope,
		      const struct fraud_subject *subject, struct fraud_outcome *outcome,
		      struct fraud_event_row *deferred)
{
	memset(outcome, 0, sizeof(*outcome));
	struct fraud_judgement judgement;
	int status = judge(unit, client, scope, subject, -1, &judgement);
	if (status != DB_OK)
		return status;
	outcome->action = judgement.action;
	outcome->phone = judgement.phone;
	if (deferred != NULL && judgement.action == FRAUD_ALLOW) {
		*deferred = judgement.event; /* the caller writes it with its batch */
		return DB_OK;
	}
	return fraud_judgement_record(unit, &judgement, outcome);
}

int fraud_check_unit(struct unit *unit, const struct fraud_client *client, enum fraud_scope scope,
		     const struct fraud_subject *subject, struct fraud_outcome *outcome)
{
	return check_unit(unit, client, scope, subject, outcome, NULL);
}

int fraud_check_deferred(struct unit *unit, const struct fraud_client *client, enum fraud_scope scope,
			 const struct fraud_subject *subject, struct fraud_outcome *outcome,
			 struct fraud_event_row *deferred, bool *was_deferred)
{
	deferred->scope = NULL;
	int status = check_unit(unit, client, scope, subject, outcome, deferred);
	*was_deferred = status == DB_OK && deferred->scope != NULL;
	return status;
}

/* ============================================================== velocity */

static const char *scope_limits(const struct config *config, enum fraud_scope scope)
{
	switch (scope) {
	case FRAUD_SCOPE_SMS:
		return config->fraud_sms_limits;
	case FRAUD_SCOPE_LOGIN:
		return config->fraud_login_limits;
	case FRAUD_SCOPE_HELP:
		return config->fraud_help_limits;
	case FRAUD_SCOPE_ORDER:
		return config->fraud_order_limits;
	case FRAUD_SCOPE_CHECKIN:
		return config->fraud_checkin_limits;
	case FRAUD_SCOPE_EXCHANGE:
		return config->fraud_exchange_limits;
	case FRAUD_SCOPE_INVITE:
		return config->fraud_invite_limits;
	default:
		return "";
	}
}

int fraud_velocity(struct request *request, enum fraud_scope scope, const char *phone)
{
	struct fraud_client client = client_of(request);
	int64_t retry_after = 0;
	int result = fraud_velocity_unit(&request->work, &client, scope, phone, &retry_after);
	if (result == OUT_RATE_LIMITED) {
		char text[24];
		snprintf(text, sizeof(text), "%lld", (long long)retry_after);
		http_header_add(request, "Retry-After", text);
	}
	return http_outcome(request, result);
}

int fraud_velocity_buckets(struct unit *unit, const struct fraud_client *client, enum fraud_scope scope,
			   const char *phone, struct limit_bucket *buckets, int *count)
{
	struct fraud_limit limits[FRAUD_LIMITS_MAX];
	int limit_count = 0;
	char error[200];
	*count = 0;
	if (fraud_limits_parse(scope_limits(unit->config, scope), limits, &limit_count, error, sizeof(error)) != 0)
		return DB_OK; /* refused at config load: cannot happen */
	char subnet[FRAUD_SUBNET_SIZE];
	fraud_subnet(client->ip, subnet);
	char device[CRYPTO_HMAC_SIZE * 2 + 1] = "";
	if (client->device_id != NULL && client->device_id[0] != '\0') {
		/* Device ids are anyone's bytes: the bucket holds a digest. */
		static const char key[] = "kanjia fraud device";
		unsigned char digest[CRYPTO_HMAC_SIZE];
		crypto_hmac_sha256(key, sizeof(key) - 1, client->device_id, strlen(client->device_id), digest);
		crypto_hex(digest, 12, device);
	}
	for (int i = 0; i < limit_count; i++) {
		const char *value = NULL;
		switch (limits[i].dimension) {
		case FRAUD_BY_PHONE:
			value = phone;
			break;
		case FRAUD_BY_IP:
			value = client->ip;
			break;
		case FRAUD_BY_SUBNET:
			value = subnet;
			break;
		case FRAUD_BY_DEVICE:
			value = device;
			break;
		}
		if (value == NULL || value[0] == '\0')
			continue; /* not known: nothing to count it by */
		struct limit_bucket *bucket = &buckets[*count];
		snprintf(bucket->name, sizeof(bucket->name), "fv:%s:%s:%lld:%s", fraud_scope_name(scope),
			 fraud_dimension_name(limits[i].dimension), (long long)limits[i].window_s, value);
		bucket->window_start = limit_window_start(unit->now, limits[i].window_s);
		bucket->window_length = limits[i].window_s;
		bucket->max = limits[i].max;
		bucket->what = fraud_dimension_name(limits[i].dimension);
		(*count)++;
	}
	return DB_OK;
}

void fraud_velocity_refused(enum fraud_scope scope, const struct limit_bucket *bucket)
{
	log_info("fraud: %s velocity limit by %s reached", fraud_scope_name(scope), bucket->what);
}

int fraud_velocity_unit(struct unit *unit, const struct fraud_client *client, enum fraud_scope scope,
			const char *phone, int64_t *retry_after_s)
{
	struct limit_bucket buckets[FRAUD_LIMITS_MAX];
	int count = 0;
	*retry_after_s = 0;
	int status = fraud_velocity_buckets(unit, client, scope, phone, buckets, &count);
	for (int i = 0; status == DB_OK && i < count; i++) {
		status = limit_take(unit, buckets[i].name, buckets[i].window_start, buckets[i].window_length,
				    buckets[i].max, retry_after_s);
		if (status == OUT_RATE_LIMITED)
			fraud_velocity_refused(scope, &buckets[i]);
	}
	return status;
}

/* ================================================================= holds */

int fraud_hold(struct request *request, const char *kind, int64_t target_id, int64_t decision_id, bool mark)
{
	return http_outcome(request, fraud_hold_unit(&request->work, kind, target_id, decision_id, mark));
}

int fraud_hold_unit(struct unit *unit, const char *kind, int64_t target_id, int64_t decision_id, bool mark)
{
	int status = fraud_review_hold(unit, kind, target_id, decision_id);
	if (status != DB_OK || !mark || strcmp(kind, "bargain") != 0)
		return status;
	return bargain_hold(unit, target_id);
}

int fraud_is_held(struct request *request, const char *kind, int64_t target_id, bool *held)
{
	return http_outcome(request, fraud_is_held_unit(&request->work, kind, target_id, held));
}

int fraud_is_held_unit(struct unit *unit, const char *kind, int64_t target_id, bool *held)
{
	const char *review = NULL;
	*held = false;
	int status = fraud_review_status(unit, kind, target_id, &review);
	if (status != DB_OK)
		return status;
	*held = review != NULL && strcmp(review, "released") != 0;
	return DB_OK;
}

/* ================================================================= helps */

int fraud_help_prepare(struct unit *unit, const struct fraud_client *client, int64_t bargain_id, int64_t helper_id,
		       struct fraud_help *help)
{
	const char *device = client->device_id != NULL && client->device_id[0] != '\0' ? client->device_id : NULL;
	struct fraud_help_row row;
	int status = fraud_help_facts(unit, device, helper_id, bargain_id, &row);
	if (status != DB_OK)
		return status;
	fraud_help_decide(unit, client, &row, help);
	return DB_OK;
}

void fraud_help_decide(struct unit *unit, const struct fraud_client *client, const struct fraud_help_row *facts_row,
		       struct fraud_help *help)
{
	const struct config *config = unit->config;
	const char *device = client->device_id != NULL && client->device_id[0] != '\0' ? client->device_id : NULL;
	const struct fraud_help_row row = *facts_row;
	int64_t previous_at = row.previous_at == 0 ? row.started_at : row.previous_at;
	struct fraud_help_facts facts = {
		.same_device = device != NULL && ((row.start_device != NULL && strcmp(row.start_device, device) == 0) ||
						  row.same_device_cuts > 0),
		.initiator_subnet = row.start_ip != NULL && fraud_same_subnet(client->ip, row.start_ip),
		.previous_subnet = row.previous_ip != NULL && fraud_same_subnet(client->ip, row.previous_ip),
		.virtual_number = fraud_virtual_number(row.phone),
		.not_wechat = !fraud_wechat_agent(client->user_agent),
		.fast = unit->now - previous_at < config->fraud_fast_help_s,
		.new_account = unit->now - row.joined_at < config->fraud_new_account_s,
	};
	help->letter[0] = fraud_signature_letter(&facts);
	help->letter[1] = '\0';
	help->phone = row.phone;
	const char *stored = row.signature;
	size_t length = strlen(stored);
	if (length >= FRAUD_SIGNATURE_MAX) /* keep the newest letters */
		stored += length - (FRAUD_SIGNATURE_MAX - 1);
	help->signature = arena_printf(unit->arena, "%s%s", stored, help->letter);
}

/* ================================================================= sweep */

long fraud_sweep(struct unit *unit)
{
	static int64_t last;
	limit_hits_flush(unit);
	if (unit->now - last < SWEEP_EVERY_S && unit->now >= last)
		return 0;
	last = unit->now;
	int64_t before = unit->now - unit->config->fraud_keep_days * 86400;
	long forgotten = 0;
	if (fraud_forget_before(unit, before, &forgotten) != DB_OK)
		return -1;
	if (forgotten > 0)
		log_info("fraud: forgot %ld records older than %lld days", forgotten, (long long)unit->config->fraud_keep_days);
	return forgotten;
}

/* ================================================================ shadow */

char *fraud_dud_token(struct request *request, int64_t subject, int64_t expires_at)
{
	/* A key of this worker's own, never configured anywhere: a token it
	 * signs looks like any other and is refused everywhere. */
	static unsigned char secret[32];
	static bool made;
	if (!made) {
		crypto_random(secret, sizeof(secret));
		made = true;
	}
	const struct config *config = request->work.config;
	struct token_keyring keys = {
		.keys = { { .kid = config->jwt_kid, .secret = secret, .secret_size = sizeof(secret) } },
		.count = 1,
		.issuer = config->jwt_issuer,
	};
	struct token_claims claims = {
		.subject = subject,
		.issued_at = request->work.now,
		.expires_at = expires_at,
	};
	return token_issue(&keys, config->jwt_audience, &claims);
}
