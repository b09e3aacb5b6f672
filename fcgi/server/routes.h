/* routes.h: the route table of this build: one table per feature
 * (server/routes.c). */
#ifndef KANJIA_ROUTES_H
#define KANJIA_ROUTES_H

#include "http/router.h"

extern const struct route_table *const route_tables[];
extern const size_t route_table_count;

#endif
