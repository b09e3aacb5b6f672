/* shopper_routes.c: shopper login by SMS code, logout, and /me (API.md,
 * "Shopper login"). */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/crypto.h"
#include "db/db.h"
#include "fraud/fraud_check.h"
#include "fraud/limit.h"
#include "core/log.h"
#include "core/phone.h"
#include "shopper/shopper_routes.h"
#include "shopper/sms.h"
#include "http/token.h"

/* ---------------------------------------------------------------- fields */

static bool phone_shape(const char *value)
{
	return phone_valid(value);
}

static bool code_shape(const char *value)
{
	return sms_code_shape(value);
}

static const struct field auth_sms_body[] = {
	{ .name = "phone", .type = FIELD_STRING, .required = true, .min = 11, .max = 11,
	  .shape = phone_shape, .shape_status = 400, .shape_code = "invalid_phone" },
	{ .name = NULL },
};

static const struct field auth_login_body[] = {
	{ .name = "phone", .type = FIELD_STRING, .required = true, .min = 11, .max = 11,
	  .shape = phone_shape, .shape_status = 400, .shape_code = "invalid_phone" },
	/* A code of the wrong shape is a wrong code: 401, before any query. */
	{ .name = "code", .type = FIELD_STRING, .required = true, .min = 6, .max = 6,
	  .shape = code_shape, .shape_status = 401, .shape_code = "invalid_code" },
	{ .name = NULL },
};

static void set_retry_after(struct request *request, int64_t seconds)
{
	char text[24];
	snprintf(text, sizeof(text), "%lld", (long long)seconds);
	http_header_add(request, "Retry-After", text);
}

/* ------------------------------------------------------------- SMS send */

static const char *const sql_codes_burn =
	"UPDATE sms_code SET used_at = FROM_UNIXTIME(?) WHERE phone = ? AND used_at IS NULL";
static const char *const sql_code_insert =
	"INSERT INTO sms_code (phone, code_digest, created_at, expires_at) "
	"VALUES (?, ?, FROM_UNIXTIME(?), FROM_UNIXTIME(?))";

struct sms_limit {
	const char *kind;  /* bucket prefix */
	const char *who;   /* phone or IP */
	int64_t window_s;  /* 0: the shop's local day */
	int64_t max;
};

/* Takes every send limit, all or none (the transaction rolls back). */
static int sms_take_limits(struct request *request, const char *phone)
{
	const struct config *config = request->work.config;
	const char *ip = request->client_ip ? request->client_ip : "-";
	int64_t retry_after = 0;
	char bucket[LIMIT_BUCKET_MAX];

	snprintf(bucket, sizeof(bucket), "sms:gap:%s", phone);
	int status = http_outcome(request, limit_gap(&request->work, bucket, config->sms_phone_gap_s, &retry_after));
	if (status == 0) {
		const struct sms_limit limits[] = {
			{ "sms:phone:hour", phone, 3600, config->sms_phone_per_hour },
			{ "sms:phone:day", phone, 0, config->sms_phone_per_day },
			{ "sms:ip:hour", ip, 3600, config->sms_ip_per_hour },
			{ "sms:ip:day", ip, 0, config->sms_ip_per_day },
		};
		for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]) && status == 0; i++) {
			int64_t start, length;
			if (limits[i].window_s == 0) {
				start = clock_day_start(request->work.now);
				length = clock_day_start(start + 86400 + 7200) - start;
			} else {
				start = limit_window_start(request->work.now, limits[i].window_s);
				length = limits[i].window_s;
			}
			snprintf(bucket, sizeof(bucket), "%s:%s", limits[i].kind, limits[i].who);
			status = http_outcome(request, limit_take(&request->work, bucket, start, length, limits[i].max, &retry_after));
		}
	}
	if (status == 429)
		set_retry_after(request, retry_after);
	return status;
}

static int sms_send_transaction(struct request *request, void *context)
{
	const char *phone = context;
	const struct config *config = request->work.config;
	/* anti-fraud: the rules first; a shadowed send answers as if sent and sends nothing */
	struct fraud_subject subject = { .phone = phone };
	struct fraud_outcome outcome;
	int status = fraud_check(request, FRAUD_SCOPE_SMS, &subject, &outcome);
	if (status != 0)
		return status;
	if (outcome.action == FRAUD_SHADOW)
		return http_reply(request, 202, json_pack("{s:I}", "resend_after_s", (json_int_t)config->sms_phone_gap_s));
	status = sms_take_limits(request, phone);
	if (status == 0)
		status = fraud_velocity(request, FRAUD_SCOPE_SMS, phone);
	if (status != 0)
		return status;

	/* Only the newest code is valid: a second send burns the first. */
	status = db_run(request, NULL, sql_codes_burn, "is", request->work.now, phone);
	if (status != 0)
		return status;
	char code[SMS_CODE_DIGITS + 1];
	unsigned char digest[CRYPTO_HMAC_SIZE];
	sms_code_new(code);
	sms_code_digest(config->jwt_secret, phone, code, digest);
	status = db_run(request, NULL, sql_code_insert, "sbii", phone, digest, sizeof(digest), request->work.now,
			request->work.now + config->sms_code_ttl_s);
	if (status != 0)
		return status;

	char body[SMS_BODY_MAX];
	sms_login_message(code, (long)(config->sms_code_ttl_s / 60), body);
	explicit_bzero(code, sizeof(code));
	status = sms_provider_find(config->sms_provider)->send(request, phone, body);
	explicit_bzero(body, sizeof(body));
	if (status != 0)
		return status;
	return http_reply(request, 202, json_pack("{s:I}", "resend_after_s", (json_int_t)config->sms_phone_gap_s));
}

static int auth_sms(struct request *request)
{
	const char *phone = body_string(request, "phone");
	return db_transaction(request, sms_send_transaction, (void *)phone);
}

/* ---------------------------------------------------------------- login */

static const char *const sql_guard_lock =
	"SELECT window_start, failures, locked_until FROM login_guard WHERE phone = ? FOR UPDATE";
/* One failure, counted atomically: a new window starts when the old one is
 * over, and the failure that reaches the limit sets the lock (failures is
 * assigned first, so locked_until sees the new count). */
static const char *const sql_guard_fail =
	"INSERT INTO login_guard (phone, window_start, failures, locked_until) VALUES (?, ?, 1, ?) "
	"ON DUPLICATE KEY UPDATE "
	"failures = IF(window_start > ?, failures + 1, 1), "
	"window_start = IF(window_start > ?, window_start, VALUES(window_start)), "
	"locked_until = IF(failures >= ?, ?, locked_until)";
static const char *const sql_guard_clear =
	"DELETE FROM login_guard WHERE phone = ?";
static const char *const sql_code_current =
	"SELECT id, code_digest, tries FROM sms_code "
	"WHERE phone = ? AND used_at IS NULL AND expires_at > FROM_UNIXTIME(?) "
	"ORDER BY id DESC LIMIT 1 FOR UPDATE";
/* tries is assigned first: used_at sees the count including this try. */
static const char *const sql_code_wrong =
	"UPDATE sms_code SET tries = tries + 1, "
	"used_at = IF(tries >= ?, FROM_UNIXTIME(?), used_at) WHERE id = ?";
static const char *const sql_code_spend =
	"UPDATE sms_code SET used_at = FROM_UNIXTIME(?) WHERE id = ? AND used_at IS NULL";
static const char *const sql_shopper_upsert =
	"INSERT INTO shopper (phone, created_at, last_login_at) VALUES (?, FROM_UNIXTIME(?), FROM_UNIXTIME(?)) "
	"ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), last_login_at = VALUES(last_login_at)";
static const char *const sql_shopper_by_id =
	"SELECT token_version, blocked FROM shopper WHERE id = ?";

struct login {
	const char *phone;
	const char *code;
};

/* Records one failed try; the try that reaches the limit locks the phone. */
static int login_failed(struct request *request, const struct login *login)
{
	const struct config *config = request->work.config;
	int64_t window_floor = request->work.now - config->login_fail_window_s;
	int64_t lock_end = request->work.now + config->login_lock_s;
	int status = db_run(request, NULL, sql_guard_fail, "siiiiii", login->phone, request->work.now,
			    config->login_fail_limit <= 1 ? lock_end : 0, window_floor, window_floor,
			    config->login_fail_limit, lock_end);
	if (status != 0)
		return status;
	request->work.commit_on_error = true; /* the failure must be counted */
	return http_error(request, 401, "invalid_code");
}

/* A code sent just before a key rotation still works: within the previous
 * key's grace period its digest is checked too. Both are always computed, so
 * the time taken does not depend on which one matches. */
static bool code_matches(const struct config *config, int64_t now, const struct login *login, const char *stored)
{
	unsigned char digest[CRYPTO_HMAC_SIZE];
	sms_code_digest(config->jwt_secret, login->phone, login->code, digest);
	bool matches = crypto_equal(digest, stored, CRYPTO_HMAC_SIZE);
	if (config->jwt_previous_secret[0] != '\0' && now < config->jwt_previous_until) {
		sms_code_digest(config->jwt_previous_secret, login->phone, login->code, digest);
		matches |= crypto_equal(digest, stored, CRYPTO_HMAC_SIZE);
	}
	return matches;
}

/* anti-fraud: a shadowed login answers like a new account's and issues
 * nothing: its token is signed with a key no worker accepts. */
static int login_shadow(struct request *request, const struct login *login)
{
	int64_t user_id = (int64_t)crypto_random_below(9000000) + 1000000;
	int64_t expires = request->work.now + request->work.config->token_ttl_s;
	char *token = fraud_dud_token(request, user_id, expires);
	char expires_at[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(expires, expires_at);
	char masked[PHONE_MASKED_SIZE];
	phone_mask(login->phone, masked);
	json_t *reply = json_pack("{s:s, s:s, s:{s:I, s:s, s:b}}", "token", token, "expires_at", expires_at,
				  "user", "id", (json_int_t)user_id, "phone_masked", masked, "new", true);
	free(token);
	return http_reply(request, 200, reply);
}

static int login_transaction(struct request *request, void *context)
{
	const struct login *login = context;
	const struct config *config = request->work.config;

	/* anti-fraud: the rules first, then the velocity limits */
	struct fraud_subject subject = { .phone = login->phone };
	struct fraud_outcome outcome;
	int checked = fraud_check(request, FRAUD_SCOPE_LOGIN, &subject, &outcome);
	if (checked != 0)
		return checked;
	if (outcome.action == FRAUD_SHADOW)
		return login_shadow(request, login);
	if ((checked = fraud_velocity(request, FRAUD_SCOPE_LOGIN, login->phone)) != 0)
		return checked;

	struct db_rows guard;
	int status = db_run(request, &guard, sql_guard_lock, "s", login->phone);
	if (status != 0)
		return status;
	if (guard.row_count == 1 && db_int(&guard, 0, 2) > request->work.now) {
		set_retry_after(request, db_int(&guard, 0, 2) - request->work.now);
		return http_error(request, 429, "rate_limited");
	}

	struct db_rows code;
	status = db_run(request, &code, sql_code_current, "si", login->phone, request->work.now);
	if (status != 0)
		return status;
	bool matches = code.row_count == 1 && code.cells[1].length == CRYPTO_HMAC_SIZE &&
		       code_matches(config, request->work.now, login, db_text(&code, 0, 1));
	if (!matches) {
		if (code.row_count == 1) {
			status = db_run(request, NULL, sql_code_wrong, "iii", config->sms_code_max_tries,
					request->work.now, db_int(&code, 0, 0));
			if (status != 0)
				return status;
		}
		return login_failed(request, login);
	}

	struct db_rows spent;
	status = db_run(request, &spent, sql_code_spend, "ii", request->work.now, db_int(&code, 0, 0));
	if (status != 0)
		return status;
	if (spent.affected != 1)
		return http_error(request, 401, "invalid_code");
	if (guard.row_count == 1 && (status = db_run(request, NULL, sql_guard_clear, "s", login->phone)) != 0)
		return status;

	struct db_rows shopper;
	status = db_run(request, &shopper, sql_shopper_upsert, "sii", login->phone, request->work.now, request->work.now);
	if (status != 0)
		return status;
	bool is_new = shopper.affected == 1;
	int64_t user_id = (int64_t)shopper.insert_id;
	status = db_run(request, &shopper, sql_shopper_by_id, "i", user_id);
	if (status != 0)
		return status;
	if (shopper.row_count != 1)
		return http_error(request, 500, "internal_error");
	if (db_int(&shopper, 0, 1) != 0)
		return http_error(request, 403, "account_blocked");

	struct token_claims claims = {
		.subject = user_id,
		.issued_at = request->work.now,
		.expires_at = request->work.now + config->token_ttl_s,
		.version = db_int(&shopper, 0, 0),
	};
	char *token = token_issue(session_keys(), config->jwt_audience, &claims);
	char expires_at[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(claims.expires_at, expires_at);
	char masked[PHONE_MASKED_SIZE];
	phone_mask(login->phone, masked);
	json_t *reply = json_pack("{s:s, s:s, s:{s:I, s:s, s:b}}", "token", token, "expires_at", expires_at,
				  "user", "id", (json_int_t)user_id, "phone_masked", masked, "new", is_new);
	free(token);
	return http_reply(request, 200, reply);
}

static int auth_login(struct request *request)
{
	struct login login = {
		.phone = body_string(request, "phone"),
		.code = body_string(request, "code"),
	};
	return db_transaction(request, login_transaction, &login);
}

/* --------------------------------------------------------------- logout */

static const char *const sql_token_revoke =
	"INSERT IGNORE INTO revoked_token (jti, expires_at) VALUES (?, FROM_UNIXTIME(?))";

static int auth_logout(struct request *request)
{
	int status = db_run(request, NULL, sql_token_revoke, "si", request->session.jti,
			    request->session.expires_at);
	if (status != 0)
		return status;
	return http_reply(request, 204, NULL);
}

/* ------------------------------------------------------------------- me */

static const char *const sql_me =
	"SELECT s.phone, UNIX_TIMESTAMP(s.created_at), s.points_balance, "
	"(SELECT COUNT(*) FROM coupon c WHERE c.user_id = s.id AND c.status = 'available' "
	"AND c.expires_at > FROM_UNIXTIME(?)) "
	"FROM shopper s WHERE s.id = ?";

static int me_get(struct request *request)
{
	struct db_rows rows;
	int status = db_run(request, &rows, sql_me, "ii", request->work.now, request->session.user_id);
	if (status != 0)
		return status;
	if (rows.row_count != 1)
		return http_error(request, 401, "unauthorized");
	char masked[PHONE_MASKED_SIZE];
	phone_mask(db_text(&rows, 0, 0), masked);
	char created_at[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(db_int(&rows, 0, 1), created_at);
	return http_reply(request, 200,
			  json_pack("{s:I, s:s, s:s, s:I, s:I}", "id", (json_int_t)request->session.user_id,
				    "phone_masked", masked, "created_at", created_at, "coupon_count",
				    (json_int_t)db_int(&rows, 0, 3), "points_balance", (json_int_t)db_int(&rows, 0, 2)));
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "POST", "/api/v1/auth/sms", auth_sms, AUTH_NONE, 0, auth_sms_body },
	{ "POST", "/api/v1/auth/login", auth_login, AUTH_NONE, 0, auth_login_body },
	{ "POST", "/api/v1/auth/logout", auth_logout, AUTH_SHOPPER, 0, NULL },
	{ "GET", "/api/v1/me", me_get, AUTH_SHOPPER, 0, NULL },
};

const struct route_table shopper_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
