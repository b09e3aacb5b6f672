/* promotion_admin.h: the promotion resource's flows (API.md "Promotions
 * (admin)"): list, read, create, change and delete a campaign's
 * promotions, each kind's config checked by its row of the promotion
 * registry (promotion.h), every write audited and bumping the campaign's
 * promotion version. The decisions are pure (promotion_decide) and
 * unit-tested (tests/unit/checkout/test_promotion_admin.c); the SQL is
 * promotion_store.c's.
 *
 * Flows return DB_OK, a door code, or an outcome; OUT_INVALID_PROMOTION
 * comes with change->message naming the field. */
#ifndef KANJIA_PROMOTION_ADMIN_H
#define KANJIA_PROMOTION_ADMIN_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "checkout/promotion_store.h"

struct unit;

#define PROMOTION_TITLE_BYTES_MAX 300 /* 100 characters of Chinese */
#define PROMOTION_MESSAGE_SIZE 160

/* Pure: applies body (a create body when before is NULL, else a patch of
 * before) to *after (OUT; texts borrowed from body or before, config_json
 * an arena text the caller makes from *config), with the campaign's window
 * as the default. Returns DB_OK, or OUT_INVALID_PROMOTION with message
 * naming the field. *config (OUT) is the config object to store
 * (borrowed). */
int promotion_decide(const json_t *body, const struct promotion_row *before, int64_t campaign_starts_at,
		     int64_t campaign_ends_at, struct promotion_row *after, const json_t **config,
		     char message[PROMOTION_MESSAGE_SIZE]);

/* The resource's JSON of row (a new reference). */
json_t *promotion_json(const struct promotion_row *row);

struct promotion_change {
	int64_t id;          /* the campaign (create, list) or the promotion */
	int64_t admin_id;
	const json_t *body;  /* create, patch */
	/* OUT */
	json_t *after;       /* the promotion (or {"items": [...]}), the unit arena's */
	char message[PROMOTION_MESSAGE_SIZE];
};

/* GET /admin/campaigns/{id}/promotions: OUT_NOT_FOUND for no campaign. */
int promotion_list(struct unit *unit, struct promotion_change *change);
/* GET /admin/promotions/{id}. */
int promotion_get(struct unit *unit, struct promotion_change *change);
/* POST /admin/campaigns/{id}/promotions. */
int promotion_create(struct unit *unit, struct promotion_change *change);
/* PATCH /admin/promotions/{id}. */
int promotion_patch(struct unit *unit, struct promotion_change *change);
/* DELETE /admin/promotions/{id}: DB_OK deleted, OUT_IN_USE disabled
 * instead (committed). */
int promotion_remove(struct unit *unit, struct promotion_change *change);

#endif
