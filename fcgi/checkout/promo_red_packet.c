/* promo_red_packet.c: the red packet line (红包) of the pricing engine:
 * the body's "red_packet_ids" are cash the shopper was given (fcgi/reward
 * /red_packet_store.h), each taken off the order after the coupons (and
 * the deposit), in the order given, above the floor. One that is not the
 * shopper's, used, locked, expired, named twice, or worth nothing above
 * the floor refuses the cart (422 promotion_not_applicable). The order
 * locks them (one conditional statement each), payment uses them, a
 * cancel, timeout or refund gives them back. Not configured on the
 * promotion resource: packets are issued by rewards. */
#include <stdio.h>

#include "checkout/promotion.h"
#include "core/arena.h"
#include "core/outcome.h"
#include "db/db.h"
#include "http/messages.h"
#include "reward/red_packet_store.h"

static int red_packet_load(struct unit *unit, struct promotion_config *config)
{
	for (int i = 0; i < config->red_packet_count; i++) {
		struct price_red_packet *packet = &config->red_packets[i];
		packet->id = config->red_packet_ids[i];
		int result = red_packet_for_order(unit, config->user_id, packet->id, &packet->amount_fen, &packet->available);
		if (result != DB_OK)
			return result;
	}
	return DB_OK;
}

static enum price_error red_packet_apply(const struct price_input *input, struct price_quote *quote)
{
	if (input->red_packet_count < 0 || input->red_packet_count > PRICE_RED_PACKETS_MAX)
		return price_refuse(quote, PRICE_BAD_INPUT, 0);
	for (int i = 0; i < input->red_packet_count; i++) {
		const struct price_red_packet *packet = &input->red_packets[i];
		quote->error_item_id = packet->id;
		if (packet->amount_fen < 0 || packet->amount_fen > PRICE_UNIT_MAX)
			return price_refuse(quote, PRICE_BAD_INPUT, 0);
		for (int j = 0; j < i; j++)
			if (input->red_packets[j].id == packet->id)
				return price_refuse(quote, PRICE_RED_PACKET_UNAVAILABLE, 0);
		if (!packet->available || packet->amount_fen == 0)
			return price_refuse(quote, PRICE_RED_PACKET_UNAVAILABLE, 0);
		int64_t off = price_min(packet->amount_fen, quote->total_fen - quote->floor_fen);
		if (off <= 0)
			return price_refuse(quote, PRICE_RED_PACKET_NO_VALUE, 0);
		struct price_discount *discount = price_discount_add(quote, PRICE_RED_PACKET, off);
		char amount[32];
		price_yuan(packet->amount_fen, amount, sizeof(amount));
		http_text_format(discount->label, sizeof(discount->label), "discount.red_packet", amount);
	}
	quote->error_item_id = 0;
	return PRICE_OK;
}

static int red_packet_persist(struct unit *unit, const struct promotion_config *config, int64_t order_id,
			      const char **message)
{
	if (config->red_packet_count == 0)
		return DB_OK;
	int64_t total;
	int result = red_packet_lock_for_order(unit, config->user_id, config->red_packet_ids, config->red_packet_count,
					       order_id, &total);
	if (result == OUT_INVALID_STATE) { /* taken by another order since it was priced */
		*message = price_error_text(PRICE_RED_PACKET_UNAVAILABLE);
		return OUT_PROMOTION_NOT_APPLICABLE;
	}
	return result;
}

static int red_packet_paid(struct unit *unit, int64_t order_id)
{
	return red_packet_use(unit, order_id);
}

/* Cancelled, timed out or refunded: the packets are the shopper's again
 * (expired when past their end). */
static int red_packet_return(struct unit *unit, int64_t order_id, enum promotion_return why)
{
	(void)why;
	return red_packet_give_back(unit, order_id);
}

/* What red_packet_persist writes for: see its early returns. */
static bool red_packet_writes(const struct promotion_config *config)
{
	return config->red_packet_count > 0;
}

const struct promotion_kind promo_red_packet = {
	.name = "red_packet",
	.stage = PROMOTION_ORDER,
	.load = red_packet_load,
	.apply = red_packet_apply,
	.persist = red_packet_persist,
	.give_back = red_packet_return,
	.paid = red_packet_paid,
	.writes = red_packet_writes,
};
