/* routes.c: the route table: every feature's routes, in one list of
 * tables. The only file that knows every feature; the dispatcher
 * (http/router.c) is the only code that walks it. A new feature adds its
 * header here and one line to route_tables. */
#include "server/routes.h"

#include "shopper/shopper_routes.h"
#include "bargain/bargain_routes.h"
#include "checkout/checkout_routes.h"
#include "checkout/pay_routes.h"
#include "checkout/promotion_routes.h"
#include "campaign/campaign_routes.h"
#include "admin/admin_routes.h"
#include "admin/stats_routes.h"
#include "fraud/fraud_routes.h"
#include "admin/users_routes.h"
#include "reward/reward_routes.h"
#include "share/share_routes.h"
#include "shopper/wechat_routes.h"
#include "live/live_routes.h"
#include "ops/ops_routes.h"
#include "games/games_routes.h"
#include "engagement/engagement_routes.h"
#include "checkout/shopper_promotion_routes.h"
#include "checkout/member_level_routes.h"

const struct route_table *const route_tables[] = {
	&shopper_route_table,
	&bargain_route_table,
	&checkout_route_table,
	&pay_route_table,
	&promotion_route_table,
	&campaign_route_table,
	&admin_route_table,
	&stats_route_table,
	&fraud_route_table,
	&users_route_table,
	&reward_route_table,
	&share_route_table,
	&wechat_login_route_table,
	&live_route_table,
	&ops_route_table,
	&games_route_table,
	&engagement_route_table,
	&shopper_promotion_route_table,
	&member_level_route_table,
};

const size_t route_table_count = sizeof(route_tables) / sizeof(route_tables[0]);
