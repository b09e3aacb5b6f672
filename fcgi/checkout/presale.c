/* presale.c: the deposit order and the forfeit sweeper (see presale.h);
 * the final payment is the order flow's, with promo_presale.c's row of
 * the promotion registry. Load -> decide (presale_parse, the windows) ->
 * write, each flow one db_atomic(). */
#include "checkout/presale.h"

#include <stdlib.h>
#include <string.h>

#include "admin/stats.h"
#include "campaign/campaign_store.h"
#include "checkout/checkout_json.h"
#include "checkout/checkout_store.h"
#include "checkout/promotion_kinds_store.h"
#include "checkout/promotion_store.h"
#include "core/arena.h"
#include "core/arena_json.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "core/outcome.h"
#include "db/db.h"
#include "db/lease.h"

#define FORFEIT_BATCH 200
#define FORFEIT_BATCHES_MAX 10
#define PRESALE_SWEEP_LEASE "presale_sweep"
#define PRESALE_SWEEP_LEASE_S 60

/* ============================================================== deposit */

static int deposit_body(struct unit *unit, void *context)
{
	struct deposit_placing *placing = context;
	/* load */
	struct promotion_row row;
	int result = promotion_read(unit, placing->promotion_id, false, &row);
	if (result != DB_OK)
		return result;
	json_t *config = json_loads(row.config_json, 0, NULL);
	struct presale_config presale;
	const char *ignored;
	bool parsed = config != NULL && presale_parse(config, &presale, &ignored);
	json_decref(config);
	if (strcmp(row.kind, "presale") != 0 || !parsed || !row.enabled)
		return OUT_NOT_FOUND;
	/* decide */
	if (!presale_deposit_open(row.starts_at, row.ends_at, unit->now))
		return OUT_PRESALE_CLOSED;
	struct item_for_cart item;
	if ((result = campaign_item_for_cart(unit, presale.item_id, &item)) != DB_OK)
		return result;
	if (!item.found || item.campaign_id != row.campaign_id)
		return OUT_NOT_FOUND;
	if (item.stock_left < placing->qty)
		return OUT_OUT_OF_STOCK; /* sold out already: nothing is written */
	/* write: the promotion's limits (deposits), the order, its line, the
	 * deposit, then the stock last (the hot row, held until COMMIT) */
	int counted = (row.limit_total > 0 ? PROMOTION_COUNTED_TOTAL : 0) |
		      (row.limit_per_user > 0 ? PROMOTION_COUNTED_PER_USER : 0);
	result = promotion_take(unit, row.id, placing->user_id, row.limit_total, row.limit_per_user);
	if (result == OUT_CONFLICT)
		return OUT_LIMIT_REACHED;
	if (result != DB_OK)
		return result;
	int64_t total = presale.deposit_fen * placing->qty, order_id;
	if ((result = deposit_order_insert(unit, placing->user_id, row.campaign_id, total,
					   unit->now + unit->config->order_pay_within_s, &order_id)) != DB_OK)
		return result;
	placing->order_id = order_id;
	struct presale_deposit_new deposit = {
		.deposit_order_id = order_id, .promotion_id = row.id, .user_id = placing->user_id,
		.item_id = presale.item_id, .qty = placing->qty, .deposit_fen = presale.deposit_fen,
		.deposit_value_fen = presale.deposit_value_fen, .final_starts_at = presale.final_starts_at,
		.final_ends_at = presale.final_ends_at,
	};
	if ((result = order_line_insert(unit, order_id, presale.item_id, item.name, placing->qty, presale.deposit_fen,
					total, false, 0)) != DB_OK ||
	    (result = order_promotion_insert(unit, order_id, row.id, 0, counted)) != DB_OK ||
	    (result = presale_deposit_insert(unit, &deposit)) != DB_OK ||
	    (result = order_event_add(unit, order_id, NULL, "pending_payment", "shopper", placing->user_id,
				      "deposit")) != DB_OK ||
	    (result = stats_order(unit, order_id, STATS_ORDER_PLACED)) != DB_OK)
		return result;
	struct order_rows rows;
	if ((result = order_read(unit, order_id, &rows)) != DB_OK)
		return result;
	placing->answer = arena_json_own(unit->arena, order_json(&rows));
	char *text = json_dumps(placing->answer, JSON_COMPACT);
	if (text == NULL)
		abort();
	result = idempotency_finish(unit, placing->user_id, placing->key, 201, text, order_id);
	free(text);
	if (result != DB_OK)
		return result;
	return stock_reserve(unit, presale.item_id, placing->qty);
}

/* Claims the key: DB_OK to place, DB_OK with placing->replayed for the
 * stored answer of the same request, or OUT_IN_PROGRESS /
 * OUT_IDEMPOTENCY_KEY_REUSED / a door code. */
static int deposit_key_claim(struct unit *unit, struct deposit_placing *placing)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int result = idempotency_claim(unit, placing->user_id, placing->key, placing->hash);
		if (result != DB_DUPLICATE)
			return result;
		struct idempotency_record record;
		if ((result = idempotency_read(unit, placing->user_id, placing->key, placing->hash, &record)) != DB_OK)
			return result;
		if (!record.found)
			continue; /* released meanwhile: claim again */
		if (!record.same_request)
			return OUT_IDEMPOTENCY_KEY_REUSED;
		if (!record.done)
			return OUT_IN_PROGRESS;
		json_t *stored = record.answer ? json_loads(record.answer, 0, NULL) : NULL;
		if (stored == NULL) {
			log_error("presale: stored answer of an idempotency key does not parse");
			return OUT_INTERNAL_ERROR;
		}
		placing->answer = arena_json_own(unit->arena, stored);
		placing->replayed = true;
		return DB_OK;
	}
	return OUT_IN_PROGRESS;
}

int presale_deposit_place(struct unit *unit, struct deposit_placing *placing)
{
	placing->replayed = false;
	placing->answer = NULL;
	placing->order_id = 0;
	int result = deposit_key_claim(unit, placing);
	if (result != DB_OK || placing->replayed)
		return result;
	result = db_atomic(unit, deposit_body, placing);
	if (result != DB_OK) /* nothing was placed: the key may be used again */
		idempotency_release(unit, placing->user_id, placing->key);
	return result;
}

/* =============================================================== forfeit */

/* paid -> forfeited, and the deposit's stock from sold back to sale. */
static int forfeit_body(struct unit *unit, void *context)
{
	int64_t order_id = *(const int64_t *)context;
	int result = presale_forfeit_lock(unit, order_id);
	if (result == DB_OK)
		result = order_forfeit_mark(unit, order_id);
	if (result != DB_OK)
		return result;
	struct db_rows lines;
	if ((result = order_quantities(unit, order_id, &lines)) != DB_OK)
		return result;
	for (int r = 0; r < lines.row_count; r++) {
		result = stock_unsell(unit, db_int(&lines, r, 0), db_int(&lines, r, 1));
		if (result == OUT_CONFLICT) {
			log_error("forfeit of deposit %lld: item %lld has less sold than its quantity", (long long)order_id,
				  (long long)db_int(&lines, r, 0));
			return OUT_INTERNAL_ERROR;
		}
		if (result != DB_OK)
			return result;
	}
	return order_event_add(unit, order_id, "paid", "forfeited", "system", 0, "final_payment_missed");
}

long presale_sweep(struct unit *unit)
{
	bool taken;
	if (lease_take(unit, PRESALE_SWEEP_LEASE, PRESALE_SWEEP_LEASE_S, &taken) != DB_OK || !taken)
		return 0;
	long forfeited = 0;
	for (int batch = 0; batch < FORFEIT_BATCHES_MAX; batch++) {
		struct db_rows rows;
		if (presale_forfeits_due(unit, FORFEIT_BATCH, &rows) != DB_OK) {
			forfeited = -1;
			break;
		}
		for (int r = 0; r < rows.row_count; r++) {
			int64_t order_id = db_int(&rows, r, 0);
			/* OUT_INVALID_STATE: a final order placed or paid meanwhile */
			if (db_atomic(unit, forfeit_body, &order_id) == DB_OK)
				forfeited++;
		}
		if (rows.row_count < FORFEIT_BATCH)
			break;
	}
	lease_release(unit, PRESALE_SWEEP_LEASE);
	if (forfeited > 0)
		log_info("sweep: forfeited %ld deposits whose final payment was missed", forfeited);
	return forfeited;
}
