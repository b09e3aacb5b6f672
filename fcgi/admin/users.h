/* users.h: the admin console's shoppers (API.md "Admin"): the list with
 * its phone search, block and unblock. The shopper table is the shopper
 * feature's: these flows reach it through shopper_store.h's named
 * operations and audit every change. */
#ifndef KANJIA_ADMIN_USERS_H
#define KANJIA_ADMIN_USERS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct unit;
struct shopper_summary;

/* Shortest phone prefix an owner's search accepts. */
#define USERS_PHONE_SEARCH_MIN 3
/* The only partial number other roles may search by: the last four digits,
 * which the masked numbers they see show anyway. */
#define USERS_PHONE_TAIL 4

/* What a phone search may be, by role (issue 12: no phone oracle). Owners,
 * who see full numbers, search by prefix; other roles by the last four
 * digits or by a whole number only (rate-limited and audited:
 * users_phone_lookup()). */
enum users_phone_search {
	USERS_PHONE_REFUSED, /* 400: not a shape this role may search by */
	USERS_PHONE_PREFIX,
	USERS_PHONE_LAST4,
	USERS_PHONE_FULL,
};

/* The search phone (digits only, not empty) allows for an owner or not.
 * The answer depends on the text and the role only, never on the data.
 * Pure. */
enum users_phone_search users_phone_search_kind(const char *phone, bool owner);

/* A non-owner's lookup of a whole number on list ("users", "orders"):
 * counts it against the admin's hourly and daily lookup limits and writes
 * an audit record (action "phone.lookup", the list and the masked number:
 * the audit log keeps no full number either), committed on its own before
 * the list is read. Returns DB_OK; OUT_RATE_LIMITED with *retry_after_s
 * (OUT), whether or not the number exists; or a door code. */
int users_phone_lookup(struct unit *unit, int64_t admin_id, const char *phone, const char *list,
		       int64_t *retry_after_s);

/* A shopper as the console shows it; with_phone (owners) adds the full
 * number beside the masked one. A new reference. */
json_t *users_json(const struct shopper_summary *shopper, bool with_phone);

/* GET /admin/users: a page newest first (id < before), at most limit;
 * phone (validated digits of the search kind, may be NULL) or only_blocked
 * narrows it. *shoppers (OUT, the arena's), *count (OUT). */
int users_page(struct unit *unit, const char *phone, enum users_phone_search kind, bool only_blocked, int64_t before,
	       int64_t limit, struct shopper_summary **shoppers, int *count);

/* POST /admin/users/{id}/block and /unblock by actor_id: idempotent; a
 * change is audited (the JSON as the actor sees it: with_phone). Blocking
 * also raises the token version, so the shopper's tokens stay dead after
 * an unblock. Returns DB_OK with *after (OUT), OUT_NOT_FOUND, or a door
 * code. */
int users_set_blocked(struct unit *unit, int64_t actor_id, int64_t id, bool block, bool with_phone,
		      struct shopper_summary *after);

#endif
