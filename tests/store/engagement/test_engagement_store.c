/* test_engagement_store.c: fcgi/engagement/engagement_store.c against
 * MariaDB: the guards first (a second check-in of a day, a second
 * invitation of one invitee, a second qualification, stock that runs out,
 * codes nobody has), then what the flows read back. */
#include "store.h"

#include "core/outcome.h"
#include "engagement/engagement_store.h"

static int64_t new_shopper(void)
{
	char phone[12];
	snprintf(phone, sizeof(phone), "199%08u", (unsigned)rand() % 100000000u);
	struct db_rows rows;
	store_sql(&rows, "INSERT INTO shopper (phone, created_at) VALUES (?, NOW())", "s", phone);
	return (int64_t)rows.insert_id;
}

START_TEST(a_second_checkin_of_a_day_is_a_duplicate)
{
	int64_t user = new_shopper();
	ck_assert_int_eq(checkin_insert(&store_unit, user, "2026-12-01", 1, 5, 0), DB_OK);
	ck_assert_int_eq(checkin_insert(&store_unit, user, "2026-12-01", 1, 5, 0), DB_DUPLICATE);
	ck_assert_int_eq(checkin_insert(&store_unit, user, "2026-12-02", 2, 5, 0), DB_OK);
	bool found;
	int64_t day, streak;
	ck_assert_int_eq(checkin_last(&store_unit, user, &found, &day, &streak), DB_OK);
	ck_assert(found);
	ck_assert_int_eq(streak, 2);
	char text[11];
	engagement_day_text(day, text);
	ck_assert_str_eq(text, "2026-12-02");
	char(*days)[11];
	int count;
	ck_assert_int_eq(checkin_days(&store_unit, user, "2026-12-01", "2026-12-31", &days, &count), DB_OK);
	ck_assert_int_eq(count, 2);
	ck_assert_str_eq(days[0], "2026-12-01");
	ck_assert_int_eq(checkin_last(&store_unit, new_shopper(), &found, &day, &streak), DB_OK);
	ck_assert(!found);
}
END_TEST

START_TEST(an_invitation_is_recorded_and_qualifies_once)
{
	int64_t inviter = new_shopper(), invitee = new_shopper(), other;
	ck_assert_int_eq(invitation_insert(&store_unit, invitee, inviter, "10.0.0.1", "10.0.0.0/24", "dev", 'H'), DB_OK);
	ck_assert_int_eq(invitation_insert(&store_unit, invitee, inviter, "10.0.0.1", "10.0.0.0/24", "dev", 'H'),
			 DB_DUPLICATE);
	bool qualified;
	ck_assert_int_eq(invitation_qualify(&store_unit, new_shopper(), 1, &qualified, &other), DB_OK);
	ck_assert(!qualified); /* not invited */
	ck_assert_int_eq(invitation_qualify(&store_unit, invitee, 77, &qualified, &other), DB_OK);
	ck_assert(qualified);
	ck_assert_int_eq(other, inviter);
	ck_assert_int_eq(invitation_qualify(&store_unit, invitee, 78, &qualified, &other), DB_OK);
	ck_assert(!qualified);
	int64_t count;
	bool blocked;
	ck_assert_int_eq(invitation_qualified_count(&store_unit, inviter, &count, &blocked), DB_OK);
	ck_assert_int_eq(count, 1);
	ck_assert(!blocked);
	bool same_device, same_subnet;
	ck_assert_int_eq(invitation_ring_facts(&store_unit, inviter, "dev", "10.9.9.0/24", &same_device, &same_subnet),
			 DB_OK);
	ck_assert(same_device && !same_subnet);
	ck_assert_int_eq(invitation_ring_facts(&store_unit, inviter, "", "10.0.0.0/24", &same_device, &same_subnet),
			 DB_OK);
	ck_assert(!same_device && same_subnet);
	const char *signature;
	ck_assert_int_eq(invitation_signature(&store_unit, inviter, &signature), DB_OK);
	ck_assert_str_eq(signature, "H");
	ck_assert_int_eq(invitation_signature(&store_unit, invitee, &signature), DB_OK);
	ck_assert_str_eq(signature, "");
}
END_TEST

START_TEST(codes_nobody_has)
{
	int64_t inviter;
	bool blocked;
	ck_assert_int_eq(invite_code_owner(&store_unit, "zzzzzzzz", &inviter, &blocked), DB_OK);
	ck_assert_int_eq(inviter, 0);
	int64_t user, item;
	ck_assert_int_eq(share_find(&store_unit, "NoSuchShare", &user, &item), OUT_NOT_FOUND);
	struct item_share_landing landing;
	ck_assert_int_eq(share_landing_read(&store_unit, "NoSuchShare", &landing), OUT_NOT_FOUND);
	int64_t owner = new_shopper();
	ck_assert_int_eq(invite_code_insert(&store_unit, owner, "StoreT01"), DB_OK);
	ck_assert_int_eq(invite_code_insert(&store_unit, new_shopper(), "StoreT01"), DB_DUPLICATE);
	ck_assert_int_eq(invite_code_owner(&store_unit, "StoreT01", &inviter, &blocked), DB_OK);
	ck_assert_int_eq(inviter, owner);
	ck_assert_int_eq(share_insert(&store_unit, "StoreShare1", owner, 5), DB_OK);
	ck_assert_int_eq(share_insert(&store_unit, "StoreShare1", owner, 6), DB_DUPLICATE);
	ck_assert_int_eq(share_find(&store_unit, "StoreShare1", &user, &item), DB_OK);
	ck_assert_int_eq(user, owner);
	ck_assert_int_eq(item, 5);
}
END_TEST

START_TEST(an_offer_runs_out_of_stock)
{
	struct points_offer offer = { .title = "store test", .cost_points = 5, .stock_total = 1, .per_user = 0,
				      .kind = OFFER_PRIZE, .prize = "cup", .active = true };
	int64_t id;
	ck_assert_int_eq(points_offer_insert(&store_unit, &offer, &id), DB_OK);
	ck_assert_int_eq(points_offer_take(&store_unit, id), DB_OK);
	ck_assert_int_eq(points_offer_take(&store_unit, id), OUT_OUT_OF_STOCK);
	ck_assert_int_eq(points_offer_get(&store_unit, INT64_MAX, false, &offer), OUT_NOT_FOUND);
	ck_assert_int_eq(points_offer_get(&store_unit, id, true, &offer), DB_OK);
	ck_assert_int_eq(offer.stock_left, 0);
	ck_assert_str_eq(offer.prize, "cup");
	int64_t user = new_shopper(), taken;
	ck_assert_int_eq(points_exchange_insert(&store_unit, id, user, 5, 0, 0, 0), DB_OK);
	ck_assert_int_eq(points_exchange_count(&store_unit, id, user, &taken), DB_OK);
	ck_assert_int_eq(taken, 1);
	offer.stock_total = 4; /* three more */
	ck_assert_int_eq(points_offer_update(&store_unit, &offer), DB_OK);
	ck_assert_int_eq(points_offer_get(&store_unit, id, false, &offer), DB_OK);
	ck_assert_int_eq(offer.stock_left, 3);
}
END_TEST

START_TEST(settings_are_one_row)
{
	ck_assert_int_eq(engagement_setting_write(&store_unit, "{\"invite\": {\"every\": 2}}", 0), DB_OK);
	ck_assert_int_eq(engagement_setting_write(&store_unit, "{\"invite\": {\"every\": 4}}", 0), DB_OK);
	const char *text;
	ck_assert_int_eq(engagement_setting_read(&store_unit, &text), DB_OK);
	ck_assert_str_eq(text, "{\"invite\": {\"every\": 4}}");
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("engagement_store");
	TCase *guards = tcase_create("guards");
	tcase_add_checked_fixture(guards, store_setup, store_teardown);
	tcase_add_test(guards, a_second_checkin_of_a_day_is_a_duplicate);
	tcase_add_test(guards, an_invitation_is_recorded_and_qualifies_once);
	tcase_add_test(guards, codes_nobody_has);
	tcase_add_test(guards, an_offer_runs_out_of_stock);
	tcase_add_test(guards, settings_are_one_row);
	suite_add_tcase(suite, guards);
	return suite;
}
