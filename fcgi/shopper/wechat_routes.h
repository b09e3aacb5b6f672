/* wechat_routes.h: WeChat login (OAuth snsapi_base) for shoppers inside
 * WeChat, the routes of wechat_routes.c:
 *
 *   GET  /api/v1/wechat/oauth-url?redirect=U  {"url"}: WeChat's authorize
 *        page for the official account, back to U with ?code=&state=
 *   POST /api/v1/wechat/oauth {"code"}        exchanges the code for the
 *        openid at WeChat; a bound openid logs its shopper in (the login
 *        answer, plus "openid"); else {"token": null, "openid",
 *        "openid_ticket"} for the bind after the SMS login
 *   POST /api/v1/wechat/bind {"openid_ticket"} (shopper) binds the openid
 *        of the ticket to the shopper; 204
 *
 * The ticket is the openid and an expiry under an HMAC keyed from
 * jwt_secret: the page cannot bind an openid WeChat did not vouch for. */
#ifndef KANJIA_SHOPPER_WECHAT_ROUTES_H
#define KANJIA_SHOPPER_WECHAT_ROUTES_H

#include <stddef.h>
#include <stdint.h>

#include "http/router.h"

#define WECHAT_OPENID_MAX 64
#define WECHAT_TICKET_TTL_S 1800

extern const struct route_table wechat_login_route_table;

/* The ticket of openid valid until expires_at, into out[out_size]. */
void wechat_ticket_make(const char *secret, const char *openid, int64_t expires_at, char *out, size_t out_size);
/* The openid of a ticket valid at now into openid[WECHAT_OPENID_MAX + 1];
 * -1 when forged, malformed or expired. */
int wechat_ticket_open(const char *secret, const char *ticket, int64_t now, char openid[WECHAT_OPENID_MAX + 1]);

#endif
