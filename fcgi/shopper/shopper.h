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

/* The login rules, from the config. */
struct login_rules {
	int64_t fail_limit;    /* failures that lock the phone */
	int64_t fail_window_s; /* the window they are counted in */
	int64_t lock_s;        /* how long the lock lasts */
};

/* What the login knows before it decides: the phone's failure count and
 * lock (login_guard), and the phone's current code. Issue 12 adds facts
 * per code and per source here; the decision stays one function. */
struct login_facts {
	int64_t now;
	bool guard_found;
	int64_t guard_failures;
	int64_t guard_window_start;
	int64_t guard_locked_until;
	bool code_found;   /* an unused, unexpired code exists */
	bool code_matches; /* and the one given is it */
};

enum login_verdict {
	LOGIN_LOCKED,     /* refuse: 429, nothing counted */
	LOGIN_WRONG_CODE, /* refuse: 401, the failure counted and kept */
	LOGIN_ACCEPT,     /* spend the code, log in */
};

struct login_decision {
	enum login_verdict verdict;
	int64_t retry_after_s;   /* LOCKED: until the lock ends */
	bool count_code_try;     /* WRONG_CODE: the code's tries + 1 */
	/* WRONG_CODE: the phone's failure, counted by the store's upsert */
	int64_t fail_window_floor; /* a window that began at or before it is over */
	int64_t fail_limit;
	int64_t lock_until;        /* set by the failure that reaches the limit */
	int64_t first_lock;        /* a first failure's lock: lock_until when one failure is the limit */
	bool clear_guard;        /* ACCEPT: forget the phone's failures */
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

/* POST /auth/login: the gate, then load (guard, code) -> login_decide() ->
 * write. Returns DB_OK with *result (OUT); OUT_RATE_LIMITED with
 * *retry_after_s (OUT); OUT_INVALID_CODE (the failure committed);
 * OUT_ACCOUNT_BLOCKED; a gate result; or a door code. */
int shopper_login(struct unit *unit, const struct shopper_gate *gate, const char *phone, const char *code,
		  struct login_result *result, int64_t *retry_after_s);

/* ------------------------------------------------------- logout and me */

/* POST /auth/logout: revokes token jti until it expires. */
int shopper_logout(struct unit *unit, const char *jti, int64_t expires_at);

struct shopper_profile;

/* GET /me: *profile (OUT). OUT_UNAUTHORIZED when the shopper is gone. */
int shopper_me(struct unit *unit, int64_t user_id, struct shopper_profile *profile);

#endif
