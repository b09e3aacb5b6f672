/* promo_bargain.c: the bargain price as a promotion kind: a cart that
 * names a succeeded bargain of the shopper's pays one unit of its item at
 * the bargain's price; the order marks the bargain ordered, and a cancelled
 * order gives it back (succeeded again, orderable until its own pay window
 * ends). Configured on the campaign item (campaign.c), so no admin config
 * of its own. */
#include <stdio.h>

#include "bargain/bargain_store.h"
#include "checkout/checkout_store.h"
#include "checkout/promotion.h"
#include "core/outcome.h"
#include "http/messages.h"

static int bargain_load(struct unit *unit, struct promotion_config *config)
{
	if (config->bargain_id == 0)
		return DB_OK;
	struct bargain_orderable bargain;
	int result = bargain_for_order(unit, config->bargain_id, &bargain);
	config->bargain = (struct promotion_bargain){
		.found = bargain.found, .user_id = bargain.user_id, .item_id = bargain.item_id,
		.succeeded = bargain.succeeded, .price_fen = bargain.price_fen, .pay_within_s = bargain.pay_within_s,
		.pay_window_end = bargain.pay_window_end };
	return result;
}

static int bargain_check(const struct promotion_config *config, const struct price_line *lines, int line_count,
			 const char **message)
{
	if (config->bargain_id == 0)
		return DB_OK;
	if (!config->bargain.found || config->bargain.user_id != config->user_id) {
		*message = http_text("order.bargain_not_found");
		return OUT_NOT_FOUND;
	}
	if (!config->bargain.succeeded)
		return OUT_BARGAIN_NOT_SUCCEEDED;
	if (config->now >= config->bargain.pay_window_end) {
		*message = http_text("order.bargain_expired");
		return OUT_BARGAIN_NOT_SUCCEEDED;
	}
	for (int i = 0; i < line_count; i++)
		if (lines[i].item_id == config->bargain.item_id)
			return DB_OK;
	*message = http_text("order.bargain_not_in_lines");
	return OUT_INVALID_FIELD;
}

/* One unit of the bargain's item at the bargain price (the caller marked
 * that line has_bargain). */
static enum price_error bargain_apply(const struct price_input *input, struct price_quote *quote)
{
	for (int i = 0; i < input->line_count; i++) {
		const struct price_line *line = &input->lines[i];
		int64_t off = line->unit_price_fen - line->bargain_price_fen;
		if (!line->has_bargain || off == 0)
			continue;
		struct price_discount *discount = price_discount_add(quote, PRICE_BARGAIN, off);
		char price[32];
		price_yuan(line->bargain_price_fen, price, sizeof(price));
		http_text_format(discount->label, sizeof(discount->label), "discount.bargain", price);
	}
	return PRICE_OK;
}

static int bargain_claim(struct unit *unit, const struct promotion_config *config, const char **message)
{
	(void)message;
	if (config->bargain_id == 0)
		return DB_OK;
	return bargain_mark_ordered(unit, config->bargain_id, config->user_id);
}

/* A cancelled order gives its bargain back; a refunded one does not (the
 * bargain was bought). */
static int bargain_give_back(struct unit *unit, int64_t order_id, enum promotion_return why)
{
	if (why != PROMOTION_CANCELLED)
		return DB_OK;
	struct order_head head;
	int result = order_head_read(unit, order_id, &head);
	if (result != DB_OK || head.bargain_id == 0)
		return result;
	return bargain_unmark_ordered(unit, head.bargain_id, head.user_id);
}

const struct promotion_kind promo_bargain = {
	.name = "bargain",
	.stage = PROMOTION_ITEM_PRICE,
	.load = bargain_load,
	.check = bargain_check,
	.apply = bargain_apply,
	.claim = bargain_claim,
	.give_back = bargain_give_back,
};
