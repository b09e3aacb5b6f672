/* member_level_routes.h: the HTTP routes of member_level_routes.c (the
 * shop's member levels), as one table for server/routes.c. */
#ifndef KANJIA_CHECKOUT_MEMBER_LEVEL_ROUTES_H
#define KANJIA_CHECKOUT_MEMBER_LEVEL_ROUTES_H

#include "http/router.h"

extern const struct route_table member_level_route_table;

#endif
