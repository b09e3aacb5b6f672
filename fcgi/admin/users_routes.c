/* users_routes.c: the admin console's shoppers (API.md "Admin"): the list
 * with its phone search, block and unblock. HTTP only, over users.c. Roles
 * are route metadata: risk blocks; only owners see full phone numbers. */
#include <string.h>

#include "admin/users.h"
#include "admin/users_routes.h"
#include "core/phone.h"
#include "db/db.h"
#include "shopper/shopper_store.h"

static bool is_owner(const struct request *request)
{
	return (request->session.roles & ROLE_OWNER) != 0;
}

static bool digits_only(const char *text)
{
	for (const char *c = text; *c != '\0'; c++)
		if (*c < '0' || *c > '9')
			return false;
	return true;
}

/* GET /api/v1/admin/users?phone=<3 to 11 leading digits>[&blocked=1] */
static int admin_user_list(struct request *request)
{
	int64_t limit, before;
	int status = http_list_params_newest_first(request, &limit, &before);
	if (status != 0)
		return status;
	const char *phone = http_query_param(request, "phone");
	const char *blocked = http_query_param(request, "blocked");
	if (phone != NULL && phone[0] == '\0')
		phone = NULL;
	if (phone != NULL && (strlen(phone) < USERS_PHONE_SEARCH_MIN || strlen(phone) > PHONE_DIGITS ||
			      !digits_only(phone)))
		return http_error_detail(request, 400, "invalid_field", "users.phone_search", USERS_PHONE_SEARCH_MIN,
					 PHONE_DIGITS);
	bool only_blocked = blocked != NULL && strcmp(blocked, "1") == 0;
	struct shopper_summary *shoppers;
	int found;
	status = http_outcome(request,
			      users_page(&request->work, phone, only_blocked, before, limit + 1, &shoppers, &found));
	if (status != 0)
		return status;
	int count = found > limit ? (int)limit : found;
	json_t *items = json_array();
	for (int r = 0; r < count; r++)
		json_array_append_new(items, users_json(&shoppers[r], is_owner(request)));
	json_t *next = http_next_cursor(count > 0 ? shoppers[count - 1].id : 0, found > limit);
	return http_reply(request, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

static int set_blocked(struct request *request, bool block)
{
	struct shopper_summary after;
	int status = http_outcome(request, users_set_blocked(&request->work, session_admin_id(&request->session),
							     http_path_id(request, 0), block, is_owner(request),
							     &after));
	if (status != 0)
		return status;
	return http_reply(request, 200, users_json(&after, is_owner(request)));
}

/* POST /api/v1/admin/users/{id}/block and /unblock: idempotent. */
static int admin_user_block(struct request *request)
{
	return set_blocked(request, true);
}

static int admin_user_unblock(struct request *request)
{
	return set_blocked(request, false);
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "GET", "/api/v1/admin/users", admin_user_list, AUTH_ADMIN, 0, NULL },
	{ "POST", "/api/v1/admin/users/{id}/block", admin_user_block, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "POST", "/api/v1/admin/users/{id}/unblock", admin_user_unblock, AUTH_ADMIN, ROLE_RISK, NULL },
};

const struct route_table users_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
