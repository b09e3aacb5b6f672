/* shopper_routes.c: shopper login by SMS code, logout, and /me (API.md,
 * "Shopper login"): HTTP only. The flows are shopper.c's; this file reads
 * the validated body, hands the flow the request's anti-fraud gate, maps
 * the result and renders the answer (the tokens included). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/crypto.h"
#include "core/outcome.h"
#include "core/phone.h"
#include "db/db.h"
#include "engagement/engagement.h"
#include "fraud/fraud_check.h"
#include "http/token.h"
#include "shopper/shopper.h"
#include "shopper/shopper_routes.h"
#include "shopper/shopper_store.h"
#include "shopper/sms.h"

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
	/* engagement: the inviter's code when the shopper came through an invite link */
	{ .name = "invite_code", .type = FIELD_STRING, .nullable = true, .min = 0, .max = 16 },
	{ .name = NULL },
};

/* ------------------------------------------------------ anti-fraud gate */

/* The request's side of the flows' gate (shopper.h): fraud_check() and
 * fraud_velocity() still take the request. */
struct request_gate {
	struct request *request;
	enum fraud_scope scope;
	int attempts;
};

static int gate_check(void *context, const char *phone, bool *shadow)
{
	struct request_gate *gate = context;
	/* A transaction tried again starts from a clean answer. */
	if (gate->attempts++ > 0)
		http_reset_reply(gate->request);
	struct fraud_subject subject = { .phone = phone };
	struct fraud_outcome outcome;
	int status = fraud_check(gate->request, gate->scope, &subject, &outcome);
	*shadow = status == 0 && outcome.action == FRAUD_SHADOW;
	return status;
}

static int gate_velocity(void *context, const char *phone)
{
	struct request_gate *gate = context;
	return fraud_velocity(gate->request, gate->scope, phone);
}

/* ------------------------------------------------------------- SMS send */

static int auth_sms(struct request *request)
{
	struct request_gate context = { request, FRAUD_SCOPE_SMS, 0 };
	struct shopper_gate gate = { gate_check, gate_velocity, &context };
	bool shadowed;
	int64_t retry_after_s;
	int result = shopper_sms_send(&request->work, &gate, body_string(request, "phone"), request->client_ip,
				      &shadowed, &retry_after_s);
	if (result == OUT_RATE_LIMITED)
		http_retry_after(request, retry_after_s);
	int status = http_outcome(request, result);
	if (status != 0)
		return status;
	return http_reply(request, 202,
			  json_pack("{s:I}", "resend_after_s", (json_int_t)request->work.config->sms_phone_gap_s));
}

/* ---------------------------------------------------------------- login */

static int login_reply(struct request *request, const char *phone, const char *token, int64_t expires_at,
		       int64_t user_id, bool created)
{
	char masked[PHONE_MASKED_SIZE];
	phone_mask(phone, masked);
	json_t *reply = json_pack("{s:s, s:o, s:{s:I, s:s, s:b}}", "token", token, "expires_at", http_time(expires_at),
				  "user", "id", (json_int_t)user_id, "phone_masked", masked, "new", created);
	return http_reply(request, 200, reply);
}

static int auth_login(struct request *request)
{
	const char *phone = body_string(request, "phone");
	struct request_gate context = { request, FRAUD_SCOPE_LOGIN, 0 };
	struct shopper_gate gate = { gate_check, gate_velocity, &context };
	struct login_origin origin = { request->client_ip, request->device_id };
	struct login_result login;
	int64_t retry_after_s;
	int result = shopper_login(&request->work, &gate, phone, body_string(request, "code"), &origin, &login,
				   &retry_after_s);
	if (result == OUT_RATE_LIMITED)
		http_retry_after(request, retry_after_s);
	int status = http_outcome(request, result);
	if (status != 0)
		return status;

	const struct config *config = request->work.config;
	int64_t expires_at = request->work.now + config->token_ttl_s;
	if (login.shadowed) {
		/* anti-fraud: a shadowed login answers like a new account's and
		 * issues nothing: its token is signed with a key no worker accepts. */
		int64_t user_id = (int64_t)crypto_random_below(9000000) + 1000000;
		char *token = fraud_dud_token(request, user_id, expires_at);
		status = login_reply(request, phone, token, expires_at, user_id, true);
		free(token);
		return status;
	}
	struct token_claims claims = {
		.subject = login.user_id,
		.issued_at = request->work.now,
		.expires_at = expires_at,
		.version = login.token_version,
	};
	if (login.created) { /* engagement: the new-user pack and the invitation, once (after the login's commit) */
		struct fraud_client client = { request->client_ip, request->user_agent, request->referer, request->device_id };
		engagement_first_login(&request->work, &client, login.user_id, body_string(request, "invite_code"));
	}
	char *token = token_issue(session_keys(), config->jwt_audience, &claims);
	status = login_reply(request, phone, token, expires_at, login.user_id, login.created);
	free(token);
	return status;
}

/* --------------------------------------------------------------- logout */

static int auth_logout(struct request *request)
{
	int status = http_outcome(request,
				  shopper_logout(&request->work, request->session.jti, request->session.expires_at));
	if (status != 0)
		return status;
	return http_reply(request, 204, NULL);
}

/* ------------------------------------------------------------------- me */

static int me_get(struct request *request)
{
	struct shopper_profile profile;
	int status = http_outcome(request, shopper_me(&request->work, request->session.user_id, &profile));
	if (status != 0)
		return status;
	char masked[PHONE_MASKED_SIZE];
	phone_mask(profile.phone, masked);
	return http_reply(request, 200,
			  json_pack("{s:I, s:s, s:o, s:I, s:I, s:I, s:o}", "id", (json_int_t)request->session.user_id,
				    "phone_masked", masked, "created_at", http_time(profile.created_at),
				    "coupon_count", (json_int_t)profile.coupon_count, "points_balance",
				    (json_int_t)profile.points_balance, "member_level", (json_int_t)profile.member_level,
				    "member_level_name",
				    profile.member_level_name != NULL ? json_string(profile.member_level_name) : json_null()));
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "POST", "/api/v1/auth/sms", auth_sms, AUTH_NONE, 0, auth_sms_body },
	{ "POST", "/api/v1/auth/login", auth_login, AUTH_NONE, 0, auth_login_body },
	{ "POST", "/api/v1/auth/logout", auth_logout, AUTH_SHOPPER, 0, NULL },
	{ "GET", "/api/v1/me", me_get, AUTH_SHOPPER, 0, NULL },
};

const struct route_table shopper_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
