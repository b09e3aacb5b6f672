/* bargain_routes.h: the HTTP routes of bargain_routes.c, as one table for
 * the route table (server/routes.c). */
#ifndef KANJIA_BARGAIN_BARGAIN_ROUTES_H
#define KANJIA_BARGAIN_BARGAIN_ROUTES_H

#include "http/router.h"

extern const struct route_table bargain_route_table;

#endif
