/* shopper_promotion_routes.h: the shopper's promotion routes of
 * shopper_promotion_routes.c (coupon claims, presale deposits), as one
 * table for the route table (server/routes.c). */
#ifndef KANJIA_CHECKOUT_SHOPPER_PROMOTION_ROUTES_H
#define KANJIA_CHECKOUT_SHOPPER_PROMOTION_ROUTES_H

#include "http/router.h"

extern const struct route_table shopper_promotion_route_table;

#endif
