/* users.c: the admin console's shoppers (users.h) over shopper_store.h. */
#include "admin/users.h"

#include "admin/audit.h"
#include "core/outcome.h"
#include "core/phone.h"
#include "db/db.h"
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

int users_page(struct unit *unit, const char *phone_prefix, bool only_blocked, int64_t before, int64_t limit,
	       struct shopper_summary **shoppers, int *count)
{
	return shopper_page(unit, phone_prefix, only_blocked, before, limit, shoppers, count);
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
