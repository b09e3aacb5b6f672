/* campaign.c: campaigns and bargain items — parse, check, render, load and
 * store. See campaign.h for the two-step checking and the rewards shape. */
#include "campaign/campaign.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "bargain/cut.h"
#include "db/db.h"
#include "http/http.h"
#include "core/log.h"

/* Type-level bounds: wide enough that every business rule answers 422
 * with its own message, narrow enough that no arithmetic overflows. */
#define ANY_INT_MIN (-1000000000000000LL)
#define ANY_INT_MAX 1000000000000000LL
#define TEXT_BYTES_MAX 2000
#define ARRAY_SIZE_MAX 1000

/* ================================================================ fields */

static bool time_shape(const char *value)
{
	int64_t when;
	return clock_parse_rfc3339(value, &when) == 0;
}

#define TIME_FIELD(field_name, is_required)                                                                   \
	{ .name = field_name, .type = FIELD_STRING, .required = is_required, .min = 1, .max = 64,             \
	  .shape = time_shape }
#define INT_FIELD(field_name, is_required, is_nullable)                                                       \
	{ .name = field_name, .type = FIELD_INT, .required = is_required, .nullable = is_nullable,            \
	  .min = ANY_INT_MIN, .max = ANY_INT_MAX }

const struct field campaign_create_body[] = {
	{ .name = "title", .type = FIELD_STRING, .required = true, .max = TEXT_BYTES_MAX },
	TIME_FIELD("starts_at", true),
	TIME_FIELD("ends_at", true),
	{ .name = "items", .type = FIELD_ARRAY, .required = true, .max = ARRAY_SIZE_MAX },
	{ .name = NULL },
};

const struct field campaign_patch_body[] = {
	{ .name = "title", .type = FIELD_STRING, .max = TEXT_BYTES_MAX },
	TIME_FIELD("starts_at", false),
	TIME_FIELD("ends_at", false),
	{ .name = NULL },
};

#define ITEM_FIELDS(is_required)                                                                              \
	{ .name = "name", .type = FIELD_STRING, .required = is_required, .max = TEXT_BYTES_MAX },             \
	{ .name = "images", .type = FIELD_ARRAY, .max = ARRAY_SIZE_MAX },                                    \
	INT_FIELD("original_price_fen", is_required, false),                                                  \
	INT_FIELD("floor_price_fen", is_required, false),                                                     \
	{ .name = "rules", .type = FIELD_OBJECT, .required = is_required },                                   \
	{ .name = "rewards", .type = FIELD_OBJECT, .nullable = true }

const struct field campaign_item_body[] = {
	ITEM_FIELDS(true),
	INT_FIELD("stock", true, false),
	{ .name = NULL },
};

const struct field campaign_item_patch_body[] = {
	ITEM_FIELDS(false),
	INT_FIELD("stock_delta", false, false),
	{ .name = NULL },
};

#define RULE_FIELDS(is_required)                                                                              \
	INT_FIELD("cut_min_fen", is_required, false), INT_FIELD("cut_max_fen", is_required, false),          \
	INT_FIELD("target_cuts", false, true), INT_FIELD("self_cuts_per_day", false, false),                 \
	INT_FIELD("helps_per_user_per_day", false, false), INT_FIELD("bargains_per_user", false, false),     \
	INT_FIELD("helps_per_bargain", false, true), INT_FIELD("bargain_ttl_s", false, false),               \
	INT_FIELD("pay_within_s", false, false)

static const struct field rules_fields[] = { RULE_FIELDS(true), { .name = NULL } };
static const struct field rules_patch_fields[] = { RULE_FIELDS(false), { .name = NULL } };

static const struct field rewards_fields[] = {
	{ .name = "initiator", .type = FIELD_ARRAY, .max = ARRAY_SIZE_MAX },
	{ .name = "helper", .type = FIELD_OBJECT, .nullable = true },
	{ .name = "leaderboard", .type = FIELD_ARRAY, .max = ARRAY_SIZE_MAX },
	{ .name = NULL },
};

static const struct field milestone_fields[] = {
	INT_FIELD("helpers", true, false),
	{ .name = "coupon", .type = FIELD_OBJECT },
	{ .name = "prize", .type = FIELD_STRING, .max = TEXT_BYTES_MAX },
	{ .name = NULL },
};

static const struct field helper_fields[] = {
	{ .name = "coupon", .type = FIELD_OBJECT, .required = true, .nullable = true },
	{ .name = NULL },
};

static const struct field coupon_fields[] = {
	{ .name = "title", .type = FIELD_STRING, .required = true, .max = TEXT_BYTES_MAX },
	INT_FIELD("amount_fen", true, false),
	INT_FIELD("min_spend_fen", false, false),
	INT_FIELD("valid_days", false, false),
	{ .name = NULL },
};

static const struct field rank_fields[] = {
	INT_FIELD("rank", true, false),
	{ .name = "prize", .type = FIELD_STRING, .required = true, .max = TEXT_BYTES_MAX },
	{ .name = NULL },
};

/* ================================================================ helpers */

/* 422 invalid_campaign: "<where>：<what>". */
static int invalid(struct request *request, const char *where, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static int invalid(struct request *request, const char *where, const char *format, ...)
{
	char what[400];
	va_list args;
	va_start(args, format);
	vsnprintf(what, sizeof(what), format, args);
	va_end(args);
	return http_error_message(request, 422, "invalid_campaign", "%s：%s", where, what);
}

/* Code points in UTF-8 text (already checked by the validator). */
static size_t text_chars(const char *text)
{
	size_t count = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if ((*p & 0xc0) != 0x80)
			count++;
	return count;
}

/* True when text is empty or only ASCII white space and U+3000. */
static bool text_blank(const char *text)
{
	const char *p = text;
	while (*p) {
		if (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		else if (strncmp(p, "\xe3\x80\x80", 3) == 0)
			p += 3;
		else
			return false;
	}
	return true;
}

/* Checks a display text: 1..max characters, not blank. */
static int check_text(struct request *request, const char *where, const char *what, const char *text,
		      size_t max_chars)
{
	if (text_blank(text))
		return invalid(request, where, "%s不能为空。", what);
	if (text_chars(text) > max_chars)
		return invalid(request, where, "%s不能超过 %zu 个字。", what, max_chars);
	return 0;
}

static const char *where_at(struct request *request, const char *where, const char *name)
{
	return arena_printf(&request->arena, "%s.%s", where, name);
}

static int64_t int_member(const json_t *object, const char *name, int64_t fallback)
{
	const json_t *value = json_object_get(object, name);
	return json_is_integer(value) ? (int64_t)json_integer_value(value) : fallback;
}

/* A JSON text of value in the arena (for the DB and the audit log). */
static const char *dump(struct request *request, const json_t *value)
{
	char *text = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (text == NULL)
		abort();
	char *copy = arena_strdup(&request->arena, text);
	free(text);
	return copy;
}

static json_t *empty_rewards(void)
{
	return json_pack("{s:[], s:n, s:[]}", "initiator", "helper", "leaderboard");
}

/* ================================================================ rewards */

static int coupon_parse(struct request *request, const json_t *object, const char *where, json_t **coupon)
{
	int status = validate_object(request, object, coupon_fields, where);
	if (status != 0)
		return status;
	const char *title = json_string_value(json_object_get(object, "title"));
	if ((status = check_text(request, where, "优惠券名称", title, REWARD_TITLE_CHARS_MAX)) != 0)
		return status;
	int64_t amount = int_member(object, "amount_fen", 0);
	int64_t min_spend = int_member(object, "min_spend_fen", 0);
	int64_t valid_days = int_member(object, "valid_days", COUPON_DEFAULT_VALID_DAYS);
	if (amount < 1)
		return invalid(request, where, "优惠券金额必须大于 0。");
	if (amount > ITEM_PRICE_MAX_FEN)
		return invalid(request, where, "优惠券金额过大。");
	if (min_spend < 0 || min_spend > ITEM_PRICE_MAX_FEN)
		return invalid(request, where, "使用门槛不能为负数或过大。");
	if (valid_days < 1 || valid_days > COUPON_VALID_DAYS_MAX)
		return invalid(request, where, "有效天数应在 1 到 %d 天之间。", COUPON_VALID_DAYS_MAX);
	*coupon = json_pack("{s:s, s:I, s:I, s:I}", "title", title, "amount_fen", (json_int_t)amount,
			    "min_spend_fen", (json_int_t)min_spend, "valid_days", (json_int_t)valid_days);
	return 0;
}

struct keyed {
	int64_t key;
	json_t *value;
};

static int compare_keyed(const void *a, const void *b)
{
	int64_t x = ((const struct keyed *)a)->key, y = ((const struct keyed *)b)->key;
	return x < y ? -1 : x > y;
}

/* Sorts entries by key into a new array (stealing the values); returns it,
 * or NULL with *duplicate (OUT) set to the repeated key. */
static json_t *sorted_array(struct keyed *entries, size_t count, int64_t *duplicate)
{
	qsort(entries, count, sizeof(entries[0]), compare_keyed);
	for (size_t i = 1; i < count; i++) {
		if (entries[i].key == entries[i - 1].key) {
			*duplicate = entries[i].key;
			for (size_t j = 0; j < count; j++)
				json_decref(entries[j].value);
			return NULL;
		}
	}
	json_t *array = json_array();
	for (size_t i = 0; i < count; i++)
		json_array_append_new(array, entries[i].value);
	return array;
}

static void release_keyed(struct keyed *entries, size_t count)
{
	for (size_t i = 0; i < count; i++)
		json_decref(entries[i].value);
}

static int milestones_parse(struct request *request, const json_t *array, const char *where, json_t **out)
{
	size_t count = json_array_size(array);
	if (count > REWARD_MILESTONES_MAX)
		return invalid(request, where, "发起人奖励最多 %d 档。", REWARD_MILESTONES_MAX);
	struct keyed entries[REWARD_MILESTONES_MAX];
	size_t used = 0;
	int status = 0;
	for (size_t i = 0; i < count && status == 0; i++) {
		const json_t *object = json_array_get(array, i);
		const char *here = arena_printf(&request->arena, "%s[%zu]", where, i);
		if ((status = validate_object(request, object, milestone_fields, here)) != 0)
			break;
		int64_t helpers = int_member(object, "helpers", 0);
		const json_t *coupon = json_object_get(object, "coupon");
		const char *prize = json_string_value(json_object_get(object, "prize"));
		if (helpers < 1 || helpers > RULE_COUNT_MAX) {
			status = invalid(request, here, "助力人数应在 1 到 %d 之间。", RULE_COUNT_MAX);
			break;
		}
		if (coupon == NULL && prize == NULL) {
			status = invalid(request, here, "每档奖励需要优惠券或奖品。");
			break;
		}
		json_t *milestone = json_pack("{s:I}", "helpers", (json_int_t)helpers);
		if (coupon != NULL) {
			json_t *parsed = NULL;
			status = coupon_parse(request, coupon, where_at(request, here, "coupon"), &parsed);
			if (status != 0) {
				json_decref(milestone);
				break;
			}
			json_object_set_new(milestone, "coupon", parsed);
		}
		if (prize != NULL) {
			if ((status = check_text(request, here, "奖品名称", prize, REWARD_PRIZE_CHARS_MAX)) != 0) {
				json_decref(milestone);
				break;
			}
			json_object_set_new(milestone, "prize", json_string(prize));
		}
		entries[used++] = (struct keyed){ helpers, milestone };
	}
	if (status != 0) {
		release_keyed(entries, used);
		return status;
	}
	int64_t duplicate = 0;
	*out = sorted_array(entries, used, &duplicate);
	if (*out == NULL)
		return invalid(request, where, "助力人数 %lld 的奖励重复了。", (long long)duplicate);
	return 0;
}

static int ranks_parse(struct request *request, const json_t *array, const char *where, json_t **out)
{
	size_t count = json_array_size(array);
	if (count > REWARD_RANKS_MAX)
		return invalid(request, where, "排行榜奖励最多 %d 名。", REWARD_RANKS_MAX);
	struct keyed entries[REWARD_RANKS_MAX];
	size_t used = 0;
	int status = 0;
	for (size_t i = 0; i < count && status == 0; i++) {
		const json_t *object = json_array_get(array, i);
		const char *here = arena_printf(&request->arena, "%s[%zu]", where, i);
		if ((status = validate_object(request, object, rank_fields, here)) != 0)
			break;
		int64_t rank = int_member(object, "rank", 0);
		const char *prize = json_string_value(json_object_get(object, "prize"));
		if (rank < 1 || rank > REWARD_RANKS_MAX) {
			status = invalid(request, here, "名次应在 1 到 %d 之间。", REWARD_RANKS_MAX);
			break;
		}
		if ((status = check_text(request, here, "奖品名称", prize, REWARD_PRIZE_CHARS_MAX)) != 0)
			break;
		entries[used++] = (struct keyed){ rank, json_pack("{s:I, s:s}", "rank", (json_int_t)rank, "prize", prize) };
	}
	if (status != 0) {
		release_keyed(entries, used);
		return status;
	}
	int64_t duplicate = 0;
	*out = sorted_array(entries, used, &duplicate);
	if (*out == NULL)
		return invalid(request, where, "第 %lld 名的奖励重复了。", (long long)duplicate);
	return 0;
}

/* Parses a rewards object (NULL or JSON null: none) into its normalised
 * form, owned by the request's arena. */
static int rewards_parse(struct request *request, const json_t *object, const char *where, json_t **rewards)
{
	if (object == NULL || json_is_null(object)) {
		*rewards = http_own(request, empty_rewards());
		return 0;
	}
	int status = validate_object(request, object, rewards_fields, where);
	if (status != 0)
		return status;
	json_t *initiator = NULL, *helper = NULL, *leaderboard = NULL;
	const json_t *milestones = json_object_get(object, "initiator");
	if (milestones != NULL)
		status = milestones_parse(request, milestones, where_at(request, where, "initiator"), &initiator);
	else
		initiator = json_array();
	const json_t *helper_object = json_object_get(object, "helper");
	if (status == 0 && helper_object != NULL && !json_is_null(helper_object)) {
		const char *here = where_at(request, where, "helper");
		status = validate_object(request, helper_object, helper_fields, here);
		const json_t *coupon = json_object_get(helper_object, "coupon");
		if (status == 0 && !json_is_null(coupon)) {
			json_t *parsed = NULL;
			status = coupon_parse(request, coupon, where_at(request, here, "coupon"), &parsed);
			if (status == 0)
				helper = json_pack("{s:o}", "coupon", parsed);
		}
	}
	const json_t *ranks = json_object_get(object, "leaderboard");
	if (status == 0) {
		if (ranks != NULL)
			status = ranks_parse(request, ranks, where_at(request, where, "leaderboard"), &leaderboard);
		else
			leaderboard = json_array();
	}
	if (status != 0) {
		json_decref(initiator);
		json_decref(helper);
		json_decref(leaderboard);
		return status;
	}
	*rewards = http_own(request, json_pack("{s:o, s:o, s:o}", "initiator", initiator, "helper",
					       helper ? helper : json_null(), "leaderboard", leaderboard));
	return 0;
}

/* ================================================================== rules */

/* Overlays the keys present in object onto *rules. A nullable key set to
 * null clears it (0); given as a number it must be at least 1. */
static int rules_apply(struct request *request, const json_t *object, const struct field *fields,
		       struct campaign_rules *rules, const char *where)
{
	int status = validate_object(request, object, fields, where);
	if (status != 0)
		return status;
	struct {
		const char *name;
		int64_t *slot;
		bool nullable;
	} members[] = {
		{ "cut_min_fen", &rules->cut_min_fen, false },
		{ "cut_max_fen", &rules->cut_max_fen, false },
		{ "target_cuts", &rules->target_cuts, true },
		{ "self_cuts_per_day", &rules->self_cuts_per_day, false },
		{ "helps_per_user_per_day", &rules->helps_per_user_per_day, false },
		{ "bargains_per_user", &rules->bargains_per_user, false },
		{ "helps_per_bargain", &rules->helps_per_bargain, true },
		{ "bargain_ttl_s", &rules->bargain_ttl_s, false },
		{ "pay_within_s", &rules->pay_within_s, false },
	};
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		const json_t *value = json_object_get(object, members[i].name);
		if (value == NULL)
			continue;
		if (json_is_null(value)) {
			*members[i].slot = 0;
			continue;
		}
		int64_t number = (int64_t)json_integer_value(value);
		if (members[i].nullable && number < 1)
			return invalid(request, where, "%s 应为正整数或 null。", members[i].name);
		*members[i].slot = number;
	}
	return 0;
}

static void rules_defaults(struct campaign_rules *rules)
{
	memset(rules, 0, sizeof(*rules));
	rules->self_cuts_per_day = RULE_DEFAULT_SELF_CUTS_PER_DAY;
	rules->helps_per_user_per_day = RULE_DEFAULT_HELPS_PER_USER_PER_DAY;
	rules->bargains_per_user = RULE_DEFAULT_BARGAINS_PER_USER;
	rules->bargain_ttl_s = RULE_DEFAULT_BARGAIN_TTL_S;
	rules->pay_within_s = RULE_DEFAULT_PAY_WITHIN_S;
}

/* ================================================================== items */

static bool image_path_ok(const char *path)
{
	if (path[0] == '/')
		return path[1] != '/' && path[1] != '\\';
	return strncmp(path, "https://", 8) == 0 || strncmp(path, "http://", 7) == 0;
}

static int images_parse(struct request *request, const json_t *array, const char *where, json_t **images)
{
	if (array == NULL) {
		*images = http_own(request, json_array());
		return 0;
	}
	size_t count = json_array_size(array);
	if (count > ITEM_IMAGES_MAX)
		return invalid(request, where, "图片最多 %d 张。", ITEM_IMAGES_MAX);
	for (size_t i = 0; i < count; i++) {
		const json_t *image = json_array_get(array, i);
		if (!json_is_string(image))
			return http_error_message(request, 400, "invalid_field", "%s[%zu] 应为字符串。", where, i);
		const char *path = json_string_value(image);
		size_t length = json_string_length(image);
		if (length == 0 || length > ITEM_IMAGE_BYTES_MAX || strlen(path) != length ||
		    !validate_text(path, length) || strpbrk(path, " \t\n\"'<>") != NULL || !image_path_ok(path))
			return invalid(request, where, "第 %zu 张图片的地址应为以 / 或 https:// 开头的链接。", i + 1);
	}
	*images = http_own(request, json_deep_copy(array));
	return 0;
}

/* The business rules of one item. */
static int item_check(struct request *request, const struct campaign_item *item, const char *where)
{
	const struct campaign_rules *rules = &item->rules;
	int status = check_text(request, where, "商品名称", item->name, ITEM_NAME_CHARS_MAX);
	if (status != 0)
		return status;
	if (item->original_price_fen < 1 || item->original_price_fen > ITEM_PRICE_MAX_FEN)
		return invalid(request, where, "原价应在 1 分到 %lld 分之间。", (long long)ITEM_PRICE_MAX_FEN);
	if (item->floor_price_fen < 0)
		return invalid(request, where, "底价不能为负数。");
	if (item->floor_price_fen >= item->original_price_fen)
		return invalid(request, where, "底价必须低于原价。");
	if (rules->cut_min_fen < 1)
		return invalid(request, where, "每刀最少金额 cut_min_fen 至少为 1 分。");
	if (rules->cut_max_fen < rules->cut_min_fen)
		return invalid(request, where, "每刀最多金额 cut_max_fen 不能小于最少金额 cut_min_fen。");
	if (rules->cut_max_fen > ITEM_PRICE_MAX_FEN)
		return invalid(request, where, "每刀最多金额 cut_max_fen 过大。");
	int64_t distance = item->original_price_fen - item->floor_price_fen;
	if (rules->target_cuts != 0) {
		if (rules->target_cuts > CUT_TARGET_MAX)
			return invalid(request, where, "目标刀数 target_cuts 不能超过 %d。", CUT_TARGET_MAX);
		if (!cut_plan_feasible(distance, rules->cut_min_fen, rules->cut_max_fen, rules->target_cuts))
			return invalid(request, where,
				       "%lld 刀无法在每刀 %lld 到 %lld 分的范围内恰好砍掉 %lld 分，请调整刀数或金额范围。",
				       (long long)rules->target_cuts, (long long)rules->cut_min_fen,
				       (long long)rules->cut_max_fen, (long long)distance);
	}
	struct {
		const char *name;
		const char *label;
		int64_t value;
	} limits[] = {
		{ "self_cuts_per_day", "每人每天自砍次数", rules->self_cuts_per_day },
		{ "helps_per_user_per_day", "每人每天助力次数", rules->helps_per_user_per_day },
		{ "bargains_per_user", "每人可发起砍价次数", rules->bargains_per_user },
	};
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		if (limits[i].value < 1 || limits[i].value > RULE_COUNT_MAX)
			return invalid(request, where, "%s %s 应在 1 到 %d 之间。", limits[i].label, limits[i].name,
				       RULE_COUNT_MAX);
	if (rules->helps_per_bargain > RULE_COUNT_MAX)
		return invalid(request, where, "每个砍价的助力人数上限 helps_per_bargain 不能超过 %d。", RULE_COUNT_MAX);
	if (rules->bargain_ttl_s < RULE_TTL_MIN_S || rules->bargain_ttl_s > RULE_TTL_MAX_S)
		return invalid(request, where, "砍价有效期 bargain_ttl_s 应在 %d 秒到 30 天之间。", RULE_TTL_MIN_S);
	if (rules->pay_within_s < RULE_PAY_MIN_S || rules->pay_within_s > RULE_PAY_MAX_S)
		return invalid(request, where, "支付时限 pay_within_s 应在 %d 秒到 7 天之间。", RULE_PAY_MIN_S);
	return 0;
}

int campaign_item_parse_new(struct request *request, const json_t *object, struct campaign_item *item,
			    const char *where)
{
	memset(item, 0, sizeof(*item));
	int status = validate_object(request, object, campaign_item_body, where);
	if (status != 0)
		return status;
	item->name = arena_strdup(&request->arena, json_string_value(json_object_get(object, "name")));
	item->original_price_fen = int_member(object, "original_price_fen", 0);
	item->floor_price_fen = int_member(object, "floor_price_fen", 0);
	int64_t stock = int_member(object, "stock", 0);
	if (stock < 0)
		return invalid(request, where, "库存不能为负数。");
	if (stock > ITEM_STOCK_MAX)
		return invalid(request, where, "库存不能超过 %lld。", (long long)ITEM_STOCK_MAX);
	item->stock_total = item->stock_left = stock;
	rules_defaults(&item->rules);
	if ((status = images_parse(request, json_object_get(object, "images"), where_at(request, where, "images"),
				   &item->images)) != 0)
		return status;
	if ((status = rules_apply(request, json_object_get(object, "rules"), rules_fields, &item->rules,
				  where_at(request, where, "rules"))) != 0)
		return status;
	if ((status = rewards_parse(request, json_object_get(object, "rewards"), where_at(request, where, "rewards"),
				    &item->rewards)) != 0)
		return status;
	return item_check(request, item, where);
}

int campaign_item_apply_patch(struct request *request, const json_t *body, struct campaign_item *item)
{
	const char *where = "body";
	const json_t *value;
	int status = 0;
	if ((value = json_object_get(body, "name")) != NULL)
		item->name = arena_strdup(&request->arena, json_string_value(value));
	item->original_price_fen = int_member(body, "original_price_fen", item->original_price_fen);
	item->floor_price_fen = int_member(body, "floor_price_fen", item->floor_price_fen);
	if ((value = json_object_get(body, "images")) != NULL &&
	    (status = images_parse(request, value, "body.images", &item->images)) != 0)
		return status;
	if ((value = json_object_get(body, "rules")) != NULL &&
	    (status = rules_apply(request, value, rules_patch_fields, &item->rules, "body.rules")) != 0)
		return status;
	if ((value = json_object_get(body, "rewards")) != NULL &&
	    (status = rewards_parse(request, value, "body.rewards", &item->rewards)) != 0)
		return status;
	return item_check(request, item, where);
}

/* ============================================================== campaigns */

static int campaign_check(struct request *request, const struct campaign *campaign)
{
	int status = check_text(request, "body.title", "活动标题", campaign->title, CAMPAIGN_TITLE_CHARS_MAX);
	if (status != 0)
		return status;
	if (campaign->ends_at <= campaign->starts_at)
		return invalid(request, "body.ends_at", "活动结束时间必须晚于开始时间。");
	return 0;
}

int campaign_parse_new(struct request *request, const json_t *body, struct campaign *campaign)
{
	memset(campaign, 0, sizeof(*campaign));
	campaign->title = arena_strdup(&request->arena, json_string_value(json_object_get(body, "title")));
	if (clock_parse_rfc3339(json_string_value(json_object_get(body, "starts_at")), &campaign->starts_at) != 0 ||
	    clock_parse_rfc3339(json_string_value(json_object_get(body, "ends_at")), &campaign->ends_at) != 0)
		return http_error(request, 400, "invalid_field");
	int status = campaign_check(request, campaign);
	if (status != 0)
		return status;
	if (campaign->ends_at <= request->work.now)
		return invalid(request, "body.ends_at", "活动结束时间已经过去。");
	const json_t *items = json_object_get(body, "items");
	size_t count = json_array_size(items);
	if (count == 0)
		return invalid(request, "body.items", "活动至少需要一个砍价商品。");
	if (count > CAMPAIGN_ITEMS_MAX)
		return invalid(request, "body.items", "一个活动最多 %d 个砍价商品。", CAMPAIGN_ITEMS_MAX);
	campaign->items = arena_alloc(&request->arena, sizeof(struct campaign_item) * count);
	for (size_t i = 0; i < count; i++) {
		const char *where = arena_printf(&request->arena, "items[%zu]", i);
		if ((status = campaign_item_parse_new(request, json_array_get(items, i), &campaign->items[i], where)) != 0)
			return status;
	}
	campaign->item_count = (int)count;
	return 0;
}

int campaign_apply_patch(struct request *request, const json_t *body, struct campaign *campaign)
{
	const char *text;
	if ((text = json_string_value(json_object_get(body, "title"))) != NULL)
		campaign->title = arena_strdup(&request->arena, text);
	if ((text = json_string_value(json_object_get(body, "starts_at"))) != NULL &&
	    clock_parse_rfc3339(text, &campaign->starts_at) != 0)
		return http_error(request, 400, "invalid_field");
	if ((text = json_string_value(json_object_get(body, "ends_at"))) != NULL &&
	    clock_parse_rfc3339(text, &campaign->ends_at) != 0)
		return http_error(request, 400, "invalid_field");
	return campaign_check(request, campaign);
}

/* ================================================================= render */

static json_t *time_json(int64_t when)
{
	char text[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(when, text);
	return json_string(text);
}

static json_t *optional_int(int64_t value)
{
	return value != 0 ? json_integer((json_int_t)value) : json_null();
}

json_t *campaign_rules_json(const struct campaign_rules *rules)
{
	return json_pack("{s:I, s:I, s:o, s:I, s:I, s:I, s:o, s:I, s:I}", "cut_min_fen", (json_int_t)rules->cut_min_fen,
			 "cut_max_fen", (json_int_t)rules->cut_max_fen, "target_cuts", optional_int(rules->target_cuts),
			 "self_cuts_per_day", (json_int_t)rules->self_cuts_per_day, "helps_per_user_per_day",
			 (json_int_t)rules->helps_per_user_per_day, "bargains_per_user",
			 (json_int_t)rules->bargains_per_user, "helps_per_bargain", optional_int(rules->helps_per_bargain),
			 "bargain_ttl_s", (json_int_t)rules->bargain_ttl_s, "pay_within_s",
			 (json_int_t)rules->pay_within_s);
}

json_t *campaign_item_json(const struct campaign_item *item, enum campaign_view view)
{
	json_t *object = json_pack("{s:I, s:I, s:s, s:O, s:I, s:I, s:I, s:o, s:O}", "id", (json_int_t)item->id,
				   "campaign_id", (json_int_t)item->campaign_id, "name", item->name, "images",
				   item->images, "original_price_fen", (json_int_t)item->original_price_fen,
				   "floor_price_fen", (json_int_t)item->floor_price_fen, "stock_left",
				   (json_int_t)item->stock_left, "rules", campaign_rules_json(&item->rules), "rewards",
				   item->rewards);
	if (object == NULL)
		abort();
	if (view == VIEW_ADMIN) {
		json_object_set_new(object, "stock_total", json_integer((json_int_t)item->stock_total));
		json_object_set_new(object, "stock_reserved", json_integer((json_int_t)item->stock_reserved));
		json_object_set_new(object, "stock_sold", json_integer((json_int_t)item->stock_sold));
		json_object_set_new(object, "created_at", time_json(item->created_at));
		json_object_set_new(object, "updated_at", time_json(item->updated_at));
	}
	return object;
}

const char *campaign_status(const struct campaign *campaign, int64_t now)
{
	if (now < campaign->starts_at)
		return "upcoming";
	if (now >= campaign->ends_at)
		return "ended";
	return "active";
}

json_t *campaign_json(const struct campaign *campaign, int64_t now, enum campaign_view view)
{
	json_t *items = json_array();
	for (int i = 0; i < campaign->item_count; i++)
		json_array_append_new(items, campaign_item_json(&campaign->items[i], view));
	json_t *object = json_pack("{s:I, s:s, s:o, s:o, s:s, s:o}", "id", (json_int_t)campaign->id, "title",
				   campaign->title, "starts_at", time_json(campaign->starts_at), "ends_at",
				   time_json(campaign->ends_at), "status", campaign_status(campaign, now), "items", items);
	if (object == NULL)
		abort();
	if (view == VIEW_ADMIN) {
		json_object_set_new(object, "created_at", time_json(campaign->created_at));
		json_object_set_new(object, "updated_at", time_json(campaign->updated_at));
	}
	return object;
}

/* ============================================================ load, store */

#define ITEM_COLUMNS                                                                                          \
	"id, campaign_id, name, images_json, original_price_fen, floor_price_fen, stock_total, stock_left, " \
	"stock_reserved, stock_sold, cut_min_fen, cut_max_fen, target_cuts, self_cuts_per_day, "             \
	"helps_per_user_per_day, bargains_per_user, helps_per_bargain, bargain_ttl_s, pay_within_s, "        \
	"rewards_json, UNIX_TIMESTAMP(created_at), UNIX_TIMESTAMP(updated_at)"
#define CAMPAIGN_COLUMNS                                                                                      \
	"id, title, UNIX_TIMESTAMP(starts_at), UNIX_TIMESTAMP(ends_at), UNIX_TIMESTAMP(created_at), "        \
	"UNIX_TIMESTAMP(updated_at)"

static const char *const sql_item_by_id = "SELECT " ITEM_COLUMNS " FROM campaign_item WHERE id = ?";
static const char *const sql_item_by_id_locked =
	"SELECT " ITEM_COLUMNS " FROM campaign_item WHERE id = ? FOR UPDATE";
static const char *const sql_items_of_campaign =
	"SELECT " ITEM_COLUMNS " FROM campaign_item WHERE campaign_id = ? ORDER BY id";
static const char *const sql_items_of_range =
	"SELECT " ITEM_COLUMNS " FROM campaign_item WHERE campaign_id BETWEEN ? AND ? ORDER BY campaign_id, id";
/* The public page's items: only of campaigns still listed, so ended ones
 * between the page's first and last id cost nothing. */
static const char *const sql_items_of_range_public =
	"SELECT " ITEM_COLUMNS " FROM campaign_item WHERE campaign_id BETWEEN ? AND ? "
	"AND campaign_id IN (SELECT id FROM campaign WHERE ends_at > FROM_UNIXTIME(?)) ORDER BY campaign_id, id";
static const char *const sql_campaign_by_id = "SELECT " CAMPAIGN_COLUMNS " FROM campaign WHERE id = ?";
static const char *const sql_campaign_by_id_locked =
	"SELECT " CAMPAIGN_COLUMNS " FROM campaign WHERE id = ? FOR UPDATE";
static const char *const sql_campaigns_public =
	"SELECT " CAMPAIGN_COLUMNS " FROM campaign WHERE ends_at > FROM_UNIXTIME(?) AND id > ? ORDER BY id LIMIT ?";
static const char *const sql_campaigns_admin =
	"SELECT " CAMPAIGN_COLUMNS " FROM campaign WHERE id < ? ORDER BY id DESC LIMIT ?";
static const char *const sql_campaign_insert =
	"INSERT INTO campaign (title, starts_at, ends_at, created_at, updated_at) "
	"VALUES (?, FROM_UNIXTIME(?), FROM_UNIXTIME(?), FROM_UNIXTIME(?), FROM_UNIXTIME(?))";
static const char *const sql_campaign_update =
	"UPDATE campaign SET title = ?, starts_at = FROM_UNIXTIME(?), ends_at = FROM_UNIXTIME(?), "
	"updated_at = FROM_UNIXTIME(?) WHERE id = ?";
/* 0 stands for SQL NULL in target_cuts and helps_per_bargain. */
static const char *const sql_item_insert =
	"INSERT INTO campaign_item (campaign_id, name, images_json, original_price_fen, floor_price_fen, "
	"stock_total, stock_left, cut_min_fen, cut_max_fen, target_cuts, self_cuts_per_day, "
	"helps_per_user_per_day, bargains_per_user, helps_per_bargain, bargain_ttl_s, pay_within_s, "
	"rewards_json, created_at, updated_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, NULLIF(?, 0), ?, ?, ?, "
	"FROM_UNIXTIME(?), FROM_UNIXTIME(?))";
static const char *const sql_item_update =
	"UPDATE campaign_item SET name = ?, images_json = ?, original_price_fen = ?, floor_price_fen = ?, "
	"cut_min_fen = ?, cut_max_fen = ?, target_cuts = NULLIF(?, 0), self_cuts_per_day = ?, "
	"helps_per_user_per_day = ?, bargains_per_user = ?, helps_per_bargain = NULLIF(?, 0), "
	"bargain_ttl_s = ?, pay_within_s = ?, rewards_json = ?, updated_at = FROM_UNIXTIME(?) WHERE id = ?";
/* stock_total and stock_left move together, so stock_total stays
 * stock_left + stock_reserved + stock_sold; the condition keeps
 * stock_left >= 0 under any race. */
static const char *const sql_item_stock_adjust =
	"UPDATE campaign_item SET stock_total = stock_total + ?, stock_left = stock_left + ?, "
	"updated_at = FROM_UNIXTIME(?) WHERE id = ? AND stock_left + ? >= 0";

static json_t *parse_stored(struct request *request, const char *text, bool want_array)
{
	json_t *value = text ? json_loads(text, 0, NULL) : NULL;
	if (value == NULL || (want_array ? !json_is_array(value) : !json_is_object(value))) {
		log_error("campaign: stored %s JSON is not readable", want_array ? "images" : "rewards");
		json_decref(value);
		value = want_array ? json_array() : empty_rewards();
	}
	return http_own(request, value);
}

static void item_from_row(struct request *request, const struct db_rows *rows, int row, struct campaign_item *item)
{
	memset(item, 0, sizeof(*item));
	item->id = db_int(rows, row, 0);
	item->campaign_id = db_int(rows, row, 1);
	item->name = db_text(rows, row, 2);
	item->images = parse_stored(request, db_text(rows, row, 3), true);
	item->original_price_fen = db_int(rows, row, 4);
	item->floor_price_fen = db_int(rows, row, 5);
	item->stock_total = db_int(rows, row, 6);
	item->stock_left = db_int(rows, row, 7);
	item->stock_reserved = db_int(rows, row, 8);
	item->stock_sold = db_int(rows, row, 9);
	item->rules.cut_min_fen = db_int(rows, row, 10);
	item->rules.cut_max_fen = db_int(rows, row, 11);
	item->rules.target_cuts = db_null(rows, row, 12) ? 0 : db_int(rows, row, 12);
	item->rules.self_cuts_per_day = db_int(rows, row, 13);
	item->rules.helps_per_user_per_day = db_int(rows, row, 14);
	item->rules.bargains_per_user = db_int(rows, row, 15);
	item->rules.helps_per_bargain = db_null(rows, row, 16) ? 0 : db_int(rows, row, 16);
	item->rules.bargain_ttl_s = db_int(rows, row, 17);
	item->rules.pay_within_s = db_int(rows, row, 18);
	item->rewards = parse_stored(request, db_text(rows, row, 19), false);
	item->created_at = db_int(rows, row, 20);
	item->updated_at = db_int(rows, row, 21);
}

static void campaign_from_row(const struct db_rows *rows, int row, struct campaign *campaign)
{
	memset(campaign, 0, sizeof(*campaign));
	campaign->id = db_int(rows, row, 0);
	campaign->title = db_text(rows, row, 1);
	campaign->starts_at = db_int(rows, row, 2);
	campaign->ends_at = db_int(rows, row, 3);
	campaign->created_at = db_int(rows, row, 4);
	campaign->updated_at = db_int(rows, row, 5);
}

int campaign_item_load(struct request *request, int64_t id, bool for_update, struct campaign_item *item)
{
	struct db_rows rows;
	int status = db_run(request, &rows, for_update ? sql_item_by_id_locked : sql_item_by_id, "i", id);
	if (status != 0)
		return status;
	if (rows.row_count != 1)
		return http_error(request, 404, "not_found");
	item_from_row(request, &rows, 0, item);
	return 0;
}

/* Attaches to each campaign its items among rows (sorted by campaign id). */
static void attach_items(struct request *request, const struct db_rows *rows, struct campaign *campaigns, int count)
{
	for (int c = 0; c < count; c++) {
		int first = -1, found = 0;
		for (int r = 0; r < rows->row_count; r++) {
			if (db_int(rows, r, 1) == campaigns[c].id) {
				if (first < 0)
					first = r;
				found++;
			}
		}
		campaigns[c].item_count = found;
		campaigns[c].items = arena_alloc(&request->arena, sizeof(struct campaign_item) * (size_t)(found + 1));
		for (int i = 0; i < found; i++)
			item_from_row(request, rows, first + i, &campaigns[c].items[i]);
	}
}

int campaign_load(struct request *request, int64_t id, bool for_update, struct campaign *campaign)
{
	struct db_rows rows;
	int status = db_run(request, &rows, for_update ? sql_campaign_by_id_locked : sql_campaign_by_id, "i", id);
	if (status != 0)
		return status;
	if (rows.row_count != 1)
		return http_error(request, 404, "not_found");
	campaign_from_row(&rows, 0, campaign);
	if ((status = db_run(request, &rows, sql_items_of_campaign, "i", id)) != 0)
		return status;
	attach_items(request, &rows, campaign, 1);
	return 0;
}

int campaign_list(struct request *request, enum campaign_view view, int64_t cursor, int64_t limit,
		  struct campaign **campaigns, int *count, bool *more)
{
	struct db_rows rows;
	int status = view == VIEW_PUBLIC
			     ? db_run(request, &rows, sql_campaigns_public, "iii", request->work.now, cursor, limit + 1)
			     : db_run(request, &rows, sql_campaigns_admin, "ii", cursor > 0 ? cursor : INT64_MAX,
				      limit + 1);
	if (status != 0)
		return status;
	*more = rows.row_count > limit;
	int found = *more ? (int)limit : rows.row_count;
	struct campaign *list = arena_alloc(&request->arena, sizeof(struct campaign) * (size_t)(found + 1));
	int64_t low = INT64_MAX, high = 0;
	for (int i = 0; i < found; i++) {
		campaign_from_row(&rows, i, &list[i]);
		if (list[i].id < low)
			low = list[i].id;
		if (list[i].id > high)
			high = list[i].id;
	}
	if (found > 0) {
		struct db_rows items;
		status = view == VIEW_PUBLIC
				 ? db_run(request, &items, sql_items_of_range_public, "iii", low, high, request->work.now)
				 : db_run(request, &items, sql_items_of_range, "ii", low, high);
		if (status != 0)
			return status;
		attach_items(request, &items, list, found);
	}
	*campaigns = list;
	*count = found;
	return 0;
}

int campaign_list_reply(struct request *request, enum campaign_view view)
{
	int64_t limit, cursor;
	int status = http_list_params(request, &limit, &cursor);
	if (status != 0)
		return status;
	struct campaign *campaigns;
	int count;
	bool more;
	if ((status = campaign_list(request, view, cursor, limit, &campaigns, &count, &more)) != 0)
		return status;
	json_t *items = json_array();
	for (int i = 0; i < count; i++)
		json_array_append_new(items, campaign_json(&campaigns[i], request->work.now, view));
	json_t *next = http_next_cursor(count > 0 ? campaigns[count - 1].id : 0, more && count > 0);
	return http_reply(request, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

int campaign_item_insert(struct request *request, int64_t campaign_id, struct campaign_item *item)
{
	const struct campaign_rules *rules = &item->rules;
	struct db_rows rows;
	int status = db_run(request, &rows, sql_item_insert, "issiiiiiiiiiiiiisii", campaign_id, item->name,
			    dump(request, item->images), item->original_price_fen, item->floor_price_fen,
			    item->stock_total, item->stock_total, rules->cut_min_fen, rules->cut_max_fen,
			    rules->target_cuts, rules->self_cuts_per_day, rules->helps_per_user_per_day,
			    rules->bargains_per_user, rules->helps_per_bargain, rules->bargain_ttl_s, rules->pay_within_s,
			    dump(request, item->rewards), request->work.now, request->work.now);
	if (status != 0)
		return status;
	item->id = (int64_t)rows.insert_id;
	item->campaign_id = campaign_id;
	item->stock_left = item->stock_total;
	item->stock_reserved = item->stock_sold = 0;
	item->created_at = item->updated_at = request->work.now;
	return 0;
}

int campaign_insert(struct request *request, struct campaign *campaign)
{
	struct db_rows rows;
	int status = db_run(request, &rows, sql_campaign_insert, "siiii", campaign->title, campaign->starts_at,
			    campaign->ends_at, request->work.now, request->work.now);
	if (status != 0)
		return status;
	campaign->id = (int64_t)rows.insert_id;
	campaign->created_at = campaign->updated_at = request->work.now;
	for (int i = 0; i < campaign->item_count; i++)
		if ((status = campaign_item_insert(request, campaign->id, &campaign->items[i])) != 0)
			return status;
	return 0;
}

int campaign_update(struct request *request, const struct campaign *campaign)
{
	return db_run(request, NULL, sql_campaign_update, "siiii", campaign->title, campaign->starts_at,
		      campaign->ends_at, request->work.now, campaign->id);
}

int campaign_item_update(struct request *request, const struct campaign_item *item)
{
	const struct campaign_rules *rules = &item->rules;
	return db_run(request, NULL, sql_item_update, "ssiiiiiiiiiiisii", item->name, dump(request, item->images),
		      item->original_price_fen, item->floor_price_fen, rules->cut_min_fen, rules->cut_max_fen,
		      rules->target_cuts, rules->self_cuts_per_day, rules->helps_per_user_per_day,
		      rules->bargains_per_user, rules->helps_per_bargain, rules->bargain_ttl_s, rules->pay_within_s,
		      dump(request, item->rewards), request->work.now, item->id);
}

int campaign_item_stock_adjust(struct request *request, int64_t item_id, int64_t delta)
{
	struct db_rows rows;
	int status = db_run(request, &rows, sql_item_stock_adjust, "iiiii", delta, delta, request->work.now, item_id, delta);
	if (status != 0)
		return status;
	if (rows.affected != 1)
		return http_error(request, 409, "insufficient_stock");
	return 0;
}

/* =================================================================== lists */

