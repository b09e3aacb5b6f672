/* route_campaign.c: the public campaign reads (API.md, "Campaigns
 * (public)"). The shapes are campaign.c's, shared with the admin view. */
#include <stdio.h>

#include "campaign.h"
#include "routes.h"

int campaign_public_list(struct request *request)
{
	int64_t limit, cursor;
	int status = campaign_list_params(request, &limit, &cursor);
	if (status != 0)
		return status;
	struct campaign *campaigns;
	int count;
	bool more;
	if ((status = campaign_list(request, VIEW_PUBLIC, cursor, limit, &campaigns, &count, &more)) != 0)
		return status;
	json_t *items = json_array();
	for (int i = 0; i < count; i++)
		json_array_append_new(items, campaign_json(&campaigns[i], request->now, VIEW_PUBLIC));
	json_t *next = json_null();
	if (more && count > 0) {
		char text[24];
		snprintf(text, sizeof(text), "%lld", (long long)campaigns[count - 1].id);
		next = json_string(text);
	}
	return http_reply(request, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

int campaign_public_get(struct request *request)
{
	struct campaign campaign;
	int status = campaign_load(request, http_path_id(request, 0), false, &campaign);
	if (status != 0)
		return status;
	return http_reply(request, 200, campaign_json(&campaign, request->now, VIEW_PUBLIC));
}
