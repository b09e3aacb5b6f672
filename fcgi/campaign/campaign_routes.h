/* campaign_routes.h: the HTTP routes of campaign_routes.c, as one table for
 * the route table (server/routes.c). */
#ifndef KANJIA_CAMPAIGN_CAMPAIGN_ROUTES_H
#define KANJIA_CAMPAIGN_CAMPAIGN_ROUTES_H

#include "http/router.h"

extern const struct route_table campaign_route_table;

#endif
