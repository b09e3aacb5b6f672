/* checkout_json.c: checkout's answers (see checkout_json.h). */
#include "checkout/checkout_json.h"

#include <stdlib.h>

#include "core/clock.h"
#include "core/phone.h"

static json_t *time_or_null(const struct db_rows *rows, int row, int column)
{
	if (db_null(rows, row, column))
		return json_null();
	char text[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(db_int(rows, row, column), text);
	return json_string(text);
}

static json_t *text_or_null(const struct db_rows *rows, int row, int column)
{
	return db_null(rows, row, column) ? json_null() : json_string(db_text(rows, row, column));
}

static json_t *int_or_null(const struct db_rows *rows, int row, int column)
{
	return db_null(rows, row, column) ? json_null() : json_integer((json_int_t)db_int(rows, row, column));
}

json_t *order_gifts_json(const struct db_rows *gifts)
{
	json_t *list = json_array();
	for (int r = 0; r < gifts->row_count; r++)
		json_array_append_new(list, json_pack("{s:I, s:s}", "promotion_id", (json_int_t)db_int(gifts, r, 0), "name",
						      db_text(gifts, r, 1)));
	return list;
}

json_t *quote_gifts_json(const struct price_quote *quote)
{
	json_t *list = json_array();
	for (int g = 0; g < quote->gift_count; g++)
		json_array_append_new(list, json_pack("{s:I, s:s}", "promotion_id", (json_int_t)quote->gifts[g].promotion_id,
						      "name", quote->gifts[g].name));
	return list;
}

json_t *order_json(const struct order_rows *rows)
{
	const struct db_rows *order = &rows->order, *lines = &rows->lines, *discounts = &rows->discounts;
	json_t *line_list = json_array();
	for (int r = 0; r < lines->row_count; r++)
		json_array_append_new(line_list,
				      json_pack("{s:I, s:s, s:I, s:I, s:I, s:o}", "item_id", (json_int_t)db_int(lines, r, 0),
						"name", db_text(lines, r, 1), "qty", (json_int_t)db_int(lines, r, 2),
						"unit_price_fen", (json_int_t)db_int(lines, r, 3), "amount_fen",
						(json_int_t)db_int(lines, r, 4), "bargain_price_fen",
						int_or_null(lines, r, 5)));
	json_t *discount_list = json_array();
	for (int r = 0; r < discounts->row_count; r++) {
		json_t *discount = json_pack("{s:s, s:s, s:I}", "kind", db_text(discounts, r, 0), "label",
					     db_text(discounts, r, 1), "amount_fen", (json_int_t)db_int(discounts, r, 2));
		if (!db_null(discounts, r, 3))
			json_object_set_new(discount, "coupon_id", json_integer((json_int_t)db_int(discounts, r, 3)));
		if (!db_null(discounts, r, 4))
			json_object_set_new(discount, "promotion_id", json_integer((json_int_t)db_int(discounts, r, 4)));
		json_array_append_new(discount_list, discount);
	}
	char masked[PHONE_MASKED_SIZE];
	bool addressed = phone_valid(db_text(order, 0, O_PHONE)); /* a presale deposit has no address */
	if (addressed)
		phone_mask(db_text(order, 0, O_PHONE), masked);
	json_t *address = !addressed ? json_null() : json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", db_text(order, 0, O_NAME), "phone",
				    masked, "province", db_text(order, 0, O_PROVINCE), "city",
				    db_text(order, 0, O_CITY), "district", db_text(order, 0, O_DISTRICT), "detail",
				    db_text(order, 0, O_DETAIL));
	/* 9 leading members, then 11 of s:o */
	json_t *object = json_pack("{s:I, s:s, s:I, s:o, s:o, s:I, s:o, s:I, s:I, "
				   "s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
				   "id", (json_int_t)db_int(order, 0, O_ID), "status", db_text(order, 0, O_STATUS),
				   "campaign_id", (json_int_t)db_int(order, 0, O_CAMPAIGN), "bargain_id",
				   int_or_null(order, 0, O_BARGAIN), "lines", line_list, "subtotal_fen",
				   (json_int_t)db_int(order, 0, O_SUBTOTAL), "discounts", discount_list, "discount_fen",
				   (json_int_t)db_int(order, 0, O_DISCOUNT), "total_fen",
				   (json_int_t)db_int(order, 0, O_TOTAL), "address", address, "pay_by",
				   time_or_null(order, 0, O_PAY_BY), "created_at", time_or_null(order, 0, O_CREATED_AT),
				   "paid_at", time_or_null(order, 0, O_PAID_AT), "cancelled_at",
				   time_or_null(order, 0, O_CANCELLED_AT), "cancel_reason",
				   text_or_null(order, 0, O_CANCEL_REASON), "shipped_at",
				   time_or_null(order, 0, O_SHIPPED_AT), "carrier", text_or_null(order, 0, O_CARRIER),
				   "tracking_no", text_or_null(order, 0, O_TRACKING), "completed_at",
				   time_or_null(order, 0, O_COMPLETED_AT), "refunded_at",
				   time_or_null(order, 0, O_REFUNDED_AT));
	if (object == NULL)
		abort();
	json_object_set_new(object, "kind", json_string(db_text(order, 0, O_KIND))); /* normal, deposit, final */
	/* kinds A (issue 14): the gifts it took, the points it spent */
	json_object_set_new(object, "gifts", order_gifts_json(&rows->gifts));
	json_object_set_new(object, "points_used", json_integer((json_int_t)rows->points_used));
	return object;
}

static json_t *time_text(int64_t when)
{
	char text[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(when, text);
	return json_string(text);
}

json_t *order_json_written(const struct order_new *order, int64_t order_id, int64_t created_at,
			   const struct order_line_new *lines, int line_count, const struct order_discount_new *discounts,
			   int discount_count)
{
	json_t *line_list = json_array();
	for (int i = 0; i < line_count; i++)
		json_array_append_new(line_list,
				      json_pack("{s:I, s:s, s:I, s:I, s:I, s:o}", "item_id", (json_int_t)lines[i].item_id,
						"name", lines[i].name, "qty", (json_int_t)lines[i].qty, "unit_price_fen",
						(json_int_t)lines[i].unit_price_fen, "amount_fen",
						(json_int_t)lines[i].amount_fen, "bargain_price_fen",
						lines[i].bargained ? json_integer((json_int_t)lines[i].bargain_price_fen)
								   : json_null()));
	json_t *discount_list = json_array();
	for (int i = 0; i < discount_count; i++) {
		json_t *discount = json_pack("{s:s, s:s, s:I}", "kind", discounts[i].kind, "label", discounts[i].label,
					     "amount_fen", (json_int_t)discounts[i].amount_fen);
		if (discounts[i].coupon_id != 0)
			json_object_set_new(discount, "coupon_id", json_integer((json_int_t)discounts[i].coupon_id));
		if (discounts[i].promotion_id != 0)
			json_object_set_new(discount, "promotion_id", json_integer((json_int_t)discounts[i].promotion_id));
		json_array_append_new(discount_list, discount);
	}
	char masked[PHONE_MASKED_SIZE];
	phone_mask(order->phone, masked);
	json_t *address = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", order->name, "phone", masked, "province",
				    order->province, "city", order->city, "district", order->district, "detail",
				    order->detail);
	/* order_json()'s members, in its order */
	json_t *object = json_pack("{s:I, s:s, s:I, s:o, s:o, s:I, s:o, s:I, s:I, "
				   "s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
				   "id", (json_int_t)order_id, "status", "pending_payment", "campaign_id",
				   (json_int_t)order->campaign_id, "bargain_id",
				   order->bargain_id ? json_integer((json_int_t)order->bargain_id) : json_null(), "lines",
				   line_list, "subtotal_fen", (json_int_t)order->subtotal_fen, "discounts", discount_list,
				   "discount_fen", (json_int_t)order->discount_fen, "total_fen",
				   (json_int_t)order->total_fen, "address", address, "pay_by", time_text(order->pay_by),
				   "created_at", time_text(created_at), "paid_at", json_null(), "cancelled_at",
				   json_null(), "cancel_reason", json_null(), "shipped_at", json_null(), "carrier",
				   json_null(), "tracking_no", json_null(), "completed_at", json_null(), "refunded_at",
				   json_null());
	if (object == NULL)
		abort();
	return object;
}

json_t *quote_json(const struct cart *cart)
{
	const struct price_quote *quote = &cart->quote;
	const struct promotion_config *promotions = &cart->promotions;
	json_t *lines = json_array();
	for (int i = 0; i < cart->line_count; i++) {
		const struct cart_line *line = &cart->lines[i];
		json_t *object = json_pack("{s:I, s:s, s:I, s:I, s:I, s:I}", "item_id", (json_int_t)line->item_id, "name",
					   line->item.name, "qty", (json_int_t)line->qty, "unit_price_fen",
					   (json_int_t)line->item.price_fen, "amount_fen",
					   (json_int_t)quote->lines[i].amount_fen, "stock_left",
					   (json_int_t)line->item.stock_left);
		if (promotions->bargain_id != 0 && line->item_id == promotions->bargain.item_id)
			json_object_set_new(object, "bargain_price_fen",
					    json_integer((json_int_t)promotions->bargain.price_fen));
		json_array_append_new(lines, object);
	}
	json_t *discounts = json_array();
	for (int i = 0; i < quote->discount_count; i++) {
		const struct price_discount *discount = &quote->discounts[i];
		json_t *object = json_pack("{s:s, s:s, s:I}", "kind", price_kind_name(discount->kind), "label",
					   discount->label, "amount_fen", (json_int_t)discount->amount_fen);
		if (discount->kind == PRICE_COUPON)
			json_object_set_new(object, "coupon_id", json_integer((json_int_t)discount->coupon_id));
		if (discount->promotion_id != 0)
			json_object_set_new(object, "promotion_id", json_integer((json_int_t)discount->promotion_id));
		json_array_append_new(discounts, object);
	}
	json_t *gifts = quote_gifts_json(quote);
	json_t *offers = json_array();
	for (int o = 0; o < quote->addon_offer_count; o++) {
		const struct price_addon_offer *offer = &promotions->addon_offers[quote->addon_offers[o]];
		json_array_append_new(offers, json_pack("{s:I, s:I, s:I, s:I}", "promotion_id",
							(json_int_t)offer->promotion_id, "item_id", (json_int_t)offer->item_id,
							"price_fen", (json_int_t)offer->price_fen, "max_qty",
							(json_int_t)offer->max_qty));
	}
	json_t *object = json_pack("{s:o, s:I, s:o, s:I, s:o, s:o, s:I, s:I}", "lines", lines, "subtotal_fen",
				   (json_int_t)quote->subtotal_fen, "discounts", discounts, "discount_fen",
				   (json_int_t)quote->discount_fen, "gifts", gifts, "addon_offers", offers, "points_used",
				   (json_int_t)quote->points_used, "total_fen", (json_int_t)quote->total_fen);
	if (object == NULL)
		abort();
	/* issue 14: the budget, and the kinds left out and why */
	json_t *skipped = json_array();
	for (int i = 0; i < quote->skipped_count; i++) {
		const struct price_skipped *entry = &quote->skipped[i];
		json_t *item = json_pack("{s:s, s:s, s:I}", "kind", entry->kind, "reason", entry->reason, "amount_fen",
					 (json_int_t)entry->amount_fen);
		if (entry->with != NULL)
			json_object_set_new(item, "with", json_string(entry->with));
		json_array_append_new(skipped, item);
	}
	json_object_set_new(object, "budget_limited", json_boolean(quote->budget_limited));
	json_object_set_new(object, "not_applied", skipped);
	return object;
}

/* A phone as this admin may see it: whole for owners, else masked. */
static json_t *phone_shown(const struct admin_view *view, const char *phone)
{
	if (view->owner)
		return json_string(phone);
	char masked[PHONE_MASKED_SIZE];
	if (!phone_valid(phone))
		return json_string("***");
	phone_mask(phone, masked);
	return json_string(masked);
}

json_t *admin_order_json(const struct db_rows *rows, int r, const struct db_rows *lines, const struct admin_view *view)
{
	json_t *address = json_pack("{s:s, s:s, s:s, s:s}", "name", db_text(rows, r, AO_NAME), "province",
				    db_text(rows, r, AO_PROVINCE), "city", db_text(rows, r, AO_CITY), "district",
				    db_text(rows, r, AO_DISTRICT));
	if (view->ships) {
		json_object_set_new(address, "phone", json_string(db_text(rows, r, AO_PHONE)));
		json_object_set_new(address, "detail", json_string(db_text(rows, r, AO_DETAIL)));
	} else if (phone_valid(db_text(rows, r, AO_PHONE))) { /* a presale deposit has no address */
		char masked[PHONE_MASKED_SIZE];
		phone_mask(db_text(rows, r, AO_PHONE), masked);
		json_object_set_new(address, "phone", json_string(masked));
	} else {
		json_object_set_new(address, "phone", json_string(""));
	}
	json_t *order = json_pack(
		"{s:I, s:I, s:o, s:I, s:s, s:o, s:s, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
		(json_int_t)db_int(rows, r, AO_ID), "user_id", (json_int_t)db_int(rows, r, AO_USER), "user_phone",
		phone_shown(view, db_text(rows, r, AO_USER_PHONE)), "campaign_id",
		(json_int_t)db_int(rows, r, AO_CAMPAIGN), "campaign_title", db_text(rows, r, AO_TITLE), "bargain_id",
		db_null(rows, r, AO_BARGAIN) ? json_null() : json_integer((json_int_t)db_int(rows, r, AO_BARGAIN)),
		"status", db_text(rows, r, AO_STATUS), "subtotal_fen", (json_int_t)db_int(rows, r, AO_SUBTOTAL),
		"discount_fen", (json_int_t)db_int(rows, r, AO_DISCOUNT), "total_fen", (json_int_t)db_int(rows, r, AO_TOTAL),
		"address", address, "created_at", time_or_null(rows, r, AO_CREATED), "paid_at",
		time_or_null(rows, r, AO_PAID), "shipped_at", time_or_null(rows, r, AO_SHIPPED), "carrier",
		text_or_null(rows, r, AO_CARRIER), "tracking_no", text_or_null(rows, r, AO_TRACKING), "refunded_at",
		time_or_null(rows, r, AO_REFUNDED), "cancelled_at", time_or_null(rows, r, AO_CANCELLED), "pay_by",
		time_or_null(rows, r, AO_PAY_BY));
	if (order == NULL)
		abort();
	json_t *list = json_array();
	int64_t id = db_int(rows, r, AO_ID);
	for (int k = 0; lines != NULL && k < lines->row_count; k++)
		if (db_int(lines, k, 0) == id)
			json_array_append_new(list, json_pack("{s:I, s:s, s:I, s:I, s:I}", "item_id",
							      (json_int_t)db_int(lines, k, 1), "name", db_text(lines, k, 2),
							      "qty", (json_int_t)db_int(lines, k, 3), "unit_price_fen",
							      (json_int_t)db_int(lines, k, 4), "amount_fen",
							      (json_int_t)db_int(lines, k, 5)));
	json_object_set_new(order, "lines", list);
	json_object_set_new(order, "kind", json_string(db_text(rows, r, AO_KIND))); /* normal, deposit, final */
	return order;
}

void admin_order_gifts_set(json_t *order, int64_t order_id, const struct db_rows *gifts)
{
	json_t *list = json_array();
	for (int k = 0; gifts != NULL && k < gifts->row_count; k++)
		if (db_int(gifts, k, 0) == order_id)
			json_array_append_new(list, json_pack("{s:I, s:s}", "promotion_id", (json_int_t)db_int(gifts, k, 1),
							      "name", db_text(gifts, k, 2)));
	json_object_set_new(order, "gifts", list);
}
