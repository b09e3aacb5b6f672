/* routes.h: the route table and the handlers it names. */
#ifndef KANJIA_ROUTES_H
#define KANJIA_ROUTES_H

#include "router.h"

extern const struct route routes[];
extern const size_t route_count;

/* route_auth.c */
extern const struct field auth_sms_body[];
extern const struct field auth_login_body[];
int auth_sms(struct request *request);
int auth_login(struct request *request);
int auth_logout(struct request *request);
int me_get(struct request *request);

/* route_bargain.c */
extern const struct field bargain_start_body[];
int bargain_start(struct request *request);
int bargain_get(struct request *request);
int bargain_cut(struct request *request);
int bargain_list_mine(struct request *request);
int share_landing(struct request *request);
int share_help(struct request *request);
int campaign_leaderboard(struct request *request);
int coupon_list_mine(struct request *request);

/* admin and campaign handlers: begin */
/* admin and campaign handlers: end */

#endif
