/* pay_routes.c: WeChat Pay's and Alipay's notify routes, and the hooks the
 * pay route (checkout_routes.c) and the admin refund (fulfil_routes.c)
 * call for a real provider.
 *
 * A notify is verified before anything is read from it (pay_wechat.c,
 * pay_alipay.c); then checkout applies it like the sandbox's: the amount
 * must equal the payment's and the order's, and a repeated notify changes
 * nothing (its outcome is "duplicate"). The answers follow each provider:
 * WeChat Pay wants 204 (else 4xx/5xx with {"code": "FAIL", "message"}) and
 * sends again until it gets it; Alipay wants the body "success". */
#include "checkout/pay_routes.h"

#include <stdio.h>
#include <string.h>

#include "checkout/order.h"
#include "checkout/pay.h"
#include "core/config.h"
#include "core/log.h"
#include "http/messages.h"

#define OPENID_MAX 64

/* A request header from the FastCGI parameters (HTTP_NAME), or NULL. */
static const char *param(const struct request *request, const char *name)
{
	size_t length = strlen(name);
	for (char **entry = request->params; entry != NULL && *entry != NULL; entry++)
		if (strncmp(*entry, name, length) == 0 && (*entry)[length] == '=')
			return *entry + length + 1;
	return NULL;
}

static bool openid_shape(const char *text)
{
	size_t length = strlen(text);
	return length > 0 && length <= OPENID_MAX && strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
							      "0123456789_-") == length;
}

int pay_open_reply(struct request *request, const struct payment_provider *provider, int64_t order_id,
		   int64_t amount_fen, const char *ref, int64_t pay_by, json_t *answer)
{
	http_own(request, answer);
	const struct config *config = request->work.config;
	bool wechat = strcmp(provider->name, "wechat") == 0;
	const char *channel = http_query_param(request, "channel");
	const char *openid = http_query_param(request, "openid");
	if (channel == NULL || channel[0] == '\0')
		channel = wechat ? "h5" : "wap";
	if (wechat ? strcmp(channel, "jsapi") != 0 && strcmp(channel, "h5") != 0 : strcmp(channel, "wap") != 0)
		return http_error_detail(request, 400, "invalid_field", "pay.channel",
					 wechat ? http_text("pay.channels_wechat") : "wap");
	if (wechat && strcmp(channel, "jsapi") == 0 && (openid == NULL || !openid_shape(openid)))
		return http_error_detail(request, 400, "invalid_field", "pay.openid");
	char description[64], notify_url[512];
	/* what the payer sees as the goods in WeChat and Alipay */
	http_text_format(description, sizeof(description), "pay.description", (long long)order_id);
	snprintf(notify_url, sizeof(notify_url), "%s/api/v1/payments/%s/notify", config->public_base_url,
		 provider->name);
	struct payment_order order = {
		.order_id = order_id,
		.amount_fen = amount_fen,
		.ref = ref,
		.description = description,
		.client_ip = request->client_ip,
		.channel = channel,
		.openid = openid,
		.notify_url = notify_url,
		.pay_by = pay_by,
	};
	json_t *client = NULL;
	char why[PAYMENT_WHY_SIZE] = "";
	int result = provider->open(config, &order, &client, why, sizeof(why));
	if (result != PAYMENT_OK) {
		log_warn("payment %s: order %lld not opened at the provider: %s", provider->name, (long long)order_id, why);
		return http_error_detail(request, 503, "unavailable", "pay.unavailable");
	}
	json_object_set_new(answer, "client", client);
	json_object_set_new(answer, "notify_url", json_string(notify_url));
	return http_reply(request, 200, json_incref(answer));
}

/* ------------------------------------------------------------ notifies */

/* Applies a verified notice (pay.c); returns checkout's status (200
 * applied or duplicate, 404 unknown payment, 422 amount mismatch, 5xx). */
static int notice_apply(struct request *request, const char *provider, const struct provider_notice *notice)
{
	int status = http_outcome(request, pay_notice_take(&request->work, provider, notice));
	return status != 0 ? status : 200;
}

static int wechat_answer(struct request *request, int status, const char *message)
{
	http_reset_reply(request);
	if (status == 200)
		return 204;
	request->raw_body = arena_printf(&request->arena, "{\"code\":\"FAIL\",\"message\":\"%s\"}", message);
	request->raw_body_size = strlen(request->raw_body);
	request->reply_type = "application/json; charset=utf-8";
	return status;
}

static int wechat_notify(struct request *request)
{
	struct provider_notice notice;
	if (wechatpay_notice(request->work.config, request->work.now, param(request, "HTTP_WECHATPAY_TIMESTAMP"),
			     param(request, "HTTP_WECHATPAY_NONCE"), param(request, "HTTP_WECHATPAY_SIGNATURE"),
			     request->body, request->body_size, &notice) != 0) {
		log_warn("wechatpay notify: bad signature or resource, refused unread");
		return wechat_answer(request, 401, "signature");
	}
	int status = notice_apply(request, "wechat", &notice);
	return wechat_answer(request, status, status == 422 ? "amount" : status == 404 ? "unknown" : "error");
}

static int alipay_answer(struct request *request, int status)
{
	http_reset_reply(request);
	request->raw_body = status == 200 ? "success" : "fail";
	request->raw_body_size = strlen(request->raw_body);
	request->reply_type = "text/plain; charset=utf-8";
	return status;
}

static int alipay_notify(struct request *request)
{
	struct provider_notice notice;
	if (alipay_notice(request->work.config, request->body, request->body_size, &notice) != 0) {
		log_warn("alipay notify: bad signature or fields, refused unread");
		return alipay_answer(request, 401);
	}
	return alipay_answer(request, notice_apply(request, "alipay", &notice));
}

/* -------------------------------------------------------------- refund */

int pay_refund_at_provider(struct request *request, int64_t order_id)
{
	enum pay_refund_result result;
	int status = http_outcome(request, pay_refund_take(&request->work, order_id, body_string(request, "reason"),
							   &result));
	if (status != 0)
		return status;
	switch (result) {
	case PAY_REFUND_NOT_THERE:
	case PAY_REFUND_ACCEPTED:
		return 0;
	case PAY_REFUND_REFUSED:
		return http_error_detail(request, 503, "unavailable", "pay.refund_refused");
	case PAY_REFUND_UNAVAILABLE:
		break;
	}
	return http_error_detail(request, 503, "unavailable", "pay.unavailable");
}

/* The routes this file serves; server/routes.c lists the table. Bodies are
 * the providers' own (JSON or a form), read raw and verified here. */
static const struct route routes[] = {
	{ "POST", "/api/v1/payments/wechat/notify", wechat_notify, AUTH_NONE, 0, route_raw_body },
	{ "POST", "/api/v1/payments/alipay/notify", alipay_notify, AUTH_NONE, 0, route_raw_body },
};

const struct route_table pay_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
