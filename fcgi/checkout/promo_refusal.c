/* promo_refusal.c: what a cart refused by the kinds A of the pricing
 * engine (add-ons, red packets, points) answers (see promotion.h). */
#include <stdio.h>

#include "checkout/promotion.h"
#include "core/outcome.h"
#include "db/db.h"
#include "http/messages.h"

int promotion_refusal(const struct price_quote *quote, char *message, size_t size)
{
	const char *why = price_error_text(quote->error);
	switch (quote->error) {
	case PRICE_ADDON_NOT_APPLICABLE:
		http_text_format(message, size, "pricing.addon_refused", (long long)quote->error_item_id, why);
		return OUT_PROMOTION_NOT_APPLICABLE;
	case PRICE_RED_PACKET_UNAVAILABLE:
	case PRICE_RED_PACKET_NO_VALUE:
		http_text_format(message, size, "pricing.red_packet_refused", (long long)quote->error_item_id, why);
		return OUT_PROMOTION_NOT_APPLICABLE;
	case PRICE_POINTS_NOT_APPLICABLE:
		snprintf(message, size, "%s", why);
		return OUT_POINTS_NOT_ACCEPTED;
	case PRICE_POINTS_INSUFFICIENT:
		snprintf(message, size, "%s", why);
		return OUT_INSUFFICIENT_POINTS;
	default:
		return DB_OK;
	}
}
