/* test_campaign.c: unit tests of fcgi/campaign/campaign.c's parse, check and render
 * (the load and store half needs MariaDB: tests/api/test_campaigns.py). */
#include "unit.h"

#include <string.h>

#include "campaign/campaign.h"
#include "http/http.h"

#define NOW 1800000000LL /* 2027-01-15T08:00:00Z */

static struct request request;

static void setup(void)
{
	memset(&request, 0, sizeof(request));
	arena_init(&request.arena);
	request.work.now = NOW;
}

static void teardown(void)
{
	arena_destroy(&request.arena);
}

static const char *const good_item =
	"{\"name\": \"智能手表\", \"images\": [\"/assets/a.jpg\"], \"original_price_fen\": 50000,"
	" \"floor_price_fen\": 30000, \"stock\": 10, \"rules\": {\"cut_min_fen\": 100, \"cut_max_fen\": 5000}}";

/* Parses a campaign body with items text; returns the status. */
static int parse(const char *items, struct campaign *campaign)
{
	char text[16384];
	snprintf(text, sizeof(text),
		 "{\"title\": \"冬季活动\", \"starts_at\": \"2027-01-15T07:00:00Z\","
		 " \"ends_at\": \"2027-02-15T00:00:00Z\", \"items\": %s}", items);
	json_t *body = http_own(&request, json_loads(text, 0, NULL));
	request.status = 0;
	request.error_code = NULL;
	return campaign_parse_new(&request, body, campaign);
}

/* Parses one item (good_item with key replaced by value, or added). */
static int parse_item_with(const char *key, const char *value, struct campaign_item *item)
{
	json_t *object = http_own(&request, json_loads(good_item, 0, NULL));
	if (key != NULL) {
		json_t *parsed = json_loads(value, JSON_DECODE_ANY, NULL);
		ck_assert_ptr_nonnull(parsed);
		json_object_set_new(object, key, parsed);
	}
	request.status = 0;
	request.error_code = NULL;
	return campaign_item_parse_new(&request, object, item, "items[0]");
}

static int parse_rules(const char *rules)
{
	struct campaign_item item;
	return parse_item_with("rules", rules, &item);
}

static int parse_rewards(const char *rewards, struct campaign_item *item)
{
	return parse_item_with("rewards", rewards, item);
}

/* ------------------------------------------------------------- bad input */

START_TEST(bad_input_unknown_keys_and_types_are_400)
{
	struct campaign_item item;
	ck_assert_int_eq(parse_item_with("colour", "\"red\"", &item), 400);
	ck_assert_str_eq(request.error_code, "unknown_field");
	ck_assert_int_eq(parse_rules("{\"cut_min_fen\": 1, \"cut_max_fen\": 2, \"mode\": 1}"), 400);
	ck_assert_str_eq(request.error_code, "unknown_field");
	ck_assert_int_eq(parse_rewards("{\"initiator\": [{\"helpers\": 1, \"prize\": \"x\", \"extra\": 1}]}", &item),
			 400);
	ck_assert_str_eq(request.error_code, "unknown_field");
	ck_assert_int_eq(parse_rewards("{\"helper\": {\"coupon\": {\"title\": \"t\", \"amount_fen\": 1, \"x\": 1}}}",
				       &item), 400);
	ck_assert_int_eq(parse_item_with("original_price_fen", "500.5", &item), 400);
	ck_assert_str_eq(request.error_code, "invalid_field");
	ck_assert_int_eq(parse_item_with("stock", "\"10\"", &item), 400);
	ck_assert_int_eq(parse_item_with("images", "[1]", &item), 400);
	ck_assert_int_eq(parse_rules("{\"cut_min_fen\": 1}"), 400);
	ck_assert_str_eq(request.error_code, "missing_field");
	ck_assert_int_eq(parse_rewards("{\"initiator\": {}}", &item), 400);
}
END_TEST

/* --------------------------------------------------------------- 422 rules */

START_TEST(business_rules_are_422)
{
	struct campaign_item item;
	const struct {
		const char *key;
		const char *value;
	} cases[] = {
		{ "floor_price_fen", "50000" },
		{ "floor_price_fen", "50001" },
		{ "floor_price_fen", "-1" },
		{ "original_price_fen", "0" },
		{ "stock", "-1" },
		{ "name", "\"\"" },
		{ "name", "\"   \"" },
		{ "images", "[\"javascript:alert(1)\"]" },
		{ "images", "[\"//evil.example/a.jpg\"]" },
		{ "images", "[\"/a b.jpg\"]" },
		{ "rules", "{\"cut_min_fen\": 0, \"cut_max_fen\": 5}" },
		{ "rules", "{\"cut_min_fen\": 6, \"cut_max_fen\": 5}" },
		{ "rules", "{\"cut_min_fen\": 100, \"cut_max_fen\": 5000, \"target_cuts\": 3}" },
		{ "rules", "{\"cut_min_fen\": 100, \"cut_max_fen\": 5000, \"target_cuts\": 201}" },
		{ "rules", "{\"cut_min_fen\": 100, \"cut_max_fen\": 5000, \"target_cuts\": 0}" },
		{ "rules", "{\"cut_min_fen\": 100, \"cut_max_fen\": 5000, \"self_cuts_per_day\": 0}" },
		{ "rules", "{\"cut_min_fen\": 100, \"cut_max_fen\": 5000, \"helps_per_user_per_day\": 0}" },
		{ "rules", "{\"cut_min_fen\": 100, \"cut_max_fen\": 5000, \"bargains_per_user\": -1}" },
		{ "rules", "{\"cut_min_fen\": 100, \"cut_max_fen\": 5000, \"helps_per_bargain\": 0}" },
		{ "rules", "{\"cut_min_fen\": 100, \"cut_max_fen\": 5000, \"bargain_ttl_s\": 59}" },
		{ "rules", "{\"cut_min_fen\": 100, \"cut_max_fen\": 5000, \"bargain_ttl_s\": 2592001}" },
		{ "rules", "{\"cut_min_fen\": 100, \"cut_max_fen\": 5000, \"pay_within_s\": 59}" },
		{ "rules", "{\"cut_min_fen\": 100, \"cut_max_fen\": 5000, \"pay_within_s\": 604801}" },
		{ "rewards", "{\"initiator\": [{\"helpers\": 0, \"prize\": \"x\"}]}" },
		{ "rewards", "{\"initiator\": [{\"helpers\": 5}]}" },
		{ "rewards", "{\"initiator\": [{\"helpers\": 5, \"prize\": \"x\"}, {\"helpers\": 5, \"prize\": \"y\"}]}" },
		{ "rewards", "{\"initiator\": [{\"helpers\": 5, \"coupon\": {\"title\": \"t\", \"amount_fen\": 0}}]}" },
		{ "rewards", "{\"helper\": {\"coupon\": {\"title\": \"t\", \"amount_fen\": -1}}}" },
		{ "rewards", "{\"helper\": {\"coupon\": {\"title\": \"t\", \"amount_fen\": 1, \"valid_days\": 0}}}" },
		{ "rewards", "{\"helper\": {\"coupon\": {\"title\": \"\", \"amount_fen\": 1}}}" },
		{ "rewards", "{\"leaderboard\": [{\"rank\": 1, \"prize\": \"a\"}, {\"rank\": 1, \"prize\": \"b\"}]}" },
		{ "rewards", "{\"leaderboard\": [{\"rank\": 0, \"prize\": \"a\"}]}" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int status = parse_item_with(cases[i].key, cases[i].value, &item);
		ck_assert_msg(status == 422, "%s = %s: status %d", cases[i].key, cases[i].value, status);
		ck_assert_str_eq(request.error_code, "invalid_campaign");
		ck_assert_msg(strncmp(request.error_message, "items[0]", 8) == 0, "message %s", request.error_message);
	}
}
END_TEST

START_TEST(campaign_level_rules_are_422)
{
	struct campaign campaign;
	char many[16384] = "[";
	for (int i = 0; i <= CAMPAIGN_ITEMS_MAX; i++) {
		strcat(many, i ? "," : "");
		strcat(many, "{\"name\": \"a\", \"original_price_fen\": 2, \"floor_price_fen\": 1, \"stock\": 1,"
			     " \"rules\": {\"cut_min_fen\": 1, \"cut_max_fen\": 1}}");
	}
	strcat(many, "]");
	ck_assert_int_eq(parse(many, &campaign), 422);
	ck_assert_int_eq(parse("[]", &campaign), 422);
	/* a window already over */
	request.work.now = NOW + 40 * 86400;
	char items[2048];
	snprintf(items, sizeof(items), "[%s]", good_item);
	ck_assert_int_eq(parse(items, &campaign), 422);
	request.work.now = NOW;
	ck_assert_int_eq(parse(items, &campaign), 0);
	ck_assert_int_eq(campaign.item_count, 1);
	ck_assert_int_eq(campaign.ends_at - campaign.starts_at, 31 * 86400 - 7 * 3600);
}
END_TEST

START_TEST(target_cuts_edges)
{
	/* distance 20000 in [100, 5000]: 4..200 cuts fit */
	ck_assert_int_eq(parse_rules("{\"cut_min_fen\": 100, \"cut_max_fen\": 5000, \"target_cuts\": 4}"), 0);
	ck_assert_int_eq(parse_rules("{\"cut_min_fen\": 100, \"cut_max_fen\": 5000, \"target_cuts\": 200}"), 0);
	ck_assert_int_eq(parse_rules("{\"cut_min_fen\": 100, \"cut_max_fen\": 5000, \"target_cuts\": 3}"), 422);
	ck_assert_int_eq(parse_rules("{\"cut_min_fen\": 100, \"cut_max_fen\": 5000, \"target_cuts\": null}"), 0);
}
END_TEST

/* ------------------------------------------------------ normalise, render */

START_TEST(rewards_are_normalised)
{
	struct campaign_item item;
	ck_assert_int_eq(parse_rewards("{\"initiator\": [{\"helpers\": 10, \"prize\": \"杯\"},"
				       " {\"helpers\": 5, \"coupon\": {\"title\": \"券\", \"amount_fen\": 5000}}],"
				       " \"leaderboard\": [{\"rank\": 2, \"prize\": \"b\"}, {\"rank\": 1, \"prize\": \"a\"}]}",
				       &item), 0);
	char *text = json_dumps(item.rewards, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(text, "{\"helper\":null,\"initiator\":[{\"coupon\":{\"amount_fen\":5000,\"min_spend_fen\":0,"
			       "\"title\":\"券\",\"valid_days\":7},\"helpers\":5},{\"helpers\":10,\"prize\":\"杯\"}],"
			       "\"leaderboard\":[{\"prize\":\"a\",\"rank\":1},{\"prize\":\"b\",\"rank\":2}]}");
	free(text);
	ck_assert_int_eq(parse_item_with(NULL, NULL, &item), 0);
	text = json_dumps(item.rewards, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(text, "{\"helper\":null,\"initiator\":[],\"leaderboard\":[]}");
	free(text);
}
END_TEST

START_TEST(rules_defaults_and_render)
{
	struct campaign_item item;
	ck_assert_int_eq(parse_item_with(NULL, NULL, &item), 0);
	json_t *rules = campaign_rules_json(&item.rules);
	char *text = json_dumps(rules, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(text, "{\"bargain_ttl_s\":86400,\"bargains_per_user\":1,\"cut_max_fen\":5000,"
			       "\"cut_min_fen\":100,\"helps_per_bargain\":null,\"helps_per_user_per_day\":3,"
			       "\"pay_within_s\":1800,\"self_cuts_per_day\":3,\"target_cuts\":null}");
	free(text);
	json_decref(rules);

	json_t *public = campaign_item_json(&item, VIEW_PUBLIC);
	json_t *admin = campaign_item_json(&item, VIEW_ADMIN);
	ck_assert_ptr_null(json_object_get(public, "stock_total"));
	ck_assert_int_eq(json_integer_value(json_object_get(public, "stock_left")), 10);
	ck_assert_int_eq(json_integer_value(json_object_get(admin, "stock_total")), 10);
	json_decref(public);
	json_decref(admin);
}
END_TEST

START_TEST(patch_overlays_and_checks)
{
	struct campaign_item item;
	ck_assert_int_eq(parse_item_with(NULL, NULL, &item), 0);
	json_t *patch = http_own(&request, json_loads("{\"rules\": {\"target_cuts\": 8}, \"floor_price_fen\": 20000}", 0,
						      NULL));
	ck_assert_int_eq(campaign_item_apply_patch(&request, patch, &item), 0);
	ck_assert_int_eq(item.rules.target_cuts, 8);
	ck_assert_int_eq(item.rules.cut_max_fen, 5000);
	ck_assert_int_eq(item.floor_price_fen, 20000);
	patch = http_own(&request, json_loads("{\"rules\": {\"target_cuts\": 2}}", 0, NULL));
	ck_assert_int_eq(campaign_item_apply_patch(&request, patch, &item), 422);
	patch = http_own(&request, json_loads("{\"rules\": {\"target_cuts\": null}}", 0, NULL));
	ck_assert_int_eq(campaign_item_apply_patch(&request, patch, &item), 0);
	ck_assert_int_eq(item.rules.target_cuts, 0);

	struct campaign campaign = { .id = 1, .title = "t", .starts_at = NOW, .ends_at = NOW + 100 };
	patch = http_own(&request, json_loads("{\"ends_at\": \"2027-01-15T07:59:59Z\"}", 0, NULL));
	ck_assert_int_eq(campaign_apply_patch(&request, patch, &campaign), 422);
}
END_TEST

START_TEST(status_at_the_edges)
{
	struct campaign campaign = { .id = 1, .title = "t", .starts_at = NOW, .ends_at = NOW + 10 };
	ck_assert_str_eq(campaign_status(&campaign, NOW - 1), "upcoming");
	ck_assert_str_eq(campaign_status(&campaign, NOW), "active");
	ck_assert_str_eq(campaign_status(&campaign, NOW + 9), "active");
	ck_assert_str_eq(campaign_status(&campaign, NOW + 10), "ended");
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("campaign");
	TCase *tc = tcase_create("campaign");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, bad_input_unknown_keys_and_types_are_400);
	tcase_add_test(tc, business_rules_are_422);
	tcase_add_test(tc, campaign_level_rules_are_422);
	tcase_add_test(tc, target_cuts_edges);
	tcase_add_test(tc, rewards_are_normalised);
	tcase_add_test(tc, rules_defaults_and_render);
	tcase_add_test(tc, patch_overlays_and_checks);
	tcase_add_test(tc, status_at_the_edges);
	suite_add_tcase(suite, tc);
	return suite;
}
