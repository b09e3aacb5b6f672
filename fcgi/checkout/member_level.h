/* member_level.h: the shop-wide member levels (API.md "Promotions
 * (admin)": GET/PUT /api/v1/admin/member-levels) that the member_price
 * kind prices by: {"levels": [{"level": 1, "name": "银卡", "min_paid_fen":
 * 0}, ...]}. A shopper's level is the highest whose min_paid_fen their
 * paid orders reach (GET /api/v1/me shows it). */
#ifndef KANJIA_MEMBER_LEVEL_H
#define KANJIA_MEMBER_LEVEL_H

#include <stdint.h>

#include <jansson.h>

#include "checkout/pricing.h"
#include "checkout/promo_kinds_store.h"

#define MEMBER_LEVEL_NAME_BYTES_MAX 120 /* 40 characters: member_level.name */
#define MEMBER_LEVEL_NUMBER_MAX 1000
#define MEMBER_LEVEL_MESSAGE_SIZE 160

struct unit;

/* Pure: body {"levels": [...]} into levels (OUT, at most
 * MEMBER_LEVELS_MAX, texts borrowed from body) sorted by level, *count
 * (OUT). Returns DB_OK or OUT_UNPROCESSABLE_FIELD with message (OUT)
 * naming the field. Levels are distinct; a higher level needs more. */
int member_levels_decide(const json_t *body, struct member_level_row *levels, int *count,
			 char message[MEMBER_LEVEL_MESSAGE_SIZE]);

/* The shop's levels as {"levels": [...]} into *answer (OUT, the unit's). */
int member_levels_get(struct unit *unit, json_t **answer);
/* Replaces the levels with body's (audited as admin_id) and answers them
 * (*answer OUT, the unit's). Returns DB_OK, OUT_UNPROCESSABLE_FIELD
 * (message), or a door code. */
int member_levels_put(struct unit *unit, int64_t admin_id, const json_t *body, json_t **answer,
		      char message[MEMBER_LEVEL_MESSAGE_SIZE]);

#endif
