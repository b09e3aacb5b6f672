/* campaign_routes.c: the public campaign reads (API.md, "Campaigns
 * (public)"). The shapes are campaign.c's, shared with the admin view. */
#include <stdio.h>

#include "campaign/campaign.h"
#include "campaign/campaign_routes.h"

static int campaign_public_list(struct request *request)
{
	return campaign_list_reply(request, VIEW_PUBLIC);
}

static int campaign_public_get(struct request *request)
{
	struct campaign campaign;
	int status = campaign_load(request, http_path_id(request, 0), false, &campaign);
	if (status != 0)
		return status;
	return http_reply(request, 200, campaign_json(&campaign, request->work.now, VIEW_PUBLIC));
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "GET", "/api/v1/campaigns", campaign_public_list, AUTH_NONE, 0, NULL },
	{ "GET", "/api/v1/campaigns/{id}", campaign_public_get, AUTH_NONE, 0, NULL },
};

const struct route_table campaign_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
