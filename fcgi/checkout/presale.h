/* presale.h: deposit presale (定金翻倍, API.md "Presale").
 *
 * A presale promotion (kind `presale`, config {"item_id", "deposit_fen",
 * "deposit_value_fen", "final_starts_at", "final_ends_at"}) takes deposits
 * in its own window [starts_at, ends_at): POST /api/v1/presale/{id}/deposit
 * places an order of kind 'deposit' whose total is deposit_fen x qty, with
 * the item's stock reserved by it (and sold when it is paid). In the final
 * window [final_starts_at, final_ends_at) the shopper places the final
 * payment: POST /api/v1/orders with "deposit_order_id", an order of kind
 * 'final' for the same item and quantity, its price lowered by a discount
 * line of kind `deposit` worth deposit_value_fen x qty (promo_presale.c),
 * holding no stock of its own (the deposit holds it). A paid deposit whose
 * final order is not paid by final_ends_at becomes 'forfeited' (定金不退)
 * and its stock goes back to sale (presale_sweep()).
 *
 *   deposit   pending_payment -> paid -> forfeited   (or cancelled/refunded
 *             like any order)
 *   final     one standing per deposit (presale_deposit.final_order_id, one
 *             conditional UPDATE); cancelled: the deposit may take another */
#ifndef KANJIA_PRESALE_H
#define KANJIA_PRESALE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "core/crypto.h"

struct request;
struct unit;

#define PRESALE_QTY_MAX 99

/* A presale's config. */
struct presale_config {
	int64_t item_id, deposit_fen, deposit_value_fen;
	int64_t final_starts_at, final_ends_at;
};

/* Pure: a presale config into *presale (OUT). Returns true, or false with
 * *message (OUT, static) naming the field: deposit_fen 1.., a value at
 * least the deposit, a final window that ends after it starts. */
bool presale_parse(const json_t *config, struct presale_config *presale, const char **message);

/* Pure: whether a deposit may be placed at now in the promotion's window
 * [starts_at, ends_at); a final payment in [final_starts_at,
 * final_ends_at). */
bool presale_deposit_open(int64_t starts_at, int64_t ends_at, int64_t now);
bool presale_final_open(int64_t final_starts_at, int64_t final_ends_at, int64_t now);

struct deposit_placing {
	int64_t promotion_id, user_id, qty;
	const char *key;                      /* Idempotency-Key */
	unsigned char hash[CRYPTO_HMAC_SIZE]; /* the request's fingerprint */
	/* OUT */
	bool replayed;
	json_t *answer; /* the order, owned by the unit's arena */
	int64_t order_id;
};

/* Places a deposit order once per key. Returns DB_OK (placing->answer),
 * OUT_NOT_FOUND (no such presale), OUT_PRESALE_CLOSED (outside the deposit
 * window), OUT_OUT_OF_STOCK, OUT_LIMIT_REACHED (its limits),
 * OUT_IDEMPOTENCY_KEY_REUSED, OUT_IN_PROGRESS, or a door code. */
int presale_deposit_place(struct unit *unit, struct deposit_placing *placing);

/* Forfeits paid deposits whose final payment was missed (their stock back
 * to sale), under a lease so one worker sweeps at a time. Returns how many
 * were forfeited, or -1 on a DB error. */
long presale_sweep(struct unit *unit);

#endif
