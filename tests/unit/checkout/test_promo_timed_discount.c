/* test_promo_timed_discount.c: unit tests of the timed discount kind
 * (fcgi/checkout/promo_timed_discount.c) and the promotion resource's
 * rules (promotion_admin.c's promotion_decide): bad configs first, each
 * refusal naming its field; then the engine's table: percent and fixed
 * prices, the floor, the window, the bargained unit, competing discounts,
 * and a full reduction reached only after the item prices. */
#include <string.h>

#include "checkout/pricing.h"
#include "checkout/promotion.h"
#include "checkout/promotion_admin.h"
#include "core/outcome.h"
#include "kinds.h"
#include "unit.h"

static json_t *parse(const char *text)
{
	json_t *value = json_loads(text, 0, NULL);
	ck_assert_ptr_nonnull(value);
	return value;
}

/* ------------------------------------------------------------- configs */

START_TEST(bad_configs_are_refused_naming_the_field)
{
	static const struct {
		const char *config, *field;
	} bad[] = {
		{ "{}", "config.items" },
		{ "{\"items\": []}", "config.items" },
		{ "{\"items\": {}}", "config.items" },
		{ "{\"items\": [{\"item_id\": 1, \"percent\": 50}], \"x\": 1}", "config.items" },
		{ "{\"items\": [{\"percent\": 50}]}", "config.items.item_id" },
		{ "{\"items\": [{\"item_id\": 0, \"percent\": 50}]}", "config.items.item_id" },
		{ "{\"items\": [{\"item_id\": 1, \"percent\": 0}]}", "config.items.percent" },
		{ "{\"items\": [{\"item_id\": 1, \"percent\": 100}]}", "config.items.percent" },
		{ "{\"items\": [{\"item_id\": 1, \"percent\": \"50\"}]}", "config.items.percent" },
		{ "{\"items\": [{\"item_id\": 1, \"price_fen\": -1}]}", "config.items.price_fen" },
		{ "{\"items\": [{\"item_id\": 1, \"percent\": 50, \"price_fen\": 1}]}", "config.items.item_id" },
		{ "{\"items\": [{\"item_id\": 1, \"percent\": 50}, {\"item_id\": 1, \"percent\": 60}]}",
		  "config.items.item_id" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *config = parse(bad[i].config);
		struct price_timed_discount timed;
		const char *field = NULL;
		ck_assert_msg(!timed_discount_parse(config, &timed, &field), "accepted %s", bad[i].config);
		ck_assert_str_eq(field, bad[i].field);
		json_decref(config);
	}
	json_t *good = parse("{\"items\": [{\"item_id\": 3, \"percent\": 70}, {\"item_id\": 4, \"price_fen\": 0}]}");
	struct price_timed_discount timed;
	const char *field = NULL;
	ck_assert(timed_discount_parse(good, &timed, &field));
	ck_assert_int_eq(timed.item_count, 2);
	ck_assert_int_eq(timed.items[0].percent, 70);
	ck_assert_int_eq(timed.items[1].price_fen, 0);
	json_decref(good);
}
END_TEST

START_TEST(a_promotion_body_is_decided_field_by_field)
{
	static const struct {
		const char *body, *message;
	} bad[] = {
		{ "{\"title\": \"t\", \"config\": {}}", "kind 不正确。" },
		{ "{\"kind\": \"bargain\", \"title\": \"t\", \"config\": {}}", "kind 不正确。" }, /* not configurable */
		{ "{\"kind\": \"nonsense\", \"title\": \"t\", \"config\": {}}", "kind 不正确。" },
		{ "{\"kind\": \"timed_discount\", \"config\": {}}", "title 不正确。" },
		{ "{\"kind\": \"timed_discount\", \"title\": \"\", \"config\": {}}", "title 不正确。" },
		{ "{\"kind\": \"timed_discount\", \"title\": \"t\"}", "config 不正确。" },
		{ "{\"kind\": \"timed_discount\", \"title\": \"t\", \"config\": {}}", "config.items 不正确。" },
		{ "{\"kind\": \"timed_discount\", \"title\": \"t\", \"starts_at\": \"soon\", "
		  "\"config\": {\"items\": [{\"item_id\": 1, \"percent\": 50}]}}", "starts_at 不正确。" },
		{ "{\"kind\": \"timed_discount\", \"title\": \"t\", \"starts_at\": \"2027-01-02T00:00:00Z\", "
		  "\"ends_at\": \"2027-01-01T00:00:00Z\", \"config\": {\"items\": [{\"item_id\": 1, \"percent\": 50}]}}",
		  "ends_at 不正确。" },
		{ "{\"kind\": \"timed_discount\", \"title\": \"t\", \"limits\": {\"total\": 0}, "
		  "\"config\": {\"items\": [{\"item_id\": 1, \"percent\": 50}]}}", "limits.total 不正确。" },
		{ "{\"kind\": \"timed_discount\", \"title\": \"t\", \"limits\": {\"per_user\": \"1\"}, "
		  "\"config\": {\"items\": [{\"item_id\": 1, \"percent\": 50}]}}", "limits.per_user 不正确。" },
		{ "{\"kind\": \"timed_discount\", \"title\": \"t\", \"limits\": {\"all\": 1}, "
		  "\"config\": {\"items\": [{\"item_id\": 1, \"percent\": 50}]}}", "limits 不正确。" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *body = parse(bad[i].body);
		struct promotion_row after;
		const json_t *config;
		char message[PROMOTION_MESSAGE_SIZE];
		ck_assert_int_eq(promotion_decide(body, NULL, NOW, NOW + 3600, &after, &config, message),
				 OUT_INVALID_PROMOTION);
		ck_assert_str_eq(message, bad[i].message);
		json_decref(body);
	}
	/* defaults: the campaign's window, enabled, no limits */
	json_t *body = parse("{\"kind\": \"timed_discount\", \"title\": \"限时五折\", "
			     "\"config\": {\"items\": [{\"item_id\": 1, \"percent\": 50}]}}");
	struct promotion_row after;
	const json_t *config;
	char message[PROMOTION_MESSAGE_SIZE];
	ck_assert_int_eq(promotion_decide(body, NULL, NOW, NOW + 3600, &after, &config, message), DB_OK);
	ck_assert_str_eq(after.kind, "timed_discount");
	ck_assert_int_eq(after.starts_at, NOW);
	ck_assert_int_eq(after.ends_at, NOW + 3600);
	ck_assert(after.enabled);
	ck_assert_int_eq(after.limit_total, 0);
	ck_assert_ptr_nonnull(config);
	/* a patch keeps the kind and what it does not name */
	struct promotion_row before = after;
	before.id = 7;
	json_t *patch = parse("{\"enabled\": false, \"limits\": {\"total\": 5, \"per_user\": null}}");
	ck_assert_int_eq(promotion_decide(patch, &before, NOW, NOW + 3600, &after, &config, message), DB_OK);
	ck_assert(!after.enabled);
	ck_assert_int_eq(after.limit_total, 5);
	ck_assert_ptr_null(config);
	ck_assert_str_eq(after.title, "限时五折");
	json_t *rekind = parse("{\"kind\": \"coupon\"}");
	ck_assert_int_eq(promotion_decide(rekind, &before, NOW, NOW + 3600, &after, &config, message),
			 OUT_INVALID_PROMOTION);
	ck_assert_str_eq(message, "kind 不正确。");
	json_decref(rekind);
	json_decref(patch);
	json_decref(body);
}
END_TEST

/* -------------------------------------------------------------- engine */

static enum price_error quote_of(struct price_line *lines, int line_count, const struct price_timed_discount *timed,
				 int timed_count, const struct price_tier *tiers, int tier_count, int64_t now,
				 struct price_quote *quote)
{
	struct price_rules rules = { .tiers = tiers, .tier_count = tier_count };
	struct price_input input = { .lines = lines, .line_count = line_count, .rules = &rules, .timed = timed,
				     .timed_count = timed_count, .now = now };
	return price_quote(&input, quote);
}

START_TEST(out_of_bounds_timed_discounts_are_bad_input)
{
	struct price_line lines[] = { { 1, 1, 10000, 0, false, 0 } };
	struct price_timed_discount timed = timed_of(9, 1, 100, 0);
	struct price_quote quote;
	ck_assert_int_eq(quote_of(lines, 1, &timed, 1, NULL, 0, NOW, &quote), PRICE_BAD_INPUT);
	timed = timed_of(9, 1, 0, -5);
	ck_assert_int_eq(quote_of(lines, 1, &timed, 1, NULL, 0, NOW, &quote), PRICE_BAD_INPUT);
	ck_assert_int_eq(quote_of(lines, 1, &timed, PRICE_PROMOTIONS_MAX + 1, NULL, 0, NOW, &quote), PRICE_BAD_INPUT);
}
END_TEST

START_TEST(the_table)
{
	static const struct price_tier tier_150[] = { { 15000, 2000 } };
	static const struct {
		const char *name;
		struct price_line line;
		int64_t percent, price_fen, now;
		const struct price_tier *tiers;
		int64_t total, timed_off;
	} cases[] = {
		{ "half price, two units", { 1, 2, 10000, 0, false, 0 }, 50, 0, NOW, NULL, 10000, 10000 },
		{ "70% rounds the shopper's way", { 1, 1, 999, 0, false, 0 }, 70, 0, NOW, NULL, 699, 300 },
		{ "a fixed price", { 1, 3, 10000, 0, false, 0 }, 0, 8800, NOW, NULL, 26400, 3600 },
		{ "a fixed price above the price is no discount", { 1, 1, 10000, 0, false, 0 }, 0, 12000, NOW, NULL,
		  10000, 0 },
		{ "never below the floor", { 1, 2, 10000, 6000, false, 0 }, 50, 0, NOW, NULL, 12000, 8000 },
		{ "another item is untouched", { 2, 1, 10000, 0, false, 0 }, 50, 0, NOW, NULL, 10000, 0 },
		{ "before its window", { 1, 1, 10000, 0, false, 0 }, 50, 0, NOW - 61, NULL, 10000, 0 },
		{ "at its end", { 1, 1, 10000, 0, false, 0 }, 50, 0, NOW + 60, NULL, 10000, 0 },
		{ "the bargained unit keeps its price", { 1, 2, 10000, 0, true, 3000 }, 50, 0, NOW, NULL, 8000, 5000 },
		{ "full reduction on the discounted amount: not reached", { 1, 2, 10000, 0, false, 0 }, 70, 0, NOW,
		  tier_150, 14000, 6000 },
		{ "full reduction on the discounted amount: reached", { 1, 2, 10000, 0, false, 0 }, 80, 0, NOW,
		  tier_150, 14000, 4000 },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct price_line lines[] = { cases[c].line };
		struct price_timed_discount timed = timed_of(9, 1, cases[c].percent, cases[c].price_fen);
		struct price_quote quote;
		ck_assert_int_eq(quote_of(lines, 1, &timed, 1, cases[c].tiers, cases[c].tiers ? 1 : 0, cases[c].now, &quote),
				 PRICE_OK);
		ck_assert_msg(quote.total_fen == cases[c].total, "%s: total %lld", cases[c].name,
			      (long long)quote.total_fen);
		int64_t off = 0;
		for (int d = 0; d < quote.discount_count; d++)
			if (quote.discounts[d].kind == PRICE_TIMED_DISCOUNT) {
				ck_assert_int_eq(quote.discounts[d].promotion_id, 9);
				ck_assert_str_eq(quote.discounts[d].label, "限时折扣：限时");
				off += quote.discounts[d].amount_fen;
			}
		ck_assert_msg(off == cases[c].timed_off, "%s: timed off %lld", cases[c].name, (long long)off);
		ck_assert_int_ge(quote.total_fen, quote.floor_fen);
	}
}
END_TEST

START_TEST(of_competing_discounts_the_lowest_price_serves_each_line)
{
	struct price_line lines[] = { { 1, 1, 10000, 0, false, 0 }, { 2, 1, 10000, 0, false, 0 } };
	struct price_timed_discount timed[3] = { timed_of(5, 1, 60, 0), timed_of(6, 1, 50, 0), timed_of(7, 2, 90, 0) };
	timed[2].items[1] = (struct price_timed_item){ .item_id = 1, .percent = 50 }; /* ties with 6: 6 keeps it */
	timed[2].item_count = 2;
	struct price_quote quote;
	ck_assert_int_eq(quote_of(lines, 2, timed, 3, NULL, 0, NOW, &quote), PRICE_OK);
	ck_assert_int_eq(quote.total_fen, 5000 + 9000);
	ck_assert_int_eq(quote.discount_count, 2);
	ck_assert_int_eq(quote.discounts[0].promotion_id, 6);
	ck_assert_int_eq(quote.discounts[0].amount_fen, 5000);
	ck_assert_int_eq(quote.discounts[1].promotion_id, 7);
	ck_assert_int_eq(quote.discounts[1].amount_fen, 1000);
	/* the same inputs, the same quote */
	struct price_quote again;
	ck_assert_int_eq(quote_of(lines, 2, timed, 3, NULL, 0, NOW, &again), PRICE_OK);
	ck_assert_int_eq(memcmp(&quote, &again, sizeof(quote)), 0);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("promo_timed_discount");
	TCase *bad = tcase_create("refusals");
	tcase_add_test(bad, bad_configs_are_refused_naming_the_field);
	tcase_add_test(bad, a_promotion_body_is_decided_field_by_field);
	tcase_add_test(bad, out_of_bounds_timed_discounts_are_bad_input);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("engine");
	tcase_add_test(good, the_table);
	tcase_add_test(good, of_competing_discounts_the_lowest_price_serves_each_line);
	suite_add_tcase(suite, good);
	return suite;
}
