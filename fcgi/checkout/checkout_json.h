/* checkout_json.h: checkout's answers as API.md shows them, rendered from
 * what the stores read and the flows decided. Pure: no SQL, no request.
 * Every function returns a new reference. */
#ifndef KANJIA_CHECKOUT_JSON_H
#define KANJIA_CHECKOUT_JSON_H

#include <jansson.h>

#include "checkout/order.h"

/* The order object (API.md "Orders and payment"). */
json_t *order_json(const struct order_rows *rows);
/* The same object for the order just written as order (id order_id, at
 * created_at) with its lines and discounts: what order_json() would
 * render from reading it back (the order flow answers without the read). */
json_t *order_json_written(const struct order_new *order, int64_t order_id, int64_t created_at,
			   const struct order_line_new *lines, int line_count, const struct order_discount_new *discounts,
			   int discount_count);
/* An order's "gifts" from its order_gift rows (promotion_id, name, ...). */
json_t *order_gifts_json(const struct db_rows *gifts);
/* The gifts a quote gives, as an order's or a quote's "gifts". */
json_t *quote_gifts_json(const struct price_quote *quote);
/* The quote of a priced cart. */
json_t *quote_json(const struct cart *cart);
/* Row r of rows (enum admin_order_column) with its lines among lines, as
 * view may see it. */
json_t *admin_order_json(const struct db_rows *rows, int r, const struct db_rows *lines, const struct admin_view *view);
/* Sets order's "gifts" (what fulfilment ships besides the lines) to those
 * of order_id among gifts (order_id, promotion_id, name rows). */
void admin_order_gifts_set(json_t *order, int64_t order_id, const struct db_rows *gifts);

#endif
