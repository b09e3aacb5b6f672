/* live_routes.h: the HTTP routes of live_routes.c, as one table for the
 * route table (server/routes.c). */
#ifndef KANJIA_LIVE_LIVE_ROUTES_H
#define KANJIA_LIVE_LIVE_ROUTES_H

#include "http/router.h"

extern const struct route_table live_route_table;

#endif
