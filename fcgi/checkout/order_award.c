/* order_award.c: the order of a game's winner (see order_award.h). */
#include "checkout/order_award.h"

#include <assert.h>

#include "admin/stats.h"
#include "campaign/campaign_store.h"
#include "checkout/checkout_store.h"
#include "core/config.h"
#include "core/outcome.h"
#include "db/db.h"

int order_award(struct unit *unit, const struct order_award *award, int64_t *order_id)
{
	assert(award->price_fen > 0 && award->phone != NULL);
	struct item_for_cart item;
	int result = campaign_item_for_cart(unit, award->item_id, &item);
	if (result != DB_OK)
		return result;
	if (!item.found)
		return OUT_NOT_FOUND;
	struct order_new order = {
		.user_id = award->user_id, .campaign_id = item.campaign_id, .bargain_id = 0,
		.subtotal_fen = award->price_fen, .discount_fen = 0, .total_fen = award->price_fen,
		.name = "", .phone = award->phone, .province = "", .city = "", .district = "", .detail = "",
		.pay_by = unit->now + unit->config->order_pay_within_s,
	};
	if ((result = order_insert(unit, &order, order_id)) != DB_OK ||
	    (result = order_line_insert(unit, *order_id, award->item_id, item.name, 1, award->price_fen,
					award->price_fen, false, 0)) != DB_OK ||
	    (result = order_event_add(unit, *order_id, NULL, "pending_payment", "system", 0, award->note)) != DB_OK ||
	    (result = stats_order(unit, *order_id, STATS_ORDER_PLACED)) != DB_OK)
		return result;
	/* the hot row last */
	return stock_reserve(unit, award->item_id, 1);
}
