/* game_rules.c: the pure half of games.h: reading and checking a game's
 * config, the wheel's draw, the auctions' prices and bids, the guess's
 * winners. No SQL, no HTTP: tests/unit/games/test_game_rules.c covers it. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/crypto.h"
#include "games/games.h"

static const char *const kind_names[] = { "wheel", "guess_price", "auction" };
static const char *const prize_kind_names[] = { "none", "coupon", "points", "red_packet", "item" };

int game_kind_parse(const char *name)
{
	for (int i = 0; name != NULL && i < (int)(sizeof(kind_names) / sizeof(kind_names[0])); i++)
		if (strcmp(kind_names[i], name) == 0)
			return i;
	return -1;
}

const char *game_kind_name(enum game_kind kind)
{
	assert((unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0]));
	return kind_names[kind];
}

const char *game_prize_kind_name(enum game_prize_kind kind)
{
	assert((unsigned)kind < sizeof(prize_kind_names) / sizeof(prize_kind_names[0]));
	return prize_kind_names[kind];
}

/* ============================================================ checking */

static int refuse(struct game_refusal *refusal, const char *text, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(struct game_refusal *refusal, const char *text, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	refusal->text = text;
	vsnprintf(refusal->field, sizeof(refusal->field), format, args);
	va_end(args);
	return -1;
}

/* Only these keys may appear in object (NULL-terminated list). */
static const char *unknown_key(const json_t *object, const char *const *allowed)
{
	const char *key;
	const json_t *value;
	json_object_foreach((json_t *)object, key, value) {
		bool known = false;
		for (int i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				known = true;
		if (!known)
			return key;
	}
	return NULL;
}

/* An integer member in [min, max]: 0 with *value (OUT); absent gives
 * fallback when optional; -1 otherwise. */
static int int_member(const json_t *object, const char *name, int64_t min, int64_t max, bool optional,
		      int64_t fallback, int64_t *value)
{
	const json_t *member = json_object_get(object, name);
	if (member == NULL || json_is_null(member)) {
		*value = fallback;
		return optional ? 0 : -1;
	}
	if (!json_is_integer(member))
		return -1;
	json_int_t number = json_integer_value(member);
	if (number < min || number > max)
		return -1;
	*value = (int64_t)number;
	return 0;
}

static bool text_fits(const char *text, size_t chars_max)
{
	if (text == NULL || text[0] == '\0')
		return false;
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if ((*p & 0xC0) != 0x80)
			chars++;
	return chars <= chars_max;
}

static int prize_read(const json_t *entry, int index, struct wheel_prize *prize, struct game_refusal *refusal)
{
	static const char *const allowed[] = { "name", "weight", "stock", "kind", "coupon", "coupon_promotion_id",
					       "points", "red_packet_max_fen", "red_packet_days", NULL };
	if (!json_is_object(entry))
		return refuse(refusal, "games.field", "config.prizes[%d]", index);
	const char *stray = unknown_key(entry, allowed);
	if (stray != NULL)
		return refuse(refusal, "games.field", "config.prizes[%d].%s", index, stray);
	*prize = (struct wheel_prize){ .name = json_string_value(json_object_get(entry, "name")) };
	if (!text_fits(prize->name, GAME_PRIZE_NAME_CHARS_MAX))
		return refuse(refusal, "games.field", "config.prizes[%d].name", index);
	if (int_member(entry, "weight", 1, GAME_WEIGHT_MAX, false, 0, &prize->weight) != 0)
		return refuse(refusal, "games.field", "config.prizes[%d].weight", index);
	int kind = -1;
	const char *kind_name = json_string_value(json_object_get(entry, "kind"));
	for (int i = 0; kind_name != NULL && i < (int)(sizeof(prize_kind_names) / sizeof(prize_kind_names[0])); i++)
		if (strcmp(prize_kind_names[i], kind_name) == 0)
			kind = i;
	if (kind < 0)
		return refuse(refusal, "games.field", "config.prizes[%d].kind", index);
	prize->kind = (enum game_prize_kind)kind;
	/* A none prize has no stock to count; every other one does. */
	if (int_member(entry, "stock", 0, GAME_STOCK_MAX, prize->kind == PRIZE_NONE, 0, &prize->stock) != 0)
		return refuse(refusal, "games.field", "config.prizes[%d].stock", index);
	switch (prize->kind) {
	case PRIZE_NONE:
	case PRIZE_ITEM:
		break;
	case PRIZE_RED_PACKET:
		if (int_member(entry, "red_packet_max_fen", 1, GAME_PRICE_MAX_FEN, false, 0, &prize->red_packet_max_fen) != 0)
			return refuse(refusal, "games.field", "config.prizes[%d].red_packet_max_fen", index);
		if (prize->red_packet_max_fen > GAME_PRIZE_VALUE_MAX_FEN)
			return refuse(refusal, "games.prize_value", "config.prizes[%d].red_packet_max_fen", index);
		if (int_member(entry, "red_packet_days", 1, RED_PACKET_DAYS_MAX, true, GAME_RED_PACKET_DAYS_DEFAULT,
			       &prize->red_packet_days) != 0)
			return refuse(refusal, "games.field", "config.prizes[%d].red_packet_days", index);
		break;
	case PRIZE_POINTS:
		if (int_member(entry, "points", 1, GAME_PRIZE_POINTS_MAX, false, 0, &prize->points) != 0)
			return refuse(refusal, "games.field", "config.prizes[%d].points", index);
		break;
	case PRIZE_COUPON: {
		/* A coupon promotion of the campaign, or a coupon of the prize's own: one of the two. */
		if (json_object_get(entry, "coupon_promotion_id") != NULL) {
			if (json_object_get(entry, "coupon") != NULL)
				return refuse(refusal, "games.field", "config.prizes[%d].coupon", index);
			if (int_member(entry, "coupon_promotion_id", 1, INT64_MAX, false, 0, &prize->coupon_promotion_id) !=
			    0)
				return refuse(refusal, "games.field", "config.prizes[%d].coupon_promotion_id", index);
			break;
		}
		const json_t *coupon = json_object_get(entry, "coupon");
		static const char *const coupon_keys[] = { "title", "amount_fen", "min_spend_fen", "valid_days", NULL };
		if (!json_is_object(coupon) || unknown_key(coupon, coupon_keys) != NULL)
			return refuse(refusal, "games.field", "config.prizes[%d].coupon", index);
		prize->coupon_title = json_string_value(json_object_get(coupon, "title"));
		if (!text_fits(prize->coupon_title, GAME_PRIZE_NAME_CHARS_MAX))
			return refuse(refusal, "games.field", "config.prizes[%d].coupon.title", index);
		if (int_member(coupon, "amount_fen", 1, GAME_PRICE_MAX_FEN, false, 0, &prize->amount_fen) != 0)
			return refuse(refusal, "games.field", "config.prizes[%d].coupon.amount_fen", index);
		if (prize->amount_fen > GAME_PRIZE_VALUE_MAX_FEN)
			return refuse(refusal, "games.prize_value", "config.prizes[%d].coupon.amount_fen", index);
		if (int_member(coupon, "min_spend_fen", 0, GAME_PRICE_MAX_FEN, true, 0, &prize->min_spend_fen) != 0)
			return refuse(refusal, "games.field", "config.prizes[%d].coupon.min_spend_fen", index);
		if (int_member(coupon, "valid_days", 1, GAME_VALID_DAYS_MAX, true, 7, &prize->valid_days) != 0)
			return refuse(refusal, "games.field", "config.prizes[%d].coupon.valid_days", index);
		break;
	}
	}
	return 0;
}

static int wheel_read(const json_t *config, struct wheel_config *wheel, struct game_refusal *refusal)
{
	static const char *const allowed[] = { "spins_per_day", "cost_points", "prizes", NULL };
	const char *stray = unknown_key(config, allowed);
	if (stray != NULL)
		return refuse(refusal, "games.field", "config.%s", stray);
	*wheel = (struct wheel_config){ 0 };
	if (int_member(config, "spins_per_day", 1, GAME_SPINS_PER_DAY_MAX, true, 1, &wheel->spins_per_day) != 0)
		return refuse(refusal, "games.field", "config.spins_per_day");
	if (int_member(config, "cost_points", 0, GAME_COST_POINTS_MAX, true, 0, &wheel->cost_points) != 0)
		return refuse(refusal, "games.field", "config.cost_points");
	const json_t *prizes = json_object_get(config, "prizes");
	if (!json_is_array(prizes) || json_array_size(prizes) < 1 || json_array_size(prizes) > GAME_PRIZES_MAX)
		return refuse(refusal, "games.field", "config.prizes");
	wheel->prize_count = (int)json_array_size(prizes);
	for (int i = 0; i < wheel->prize_count; i++) {
		if (prize_read(json_array_get(prizes, (size_t)i), i, &wheel->prizes[i], refusal) != 0)
			return -1;
		wheel->total_weight += wheel->prizes[i].weight;
	}
	return 0;
}

static int guess_read(const json_t *config, struct guess_config *guess, struct game_refusal *refusal)
{
	static const char *const allowed[] = { "item_id", "answer_fen", "tolerance_fen", "reward", NULL };
	const char *stray = unknown_key(config, allowed);
	if (stray != NULL)
		return refuse(refusal, "games.field", "config.%s", stray);
	*guess = (struct guess_config){ 0 };
	if (int_member(config, "item_id", 1, INT64_MAX, false, 0, &guess->item_id) != 0)
		return refuse(refusal, "games.field", "config.item_id");
	if (int_member(config, "answer_fen", 1, GAME_PRICE_MAX_FEN, false, 0, &guess->answer_fen) != 0)
		return refuse(refusal, "games.field", "config.answer_fen");
	if (int_member(config, "tolerance_fen", 0, GAME_PRICE_MAX_FEN, true, 0, &guess->tolerance_fen) != 0)
		return refuse(refusal, "games.field", "config.tolerance_fen");
	const json_t *reward = json_object_get(config, "reward");
	if (!json_is_object(reward))
		return refuse(refusal, "games.field", "config.reward");
	static const char *const reward_keys[] = { "coupon", "prize", "coupon_promotion_id", NULL };
	if (unknown_key(reward, reward_keys) != NULL || json_object_size(reward) != 1)
		return refuse(refusal, "games.field", "config.reward");
	if (json_object_get(reward, "coupon_promotion_id") != NULL &&
	    int_member(reward, "coupon_promotion_id", 1, INT64_MAX, false, 0, &guess->reward_promotion_id) != 0)
		return refuse(refusal, "games.field", "config.reward.coupon_promotion_id");
	const json_t *prize = json_object_get(reward, "prize");
	if (prize != NULL && !text_fits(json_string_value(prize), GAME_PRIZE_NAME_CHARS_MAX))
		return refuse(refusal, "games.field", "config.reward.prize");
	const json_t *coupon = json_object_get(reward, "coupon");
	if (coupon != NULL) {
		static const char *const coupon_keys[] = { "title", "amount_fen", "min_spend_fen", "valid_days", NULL };
		int64_t value;
		if (!json_is_object(coupon) || unknown_key(coupon, coupon_keys) != NULL ||
		    !text_fits(json_string_value(json_object_get(coupon, "title")), GAME_PRIZE_NAME_CHARS_MAX))
			return refuse(refusal, "games.field", "config.reward.coupon");
		if (int_member(coupon, "amount_fen", 1, GAME_PRIZE_VALUE_MAX_FEN, false, 0, &value) != 0)
			return refuse(refusal, "games.field", "config.reward.coupon.amount_fen");
		if (int_member(coupon, "min_spend_fen", 0, GAME_PRICE_MAX_FEN, true, 0, &value) != 0)
			return refuse(refusal, "games.field", "config.reward.coupon.min_spend_fen");
		if (int_member(coupon, "valid_days", 1, GAME_VALID_DAYS_MAX, true, 7, &value) != 0)
			return refuse(refusal, "games.field", "config.reward.coupon.valid_days");
	}
	guess->reward = reward;
	return 0;
}

static int auction_read(const json_t *config, struct auction_config *auction, struct game_refusal *refusal)
{
	*auction = (struct auction_config){ 0 };
	const char *mode = json_string_value(json_object_get(config, "mode"));
	if (mode == NULL || (strcmp(mode, "english") != 0 && strcmp(mode, "dutch") != 0))
		return refuse(refusal, "games.field", "config.mode");
	auction->dutch = strcmp(mode, "dutch") == 0;
	static const char *const english_keys[] = { "mode", "item_id", "start_fen", "step_fen", NULL };
	static const char *const dutch_keys[] = { "mode", "item_id", "start_fen", "floor_fen", "drop_fen",
						  "drop_every_s", NULL };
	const char *stray = unknown_key(config, auction->dutch ? dutch_keys : english_keys);
	if (stray != NULL)
		return refuse(refusal, "games.field", "config.%s", stray);
	if (int_member(config, "item_id", 1, INT64_MAX, false, 0, &auction->item_id) != 0)
		return refuse(refusal, "games.field", "config.item_id");
	if (int_member(config, "start_fen", 1, GAME_PRICE_MAX_FEN, false, 0, &auction->start_fen) != 0)
		return refuse(refusal, "games.field", "config.start_fen");
	if (!auction->dutch) {
		if (int_member(config, "step_fen", 1, GAME_PRICE_MAX_FEN, false, 0, &auction->step_fen) != 0)
			return refuse(refusal, "games.field", "config.step_fen");
		return 0;
	}
	if (int_member(config, "floor_fen", 1, auction->start_fen, false, 0, &auction->floor_fen) != 0)
		return refuse(refusal, "games.field", "config.floor_fen");
	if (int_member(config, "drop_fen", 1, GAME_PRICE_MAX_FEN, false, 0, &auction->drop_fen) != 0)
		return refuse(refusal, "games.field", "config.drop_fen");
	if (int_member(config, "drop_every_s", 1, GAME_DROP_EVERY_MAX_S, false, 0, &auction->drop_every_s) != 0)
		return refuse(refusal, "games.field", "config.drop_every_s");
	return 0;
}

int game_config_read(enum game_kind kind, const json_t *config, struct game_config *out,
		     struct game_refusal *refusal)
{
	*out = (struct game_config){ .kind = kind };
	if (!json_is_object(config))
		return refuse(refusal, "games.field", "config");
	switch (kind) {
	case GAME_WHEEL:
		return wheel_read(config, &out->wheel, refusal);
	case GAME_GUESS_PRICE:
		return guess_read(config, &out->guess, refusal);
	case GAME_AUCTION:
		return auction_read(config, &out->auction, refusal);
	}
	return refuse(refusal, "games.field", "kind");
}

static bool same_text(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

bool game_config_only_adds_stock(const struct game_config *before, const struct game_config *after)
{
	if (before->kind != after->kind || before->kind != GAME_WHEEL)
		return false;
	const struct wheel_config *a = &before->wheel, *b = &after->wheel;
	if (a->spins_per_day != b->spins_per_day || a->cost_points != b->cost_points ||
	    a->prize_count != b->prize_count)
		return false;
	for (int i = 0; i < a->prize_count; i++) {
		const struct wheel_prize *p = &a->prizes[i], *q = &b->prizes[i];
		if (!same_text(p->name, q->name) || p->kind != q->kind || p->weight != q->weight ||
		    p->points != q->points || !same_text(p->coupon_title, q->coupon_title) ||
		    p->amount_fen != q->amount_fen || p->min_spend_fen != q->min_spend_fen ||
		    p->valid_days != q->valid_days || p->coupon_promotion_id != q->coupon_promotion_id ||
		    p->red_packet_max_fen != q->red_packet_max_fen || p->red_packet_days != q->red_packet_days ||
		    q->stock < p->stock)
			return false;
	}
	return true;
}

/* ================================================================ draws */

int wheel_pick(const struct wheel_config *wheel, uint64_t roll)
{
	assert(wheel->total_weight > 0 && roll < (uint64_t)wheel->total_weight);
	for (int i = 0; i < wheel->prize_count; i++) {
		if (roll < (uint64_t)wheel->prizes[i].weight)
			return i;
		roll -= (uint64_t)wheel->prizes[i].weight;
	}
	assert(!"the weights add up to total_weight");
	return wheel->prize_count - 1;
}

int wheel_draw(const struct wheel_config *wheel)
{
	return wheel_pick(wheel, crypto_random_below((uint64_t)wheel->total_weight));
}

int64_t wheel_red_packet_amount(const struct wheel_prize *prize, uint64_t roll)
{
	assert(prize->kind == PRIZE_RED_PACKET && prize->red_packet_max_fen > 0);
	return 1 + (int64_t)(roll % (uint64_t)prize->red_packet_max_fen);
}

int64_t auction_dutch_price(const struct auction_config *auction, int64_t starts_at, int64_t now)
{
	if (now <= starts_at)
		return auction->start_fen;
	int64_t drops = (now - starts_at) / auction->drop_every_s;
	/* Past the floor already: no multiplication that could overflow. */
	if (drops >= (auction->start_fen - auction->floor_fen) / auction->drop_fen + 1)
		return auction->floor_fen;
	int64_t price = auction->start_fen - drops * auction->drop_fen;
	return price < auction->floor_fen ? auction->floor_fen : price;
}

int64_t auction_min_bid(const struct auction_config *auction, bool has_bid, int64_t highest_fen)
{
	return has_bid ? highest_fen + auction->step_fen : auction->start_fen;
}

bool guess_wins(const struct guess_config *guess, int64_t price_fen)
{
	int64_t off = price_fen - guess->answer_fen;
	return (off < 0 ? -off : off) <= guess->tolerance_fen;
}

bool game_open(int64_t published_at, int64_t starts_at, int64_t ends_at, int64_t now)
{
	return published_at != 0 && now >= starts_at && now < ends_at;
}
