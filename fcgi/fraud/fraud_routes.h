/* fraud_routes.h: the HTTP routes of fraud_routes.c, as one table for
 * the route table (server/routes.c). */
#ifndef KANJIA_FRAUD_FRAUD_ROUTES_H
#define KANJIA_FRAUD_FRAUD_ROUTES_H

#include "http/router.h"

extern const struct route_table fraud_route_table;

#endif
