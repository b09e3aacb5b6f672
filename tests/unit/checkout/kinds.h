/* kinds.h: helpers shared by the unit tests of the promotion kinds of
 * issue 14 (test_promo_gift.c, test_promo_bundle.c, ...): a kind's admin
 * config checked by its registry row, and a quote of lines at NOW. */
#ifndef KANJIA_TEST_KINDS_H
#define KANJIA_TEST_KINDS_H

#include <string.h>

#include "checkout/pricing.h"
#include "checkout/promotion.h"
#include "unit.h"

#define NOW 1800000000LL

/* Whether kind's row takes text as an admin config; *message names the
 * refused field. */
static inline bool kind_valid(const char *kind, const char *text, const char **message)
{
	const struct promotion_kind *row = promotion_kind_find(kind);
	ck_assert_ptr_nonnull(row);
	ck_assert_ptr_nonnull(row->validate);
	ck_assert(row->configurable);
	json_error_t error;
	json_t *config = json_loads(text, 0, &error);
	ck_assert_msg(config != NULL, "%s: %s", text, error.text);
	*message = NULL;
	bool result = row->validate(config, message);
	json_decref(config);
	return result;
}

/* Asserts that kind refuses text naming field. */
#define REFUSED(kind, text, field)                                                                 \
	do {                                                                                       \
		const char *refused_field;                                                         \
		ck_assert_msg(!kind_valid(kind, text, &refused_field), "%s taken: %s", kind, text); \
		ck_assert_str_eq(refused_field, field);                                            \
	} while (0)

#define TAKEN(kind, text)                                                                  \
	do {                                                                               \
		const char *taken_field;                                                   \
		ck_assert_msg(kind_valid(kind, text, &taken_field), "%s refused %s: %s", kind, text, \
			      taken_field ? taken_field : "");                             \
	} while (0)

/* The discount of kind in quote (its amount), 0 when none. */
static inline int64_t discount_of(const struct price_quote *quote, enum price_kind kind)
{
	int64_t amount = 0;
	for (int d = 0; d < quote->discount_count; d++)
		if (quote->discounts[d].kind == kind)
			amount += quote->discounts[d].amount_fen;
	return amount;
}

/* The invariants every quote keeps: discounts positive and summing to the
 * discount, total = subtotal - discount, never below the floor nor 0. */
static inline void quote_sound(const struct price_input *input, const struct price_quote *quote)
{
	int64_t sum = 0, floor_fen = 0;
	for (int d = 0; d < quote->discount_count; d++) {
		ck_assert_int_gt(quote->discounts[d].amount_fen, 0);
		sum += quote->discounts[d].amount_fen;
	}
	for (int i = 0; i < input->line_count; i++)
		floor_fen += input->lines[i].qty * input->lines[i].unit_floor_fen;
	ck_assert_int_eq(sum, quote->discount_fen);
	ck_assert_int_eq(quote->total_fen, quote->subtotal_fen - quote->discount_fen);
	ck_assert_int_ge(quote->total_fen, 0);
	ck_assert_int_ge(quote->total_fen, floor_fen);
}

/* A line of qty units of item_id at price, with floor. */
/* A timed discount live at NOW on one item: percent off, or at price_fen. */
static inline struct price_timed_discount timed_of(int64_t id, int64_t item_id, int64_t percent, int64_t price_fen)
{
	struct price_timed_discount timed = { .promotion_id = id, .title = "限时", .starts_at = NOW - 60,
					      .ends_at = NOW + 60, .item_count = 1 };
	timed.items[0] = (struct price_timed_item){ .item_id = item_id, .percent = percent, .price_fen = price_fen };
	return timed;
}

static inline struct price_line line_of(int64_t item_id, int64_t qty, int64_t price, int64_t floor_fen)
{
	return (struct price_line){ .item_id = item_id, .qty = qty, .unit_price_fen = price, .unit_floor_fen = floor_fen };
}

#endif
