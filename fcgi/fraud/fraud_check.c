/* fraud_check.c: checking requests against the rules, recording them,
 * velocity limits, holds and help signatures (see fraud_check.h). */
#include "fraud/fraud_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/crypto.h"
#include "db/db.h"
#include "http/http.h"
#include "fraud/limit.h"
#include "core/log.h"
#include "http/session.h"
#include "http/token.h"

#define RELOAD_CHECK_US 1000000 /* read fraud_state.version at most this often */
#define SWEEP_EVERY_S 60
#define SWEEP_BATCH 5000

/* The worker's compiled rules and when their version was last checked. */
static struct fraud_ruleset ruleset = { .version = -1 };
static int64_t version_checked_us;

/* =========================================================== the rule set */

static const char *const sql_fraud_version = "SELECT version FROM fraud_state WHERE id = 1";
static const char *const sql_fraud_rules =
	"SELECT id, field, action, scope, pattern FROM fraud_rule WHERE enabled = 1 ORDER BY id LIMIT 5000";

/* Recompiles the rule set when fraud_state's version moved. */
static int rules_refresh(struct request *request)
{
	int64_t now_us = clock_micros();
	if (ruleset.version >= 0 && now_us - version_checked_us < RELOAD_CHECK_US && now_us >= version_checked_us)
		return 0;
	struct db_rows rows;
	int status = db_run(request, &rows, sql_fraud_version, "");
	if (status != 0)
		return status;
	int64_t version = rows.row_count == 1 ? db_int(&rows, 0, 0) : 0;
	if (version == ruleset.version) {
		version_checked_us = now_us;
		return 0;
	}
	if ((status = db_run(request, &rows, sql_fraud_rules, "")) != 0)
		return status;
	fraud_ruleset_clear(&ruleset);
	int refused = 0;
	for (int r = 0; r < rows.row_count; r++) {
		int field = fraud_field_parse(db_text(&rows, r, 1));
		int action = fraud_action_parse(db_text(&rows, r, 2));
		char message[FRAUD_MESSAGE_SIZE];
		size_t offset = 0;
		if (field < 0 || action < 0 ||
		    fraud_ruleset_add(&ruleset, db_int(&rows, r, 0), (enum fraud_field)field, (enum fraud_action)action,
				      fraud_scopes_parse(db_text(&rows, r, 3)), db_text(&rows, r, 4), message, &offset) != 0) {
			log_warn("fraud: rule %lld does not compile here; skipped", (long long)db_int(&rows, r, 0));
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

static const char *const sql_subject_extra =
	"SELECT (SELECT phone FROM shopper WHERE id = ?), (SELECT signature FROM bargain WHERE id = ?)";
static const char *const sql_event_insert =
	"INSERT INTO fraud_event (created_at, scope, action, user_id, bargain_id, phone, client_ip, user_agent, "
	"referer, share_code, device, signature, request_id) VALUES (FROM_UNIXTIME(?), ?, ?, NULLIF(?, 0), "
	"NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, ?)";
static const char *const sql_decision_insert =
	"INSERT INTO fraud_decision (created_at, event_id, rule_id, scope, field, value_shown, action, user_id, "
	"bargain_id, request_id) VALUES (FROM_UNIXTIME(?), ?, ?, ?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), ?)";
static const char *const sql_rule_limit_hits =
	"UPDATE fraud_rule SET limit_hits = limit_hits + ? WHERE id = ?";

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
static void limit_hits_flush(struct request *request)
{
	for (int i = 0; i < pending_count; i++) {
		log_warn("fraud: rule %lld hit a match limit %lld time(s): counted as no match",
			 (long long)pending[i].rule_id, (long long)pending[i].hits);
		db_run(request, NULL, sql_rule_limit_hits, "ii", pending[i].hits, pending[i].rule_id);
	}
	pending_count = 0;
}

/* value cut to FRAUD_FIELD_MAX bytes (as the matcher sees it), in the arena;
 * NULL stays NULL. The event records exactly the values the rules saw
 * ("" for a header not sent, NULL for a field unknown in the scope), so a
 * dry run replays the same decisions. */
static const char *field_cut(struct request *request, const char *value, size_t max)
{
	if (value == NULL || strlen(value) <= max)
		return value;
	return arena_strndup(&request->arena, value, max);
}

int fraud_check(struct request *request, enum fraud_scope scope, const struct fraud_subject *subject,
		struct fraud_outcome *outcome)
{
	memset(outcome, 0, sizeof(*outcome));
	int status = rules_refresh(request);
	if (status != 0)
		return status;

	const char *phone = subject->phone, *signature = subject->signature;
	if ((phone == NULL && subject->user_id != 0) || (signature == NULL && subject->bargain_id != 0)) {
		struct db_rows rows;
		status = db_run(request, &rows, sql_subject_extra, "ii", subject->user_id, subject->bargain_id);
		if (status != 0)
			return status;
		if (phone == NULL && rows.row_count == 1 && !db_null(&rows, 0, 0))
			phone = db_text(&rows, 0, 0);
		if (signature == NULL && rows.row_count == 1 && !db_null(&rows, 0, 1))
			signature = db_text(&rows, 0, 1);
	}

	struct fraud_fields fields;
	fields.value[FRAUD_FIELD_PHONE] = phone;
	fields.value[FRAUD_FIELD_IP] = request->client_ip ? request->client_ip : "";
	fields.value[FRAUD_FIELD_USER_AGENT] = field_cut(request, request->user_agent ? request->user_agent : "",
							 FRAUD_FIELD_MAX);
	fields.value[FRAUD_FIELD_REFERER] = field_cut(request, request->referer ? request->referer : "", FRAUD_FIELD_MAX);
	fields.value[FRAUD_FIELD_SHARE_CODE] = field_cut(request, subject->share_code, FRAUD_FIELD_MAX);
	fields.value[FRAUD_FIELD_DEVICE] = request->device_id ? request->device_id : "";
	fields.value[FRAUD_FIELD_SIGNATURE] = field_cut(request, signature, FRAUD_FIELD_MAX);

	struct fraud_verdict verdict;
	fraud_ruleset_evaluate(&ruleset, scope, &fields, &verdict);
	for (int i = 0; i < verdict.limited_count && i < FRAUD_LIMITED_MAX; i++)
		limit_hit_note(verdict.limited[i]);

	const char *scope_name = fraud_scope_name(scope);
	outcome->action = verdict.action;
	outcome->phone = phone;
	struct db_rows inserted;
	status = db_run(request, &inserted, sql_event_insert, "issiissssssss", request->work.now, scope_name,
			fraud_action_name(verdict.action), subject->user_id, subject->bargain_id,
			phone, fields.value[FRAUD_FIELD_IP], fields.value[FRAUD_FIELD_USER_AGENT],
			fields.value[FRAUD_FIELD_REFERER], fields.value[FRAUD_FIELD_SHARE_CODE],
			fields.value[FRAUD_FIELD_DEVICE], fields.value[FRAUD_FIELD_SIGNATURE], request->request_id);
	if (status != 0)
		return status;
	outcome->event_id = (int64_t)inserted.insert_id;
	if (verdict.action == FRAUD_ALLOW)
		return 0;

	const struct fraud_rule *rule = verdict.rule;
	char shown[FRAUD_FIELD_MAX + 1];
	fraud_mask(rule->field, fields.value[rule->field], shown);
	status = db_run(request, &inserted, sql_decision_insert, "iiissssiis", request->work.now, outcome->event_id, rule->id,
			scope_name, fraud_field_name(rule->field), shown, fraud_action_name(verdict.action),
			subject->user_id, subject->bargain_id, request->request_id);
	if (status != 0)
		return status;
	outcome->decision_id = (int64_t)inserted.insert_id;
	outcome->rule_id = rule->id;
	log_info("fraud: %s %s by rule %lld (field %s)", scope_name, fraud_action_name(verdict.action),
		 (long long)rule->id, fraud_field_name(rule->field));
	if (verdict.action != FRAUD_BLOCK)
		return 0;
	/* Nothing but the record was written: keep it. */
	request->work.commit_on_error = true;
	return http_error(request, 403, "risk_rejected");
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
	default:
		return "";
	}
}

int fraud_velocity(struct request *request, enum fraud_scope scope, const char *phone)
{
	struct fraud_limit limits[FRAUD_LIMITS_MAX];
	int count = 0;
	char error[200];
	if (fraud_limits_parse(scope_limits(request->work.config, scope), limits, &count, error, sizeof(error)) != 0)
		return 0; /* refused at config load: cannot happen */
	char subnet[FRAUD_SUBNET_SIZE];
	fraud_subnet(request->client_ip, subnet);
	char device[CRYPTO_HMAC_SIZE * 2 + 1] = "";
	if (request->device_id != NULL && request->device_id[0] != '\0') {
		/* Device ids are anyone's bytes: the bucket holds a digest. */
		static const char key[] = "kanjia fraud device";
		unsigned char digest[CRYPTO_HMAC_SIZE];
		crypto_hmac_sha256(key, sizeof(key) - 1, request->device_id, strlen(request->device_id), digest);
		crypto_hex(digest, 12, device);
	}
	for (int i = 0; i < count; i++) {
		const char *value = NULL;
		switch (limits[i].dimension) {
		case FRAUD_BY_PHONE:
			value = phone;
			break;
		case FRAUD_BY_IP:
			value = request->client_ip;
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
		char bucket[LIMIT_BUCKET_MAX];
		snprintf(bucket, sizeof(bucket), "fv:%s:%s:%lld:%s", fraud_scope_name(scope),
			 fraud_dimension_name(limits[i].dimension), (long long)limits[i].window_s, value);
		int64_t start = limit_window_start(request->work.now, limits[i].window_s), retry_after = 0;
		int status = http_outcome(request, limit_take(&request->work, bucket, start, limits[i].window_s, limits[i].max, &retry_after));
		if (status == 429) {
			char text[24];
			snprintf(text, sizeof(text), "%lld", (long long)retry_after);
			http_header_add(request, "Retry-After", text);
			log_info("fraud: %s velocity limit by %s reached", fraud_scope_name(scope),
				 fraud_dimension_name(limits[i].dimension));
		}
		if (status != 0)
			return status;
	}
	return 0;
}

/* ================================================================= holds */

/* One review per target: a pending one stays as it is, a released one is
 * pending again (status is assigned last, so the others see the old one), a
 * rejected one stays rejected. */
static const char *const sql_review_insert =
	"INSERT INTO fraud_review (kind, target_id, decision_id, status, created_at) "
	"VALUES (?, ?, NULLIF(?, 0), 'pending', FROM_UNIXTIME(?)) ON DUPLICATE KEY UPDATE "
	"decision_id = IF(status = 'released', VALUES(decision_id), decision_id), "
	"created_at = IF(status = 'released', VALUES(created_at), created_at), "
	"resolved_at = IF(status = 'released', NULL, resolved_at), "
	"resolved_by = IF(status = 'released', NULL, resolved_by), "
	"status = IF(status = 'released', 'pending', status)";
static const char *const sql_bargain_hold = "UPDATE bargain SET held = 1 WHERE id = ?";
static const char *const sql_review_state =
	"SELECT status FROM fraud_review WHERE kind = ? AND target_id = ?";

int fraud_hold(struct request *request, const char *kind, int64_t target_id, int64_t decision_id, bool mark)
{
	int status = db_run(request, NULL, sql_review_insert, "siii", kind, target_id, decision_id, request->work.now);
	if (status != 0 || !mark || strcmp(kind, "bargain") != 0)
		return status;
	return db_run(request, NULL, sql_bargain_hold, "i", target_id);
}

int fraud_is_held(struct request *request, const char *kind, int64_t target_id, bool *held)
{
	struct db_rows rows;
	*held = false;
	int status = db_run(request, &rows, sql_review_state, "si", kind, target_id);
	if (status != 0)
		return status;
	*held = rows.row_count == 1 && strcmp(db_text(&rows, 0, 0), "released") != 0;
	return 0;
}

/* ================================================================= helps */

static const char *const sql_help_facts =
	"SELECT b.signature, b.start_ip, b.start_device, UNIX_TIMESTAMP(b.started_at), s.phone, "
	"UNIX_TIMESTAMP(s.created_at), "
	"(SELECT k.client_ip FROM bargain_cut k WHERE k.bargain_id = b.id AND k.kind = 'help' "
	" ORDER BY k.seq DESC LIMIT 1), "
	"(SELECT UNIX_TIMESTAMP(k.created_at) FROM bargain_cut k WHERE k.bargain_id = b.id AND k.kind = 'help' "
	" ORDER BY k.seq DESC LIMIT 1), "
	"(SELECT COUNT(*) FROM bargain_cut k WHERE k.bargain_id = b.id AND k.device = ?) "
	"FROM bargain b JOIN shopper s ON s.id = ? WHERE b.id = ?";

enum help_column {
	HELP_SIGNATURE, HELP_START_IP, HELP_START_DEVICE, HELP_STARTED, HELP_PHONE, HELP_JOINED, HELP_PREVIOUS_IP,
	HELP_PREVIOUS_AT, HELP_SAME_DEVICE,
};

int fraud_help_prepare(struct request *request, int64_t bargain_id, int64_t helper_id, struct fraud_help *help)
{
	const struct config *config = request->work.config;
	const char *device = request->device_id != NULL && request->device_id[0] != '\0' ? request->device_id : NULL;
	struct db_rows rows;
	int status = db_run(request, &rows, sql_help_facts, "sii", device, helper_id, bargain_id);
	if (status != 0)
		return status;
	if (rows.row_count != 1)
		return http_error(request, 404, "not_found");

	int64_t previous_at = db_null(&rows, 0, HELP_PREVIOUS_AT) ? db_int(&rows, 0, HELP_STARTED)
								  : db_int(&rows, 0, HELP_PREVIOUS_AT);
	const char *start_device = db_null(&rows, 0, HELP_START_DEVICE) ? NULL : db_text(&rows, 0, HELP_START_DEVICE);
	struct fraud_help_facts facts = {
		.same_device = device != NULL && ((start_device != NULL && strcmp(start_device, device) == 0) ||
						  db_int(&rows, 0, HELP_SAME_DEVICE) > 0),
		.initiator_subnet = !db_null(&rows, 0, HELP_START_IP) &&
				    fraud_same_subnet(request->client_ip, db_text(&rows, 0, HELP_START_IP)),
		.previous_subnet = !db_null(&rows, 0, HELP_PREVIOUS_IP) &&
				   fraud_same_subnet(request->client_ip, db_text(&rows, 0, HELP_PREVIOUS_IP)),
		.virtual_number = fraud_virtual_number(db_text(&rows, 0, HELP_PHONE)),
		.not_wechat = !fraud_wechat_agent(request->user_agent),
		.fast = request->work.now - previous_at < config->fraud_fast_help_s,
		.new_account = request->work.now - db_int(&rows, 0, HELP_JOINED) < config->fraud_new_account_s,
	};
	help->letter[0] = fraud_signature_letter(&facts);
	help->letter[1] = '\0';
	help->phone = db_text(&rows, 0, HELP_PHONE);
	const char *stored = db_text(&rows, 0, HELP_SIGNATURE);
	size_t length = strlen(stored);
	if (length >= FRAUD_SIGNATURE_MAX) /* keep the newest letters */
		stored += length - (FRAUD_SIGNATURE_MAX - 1);
	help->signature = arena_printf(&request->arena, "%s%s", stored, help->letter);
	return 0;
}

/* ================================================================= sweep */

static const char *const sql_events_forget =
	"DELETE FROM fraud_event WHERE created_at < FROM_UNIXTIME(?) LIMIT 5000";
static const char *const sql_decisions_forget =
	"DELETE FROM fraud_decision WHERE created_at < FROM_UNIXTIME(?) LIMIT 5000";

long fraud_sweep(struct request *request)
{
	static int64_t last;
	limit_hits_flush(request);
	if (request->work.now - last < SWEEP_EVERY_S && request->work.now >= last)
		return 0;
	last = request->work.now;
	int64_t before = request->work.now - request->work.config->fraud_keep_days * 86400;
	struct db_rows events, decisions;
	if (db_run(request, &events, sql_events_forget, "i", before) != 0 ||
	    db_run(request, &decisions, sql_decisions_forget, "i", before) != 0)
		return -1;
	long forgotten = (long)(events.affected + decisions.affected);
	if (forgotten > 0)
		log_info("fraud: forgot %ld records older than %lld days", forgotten, (long long)request->work.config->fraud_keep_days);
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
