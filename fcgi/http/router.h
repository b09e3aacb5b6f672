/* router.h: routes are data.
 *
 * Each feature's routes file exports one table (struct route_table) of
 * method, path pattern, handler, auth level and body fields; server/routes.c
 * lists the tables. router_match() is the only code that walks them; 404 and
 * 405 come from it. A pattern segment "{id}" matches a positive decimal id (up to
 * 18 digits), "{code}" a token of 1 to 64 characters [A-Za-z0-9_-]. */
#ifndef KANJIA_ROUTER_H
#define KANJIA_ROUTER_H

#include "http/http.h"
#include "http/session.h"
#include "http/validate.h"

typedef int (*route_handler)(struct request *request);

/* A route whose body is this reads it raw (any type, not validated): the
 * payment providers' notifies, which their handlers verify. */
extern const struct field route_raw_body[];

struct route {
	const char *method;
	const char *pattern;
	route_handler handler;
	enum auth_level auth;
	unsigned roles;           /* admin routes: any of these roles (0: any admin) */
	const struct field *body; /* NULL: no body is read */
};

/* One feature's routes, exported from its <feature>_routes.h. */
struct route_table {
	const struct route *routes;
	size_t count;
};

/* Finds the route for method and path in the tables, in order. Returns it with request->path_params
 * filled (pointing into the arena), or NULL with request's error set to 404
 * not_found or 405 method_not_allowed (with an Allow header). */
const struct route *router_match(struct request *request, const struct route_table *const *tables,
				 size_t table_count);

#endif
