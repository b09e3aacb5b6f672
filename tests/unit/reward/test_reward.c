/* test_reward.c: unit tests of fcgi/reward/reward.c's pure parts: reading
 * a campaign's reward entry and the coupon's shown status. */
#include "unit.h"

#include <string.h>

#include "reward/reward.h"

static void read_text(const char *text, struct reward *reward, json_t **keep)
{
	json_error_t error;
	*keep = json_loads(text, 0, &error);
	ck_assert_ptr_nonnull(*keep);
	reward_read(*keep, reward);
}

START_TEST(entries_that_give_nothing)
{
	const char *nothing[] = {
		"{}",
		"{\"coupon\": {\"amount_fen\": 500}}",                 /* no title */
		"{\"coupon\": {\"title\": \"x\", \"amount_fen\": 0}}", /* no amount */
		"{\"coupon\": {\"title\": \"x\", \"amount_fen\": -5}}",
		"{\"coupon\": \"5 off\"}", /* not an object, not a prize */
		"{\"prize\": 7}",
		"{\"helpers\": 3}",
	};
	for (size_t i = 0; i < sizeof(nothing) / sizeof(nothing[0]); i++) {
		struct reward reward;
		json_t *keep;
		read_text(nothing[i], &reward, &keep);
		ck_assert_msg(reward.kind == REWARD_NONE, "%s", nothing[i]);
		json_decref(keep);
	}
	struct reward reward;
	reward_read(NULL, &reward);
	ck_assert_int_eq(reward.kind, REWARD_NONE);
}
END_TEST

START_TEST(a_coupon_without_valid_days_lasts_the_default)
{
	struct reward reward;
	json_t *keep;
	read_text("{\"helpers\": 3, \"coupon\": {\"title\": \"5 off\", \"amount_fen\": 500, \"min_spend_fen\": 2000, "
		  "\"valid_days\": 0}}", &reward, &keep);
	ck_assert_int_eq(reward.kind, REWARD_COUPON);
	ck_assert_str_eq(reward.title, "5 off");
	ck_assert_int_eq(reward.amount_fen, 500);
	ck_assert_int_eq(reward.min_spend_fen, 2000);
	ck_assert_int_eq(reward.valid_days, REWARD_VALID_DAYS_DEFAULT);
	json_decref(keep);
	read_text("{\"coupon\": {\"title\": \"t\", \"amount_fen\": 1, \"valid_days\": 7}}", &reward, &keep);
	ck_assert_int_eq(reward.valid_days, 7);
	ck_assert_int_eq(reward.min_spend_fen, 0);
	json_decref(keep);
}
END_TEST

START_TEST(a_coupon_comes_before_a_prize)
{
	struct reward reward;
	json_t *keep;
	read_text("{\"prize\": \"mug\"}", &reward, &keep);
	ck_assert_int_eq(reward.kind, REWARD_PRIZE);
	ck_assert_str_eq(reward.title, "mug");
	json_decref(keep);
	read_text("{\"prize\": \"mug\", \"coupon\": {\"title\": \"c\", \"amount_fen\": 9}}", &reward, &keep);
	ck_assert_int_eq(reward.kind, REWARD_COUPON);
	json_decref(keep);
}
END_TEST

START_TEST(an_available_coupon_past_its_end_shows_expired)
{
	struct coupon coupon = { .id = 4, .title = "t", .amount_fen = 1, .starts_at = 1000, .expires_at = 2000,
				 .status = "available" };
	json_t *shown = coupon_json(&coupon, 2000);
	ck_assert_str_eq(json_string_value(json_object_get(shown, "status")), "expired");
	json_decref(shown);
	shown = coupon_json(&coupon, 1999);
	ck_assert_str_eq(json_string_value(json_object_get(shown, "status")), "available");
	ck_assert_str_eq(json_string_value(json_object_get(shown, "starts_at")), "1970-01-01T00:16:40Z");
	json_decref(shown);
	coupon.status = "used";
	shown = coupon_json(&coupon, 5000);
	ck_assert_str_eq(json_string_value(json_object_get(shown, "status")), "used");
	json_decref(shown);
}
END_TEST

START_TEST(a_prize_phone_is_masked_unless_full)
{
	struct prize prize = { .id = 1, .user_id = 2, .user_phone = "13800138000", .campaign_id = 3,
			       .campaign_title = "c", .title = "mug", .status = "pending", .created_at = 1000 };
	json_t *shown = prize_json(&prize, false);
	ck_assert_str_ne(json_string_value(json_object_get(shown, "user_phone")), "13800138000");
	ck_assert(json_is_null(json_object_get(shown, "bargain_id")));
	ck_assert(json_is_null(json_object_get(shown, "fulfilled_at")));
	ck_assert(json_is_null(json_object_get(shown, "note")));
	json_decref(shown);
	shown = prize_json(&prize, true);
	ck_assert_str_eq(json_string_value(json_object_get(shown, "user_phone")), "13800138000");
	json_decref(shown);
	prize.user_phone = "not a phone";
	shown = prize_json(&prize, false);
	ck_assert_str_eq(json_string_value(json_object_get(shown, "user_phone")), "***");
	json_decref(shown);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("reward");
	TCase *read = tcase_create("read");
	tcase_add_test(read, entries_that_give_nothing);
	tcase_add_test(read, a_coupon_without_valid_days_lasts_the_default);
	tcase_add_test(read, a_coupon_comes_before_a_prize);
	suite_add_tcase(suite, read);
	TCase *json = tcase_create("json");
	tcase_add_test(json, an_available_coupon_past_its_end_shows_expired);
	tcase_add_test(json, a_prize_phone_is_masked_unless_full);
	suite_add_tcase(suite, json);
	return suite;
}
