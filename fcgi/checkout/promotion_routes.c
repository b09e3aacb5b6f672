/* promotion_routes.c: the promotion resource (API.md "Promotions
 * (admin)"). HTTP only: the flows and rules are promotion_admin.c's, the
 * SQL promotion_store.c's. */
#include "checkout/promotion_admin.h"
#include "checkout/promotion_routes.h"
#include "core/outcome.h"
#include "http/validate.h"

/* The top level of the bodies; each kind's config and the limits are
 * checked by promotion_decide(), which names the field in a 422. */
static const struct field promotion_create_body[] = {
	{ .name = "kind", .type = FIELD_STRING, .required = true, .max = 32 },
	{ .name = "title", .type = FIELD_STRING, .required = true, .max = PROMOTION_TITLE_BYTES_MAX },
	{ .name = "starts_at", .type = FIELD_STRING, .max = 64 },
	{ .name = "ends_at", .type = FIELD_STRING, .max = 64 },
	{ .name = "enabled", .type = FIELD_BOOL },
	{ .name = "config", .type = FIELD_OBJECT, .required = true },
	{ .name = "limits", .type = FIELD_OBJECT },
	{ .name = NULL },
};

static const struct field promotion_patch_body[] = {
	{ .name = "kind", .type = FIELD_STRING, .max = 32 },
	{ .name = "title", .type = FIELD_STRING, .max = PROMOTION_TITLE_BYTES_MAX },
	{ .name = "starts_at", .type = FIELD_STRING, .max = 64 },
	{ .name = "ends_at", .type = FIELD_STRING, .max = 64 },
	{ .name = "enabled", .type = FIELD_BOOL },
	{ .name = "config", .type = FIELD_OBJECT },
	{ .name = "limits", .type = FIELD_OBJECT },
	{ .name = NULL },
};

/* Runs flow on the path's id and answers its result with status. */
static int reply(struct request *request, int (*flow)(struct unit *, struct promotion_change *), int status)
{
	struct promotion_change change = {
		.id = http_path_id(request, 0),
		.admin_id = session_admin_id(&request->session),
		.body = request->json,
	};
	int result = flow(&request->work, &change);
	if (result == OUT_INVALID_PROMOTION)
		return http_error_message(request, 422, "invalid_promotion", "%s", change.message);
	if ((result = http_outcome(request, result)) != 0)
		return result;
	if (status == 204)
		return http_reply(request, 204, NULL);
	return http_reply(request, status, json_incref(change.after));
}

static int admin_promotion_list(struct request *request)
{
	return reply(request, promotion_list, 200);
}

static int admin_promotion_create(struct request *request)
{
	return reply(request, promotion_create, 201);
}

static int admin_promotion_get(struct request *request)
{
	return reply(request, promotion_get, 200);
}

static int admin_promotion_patch(struct request *request)
{
	return reply(request, promotion_patch, 200);
}

static int admin_promotion_delete(struct request *request)
{
	return reply(request, promotion_remove, 204);
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "GET", "/api/v1/admin/campaigns/{id}/promotions", admin_promotion_list, AUTH_ADMIN, 0, NULL },
	{ "POST", "/api/v1/admin/campaigns/{id}/promotions", admin_promotion_create, AUTH_ADMIN, ROLE_OPERATOR,
	  promotion_create_body },
	{ "GET", "/api/v1/admin/promotions/{id}", admin_promotion_get, AUTH_ADMIN, 0, NULL },
	{ "PATCH", "/api/v1/admin/promotions/{id}", admin_promotion_patch, AUTH_ADMIN, ROLE_OPERATOR,
	  promotion_patch_body },
	{ "DELETE", "/api/v1/admin/promotions/{id}", admin_promotion_delete, AUTH_ADMIN, ROLE_OPERATOR, NULL },
};

const struct route_table promotion_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
