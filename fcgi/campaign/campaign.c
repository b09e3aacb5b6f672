/* campaign.c: campaigns and bargain items: parse, check, render, and the
 * admin's changes as flows (load and write through campaign_store.c). See
 * campaign.h for the two-step checking and the rewards shape. */
#include "campaign/campaign.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena_json.h"
#include "core/clock.h"
#include "bargain/cut.h"
#include "db/db.h"
#include "http/http.h"
#include "core/log.h"
#include "admin/audit.h"
#include "campaign/campaign_store.h"
#include "checkout/budget.h" /* issue 14: the budget and exclusive pairs */
#include "core/outcome.h"
#include "campaign/price_history.h"
#include "checkout/promotion_store.h"

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

/* issue 14: the subsidy budget and exclusive pairs (checkout/budget.h checks them) */
#define BUDGET_FIELDS                                                                                          \
	{ .name = "subsidy_budget_fen", .type = FIELD_INT, .nullable = true, .min = 0, .max = BUDGET_FEN_MAX },  \
	{ .name = "exclusive", .type = FIELD_ARRAY, .nullable = true, .max = PRICE_EXCLUSIVE_MAX }

const struct field campaign_create_body[] = {
	{ .name = "title", .type = FIELD_STRING, .required = true, .max = TEXT_BYTES_MAX },
	TIME_FIELD("starts_at", true),
	TIME_FIELD("ends_at", true),
	{ .name = "items", .type = FIELD_ARRAY, .required = true, .max = ARRAY_SIZE_MAX },
	BUDGET_FIELDS,
	{ .name = NULL },
};

const struct field campaign_patch_body[] = {
	{ .name = "title", .type = FIELD_STRING, .max = TEXT_BYTES_MAX },
	TIME_FIELD("starts_at", false),
	TIME_FIELD("ends_at", false),
	BUDGET_FIELDS,
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

/* 422 invalid_campaign: "<where>：<what>", what the text called what
 * (messages.c) formatted with the arguments its comment gives. */
static int invalid(struct request *request, const char *where, const char *what, ...)
{
	char sentence[400];
	va_list args;
	va_start(args, what);
	http_text_vformat(sentence, sizeof(sentence), what, args);
	va_end(args);
	return http_error_detail(request, 422, "invalid_campaign", "campaign.at", where, sentence);
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

/* Checks a display text: 1..max characters, not blank. label names its
 * campaign.label_* text. */
static int check_text(struct request *request, const char *where, const char *label, const char *text,
		      size_t max_chars)
{
	if (text_blank(text))
		return invalid(request, where, "campaign.text_blank", http_text(label));
	if (text_chars(text) > max_chars)
		return invalid(request, where, "campaign.text_long", http_text(label), max_chars);
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
	if ((status = check_text(request, where, "campaign.label_coupon_title", title, REWARD_TITLE_CHARS_MAX)) != 0)
		return status;
	int64_t amount = int_member(object, "amount_fen", 0);
	int64_t min_spend = int_member(object, "min_spend_fen", 0);
	int64_t valid_days = int_member(object, "valid_days", COUPON_DEFAULT_VALID_DAYS);
	if (amount < 1)
		return invalid(request, where, "campaign.coupon_amount");
	if (amount > ITEM_PRICE_MAX_FEN)
		return invalid(request, where, "campaign.coupon_amount_large");
	if (min_spend < 0 || min_spend > ITEM_PRICE_MAX_FEN)
		return invalid(request, where, "campaign.coupon_min_spend");
	if (valid_days < 1 || valid_days > COUPON_VALID_DAYS_MAX)
		return invalid(request, where, "campaign.coupon_valid_days", COUPON_VALID_DAYS_MAX);
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
		return invalid(request, where, "campaign.milestones_max", REWARD_MILESTONES_MAX);
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
			status = invalid(request, here, "campaign.milestone_helpers", RULE_COUNT_MAX);
			break;
		}
		if (coupon == NULL && prize == NULL) {
			status = invalid(request, here, "campaign.milestone_reward");
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
			if ((status = check_text(request, here, "campaign.label_prize", prize, REWARD_PRIZE_CHARS_MAX)) != 0) {
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
		return invalid(request, where, "campaign.milestone_duplicate", (long long)duplicate);
	return 0;
}

static int ranks_parse(struct request *request, const json_t *array, const char *where, json_t **out)
{
	size_t count = json_array_size(array);
	if (count > REWARD_RANKS_MAX)
		return invalid(request, where, "campaign.ranks_max", REWARD_RANKS_MAX);
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
			status = invalid(request, here, "campaign.rank", REWARD_RANKS_MAX);
			break;
		}
		if ((status = check_text(request, here, "campaign.label_prize", prize, REWARD_PRIZE_CHARS_MAX)) != 0)
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
		return invalid(request, where, "campaign.rank_duplicate", (long long)duplicate);
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
			return invalid(request, where, "campaign.rule_positive", members[i].name);
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
		return invalid(request, where, "campaign.images_max", ITEM_IMAGES_MAX);
	for (size_t i = 0; i < count; i++) {
		const json_t *image = json_array_get(array, i);
		if (!json_is_string(image))
			return http_error_detail(request, 400, "invalid_field", "campaign.image_type", where, i);
		const char *path = json_string_value(image);
		size_t length = json_string_length(image);
		if (length == 0 || length > ITEM_IMAGE_BYTES_MAX || strlen(path) != length ||
		    !validate_text(path, length) || strpbrk(path, " \t\n\"'<>") != NULL || !image_path_ok(path))
			return invalid(request, where, "campaign.image_url", i + 1);
	}
	*images = http_own(request, json_deep_copy(array));
	return 0;
}

/* The business rules of one item. */
static int item_check(struct request *request, const struct campaign_item *item, const char *where)
{
	const struct campaign_rules *rules = &item->rules;
	int status = check_text(request, where, "campaign.label_item_name", item->name, ITEM_NAME_CHARS_MAX);
	if (status != 0)
		return status;
	if (item->original_price_fen < 1 || item->original_price_fen > ITEM_PRICE_MAX_FEN)
		return invalid(request, where, "campaign.price", (long long)ITEM_PRICE_MAX_FEN);
	if (item->floor_price_fen < 0)
		return invalid(request, where, "campaign.floor_negative");
	if (item->floor_price_fen >= item->original_price_fen)
		return invalid(request, where, "campaign.floor_below_price");
	if (rules->cut_min_fen < 1)
		return invalid(request, where, "campaign.cut_min");
	if (rules->cut_max_fen < rules->cut_min_fen)
		return invalid(request, where, "campaign.cut_max_below_min");
	if (rules->cut_max_fen > ITEM_PRICE_MAX_FEN)
		return invalid(request, where, "campaign.cut_max_large");
	int64_t distance = item->original_price_fen - item->floor_price_fen;
	if (rules->target_cuts != 0) {
		if (rules->target_cuts > CUT_TARGET_MAX)
			return invalid(request, where, "campaign.target_cuts_max", CUT_TARGET_MAX);
		if (!cut_plan_feasible(distance, rules->cut_min_fen, rules->cut_max_fen, rules->target_cuts))
			return invalid(request, where, "campaign.cuts_cannot_fit", (long long)rules->target_cuts,
				       (long long)rules->cut_min_fen, (long long)rules->cut_max_fen, (long long)distance);
	}
	struct {
		const char *name;
		const char *label; /* a campaign.label_* text */
		int64_t value;
	} limits[] = {
		{ "self_cuts_per_day", "campaign.label_self_cuts_per_day", rules->self_cuts_per_day },
		{ "helps_per_user_per_day", "campaign.label_helps_per_user_per_day", rules->helps_per_user_per_day },
		{ "bargains_per_user", "campaign.label_bargains_per_user", rules->bargains_per_user },
	};
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		if (limits[i].value < 1 || limits[i].value > RULE_COUNT_MAX)
			return invalid(request, where, "campaign.rule_count", http_text(limits[i].label), limits[i].name,
				       RULE_COUNT_MAX);
	if (rules->helps_per_bargain > RULE_COUNT_MAX)
		return invalid(request, where, "campaign.helps_per_bargain", RULE_COUNT_MAX);
	if (rules->bargain_ttl_s < RULE_TTL_MIN_S || rules->bargain_ttl_s > RULE_TTL_MAX_S)
		return invalid(request, where, "campaign.bargain_ttl", RULE_TTL_MIN_S);
	if (rules->pay_within_s < RULE_PAY_MIN_S || rules->pay_within_s > RULE_PAY_MAX_S)
		return invalid(request, where, "campaign.pay_within", RULE_PAY_MIN_S);
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
		return invalid(request, where, "campaign.stock_negative");
	if (stock > ITEM_STOCK_MAX)
		return invalid(request, where, "campaign.stock_max", (long long)ITEM_STOCK_MAX);
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
	int status = check_text(request, "body.title", "campaign.label_title", campaign->title, CAMPAIGN_TITLE_CHARS_MAX);
	if (status != 0)
		return status;
	if (campaign->ends_at <= campaign->starts_at)
		return invalid(request, "body.ends_at", "campaign.ends_before_start");
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
		return invalid(request, "body.ends_at", "campaign.ended");
	const json_t *items = json_object_get(body, "items");
	size_t count = json_array_size(items);
	if (count == 0)
		return invalid(request, "body.items", "campaign.items_none");
	if (count > CAMPAIGN_ITEMS_MAX)
		return invalid(request, "body.items", "campaign.items_max", CAMPAIGN_ITEMS_MAX);
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
	if (view == VIEW_PUBLIC && item->priced) {
		json_object_set_new(object, "price_fen", json_integer((json_int_t)item->price_fen));
		json_object_set_new(object, "was_price_fen", optional_int(item->was_price_fen));
	}
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
	if (view == VIEW_PUBLIC && campaign->promotions != NULL)
		json_object_set(object, "promotions", campaign->promotions);
	return object;
}


/* ================================================================== flows */

/* The budget and pairs of change->body for campaign_id; 422 on the checker. */
static int budget_apply(struct unit *unit, struct campaign_change *change, int64_t campaign_id)
{
	char message[BUDGET_MESSAGE_SIZE];
	int result = campaign_budget_apply(unit, campaign_id, change->body, message);
	if (result == OUT_INVALID_CAMPAIGN)
		return http_error_message(change->checker, 422, "invalid_campaign", "%s", message);
	return result;
}

static int create_body(struct unit *unit, void *context)
{
	struct campaign_change *change = context;
	int result = campaign_insert(unit, change->campaign);
	if (result != DB_OK || (result = budget_apply(unit, change, change->campaign->id)) != DB_OK ||
	    (result = price_history_refresh(unit, change->campaign->id)) != DB_OK)
		return result;
	change->after = arena_json_own(unit->arena, campaign_json(change->campaign, unit->now, VIEW_ADMIN));
	if ((result = campaign_budget_show(unit, change->campaign->id, change->after)) != DB_OK)
		return result;
	return audit_write(unit, change->admin_id, "campaign.create", "campaign", change->campaign->id, NULL,
			   change->after);
}

int campaign_create(struct unit *unit, struct campaign_change *change)
{
	return db_atomic(unit, create_body, change);
}

static int patch_body(struct unit *unit, void *context)
{
	struct campaign_change *change = context;
	struct campaign campaign;
	int result = campaign_load(unit, change->id, true, &campaign);
	if (result != DB_OK)
		return result;
	json_t *before = arena_json_own(unit->arena, campaign_json(&campaign, unit->now, VIEW_ADMIN));
	if ((result = campaign_budget_show(unit, campaign.id, before)) != DB_OK ||
	    (result = campaign_apply_patch(change->checker, change->body, &campaign)) != 0 ||
	    (result = campaign_update(unit, &campaign)) != DB_OK ||
	    (result = budget_apply(unit, change, campaign.id)) != DB_OK)
		return result;
	campaign.updated_at = unit->now;
	change->after = arena_json_own(unit->arena, campaign_json(&campaign, unit->now, VIEW_ADMIN));
	if ((result = campaign_budget_show(unit, campaign.id, change->after)) != DB_OK)
		return result;
	return audit_write(unit, change->admin_id, "campaign.update", "campaign", campaign.id, before, change->after);
}

int campaign_patch(struct unit *unit, struct campaign_change *change)
{
	return db_atomic(unit, patch_body, change);
}

static int item_create_body(struct unit *unit, void *context)
{
	struct campaign_change *change = context;
	struct campaign campaign;
	int result = campaign_load(unit, change->id, true, &campaign);
	if (result != DB_OK)
		return result;
	if (campaign.item_count >= CAMPAIGN_ITEMS_MAX)
		return invalid(change->checker, "body", "campaign.items_max", CAMPAIGN_ITEMS_MAX);
	if ((result = campaign_item_insert(unit, campaign.id, change->item)) != DB_OK ||
	    (result = price_history_refresh(unit, campaign.id)) != DB_OK)
		return result;
	change->after = arena_json_own(unit->arena, campaign_item_json(change->item, VIEW_ADMIN));
	return audit_write(unit, change->admin_id, "item.create", "campaign_item", change->item->id, NULL,
			   change->after);
}

int campaign_item_create(struct unit *unit, struct campaign_change *change)
{
	return db_atomic(unit, item_create_body, change);
}

static int item_patch_body(struct unit *unit, void *context)
{
	struct campaign_change *change = context;
	struct campaign_item item;
	int result = campaign_item_load(unit, change->id, true, &item);
	if (result != DB_OK)
		return result;
	json_t *before = arena_json_own(unit->arena, campaign_item_json(&item, VIEW_ADMIN));
	int64_t price_before = item.original_price_fen;
	if ((result = campaign_item_apply_patch(change->checker, change->body, &item)) != 0 ||
	    (result = campaign_item_update(unit, &item)) != DB_OK)
		return result;
	/* a new list price is a change of price (and of every percent discount
	 * of the item): its history follows in this transaction */
	if (item.original_price_fen != price_before && (result = price_history_refresh(unit, item.campaign_id)) != DB_OK)
		return result;
	int64_t delta = int_member(change->body, "stock_delta", 0);
	if (delta < -ITEM_STOCK_MAX || delta > ITEM_STOCK_MAX || item.stock_total + delta > ITEM_STOCK_MAX)
		return invalid(change->checker, "body.stock_delta", "campaign.stock_delta");
	if (delta != 0 && (result = stock_adjust(unit, change->id, delta)) != DB_OK)
		return result;
	/* Read back: the stock columns may have moved under other orders. */
	if ((result = campaign_item_load(unit, change->id, false, &item)) != DB_OK)
		return result;
	change->after = arena_json_own(unit->arena, campaign_item_json(&item, VIEW_ADMIN));
	return audit_write(unit, change->admin_id, "item.update", "campaign_item", change->id, before, change->after);
}

int campaign_item_patch(struct unit *unit, struct campaign_change *change)
{
	return db_atomic(unit, item_patch_body, change);
}

/* ========================================================= public read */

/* What shoppers see of the campaign's promotions (a presale stays while
 * its final payment window has not ended). A new reference. */
static json_t *promotions_shown_json(const struct promotion_live *shown, int count, int64_t now)
{
	json_t *list = json_array();
	for (int i = count - 1; i >= 0; i--) { /* loaded newest first; shown by id */
		const struct promotion_live *p = &shown[i];
		if (p->config == NULL)
			continue;
		if (p->ends_at <= now) { /* only a presale is read after its window */
			int64_t final_ends_at = 0;
			const char *final_text = json_string_value(json_object_get(p->config, "final_ends_at"));
			if (final_text == NULL || clock_parse_rfc3339(final_text, &final_ends_at) != 0 || final_ends_at <= now)
				continue;
		}
		json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:o, s:o, s:O}", "id", (json_int_t)p->id, "kind",
						      p->kind, "title", p->title, "starts_at", time_json(p->starts_at),
						      "ends_at", time_json(p->ends_at), "config", p->config));
	}
	return list;
}

int campaign_public_read(struct unit *unit, int64_t id, int64_t items_cursor, int64_t items_limit,
			 struct campaign *campaign)
{
	int result = campaign_load_page(unit, id, items_cursor, items_limit, campaign);
	if (result != DB_OK || (result = price_history_read(unit, campaign)) != DB_OK)
		return result;
	struct promotion_live *shown;
	int count;
	if ((result = promotions_shown_load(unit, id, &shown, &count)) != DB_OK)
		return result;
	campaign->promotions = arena_json_own(unit->arena, promotions_shown_json(shown, count, unit->now));
	return DB_OK;
}
