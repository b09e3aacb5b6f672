/* wechat_store.h: the SQL of wechat_binding (a WeChat openid bound to a
 * shopper's phone account, for WeChat login). */
#ifndef KANJIA_WECHAT_STORE_H
#define KANJIA_WECHAT_STORE_H

#include <stdbool.h>
#include <stdint.h>

struct unit;

struct wechat_bound {
	bool found;
	int64_t user_id;
	const char *phone; /* the unit's arena */
	int64_t token_version;
	bool blocked;
};

/* The shopper openid is bound to, if any (*bound OUT). Returns a door code. */
int wechat_bound_read(struct unit *unit, const char *openid, struct wechat_bound *bound);
/* Binds openid to user_id: one openid per shopper (another of the
 * shopper's is dropped), one shopper per openid (the last to prove both
 * wins). Returns a door code. */
int wechat_bind_write(struct unit *unit, const char *openid, int64_t user_id);

#endif
