/* admin_routes.h: the HTTP routes of admin_routes.c, as one table for
 * the route table (server/routes.c). */
#ifndef KANJIA_ADMIN_ADMIN_ROUTES_H
#define KANJIA_ADMIN_ADMIN_ROUTES_H

#include "http/router.h"

extern const struct route_table admin_route_table;

#endif
