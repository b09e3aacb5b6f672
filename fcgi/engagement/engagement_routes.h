/* engagement_routes.h: the engagement routes' table (server/routes.c
 * lists it). */
#ifndef KANJIA_ENGAGEMENT_ROUTES_H
#define KANJIA_ENGAGEMENT_ROUTES_H

#include "http/router.h"

extern const struct route_table engagement_route_table;

#endif
