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

/* Shortest phone prefix the search accepts. */
#define USERS_PHONE_SEARCH_MIN 3

/* A shopper as the console shows it; with_phone (owners) adds the full
 * number beside the masked one. A new reference. */
json_t *users_json(const struct shopper_summary *shopper, bool with_phone);

/* GET /admin/users: a page newest first (id < before), at most limit;
 * phone_prefix (validated digits, may be NULL) or only_blocked narrows it.
 * *shoppers (OUT, the arena's), *count (OUT). */
int users_page(struct unit *unit, const char *phone_prefix, bool only_blocked, int64_t before, int64_t limit,
	       struct shopper_summary **shoppers, int *count);

/* POST /admin/users/{id}/block and /unblock by actor_id: idempotent; a
 * change is audited (the JSON as the actor sees it: with_phone). Blocking
 * also raises the token version, so the shopper's tokens stay dead after
 * an unblock. Returns DB_OK with *after (OUT), OUT_NOT_FOUND, or a door
 * code. */
int users_set_blocked(struct unit *unit, int64_t actor_id, int64_t id, bool block, bool with_phone,
		      struct shopper_summary *after);

#endif
