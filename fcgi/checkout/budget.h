/* budget.h: a campaign's subsidy budget and exclusive pairs on the admin's
 * campaign resource (API.md "Promotions (admin)": "subsidy_budget_fen",
 * null for unlimited, and "exclusive", pairs of kinds that may not apply
 * to the same order, e.g. [["coupon", "member_price"]]). The campaign
 * flows (campaign/campaign.c) call these with the validated body; the
 * order flow charges the budget through promo_budget.c. */
#ifndef KANJIA_BUDGET_H
#define KANJIA_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "checkout/pricing.h"

struct unit;

#define BUDGET_MESSAGE_SIZE 200
#define BUDGET_FEN_MAX 100000000000000LL /* a trillion yuan: far above any campaign */

/* Pure: exclusive pairs ([[kind, kind], ...], at most
 * PRICE_EXCLUSIVE_MAX, each two different kinds of API.md's list) into
 * pairs (OUT, borrowing value's strings) and *count (OUT). Returns true,
 * or false with *message (OUT, static) saying what is wrong. */
bool exclusive_parse(const json_t *value, struct price_exclusive pairs[PRICE_EXCLUSIVE_MAX], int *count,
		     const char **message);

/* Writes "subsidy_budget_fen" and "exclusive" of body (either may be
 * absent: unchanged) for campaign_id in the caller's transaction. Returns
 * DB_OK, OUT_INVALID_CAMPAIGN (message OUT says which field), or a door
 * code. */
int campaign_budget_apply(struct unit *unit, int64_t campaign_id, const json_t *body,
			  char message[BUDGET_MESSAGE_SIZE]);

/* Adds "subsidy_budget_fen" (null: unlimited), "subsidy_spent_fen" and
 * "exclusive" of campaign_id to object. Returns DB_OK or a door code. */
int campaign_budget_show(struct unit *unit, int64_t campaign_id, json_t *object);

#endif
