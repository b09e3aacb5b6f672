/* stats_routes.h: the HTTP routes of stats_routes.c, as one table for
 * the route table (server/routes.c). */
#ifndef KANJIA_ADMIN_STATS_ROUTES_H
#define KANJIA_ADMIN_STATS_ROUTES_H

#include "http/router.h"

extern const struct route_table stats_route_table;

#endif
