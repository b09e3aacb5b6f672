/* reward.c: reading a campaign's reward entries, issuing them once per
 * grant, the wallet's and the prize desk's flows (see reward.h). */
#include "reward/reward.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "admin/audit.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/outcome.h"
#include "core/phone.h"
#include "db/db.h"
#include "reward/reward_store.h"

#define DAY_S 86400

void reward_read(const json_t *entry, struct reward *reward)
{
	*reward = (struct reward){ .kind = REWARD_NONE };
	const json_t *coupon = json_object_get(entry, "coupon");
	const char *prize = json_string_value(json_object_get(entry, "prize"));
	if (json_is_object(coupon)) {
		const char *title = json_string_value(json_object_get(coupon, "title"));
		int64_t amount = json_integer_value(json_object_get(coupon, "amount_fen"));
		if (title == NULL || amount <= 0)
			return; /* validated at campaign creation; nothing to give */
		int64_t valid_days = json_integer_value(json_object_get(coupon, "valid_days"));
		*reward = (struct reward){
			.kind = REWARD_COUPON,
			.title = title,
			.amount_fen = amount,
			.min_spend_fen = json_integer_value(json_object_get(coupon, "min_spend_fen")),
			.valid_days = valid_days > 0 ? valid_days : REWARD_VALID_DAYS_DEFAULT,
		};
	} else if (prize != NULL) {
		*reward = (struct reward){ .kind = REWARD_PRIZE, .title = prize };
	}
}

int reward_issue(struct unit *unit, const struct reward_grant *grant, const struct reward *reward,
		 struct coupon *coupon)
{
	int64_t coupon_id = 0, prize_id = 0;
	int status;
	if (coupon != NULL)
		*coupon = (struct coupon){ .id = 0 };
	switch (reward->kind) {
	case REWARD_NONE:
		return DB_OK;
	case REWARD_COUPON: {
		int64_t expires_at = unit->now + reward->valid_days * DAY_S;
		status = coupon_issue(unit, grant->user_id, grant->campaign_id, grant->milestone, reward->title,
				      reward->amount_fen, reward->min_spend_fen, unit->now, expires_at, &coupon_id);
		if (status != DB_OK)
			return status;
		if (coupon != NULL)
			*coupon = (struct coupon){ .id = coupon_id, .title = arena_strdup(unit->arena, reward->title),
						   .amount_fen = reward->amount_fen,
						   .min_spend_fen = reward->min_spend_fen, .starts_at = unit->now,
						   .expires_at = expires_at, .status = "available" };
		break;
	}
	case REWARD_PRIZE:
		status = prize_issue(unit, grant->user_id, grant->campaign_id, grant->bargain_id, reward->title,
				     &prize_id);
		if (status != DB_OK)
			return status;
		break;
	}
	assert(coupon_id != 0 || prize_id != 0);
	return reward_grant_record(unit, grant->bargain_id, grant->campaign_id, grant->user_id, grant->milestone,
				   coupon_id, prize_id, unit->now);
}

/* ================================================================ JSON */

static json_t *time_or_null(int64_t when)
{
	if (when == 0)
		return json_null();
	char text[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(when, text);
	return json_string(text);
}

json_t *coupon_json(const struct coupon *coupon, int64_t now)
{
	const char *shown = coupon->status;
	if (strcmp(shown, "available") == 0 && coupon->expires_at <= now)
		shown = "expired";
	char starts[CLOCK_RFC3339_SIZE], expires[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(coupon->starts_at, starts);
	clock_format_rfc3339(coupon->expires_at, expires);
	json_t *object = json_pack("{s:I, s:s, s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)coupon->id, "title",
				   coupon->title, "amount_fen", (json_int_t)coupon->amount_fen, "min_spend_fen",
				   (json_int_t)coupon->min_spend_fen, "starts_at", starts, "expires_at", expires,
				   "status", shown);
	if (object == NULL)
		abort();
	return object;
}

static json_t *phone_shown(const char *phone, bool full_phone)
{
	if (full_phone)
		return json_string(phone);
	char masked[PHONE_MASKED_SIZE];
	if (!phone_valid(phone))
		return json_string("***");
	phone_mask(phone, masked);
	return json_string(masked);
}

json_t *prize_json(const struct prize *prize, bool full_phone)
{
	json_t *object = json_pack(
		"{s:I, s:I, s:o, s:I, s:s, s:o, s:s, s:s, s:o, s:o, s:o}", "id", (json_int_t)prize->id, "user_id",
		(json_int_t)prize->user_id, "user_phone", phone_shown(prize->user_phone, full_phone), "campaign_id",
		(json_int_t)prize->campaign_id, "campaign_title", prize->campaign_title, "bargain_id",
		prize->bargain_id ? json_integer((json_int_t)prize->bargain_id) : json_null(), "title", prize->title,
		"status", prize->status, "created_at", time_or_null(prize->created_at), "fulfilled_at",
		time_or_null(prize->fulfilled_at), "note", prize->note ? json_string(prize->note) : json_null());
	if (object == NULL)
		abort();
	return object;
}

/* ================================================================ flows */

int reward_coupons_of(struct unit *unit, int64_t user_id, int64_t before, int64_t limit, struct coupon **coupons,
		      int *count)
{
	return coupon_page(unit, user_id, before, limit, coupons, count);
}

int reward_points_of(struct unit *unit, int64_t user_id, int64_t before, int64_t limit, int64_t *balance,
		     struct points_entry **entries, int *count)
{
	int status = points_balance(unit, user_id, balance);
	if (status != DB_OK)
		return status;
	return points_ledger_page(unit, user_id, before, limit, entries, count);
}

int reward_prize_list(struct unit *unit, const char *status, int64_t campaign_id, int64_t before, int64_t limit,
		      struct prize **prizes, int *count)
{
	return prize_page(unit, status, campaign_id, before, limit, prizes, count);
}

struct fulfil {
	int64_t prize_id, admin_id;
	const char *note;
	bool full_phone;
	struct prize *after;
};

static int fulfil_body(struct unit *unit, void *context)
{
	struct fulfil *fulfil = context;
	struct prize before;
	int status = prize_get(unit, fulfil->prize_id, &before);
	if (status != DB_OK)
		return status;
	if ((status = prize_fulfil(unit, fulfil->prize_id, fulfil->admin_id, fulfil->note)) != DB_OK)
		return status;
	if ((status = prize_get(unit, fulfil->prize_id, fulfil->after)) != DB_OK)
		return status;
	json_t *before_json = prize_json(&before, fulfil->full_phone);
	json_t *after_json = prize_json(fulfil->after, fulfil->full_phone);
	status = audit_write(unit, fulfil->admin_id, "prize.fulfil", "prize", fulfil->prize_id, before_json, after_json);
	json_decref(before_json);
	json_decref(after_json);
	return status;
}

int reward_prize_fulfil(struct unit *unit, int64_t prize_id, int64_t admin_id, const char *note, bool full_phone,
			struct prize *after)
{
	struct fulfil fulfil = { .prize_id = prize_id, .admin_id = admin_id, .note = note, .full_phone = full_phone,
				 .after = after };
	return db_atomic(unit, fulfil_body, &fulfil);
}
