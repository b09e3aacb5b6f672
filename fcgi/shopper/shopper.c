/* shopper.c: the shopper's flows (shopper.h): SMS send, login, logout, me.
 * Load through shopper_store.h, decide in pure code, write through the
 * store; one transaction per flow, as the routes had them. */
#include "shopper/shopper.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/outcome.h"
#include "db/db.h"
#include "fraud/limit.h"
#include "shopper/shopper_store.h"
#include "shopper/sms.h"

/* ------------------------------------------------------------- SMS send */

struct sms_send {
	const struct shopper_gate *gate;
	const char *phone;
	const char *ip;
	bool shadowed;
	int64_t retry_after_s;
};

struct sms_limit {
	const char *kind; /* bucket prefix */
	const char *who;  /* phone or IP */
	int64_t window_s; /* 0: the shop's local day */
	int64_t max;
};

/* Takes every send limit; inside the transaction, all or none. */
static int sms_take_limits(struct unit *unit, struct sms_send *send)
{
	const struct config *config = unit->config;
	char bucket[LIMIT_BUCKET_MAX];
	snprintf(bucket, sizeof(bucket), "sms:gap:%s", send->phone);
	int result = limit_gap(unit, bucket, config->sms_phone_gap_s, &send->retry_after_s);
	const struct sms_limit limits[] = {
		{ "sms:phone:hour", send->phone, 3600, config->sms_phone_per_hour },
		{ "sms:phone:day", send->phone, 0, config->sms_phone_per_day },
		{ "sms:ip:hour", send->ip, 3600, config->sms_ip_per_hour },
		{ "sms:ip:day", send->ip, 0, config->sms_ip_per_day },
	};
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]) && result == DB_OK; i++) {
		int64_t start, length;
		if (limits[i].window_s == 0) {
			start = clock_day_start(unit->now);
			length = clock_day_start(start + 86400 + 7200) - start;
		} else {
			start = limit_window_start(unit->now, limits[i].window_s);
			length = limits[i].window_s;
		}
		snprintf(bucket, sizeof(bucket), "%s:%s", limits[i].kind, limits[i].who);
		result = limit_take(unit, bucket, start, length, limits[i].max, &send->retry_after_s);
	}
	return result;
}

static int sms_send_body(struct unit *unit, void *context)
{
	struct sms_send *send = context;
	const struct config *config = unit->config;
	send->shadowed = false;
	/* anti-fraud: the rules first; a shadowed send answers as if sent and sends nothing */
	int result = send->gate->check(send->gate->context, send->phone, &send->shadowed);
	if (result != DB_OK || send->shadowed)
		return result;
	if ((result = sms_take_limits(unit, send)) != DB_OK ||
	    (result = send->gate->velocity(send->gate->context, send->phone)) != DB_OK)
		return result;

	/* Only the newest code is valid: a second send burns the first. */
	if ((result = sms_code_burn_all(unit, send->phone)) != DB_OK)
		return result;
	char code[SMS_CODE_DIGITS + 1];
	unsigned char digest[CRYPTO_HMAC_SIZE];
	sms_code_new(code);
	sms_code_digest(config->jwt_secret, send->phone, code, digest);
	if ((result = sms_code_add(unit, send->phone, digest, unit->now + config->sms_code_ttl_s)) != DB_OK) {
		explicit_bzero(code, sizeof(code));
		return result;
	}
	char body[SMS_BODY_MAX];
	sms_login_message(code, (long)(config->sms_code_ttl_s / 60), body);
	explicit_bzero(code, sizeof(code));
	const struct sms_provider *provider = sms_provider_find(config->sms_provider);
	assert(provider != NULL); /* config.c accepts only known providers */
	result = provider->send(unit, send->phone, body);
	explicit_bzero(body, sizeof(body));
	return result;
}

int shopper_sms_send(struct unit *unit, const struct shopper_gate *gate, const char *phone, const char *ip,
		     bool *shadowed, int64_t *retry_after_s)
{
	struct sms_send send = { .gate = gate, .phone = phone, .ip = ip != NULL ? ip : "-" };
	int result = db_atomic(unit, sms_send_body, &send);
	*shadowed = send.shadowed;
	*retry_after_s = send.retry_after_s;
	return result;
}

/* ---------------------------------------------------------------- login */

struct login_decision login_decide(const struct login_rules *rules, const struct login_facts *facts)
{
	struct login_decision decision = { .verdict = LOGIN_ACCEPT };
	if (facts->guard_found && facts->guard_locked_until > facts->now) {
		decision.verdict = LOGIN_LOCKED;
		decision.retry_after_s = facts->guard_locked_until - facts->now;
		return decision;
	}
	if (!facts->code_found || !facts->code_matches) {
		decision.verdict = LOGIN_WRONG_CODE;
		decision.count_code_try = facts->code_found;
		decision.fail_window_floor = facts->now - rules->fail_window_s;
		decision.fail_limit = rules->fail_limit;
		decision.lock_until = facts->now + rules->lock_s;
		decision.first_lock = rules->fail_limit <= 1 ? decision.lock_until : 0;
		return decision;
	}
	decision.clear_guard = facts->guard_found;
	return decision;
}

/* A code sent just before a key rotation still works: within the previous
 * key's grace period its digest is checked too. Both are always computed, so
 * the time taken does not depend on which one matches. */
static bool code_matches(const struct config *config, int64_t now, const char *phone, const char *code,
			 const unsigned char stored[CRYPTO_HMAC_SIZE])
{
	unsigned char digest[CRYPTO_HMAC_SIZE];
	sms_code_digest(config->jwt_secret, phone, code, digest);
	bool matches = crypto_equal(digest, stored, CRYPTO_HMAC_SIZE);
	if (config->jwt_previous_secret[0] != '\0' && now < config->jwt_previous_until) {
		sms_code_digest(config->jwt_previous_secret, phone, code, digest);
		matches |= crypto_equal(digest, stored, CRYPTO_HMAC_SIZE);
	}
	return matches;
}

struct login {
	const struct shopper_gate *gate;
	const char *phone;
	const char *code;
	struct login_result result;
	int64_t retry_after_s;
};

/* Load: the phone's guard row, then its current code, both locked, in that
 * order. */
static int login_load(struct unit *unit, const struct login *login, struct login_facts *facts,
		      struct sms_code_row *code)
{
	struct login_guard_row guard;
	int result = login_guard_read(unit, login->phone, &guard);
	if (result != DB_OK)
		return result;
	*facts = (struct login_facts){
		.now = unit->now,
		.guard_found = guard.found,
		.guard_failures = guard.failures,
		.guard_window_start = guard.window_start,
		.guard_locked_until = guard.locked_until,
	};
	if (facts->guard_found && facts->guard_locked_until > unit->now)
		return DB_OK; /* locked: the code is not even looked at */
	if ((result = sms_code_current(unit, login->phone, code)) != DB_OK)
		return result;
	facts->code_found = code->found;
	facts->code_matches = code->found && code->digest_ok &&
			      code_matches(unit->config, unit->now, login->phone, login->code, code->digest);
	return DB_OK;
}

/* Write: what the decision says. */
static int login_write(struct unit *unit, struct login *login, const struct login_decision *decision,
		       const struct sms_code_row *code)
{
	int result;
	switch (decision->verdict) {
	case LOGIN_LOCKED:
		login->retry_after_s = decision->retry_after_s;
		return OUT_RATE_LIMITED;
	case LOGIN_WRONG_CODE:
		if (decision->count_code_try &&
		    (result = sms_code_count_wrong(unit, code->id, unit->config->sms_code_max_tries)) != DB_OK)
			return result;
		if ((result = login_guard_count_failure(unit, login->phone, decision->fail_window_floor,
							decision->fail_limit, decision->lock_until,
							decision->first_lock)) != DB_OK)
			return result;
		unit->commit_on_error = true; /* the failure must be counted */
		return OUT_INVALID_CODE;
	case LOGIN_ACCEPT:
		break;
	}
	assert(code->found);
	bool spent;
	if ((result = sms_code_spend(unit, code->id, &spent)) != DB_OK)
		return result;
	if (!spent)
		return OUT_INVALID_CODE;
	if (decision->clear_guard && (result = login_guard_clear(unit, login->phone)) != DB_OK)
		return result;
	if ((result = shopper_login_upsert(unit, login->phone, &login->result.user_id, &login->result.created)) !=
	    DB_OK)
		return result;
	struct shopper_access access;
	if ((result = shopper_access_read(unit, login->result.user_id, &access)) != DB_OK)
		return result;
	if (!access.found)
		return DB_FAILED; /* the row just written is gone: 500 */
	if (access.blocked)
		return OUT_ACCOUNT_BLOCKED;
	login->result.token_version = access.token_version;
	return DB_OK;
}

static int login_body(struct unit *unit, void *context)
{
	struct login *login = context;
	memset(&login->result, 0, sizeof(login->result));
	/* anti-fraud: the rules first, then the velocity limits */
	int result = login->gate->check(login->gate->context, login->phone, &login->result.shadowed);
	if (result != DB_OK || login->result.shadowed)
		return result;
	if ((result = login->gate->velocity(login->gate->context, login->phone)) != DB_OK)
		return result;

	struct login_facts facts;
	struct sms_code_row code = { .found = false };
	if ((result = login_load(unit, login, &facts, &code)) != DB_OK)
		return result;
	const struct login_rules rules = {
		.fail_limit = unit->config->login_fail_limit,
		.fail_window_s = unit->config->login_fail_window_s,
		.lock_s = unit->config->login_lock_s,
	};
	struct login_decision decision = login_decide(&rules, &facts);
	return login_write(unit, login, &decision, &code);
}

int shopper_login(struct unit *unit, const struct shopper_gate *gate, const char *phone, const char *code,
		  struct login_result *result, int64_t *retry_after_s)
{
	struct login login = { .gate = gate, .phone = phone, .code = code };
	int outcome = db_atomic(unit, login_body, &login);
	*result = login.result;
	*retry_after_s = login.retry_after_s;
	return outcome;
}

/* ------------------------------------------------------- logout and me */

int shopper_logout(struct unit *unit, const char *jti, int64_t expires_at)
{
	return token_revoke(unit, jti, expires_at);
}

int shopper_me(struct unit *unit, int64_t user_id, struct shopper_profile *profile)
{
	int result = shopper_profile_read(unit, user_id, profile);
	if (result == DB_OK && !profile->found)
		return OUT_UNAUTHORIZED;
	return result;
}
