/* campaign_routes.c: the campaign routes (API.md, "Campaigns (public)" and
 * the admin console's campaigns and items). HTTP only: the shapes are
 * campaign.c's, the flows campaign.c's, the SQL campaign_store.c's. */
#include <stdio.h>

#include "campaign/campaign.h"
#include "campaign/campaign_routes.h"
#include "campaign/campaign_store.h"
#include "checkout/budget.h" /* issue 14: the budget and exclusive pairs */

/* A public campaign's item paging: items_next_cursor, the last item's id
 * when more follow (GET /campaigns/{id}?cursor= gives the next page), else
 * null. */
static void items_cursor_set(json_t *object, const struct campaign *campaign)
{
	int64_t last = campaign->item_count > 0 ? campaign->items[campaign->item_count - 1].id : 0;
	json_object_set_new(object, "items_next_cursor", http_next_cursor(last, campaign->items_more && last > 0));
}

/* Answers a list request (?limit=, ?cursor=) with campaigns in view's
 * shape: {"items": [...], "next_cursor": ...}. */
static int campaign_list_reply(struct request *request, enum campaign_view view)
{
	int64_t limit, cursor;
	int status = http_list_params(request, &limit, &cursor);
	if (status != 0)
		return status;
	struct campaign *campaigns;
	int count;
	bool more;
	if ((status = http_outcome(request, campaign_list(&request->work, view, cursor, limit, &campaigns, &count,
							  &more))) != 0)
		return status;
	json_t *items = json_array();
	for (int i = 0; i < count; i++) {
		json_t *campaign = campaign_json(&campaigns[i], request->work.now, view);
		if (view == VIEW_PUBLIC)
			items_cursor_set(campaign, &campaigns[i]);
		json_array_append_new(items, campaign);
	}
	json_t *next = http_next_cursor(count > 0 ? campaigns[count - 1].id : 0, more && count > 0);
	return http_reply(request, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

static int campaign_get_reply(struct request *request, enum campaign_view view)
{
	struct campaign campaign;
	int status = http_outcome(request, campaign_load(&request->work, http_path_id(request, 0), false, &campaign));
	if (status != 0)
		return status;
	json_t *object = http_own(request, campaign_json(&campaign, request->work.now, view));
	if (view == VIEW_ADMIN && /* issue 14: the budget and exclusive pairs */
	    (status = http_outcome(request, campaign_budget_show(&request->work, campaign.id, object))) != 0)
		return status;
	return http_reply(request, 200, json_incref(object));
}

/* ================================================================ public */

static int campaign_public_list(struct request *request)
{
	return campaign_list_reply(request, VIEW_PUBLIC);
}

/* GET /campaigns/{id}: the campaign with one page of its items (?limit=,
 * default CAMPAIGN_ITEMS_SHOWN, and ?cursor=, an item id), their prices in
 * force and "was" prices, and its promotions as shoppers see them. */
static int campaign_public_get(struct request *request)
{
	int64_t limit, cursor;
	int status = http_list_params(request, &limit, &cursor);
	if (status != 0)
		return status;
	if (http_query_param(request, "limit") == NULL)
		limit = CAMPAIGN_ITEMS_SHOWN;
	struct campaign campaign;
	if ((status = http_outcome(request, campaign_public_read(&request->work, http_path_id(request, 0), cursor, limit,
								  &campaign))) != 0)
		return status;
	json_t *object = campaign_json(&campaign, request->work.now, VIEW_PUBLIC);
	items_cursor_set(object, &campaign);
	return http_reply(request, 200, object);
}

/* ================================================================= admin */

static int admin_campaign_list(struct request *request)
{
	return campaign_list_reply(request, VIEW_ADMIN);
}

static int admin_campaign_get(struct request *request)
{
	return campaign_get_reply(request, VIEW_ADMIN);
}

/* Runs one of campaign.c's change flows and answers its after view. */
static int change_reply(struct request *request, int (*flow)(struct unit *, struct campaign_change *),
			struct campaign_change *change, int success)
{
	change->checker = request;
	change->body = request->json;
	change->admin_id = session_admin_id(&request->session);
	int status = http_outcome(request, flow(&request->work, change));
	if (status != 0)
		return status;
	return http_reply(request, success, json_incref(change->after));
}

static int admin_campaign_create(struct request *request)
{
	struct campaign campaign;
	int status = campaign_parse_new(request, request->json, &campaign);
	if (status != 0)
		return status;
	struct campaign_change change = { .campaign = &campaign };
	return change_reply(request, campaign_create, &change, 201);
}

static int admin_campaign_patch(struct request *request)
{
	struct campaign_change change = { .id = http_path_id(request, 0) };
	return change_reply(request, campaign_patch, &change, 200);
}

static int admin_item_create(struct request *request)
{
	struct campaign_item item;
	int status = campaign_item_parse_new(request, request->json, &item, "body");
	if (status != 0)
		return status;
	struct campaign_change change = { .id = http_path_id(request, 0), .item = &item };
	return change_reply(request, campaign_item_create, &change, 201);
}

static int admin_item_patch(struct request *request)
{
	struct campaign_change change = { .id = http_path_id(request, 0) };
	return change_reply(request, campaign_item_patch, &change, 200);
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "GET", "/api/v1/campaigns", campaign_public_list, AUTH_NONE, 0, NULL },
	{ "GET", "/api/v1/campaigns/{id}", campaign_public_get, AUTH_NONE, 0, NULL },
	{ "GET", "/api/v1/admin/campaigns", admin_campaign_list, AUTH_ADMIN, 0, NULL },
	{ "POST", "/api/v1/admin/campaigns", admin_campaign_create, AUTH_ADMIN, ROLE_OPERATOR, campaign_create_body },
	{ "GET", "/api/v1/admin/campaigns/{id}", admin_campaign_get, AUTH_ADMIN, 0, NULL },
	{ "PATCH", "/api/v1/admin/campaigns/{id}", admin_campaign_patch, AUTH_ADMIN, ROLE_OPERATOR, campaign_patch_body },
	{ "POST", "/api/v1/admin/campaigns/{id}/items", admin_item_create, AUTH_ADMIN, ROLE_OPERATOR, campaign_item_body },
	{ "PATCH", "/api/v1/admin/items/{id}", admin_item_patch, AUTH_ADMIN, ROLE_OPERATOR, campaign_item_patch_body },
};

const struct route_table campaign_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
