/* share.h: where share links point, and the WeChat share card.
 *
 * The share-domain pool (API.md, "Share domains"): new links, and every
 * share_url in an answer, use the current domain, the oldest active and
 * unblocked one, with the scheme of public_base_url; with no such domain,
 * public_base_url itself. A visitor on a blocked domain is moved by the
 * page to the current one (share_routes.c tells it where).
 *
 * The WeChat JS-SDK: wx.config needs a signature of the page's URL made
 * with the official account's jsapi_ticket:
 *   signature = hex(SHA-1("jsapi_ticket=T&noncestr=N&timestamp=S&url=U"))
 * (the fields sorted by name, U without its #fragment). The ticket comes
 * from WeChat's API (access_token, then getticket), is cached in the
 * database for every worker and in the process, and is fetched again a
 * margin before it expires. */
#ifndef KANJIA_SHARE_H
#define KANJIA_SHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define SHARE_HOST_MAX 253
#define SHARE_BASE_MAX 300
#define SHARE_TICKET_MAX 512
#define SHARE_JSSDK_URL_MAX 1024

struct unit;

/* True for a host name, optionally with :port: lower-case letters, digits,
 * '-' and '.', labels of 1 to 63 characters, at least one dot (or
 * "localhost"). */
bool share_host_shape(const char *host);
/* The base of share links now ("https://s1.example.cn", no trailing
 * slash) into base[SHARE_BASE_MAX]. Cached in the process for a second,
 * so a domain blocked in the console moves new links within a second. */
void share_link_base(struct unit *unit, char base[SHARE_BASE_MAX]);
/* The base for a given host, with the scheme of public_base_url. */
void share_base_for(const char *public_base_url, const char *host, char base[SHARE_BASE_MAX]);

/* ------------------------------------------------ the pool (console) */

struct share_domain;
struct config;

/* A domain as the console shows it, a new reference: {"id", "host",
 * "active", "blocked", "blocked_at", "current", "base_url", "created_at",
 * "updated_at"}; current is the host links use now ("" for none). */
json_t *share_domain_json(const struct config *config, const struct share_domain *domain, const char *current);

/* One console change of the pool, audited in the same transaction. */
struct share_domain_change {
	int64_t admin_id;
	int64_t id;         /* the domain (a create sets it) */
	const char *host;   /* NULL: keep */
	int active;         /* 0, 1, or -1: keep (a create: -1 means active) */
	int blocked;        /* 0, 1, or -1: keep (not for a create) */
	json_t *after;      /* OUT: the domain as stored, a new reference */
};

/* Adds change->host to the pool. Returns DB_OK, OUT_CONFLICT when the host
 * is in the pool already, or a door code. */
int share_domain_add(struct unit *unit, struct share_domain_change *change);
/* Changes domain change->id. Returns DB_OK, OUT_NOT_FOUND, OUT_CONFLICT
 * when the new host is another domain's, or a door code. */
int share_domain_update(struct unit *unit, struct share_domain_change *change);

/* The JS-SDK signature (lower-case hex SHA-1) of url under ticket. */
void share_jssdk_signature(const char *ticket, const char *noncestr, int64_t timestamp, const char *url,
			   char signature[41]);
/* The current jsapi_ticket into ticket[SHARE_TICKET_MAX]: from the process
 * cache, the database, or WeChat's API. Returns 0, or -1 (WeChat did not
 * give one; logged without secrets). */
int share_jsapi_ticket(struct unit *unit, char ticket[SHARE_TICKET_MAX]);

#endif
