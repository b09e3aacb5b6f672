/* share_routes.h: the HTTP routes of share_routes.c, as one table for the
 * route table (server/routes.c). */
#ifndef KANJIA_SHARE_SHARE_ROUTES_H
#define KANJIA_SHARE_SHARE_ROUTES_H

#include "http/router.h"

extern const struct route_table share_route_table;

#endif
