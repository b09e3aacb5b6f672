/* route_campaign.c: the public campaign reads (API.md, "Campaigns
 * (public)"). The shapes are campaign.c's, shared with the admin view. */
#include <stdio.h>

#include "campaign.h"
#include "routes.h"

int campaign_public_list(struct request *request)
{
	return campaign_list_reply(request, VIEW_PUBLIC);
}

int campaign_public_get(struct request *request)
{
	struct campaign campaign;
	int status = campaign_load(request, http_path_id(request, 0), false, &campaign);
	if (status != 0)
		return status;
	return http_reply(request, 200, campaign_json(&campaign, request->now, VIEW_PUBLIC));
}
