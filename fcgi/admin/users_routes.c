/* users_routes.c: the admin console's shoppers (API.md "Admin"): the list
 * with its phone search, block and unblock. HTTP only, over users.c. Roles
 * are route metadata: risk blocks; only owners see full phone numbers. */
#include <string.h>

#include "admin/users.h"
#include "admin/users_routes.h"
#include "core/outcome.h"
#include "core/phone.h"
#include "db/db.h"
#include "shopper/shopper_store.h"

static bool is_owner(const struct request *request)
{
	return (request->session.roles & ROLE_OWNER) != 0;
}

/* GET /api/v1/admin/users?phone=...[&blocked=1]: owners search by 3 to 11
 * leading digits; other roles by the last 4 digits or a whole number (the
 * latter rate-limited and audited). */
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
	enum users_phone_search kind = phone != NULL ? users_phone_search_kind(phone, is_owner(request))
						     : USERS_PHONE_REFUSED;
	if (phone != NULL && kind == USERS_PHONE_REFUSED)
		return is_owner(request) ? http_error_detail(request, 400, "invalid_field", "users.phone_search",
							     USERS_PHONE_SEARCH_MIN, PHONE_DIGITS)
					 : http_error_detail(request, 400, "invalid_field", "users.phone_search_limited",
							     USERS_PHONE_TAIL, PHONE_DIGITS);
	if (kind == USERS_PHONE_FULL) {
		int64_t retry_after_s = 0;
		int result = users_phone_lookup(&request->work, session_admin_id(&request->session), phone, "users",
						&retry_after_s);
		if (result == OUT_RATE_LIMITED)
			http_retry_after(request, retry_after_s);
		if ((status = http_outcome(request, result)) != 0)
			return status;
	}
	bool only_blocked = blocked != NULL && strcmp(blocked, "1") == 0;
	struct shopper_summary *shoppers;
	int found;
	status = http_outcome(request, users_page(&request->work, phone, kind, only_blocked, before, limit + 1,
						  &shoppers, &found));
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
