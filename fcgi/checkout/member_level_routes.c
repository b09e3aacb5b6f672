/* member_level_routes.c: GET/PUT /api/v1/admin/member-levels (API.md
 * "Promotions (admin)"). HTTP only: the flows and rules are
 * member_level.c's, the SQL promo_kinds_store.c's. */
#include "checkout/member_level.h"
#include "checkout/member_level_routes.h"
#include "core/outcome.h"
#include "http/validate.h"

/* The top level; each level is checked by member_levels_decide(), which
 * names the field in a 422. */
static const struct field member_levels_body[] = {
	{ .name = "levels", .type = FIELD_ARRAY, .required = true, .min = 0, .max = MEMBER_LEVELS_MAX },
	{ .name = NULL },
};

static int admin_member_levels_get(struct request *request)
{
	json_t *answer;
	int status = http_outcome(request, member_levels_get(&request->work, &answer));
	if (status != 0)
		return status;
	return http_reply(request, 200, json_incref(answer));
}

static int admin_member_levels_put(struct request *request)
{
	json_t *answer;
	char message[MEMBER_LEVEL_MESSAGE_SIZE];
	int result = member_levels_put(&request->work, session_admin_id(&request->session), request->json, &answer,
				       message);
	if (result == OUT_UNPROCESSABLE_FIELD)
		return http_error_message(request, 422, "invalid_field", "%s", message);
	int status = http_outcome(request, result);
	if (status != 0)
		return status;
	return http_reply(request, 200, json_incref(answer));
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "GET", "/api/v1/admin/member-levels", admin_member_levels_get, AUTH_ADMIN, 0, NULL },
	{ "PUT", "/api/v1/admin/member-levels", admin_member_levels_put, AUTH_ADMIN, ROLE_OPERATOR, member_levels_body },
};

const struct route_table member_level_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
