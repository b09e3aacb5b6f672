/* users.c: the admin console's shoppers (users.h) over shopper_store.h. */
#include "admin/users.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "admin/audit.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/outcome.h"
#include "core/phone.h"
#include "db/db.h"
#include "fraud/limit.h"
#include "http/http.h"
#include "shopper/shopper_store.h"

json_t *users_json(const struct shopper_summary *shopper, bool with_phone)
{
	char masked[PHONE_MASKED_SIZE];
	phone_mask(shopper->phone, masked);
	json_t *user = json_pack("{s:I, s:s, s:b, s:I, s:o, s:o, s:I, s:I, s:I}", "id", (json_int_t)shopper->id,
				 "phone_masked", masked, "blocked", shopper->blocked, "points_balance",
				 (json_int_t)shopper->points_balance, "created_at", http_time_or_null(shopper->created_at),
				 "last_login_at", http_time_or_null(shopper->last_login_at), "bargains",
				 (json_int_t)shopper->bargains, "orders", (json_int_t)shopper->orders, "helps",
				 (json_int_t)shopper->helps);
	if (with_phone)
		json_object_set_new(user, "phone", json_string(shopper->phone));
	return user;
}

enum users_phone_search users_phone_search_kind(const char *phone, bool owner)
{
	size_t length = strlen(phone);
	if (length == 0 || strspn(phone, "0123456789") != length)
		return USERS_PHONE_REFUSED;
	if (owner)
		return length >= USERS_PHONE_SEARCH_MIN && length <= PHONE_DIGITS ? USERS_PHONE_PREFIX
										  : USERS_PHONE_REFUSED;
	if (length == USERS_PHONE_TAIL)
		return USERS_PHONE_LAST4;
	return phone_valid(phone) ? USERS_PHONE_FULL : USERS_PHONE_REFUSED;
}

int users_page(struct unit *unit, const char *phone, enum users_phone_search kind, bool only_blocked, int64_t before,
	       int64_t limit, struct shopper_summary **shoppers, int *count)
{
	assert(phone == NULL || kind != USERS_PHONE_REFUSED);
	enum shopper_phone_match match = kind == USERS_PHONE_FULL    ? SHOPPER_PHONE_EXACT
					 : kind == USERS_PHONE_LAST4 ? SHOPPER_PHONE_LAST4
								     : SHOPPER_PHONE_PREFIX;
	return shopper_page(unit, phone, match, only_blocked, before, limit, shoppers, count);
}

struct lookup_run {
	int64_t admin_id;
	const char *phone, *list;
	int64_t retry_after_s;
};

static int lookup_body(struct unit *unit, void *context)
{
	struct lookup_run *run = context;
	const struct config *config = unit->config;
	char bucket[LIMIT_BUCKET_MAX];
	snprintf(bucket, sizeof(bucket), "admin:phone:hour:%lld", (long long)run->admin_id);
	int result = limit_take(unit, bucket, limit_window_start(unit->now, 3600), 3600,
				config->admin_phone_lookup_per_hour, &run->retry_after_s);
	if (result != DB_OK)
		return result;
	int64_t day = clock_day_start(unit->now);
	snprintf(bucket, sizeof(bucket), "admin:phone:day:%lld", (long long)run->admin_id);
	result = limit_take(unit, bucket, day, clock_day_start(day + 86400 + 7200) - day,
			    config->admin_phone_lookup_per_day, &run->retry_after_s);
	if (result != DB_OK)
		return result;
	char masked[PHONE_MASKED_SIZE];
	phone_mask(run->phone, masked);
	json_t *after = json_pack("{s:s, s:s}", "list", run->list, "phone_masked", masked);
	result = audit_write(unit, run->admin_id, "phone.lookup", "shopper", 0, NULL, after);
	json_decref(after);
	return result;
}

int users_phone_lookup(struct unit *unit, int64_t admin_id, const char *phone, const char *list,
		       int64_t *retry_after_s)
{
	struct lookup_run run = { .admin_id = admin_id, .phone = phone, .list = list };
	int result = db_atomic(unit, lookup_body, &run);
	*retry_after_s = run.retry_after_s;
	return result;
}

struct block_run {
	int64_t actor_id, id;
	bool block, with_phone;
	struct shopper_summary after;
};

static int block_body(struct unit *unit, void *context)
{
	struct block_run *run = context;
	struct shopper_summary before;
	bool found, changed;
	int result = shopper_summary_read(unit, run->id, &before, &found);
	if (result != DB_OK)
		return result;
	if (!found)
		return OUT_NOT_FOUND;
	if ((result = shopper_set_blocked(unit, run->id, run->block, &changed)) != DB_OK ||
	    (result = shopper_summary_read(unit, run->id, &run->after, &found)) != DB_OK || !changed)
		return result;
	json_t *before_json = users_json(&before, run->with_phone);
	json_t *after_json = users_json(&run->after, run->with_phone);
	result = audit_write(unit, run->actor_id, run->block ? "user.block" : "user.unblock", "shopper", run->id,
			     before_json, after_json);
	json_decref(before_json);
	json_decref(after_json);
	return result;
}

int users_set_blocked(struct unit *unit, int64_t actor_id, int64_t id, bool block, bool with_phone,
		      struct shopper_summary *after)
{
	struct block_run run = { .actor_id = actor_id, .id = id, .block = block, .with_phone = with_phone };
	int result = db_atomic(unit, block_body, &run);
	*after = run.after;
	return result;
}
