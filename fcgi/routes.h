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

#endif
