/* share_store.h: the only SQL for share_domain and wechat_credential.
 * Works on a unit; returns the door's codes (db.h). */
#ifndef KANJIA_SHARE_STORE_H
#define KANJIA_SHARE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define SHARE_DOMAINS_MAX 200

struct share_domain {
	int64_t id;
	const char *host; /* the unit's arena */
	bool active, blocked;
	int64_t blocked_at; /* 0: never */
	int64_t created_at, updated_at;
};

/* Every domain, by id, at most SHARE_DOMAINS_MAX. */
int share_store_list(struct unit *unit, struct share_domain *domains, int *count);
/* One domain by id (*found false when none) or by host. */
int share_store_get(struct unit *unit, int64_t id, struct share_domain *domain, bool *found);
int share_store_by_host(struct unit *unit, const char *host, struct share_domain *domain, bool *found);
/* The host new links use (the oldest active unblocked one) into
 * host[size]; "" when there is none. */
int share_store_current(struct unit *unit, char *host, size_t size);
/* A new domain; its id into *id. DB_DUPLICATE when the host is taken. */
int share_store_insert(struct unit *unit, const char *host, bool active, int64_t *id);
/* Sets host, active and blocked of id (blocked_at follows blocked). */
int share_store_update(struct unit *unit, int64_t id, const char *host, bool active, bool blocked);

/* A cached WeChat credential: value into value[size] and its expiry into
 * *expires_at (0 when none). */
int share_store_credential(struct unit *unit, const char *name, char *value, size_t size, int64_t *expires_at);
int share_store_credential_put(struct unit *unit, const char *name, const char *value, int64_t expires_at);
/* A named lock (GET_LOCK) so one worker refreshes; *held says if we got it. */
int share_store_lock(struct unit *unit, bool *held);
int share_store_unlock(struct unit *unit);

#endif
