/* pay_store.c: the reads of pay_routes.c and the payment_refund table's
 * SQL (the payment table itself is written only by checkout_store.c). */
#include "checkout/pay_store.h"

#include <stdio.h>
#include <string.h>

static const char *const sql_order_of =
	"SELECT order_id FROM payment WHERE provider = ? AND provider_ref = ?";
static const char *const sql_refund_target =
	"SELECT o.status, p.id, p.provider, p.provider_ref, p.amount_fen, p.status FROM orders o "
	"JOIN payment p ON p.id = o.payment_id WHERE o.id = ?";
static const char *const sql_refund_record =
	"INSERT INTO payment_refund (payment_id, provider, refund_ref, provider_refund_id, amount_fen, outcome, "
	"answer, request_id, created_at) VALUES (?, ?, ?, NULLIF(?, ''), ?, ?, ?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'))";

int pay_store_order_of(struct unit *unit, const char *provider, const char *ref, int64_t *order_id)
{
	*order_id = 0;
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_order_of, "ss", provider, ref);
	if (result == DB_OK && rows.row_count == 1)
		*order_id = db_int(&rows, 0, 0);
	return result;
}

int pay_store_refund_target(struct unit *unit, int64_t order_id, struct pay_refund_target *target)
{
	memset(target, 0, sizeof(*target));
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_refund_target, "i", order_id);
	if (result != DB_OK || rows.row_count != 1)
		return result;
	target->found = true;
	snprintf(target->order_status, sizeof(target->order_status), "%s", db_text(&rows, 0, 0));
	target->payment_id = db_int(&rows, 0, 1);
	snprintf(target->provider, sizeof(target->provider), "%s", db_text(&rows, 0, 2));
	snprintf(target->ref, sizeof(target->ref), "%s", db_text(&rows, 0, 3));
	target->amount_fen = db_int(&rows, 0, 4);
	snprintf(target->payment_status, sizeof(target->payment_status), "%s", db_text(&rows, 0, 5));
	return DB_OK;
}

int pay_store_refund_record(struct unit *unit, const struct pay_refund_target *target, const char *refund_ref,
			    const char *provider_refund_id, const char *outcome, const char *answer,
			    const char *request_id)
{
	char clipped[256];
	snprintf(clipped, sizeof(clipped), "%s", answer ? answer : "");
	return db_exec(unit, NULL, sql_refund_record, "isssisssi", target->payment_id, target->provider, refund_ref,
		       provider_refund_id, target->amount_fen, outcome, clipped, request_id, unit->now);
}
