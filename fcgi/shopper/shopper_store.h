/* shopper_store.h: the only SQL for the shopper feature's tables: shopper
 * (all but the points columns, which the ledger in reward/ writes),
 * sms_code, sms_outbox, login_guard and revoked_token.
 *
 * Named operations on a unit. Each returns DB_OK or a door code (DB_RETRY
 * inside a transaction); what was found comes back through OUT parameters.
 * The admin console's user list and block/unblock (admin/users.c) use the
 * shopper operations below; nothing else writes these tables. The admin
 * login counts its per-address failures in login_source_guard through
 * login_source_count_failure(). */
#ifndef KANJIA_SHOPPER_STORE_H
#define KANJIA_SHOPPER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/crypto.h"
#include "db/guard_row.h"

struct unit;

/* ------------------------------------------------------------- sms_code */

/* The newest unused, unexpired code of a phone, locked for the login. */
struct sms_code_row {
	bool found;
	int64_t id;
	int64_t tries;
	bool digest_ok; /* the stored digest has CRYPTO_HMAC_SIZE bytes */
	unsigned char digest[CRYPTO_HMAC_SIZE];
};

/* Marks every unused code of phone used at the unit's now: only the newest
 * code is valid. */
int sms_code_burn_all(struct unit *unit, const char *phone);
/* Stores a new code's digest for phone, valid until expires_at. */
int sms_code_add(struct unit *unit, const char *phone, const unsigned char digest[CRYPTO_HMAC_SIZE],
		 int64_t expires_at);
/* Reads (FOR UPDATE) the newest code of phone that is unused and unexpired
 * at the unit's now into *code (OUT; code->found false when none). */
int sms_code_current(struct unit *unit, const char *phone, struct sms_code_row *code);
/* Counts one wrong try on code id; the try that reaches max_tries uses the
 * code up (tries is assigned first, so used_at sees the new count). */
int sms_code_count_wrong(struct unit *unit, int64_t id, int64_t max_tries);
/* Uses code id up if it is still unused; *spent (OUT) says whether it was. */
int sms_code_spend(struct unit *unit, int64_t id, bool *spent);

/* ----------------------------------------------------------- sms_outbox */

/* Queues body for phone in the outbox (the "outbox" SMS provider). */
int sms_outbox_add(struct unit *unit, const char *phone, const char *body);
/* Queues body for phone for the sender process (a real provider):
 * status 'pending', due now. */
int sms_outbox_queue(struct unit *unit, const char *phone, const char *body, const char *provider);

/* A queued message the sender may try now. */
struct sms_outbox_due {
	int64_t id;
	const char *phone;
	const char *body;
	int64_t attempts;
	int64_t created_at;
};

/* Up to limit pending messages due at unit->now, the longest waiting
 * first, into *due (OUT, in the unit's arena) and *count (OUT). */
int sms_outbox_due_list(struct unit *unit, int limit, struct sms_outbox_due **due, int *count);
/* Claims a due message for one attempt: counts the attempt and pushes its
 * due time to lease_until, so no other sender takes it meanwhile (and a
 * sender that dies mid-send leaves it to be tried again then). *claimed
 * (OUT) is false when another sender got it first. */
int sms_outbox_claim(struct unit *unit, const struct sms_outbox_due *message, int64_t lease_until,
		     bool *claimed);
/* Gives up a pending message whose code expired before delivery. */
int sms_outbox_expire(struct unit *unit, int64_t id);
/* Records an attempt's outcome: status 'sent' (at unit->now), 'failed', or
 * 'pending' due again at next_attempt_at; ref and answer are the
 * provider's. */
int sms_outbox_record(struct unit *unit, int64_t id, const char *status, int64_t next_attempt_at, const char *ref,
		      const char *answer);

/* ---------------------------------------------------------- login_guard */

/* Reads (FOR UPDATE) the failure count of phone into *guard (OUT). */
int login_guard_read(struct unit *unit, const char *phone, struct guard_row *guard);
/* Counts one wrong code of phone in one atomic upsert: a new window starts
 * (at the unit's now) when the stored one began at or before window_floor.
 * locked_until is left as it is (no phone is locked since issue 12; the
 * column stays for the schema). */
int login_guard_count_failure(struct unit *unit, const char *phone, int64_t window_floor);
/* Forgets the failures of phone. */
int login_guard_clear(struct unit *unit, const char *phone);

/* --------------------------------------------------- login_source_guard */

/* Longest source key: "login:dev:" and a device id of FRAUD_DEVICE_MAX. */
#define LOGIN_SOURCE_MAX 160

/* Reads the failures of one source ("login:ip:1.2.3.4", "admin:ip:...";
 * the login_guard_row shape) into *guard (OUT), without a lock: the count
 * is a limit, and the failure upsert below is atomic on its own. */
int login_source_read(struct unit *unit, const char *source, struct guard_row *guard);
/* Counts one failure of source in one atomic upsert: a window that began
 * at or before window_floor is over; locked_until (0: none) is stored as
 * given. Shopper and admin logins both count here. */
int login_source_count_failure(struct unit *unit, const char *source, int64_t window_floor, int64_t locked_until);

/* -------------------------------------------------------------- shopper */

/* Creates the shopper of phone at its first login, or records the login
 * time of an existing one. *id (OUT) is the shopper's, *created (OUT) says
 * whether this login created it. */
int shopper_login_upsert(struct unit *unit, const char *phone, int64_t *id, bool *created);

/* What a token needs of a shopper. */
struct shopper_access {
	bool found;
	int64_t token_version;
	bool blocked;
};
int shopper_access_read(struct unit *unit, int64_t id, struct shopper_access *access);

/* GET /me's facts. The arena owns phone. */
struct shopper_profile {
	bool found;
	const char *phone;
	int64_t created_at;
	int64_t points_balance;
	int64_t coupon_count; /* available and unexpired at the unit's now */
	int64_t member_level;          /* the shop's member level reached, 0: none */
	const char *member_level_name; /* NULL: none */
};
int shopper_profile_read(struct unit *unit, int64_t id, struct shopper_profile *profile);

/* A shopper as the admin console lists it (counts over the shopper's
 * bargains, orders and helps, read in the same query). Times are epoch
 * seconds, 0 when not set; the arena owns phone. */
struct shopper_summary {
	int64_t id;
	const char *phone;
	bool blocked;
	int64_t points_balance;
	int64_t created_at;
	int64_t last_login_at;
	int64_t bargains, orders, helps;
};

/* How a phone search matches (admin/users.h decides which one a role gets). */
enum shopper_phone_match {
	SHOPPER_PHONE_PREFIX, /* the phone starts with the digits (owners) */
	SHOPPER_PHONE_EXACT,  /* the whole number */
	SHOPPER_PHONE_LAST4,  /* the last four digits */
};

/* A page of shoppers newest first (id < before), at most limit of them.
 * phone (validated digits, may be NULL) keeps those whose phone matches it
 * as match says; otherwise only_blocked keeps blocked ones. *rows (OUT, the
 * arena's) and *count (OUT). */
int shopper_page(struct unit *unit, const char *phone, enum shopper_phone_match match, bool only_blocked,
		 int64_t before, int64_t limit, struct shopper_summary **rows, int *count);
/* One shopper's summary; *found (OUT). */
int shopper_summary_read(struct unit *unit, int64_t id, struct shopper_summary *summary, bool *found);
/* Sets blocked on shopper id when it differs; a block also raises the
 * token version, so every token issued before it stays dead. *changed
 * (OUT) says whether the row changed. */
int shopper_set_blocked(struct unit *unit, int64_t id, bool blocked, bool *changed);
/* Adds delta (negative: takes) to shopper id's points balance with one
 * conditional update that never lets it go below zero. *moved (OUT) is
 * false when it would have (or there is no such shopper). Only the points
 * ledger (reward/points.c) calls this, in the transaction that records the
 * ledger row. */
int shopper_points_move(struct unit *unit, int64_t id, int64_t delta, bool *moved);
/* Notes a login of shopper id now (last_login_at), for a login that did not
 * go through the SMS code (WeChat). */
int shopper_touch_login(struct unit *unit, int64_t id);

/* -------------------------------------------------------- revoked_token */

/* Revokes token jti until it expires (idempotent). Shopper and admin
 * logouts both call it; session.c reads the table. */
int token_revoke(struct unit *unit, const char *jti, int64_t expires_at);

/* ------------------------------------------------------------ orders */

/* Locks user_id's shopper row (a shopper's orders with coupons go one at a
 * time). Returns DB_OK or a door code. */
int shopper_lock(struct unit *unit, int64_t user_id);
/* Locks user_id's row and reads its points balance into *balance (OUT;
 * *found false for no such shopper): a refund takes back points. Returns
 * DB_OK or a door code. */
int shopper_lock_points(struct unit *unit, int64_t user_id, bool *found, int64_t *balance);

#endif
