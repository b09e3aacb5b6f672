/* checkout_routes.c: checkout's routes (API.md, "Orders and payment",
 * "Wallet" and the console's orders): quotes, orders with
 * Idempotency-Key, the shopper's order reads, payment through a provider,
 * cancel, the provider's notify, the points ledger, and the admin's order
 * list, ship and refund.
 *
 * HTTP only: each handler reads the validated request, calls one flow of
 * order.c, maps its result with http_outcome() and renders the answer
 * (checkout_json.c). The rules and the transactions are order.c's, the SQL
 * checkout_store.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin/users.h"
#include "checkout/checkout_json.h"
#include "checkout/checkout_routes.h"
#include "checkout/order.h"
#include "checkout/pay_routes.h"
#include "checkout/payment.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/outcome.h"
#include "core/phone.h"
#include "fraud/fraud_check.h"
#include "http/messages.h"
#include "live/live.h"
#include "ops/ops.h"

#define ADDRESS_NAME_MAX 60
#define ADDRESS_REGION_MAX 60
#define ADDRESS_DETAIL_MAX 300
#define CARRIER_MAX 50
#define TRACKING_MAX 64
#define NOTE_MAX 200
#define SHARE_CODE_MAX 32 /* an item share link's code (engagement) */

/* ========================================================== bodies */

static bool phone_shape(const char *text)
{
	return phone_valid(text);
}

static const struct field line_fields[] = {
	{ .name = "item_id", .type = FIELD_INT, .required = true, .min = 1, .max = INT64_MAX },
	{ .name = "qty", .type = FIELD_INT, .required = true, .min = 1, .max = PRICE_QTY_MAX },
	{ .name = NULL },
};

static const struct field address_fields[] = {
	{ .name = "name", .type = FIELD_STRING, .required = true, .min = 1, .max = ADDRESS_NAME_MAX },
	{ .name = "phone", .type = FIELD_STRING, .required = true, .min = 11, .max = 11, .shape = phone_shape,
	  .shape_status = 400, .shape_code = "invalid_phone" },
	{ .name = "province", .type = FIELD_STRING, .required = true, .min = 1, .max = ADDRESS_REGION_MAX },
	{ .name = "city", .type = FIELD_STRING, .required = true, .min = 1, .max = ADDRESS_REGION_MAX },
	{ .name = "district", .type = FIELD_STRING, .required = true, .min = 1, .max = ADDRESS_REGION_MAX },
	{ .name = "detail", .type = FIELD_STRING, .required = true, .min = 1, .max = ADDRESS_DETAIL_MAX },
	{ .name = NULL },
};

#define CART_FIELDS                                                                                             \
	{ .name = "lines", .type = FIELD_ARRAY, .required = true, .min = 1, .max = PRICE_LINES_MAX },              \
	{ .name = "bargain_id", .type = FIELD_INT, .nullable = true, .min = 1, .max = INT64_MAX },                  \
	{ .name = "coupon_ids", .type = FIELD_ARRAY, .nullable = true, .min = 0, .max = PRICE_COUPONS_MAX },       \
	{ .name = "points", .type = FIELD_INT, .nullable = true, .min = 0, .max = INT64_MAX },                      \
	{ .name = "share_code", .type = FIELD_STRING, .nullable = true, .min = 1, .max = SHARE_CODE_MAX },         \
	{ .name = "deposit_order_id", .type = FIELD_INT, .nullable = true, .min = 1, .max = INT64_MAX },           \
	{ .name = "addons", .type = FIELD_ARRAY, .nullable = true, .min = 0, .max = PRICE_LINES_MAX },             \
	{ .name = "red_packet_ids", .type = FIELD_ARRAY, .nullable = true, .min = 0, .max = PRICE_RED_PACKETS_MAX }

static const struct field cart_quote_body[] = {
	CART_FIELDS,
	{ .name = NULL },
};

static const struct field order_create_body[] = {
	CART_FIELDS,
	{ .name = "address", .type = FIELD_OBJECT, .required = true },
	{ .name = NULL },
};

/* =========================================================== helpers */

/* Maps a flow's result; an outcome that came with a message says it. */
static int answer(struct request *request, int result, const char *message)
{
	int status = http_outcome(request, result);
	if (result > OUTCOME_FIRST && result < OUTCOME_END && message != NULL && message[0] != '\0')
		request->error_message = arena_strdup(&request->arena, message);
	return status;
}

/* ======================================================= order reads */

static int order_get(struct request *request)
{
	struct order_rows rows;
	int status = http_outcome(request, order_view(&request->work, http_path_id(request, 0),
						      request->session.user_id, &rows));
	if (status != 0)
		return status;
	return http_reply(request, 200, order_json(&rows));
}

static int order_list_mine(struct request *request)
{
	int64_t limit, cursor;
	int status = http_list_params_newest_first(request, &limit, &cursor);
	if (status != 0)
		return status;
	int64_t user_id = request->session.user_id;
	struct db_rows ids;
	if ((status = http_outcome(request, order_ids_of_shopper(&request->work, user_id, cursor, limit, &ids))) != 0)
		return status;
	json_t *items = http_own(request, json_array());
	for (int r = 0; r < ids.row_count; r++) {
		struct order_rows rows;
		if ((status = http_outcome(request, order_view(&request->work, db_int(&ids, r, 0), user_id, &rows))) != 0)
			return status;
		json_array_append_new(items, order_json(&rows));
	}
	int64_t last = ids.row_count ? db_int(&ids, ids.row_count - 1, 0) : 0;
	return http_reply(request, 200, json_pack("{s:O, s:o}", "items", items, "next_cursor",
						  http_next_cursor(last, ids.row_count == limit)));
}

/* ============================================================== cart */

/* Reads "addons" (lines of their own, after the others) and
 * "red_packet_ids" of the validated body into cart. Returns 0 or 400. */
static int cart_parse_kinds_a(struct request *request, struct cart *cart)
{
	size_t index;
	const json_t *line;
	json_array_foreach(json_object_get(request->json, "addons"), index, line) {
		char where[32];
		snprintf(where, sizeof(where), "addons[%zu]", index);
		int status = validate_object(request, line, line_fields, where);
		if (status != 0)
			return status;
		if (cart->line_count >= PRICE_LINES_MAX)
			return http_error_detail(request, 400, "invalid_field", "order.lines_max", PRICE_LINES_MAX);
		struct cart_line *entry = &cart->lines[cart->line_count++];
		entry->item_id = json_integer_value(json_object_get(line, "item_id"));
		entry->qty = json_integer_value(json_object_get(line, "qty"));
		entry->addon = true;
		for (int i = 0; i + 1 < cart->line_count; i++)
			if (cart->lines[i].item_id == entry->item_id)
				return http_error_detail(request, 400, "invalid_field", "order.addon_repeat");
	}
	const json_t *packet;
	json_array_foreach(json_object_get(request->json, "red_packet_ids"), index, packet) {
		if (!json_is_integer(packet) || json_integer_value(packet) < 1)
			return http_error_detail(request, 400, "invalid_field", "order.red_packet_ids");
		cart->promotions.red_packet_ids[cart->promotions.red_packet_count++] = json_integer_value(packet);
	}
	return 0;
}

/* Reads lines, bargain_id and coupon_ids of the validated body into a new
 * cart for the caller (*out, arena memory). Returns 0 or 400/422. */
static int cart_parse(struct request *request, struct cart **out)
{
	struct cart *cart = arena_alloc(&request->arena, sizeof(*cart));
	memset(cart, 0, sizeof(*cart));
	*out = cart;
	cart->promotions.user_id = request->session.user_id;
	const json_t *lines = json_object_get(request->json, "lines");
	size_t index;
	const json_t *line;
	json_array_foreach(lines, index, line) {
		char where[32];
		snprintf(where, sizeof(where), "lines[%zu]", index);
		int status = validate_object(request, line, line_fields, where);
		if (status != 0)
			return status;
		struct cart_line *entry = &cart->lines[cart->line_count++];
		entry->item_id = json_integer_value(json_object_get(line, "item_id"));
		entry->qty = json_integer_value(json_object_get(line, "qty"));
		for (int i = 0; i + 1 < cart->line_count; i++)
			if (cart->lines[i].item_id == entry->item_id)
				return http_error_detail(request, 400, "invalid_field", "order.line_repeat");
	}
	cart->promotions.bargain_id = body_int(request, "bargain_id", 0);
	cart->promotions.deposit_order_id = body_int(request, "deposit_order_id", 0); /* presale final payment */
	cart->promotions.share_code = body_string(request, "share_code");            /* share_reward; NULL: none */
	const json_t *coupons = json_object_get(request->json, "coupon_ids");
	const json_t *coupon;
	json_array_foreach(coupons, index, coupon) {
		if (!json_is_integer(coupon) || json_integer_value(coupon) < 1)
			return http_error_detail(request, 400, "invalid_field", "order.coupon_ids");
		cart->promotions.coupon_ids[cart->promotions.coupon_count++] = json_integer_value(coupon);
	}
	cart->promotions.points_asked = body_int(request, "points", 0);
	return cart_parse_kinds_a(request, cart);
}

static int cart_quote(struct request *request)
{
	struct cart *cart;
	int status = cart_parse(request, &cart);
	if (status == 0)
		status = answer(request, cart_price(&request->work, cart), cart->message);
	if (status != 0)
		return status;
	return http_reply(request, 200, quote_json(cart));
}

/* ============================================================= order */

static bool idempotency_key_shape(const char *key)
{
	size_t length = strlen(key);
	if (length == 0 || length > IDEMPOTENCY_KEY_MAX)
		return false;
	for (const char *p = key; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-' ||
		      *p == '_' || *p == '.' || *p == ':'))
			return false;
	return true;
}

/* The request's fingerprint: the route and the body as canonical JSON
 * (keys sorted, no spaces), so the same body sent with other spacing or
 * key order is the same request. */
static void request_hash(struct request *request, unsigned char hash[CRYPTO_HMAC_SIZE])
{
	char *canonical = json_dumps(request->json, JSON_COMPACT | JSON_SORT_KEYS);
	if (canonical == NULL)
		abort();
	const char *route = "POST /api/v1/orders";
	crypto_hmac_sha256(route, strlen(route), canonical, strlen(canonical), hash);
	free(canonical);
}

static int order_create(struct request *request)
{
	const char *key = request->idempotency_key;
	if (key == NULL || key[0] == '\0')
		return http_error(request, 400, "missing_idempotency_key");
	if (!idempotency_key_shape(key))
		return http_error_detail(request, 400, "invalid_field", "order.idempotency_key", IDEMPOTENCY_KEY_MAX);
	const json_t *address = json_object_get(request->json, "address");
	struct order_placing placing = { .key = key };
	placing.client = (struct fraud_client){ .ip = request->client_ip, .user_agent = request->user_agent,
						.referer = request->referer, .device_id = request->device_id };
	int status = validate_object(request, address, address_fields, "address");
	if (status == 0)
		status = cart_parse(request, &placing.cart);
	if (status != 0)
		return status;
#define ADDRESS(name) json_string_value(json_object_get(address, name))
	placing.address = (struct order_address){ ADDRESS("name"), ADDRESS("phone"), ADDRESS("province"),
						  ADDRESS("city"), ADDRESS("district"), ADDRESS("detail") };
#undef ADDRESS
	request_hash(request, placing.hash);
	int placed = order_place(&request->work, &placing);
	if (placed == OUT_RATE_LIMITED)
		http_retry_after(request, placing.retry_after_s);
	status = answer(request, placed, placing.cart->message);
	if (status != 0)
		return status;
	if (!placing.replayed) {
		ops_count_order(OPS_ORDER_CREATED);
		live_bargain_changed(request, placing.cart->promotions.bargain_id); /* live: after the commit; 0: no bargain */
	}
	return http_reply(request, placing.replayed ? 200 : 201, json_incref(placing.answer));
}

/* ============================================================ cancel */

/* POST /api/v1/orders/{id}/confirm: the shopper has the goods. */
static int order_confirm_route(struct request *request)
{
	int64_t order_id = http_path_id(request, 0), user_id = request->session.user_id;
	int status = http_outcome(request, order_confirm(&request->work, order_id, user_id));
	if (status != 0)
		return status;
	return order_get(request);
}

static int order_cancel_route(struct request *request)
{
	int64_t order_id = http_path_id(request, 0), user_id = request->session.user_id;
	int status = http_outcome(request, order_cancel(&request->work, order_id, user_id));
	if (status != 0)
		return status;
	return order_get(request);
}

/* =========================================================== payment */

static int order_pay_route(struct request *request)
{
	struct order_payment payment = { .order_id = http_path_id(request, 0), .user_id = request->session.user_id };
	/* the flow first: it sets payment.message, which an argument beside
	 * the call could read before (C leaves their order open) */
	int result = order_pay(&request->work, &payment);
	int status = answer(request, result, payment.message);
	if (status != 0)
		return status;
	char pay_by_text[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(payment.pay_by, pay_by_text);
	json_t *reply = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s}", "provider", payment.provider, "payment_id",
				  payment.ref, "order_id", (json_int_t)payment.order_id, "amount_fen",
				  (json_int_t)payment.amount_fen, "pay_by", pay_by_text, "notify_url",
				  "/api/v1/payments/sandbox/notify");
	const struct payment_provider *provider = payment_provider_find(payment.provider);
	if (provider != NULL && provider->open != NULL) /* issue 16: WeChat Pay, Alipay */
		return pay_open_reply(request, provider, payment.order_id, payment.amount_fen, payment.ref, payment.pay_by,
				      reply);
	return http_reply(request, 200, reply);
}

/* ------------------------------------------------------------ notify */

static const struct field payment_notify_body[] = {
	{ .name = "payment_id", .type = FIELD_STRING, .required = true, .min = 1, .max = PAYMENT_REF_SIZE - 1 },
	{ .name = "order_id", .type = FIELD_INT, .required = true, .min = 1, .max = INT64_MAX },
	{ .name = "amount_fen", .type = FIELD_INT, .required = true, .min = 0, .max = INT64_MAX },
	{ .name = "status", .type = FIELD_STRING, .required = true, .min = 1, .max = 20 },
	{ .name = NULL },
};

static int payment_sandbox_notify(struct request *request)
{
	const struct payment_provider *provider = payment_provider_find("sandbox");
	if (provider == NULL || !provider->verify(request->work.config, request->payment_signature, request->body,
						   request->body_size)) {
		log_warn("payment notify: bad or missing signature");
		return http_error(request, 401, "bad_signature");
	}
	struct payment_notice notice = {
		.provider = provider->name,
		.ref = body_string(request, "payment_id"),
		.order_id = body_int(request, "order_id", 0),
		.amount_fen = body_int(request, "amount_fen", 0),
		.reported = body_string(request, "status"),
	};
	int status = http_outcome(request, payment_notify(&request->work, &notice));
	if (status != 0)
		return status;
	if (notice.outcome != NULL && strcmp(notice.outcome, "paid") == 0)
		ops_count_order(OPS_ORDER_PAID);
	return http_reply(request, 200, json_pack("{s:b, s:s}", "received", 1, "outcome", notice.outcome));
}

/* ====================================================== admin orders */

static struct admin_view admin_view_of(const struct request *request)
{
	return (struct admin_view){
		.ships = (request->session.roles & (ROLE_FULFILMENT | ROLE_OWNER)) != 0,
		.owner = (request->session.roles & ROLE_OWNER) != 0,
	};
}

/* A query parameter that must be a positive id when present: 0 when absent,
 * -1 when malformed. */
static int64_t query_id(struct request *request, const char *name)
{
	const char *text = http_query_param(request, name);
	if (text == NULL || text[0] == '\0')
		return 0;
	char *end;
	long long value = strtoll(text, &end, 10);
	return *end == '\0' && value > 0 ? (int64_t)value : -1;
}

/* "YYYY-MM-DD" as the first second of that day in the shop's zone, plus
 * days_after days. Returns 0, or -1. */
static int local_date(const char *text, int days_after, int64_t *when)
{
	int year, month, day;
	char tail;
	if (strlen(text) != 10 || sscanf(text, "%4d-%2d-%2d%c", &year, &month, &day, &tail) != 3 || month < 1 ||
	    month > 12 || day < 1 || day > 31 || year < 2000 || year > 2200)
		return -1;
	struct tm tm = { .tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day + days_after, .tm_isdst = -1 };
	*when = (int64_t)mktime(&tm);
	return 0;
}

static const char *const order_statuses[] = { "pending_payment", "paid", "shipped", "completed", "cancelled",
					      "refunded", "forfeited" };

/* GET /api/v1/admin/orders?status=&campaign_id=&from=&to=&phone= (dates
 * are the shop's days, inclusive; phone the shopper's or the recipient's,
 * all 11 digits), newest first. */
static int admin_order_list_route(struct request *request)
{
	int64_t limit, cursor;
	int status = http_list_params_newest_first(request, &limit, &cursor);
	if (status != 0)
		return status;
	struct admin_order_filter filter = { 0 };
	filter.status = http_query_param(request, "status");
	if (filter.status != NULL && filter.status[0] != '\0') {
		bool known = false;
		for (size_t i = 0; i < sizeof(order_statuses) / sizeof(order_statuses[0]); i++)
			known = known || strcmp(filter.status, order_statuses[i]) == 0;
		if (!known)
			return http_error_detail(request, 400, "invalid_field", "order.status");
	} else {
		filter.status = "";
	}
	filter.campaign_id = query_id(request, "campaign_id");
	if (filter.campaign_id < 0)
		return http_error_detail(request, 400, "invalid_field", "query.campaign_id");
	const char *from = http_query_param(request, "from"), *to = http_query_param(request, "to");
	if ((from != NULL && from[0] != '\0' && local_date(from, 0, &filter.from) != 0) ||
	    (to != NULL && to[0] != '\0' && local_date(to, 1, &filter.to) != 0))
		return http_error_detail(request, 400, "invalid_field", "query.dates");
	filter.phone = http_query_param(request, "phone");
	if (filter.phone != NULL && filter.phone[0] != '\0' && !phone_valid(filter.phone))
		return http_error(request, 400, "invalid_phone");
	if (filter.phone == NULL)
		filter.phone = "";
	/* issue 12: a non-owner's whole-number filter is rate-limited and
	 * audited (admin/users.h), whether or not any order matches. */
	if (filter.phone[0] != '\0' && (request->session.roles & ROLE_OWNER) == 0) {
		int64_t retry_after_s = 0;
		int lookup = users_phone_lookup(&request->work, session_admin_id(&request->session), filter.phone,
						"orders", &retry_after_s);
		if (lookup == OUT_RATE_LIMITED)
			http_retry_after(request, retry_after_s);
		if ((status = http_outcome(request, lookup)) != 0)
			return status;
	}

	struct admin_order_page page;
	if ((status = http_outcome(request, admin_order_list(&request->work, &filter, cursor, limit, &page))) != 0)
		return status;
	struct admin_view view = admin_view_of(request);
	json_t *items = json_array();
	for (int r = 0; r < page.count; r++) {
		json_t *order = admin_order_json(&page.orders, r, &page.lines, &view);
		admin_order_gifts_set(order, db_int(&page.orders, r, AO_ID), &page.gifts);
		json_array_append_new(items, order);
	}
	json_t *next = http_next_cursor(page.count > 0 ? db_int(&page.orders, page.count - 1, AO_ID) : 0, page.more);
	return http_reply(request, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

static bool tracking_shape(const char *value)
{
	for (const char *c = value; *c != '\0'; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || *c == '-'))
			return false;
	return true;
}

static const struct field order_ship_body[] = {
	{ .name = "carrier", .type = FIELD_STRING, .required = true, .min = 1, .max = CARRIER_MAX },
	{ .name = "tracking_no", .type = FIELD_STRING, .required = true, .min = 4, .max = TRACKING_MAX,
	  .shape = tracking_shape },
	{ .name = NULL },
};

static const struct field order_refund_body[] = {
	{ .name = "reason", .type = FIELD_STRING, .nullable = true, .min = 0, .max = NOTE_MAX },
	{ .name = NULL },
};

/* Runs an admin change flow on the path's order and answers its after view. */
static int admin_change_reply(struct request *request, int (*flow)(struct unit *, struct admin_order_change *),
			      struct admin_order_change *change)
{
	change->order_id = http_path_id(request, 0);
	change->admin_id = session_admin_id(&request->session);
	change->view = admin_view_of(request);
	change->fraud_request = request;
	int result = flow(&request->work, change); /* sets change->message: see order_pay_route */
	int status = answer(request, result, change->message);
	if (status != 0)
		return status;
	return http_reply(request, 200, json_incref(change->after));
}

/* POST /api/v1/admin/orders/{id}/ship {"carrier", "tracking_no"}: paid -> shipped. */
static int admin_order_ship(struct request *request)
{
	const char *carrier = body_string(request, "carrier");
	struct admin_order_change change = {
		.carrier = carrier,
		.tracking_no = body_string(request, "tracking_no"),
		.carrier_ok = validate_text(carrier, strlen(carrier)),
	};
	return admin_change_reply(request, order_ship, &change);
}

/* POST /api/v1/admin/orders/{id}/refund [{"reason"}]: paid or shipped ->
 * refunded; the stock goes back when it was not shipped. */
static int admin_order_refund(struct request *request)
{
	/* issue 16: the money goes back at WeChat Pay or Alipay first */
	int status = pay_refund_at_provider(request, http_path_id(request, 0));
	if (status != 0)
		return status;
	struct admin_order_change change = { .reason = body_string(request, "reason") };
	return admin_change_reply(request, order_refund, &change);
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "POST", "/api/v1/cart/quote", cart_quote, AUTH_SHOPPER, 0, cart_quote_body },
	{ "POST", "/api/v1/orders", order_create, AUTH_SHOPPER_FOLDED, 0, order_create_body },
	{ "GET", "/api/v1/orders", order_list_mine, AUTH_SHOPPER, 0, NULL },
	{ "GET", "/api/v1/orders/{id}", order_get, AUTH_SHOPPER, 0, NULL },
	{ "POST", "/api/v1/orders/{id}/pay", order_pay_route, AUTH_SHOPPER, 0, NULL },
	{ "POST", "/api/v1/orders/{id}/cancel", order_cancel_route, AUTH_SHOPPER, 0, NULL },
	{ "POST", "/api/v1/orders/{id}/confirm", order_confirm_route, AUTH_SHOPPER, 0, NULL },
	{ "POST", "/api/v1/payments/sandbox/notify", payment_sandbox_notify, AUTH_NONE, 0, payment_notify_body },
	{ "GET", "/api/v1/admin/orders", admin_order_list_route, AUTH_ADMIN, 0, NULL },
	{ "POST", "/api/v1/admin/orders/{id}/ship", admin_order_ship, AUTH_ADMIN, ROLE_FULFILMENT, order_ship_body },
	{ "POST", "/api/v1/admin/orders/{id}/refund", admin_order_refund, AUTH_ADMIN, ROLE_FULFILMENT, order_refund_body },
};

const struct route_table checkout_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
