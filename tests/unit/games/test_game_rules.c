/* test_game_rules.c: unit tests of fcgi/games/game_rules.c: config
 * checking (refusals first), the wheel's draw against its published
 * weights (a chi-square bound over 100,000 seeded draws), the Dutch price
 * at a time, English bid validity and the guess's winners. */
#include "unit.h"

#include <string.h>

#include "games/games.h"

static json_t *parse(const char *text)
{
	json_error_t error;
	json_t *value = json_loads(text, 0, &error);
	ck_assert_msg(value != NULL, "%s: %s", text, error.text);
	return value;
}

static int read_config(enum game_kind kind, const char *text, struct game_config *config,
		       struct game_refusal *refusal, json_t **keep)
{
	*keep = parse(text);
	return game_config_read(kind, *keep, config, refusal);
}

/* ============================================================ refusals */

START_TEST(bad_wheel_configs_name_their_field)
{
	static const struct {
		const char *config, *field, *text;
	} cases[] = {
		{ "[]", "config", "games.field" },
		{ "{\"prizes\": []}", "config.prizes", "games.field" },
		{ "{\"prizes\": [{\"name\": \"x\", \"weight\": 0, \"kind\": \"none\"}]}", "config.prizes[0].weight",
		  "games.field" },
		{ "{\"prizes\": [{\"name\": \"x\", \"weight\": 1000001, \"kind\": \"none\"}]}", "config.prizes[0].weight",
		  "games.field" },
		{ "{\"prizes\": [{\"name\": \"\", \"weight\": 1, \"kind\": \"none\"}]}", "config.prizes[0].name",
		  "games.field" },
		{ "{\"prizes\": [{\"name\": \"x\", \"weight\": 1, \"kind\": \"car\"}]}", "config.prizes[0].kind",
		  "games.field" },
		{ "{\"prizes\": [{\"name\": \"x\", \"weight\": 1, \"kind\": \"item\"}]}", "config.prizes[0].stock",
		  "games.field" },
		{ "{\"prizes\": [{\"name\": \"x\", \"weight\": 1, \"kind\": \"item\", \"stock\": -1}]}",
		  "config.prizes[0].stock", "games.field" },
		{ "{\"prizes\": [{\"name\": \"x\", \"weight\": 1, \"kind\": \"points\", \"stock\": 1}]}",
		  "config.prizes[0].points", "games.field" },
		{ "{\"prizes\": [{\"name\": \"x\", \"weight\": 1, \"kind\": \"red_packet\", \"stock\": 1}]}",
		  "config.prizes[0].red_packet_max_fen", "games.field" },
		{ "{\"prizes\": [{\"name\": \"x\", \"weight\": 1, \"kind\": \"red_packet\", \"stock\": 1, "
		  "\"red_packet_max_fen\": 5000001}]}",
		  "config.prizes[0].red_packet_max_fen", "games.prize_value" },
		{ "{\"prizes\": [{\"name\": \"x\", \"weight\": 1, \"kind\": \"red_packet\", \"stock\": 1, "
		  "\"red_packet_max_fen\": 100, \"red_packet_days\": 366}]}",
		  "config.prizes[0].red_packet_days", "games.field" },
		{ "{\"prizes\": [{\"name\": \"x\", \"weight\": 1, \"kind\": \"coupon\", \"stock\": 1, "
		  "\"coupon_promotion_id\": 0}]}",
		  "config.prizes[0].coupon_promotion_id", "games.field" },
		{ "{\"prizes\": [{\"name\": \"x\", \"weight\": 1, \"kind\": \"coupon\", \"stock\": 1, "
		  "\"coupon_promotion_id\": 3, \"coupon\": {\"title\": \"t\", \"amount_fen\": 1}}]}",
		  "config.prizes[0].coupon", "games.field" },
		{ "{\"prizes\": [{\"name\": \"x\", \"weight\": 1, \"kind\": \"coupon\", \"stock\": 1, "
		  "\"coupon\": {\"title\": \"t\", \"amount_fen\": 5000001}}]}",
		  "config.prizes[0].coupon.amount_fen", "games.prize_value" },
		{ "{\"prizes\": [{\"name\": \"x\", \"weight\": 1, \"kind\": \"none\", \"odds\": 1}]}",
		  "config.prizes[0].odds", "games.field" },
		{ "{\"spins_per_day\": 0, \"prizes\": [{\"name\": \"x\", \"weight\": 1, \"kind\": \"none\"}]}",
		  "config.spins_per_day", "games.field" },
		{ "{\"cost_points\": -1, \"prizes\": [{\"name\": \"x\", \"weight\": 1, \"kind\": \"none\"}]}",
		  "config.cost_points", "games.field" },
		{ "{\"colour\": 1, \"prizes\": [{\"name\": \"x\", \"weight\": 1, \"kind\": \"none\"}]}", "config.colour",
		  "games.field" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct game_config config;
		struct game_refusal refusal = { 0 };
		json_t *keep;
		ck_assert_msg(read_config(GAME_WHEEL, cases[i].config, &config, &refusal, &keep) == -1, "%s",
			      cases[i].config);
		ck_assert_str_eq(refusal.field, cases[i].field);
		ck_assert_str_eq(refusal.text, cases[i].text);
		json_decref(keep);
	}
}
END_TEST

/* A red packet prize reads its cap and days (7 by default), and its amount
 * covers 1 fen to the cap, each equally often over the rolls. */
START_TEST(red_packet_prizes_read_and_draw_within_their_cap)
{
	struct game_config config;
	struct game_refusal refusal = { 0 };
	json_t *keep;
	ck_assert_int_eq(read_config(GAME_WHEEL,
				     "{\"prizes\": [{\"name\": \"r\", \"weight\": 1, \"kind\": \"red_packet\", "
				     "\"stock\": 3, \"red_packet_max_fen\": 500}, {\"name\": \"c\", \"weight\": 1, "
				     "\"kind\": \"coupon\", \"stock\": 1, \"coupon_promotion_id\": 9}]}",
				     &config, &refusal, &keep),
			 0);
	const struct wheel_prize *red = &config.wheel.prizes[0];
	ck_assert_int_eq(red->red_packet_max_fen, 500);
	ck_assert_int_eq(red->red_packet_days, GAME_RED_PACKET_DAYS_DEFAULT);
	ck_assert_int_eq(config.wheel.prizes[1].coupon_promotion_id, 9);
	ck_assert_int_eq(wheel_red_packet_amount(red, 0), 1);
	ck_assert_int_eq(wheel_red_packet_amount(red, 499), 500);
	ck_assert_int_eq(wheel_red_packet_amount(red, 500), 1);
	int64_t seen[501] = { 0 };
	for (uint64_t roll = 0; roll < 5000; roll++) {
		int64_t amount = wheel_red_packet_amount(red, roll);
		ck_assert(amount >= 1 && amount <= 500);
		seen[amount]++;
	}
	for (int amount = 1; amount <= 500; amount++)
		ck_assert_int_eq(seen[amount], 10);
	/* After publishing, the cap and the template are frozen like the odds. */
	struct game_config changed;
	json_t *keep_changed;
	ck_assert_int_eq(read_config(GAME_WHEEL,
				     "{\"prizes\": [{\"name\": \"r\", \"weight\": 1, \"kind\": \"red_packet\", "
				     "\"stock\": 3, \"red_packet_max_fen\": 600}, {\"name\": \"c\", \"weight\": 1, "
				     "\"kind\": \"coupon\", \"stock\": 1, \"coupon_promotion_id\": 9}]}",
				     &changed, &refusal, &keep_changed),
			 0);
	ck_assert(!game_config_only_adds_stock(&config, &changed));
	json_decref(keep_changed);
	json_decref(keep);
}
END_TEST

START_TEST(bad_guess_and_auction_configs_are_refused)
{
	static const struct {
		enum game_kind kind;
		const char *config, *field;
	} cases[] = {
		{ GAME_GUESS_PRICE, "{\"answer_fen\": 100, \"reward\": {\"prize\": \"p\"}}", "config.item_id" },
		{ GAME_GUESS_PRICE, "{\"item_id\": 1, \"answer_fen\": 0, \"reward\": {\"prize\": \"p\"}}",
		  "config.answer_fen" },
		{ GAME_GUESS_PRICE, "{\"item_id\": 1, \"answer_fen\": 10, \"tolerance_fen\": -1, \"reward\": {\"prize\": \"p\"}}",
		  "config.tolerance_fen" },
		{ GAME_GUESS_PRICE, "{\"item_id\": 1, \"answer_fen\": 10}", "config.reward" },
		{ GAME_GUESS_PRICE, "{\"item_id\": 1, \"answer_fen\": 10, \"reward\": {\"prize\": \"p\", \"coupon\": {}}}",
		  "config.reward" },
		{ GAME_AUCTION, "{\"mode\": \"silent\", \"item_id\": 1}", "config.mode" },
		{ GAME_AUCTION, "{\"mode\": \"english\", \"item_id\": 1, \"start_fen\": 100}", "config.step_fen" },
		{ GAME_AUCTION, "{\"mode\": \"english\", \"item_id\": 1, \"start_fen\": 100, \"step_fen\": 1, \"floor_fen\": 1}",
		  "config.floor_fen" },
		{ GAME_AUCTION,
		  "{\"mode\": \"dutch\", \"item_id\": 1, \"start_fen\": 100, \"floor_fen\": 101, \"drop_fen\": 1, "
		  "\"drop_every_s\": 1}",
		  "config.floor_fen" },
		{ GAME_AUCTION,
		  "{\"mode\": \"dutch\", \"item_id\": 1, \"start_fen\": 100, \"floor_fen\": 10, \"drop_fen\": 1, "
		  "\"drop_every_s\": 0}",
		  "config.drop_every_s" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct game_config config;
		struct game_refusal refusal = { 0 };
		json_t *keep;
		ck_assert_msg(read_config(cases[i].kind, cases[i].config, &config, &refusal, &keep) == -1, "%s",
			      cases[i].config);
		ck_assert_str_eq(refusal.field, cases[i].field);
		json_decref(keep);
	}
	ck_assert_int_eq(game_kind_parse("lottery"), -1);
	ck_assert_int_eq(game_kind_parse(NULL), -1);
	ck_assert_int_eq(game_kind_parse("auction"), GAME_AUCTION);
}
END_TEST

/* ======================================================== the published */

static const char *const wheel_text =
	"{\"spins_per_day\": 3, \"cost_points\": 10, \"prizes\": ["
	"{\"name\": \"a\", \"weight\": 5, \"stock\": 10, \"kind\": \"coupon\", \"coupon\": {\"title\": \"t\", "
	"\"amount_fen\": 500}},"
	"{\"name\": \"b\", \"weight\": 15, \"stock\": 2, \"kind\": \"points\", \"points\": 30},"
	"{\"name\": \"c\", \"weight\": 30, \"stock\": 1, \"kind\": \"item\"},"
	"{\"name\": \"d\", \"weight\": 50, \"kind\": \"none\"}]}";

START_TEST(after_publishing_only_stock_may_grow)
{
	struct game_config before, after;
	struct game_refusal refusal;
	json_t *a, *b;
	ck_assert_int_eq(read_config(GAME_WHEEL, wheel_text, &before, &refusal, &a), 0);
	ck_assert_int_eq(before.wheel.total_weight, 100);
	ck_assert_int_eq(before.wheel.prizes[0].valid_days, 7);
	ck_assert_int_eq(read_config(GAME_WHEEL, wheel_text, &after, &refusal, &b), 0);
	ck_assert(game_config_only_adds_stock(&before, &after));
	after.wheel.prizes[2].stock = 5;
	ck_assert(game_config_only_adds_stock(&before, &after));
	after.wheel.prizes[1].stock = 1; /* less */
	ck_assert(!game_config_only_adds_stock(&before, &after));
	after.wheel.prizes[1].stock = 2;
	after.wheel.prizes[3].weight = 49; /* the odds */
	ck_assert(!game_config_only_adds_stock(&before, &after));
	after.wheel.prizes[3].weight = 50;
	after.wheel.cost_points = 5;
	ck_assert(!game_config_only_adds_stock(&before, &after));
	after.wheel.cost_points = 10;
	after.wheel.prizes[0].amount_fen = 600;
	ck_assert(!game_config_only_adds_stock(&before, &after));
	after.wheel.prizes[0].amount_fen = 500;
	after.wheel.prizes[0].name = "z";
	ck_assert(!game_config_only_adds_stock(&before, &after));
	json_decref(a);
	json_decref(b);
}
END_TEST

START_TEST(each_slot_owns_a_run_of_rolls_as_long_as_its_weight)
{
	struct game_config config;
	struct game_refusal refusal;
	json_t *keep;
	ck_assert_int_eq(read_config(GAME_WHEEL, wheel_text, &config, &refusal, &keep), 0);
	ck_assert_int_eq(wheel_pick(&config.wheel, 0), 0);
	ck_assert_int_eq(wheel_pick(&config.wheel, 4), 0);
	ck_assert_int_eq(wheel_pick(&config.wheel, 5), 1);
	ck_assert_int_eq(wheel_pick(&config.wheel, 19), 1);
	ck_assert_int_eq(wheel_pick(&config.wheel, 20), 2);
	ck_assert_int_eq(wheel_pick(&config.wheel, 49), 2);
	ck_assert_int_eq(wheel_pick(&config.wheel, 50), 3);
	ck_assert_int_eq(wheel_pick(&config.wheel, 99), 3);
	for (int i = 0; i < 1000; i++) {
		int slot = wheel_draw(&config.wheel);
		ck_assert(slot >= 0 && slot < 4);
	}
	json_decref(keep);
}
END_TEST

/* splitmix64: a seeded stream, so the test is the same on every run. */
static uint64_t seeded(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* The chi-square statistic of counts against weights over draws. */
static double chi_square(const struct wheel_config *wheel, const long *counts, long draws)
{
	double sum = 0;
	for (int i = 0; i < wheel->prize_count; i++) {
		double expected = (double)draws * (double)wheel->prizes[i].weight / (double)wheel->total_weight;
		sum += ((double)counts[i] - expected) * ((double)counts[i] - expected) / expected;
	}
	return sum;
}

START_TEST(a_hundred_thousand_seeded_draws_match_the_weights)
{
	struct game_config config;
	struct game_refusal refusal;
	json_t *keep;
	ck_assert_int_eq(read_config(GAME_WHEEL, wheel_text, &config, &refusal, &keep), 0);
	enum { DRAWS = 100000 };
	/* 3 degrees of freedom: P(chi2 > 16.27) = 0.001. */
	const double bound = 16.27;
	long counts[GAME_PRIZES_MAX] = { 0 };
	uint64_t state = 20261206;
	for (long n = 0; n < DRAWS; n++) {
		/* the roll reduced without bias: reject the top partial run */
		uint64_t total = (uint64_t)config.wheel.total_weight, limit = UINT64_MAX - UINT64_MAX % total, roll;
		do
			roll = seeded(&state);
		while (roll >= limit);
		counts[wheel_pick(&config.wheel, roll % total)]++;
	}
	double statistic = chi_square(&config.wheel, counts, DRAWS);
	ck_assert_msg(statistic < bound, "chi-square %.2f over %d draws", statistic, DRAWS);
	/* The bound bites: a wheel that favoured slot 0 by 1 in 100 fails it. */
	long skewed[GAME_PRIZES_MAX];
	memcpy(skewed, counts, sizeof(skewed));
	skewed[0] += DRAWS / 100;
	skewed[3] -= DRAWS / 100;
	ck_assert(chi_square(&config.wheel, skewed, DRAWS) > bound);
	/* And the CSPRNG's draws pass the same bound (fails 1 run in 1000). */
	long live[GAME_PRIZES_MAX] = { 0 };
	for (long n = 0; n < DRAWS; n++)
		live[wheel_draw(&config.wheel)]++;
	double live_statistic = chi_square(&config.wheel, live, DRAWS);
	ck_assert_msg(live_statistic < bound + 10, "CSPRNG chi-square %.2f", live_statistic);
	json_decref(keep);
}
END_TEST

/* ============================================================ auctions */

START_TEST(the_dutch_price_steps_down_to_its_floor)
{
	struct auction_config dutch = { .dutch = true, .start_fen = 10000, .floor_fen = 5500, .drop_fen = 1000,
					.drop_every_s = 60 };
	ck_assert_int_eq(auction_dutch_price(&dutch, 1000, 900), 10000);  /* before the start */
	ck_assert_int_eq(auction_dutch_price(&dutch, 1000, 1000), 10000);
	ck_assert_int_eq(auction_dutch_price(&dutch, 1000, 1059), 10000);
	ck_assert_int_eq(auction_dutch_price(&dutch, 1000, 1060), 9000);
	ck_assert_int_eq(auction_dutch_price(&dutch, 1000, 1000 + 4 * 60), 6000);
	ck_assert_int_eq(auction_dutch_price(&dutch, 1000, 1000 + 5 * 60), 5500); /* the floor, not 5000 */
	ck_assert_int_eq(auction_dutch_price(&dutch, 1000, INT64_MAX / 2), 5500); /* no overflow */
}
END_TEST

START_TEST(an_english_bid_must_beat_the_highest_by_a_step)
{
	struct auction_config english = { .start_fen = 100, .step_fen = 50 };
	ck_assert_int_eq(auction_min_bid(&english, false, 0), 100);
	ck_assert_int_eq(auction_min_bid(&english, true, 100), 150);
	ck_assert_int_eq(auction_min_bid(&english, true, 990), 1040);
}
END_TEST

START_TEST(guesses_within_the_tolerance_win)
{
	struct guess_config guess = { .answer_fen = 9900, .tolerance_fen = 100 };
	ck_assert(!guess_wins(&guess, 9799));
	ck_assert(guess_wins(&guess, 9800));
	ck_assert(guess_wins(&guess, 9900));
	ck_assert(guess_wins(&guess, 10000));
	ck_assert(!guess_wins(&guess, 10001));
	guess.tolerance_fen = 0;
	ck_assert(guess_wins(&guess, 9900));
	ck_assert(!guess_wins(&guess, 9901));
}
END_TEST

START_TEST(a_game_is_open_only_published_and_inside_its_window)
{
	ck_assert(!game_open(0, 100, 200, 150));
	ck_assert(!game_open(50, 100, 200, 99));
	ck_assert(game_open(50, 100, 200, 100));
	ck_assert(game_open(50, 100, 200, 199));
	ck_assert(!game_open(50, 100, 200, 200));
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("game_rules");
	TCase *refusals = tcase_create("refusals");
	tcase_add_test(refusals, bad_wheel_configs_name_their_field);
	tcase_add_test(refusals, bad_guess_and_auction_configs_are_refused);
	suite_add_tcase(suite, refusals);
	TCase *wheel = tcase_create("wheel");
	tcase_add_test(wheel, after_publishing_only_stock_may_grow);
	tcase_add_test(wheel, each_slot_owns_a_run_of_rolls_as_long_as_its_weight);
	tcase_add_test(wheel, a_hundred_thousand_seeded_draws_match_the_weights);
	tcase_add_test(wheel, red_packet_prizes_read_and_draw_within_their_cap);
	suite_add_tcase(suite, wheel);
	TCase *decisions = tcase_create("decisions");
	tcase_add_test(decisions, the_dutch_price_steps_down_to_its_floor);
	tcase_add_test(decisions, an_english_bid_must_beat_the_highest_by_a_step);
	tcase_add_test(decisions, guesses_within_the_tolerance_win);
	tcase_add_test(decisions, a_game_is_open_only_published_and_inside_its_window);
	suite_add_tcase(suite, decisions);
	return suite;
}
