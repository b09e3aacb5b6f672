/* checkout_routes.h: the HTTP routes of checkout_routes.c, as one table for
 * the route table (server/routes.c). */
#ifndef KANJIA_CHECKOUT_CHECKOUT_ROUTES_H
#define KANJIA_CHECKOUT_CHECKOUT_ROUTES_H

#include "http/router.h"

extern const struct route_table checkout_route_table;

/* Applies a verified provider notify for payment ref of order_id (0: not
 * known), like the sandbox's notify: records it, checks the amount against
 * the payment and the order, moves the order to paid once. Returns 200
 * (applied, duplicate or ignored), 404, 422 amount_mismatch or 5xx. */
int checkout_notify_apply(struct request *request, const char *provider, const char *ref, int64_t order_id,
			  int64_t amount_fen, const char *reported);

#endif
