/* test_promotion_kinds_store.c: fcgi/checkout/promotion_kinds_store.c
 * against MariaDB: each counter stops at its limit (a template's issues and
 * a shopper's claims, the budget), a deposit takes one final order at a
 * time and is forfeited only when due and only once, a budget's charge and
 * a share's reward come back or happen exactly once. */
#include "store.h"

#include "checkout/promotion_kinds_store.h"
#include "checkout/promotion_store.h"
#include "core/outcome.h"
#include "fixtures.h"

static int64_t fixture_template(int64_t campaign, int64_t limit_total, int64_t limit_per_user)
{
	struct promotion_row row = { .campaign_id = campaign, .kind = "coupon", .title = "券",
				     .starts_at = store_unit.now - 60, .ends_at = store_unit.now + 600, .enabled = true,
				     .config_json = "{\"amount_fen\":500}", .limit_total = limit_total,
				     .limit_per_user = limit_per_user };
	int64_t id;
	ck_assert_int_eq(promotion_insert(&store_unit, &row, &id), DB_OK);
	return id;
}

/* The sweeper's forfeit (presale.c): the deposit row locked while due,
 * then its order marked. */
static int forfeit(int64_t deposit)
{
	int result = presale_forfeit_lock(&store_unit, deposit);
	return result == DB_OK ? order_forfeit_mark(&store_unit, deposit) : result;
}

START_TEST(template_counters_stop_at_their_limits)
{
	int64_t campaign = fixture_campaign(), alice = fixture_shopper(), bob = fixture_shopper();
	int64_t capped = fixture_template(campaign, 2, 1);
	ck_assert_int_eq(coupon_template_take_total(&store_unit, capped), DB_OK);
	ck_assert_int_eq(coupon_template_take_total(&store_unit, capped), DB_OK);
	ck_assert_int_eq(coupon_template_take_total(&store_unit, capped), OUT_OUT_OF_STOCK);
	ck_assert_int_eq(coupon_template_user_row(&store_unit, capped, alice), DB_OK);
	ck_assert_int_eq(coupon_template_user_row(&store_unit, capped, alice), DB_OK); /* made once */
	ck_assert_int_eq(coupon_template_take_per_user(&store_unit, capped, alice, 1), DB_OK);
	ck_assert_int_eq(coupon_template_take_per_user(&store_unit, capped, alice, 1), OUT_LIMIT_REACHED);
	ck_assert_int_eq(coupon_template_user_row(&store_unit, capped, bob), DB_OK);
	ck_assert_int_eq(coupon_template_take_per_user(&store_unit, capped, bob, 1), DB_OK);
	/* no limits: no counter row, and the total never moves */
	int64_t open = fixture_template(campaign, 0, 0);
	ck_assert_int_eq(coupon_template_user_row(&store_unit, open, alice), DB_OK);
	struct db_rows rows;
	store_sql(&rows, "SELECT COUNT(*) FROM promotion_user WHERE promotion_id = ?", "i", open);
	ck_assert_int_eq(db_int(&rows, 0, 0), 0);
	ck_assert_int_eq(coupon_template_take_total(&store_unit, open), OUT_OUT_OF_STOCK);
}
END_TEST

/* A deposit of user in campaign with its presale_deposit row, due at final_ends. */
static int64_t fixture_deposit(int64_t campaign, int64_t user, int64_t final_ends)
{
	int64_t promotion = fixture_template(campaign, 0, 0), order;
	ck_assert_int_eq(deposit_order_insert(&store_unit, user, campaign, 2000, store_unit.now + 600, &order), DB_OK);
	struct presale_deposit_new deposit = { .deposit_order_id = order, .promotion_id = promotion, .user_id = user,
					       .item_id = 77, .qty = 2, .deposit_fen = 1000, .deposit_value_fen = 2000,
					       .final_starts_at = store_unit.now - 60, .final_ends_at = final_ends };
	ck_assert_int_eq(presale_deposit_insert(&store_unit, &deposit), DB_OK);
	return order;
}

START_TEST(a_deposit_takes_one_final_order_and_is_forfeited_once)
{
	int64_t campaign = fixture_campaign(), alice = fixture_shopper(), bob = fixture_shopper();
	int64_t deposit = fixture_deposit(campaign, alice, store_unit.now + 600);
	struct promotion_presale presale;
	ck_assert_int_eq(presale_deposit_read(&store_unit, deposit, bob, &presale), DB_OK);
	ck_assert(!presale.found); /* not his */
	ck_assert_int_eq(presale_deposit_read(&store_unit, deposit, alice, &presale), DB_OK);
	ck_assert(presale.found);
	ck_assert_str_eq(presale.status, "pending_payment");
	ck_assert_int_eq(presale.qty, 2);
	ck_assert_int_eq(presale.deposit_value_fen, 2000);
	/* not paid, not due: never forfeited */
	ck_assert_int_eq(forfeit(deposit), OUT_INVALID_STATE);
	/* one final order at a time */
	int64_t first = fixture_order(alice, campaign, 5000, store_unit.now + 600);
	int64_t second = fixture_order(alice, campaign, 5000, store_unit.now + 600);
	ck_assert_int_eq(presale_final_claim(&store_unit, deposit, first), DB_OK);
	ck_assert_int_eq(order_mark_final(&store_unit, first), DB_OK);
	ck_assert_int_eq(presale_final_claim(&store_unit, deposit, second), OUT_INVALID_STATE);
	struct db_rows rows;
	store_sql(&rows, "SELECT kind FROM orders WHERE id = ?", "i", first);
	ck_assert_str_eq(db_text(&rows, 0, 0), "final");
	ck_assert_int_eq(presale_final_release(&store_unit, first), DB_OK);
	ck_assert_int_eq(presale_final_claim(&store_unit, deposit, second), DB_OK);
	/* paid and due, but a final order stands: not forfeited */
	store_sql(&rows, "UPDATE orders SET status = 'paid' WHERE id = ?", "i", deposit);
	store_sql(&rows, "UPDATE presale_deposit SET final_ends_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE deposit_order_id = ?",
		  "i", deposit);
	store_unit.now += 1;
	ck_assert_int_eq(forfeit(deposit), OUT_INVALID_STATE);
	ck_assert_int_eq(presale_forfeits_due(&store_unit, 100, &rows), DB_OK);
	for (int r = 0; r < rows.row_count; r++)
		ck_assert_int_ne(db_int(&rows, r, 0), deposit);
	/* the final order gone: due, forfeited once */
	ck_assert_int_eq(presale_final_release(&store_unit, second), DB_OK);
	ck_assert_int_eq(presale_forfeits_due(&store_unit, 100, &rows), DB_OK);
	bool listed = false;
	for (int r = 0; r < rows.row_count; r++)
		listed = listed || db_int(&rows, r, 0) == deposit;
	ck_assert(listed);
	ck_assert_int_eq(forfeit(deposit), DB_OK);
	ck_assert_int_eq(forfeit(deposit), OUT_INVALID_STATE);
	store_sql(&rows, "SELECT status FROM orders WHERE id = ?", "i", deposit);
	ck_assert_str_eq(db_text(&rows, 0, 0), "forfeited");
}
END_TEST

START_TEST(a_paid_final_order_keeps_the_deposit)
{
	int64_t campaign = fixture_campaign(), alice = fixture_shopper();
	int64_t deposit = fixture_deposit(campaign, alice, store_unit.now + 600);
	int64_t final = fixture_order(alice, campaign, 5000, store_unit.now + 600);
	ck_assert_int_eq(presale_final_claim(&store_unit, deposit, final), DB_OK);
	ck_assert_int_eq(presale_final_paid(&store_unit, final), DB_OK);
	ck_assert_int_eq(presale_final_release(&store_unit, final), DB_OK); /* a refund later: kept */
	struct promotion_presale presale;
	ck_assert_int_eq(presale_deposit_read(&store_unit, deposit, alice, &presale), DB_OK);
	ck_assert_int_eq(presale.final_order_id, final);
	struct db_rows rows;
	store_sql(&rows, "UPDATE orders SET status = 'paid' WHERE id = ?", "i", deposit);
	store_sql(&rows, "UPDATE presale_deposit SET final_ends_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE deposit_order_id = ?",
		  "i", deposit);
	store_unit.now += 1;
	ck_assert_int_eq(forfeit(deposit), OUT_INVALID_STATE);
}
END_TEST

START_TEST(the_budget_stops_at_its_limit_and_comes_back_once)
{
	int64_t campaign = fixture_campaign(), alice = fixture_shopper();
	struct promotion_budget budget;
	const char *pairs;
	ck_assert_int_eq(campaign_budget_read(&store_unit, campaign, false, &budget, &pairs), DB_OK);
	ck_assert(!budget.found);
	ck_assert_int_eq(campaign_budget_write(&store_unit, campaign, true, true, 5000, "[[\"coupon\",\"gift\"]]"), DB_OK);
	int64_t one = fixture_order(alice, campaign, 1000, store_unit.now + 600);
	int64_t two = fixture_order(alice, campaign, 1000, store_unit.now + 600);
	ck_assert_int_eq(campaign_budget_charge(&store_unit, campaign, one, 3000), DB_OK);
	ck_assert_int_eq(campaign_budget_charge(&store_unit, campaign, two, 3000), OUT_BUDGET_EXHAUSTED);
	ck_assert_int_eq(campaign_budget_charge(&store_unit, campaign, two, 2000), DB_OK); /* exactly to the fen */
	ck_assert_int_eq(campaign_budget_read(&store_unit, campaign, true, &budget, &pairs), DB_OK);
	ck_assert(budget.found && budget.has_budget);
	ck_assert_int_eq(budget.budget_fen, 5000);
	ck_assert_int_eq(budget.spent_fen, 5000);
	ck_assert_str_eq(pairs, "[[\"coupon\",\"gift\"]]");
	ck_assert_int_eq(campaign_budget_give_back(&store_unit, one), DB_OK);
	ck_assert_int_eq(campaign_budget_give_back(&store_unit, one), DB_OK); /* once */
	ck_assert_int_eq(campaign_budget_read(&store_unit, campaign, false, &budget, &pairs), DB_OK);
	ck_assert_int_eq(budget.spent_fen, 2000);
	/* unlimited: charged and counted, never refused */
	ck_assert_int_eq(campaign_budget_write(&store_unit, campaign, true, false, 0, NULL), DB_OK);
	int64_t three = fixture_order(alice, campaign, 1000, store_unit.now + 600);
	ck_assert_int_eq(campaign_budget_charge(&store_unit, campaign, three, 900000), DB_OK);
	ck_assert_int_eq(campaign_budget_read(&store_unit, campaign, false, &budget, &pairs), DB_OK);
	ck_assert(!budget.has_budget);
	ck_assert_int_eq(budget.spent_fen, 902000);
	ck_assert_str_eq(pairs, "[[\"coupon\",\"gift\"]]"); /* kept when not given */
}
END_TEST

START_TEST(a_share_is_recorded_for_the_shared_item_and_rewarded_once)
{
	int64_t campaign = fixture_campaign(), alice = fixture_shopper(), bob = fixture_shopper();
	int64_t template = fixture_template(campaign, 0, 0);
	struct promotion_share share = { .sharer_id = alice, .item_id = 77, .promotion_id = template,
					 .coupon_promotion_id = template };
	int64_t other = fixture_order(bob, campaign, 1000, store_unit.now + 600);
	ck_assert_int_eq(order_line_insert(&store_unit, other, 78, "别的", 1, 1000, 1000, false, 0), DB_OK);
	ck_assert_int_eq(order_share_insert(&store_unit, other, &share), DB_OK);
	struct promotion_share pending;
	ck_assert_int_eq(order_share_pending(&store_unit, other, &pending), DB_OK);
	ck_assert_int_eq(pending.sharer_id, 0); /* not the shared item: not recorded */
	int64_t order = fixture_order(bob, campaign, 1000, store_unit.now + 600);
	ck_assert_int_eq(order_line_insert(&store_unit, order, 77, "耳机", 1, 1000, 1000, false, 0), DB_OK);
	ck_assert_int_eq(order_share_insert(&store_unit, order, &share), DB_OK);
	ck_assert_int_eq(order_share_pending(&store_unit, order, &pending), DB_OK);
	ck_assert_int_eq(pending.sharer_id, alice);
	ck_assert_int_eq(pending.coupon_promotion_id, template);
	ck_assert_int_eq(order_share_rewarded(&store_unit, order, 0), DB_OK);
	ck_assert_int_eq(order_share_rewarded(&store_unit, order, 0), OUT_INVALID_STATE);
	ck_assert_int_eq(order_share_pending(&store_unit, order, &pending), DB_OK);
	ck_assert_int_eq(pending.sharer_id, 0);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("promotion_kinds_store");
	TCase *limits = tcase_create("limits");
	tcase_add_checked_fixture(limits, store_setup, store_teardown);
	tcase_add_test(limits, template_counters_stop_at_their_limits);
	tcase_add_test(limits, a_deposit_takes_one_final_order_and_is_forfeited_once);
	tcase_add_test(limits, a_paid_final_order_keeps_the_deposit);
	tcase_add_test(limits, the_budget_stops_at_its_limit_and_comes_back_once);
	tcase_add_test(limits, a_share_is_recorded_for_the_shared_item_and_rewarded_once);
	suite_add_tcase(suite, limits);
	return suite;
}
