/* shopper.h: the shopper's flows (API.md "Shopper login"): send a login
 * code by SMS, log in with it, log out, and the shopper's own profile.
 *
 * Each flow loads its facts through shopper_store.h, decides in pure code
 * (login_decide() below, unit-tested without a database), and writes
 * through the store, inside one db_atomic() on the caller's unit. Flows
 * return DB_OK, a door code or an outcome (core/outcome.h); the route maps
 * it once with http_outcome().
 *
 * Anti-fraud (fraud/fraud_check.h) still works on a request, so the route
 * hands the flow a gate: two calls the flow makes at the very points the
 * checks stood before (the rules first in the transaction, the velocity
 * limits after the flow's own limits), and whose results it returns as
 * they are. */
#ifndef KANJIA_SHOPPER_H
#define KANJIA_SHOPPER_H

#include <stdbool.h>
#include <stdint.h>

struct unit;

/* The anti-fraud gate a route hands to a flow. */
struct shopper_gate {
	/* The rules for phone. Returns DB_OK with *shadow (OUT) set when the
	 * answer must look like success while nothing is written or issued;
	 * anything else ends the flow with that result (a block, already
	 * answered; a door code). Called first in every attempt of the
	 * transaction. */
	int (*check)(void *context, const char *phone, bool *shadow);
	/* The velocity limits for phone: DB_OK, or a result to return. */
	int (*velocity)(void *context, const char *phone);
	void *context;
};

/* ------------------------------------------------------------- SMS send */

/* POST /auth/sms: checks the gate and the send limits, burns the phone's
 * earlier codes, stores a fresh one and sends it with the configured
 * provider. ip is the client's address ("-" when unknown) for the
 * per-address limits. Returns DB_OK (*shadowed, OUT: nothing was sent),
 * OUT_RATE_LIMITED with *retry_after_s (OUT), a gate result or a door
 * code. */
int shopper_sms_send(struct unit *unit, const struct shopper_gate *gate, const char *phone, const char *ip,
		     bool *shadowed, int64_t *retry_after_s);

/* ---------------------------------------------------------------- login */

/* Where a login comes from, for the per-source limits: the client's
 * address, its /24 (IPv6 /64) and its device id. */
enum login_source {
	LOGIN_SOURCE_IP,
	LOGIN_SOURCE_SUBNET,
	LOGIN_SOURCE_DEVICE,
	LOGIN_SOURCES
};

/* The login rules, from the config (NIST SP 800-63B 5.2.2: guessing is
 * limited where it happens, never by a lock a stranger can aim). */
struct login_rules {
	int64_t code_max_tries;        /* wrong tries that kill a code */
	int64_t phone_fail_limit;      /* wrong codes per phone per window: beyond them a code dies at its first wrong try */
	int64_t phone_window_s;
	int64_t source_fail_limit[LOGIN_SOURCES]; /* wrong codes per source per window: beyond them 429 */
	int64_t source_window_s;
};

/* A failure count in a window that began at window_start (found false: no
 * failures). */
struct login_count {
	bool found;
	int64_t window_start;
	int64_t failures;
};

/* What the login knows before it decides: the failures of the phone
 * (login_guard) and of each source (login_source_guard; present false when
 * the request has no such source, e.g. no device id), and the phone's
 * current code. */
struct login_facts {
	int64_t now;
	struct login_count phone;
	struct login_count source[LOGIN_SOURCES];
	bool source_present[LOGIN_SOURCES];
	bool code_found;   /* an unused, unexpired code exists */
	bool code_matches; /* and the one given is it */
};

enum login_verdict {
	LOGIN_LOCKED,     /* refuse: 429, this source guessed too often; nothing counted, the code not looked at */
	LOGIN_WRONG_CODE, /* refuse: 401, the failure counted and kept */
	LOGIN_ACCEPT,     /* spend the code, log in */
};

struct login_decision {
	enum login_verdict verdict;
	int64_t retry_after_s;      /* LOCKED: until the source's window ends */
	/* WRONG_CODE: */
	bool count_code_try;        /* the code's tries + 1 ... */
	int64_t code_max_tries;     /* ... and the try that reaches this kills it */
	bool count_phone;           /* the phone's failure (only tries at a live code count) */
	int64_t phone_window_floor; /* a phone window that began at or before it is over */
	bool count_source[LOGIN_SOURCES];
	int64_t source_window_floor;
	/* ACCEPT: */
	bool clear_guard;           /* forget the phone's failures */
};

/* The login guard's decision: pure. */
struct login_decision login_decide(const struct login_rules *rules, const struct login_facts *facts);

/* A successful login, for the route to issue the token. */
struct login_result {
	bool shadowed; /* the gate said shadow: nothing written, issue a dud */
	int64_t user_id;
	bool created;  /* this login created the shopper */
	int64_t token_version;
};

/* The request's sources: the client address ("-" or NULL when unknown:
 * no address limits) and the device id ("" or NULL: none). */
struct login_origin {
	const char *ip;
	const char *device_id;
};

/* POST /auth/login: the gate, then load (sources, guard, code) ->
 * login_decide() -> write. Returns DB_OK with *result (OUT);
 * OUT_RATE_LIMITED with *retry_after_s (OUT); OUT_INVALID_CODE (the
 * failure committed); OUT_ACCOUNT_BLOCKED; a gate result; or a door code. */
int shopper_login(struct unit *unit, const struct shopper_gate *gate, const char *phone, const char *code,
		  const struct login_origin *origin, struct login_result *result, int64_t *retry_after_s);

/* ------------------------------------------------------- logout and me */

/* POST /auth/logout: revokes token jti until it expires. */
int shopper_logout(struct unit *unit, const char *jti, int64_t expires_at);

struct shopper_profile;

/* GET /me: *profile (OUT). OUT_UNAUTHORIZED when the shopper is gone. */
int shopper_me(struct unit *unit, int64_t user_id, struct shopper_profile *profile);

/* POST /wechat/bind: binds openid to user_id in one transaction, one
 * openid per shopper (a new WeChat account replaces the old one) and one
 * shopper per openid (the last phone to log in with it wins: it proved
 * both). */
int shopper_wechat_bind(struct unit *unit, const char *openid, int64_t user_id);

/* A WeChat login by the openid WeChat vouched for: the shopper bound to it
 * (found false: none yet, the caller hands out a ticket to bind). */
struct shopper_wechat_login {
	bool found;
	int64_t user_id;
	int64_t token_version;
	const char *phone; /* the unit's arena */
};
/* POST /auth/wechat: *login (OUT); a bound shopper's login time noted.
 * OUT_ACCOUNT_BLOCKED for a blocked shopper. */
int shopper_wechat_login(struct unit *unit, const char *openid, struct shopper_wechat_login *login);

#endif
