/* shopper_promotion_routes.c: the shopper's side of the promotion
 * resource (API.md "Engagement" and "Presale"):
 *
 *   POST /api/v1/coupons/{promotion_id}/claim     a coupon from a template
 *   POST /api/v1/presale/{promotion_id}/deposit   a presale's deposit order
 *
 * HTTP only: each handler reads the validated request, calls one flow
 * (coupon_template.c, presale.c), maps its result with http_outcome() and
 * renders the answer. */
#include <stdlib.h>
#include <string.h>

#include "checkout/coupon_template.h"
#include "checkout/presale.h"
#include "checkout/shopper_promotion_routes.h"
#include "core/arena.h"
#include "core/outcome.h"
#include "http/messages.h"
#include "reward/reward.h"

#define IDEMPOTENCY_KEY_MAX 64

/* POST /api/v1/coupons/{promotion_id}/claim: 201 the coupon. */
static int coupon_claim_route(struct request *request)
{
	struct coupon coupon;
	int status = http_outcome(request, coupon_claim(&request->work, http_path_id(request, 0),
							request->session.user_id, &coupon));
	if (status != 0)
		return status;
	return http_reply(request, 201, coupon_json(&coupon, request->work.now));
}

static const struct field deposit_body[] = {
	{ .name = "qty", .type = FIELD_INT, .required = true, .min = 1, .max = PRESALE_QTY_MAX },
	{ .name = NULL },
};

static bool idempotency_key_shape(const char *key)
{
	size_t length = strlen(key);
	if (length == 0 || length > IDEMPOTENCY_KEY_MAX)
		return false;
	for (const char *p = key; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-' ||
		      *p == '_' || *p == '.' || *p == ':'))
			return false;
	return true;
}

/* POST /api/v1/presale/{promotion_id}/deposit {"qty"} with Idempotency-Key:
 * 201 the deposit order; the same key and body again: 200 the same order. */
static int presale_deposit_route(struct request *request)
{
	const char *key = request->idempotency_key;
	if (key == NULL || key[0] == '\0')
		return http_error(request, 400, "missing_idempotency_key");
	if (!idempotency_key_shape(key))
		return http_error_detail(request, 400, "invalid_field", "order.idempotency_key", IDEMPOTENCY_KEY_MAX);
	struct deposit_placing placing = {
		.promotion_id = http_path_id(request, 0),
		.user_id = request->session.user_id,
		.qty = body_int(request, "qty", 1),
		.key = key,
	};
	/* the fingerprint: the route with its promotion and the body, canonical */
	char *canonical = json_dumps(request->json, JSON_COMPACT | JSON_SORT_KEYS);
	if (canonical == NULL)
		abort();
	char *route = arena_printf(&request->arena, "POST /api/v1/presale/%lld/deposit", (long long)placing.promotion_id);
	crypto_hmac_sha256(route, strlen(route), canonical, strlen(canonical), placing.hash);
	free(canonical);
	int status = http_outcome(request, presale_deposit_place(&request->work, &placing));
	if (status != 0)
		return status;
	return http_reply(request, placing.replayed ? 200 : 201, json_incref(placing.answer));
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "POST", "/api/v1/coupons/{id}/claim", coupon_claim_route, AUTH_SHOPPER, 0, NULL },
	{ "POST", "/api/v1/presale/{id}/deposit", presale_deposit_route, AUTH_SHOPPER, 0, deposit_body },
};

const struct route_table shopper_promotion_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
