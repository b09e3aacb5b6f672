/* engagement.c: the engagement flows and their pure rules (see
 * engagement.h): settings, check-in, the new-user pack, invitations, item
 * share links and the points exchange. */
#include "engagement/engagement.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin/audit.h"
#include "checkout/coupon_template.h" /* issue 14: offers of a coupon template */
#include "core/arena.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/outcome.h"
#include "db/db.h"
#include "engagement/engagement_store.h"
#include "fraud/fraud.h"
#include "reward/points.h"
#include "reward/red_packet_store.h"
#include "reward/reward.h"

#define DAY_S 86400
#define STOCK_MAX 1000000
#define PER_USER_MAX 1000
#define COUPON_DAYS_MAX 365
#define COUPON_FEN_MAX 100000000
#define CODE_TRIES 5
#define INVITE_CODE_LENGTH 8
#define SHARE_CODE_LENGTH 10
#define RED_PACKET_SWEEP_BATCH 500

/* ============================================================ settings */

void engagement_settings_default(struct engagement_settings *settings)
{
	static const int64_t points[] = { 5, 5, 10, 10, 15, 15, 30 };
	*settings = (struct engagement_settings){
		.pack_red_packet_days = 7,
		.checkin_point_count = (int)(sizeof(points) / sizeof(points[0])),
		.streak_bonus_count = 1,
		.invite_every = 3,
		.invite_reward = { .kind = ENGAGEMENT_REWARD_POINTS, .points = 100 },
	};
	memcpy(settings->checkin_points, points, sizeof(points));
	settings->streak_bonus[0].days = 7;
	settings->streak_bonus[0].points = 100;
}

/* An integer key of object within [min, max]: 0 when absent (*value kept),
 * 1 when read, -1 when refused. */
static int read_int(const json_t *object, const char *key, int64_t min, int64_t max, int64_t *value)
{
	const json_t *item = json_object_get(object, key);
	if (item == NULL)
		return 0;
	if (!json_is_integer(item) || json_integer_value(item) < min || json_integer_value(item) > max)
		return -1;
	*value = json_integer_value(item);
	return 1;
}

static int refuse(char field[ENGAGEMENT_FIELD_SIZE], const char *format, ...) __attribute__((format(printf, 2, 3)));
static int refuse(char field[ENGAGEMENT_FIELD_SIZE], const char *format, ...)
{
	va_list args;
	va_start(args, format);
	vsnprintf(field, ENGAGEMENT_FIELD_SIZE, format, args);
	va_end(args);
	return -1;
}

/* Only the keys listed (NULL-terminated) may appear in object. */
static const char *unknown_key(const json_t *object, const char *const *keys)
{
	const char *key;
	const json_t *value;
	json_object_foreach((json_t *)object, key, value) {
		bool known = false;
		for (int i = 0; keys[i] != NULL; i++)
			known = known || strcmp(keys[i], key) == 0;
		if (!known)
			return key;
	}
	return NULL;
}

static bool text_ok(const char *text, size_t max)
{
	size_t length = text ? strlen(text) : 0;
	return length > 0 && length <= max;
}

/* {"title", "amount_fen", "min_spend_fen"?, "valid_days"?} */
static int read_coupon(const json_t *json, struct engagement_coupon *coupon, const char *where,
		       char field[ENGAGEMENT_FIELD_SIZE])
{
	static const char *const keys[] = { "title", "amount_fen", "min_spend_fen", "valid_days", NULL };
	if (!json_is_object(json) || unknown_key(json, keys) != NULL)
		return refuse(field, "%s", where);
	const char *title = json_string_value(json_object_get(json, "title"));
	if (!text_ok(title, ENGAGEMENT_TITLE_MAX))
		return refuse(field, "%s.title", where);
	*coupon = (struct engagement_coupon){ .valid_days = 30 };
	snprintf(coupon->title, sizeof(coupon->title), "%s", title);
	if (read_int(json, "amount_fen", 1, COUPON_FEN_MAX, &coupon->amount_fen) != 1)
		return refuse(field, "%s.amount_fen", where);
	if (read_int(json, "min_spend_fen", 0, COUPON_FEN_MAX, &coupon->min_spend_fen) < 0)
		return refuse(field, "%s.min_spend_fen", where);
	if (read_int(json, "valid_days", 1, COUPON_DAYS_MAX, &coupon->valid_days) < 0)
		return refuse(field, "%s.valid_days", where);
	return 0;
}

/* A reward: points, a coupon of its own, a coupon template's coupon
 * (issue 14: coupon_template.h issues it) or a prize. */
static int read_reward(const json_t *json, struct engagement_reward *reward, const char *where,
		       char field[ENGAGEMENT_FIELD_SIZE])
{
	static const char *const keys[] = { "points", "coupon", "prize", "coupon_promotion_id", NULL };
	if (!json_is_object(json) || json_object_size(json) != 1 || unknown_key(json, keys) != NULL)
		return refuse(field, "%s", where);
	*reward = (struct engagement_reward){ .kind = ENGAGEMENT_REWARD_NONE };
	if (json_object_get(json, "points") != NULL) {
		if (read_int(json, "points", 1, ENGAGEMENT_POINTS_MAX, &reward->points) != 1)
			return refuse(field, "%s.points", where);
		reward->kind = ENGAGEMENT_REWARD_POINTS;
	} else if (json_object_get(json, "coupon") != NULL) {
		char inner[ENGAGEMENT_FIELD_SIZE];
		snprintf(inner, sizeof(inner), "%s.coupon", where);
		if (read_coupon(json_object_get(json, "coupon"), &reward->coupon, inner, field) != 0)
			return -1;
		reward->kind = ENGAGEMENT_REWARD_COUPON;
	} else if (json_object_get(json, "prize") != NULL) {
		const char *prize = json_string_value(json_object_get(json, "prize"));
		if (!text_ok(prize, ENGAGEMENT_PRIZE_MAX))
			return refuse(field, "%s.prize", where);
		snprintf(reward->prize, sizeof(reward->prize), "%s", prize);
		reward->kind = ENGAGEMENT_REWARD_PRIZE;
	} else {
		if (read_int(json, "coupon_promotion_id", 1, INT64_MAX, &reward->coupon_promotion_id) != 1)
			return refuse(field, "%s.coupon_promotion_id", where);
		reward->kind = ENGAGEMENT_REWARD_TEMPLATE;
	}
	return 0;
}

static int read_pack(const json_t *json, struct engagement_settings *s, char field[ENGAGEMENT_FIELD_SIZE])
{
	static const char *const keys[] = { "coupon_promotion_ids", "coupons", "points", "red_packet_fen",
					    "red_packet_days", NULL };
	if (!json_is_object(json))
		return refuse(field, "new_user_pack");
	const char *unknown = unknown_key(json, keys);
	if (unknown != NULL)
		return refuse(field, "new_user_pack.%s", unknown);
	const json_t *ids = json_object_get(json, "coupon_promotion_ids");
	if (ids != NULL) {
		if (!json_is_array(ids) || json_array_size(ids) > ENGAGEMENT_PACK_COUPONS_MAX)
			return refuse(field, "new_user_pack.coupon_promotion_ids");
		s->pack_template_count = 0;
		for (size_t i = 0; i < json_array_size(ids); i++) {
			const json_t *id = json_array_get(ids, i);
			if (!json_is_integer(id) || json_integer_value(id) < 1)
				return refuse(field, "new_user_pack.coupon_promotion_ids");
			s->pack_templates[s->pack_template_count++] = json_integer_value(id);
		}
	}
	const json_t *coupons = json_object_get(json, "coupons");
	if (coupons != NULL) {
		if (!json_is_array(coupons) || json_array_size(coupons) > ENGAGEMENT_PACK_COUPONS_MAX)
			return refuse(field, "new_user_pack.coupons");
		s->pack_coupon_count = 0;
		for (size_t i = 0; i < json_array_size(coupons); i++) {
			char where[ENGAGEMENT_FIELD_SIZE];
			snprintf(where, sizeof(where), "new_user_pack.coupons[%zu]", i);
			if (read_coupon(json_array_get(coupons, i), &s->pack_coupons[i], where, field) != 0)
				return -1;
			s->pack_coupon_count++;
		}
	}
	if (read_int(json, "points", 0, ENGAGEMENT_POINTS_MAX, &s->pack_points) < 0)
		return refuse(field, "new_user_pack.points");
	if (read_int(json, "red_packet_fen", 0, RED_PACKET_FEN_MAX, &s->pack_red_packet_fen) < 0)
		return refuse(field, "new_user_pack.red_packet_fen");
	if (read_int(json, "red_packet_days", 1, RED_PACKET_DAYS_MAX, &s->pack_red_packet_days) < 0)
		return refuse(field, "new_user_pack.red_packet_days");
	return 0;
}

static int read_checkin(const json_t *json, struct engagement_settings *s, char field[ENGAGEMENT_FIELD_SIZE])
{
	static const char *const keys[] = { "points", "streak_bonus", NULL };
	if (!json_is_object(json))
		return refuse(field, "checkin");
	const char *unknown = unknown_key(json, keys);
	if (unknown != NULL)
		return refuse(field, "checkin.%s", unknown);
	const json_t *points = json_object_get(json, "points");
	if (points != NULL) {
		size_t n = json_is_array(points) ? json_array_size(points) : 0;
		if (n < 1 || n > ENGAGEMENT_CHECKIN_DAYS_MAX)
			return refuse(field, "checkin.points");
		for (size_t i = 0; i < n; i++) {
			const json_t *day = json_array_get(points, i);
			if (!json_is_integer(day) || json_integer_value(day) < 0 ||
			    json_integer_value(day) > ENGAGEMENT_POINTS_MAX)
				return refuse(field, "checkin.points[%zu]", i);
			s->checkin_points[i] = json_integer_value(day);
		}
		s->checkin_point_count = (int)n;
	}
	const json_t *bonus = json_object_get(json, "streak_bonus");
	if (bonus != NULL) {
		if (!json_is_array(bonus) || json_array_size(bonus) > ENGAGEMENT_STREAK_BONUS_MAX)
			return refuse(field, "checkin.streak_bonus");
		static const char *const bonus_keys[] = { "days", "points", NULL };
		for (size_t i = 0; i < json_array_size(bonus); i++) {
			const json_t *entry = json_array_get(bonus, i);
			if (!json_is_object(entry) || unknown_key(entry, bonus_keys) != NULL)
				return refuse(field, "checkin.streak_bonus[%zu]", i);
			if (read_int(entry, "days", 1, 366, &s->streak_bonus[i].days) != 1)
				return refuse(field, "checkin.streak_bonus[%zu].days", i);
			if (read_int(entry, "points", 1, ENGAGEMENT_POINTS_MAX, &s->streak_bonus[i].points) != 1)
				return refuse(field, "checkin.streak_bonus[%zu].points", i);
		}
		s->streak_bonus_count = (int)json_array_size(bonus);
	}
	return 0;
}

static int read_invite(const json_t *json, struct engagement_settings *s, char field[ENGAGEMENT_FIELD_SIZE])
{
	static const char *const keys[] = { "qualify", "every", "reward", NULL };
	if (!json_is_object(json))
		return refuse(field, "invite");
	const char *unknown = unknown_key(json, keys);
	if (unknown != NULL)
		return refuse(field, "invite.%s", unknown);
	const json_t *qualify = json_object_get(json, "qualify");
	if (qualify != NULL && (!json_is_string(qualify) || strcmp(json_string_value(qualify), "first_paid_order") != 0))
		return refuse(field, "invite.qualify");
	if (read_int(json, "every", 1, ENGAGEMENT_INVITE_EVERY_MAX, &s->invite_every) < 0)
		return refuse(field, "invite.every");
	const json_t *reward = json_object_get(json, "reward");
	if (reward != NULL && read_reward(reward, &s->invite_reward, "invite.reward", field) != 0)
		return -1;
	return 0;
}

int engagement_settings_read(const json_t *json, const struct engagement_settings *base,
			     struct engagement_settings *settings, char field[ENGAGEMENT_FIELD_SIZE])
{
	static const char *const keys[] = { "new_user_pack", "checkin", "invite", NULL };
	*settings = *base;
	field[0] = '\0';
	if (!json_is_object(json))
		return refuse(field, "body");
	const char *unknown = unknown_key(json, keys);
	if (unknown != NULL)
		return refuse(field, "%s", unknown);
	const json_t *part;
	if ((part = json_object_get(json, "new_user_pack")) != NULL && read_pack(part, settings, field) != 0)
		return -1;
	if ((part = json_object_get(json, "checkin")) != NULL && read_checkin(part, settings, field) != 0)
		return -1;
	if ((part = json_object_get(json, "invite")) != NULL && read_invite(part, settings, field) != 0)
		return -1;
	return 0;
}

static json_t *coupon_config_json(const struct engagement_coupon *coupon)
{
	return json_pack("{s:s, s:I, s:I, s:I}", "title", coupon->title, "amount_fen", (json_int_t)coupon->amount_fen,
			 "min_spend_fen", (json_int_t)coupon->min_spend_fen, "valid_days",
			 (json_int_t)coupon->valid_days);
}

static json_t *reward_config_json(const struct engagement_reward *reward)
{
	switch (reward->kind) {
	case ENGAGEMENT_REWARD_POINTS:
		return json_pack("{s:I}", "points", (json_int_t)reward->points);
	case ENGAGEMENT_REWARD_COUPON:
		return json_pack("{s:o}", "coupon", coupon_config_json(&reward->coupon));
	case ENGAGEMENT_REWARD_TEMPLATE:
		return json_pack("{s:I}", "coupon_promotion_id", (json_int_t)reward->coupon_promotion_id);
	case ENGAGEMENT_REWARD_PRIZE:
		return json_pack("{s:s}", "prize", reward->prize);
	case ENGAGEMENT_REWARD_NONE:
		break;
	}
	return json_object();
}

json_t *engagement_settings_json(const struct engagement_settings *s)
{
	json_t *coupons = json_array(), *templates = json_array();
	for (int i = 0; i < s->pack_coupon_count; i++)
		json_array_append_new(coupons, coupon_config_json(&s->pack_coupons[i]));
	for (int i = 0; i < s->pack_template_count; i++)
		json_array_append_new(templates, json_integer((json_int_t)s->pack_templates[i]));
	json_t *points = json_array();
	for (int i = 0; i < s->checkin_point_count; i++)
		json_array_append_new(points, json_integer((json_int_t)s->checkin_points[i]));
	json_t *bonus = json_array();
	for (int i = 0; i < s->streak_bonus_count; i++)
		json_array_append_new(bonus, json_pack("{s:I, s:I}", "days", (json_int_t)s->streak_bonus[i].days,
						       "points", (json_int_t)s->streak_bonus[i].points));
	json_t *object = json_pack(
		"{s:{s:o, s:o, s:I, s:I, s:I}, s:{s:o, s:o}, s:{s:s, s:I, s:o}}", "new_user_pack",
		"coupon_promotion_ids", templates, "coupons", coupons, "points", (json_int_t)s->pack_points, "red_packet_fen",
		(json_int_t)s->pack_red_packet_fen, "red_packet_days", (json_int_t)s->pack_red_packet_days, "checkin",
		"points", points, "streak_bonus", bonus, "invite", "qualify", "first_paid_order", "every",
		(json_int_t)s->invite_every, "reward", reward_config_json(&s->invite_reward));
	if (object == NULL)
		abort();
	return object;
}

int engagement_settings_get(struct unit *unit, struct engagement_settings *settings)
{
	engagement_settings_default(settings);
	const char *text;
	int status = engagement_setting_read(unit, &text);
	if (status != DB_OK || text == NULL)
		return status;
	json_error_t error;
	json_t *json = json_loads(text, 0, &error);
	char field[ENGAGEMENT_FIELD_SIZE];
	struct engagement_settings base = *settings;
	int read = engagement_settings_read(json, &base, settings, field);
	json_decref(json);
	if (read != 0) {
		log_error("engagement: stored settings refused at %s", field);
		return DB_FAILED;
	}
	return DB_OK;
}

struct settings_put {
	int64_t admin_id;
	const json_t *body;
	struct engagement_settings *settings;
	char *field;
};

static int settings_put_body(struct unit *unit, void *context)
{
	struct settings_put *put = context;
	struct engagement_settings before;
	int status = engagement_settings_get(unit, &before);
	if (status != DB_OK)
		return status;
	if (engagement_settings_read(put->body, &before, put->settings, put->field) != 0)
		return OUT_UNPROCESSABLE_FIELD;
	json_t *before_json = engagement_settings_json(&before);
	json_t *after_json = engagement_settings_json(put->settings);
	char *text = json_dumps(after_json, JSON_COMPACT | JSON_SORT_KEYS);
	status = engagement_setting_write(unit, text, put->admin_id);
	free(text);
	if (status == DB_OK)
		status = audit_write(unit, put->admin_id, "engagement.update", "engagement", 1, before_json, after_json);
	json_decref(before_json);
	json_decref(after_json);
	return status;
}

int engagement_settings_put(struct unit *unit, int64_t admin_id, const json_t *body,
			    struct engagement_settings *settings, char field[ENGAGEMENT_FIELD_SIZE])
{
	struct settings_put put = { admin_id, body, settings, field };
	field[0] = '\0';
	return db_atomic(unit, settings_put_body, &put);
}

/* ============================================================ check-in */

int64_t engagement_shop_day(int64_t when)
{
	int64_t local = when + ENGAGEMENT_SHOP_UTC_OFFSET_S;
	return local >= 0 ? local / DAY_S : -((-local + DAY_S - 1) / DAY_S);
}

void engagement_day_text(int64_t day, char out[11])
{
	time_t at = (time_t)(day * DAY_S);
	struct tm tm;
	gmtime_r(&at, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

struct checkin_decision checkin_decide(const struct engagement_settings *settings, const struct checkin_facts *facts)
{
	struct checkin_decision decision = { .already = false };
	if (facts->has_last && facts->last_day >= facts->today) {
		decision.already = true;
		return decision;
	}
	decision.streak = facts->has_last && facts->last_day == facts->today - 1 ? facts->last_streak + 1 : 1;
	int count = settings->checkin_point_count;
	if (count > 0) {
		int64_t index = decision.streak < count ? decision.streak - 1 : count - 1;
		decision.points = settings->checkin_points[index];
	}
	for (int i = 0; i < settings->streak_bonus_count; i++)
		if (settings->streak_bonus[i].days == decision.streak)
			decision.bonus_points += settings->streak_bonus[i].points;
	return decision;
}

int64_t checkin_streak_now(const struct checkin_facts *facts)
{
	if (!facts->has_last || facts->last_day < facts->today - 1)
		return 0;
	return facts->last_streak;
}

struct checkin_run {
	const struct fraud_client *client;
	int64_t user_id;
	struct checkin_result *result;
};

static int checkin_body(struct unit *unit, void *context)
{
	struct checkin_run *run = context;
	struct fraud_subject subject = { .user_id = run->user_id };
	struct fraud_outcome outcome;
	int status = fraud_check_unit(unit, run->client, FRAUD_SCOPE_CHECKIN, &subject, &outcome);
	if (status != DB_OK ||
	    (status = fraud_velocity_unit(unit, run->client, FRAUD_SCOPE_CHECKIN, NULL, &run->result->retry_after_s)) !=
		    DB_OK)
		return status;
	struct engagement_settings settings;
	if ((status = engagement_settings_get(unit, &settings)) != DB_OK)
		return status;
	struct checkin_facts facts = { .today = engagement_shop_day(unit->now) };
	if ((status = checkin_last(unit, run->user_id, &facts.has_last, &facts.last_day, &facts.last_streak)) != DB_OK)
		return status;
	struct checkin_decision decision = checkin_decide(&settings, &facts);
	if (decision.already)
		return OUT_ALREADY_CHECKED_IN;
	engagement_day_text(facts.today, run->result->date);
	run->result->streak = decision.streak;
	run->result->points = decision.points;
	run->result->bonus_points = decision.bonus_points;
	if (outcome.action == FRAUD_SHADOW)
		return DB_OK; /* anti-fraud: answered like a check-in, nothing given */
	status = checkin_insert(unit, run->user_id, run->result->date, decision.streak, decision.points,
				decision.bonus_points);
	if (status == DB_DUPLICATE)
		return OUT_ALREADY_CHECKED_IN; /* a check-in at the same moment won */
	if (status != DB_OK)
		return status;
	if (decision.points > 0 && (status = points_apply(unit, run->user_id, decision.points, "checkin", 0)) != DB_OK)
		return status;
	if (decision.bonus_points > 0 &&
	    (status = points_apply(unit, run->user_id, decision.bonus_points, "checkin_bonus", 0)) != DB_OK)
		return status;
	return DB_OK;
}

int engagement_checkin(struct unit *unit, const struct fraud_client *client, int64_t user_id,
		       struct checkin_result *result)
{
	struct checkin_run run = { client, user_id, result };
	memset(result, 0, sizeof(*result));
	return db_atomic(unit, checkin_body, &run);
}

int engagement_checkin_month(struct unit *unit, int64_t user_id, struct checkin_month *month)
{
	struct checkin_facts facts = { .today = engagement_shop_day(unit->now) };
	int status = checkin_last(unit, user_id, &facts.has_last, &facts.last_day, &facts.last_streak);
	if (status != DB_OK)
		return status;
	month->streak = checkin_streak_now(&facts);
	char today[11], first[11];
	engagement_day_text(facts.today, today);
	memcpy(first, today, sizeof(first));
	memcpy(first + 8, "01", 2);
	return checkin_days(unit, user_id, first, today, &month->days, &month->count);
}

/* ================================================== codes (invite, share) */

static void random_code(char *out, int length)
{
	static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz";
	for (int i = 0; i < length; i++)
		out[i] = alphabet[crypto_random_below(sizeof(alphabet) - 1)];
	out[length] = '\0';
}

/* ======================================================== new-user pack */

static int pack_give(struct unit *unit, const struct engagement_settings *s, int64_t user_id)
{
	bool anything = s->pack_coupon_count > 0 || s->pack_template_count > 0 || s->pack_points > 0 ||
			s->pack_red_packet_fen > 0;
	if (!anything)
		return DB_OK;
	char *milestone = arena_printf(unit->arena, "pack:%lld", (long long)user_id);
	int status = reward_grant_record(unit, 0, 0, user_id, milestone, 0, 0, unit->now);
	if (status == DB_DUPLICATE)
		return DB_OK; /* given before: once per shopper */
	if (status != DB_OK)
		return status;
	for (int i = 0; i < s->pack_coupon_count; i++) {
		const struct engagement_coupon *c = &s->pack_coupons[i];
		struct reward reward = { .kind = REWARD_COUPON, .title = c->title, .amount_fen = c->amount_fen,
					 .min_spend_fen = c->min_spend_fen, .valid_days = c->valid_days };
		struct reward_grant grant = { .user_id = user_id,
					      .milestone = arena_printf(unit->arena, "pack:%lld:%d",
									(long long)user_id, i) };
		if ((status = reward_issue(unit, &grant, &reward, NULL)) != DB_OK)
			return status;
	}
	for (int i = 0; i < s->pack_template_count; i++) {
		/* a template removed, disabled or spent gives nothing: the rest of
		 * the pack is still given */
		struct coupon coupon;
		status = coupon_template_issue(unit, s->pack_templates[i], user_id, COUPON_GRANTED, "new_user_pack",
					       &coupon);
		if (status != DB_OK && status != OUT_NOT_FOUND && status != OUT_OUT_OF_STOCK)
			return status;
	}
	if (s->pack_points > 0 && (status = points_apply(unit, user_id, s->pack_points, "new_user_pack", 0)) != DB_OK)
		return status;
	if (s->pack_red_packet_fen > 0) {
		int64_t id;
		if ((status = red_packet_issue(unit, user_id, s->pack_red_packet_fen, s->pack_red_packet_days,
					       "new_user_pack", &id)) != DB_OK)
			return status;
	}
	return DB_OK;
}

enum invite_join_verdict invite_join_decide(int64_t inviter_id, bool inviter_blocked, int64_t invitee_id)
{
	if (inviter_id == 0)
		return INVITE_JOIN_UNKNOWN_CODE;
	if (inviter_id == invitee_id)
		return INVITE_JOIN_SELF;
	if (inviter_blocked)
		return INVITE_JOIN_BLOCKED_INVITER;
	return INVITE_JOIN_RECORD;
}

char invite_signature_letter(bool same_device, bool same_subnet)
{
	return same_device ? 'D' : same_subnet ? 'S' : 'H';
}

struct first_login {
	const struct fraud_client *client;
	int64_t user_id;
	const char *invite_code;
};

static int invite_join(struct unit *unit, const struct first_login *login)
{
	int64_t inviter_id;
	bool blocked;
	int status = invite_code_owner(unit, login->invite_code, &inviter_id, &blocked);
	if (status != DB_OK)
		return status;
	if (invite_join_decide(inviter_id, blocked, login->user_id) != INVITE_JOIN_RECORD)
		return DB_OK; /* the login stands; no invitation */
	const char *ip = login->client->ip ? login->client->ip : "";
	const char *device = arena_printf(unit->arena, "%.64s", login->client->device_id ? login->client->device_id : "");
	char subnet[FRAUD_SUBNET_SIZE] = "";
	if (!fraud_subnet(ip, subnet))
		snprintf(subnet, sizeof(subnet), "%s", ip);
	bool same_device, same_subnet;
	if ((status = invitation_ring_facts(unit, inviter_id, device, subnet, &same_device, &same_subnet)) != DB_OK)
		return status;
	/* anti-fraud: the inviter's ring so far plus this one, newest last, as
	 * the help's signature ("S{3,}": three invitees from one subnet). */
	const char *ring;
	if ((status = invitation_signature(unit, inviter_id, &ring)) != DB_OK)
		return status;
	char letter = invite_signature_letter(same_device, same_subnet);
	struct fraud_subject subject = { .user_id = login->user_id,
					 .signature = arena_printf(unit->arena, "%s%c", ring, letter) };
	struct fraud_outcome outcome;
	if ((status = fraud_check_unit(unit, login->client, FRAUD_SCOPE_INVITE, &subject, &outcome)) != DB_OK)
		return status;
	if (outcome.action == FRAUD_SHADOW)
		return DB_OK;
	int64_t retry_after_s;
	status = fraud_velocity_unit(unit, login->client, FRAUD_SCOPE_INVITE, NULL, &retry_after_s);
	if (status == OUT_RATE_LIMITED)
		return DB_OK; /* the login stands; too many invitations from here: none recorded */
	if (status != DB_OK)
		return status;
	status = invitation_insert(unit, login->user_id, inviter_id, ip, subnet, device, letter);
	return status == DB_DUPLICATE ? DB_OK : status;
}

static int first_login_body(struct unit *unit, void *context)
{
	struct first_login *login = context;
	struct engagement_settings settings;
	int status = engagement_settings_get(unit, &settings);
	if (status != DB_OK)
		return status;
	if ((status = pack_give(unit, &settings, login->user_id)) != DB_OK)
		return status;
	if (login->invite_code == NULL || login->invite_code[0] == '\0')
		return DB_OK;
	return invite_join(unit, login);
}

int engagement_first_login(struct unit *unit, const struct fraud_client *client, int64_t user_id,
			   const char *invite_code)
{
	struct first_login login = { client, user_id, invite_code };
	int status = db_atomic(unit, first_login_body, &login);
	if (status != DB_OK)
		log_warn("engagement: first login of shopper %lld: result %d", (long long)user_id, status);
	return status;
}

/* ========================================================= invitations */

bool invite_reward_due(int64_t qualified, int64_t every, bool inviter_blocked)
{
	return !inviter_blocked && every > 0 && qualified > 0 && qualified % every == 0;
}

static int invite_reward_give(struct unit *unit, const struct engagement_reward *reward, int64_t inviter_id,
			      int64_t invitee_id)
{
	char *milestone = arena_printf(unit->arena, "invite:%lld", (long long)invitee_id);
	struct reward_grant grant = { .user_id = inviter_id, .milestone = milestone };
	struct reward issued = { .kind = REWARD_NONE };
	int status;
	switch (reward->kind) {
	case ENGAGEMENT_REWARD_POINTS:
		if ((status = reward_grant_record(unit, 0, 0, inviter_id, milestone, 0, 0, unit->now)) != DB_OK)
			return status;
		return points_apply(unit, inviter_id, reward->points, "invite_reward", 0);
	case ENGAGEMENT_REWARD_COUPON:
		issued = (struct reward){ .kind = REWARD_COUPON, .title = reward->coupon.title,
					  .amount_fen = reward->coupon.amount_fen,
					  .min_spend_fen = reward->coupon.min_spend_fen,
					  .valid_days = reward->coupon.valid_days };
		return reward_issue(unit, &grant, &issued, NULL);
	case ENGAGEMENT_REWARD_TEMPLATE: {
		/* the grant first (once per invitee), then the template's coupon;
		 * a template removed, disabled or spent gives nothing */
		if ((status = reward_grant_record(unit, 0, 0, inviter_id, milestone, 0, 0, unit->now)) != DB_OK)
			return status;
		struct coupon coupon;
		status = coupon_template_issue(unit, reward->coupon_promotion_id, inviter_id, COUPON_GRANTED,
					       "invite_reward", &coupon);
		return status == OUT_NOT_FOUND || status == OUT_OUT_OF_STOCK ? DB_OK : status;
	}
	case ENGAGEMENT_REWARD_PRIZE:
		issued = (struct reward){ .kind = REWARD_PRIZE, .title = reward->prize };
		return reward_issue(unit, &grant, &issued, NULL);
	case ENGAGEMENT_REWARD_NONE:
		break;
	}
	return DB_OK;
}

int engagement_order_paid(struct unit *unit, int64_t user_id, int64_t order_id)
{
	bool qualified_now;
	int64_t inviter_id;
	int status = invitation_qualify(unit, user_id, order_id, &qualified_now, &inviter_id);
	if (status != DB_OK || !qualified_now)
		return status; /* not invited, or qualified by an earlier order */
	int64_t qualified;
	bool blocked;
	if ((status = invitation_qualified_count(unit, inviter_id, &qualified, &blocked)) != DB_OK)
		return status;
	struct engagement_settings settings;
	if ((status = engagement_settings_get(unit, &settings)) != DB_OK)
		return status;
	if (!invite_reward_due(qualified, settings.invite_every, blocked))
		return DB_OK;
	status = invite_reward_give(unit, &settings.invite_reward, inviter_id, user_id);
	return status == DB_DUPLICATE ? DB_OK : status; /* once per qualifying invitee */
}

int engagement_invite_of(struct unit *unit, int64_t user_id, struct invite_summary *summary)
{
	*summary = (struct invite_summary){ .code = NULL };
	int status = invite_code_of(unit, user_id, &summary->code);
	for (int i = 0; status == DB_OK && summary->code == NULL && i < CODE_TRIES; i++) {
		char *code = arena_alloc(unit->arena, INVITE_CODE_LENGTH + 1);
		random_code(code, INVITE_CODE_LENGTH);
		status = invite_code_insert(unit, user_id, code);
		if (status == DB_DUPLICATE)
			status = DB_OK; /* made at the same moment, or the code is taken: read again */
		if (status == DB_OK)
			status = invite_code_of(unit, user_id, &summary->code);
	}
	if (status != DB_OK)
		return status;
	if (summary->code == NULL)
		return DB_FAILED;
	if ((status = invitation_counts(unit, user_id, &summary->invited, &summary->qualified)) != DB_OK)
		return status;
	return invitation_rewards(unit, user_id, &summary->rewards, &summary->reward_count);
}

/* ============================================================== shares */

int engagement_share_create(struct unit *unit, int64_t user_id, int64_t item_id, const char **code)
{
	bool exists;
	int status = share_item_exists(unit, item_id, &exists);
	if (status != DB_OK)
		return status;
	if (!exists)
		return OUT_NOT_FOUND;
	if ((status = share_of(unit, user_id, item_id, code)) != DB_OK || *code != NULL)
		return status;
	for (int i = 0; i < CODE_TRIES; i++) {
		char *fresh = arena_alloc(unit->arena, SHARE_CODE_LENGTH + 1);
		random_code(fresh, SHARE_CODE_LENGTH);
		status = share_insert(unit, fresh, user_id, item_id);
		if (status == DB_OK) {
			*code = fresh;
			return DB_OK;
		}
		if (status != DB_DUPLICATE)
			return status;
	}
	return DB_FAILED;
}

int engagement_share_landing(struct unit *unit, const char *code, struct item_share_landing *landing)
{
	return share_landing_read(unit, code, landing);
}

/* ====================================================== points exchange */

int exchange_decide(const struct exchange_facts *facts)
{
	if (!facts->found)
		return OUT_NOT_FOUND;
	if (facts->stock_left <= 0)
		return OUT_OUT_OF_STOCK;
	if (facts->per_user > 0 && facts->taken >= facts->per_user)
		return OUT_LIMIT_REACHED;
	if (facts->balance < facts->cost_points)
		return OUT_INSUFFICIENT_POINTS;
	return DB_OK;
}

struct exchange_run {
	const struct fraud_client *client;
	int64_t user_id, offer_id;
	struct exchange_result *result;
};

static int exchange_issue(struct unit *unit, const struct points_offer *offer, int64_t user_id,
			  struct exchange_result *result)
{
	int status = DB_OK;
	switch (offer->kind) {
	case OFFER_COUPON: {
		if (offer->coupon_promotion_id != 0) {
			/* a template's coupon (issue 14): its limits.total holds; one
			 * removed, disabled or spent is out of stock */
			status = coupon_template_issue(unit, offer->coupon_promotion_id, user_id, COUPON_GRANTED,
						       "points_exchange", &result->coupon);
			if (status == OUT_NOT_FOUND)
				status = OUT_OUT_OF_STOCK;
			break;
		}
		int64_t days = offer->coupon_valid_days > 0 ? offer->coupon_valid_days : REWARD_VALID_DAYS_DEFAULT;
		int64_t id;
		status = coupon_issue(unit, user_id, 0, "points_exchange", offer->title, offer->coupon_amount_fen,
				      offer->coupon_min_spend_fen, unit->now, unit->now + days * DAY_S, &id);
		if (status == DB_OK)
			result->coupon = (struct coupon){ .id = id, .title = offer->title,
							  .amount_fen = offer->coupon_amount_fen,
							  .min_spend_fen = offer->coupon_min_spend_fen,
							  .starts_at = unit->now, .expires_at = unit->now + days * DAY_S,
							  .status = "available" };
		break;
	}
	case OFFER_RED_PACKET: {
		int64_t id;
		status = red_packet_issue(unit, user_id, offer->red_packet_fen, offer->red_packet_days, "points_exchange",
					  &id);
		if (status == DB_OK)
			result->red_packet = (struct red_packet){ .id = id, .amount_fen = offer->red_packet_fen,
								  .source = "points_exchange", .created_at = unit->now,
								  .expires_at = unit->now + offer->red_packet_days * DAY_S,
								  .status = "available" };
		break;
	}
	case OFFER_PRIZE:
		status = prize_issue(unit, user_id, 0, 0, offer->prize, &result->prize_id);
		result->prize_title = offer->prize;
		break;
	}
	return status;
}

static int exchange_body(struct unit *unit, void *context)
{
	struct exchange_run *run = context;
	*run->result = (struct exchange_result){ .points_balance = 0 };
	struct fraud_subject subject = { .user_id = run->user_id };
	struct fraud_outcome outcome;
	int status = fraud_check_unit(unit, run->client, FRAUD_SCOPE_EXCHANGE, &subject, &outcome);
	if (status != DB_OK || (status = fraud_velocity_unit(unit, run->client, FRAUD_SCOPE_EXCHANGE, outcome.phone,
							     &run->result->retry_after_s)) != DB_OK)
		return status;
	/* The offer's row is the hot row: locked first, so the stock and the
	 * shopper's count below are read in turn by every exchange of it. */
	struct points_offer offer;
	if ((status = points_offer_get(unit, run->offer_id, true, &offer)) != DB_OK)
		return status;
	struct exchange_facts facts = { .found = offer.active, .stock_left = offer.stock_left,
					.per_user = offer.per_user, .cost_points = offer.cost_points };
	if ((status = points_exchange_count(unit, offer.id, run->user_id, &facts.taken)) != DB_OK ||
	    (status = points_balance(unit, run->user_id, &facts.balance)) != DB_OK)
		return status;
	if ((status = exchange_decide(&facts)) != DB_OK)
		return status;
	if (outcome.action == FRAUD_SHADOW) {
		run->result->points_balance = facts.balance;
		return DB_OK;
	}
	if ((status = points_offer_take(unit, offer.id)) != DB_OK)
		return status;
	status = points_apply(unit, run->user_id, -offer.cost_points, "points_exchange", 0);
	if (status == OUT_CONFLICT)
		return OUT_INSUFFICIENT_POINTS; /* the balance never goes below zero */
	if (status != DB_OK || (status = exchange_issue(unit, &offer, run->user_id, run->result)) != DB_OK)
		return status;
	if ((status = points_exchange_insert(unit, offer.id, run->user_id, offer.cost_points, run->result->coupon.id,
					     run->result->red_packet.id, run->result->prize_id)) != DB_OK)
		return status;
	return points_balance(unit, run->user_id, &run->result->points_balance);
}

int engagement_exchange(struct unit *unit, const struct fraud_client *client, int64_t user_id, int64_t offer_id,
			struct exchange_result *result)
{
	struct exchange_run run = { client, user_id, offer_id, result };
	return db_atomic(unit, exchange_body, &run);
}

/* -------------------------------------------------------------- offers */

int points_offer_read(const json_t *json, const struct points_offer *base, struct points_offer *offer,
		      char field[ENGAGEMENT_FIELD_SIZE])
{
	static const char *const keys[] = { "title",	      "cost_points",	 "stock",  "per_user",
					    "coupon",	      "coupon_promotion_id", "red_packet_fen", "red_packet_days",
					    "prize",	      "active",		 NULL };
	field[0] = '\0';
	if (!json_is_object(json))
		return refuse(field, "body");
	const char *unknown = unknown_key(json, keys);
	if (unknown != NULL)
		return refuse(field, "%s", unknown);
	bool creating = base == NULL;
	*offer = creating ? (struct points_offer){ .active = true, .red_packet_days = 7 } : *base;
	const json_t *title = json_object_get(json, "title");
	if (title != NULL || creating) {
		if (!text_ok(json_string_value(title), ENGAGEMENT_TITLE_MAX))
			return refuse(field, "title");
		offer->title = json_string_value(title);
	}
	if (read_int(json, "cost_points", 1, ENGAGEMENT_POINTS_MAX, &offer->cost_points) != 1 &&
	    (creating || json_object_get(json, "cost_points") != NULL))
		return refuse(field, "cost_points");
	if (read_int(json, "stock", 0, STOCK_MAX, &offer->stock_total) != 1 &&
	    (creating || json_object_get(json, "stock") != NULL))
		return refuse(field, "stock");
	if (read_int(json, "per_user", 0, PER_USER_MAX, &offer->per_user) < 0)
		return refuse(field, "per_user");
	const json_t *active = json_object_get(json, "active");
	if (active != NULL) {
		if (!json_is_boolean(active))
			return refuse(field, "active");
		offer->active = json_is_true(active);
	}
	/* what it gives: one of coupon, red packet, prize */
	int kinds = (json_object_get(json, "coupon") != NULL) + (json_object_get(json, "coupon_promotion_id") != NULL) +
		    (json_object_get(json, "red_packet_fen") != NULL) + (json_object_get(json, "prize") != NULL);
	if (kinds > 1)
		return refuse(field, "prize");
	if (kinds == 1 && json_object_get(json, "coupon_promotion_id") == NULL)
		offer->coupon_promotion_id = 0; /* another kind replaces a template */
	if (json_object_get(json, "coupon_promotion_id") != NULL) {
		/* a coupon template of the promotion resource (issue 14) */
		if (read_int(json, "coupon_promotion_id", 1, INT64_MAX, &offer->coupon_promotion_id) != 1)
			return refuse(field, "coupon_promotion_id");
		offer->kind = OFFER_COUPON;
		offer->coupon_amount_fen = 0;
		offer->coupon_min_spend_fen = 0;
		offer->coupon_valid_days = 0;
		offer->red_packet_fen = 0;
		offer->prize = NULL;
	} else if (json_object_get(json, "coupon") != NULL) {
		struct engagement_coupon coupon;
		if (read_coupon(json_object_get(json, "coupon"), &coupon, "coupon", field) != 0)
			return -1;
		offer->kind = OFFER_COUPON;
		offer->coupon_amount_fen = coupon.amount_fen;
		offer->coupon_min_spend_fen = coupon.min_spend_fen;
		offer->coupon_valid_days = coupon.valid_days;
		offer->red_packet_fen = 0;
		offer->prize = NULL;
	} else if (json_object_get(json, "red_packet_fen") != NULL) {
		if (read_int(json, "red_packet_fen", 1, RED_PACKET_FEN_MAX, &offer->red_packet_fen) != 1)
			return refuse(field, "red_packet_fen");
		offer->kind = OFFER_RED_PACKET;
		offer->coupon_amount_fen = 0;
		offer->prize = NULL;
	} else if (json_object_get(json, "prize") != NULL) {
		const char *prize = json_string_value(json_object_get(json, "prize"));
		if (!text_ok(prize, ENGAGEMENT_PRIZE_MAX))
			return refuse(field, "prize");
		offer->kind = OFFER_PRIZE;
		offer->prize = prize;
		offer->coupon_amount_fen = 0;
		offer->red_packet_fen = 0;
	} else if (creating) {
		return refuse(field, "coupon");
	}
	if (read_int(json, "red_packet_days", 1, RED_PACKET_DAYS_MAX, &offer->red_packet_days) < 0)
		return refuse(field, "red_packet_days");
	return 0;
}

json_t *points_offer_json(const struct points_offer *offer, bool admin)
{
	static const char *const kinds[] = { [OFFER_COUPON] = "coupon", [OFFER_RED_PACKET] = "red_packet",
					     [OFFER_PRIZE] = "prize" };
	json_t *object = json_pack("{s:I, s:s, s:s, s:I, s:I, s:I}", "id", (json_int_t)offer->id, "title", offer->title,
				   "kind", kinds[offer->kind], "cost_points", (json_int_t)offer->cost_points,
				   "stock_left", (json_int_t)offer->stock_left, "per_user", (json_int_t)offer->per_user);
	if (object == NULL)
		abort();
	switch (offer->kind) {
	case OFFER_COUPON:
		if (offer->coupon_promotion_id != 0) {
			json_object_set_new(object, "coupon_promotion_id", json_integer((json_int_t)offer->coupon_promotion_id));
			break;
		}
		json_object_set_new(object, "coupon",
				    json_pack("{s:s, s:I, s:I, s:I}", "title", offer->title, "amount_fen",
					      (json_int_t)offer->coupon_amount_fen, "min_spend_fen",
					      (json_int_t)offer->coupon_min_spend_fen, "valid_days",
					      (json_int_t)offer->coupon_valid_days));
		break;
	case OFFER_RED_PACKET:
		json_object_set_new(object, "red_packet_fen", json_integer((json_int_t)offer->red_packet_fen));
		json_object_set_new(object, "red_packet_days", json_integer((json_int_t)offer->red_packet_days));
		break;
	case OFFER_PRIZE:
		json_object_set_new(object, "prize", json_string(offer->prize));
		break;
	}
	if (admin) {
		json_object_set_new(object, "stock", json_integer((json_int_t)offer->stock_total));
		json_object_set_new(object, "active", json_boolean(offer->active));
	}
	return object;
}

int engagement_offers(struct unit *unit, bool active_only, struct points_offer **offers, int *count)
{
	return points_offer_list(unit, active_only, offers, count);
}

struct offer_write {
	int64_t admin_id, offer_id;
	const json_t *body;
	struct points_offer *offer;
	char *field;
};

static int offer_create_body(struct unit *unit, void *context)
{
	struct offer_write *write = context;
	struct points_offer offer;
	if (points_offer_read(write->body, NULL, &offer, write->field) != 0)
		return OUT_UNPROCESSABLE_FIELD;
	int64_t id;
	int status = points_offer_insert(unit, &offer, &id);
	if (status != DB_OK || (status = points_offer_get(unit, id, false, write->offer)) != DB_OK)
		return status;
	json_t *after = points_offer_json(write->offer, true);
	status = audit_write(unit, write->admin_id, "points_offer.create", "points_offer", id, NULL, after);
	json_decref(after);
	return status;
}

int engagement_offer_create(struct unit *unit, int64_t admin_id, const json_t *body, struct points_offer *offer,
			    char field[ENGAGEMENT_FIELD_SIZE])
{
	struct offer_write write = { admin_id, 0, body, offer, field };
	field[0] = '\0';
	return db_atomic(unit, offer_create_body, &write);
}

static int offer_update_body(struct unit *unit, void *context)
{
	struct offer_write *write = context;
	struct points_offer before, after;
	int status = points_offer_get(unit, write->offer_id, true, &before);
	if (status != DB_OK)
		return status;
	if (points_offer_read(write->body, &before, &after, write->field) != 0)
		return OUT_UNPROCESSABLE_FIELD;
	if (before.stock_left + (after.stock_total - before.stock_total) < 0) {
		snprintf(write->field, ENGAGEMENT_FIELD_SIZE, "stock"); /* below what was exchanged already */
		return OUT_UNPROCESSABLE_FIELD;
	}
	if ((status = points_offer_update(unit, &after)) != DB_OK ||
	    (status = points_offer_get(unit, write->offer_id, false, write->offer)) != DB_OK)
		return status;
	json_t *before_json = points_offer_json(&before, true);
	json_t *after_json = points_offer_json(write->offer, true);
	status = audit_write(unit, write->admin_id, "points_offer.update", "points_offer", write->offer_id,
			     before_json, after_json);
	json_decref(before_json);
	json_decref(after_json);
	return status;
}

int engagement_offer_update(struct unit *unit, int64_t admin_id, int64_t offer_id, const json_t *body,
			    struct points_offer *offer, char field[ENGAGEMENT_FIELD_SIZE])
{
	struct offer_write write = { admin_id, offer_id, body, offer, field };
	field[0] = '\0';
	return db_atomic(unit, offer_update_body, &write);
}

/* ============================================================= sweeper */

void engagement_sweep(struct unit *unit)
{
	int64_t expired;
	if (red_packet_expire_due(unit, RED_PACKET_SWEEP_BATCH, &expired) == DB_OK && expired > 0)
		log_info("sweep: expired %lld red packets", (long long)expired);
}
