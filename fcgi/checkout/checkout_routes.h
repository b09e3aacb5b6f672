/* checkout_routes.h: the HTTP routes of checkout_routes.c, as one table for
 * the route table (server/routes.c). */
#ifndef KANJIA_CHECKOUT_CHECKOUT_ROUTES_H
#define KANJIA_CHECKOUT_CHECKOUT_ROUTES_H

#include "http/router.h"

extern const struct route_table checkout_route_table;

#endif
