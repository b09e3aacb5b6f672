/* budget.c: the campaign's budget and exclusive pairs on the admin's
 * campaign resource (see budget.h): decide in pure code, write through
 * promotion_kinds_store.c. */
#include "checkout/budget.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign/campaign_store.h"
#include "checkout/promotion_kinds_store.h"
#include "core/outcome.h"
#include "db/db.h"
#include "http/messages.h"

/* The kinds a pair may name: API.md's promotion kinds and the bargain
 * price (a kind the engine does not know yet simply never applies). */
static const char *const pair_kinds[] = { "bargain", "timed_discount", "full_reduction", "coupon", "gift", "presale",
					  "member_price", "first_order", "points_cash", "addon", "bundle",
					  "red_packet", NULL };

static bool pair_kind_known(const char *name)
{
	for (int k = 0; pair_kinds[k] != NULL; k++)
		if (strcmp(pair_kinds[k], name) == 0)
			return true;
	return false;
}

bool exclusive_parse(const json_t *value, struct price_exclusive pairs[PRICE_EXCLUSIVE_MAX], int *count,
		     const char **message)
{
	*count = 0;
	if (json_is_null(value))
		return true;
	if (!json_is_array(value) || json_array_size(value) > PRICE_EXCLUSIVE_MAX) {
		*message = http_text("budget.exclusive");
		return false;
	}
	size_t index;
	const json_t *pair;
	json_array_foreach(value, index, pair)
	{
		const char *a = json_string_value(json_array_get(pair, 0)), *b = json_string_value(json_array_get(pair, 1));
		if (!json_is_array(pair) || json_array_size(pair) != 2 || a == NULL || b == NULL || !pair_kind_known(a) ||
		    !pair_kind_known(b) || strcmp(a, b) == 0) {
			*message = http_text("budget.exclusive_pair");
			return false;
		}
		pairs[*count] = (struct price_exclusive){ .kind_a = a, .kind_b = b };
		(*count)++;
	}
	return true;
}

int campaign_budget_apply(struct unit *unit, int64_t campaign_id, const json_t *body,
			  char message[BUDGET_MESSAGE_SIZE])
{
	message[0] = '\0';
	const json_t *budget = json_object_get(body, "subsidy_budget_fen");
	const json_t *exclusive = json_object_get(body, "exclusive");
	if (budget == NULL && exclusive == NULL)
		return DB_OK;
	if (budget != NULL && !json_is_null(budget) &&
	    (!json_is_integer(budget) || json_integer_value(budget) < 0 || json_integer_value(budget) > BUDGET_FEN_MAX)) {
		http_text_format(message, BUDGET_MESSAGE_SIZE, "budget.subsidy", (long long)BUDGET_FEN_MAX);
		return OUT_INVALID_CAMPAIGN;
	}
	struct price_exclusive pairs[PRICE_EXCLUSIVE_MAX];
	int pair_count;
	const char *why;
	if (exclusive != NULL && !exclusive_parse(exclusive, pairs, &pair_count, &why)) {
		snprintf(message, BUDGET_MESSAGE_SIZE, "body.%s", why);
		return OUT_INVALID_CAMPAIGN;
	}
	char *exclusive_text = NULL; /* null: no pairs, kept as [] */
	if (exclusive != NULL) {
		json_t *none = json_array();
		exclusive_text = json_dumps(json_is_null(exclusive) ? none : exclusive, JSON_COMPACT);
		json_decref(none);
		if (exclusive_text == NULL)
			abort();
	}
	int result = campaign_budget_write(unit, campaign_id, budget != NULL, budget != NULL && !json_is_null(budget),
					   json_integer_value(budget), exclusive_text);
	free(exclusive_text);
	if (result != DB_OK)
		return result;
	return campaign_promotion_version_bump(unit, campaign_id); /* a cached promotion config is stale */
}

int campaign_budget_show(struct unit *unit, int64_t campaign_id, json_t *object)
{
	struct promotion_budget budget;
	const char *exclusive_text;
	int result = campaign_budget_read(unit, campaign_id, false, &budget, &exclusive_text);
	if (result != DB_OK)
		return result;
	json_t *pairs = exclusive_text != NULL ? json_loads(exclusive_text, 0, NULL) : NULL;
	json_object_set_new(object, "subsidy_budget_fen",
			    budget.has_budget ? json_integer((json_int_t)budget.budget_fen) : json_null());
	json_object_set_new(object, "subsidy_spent_fen", json_integer((json_int_t)budget.spent_fen));
	json_object_set_new(object, "exclusive", pairs != NULL ? pairs : json_array());
	return DB_OK;
}
