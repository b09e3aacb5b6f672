/* test_bargain.c: unit tests of fcgi/bargain/bargain.c's pure decisions:
 * who may cut or help, why a cut found nothing to cut, what a cut and a
 * shadowed help show, which milestones a help reaches, and how a start
 * decides. Refusals first. */
#include "unit.h"

#include <string.h>

#include "bargain/bargain.h"
#include "bargain/bargain_store.h"
#include "core/arena.h"
#include "core/outcome.h"
#include "db/db.h"
#include "reward/reward.h"

#define NOW 1800000000

static struct bargain active_bargain(void)
{
	return (struct bargain){ .id = 7, .item_id = 3, .campaign_id = 2, .user_id = 100, .status = "active",
				 .original_price_fen = 10000, .floor_price_fen = 1000, .current_price_fen = 6000,
				 .cut_total_fen = 4000, .helpers = 2, .cuts = 3, .cut_min_fen = 100,
				 .cut_max_fen = 500, .share_code = "abcdefghijklmnop", .started_at = NOW - 3600,
				 .expires_at = NOW + 3600 };
}

static struct bargain_item open_item(void)
{
	return (struct bargain_item){ .item_id = 3, .campaign_id = 2, .original_price_fen = 10000,
				      .floor_price_fen = 1000, .stock_left = 5, .cut_min_fen = 100,
				      .cut_max_fen = 500, .bargains_per_user = 2, .bargain_ttl_s = 86400,
				      .starts_at = NOW - 86400, .ends_at = NOW + 7 * 86400 };
}

/* ================================================================ refusals */

START_TEST(help_refusals_in_order)
{
	struct bargain bargain = active_bargain();
	/* the owner's own bargain comes first, even closed and helped */
	bargain.status = "expired";
	ck_assert_int_eq(bargain_help_refusal(&bargain, 100, true, NOW), OUT_SELF_HELP);
	ck_assert_int_eq(bargain_help_refusal(&bargain, 200, true, NOW), OUT_BARGAIN_CLOSED);
	bargain = active_bargain();
	ck_assert_int_eq(bargain_help_refusal(&bargain, 200, true, NOW), OUT_ALREADY_HELPED);
	/* past its window but not swept yet: closed */
	ck_assert_int_eq(bargain_help_refusal(&bargain, 200, false, bargain.expires_at), OUT_BARGAIN_CLOSED);
	bargain.status = "succeeded";
	ck_assert_int_eq(bargain_help_refusal(&bargain, 200, false, NOW), OUT_BARGAIN_CLOSED);
	bargain = active_bargain();
	ck_assert_int_eq(bargain_help_refusal(&bargain, 200, false, bargain.expires_at - 1), DB_OK);
}
END_TEST

START_TEST(self_cut_refusals)
{
	struct bargain bargain = active_bargain();
	ck_assert_int_eq(bargain_self_cut_refusal(&bargain, 200, NOW), OUT_NOT_FOUND); /* ids say nothing */
	ck_assert_int_eq(bargain_self_cut_refusal(&bargain, 100, bargain.expires_at), OUT_BARGAIN_CLOSED);
	bargain.status = "ordered";
	ck_assert_int_eq(bargain_self_cut_refusal(&bargain, 100, NOW), OUT_BARGAIN_CLOSED);
	bargain = active_bargain();
	ck_assert_int_eq(bargain_self_cut_refusal(&bargain, 100, NOW), DB_OK);
}
END_TEST

START_TEST(a_cut_that_found_nothing_is_closed_unless_the_helper_cap_is_reached)
{
	struct bargain bargain = active_bargain();
	ck_assert_int_eq(bargain_cut_refusal(&bargain, true), OUT_BARGAIN_CLOSED); /* no cap */
	bargain.helps_limited = true;
	bargain.helps_per_bargain = 3;
	ck_assert_int_eq(bargain_cut_refusal(&bargain, true), OUT_BARGAIN_CLOSED); /* 2 of 3 */
	bargain.helpers = 3;
	ck_assert_int_eq(bargain_cut_refusal(&bargain, true), OUT_HELPS_FULL);
	ck_assert_int_eq(bargain_cut_refusal(&bargain, false), OUT_BARGAIN_CLOSED); /* the owner has no cap */
}
END_TEST

START_TEST(start_refusals)
{
	struct bargain_item item = open_item();
	struct bargain_start_facts facts = { .item = &item, .now = item.starts_at - 1 };
	struct bargain_start_decision decision;
	bargain_start_decide(&facts, &decision);
	ck_assert_int_eq(decision.refusal, OUT_CAMPAIGN_NOT_ACTIVE);
	ck_assert(!decision.use_open && !decision.close_open);
	facts.now = item.ends_at;
	ck_assert_int_eq(bargain_start_window_refusal(&item, facts.now), OUT_CAMPAIGN_NOT_ACTIVE);
	ck_assert_int_eq(bargain_start_window_refusal(&item, item.starts_at), DB_OK);

	facts.now = NOW;
	item.stock_left = 0;
	bargain_start_decide(&facts, &decision);
	ck_assert_int_eq(decision.refusal, OUT_OUT_OF_STOCK);
	item = open_item();
	facts.started = 2;
	bargain_start_decide(&facts, &decision);
	ck_assert_int_eq(decision.refusal, OUT_BARGAIN_LIMIT);
	/* an expired open one is closed even though the start is refused */
	facts.open = true;
	facts.open_expired = true;
	bargain_start_decide(&facts, &decision);
	ck_assert_int_eq(decision.refusal, OUT_BARGAIN_LIMIT);
	ck_assert(decision.close_open);
	ck_assert(!decision.use_open);
}
END_TEST

/* ================================================================ decisions */

START_TEST(an_open_bargain_is_answered_whatever_the_limits)
{
	struct bargain_item item = open_item();
	item.stock_left = 0;
	struct bargain_start_facts facts = { .item = &item, .now = NOW, .started = 99, .open = true };
	struct bargain_start_decision decision;
	bargain_start_decide(&facts, &decision);
	ck_assert_int_eq(decision.refusal, DB_OK);
	ck_assert(decision.use_open);
	ck_assert(!decision.close_open);
}
END_TEST

START_TEST(a_new_bargain_ends_with_its_ttl_or_its_campaign)
{
	struct bargain_item item = open_item();
	struct bargain_start_facts facts = { .item = &item, .now = NOW, .started = 1 };
	struct bargain_start_decision decision;
	bargain_start_decide(&facts, &decision);
	ck_assert_int_eq(decision.refusal, DB_OK);
	ck_assert_int_eq(decision.expires_at, NOW + 86400);
	item.ends_at = NOW + 60;
	bargain_start_decide(&facts, &decision);
	ck_assert_int_eq(decision.expires_at, NOW + 60);
}
END_TEST

START_TEST(a_cut_row_shows_the_bargain_after_it)
{
	struct bargain bargain = active_bargain();
	struct bargain_cut_row row = { .seq = 4, .cut_fen = 300, .price_after_fen = 5700, .helpers_after = 3 };
	bargain_cut_apply(&bargain, &row, NOW);
	ck_assert_int_eq(bargain.cuts, 4);
	ck_assert_int_eq(bargain.last_cut_fen, 300);
	ck_assert_int_eq(bargain.cut_total_fen, 4300);
	ck_assert_int_eq(bargain.helpers, 3);
	ck_assert_str_eq(bargain.status, "active");
	ck_assert_int_eq(bargain.succeeded_at, 0);
	row = (struct bargain_cut_row){ .seq = 5, .cut_fen = 4700, .price_after_fen = 1000, .helpers_after = 3 };
	bargain_cut_apply(&bargain, &row, NOW);
	ck_assert_str_eq(bargain.status, "succeeded");
	ck_assert_int_eq(bargain.succeeded_at, NOW);
	ck_assert_int_eq(bargain.cut_total_fen, 9000);
}
END_TEST

START_TEST(an_exact_plan_draws_nothing_and_a_range_draws_within_it)
{
	struct bargain bargain = active_bargain();
	for (uint64_t random = 0; random < 1000; random += 37) {
		int64_t drawn = bargain_cut_drawn(&bargain, random * 0x9e3779b97f4a7c15ull);
		ck_assert(drawn >= bargain.cut_min_fen && drawn <= bargain.cut_max_fen);
	}
	bargain.exact = true;
	ck_assert_int_eq(bargain_cut_drawn(&bargain, 12345), 0);
}
END_TEST

START_TEST(a_shadowed_help_looks_like_a_help_and_stops_at_the_floor)
{
	struct bargain bargain = active_bargain(), shown;
	int64_t cut;
	bargain_shadow_cut(&bargain, 42, NOW, &shown, &cut);
	ck_assert(cut >= bargain.cut_min_fen && cut <= bargain.cut_max_fen);
	ck_assert_int_eq(shown.current_price_fen, bargain.current_price_fen - cut);
	ck_assert_int_eq(shown.helpers, bargain.helpers + 1);
	ck_assert_int_eq(shown.cuts, bargain.cuts + 1);
	ck_assert_str_eq(shown.status, "active");
	ck_assert_int_eq(bargain.helpers, 2); /* the real one is untouched */
	bargain.current_price_fen = bargain.floor_price_fen + 50; /* less than a minimum cut left */
	bargain_shadow_cut(&bargain, 42, NOW, &shown, &cut);
	ck_assert_int_eq(cut, 50);
	ck_assert_str_eq(shown.status, "succeeded");
	ck_assert_int_eq(shown.succeeded_at, NOW);
}
END_TEST

START_TEST(milestones_are_due_at_exactly_their_count)
{
	json_error_t error;
	json_t *rewards = json_loads("{\"initiator\": [{\"helpers\": 3, \"prize\": \"a\"}, {\"helpers\": 5, \"prize\": "
				     "\"b\"}, {\"helpers\": 3, \"prize\": \"c\"}], \"helper\": {}}", 0, &error);
	ck_assert_ptr_nonnull(rewards);
	const json_t *due[4];
	ck_assert_int_eq(bargain_milestones_due(rewards, 2, due, 4), 0);
	ck_assert_int_eq(bargain_milestones_due(rewards, 4, due, 4), 0);
	ck_assert_int_eq(bargain_milestones_due(rewards, 3, due, 4), 2);
	ck_assert_str_eq(json_string_value(json_object_get(due[1], "prize")), "c");
	ck_assert_int_eq(bargain_milestones_due(rewards, 3, due, 1), 1); /* never past max */
	ck_assert_int_eq(bargain_milestones_due(rewards, 5, due, 4), 1);
	json_t *none = json_object();
	ck_assert_int_eq(bargain_milestones_due(none, 3, due, 4), 0);
	json_decref(none);
	json_decref(rewards);
}
END_TEST

/* A help's rewards: the helper's under its grant key, the initiator's
 * milestones that give something, each with the count it is due at;
 * entries that give nothing are left out. */
START_TEST(a_help_decides_its_rewards_and_their_grant_keys)
{
	struct arena arena;
	arena_init(&arena);
	struct unit unit = { .arena = &arena, .now = NOW };
	json_error_t error;
	json_t *rewards = json_loads("{\"initiator\": [{\"helpers\": 3, \"prize\": \"a\"}, {\"helpers\": 4}, "
				     "{\"helpers\": 5, \"coupon\": {\"title\": \"t\", \"amount_fen\": 500}}], "
				     "\"helper\": {\"coupon\": {\"title\": \"券\", \"amount_fen\": 100}}}", 0, &error);
	ck_assert_ptr_nonnull(rewards);
	struct bargain bargain = active_bargain();
	struct reward helper_reward, milestone_rewards[BARGAIN_MILESTONE_ENTRIES_MAX];
	struct bargain_help_reward helper, milestones[BARGAIN_MILESTONE_ENTRIES_MAX];
	int count = -1;
	bargain_help_rewards_decide(&unit, &bargain, 42, rewards, &helper_reward, &helper, milestone_rewards,
				    milestones, &count);
	json_decref(rewards);
	ck_assert_ptr_nonnull(helper.reward);
	ck_assert_int_eq(helper.user_id, 42);
	ck_assert_str_eq(helper.milestone, "help:42");
	ck_assert_str_eq(helper_reward.title, "券"); /* copied: it outlives rewards */
	ck_assert_int_eq(helper_reward.amount_fen, 100);
	ck_assert_int_eq(count, 2);
	ck_assert_int_eq(milestones[0].helpers, 3);
	ck_assert_str_eq(milestones[0].milestone, "helpers:3");
	ck_assert_int_eq(milestones[0].user_id, bargain.user_id);
	ck_assert_int_eq(milestones[0].reward->kind, REWARD_PRIZE);
	ck_assert_int_eq(milestones[1].helpers, 5);
	ck_assert_int_eq(milestones[1].reward->kind, REWARD_COUPON);
	/* nothing to give */
	json_t *none = json_object();
	bargain_help_rewards_decide(&unit, &bargain, 42, none, &helper_reward, &helper, milestone_rewards, milestones,
				    &count);
	json_decref(none);
	ck_assert_ptr_null(helper.reward);
	ck_assert_int_eq(count, 0);
	arena_destroy(&arena);
}
END_TEST

START_TEST(share_codes_have_one_shape)
{
	ck_assert(!share_code_shape(NULL));
	ck_assert(!share_code_shape(""));
	ck_assert(!share_code_shape("abcdefghijklmno"));   /* 15 */
	ck_assert(!share_code_shape("abcdefghijklmnopq")); /* 17 */
	ck_assert(!share_code_shape("abcdefghijklmn+/"));  /* base64, not base64url */
	ck_assert(!share_code_shape("abcdefghijklmn'-"));
	ck_assert(share_code_shape("aZ09-_aZ09-_aZ09"));
	char code[SHARE_CODE_LENGTH + 1];
	share_code_new(code);
	ck_assert(share_code_shape(code));
}
END_TEST

START_TEST(etags_match_weak_strong_and_lists)
{
	ck_assert(!etag_matches(NULL, "\"b1-2-active\""));
	ck_assert(!etag_matches("\"b1-2\"", "\"b1-2-active\""));
	ck_assert(!etag_matches("\"b1-2-active-x\"", "\"b1-2-active\""));
	ck_assert(etag_matches("\"b1-2-active\"", "\"b1-2-active\""));
	ck_assert(etag_matches("W/\"b1-2-active\"", "\"b1-2-active\""));
	ck_assert(etag_matches("\"x\", W/\"b1-2-active\"", "\"b1-2-active\""));
	ck_assert(etag_matches("*", "\"b1-2-active\""));
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("bargain");
	TCase *refusals = tcase_create("refusals");
	tcase_add_test(refusals, help_refusals_in_order);
	tcase_add_test(refusals, self_cut_refusals);
	tcase_add_test(refusals, a_cut_that_found_nothing_is_closed_unless_the_helper_cap_is_reached);
	tcase_add_test(refusals, start_refusals);
	suite_add_tcase(suite, refusals);
	TCase *decisions = tcase_create("decisions");
	tcase_add_test(decisions, an_open_bargain_is_answered_whatever_the_limits);
	tcase_add_test(decisions, a_new_bargain_ends_with_its_ttl_or_its_campaign);
	tcase_add_test(decisions, a_cut_row_shows_the_bargain_after_it);
	tcase_add_test(decisions, an_exact_plan_draws_nothing_and_a_range_draws_within_it);
	tcase_add_test(decisions, a_shadowed_help_looks_like_a_help_and_stops_at_the_floor);
	tcase_add_test(decisions, milestones_are_due_at_exactly_their_count);
	tcase_add_test(decisions, a_help_decides_its_rewards_and_their_grant_keys);
	tcase_add_test(decisions, share_codes_have_one_shape);
	tcase_add_test(decisions, etags_match_weak_strong_and_lists);
	suite_add_tcase(suite, decisions);
	return suite;
}
