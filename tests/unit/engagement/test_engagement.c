/* test_engagement.c: unit tests of fcgi/engagement/engagement.c's pure
 * rules: the settings reader (refusals first, each naming its field), the
 * check-in streak and bonus, the shop day, invitation joins, rewards and
 * ring letters, and the exchange's limits. */
#include "unit.h"

#include <string.h>

#include "core/outcome.h"
#include "db/db.h"
#include "engagement/engagement.h"

static int read_text(const char *text, struct engagement_settings *out, char field[ENGAGEMENT_FIELD_SIZE])
{
	struct engagement_settings base;
	engagement_settings_default(&base);
	json_error_t error;
	json_t *json = json_loads(text, 0, &error);
	ck_assert_ptr_nonnull(json);
	int result = engagement_settings_read(json, &base, out, field);
	json_decref(json);
	return result;
}

START_TEST(settings_refusals_name_the_field)
{
	static const struct {
		const char *body, *field;
	} refused[] = {
		{ "{\"colour\": 1}", "colour" },
		{ "{\"checkin\": []}", "checkin" },
		{ "{\"checkin\": {\"points\": []}}", "checkin.points" },
		{ "{\"checkin\": {\"points\": [1, \"2\"]}}", "checkin.points[1]" },
		{ "{\"checkin\": {\"points\": [1, -2]}}", "checkin.points[1]" },
		{ "{\"checkin\": {\"streak_bonus\": [{\"days\": 3}]}}", "checkin.streak_bonus[0].points" },
		{ "{\"checkin\": {\"streak_bonus\": [{\"days\": 3, \"points\": 5, \"x\": 1}]}}", "checkin.streak_bonus[0]" },
		{ "{\"new_user_pack\": {\"points\": -1}}", "new_user_pack.points" },
		{ "{\"new_user_pack\": {\"red_packet_fen\": 100000001}}", "new_user_pack.red_packet_fen" },
		{ "{\"new_user_pack\": {\"coupon_promotion_ids\": [0]}}", "new_user_pack.coupon_promotion_ids" },
		{ "{\"new_user_pack\": {\"coupon_promotion_ids\": [\"3\"]}}", "new_user_pack.coupon_promotion_ids" },
		{ "{\"new_user_pack\": {\"coupons\": [{\"title\": \"t\", \"amount_fen\": 0}]}}",
		  "new_user_pack.coupons[0].amount_fen" },
		{ "{\"invite\": {\"every\": 0}}", "invite.every" },
		{ "{\"invite\": {\"qualify\": \"signup\"}}", "invite.qualify" },
		{ "{\"invite\": {\"reward\": {}}}", "invite.reward" },
		{ "{\"invite\": {\"reward\": {\"coupon_promotion_id\": 0}}}", "invite.reward.coupon_promotion_id" },
		{ "{\"invite\": {\"reward\": {\"prize\": \"\"}}}", "invite.reward.prize" },
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct engagement_settings settings;
		char field[ENGAGEMENT_FIELD_SIZE];
		ck_assert_msg(read_text(refused[i].body, &settings, field) == -1, "%s", refused[i].body);
		ck_assert_str_eq(field, refused[i].field);
	}
}
END_TEST

START_TEST(settings_keys_left_out_keep_their_values)
{
	struct engagement_settings settings;
	char field[ENGAGEMENT_FIELD_SIZE];
	ck_assert_int_eq(read_text("{\"checkin\": {\"points\": [1, 2]}, \"new_user_pack\": {\"points\": 8}}", &settings,
				   field),
			 0);
	ck_assert_int_eq(settings.checkin_point_count, 2);
	ck_assert_int_eq(settings.checkin_points[1], 2);
	ck_assert_int_eq(settings.streak_bonus_count, 1); /* kept */
	ck_assert_int_eq(settings.pack_points, 8);
	ck_assert_int_eq(settings.pack_red_packet_days, 7);
	ck_assert_int_eq(settings.invite_every, 3);
	ck_assert_int_eq(settings.invite_reward.kind, ENGAGEMENT_REWARD_POINTS);
	/* and the JSON reads back to the same settings */
	json_t *shown = engagement_settings_json(&settings);
	struct engagement_settings again;
	ck_assert_int_eq(engagement_settings_read(shown, &settings, &again, field), 0);
	ck_assert_int_eq(memcmp(&settings, &again, sizeof(settings)), 0);
	json_decref(shown);
}
END_TEST

static struct checkin_decision decide(bool has_last, int64_t last_day, int64_t last_streak)
{
	struct engagement_settings settings;
	engagement_settings_default(&settings);
	struct checkin_facts facts = { .today = 20000, .has_last = has_last, .last_day = last_day,
				       .last_streak = last_streak };
	return checkin_decide(&settings, &facts);
}

START_TEST(checkin_twice_a_day_is_refused)
{
	ck_assert(decide(true, 20000, 3).already);
	ck_assert(decide(true, 20001, 1).already); /* a later day already (clock moved back) */
}
END_TEST

START_TEST(checkin_streak_points_and_bonus)
{
	struct checkin_decision first = decide(false, 0, 0);
	ck_assert(!first.already);
	ck_assert_int_eq(first.streak, 1);
	ck_assert_int_eq(first.points, 5);
	ck_assert_int_eq(first.bonus_points, 0);
	struct checkin_decision third = decide(true, 19999, 2);
	ck_assert_int_eq(third.streak, 3);
	ck_assert_int_eq(third.points, 10);
	struct checkin_decision seventh = decide(true, 19999, 6);
	ck_assert_int_eq(seventh.streak, 7);
	ck_assert_int_eq(seventh.points, 30);
	ck_assert_int_eq(seventh.bonus_points, 100);
	struct checkin_decision tenth = decide(true, 19999, 9); /* past the list: its last entry, no bonus */
	ck_assert_int_eq(tenth.points, 30);
	ck_assert_int_eq(tenth.bonus_points, 0);
	struct checkin_decision broken = decide(true, 19998, 6);
	ck_assert_int_eq(broken.streak, 1);
	ck_assert_int_eq(broken.points, 5);
}
END_TEST

START_TEST(checkin_streak_shown)
{
	struct checkin_facts facts = { .today = 100, .has_last = true, .last_day = 98, .last_streak = 4 };
	ck_assert_int_eq(checkin_streak_now(&facts), 0);
	facts.last_day = 99;
	ck_assert_int_eq(checkin_streak_now(&facts), 4);
	facts.last_day = 100;
	ck_assert_int_eq(checkin_streak_now(&facts), 4);
	facts.has_last = false;
	ck_assert_int_eq(checkin_streak_now(&facts), 0);
}
END_TEST

START_TEST(the_shop_day_starts_at_16_utc)
{
	/* 2026-12-01T15:59:59Z is still 2026-12-01 in Shanghai; 16:00Z is the 2nd */
	int64_t before = 1796140799, after = 1796140800;
	char text[11];
	engagement_day_text(engagement_shop_day(before), text);
	ck_assert_str_eq(text, "2026-12-01");
	engagement_day_text(engagement_shop_day(after), text);
	ck_assert_str_eq(text, "2026-12-02");
	ck_assert_int_eq(engagement_shop_day(after) - engagement_shop_day(before), 1);
}
END_TEST

START_TEST(invite_joins_and_rewards)
{
	ck_assert_int_eq(invite_join_decide(0, false, 7), INVITE_JOIN_UNKNOWN_CODE);
	ck_assert_int_eq(invite_join_decide(7, false, 7), INVITE_JOIN_SELF);
	ck_assert_int_eq(invite_join_decide(5, true, 7), INVITE_JOIN_BLOCKED_INVITER);
	ck_assert_int_eq(invite_join_decide(5, false, 7), INVITE_JOIN_RECORD);
	ck_assert(!invite_reward_due(0, 3, false));
	ck_assert(!invite_reward_due(2, 3, false));
	ck_assert(invite_reward_due(3, 3, false));
	ck_assert(!invite_reward_due(4, 3, false));
	ck_assert(invite_reward_due(6, 3, false));
	ck_assert(!invite_reward_due(3, 3, true)); /* never for a blocked inviter */
	ck_assert(invite_reward_due(1, 1, false));
	ck_assert_int_eq(invite_signature_letter(true, true), 'D');
	ck_assert_int_eq(invite_signature_letter(false, true), 'S');
	ck_assert_int_eq(invite_signature_letter(false, false), 'H');
}
END_TEST

START_TEST(exchange_limits_in_order)
{
	struct exchange_facts facts = { .found = false, .stock_left = 0, .per_user = 1, .cost_points = 10,
					.taken = 1, .balance = 0 };
	ck_assert_int_eq(exchange_decide(&facts), OUT_NOT_FOUND);
	facts.found = true;
	ck_assert_int_eq(exchange_decide(&facts), OUT_OUT_OF_STOCK);
	facts.stock_left = 1;
	ck_assert_int_eq(exchange_decide(&facts), OUT_LIMIT_REACHED);
	facts.taken = 0;
	ck_assert_int_eq(exchange_decide(&facts), OUT_INSUFFICIENT_POINTS);
	facts.balance = 9;
	ck_assert_int_eq(exchange_decide(&facts), OUT_INSUFFICIENT_POINTS);
	facts.balance = 10;
	ck_assert_int_eq(exchange_decide(&facts), DB_OK);
	facts.per_user = 0; /* no limit per shopper */
	facts.taken = 1000;
	ck_assert_int_eq(exchange_decide(&facts), DB_OK);
}
END_TEST

START_TEST(offer_bodies)
{
	json_error_t error;
	char field[ENGAGEMENT_FIELD_SIZE];
	struct points_offer offer;
	json_t *json = json_loads("{\"title\": \"t\", \"cost_points\": 5, \"stock\": 2}", 0, &error);
	ck_assert_int_eq(points_offer_read(json, NULL, &offer, field), -1);
	ck_assert_str_eq(field, "coupon"); /* nothing to give */
	json_decref(json);
	json = json_loads("{\"title\": \"t\", \"cost_points\": 5, \"stock\": 2, \"coupon_promotion_id\": 0}", 0, &error);
	ck_assert_int_eq(points_offer_read(json, NULL, &offer, field), -1);
	ck_assert_str_eq(field, "coupon_promotion_id");
	json_decref(json);
	/* issue 14: a coupon template's coupon */
	json = json_loads("{\"title\": \"t\", \"cost_points\": 5, \"stock\": 2, \"coupon_promotion_id\": 3}", 0, &error);
	ck_assert_int_eq(points_offer_read(json, NULL, &offer, field), 0);
	ck_assert_int_eq(offer.kind, OFFER_COUPON);
	ck_assert_int_eq(offer.coupon_promotion_id, 3);
	ck_assert_int_eq(offer.coupon_amount_fen, 0);
	json_decref(json);
	json = json_loads("{\"title\": \"t\", \"cost_points\": 5, \"stock\": 2, \"red_packet_fen\": 100}", 0, &error);
	ck_assert_int_eq(points_offer_read(json, NULL, &offer, field), 0);
	ck_assert_int_eq(offer.kind, OFFER_RED_PACKET);
	ck_assert_int_eq(offer.red_packet_days, 7);
	ck_assert(offer.active);
	struct points_offer patched;
	json_t *patch = json_loads("{\"prize\": \"cup\", \"stock\": 9}", 0, &error);
	ck_assert_int_eq(points_offer_read(patch, &offer, &patched, field), 0);
	ck_assert_int_eq(patched.kind, OFFER_PRIZE);
	ck_assert_int_eq(patched.red_packet_fen, 0);
	ck_assert_int_eq(patched.stock_total, 9);
	ck_assert_int_eq(patched.cost_points, 5);
	json_decref(patch);
	json_decref(json);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("engagement");
	TCase *settings = tcase_create("settings");
	tcase_add_test(settings, settings_refusals_name_the_field);
	tcase_add_test(settings, settings_keys_left_out_keep_their_values);
	suite_add_tcase(suite, settings);
	TCase *checkin = tcase_create("checkin");
	tcase_add_test(checkin, checkin_twice_a_day_is_refused);
	tcase_add_test(checkin, checkin_streak_points_and_bonus);
	tcase_add_test(checkin, checkin_streak_shown);
	tcase_add_test(checkin, the_shop_day_starts_at_16_utc);
	suite_add_tcase(suite, checkin);
	TCase *invite = tcase_create("invite");
	tcase_add_test(invite, invite_joins_and_rewards);
	suite_add_tcase(suite, invite);
	TCase *exchange = tcase_create("exchange");
	tcase_add_test(exchange, exchange_limits_in_order);
	tcase_add_test(exchange, offer_bodies);
	suite_add_tcase(suite, exchange);
	return suite;
}
