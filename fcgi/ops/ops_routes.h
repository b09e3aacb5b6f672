/* ops_routes.h: the operators' routes of ops_routes.c (health, metrics,
 * status page) as one table for the route table (server/routes.c), and
 * the route numbering the counters use. */
#ifndef KANJIA_OPS_OPS_ROUTES_H
#define KANJIA_OPS_OPS_ROUTES_H

#include <stdbool.h>

#include "http/router.h"

extern const struct route_table ops_route_table;

/* The counters' index of route (its place across server/routes.c's
 * tables); -1 for NULL; OPS_ROUTES_MAX past the counters' room. */
int ops_route_index(const struct route *route);
/* The route at index, or NULL (unmatched, or past the counters' room). */
const struct route *ops_route_at(int index);
/* True when address may read the operators' pages: loopback, or listed in
 * allow_list (addresses or address/prefix, separated by spaces or commas). */
bool ops_client_allowed(const char *address, const char *allow_list);

#endif
