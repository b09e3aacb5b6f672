/* reward_routes.h: the HTTP routes of reward_routes.c, as one table for
 * the route table (server/routes.c). */
#ifndef KANJIA_REWARD_REWARD_ROUTES_H
#define KANJIA_REWARD_REWARD_ROUTES_H

#include "http/router.h"

extern const struct route_table reward_route_table;

#endif
