/* test_games_store.c: fcgi/games/games_store.c against MariaDB: every
 * conditional statement refuses what its guard must refuse (stock at
 * zero, the daily count reached, a second guess, a bid below a step, a
 * second Dutch taker, a change after publishing, a second settlement),
 * then does what it must; a prize put back, and the dashboard's counts. */
#include "store.h"

#include "core/outcome.h"
#include "games/games_store.h"

static int64_t new_shopper(void)
{
	char phone[12];
	snprintf(phone, sizeof(phone), "198%08u", (unsigned)rand() % 100000000u);
	struct db_rows rows;
	store_sql(&rows, "INSERT INTO shopper (phone, created_at) VALUES (?, NOW())", "s", phone);
	return (int64_t)rows.insert_id;
}

static int64_t new_campaign(void)
{
	struct db_rows rows;
	store_sql(&rows,
		  "INSERT INTO campaign (title, starts_at, ends_at, created_at, updated_at) VALUES "
		  "('games store', NOW() - INTERVAL 1 HOUR, NOW() + INTERVAL 1 DAY, NOW(), NOW())",
		  "");
	return (int64_t)rows.insert_id;
}

static int64_t new_game(enum game_kind kind, int64_t stock)
{
	int64_t game_id;
	ck_assert_int_eq(game_insert(&store_unit, new_campaign(), kind, "game", store_unit.now - 60,
				     store_unit.now + 3600, "{}", &game_id),
			 DB_OK);
	int64_t rows[2] = { stock, -1 };
	ck_assert_int_eq(game_prizes_reset(&store_unit, game_id, rows, 2), DB_OK);
	return game_id;
}

static struct game_prize_stock slot0(int64_t game_id)
{
	struct game_prize_stock stock[GAME_PRIZES_MAX];
	int count;
	ck_assert_int_eq(game_prizes_read(&store_unit, game_id, stock, &count), DB_OK);
	ck_assert_int_eq(count, 1); /* the none prize has no row */
	return stock[0];
}

/* ============================================================ refusals */

START_TEST(stock_at_zero_is_not_taken)
{
	int64_t game_id = new_game(GAME_WHEEL, 1);
	ck_assert_int_eq(game_prize_take(&store_unit, game_id, 0), DB_OK);
	ck_assert_int_eq(game_prize_take(&store_unit, game_id, 0), OUT_OUT_OF_STOCK);
	ck_assert_int_eq(game_prize_take(&store_unit, game_id, 1), OUT_OUT_OF_STOCK); /* no row */
	struct game_prize_stock stock = slot0(game_id);
	ck_assert_int_eq(stock.stock_left, 0);
	ck_assert_int_eq(stock.given, 1);
}
END_TEST

START_TEST(the_daily_count_stops_at_its_limit)
{
	int64_t game_id = new_game(GAME_WHEEL, 1), user = new_shopper(), day = 1700000000;
	ck_assert_int_eq(game_daily_take(&store_unit, game_id, user, day, 2), OUT_DAILY_LIMIT); /* no row yet */
	ck_assert_int_eq(game_daily_ensure(&store_unit, game_id, user, day), DB_OK);
	ck_assert_int_eq(game_daily_ensure(&store_unit, game_id, user, day), DB_OK); /* again: ignored */
	ck_assert_int_eq(game_daily_take(&store_unit, game_id, user, day, 2), DB_OK);
	ck_assert_int_eq(game_daily_take(&store_unit, game_id, user, day, 2), DB_OK);
	ck_assert_int_eq(game_daily_take(&store_unit, game_id, user, day, 2), OUT_DAILY_LIMIT);
	ck_assert_int_eq(game_daily_take(&store_unit, game_id, user, day, 0), OUT_DAILY_LIMIT);
	int64_t plays;
	ck_assert_int_eq(game_daily_read(&store_unit, game_id, user, day, &plays), DB_OK);
	ck_assert_int_eq(plays, 2);
	ck_assert_int_eq(game_daily_read(&store_unit, game_id, user, day + 86400, &plays), DB_OK);
	ck_assert_int_eq(plays, 0);
}
END_TEST

START_TEST(a_second_guess_is_a_duplicate)
{
	int64_t game_id = new_game(GAME_GUESS_PRICE, 0), user = new_shopper(), play_id;
	struct game_play_row row = { .game_id = game_id, .user_id = user, .slot = -1, .amount_fen = 900,
				     .once_key = "guess:1" };
	ck_assert_int_eq(game_play_insert(&store_unit, &row, &play_id), DB_OK);
	row.amount_fen = 901;
	ck_assert_int_eq(game_play_insert(&store_unit, &row, &play_id), DB_DUPLICATE);
}
END_TEST

START_TEST(a_bid_below_a_step_or_the_start_is_outbid)
{
	int64_t game_id = new_game(GAME_AUCTION, 0), alice = new_shopper(), bob = new_shopper();
	ck_assert_int_eq(game_bid_raise(&store_unit, game_id, alice, 99, 100, 50), OUT_OUTBID);
	ck_assert_int_eq(game_bid_raise(&store_unit, game_id, alice, 100, 100, 50), DB_OK);
	ck_assert_int_eq(game_bid_raise(&store_unit, game_id, bob, 149, 100, 50), OUT_OUTBID);
	ck_assert_int_eq(game_bid_raise(&store_unit, game_id, bob, 150, 100, 50), DB_OK);
	struct game game;
	ck_assert_int_eq(game_read(&store_unit, game_id, false, &game), DB_OK);
	ck_assert_int_eq(game.winner_id, bob);
	ck_assert_int_eq(game.winning_fen, 150);
	ck_assert_int_eq(game_settled_mark(&store_unit, game_id), DB_OK);
	ck_assert_int_eq(game_bid_raise(&store_unit, game_id, alice, 1000, 100, 50), OUT_OUTBID); /* settled */
}
END_TEST

START_TEST(a_second_taker_finds_the_game_closed)
{
	int64_t game_id = new_game(GAME_AUCTION, 0), alice = new_shopper(), bob = new_shopper();
	ck_assert_int_eq(game_winner_set(&store_unit, game_id, alice, 800), DB_OK);
	ck_assert_int_eq(game_winner_set(&store_unit, game_id, bob, 700), OUT_GAME_CLOSED);
	struct game game;
	ck_assert_int_eq(game_read(&store_unit, game_id, true, &game), DB_OK);
	ck_assert_int_eq(game.winner_id, alice);
}
END_TEST

START_TEST(a_published_game_is_not_rewritten_nor_published_twice)
{
	int64_t game_id = new_game(GAME_WHEEL, 3);
	ck_assert_int_eq(game_publish_mark(&store_unit, game_id), DB_OK);
	ck_assert_int_eq(game_publish_mark(&store_unit, game_id), OUT_PUBLISHED);
	ck_assert_int_eq(game_update(&store_unit, game_id, "t", store_unit.now, store_unit.now + 10, "{}"),
			 OUT_PUBLISHED);
	ck_assert_int_eq(game_settled_mark(&store_unit, game_id), DB_OK);
	ck_assert_int_eq(game_settled_mark(&store_unit, game_id), OUT_CONFLICT);
}
END_TEST

START_TEST(a_missing_game_is_not_found)
{
	struct game game;
	ck_assert_int_eq(game_read(&store_unit, INT64_MAX, false, &game), OUT_NOT_FOUND);
	const char *phone;
	ck_assert_int_eq(game_shopper_phone(&store_unit, INT64_MAX, &phone), OUT_NOT_FOUND);
	bool found = true;
	ck_assert_int_eq(game_campaign_exists(&store_unit, INT64_MAX, &found), DB_OK);
	ck_assert(!found);
}
END_TEST

/* ============================================================== writes */

START_TEST(stock_grows_by_the_difference_and_keeps_what_was_given)
{
	int64_t game_id = new_game(GAME_WHEEL, 2);
	ck_assert_int_eq(game_prize_take(&store_unit, game_id, 0), DB_OK);
	ck_assert_int_eq(game_prize_grow(&store_unit, game_id, 0, 5), DB_OK);
	struct game_prize_stock stock = slot0(game_id);
	ck_assert_int_eq(stock.stock_total, 5);
	ck_assert_int_eq(stock.stock_left, 4);
	ck_assert_int_eq(stock.given, 1);
	ck_assert_int_eq(game_prize_grow(&store_unit, game_id, 0, 3), DB_OK); /* less: left alone */
	ck_assert_int_eq(slot0(game_id).stock_total, 5);
}
END_TEST

START_TEST(guesses_between_bounds_and_rewarded_once)
{
	int64_t game_id = new_game(GAME_GUESS_PRICE, 0), play_ids[3];
	const int64_t amounts[3] = { 950, 1000, 1200 };
	for (int i = 0; i < 3; i++) {
		char once[32];
		snprintf(once, sizeof(once), "guess:%d", i);
		struct game_play_row row = { .game_id = game_id, .user_id = new_shopper(), .slot = -1,
					     .amount_fen = amounts[i], .once_key = once };
		ck_assert_int_eq(game_play_insert(&store_unit, &row, &play_ids[i]), DB_OK);
	}
	struct game_guess *guesses;
	int count;
	ck_assert_int_eq(game_guesses_between(&store_unit, game_id, 900, 1100, true, 10, &guesses, &count), DB_OK);
	ck_assert_int_eq(count, 2);
	ck_assert_int_eq(guesses[0].amount_fen, 950);
	ck_assert_int_eq(game_play_rewarded_mark(&store_unit, play_ids[0], 0, 0), DB_OK);
	ck_assert_int_eq(game_play_rewarded_mark(&store_unit, play_ids[0], 0, 0), OUT_CONFLICT);
	ck_assert_int_eq(game_guesses_between(&store_unit, game_id, 900, 1100, true, 10, &guesses, &count), DB_OK);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(game_guesses_between(&store_unit, game_id, 900, 1100, false, 10, &guesses, &count), DB_OK);
	ck_assert_int_eq(count, 2);
}
END_TEST

/* A prize put back (drawn, then not issuable) is the slot's again, and
 * never below what was given; the dashboard's counts follow the plays. */
START_TEST(a_prize_put_back_and_the_stats_of_a_wheel)
{
	int64_t game_id = new_game(GAME_WHEEL, 3), alice = new_shopper(), bob = new_shopper(), play_id;
	ck_assert_int_eq(game_prize_take(&store_unit, game_id, 0), DB_OK);
	ck_assert_int_eq(game_prize_put_back(&store_unit, game_id, 0), DB_OK);
	ck_assert_int_eq(game_prize_put_back(&store_unit, game_id, 0), DB_OK); /* nothing given: no change */
	struct game_prize_stock stock = slot0(game_id);
	ck_assert_int_eq(stock.stock_left, 3);
	ck_assert_int_eq(stock.given, 0);
	ck_assert_int_eq(game_prize_take(&store_unit, game_id, 0), DB_OK);
	struct game_play_row won = { .game_id = game_id, .user_id = alice, .slot = 0, .amount_fen = -1,
				     .red_packet_id = 0 };
	struct game_play_row lost = { .game_id = game_id, .user_id = alice, .slot = -1, .amount_fen = -1 };
	ck_assert_int_eq(game_play_insert(&store_unit, &won, &play_id), DB_OK);
	ck_assert_int_eq(game_play_insert(&store_unit, &lost, &play_id), DB_OK);
	lost.user_id = bob;
	ck_assert_int_eq(game_play_insert(&store_unit, &lost, &play_id), DB_OK);
	struct game game;
	struct game_stats stats;
	ck_assert_int_eq(game_read(&store_unit, game_id, false, &game), DB_OK);
	game.kind = GAME_WHEEL;
	ck_assert_int_eq(game_stats_read(&store_unit, &game, &stats), DB_OK);
	ck_assert_int_eq(stats.plays, 3);
	ck_assert_int_eq(stats.players, 2);
	ck_assert_int_eq(stats.prizes_given, 1);
	ck_assert_int_eq(stats.stock_left, 2);
	/* an auction: its winner's order is the prize given, no stock */
	int64_t auction_id = new_game(GAME_AUCTION, 0);
	ck_assert_int_eq(game_winner_set(&store_unit, auction_id, bob, 500), DB_OK);
	struct game_play_row take = { .game_id = auction_id, .user_id = bob, .slot = -1, .amount_fen = 500,
				      .once_key = "take" };
	ck_assert_int_eq(game_play_insert(&store_unit, &take, &play_id), DB_OK);
	ck_assert_int_eq(game_read(&store_unit, auction_id, false, &game), DB_OK);
	ck_assert_int_eq(game_stats_read(&store_unit, &game, &stats), DB_OK);
	ck_assert_int_eq(stats.prizes_given, 0); /* no order yet */
	ck_assert_int_eq(stats.stock_left, -1);
	game.order_id = 1;
	ck_assert_int_eq(game_stats_read(&store_unit, &game, &stats), DB_OK);
	ck_assert_int_eq(stats.prizes_given, 1);
	ck_assert_int_eq(stats.plays, 1);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("games_store");
	TCase *bad = tcase_create("refusals");
	tcase_add_checked_fixture(bad, store_setup, store_teardown);
	tcase_add_test(bad, stock_at_zero_is_not_taken);
	tcase_add_test(bad, the_daily_count_stops_at_its_limit);
	tcase_add_test(bad, a_second_guess_is_a_duplicate);
	tcase_add_test(bad, a_bid_below_a_step_or_the_start_is_outbid);
	tcase_add_test(bad, a_second_taker_finds_the_game_closed);
	tcase_add_test(bad, a_published_game_is_not_rewritten_nor_published_twice);
	tcase_add_test(bad, a_missing_game_is_not_found);
	suite_add_tcase(suite, bad);
	TCase *writes = tcase_create("writes");
	tcase_add_checked_fixture(writes, store_setup, store_teardown);
	tcase_add_test(writes, stock_grows_by_the_difference_and_keeps_what_was_given);
	tcase_add_test(writes, guesses_between_bounds_and_rewarded_once);
	tcase_add_test(writes, a_prize_put_back_and_the_stats_of_a_wheel);
	suite_add_tcase(suite, writes);
	return suite;
}
