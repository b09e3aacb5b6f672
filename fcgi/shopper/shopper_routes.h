/* shopper_routes.h: the HTTP routes of shopper_routes.c, as one table for
 * the route table (server/routes.c). */
#ifndef KANJIA_SHOPPER_SHOPPER_ROUTES_H
#define KANJIA_SHOPPER_SHOPPER_ROUTES_H

#include "http/router.h"

extern const struct route_table shopper_route_table;

#endif
