/* games_routes.h: the HTTP routes of games_routes.c, as one table for the
 * route table (server/routes.c). */
#ifndef KANJIA_GAMES_GAMES_ROUTES_H
#define KANJIA_GAMES_GAMES_ROUTES_H

#include "http/router.h"

extern const struct route_table games_route_table;

#endif
