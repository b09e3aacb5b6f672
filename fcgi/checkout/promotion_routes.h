/* promotion_routes.h: the HTTP routes of promotion_routes.c (the
 * promotion resource), as one table for server/routes.c. */
#ifndef KANJIA_CHECKOUT_PROMOTION_ROUTES_H
#define KANJIA_CHECKOUT_PROMOTION_ROUTES_H

#include "http/router.h"

extern const struct route_table promotion_route_table;

#endif
