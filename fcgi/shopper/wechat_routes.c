/* wechat_routes.c: WeChat OAuth (snsapi_base) binds a shopper's openid to
 * the phone account (wechat_routes.h). The code is exchanged at WeChat's
 * /sns/oauth2/access_token (appid, AppSecret, code); the answer's openid
 * is the only thing taken from it. */
#include "shopper/wechat_routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/fetch.h"
#include "core/log.h"
#include "core/phone.h"
#include "core/sign.h"
#include "http/session.h"
#include "http/token.h"
#include "shopper/shopper.h"

#define OAUTH_CODE_MAX 128
#define REDIRECT_MAX 1024
#define WECHAT_CALL_TIMEOUT_MS 5000

/* ------------------------------------------------------------- tickets */

static void ticket_mac(const char *secret, const char *payload, char hex[2 * CRYPTO_HMAC_SIZE + 1])
{
	unsigned char key[CRYPTO_HMAC_SIZE], mac[CRYPTO_HMAC_SIZE];
	static const char purpose[] = "kanjia wechat openid ticket v1";
	crypto_hmac_sha256(secret, strlen(secret), purpose, sizeof(purpose) - 1, key);
	crypto_hmac_sha256(key, sizeof(key), payload, strlen(payload), mac);
	crypto_hex(mac, sizeof(mac), hex);
}

void wechat_ticket_make(const char *secret, const char *openid, int64_t expires_at, char *out, size_t out_size)
{
	char payload[WECHAT_OPENID_MAX + 32], mac[2 * CRYPTO_HMAC_SIZE + 1];
	snprintf(payload, sizeof(payload), "%lld.%s", (long long)expires_at, openid);
	ticket_mac(secret, payload, mac);
	snprintf(out, out_size, "%s.%s", mac, payload);
}

int wechat_ticket_open(const char *secret, const char *ticket, int64_t now, char openid[WECHAT_OPENID_MAX + 1])
{
	if (ticket == NULL || strlen(ticket) > 2 * CRYPTO_HMAC_SIZE + WECHAT_OPENID_MAX + 32)
		return -1;
	const char *dot = strchr(ticket, '.');
	if (dot == NULL || dot - ticket != 2 * CRYPTO_HMAC_SIZE)
		return -1;
	const char *payload = dot + 1;
	char expected[2 * CRYPTO_HMAC_SIZE + 1];
	ticket_mac(secret, payload, expected);
	if (!crypto_equal(expected, ticket, 2 * CRYPTO_HMAC_SIZE))
		return -1;
	char *end = NULL;
	long long expires_at = strtoll(payload, &end, 10);
	if (end == payload || *end != '.' || expires_at <= now || strlen(end + 1) == 0 ||
	    strlen(end + 1) > WECHAT_OPENID_MAX)
		return -1;
	snprintf(openid, WECHAT_OPENID_MAX + 1, "%s", end + 1);
	return 0;
}

/* --------------------------------------------------------------- routes */

static bool openid_shape(const char *text)
{
	size_t length = strlen(text);
	return length > 0 && length <= WECHAT_OPENID_MAX &&
	       strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == length;
}

static int not_configured(struct request *request)
{
	return http_error_detail(request, 404, "not_found", "wechat.not_configured");
}

static int oauth_url(struct request *request)
{
	const struct config *config = request->work.config;
	if (config->wechat_appid[0] == '\0')
		return not_configured(request);
	const char *redirect = http_query_param(request, "redirect");
	if (redirect == NULL || strlen(redirect) > REDIRECT_MAX ||
	    (strncmp(redirect, "https://", 8) != 0 && strncmp(redirect, "http://", 7) != 0))
		return http_error_detail(request, 400, "invalid_field", "wechat.page_url", "redirect");
	char appid[80], encoded[3 * REDIRECT_MAX + 1], state[17];
	unsigned char random[8];
	crypto_random(random, sizeof(random));
	crypto_hex(random, sizeof(random), state);
	if (sign_percent_encode(config->wechat_appid, appid, sizeof(appid)) < 0 ||
	    sign_percent_encode(redirect, encoded, sizeof(encoded)) < 0)
		return http_error(request, 400, "invalid_field");
	char *url = arena_printf(&request->arena,
				 "https://open.weixin.qq.com/connect/oauth2/authorize?appid=%s&redirect_uri=%s"
				 "&response_type=code&scope=snsapi_base&state=%s#wechat_redirect",
				 appid, encoded, state);
	return http_reply(request, 200, json_pack("{s:s, s:s}", "url", url, "state", state));
}

/* The openid WeChat gives for code into openid; -1 when none (logged). */
static int exchange(const struct config *config, const char *code, char openid[WECHAT_OPENID_MAX + 1])
{
	char appid[80], secret[400], encoded_code[3 * OAUTH_CODE_MAX + 1], url[2048];
	if (sign_percent_encode(config->wechat_appid, appid, sizeof(appid)) < 0 ||
	    sign_percent_encode(config->wechat_app_secret, secret, sizeof(secret)) < 0 ||
	    sign_percent_encode(code, encoded_code, sizeof(encoded_code)) < 0)
		return -1;
	snprintf(url, sizeof(url), "%s/sns/oauth2/access_token?appid=%s&secret=%s&code=%s&grant_type=authorization_code",
		 config->wechat_api_url, appid, secret, encoded_code);
	memset(secret, 0, sizeof(secret));
	struct fetch_answer answer;
	int sent = fetch("GET", url, NULL, NULL, 0, WECHAT_CALL_TIMEOUT_MS, &answer);
	memset(url, 0, sizeof(url));
	if (sent != 0) {
		log_warn("wechat oauth: no answer: %s", answer.error);
		fetch_answer_free(&answer);
		return -1;
	}
	json_t *document = json_loadb(answer.body, answer.body_size, 0, NULL);
	const char *given = json_string_value(json_object_get(document, "openid"));
	int result = -1;
	if (answer.status == 200 && given != NULL && openid_shape(given)) {
		snprintf(openid, WECHAT_OPENID_MAX + 1, "%s", given);
		result = 0;
	} else {
		const char *message = json_string_value(json_object_get(document, "errmsg"));
		log_warn("wechat oauth: HTTP %ld errcode %lld %s", answer.status,
			 (long long)json_integer_value(json_object_get(document, "errcode")), message ? message : "-");
	}
	json_decref(document);
	fetch_answer_free(&answer);
	return result;
}

static const struct field oauth_body[] = {
	{ .name = "code", .type = FIELD_STRING, .required = true, .min = 1, .max = OAUTH_CODE_MAX },
	{ .name = NULL },
};

static int oauth_login(struct request *request)
{
	const struct config *config = request->work.config;
	if (config->wechat_appid[0] == '\0')
		return not_configured(request);
	char openid[WECHAT_OPENID_MAX + 1];
	if (exchange(config, body_string(request, "code"), openid) != 0)
		return http_error_detail(request, 401, "invalid_code", "wechat.expired");
	struct shopper_wechat_login bound;
	int status = http_outcome(request, shopper_wechat_login(&request->work, openid, &bound));
	if (status != 0)
		return status;
	if (!bound.found) {
		char ticket[2 * CRYPTO_HMAC_SIZE + WECHAT_OPENID_MAX + 40];
		wechat_ticket_make(config->jwt_secret, openid, request->work.now + WECHAT_TICKET_TTL_S, ticket,
				   sizeof(ticket));
		return http_reply(request, 200, json_pack("{s:n, s:s, s:s}", "token", "openid", openid, "openid_ticket",
							  ticket));
	}
	int64_t user_id = bound.user_id;
	struct token_claims claims = {
		.subject = user_id,
		.issued_at = request->work.now,
		.expires_at = request->work.now + config->token_ttl_s,
		.version = bound.token_version,
	};
	char *token = token_issue(session_keys(), config->jwt_audience, &claims);
	char expires_at[CLOCK_RFC3339_SIZE], masked[PHONE_MASKED_SIZE];
	clock_format_rfc3339(claims.expires_at, expires_at);
	phone_mask(bound.phone, masked);
	json_t *reply = json_pack("{s:s, s:s, s:{s:I, s:s, s:b}, s:s}", "token", token, "expires_at", expires_at, "user",
				  "id", (json_int_t)user_id, "phone_masked", masked, "new", 0, "openid", openid);
	free(token);
	return http_reply(request, 200, reply);
}

static const struct field bind_body[] = {
	{ .name = "openid_ticket", .type = FIELD_STRING, .required = true, .min = 1, .max = 200 },
	{ .name = NULL },
};

static int wechat_bind(struct request *request)
{
	char openid[WECHAT_OPENID_MAX + 1];
	if (wechat_ticket_open(request->work.config->jwt_secret, body_string(request, "openid_ticket"), request->work.now,
			       openid) != 0)
		return http_error_detail(request, 400, "invalid_field", "wechat.expired");
	int status = http_outcome(request, shopper_wechat_bind(&request->work, openid, request->session.user_id));
	if (status != 0)
		return status;
	return 204;
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "GET", "/api/v1/wechat/oauth-url", oauth_url, AUTH_NONE, 0, NULL },
	{ "POST", "/api/v1/wechat/oauth", oauth_login, AUTH_NONE, 0, oauth_body },
	{ "POST", "/api/v1/wechat/bind", wechat_bind, AUTH_SHOPPER, 0, bind_body },
};

const struct route_table wechat_login_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
