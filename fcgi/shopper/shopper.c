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
#include "core/marks.h"
#include "core/outcome.h"
#include "db/db.h"
#include "fraud/fraud.h"
#include "fraud/limit.h"
#include "shopper/me_cache.h"
#include "shopper/shopper_store.h"
#include "shopper/sms.h"
#include "shopper/wechat_store.h"

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

/* A count's failures if its window is still open at now. */
static int64_t count_in_window(const struct login_count *count, int64_t now, int64_t window_s)
{
	return count->found && count->window_start > now - window_s ? count->failures : 0;
}

struct login_decision login_decide(const struct login_rules *rules, const struct login_facts *facts)
{
	struct login_decision decision = { .verdict = LOGIN_ACCEPT };
	/* Per source first: a source that guessed too often is refused before
	 * the code is looked at, so the refusal says nothing about the code,
	 * and only that source is refused: the owner elsewhere is not. */
	for (int s = 0; s < LOGIN_SOURCES; s++) {
		if (!facts->source_present[s] ||
		    count_in_window(&facts->source[s], facts->now, rules->source_window_s) < rules->source_fail_limit[s])
			continue;
		int64_t left = facts->source[s].window_start + rules->source_window_s - facts->now;
		if (decision.verdict != LOGIN_LOCKED || left > decision.retry_after_s)
			decision.retry_after_s = left < 1 ? 1 : left;
		decision.verdict = LOGIN_LOCKED;
	}
	if (decision.verdict == LOGIN_LOCKED)
		return decision;
	if (!facts->code_found || !facts->code_matches) {
		decision.verdict = LOGIN_WRONG_CODE;
		for (int s = 0; s < LOGIN_SOURCES; s++)
			decision.count_source[s] = facts->source_present[s];
		decision.source_window_floor = facts->now - rules->source_window_s;
		/* Per code and per phone: only a try at a live code is a guess.
		 * A phone that took phone_fail_limit wrong codes in its window
		 * keeps working, but each code then dies at its first wrong try:
		 * the owner's fresh code still logs in, a guesser gets one try
		 * per SMS the send limits allow. */
		decision.count_code_try = facts->code_found;
		decision.count_phone = facts->code_found;
		decision.phone_window_floor = facts->now - rules->phone_window_s;
		bool phone_spent =
			count_in_window(&facts->phone, facts->now, rules->phone_window_s) >= rules->phone_fail_limit;
		decision.code_max_tries = phone_spent ? 1 : rules->code_max_tries;
		return decision;
	}
	decision.clear_guard = facts->phone.found;
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
	char sources[LOGIN_SOURCES][LOGIN_SOURCE_MAX]; /* "" when the request has none */
	struct login_result result;
	int64_t retry_after_s;
};

/* The source keys of a request (login_source_guard's "login:<kind>:<value>"). */
static void login_sources(const struct login_origin *origin, char sources[LOGIN_SOURCES][LOGIN_SOURCE_MAX])
{
	memset(sources, 0, sizeof(char[LOGIN_SOURCES][LOGIN_SOURCE_MAX]));
	const char *ip = origin != NULL ? origin->ip : NULL;
	const char *device = origin != NULL ? origin->device_id : NULL;
	char subnet[FRAUD_SUBNET_SIZE];
	if (ip != NULL && ip[0] != '\0' && strcmp(ip, "-") != 0) {
		snprintf(sources[LOGIN_SOURCE_IP], LOGIN_SOURCE_MAX, "login:ip:%s", ip);
		if (fraud_subnet(ip, subnet))
			snprintf(sources[LOGIN_SOURCE_SUBNET], LOGIN_SOURCE_MAX, "login:net:%s", subnet);
	}
	if (device != NULL && device[0] != '\0')
		snprintf(sources[LOGIN_SOURCE_DEVICE], LOGIN_SOURCE_MAX, "login:dev:%.*s", FRAUD_DEVICE_MAX, device);
}

/* Load: the sources' counts (no lock), the phone's guard row, then its
 * current code, both locked, in that order. */
static int login_load(struct unit *unit, const struct login *login, struct login_facts *facts,
		      struct sms_code_row *code)
{
	*facts = (struct login_facts){ .now = unit->now };
	int result;
	for (int s = 0; s < LOGIN_SOURCES; s++) {
		if (login->sources[s][0] == '\0')
			continue;
		struct guard_row row;
		if ((result = login_source_read(unit, login->sources[s], &row)) != DB_OK)
			return result;
		facts->source_present[s] = true;
		facts->source[s] = (struct login_count){ row.found, row.window_start, row.failures };
	}
	struct guard_row guard;
	if ((result = login_guard_read(unit, login->phone, &guard)) != DB_OK)
		return result;
	facts->phone = (struct login_count){ guard.found, guard.window_start, guard.failures };
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
		    (result = sms_code_count_wrong(unit, code->id, decision->code_max_tries)) != DB_OK)
			return result;
		if (decision->count_phone &&
		    (result = login_guard_count_failure(unit, login->phone, decision->phone_window_floor)) != DB_OK)
			return result;
		for (int s = 0; s < LOGIN_SOURCES; s++)
			if (decision->count_source[s] &&
			    (result = login_source_count_failure(unit, login->sources[s],
								 decision->source_window_floor, 0)) != DB_OK)
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
	const struct config *config = unit->config;
	const struct login_rules rules = {
		.code_max_tries = config->sms_code_max_tries,
		.phone_fail_limit = config->login_fail_limit,
		.phone_window_s = config->login_fail_window_s,
		.source_fail_limit = { config->login_ip_fail_limit, config->login_subnet_fail_limit,
				       config->login_device_fail_limit },
		.source_window_s = config->login_source_window_s,
	};
	struct login_decision decision = login_decide(&rules, &facts);
	return login_write(unit, login, &decision, &code);
}

int shopper_login(struct unit *unit, const struct shopper_gate *gate, const char *phone, const char *code,
		  const struct login_origin *origin, struct login_result *result, int64_t *retry_after_s)
{
	struct login login = { .gate = gate, .phone = phone, .code = code };
	login_sources(origin, login.sources);
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
	int64_t now_us = clock_micros();
	const struct shopper_profile *kept = me_cache_find(user_id, now_us, unit->config->me_cache_ms);
	if (kept != NULL) {
		*profile = *kept;
		return DB_OK;
	}
	struct mark_stamp stamp = marks_stamp(MARK_SHOPPER, user_id, now_us);
	int result = shopper_profile_read(unit, user_id, profile);
	if (result == DB_OK && !profile->found)
		return OUT_UNAUTHORIZED;
	if (result == DB_OK)
		me_cache_keep(&stamp, profile);
	return result;
}

/* ------------------------------------------------------- WeChat binding */

struct wechat_binding {
	const char *openid;
	int64_t user_id;
};

static int wechat_bind_body(struct unit *unit, void *context)
{
	const struct wechat_binding *binding = context;
	return wechat_bind_write(unit, binding->openid, binding->user_id);
}

int shopper_wechat_bind(struct unit *unit, const char *openid, int64_t user_id)
{
	struct wechat_binding binding = { .openid = openid, .user_id = user_id };
	return db_atomic(unit, wechat_bind_body, &binding);
}

int shopper_wechat_login(struct unit *unit, const char *openid, struct shopper_wechat_login *login)
{
	*login = (struct shopper_wechat_login){ .found = false };
	struct wechat_bound bound;
	int result = wechat_bound_read(unit, openid, &bound);
	if (result != DB_OK || !bound.found)
		return result;
	if (bound.blocked)
		return OUT_ACCOUNT_BLOCKED;
	if ((result = shopper_touch_login(unit, bound.user_id)) != DB_OK)
		return result;
	*login = (struct shopper_wechat_login){ .found = true, .user_id = bound.user_id,
						.token_version = bound.token_version, .phone = bound.phone };
	return DB_OK;
}
