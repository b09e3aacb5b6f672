/* promo_member_price.c: the member price (会员折扣) as a promotion kind of
 * the promotion resource: config {"levels": [{"level", "percent"}]}. A
 * shopper of a level the config names pays percent of the unit price.
 * Levels are shop-wide (member_level.c: GET/PUT
 * /api/v1/admin/member-levels): a shopper's level is the highest whose
 * min_paid_fen their paid orders reach, read in one statement and only
 * when a member price is live. An item-price step after the timed
 * discount (API.md's order), on what the units cost after it: the
 * bargained unit, units in a bundle's sets and add-ons keep their price,
 * and no unit goes below its floor. Of several live ones the lowest
 * percent applies (the lower id on a tie); one discount line. */
#include <stdio.h>
#include <string.h>

#include "checkout/promo_kinds_store.h"
#include "checkout/promotion.h"
#include "db/db.h"
#include "http/messages.h"

#define MEMBER_LEVEL_MAX 1000

/* ---------------------------------------------------------------- parse */

bool member_price_parse(const json_t *config, int64_t level, int64_t *percent, const char **message)
{
	*percent = 0;
	const json_t *levels = json_object_get(config, "levels");
	size_t count = json_array_size(levels);
	if (!json_is_object(config) || json_object_size(config) != 1 || !json_is_array(levels) || count < 1 ||
	    count > MEMBER_LEVELS_MAX) {
		*message = "config.levels";
		return false;
	}
	int64_t seen[MEMBER_LEVELS_MAX];
	for (size_t i = 0; i < count; i++) {
		const json_t *entry = json_array_get(levels, i);
		const json_t *number = json_object_get(entry, "level"), *share = json_object_get(entry, "percent");
		if (!json_is_object(entry) || json_object_size(entry) != 2 || !json_is_integer(number) ||
		    json_integer_value(number) < 1 || json_integer_value(number) > MEMBER_LEVEL_MAX) {
			*message = "config.levels.level";
			return false;
		}
		seen[i] = json_integer_value(number);
		for (size_t j = 0; j < i; j++)
			if (seen[j] == seen[i]) {
				*message = "config.levels.level";
				return false;
			}
		if (!json_is_integer(share) || json_integer_value(share) < 1 || json_integer_value(share) > 99) {
			*message = "config.levels.percent";
			return false;
		}
		if (seen[i] == level)
			*percent = json_integer_value(share);
	}
	return true;
}

static bool member_price_validate(const json_t *config, const char **message)
{
	int64_t percent;
	return member_price_parse(config, 0, &percent, message);
}

/* ----------------------------------------------------------------- load */

static int member_price_load(struct unit *unit, struct promotion_config *config)
{
	config->member_price_count = 0;
	config->member_level = 0;
	bool any = false;
	for (int r = 0; r < config->live_count; r++)
		any = any || (strcmp(config->live[r].kind, "member_price") == 0 && !promotion_live_exhausted(&config->live[r]));
	if (!any || config->user_id == 0)
		return DB_OK;
	const char *name;
	int result = member_level_of(unit, config->user_id, &config->member_level, &name);
	if (result != DB_OK || config->member_level == 0)
		return result;
	for (int r = 0; r < config->live_count && config->member_price_count < PRICE_PROMOTIONS_MAX; r++) {
		const struct promotion_live *live = &config->live[r];
		if (strcmp(live->kind, "member_price") != 0 || live->config == NULL || promotion_live_exhausted(live))
			continue;
		int64_t percent;
		const char *ignored;
		if (!member_price_parse(live->config, config->member_level, &percent, &ignored) || percent == 0)
			continue;
		config->member_prices[config->member_price_count++] = (struct price_member_price){
			.promotion_id = live->id, .title = live->title, .starts_at = live->starts_at,
			.ends_at = live->ends_at, .level = config->member_level, .percent = percent,
		};
	}
	return DB_OK;
}

/* ---------------------------------------------------------------- apply */

static enum price_error member_price_apply(const struct price_input *input, struct price_quote *quote)
{
	if (input->member_price_count < 0 || input->member_price_count > PRICE_PROMOTIONS_MAX)
		return price_refuse(quote, PRICE_BAD_INPUT, 0);
	const struct price_member_price *best = NULL;
	for (int m = 0; m < input->member_price_count; m++) {
		const struct price_member_price *member = &input->member_prices[m];
		if (member->percent < 1 || member->percent > 99)
			return price_refuse(quote, PRICE_BAD_INPUT, 0);
		if (input->now < member->starts_at || input->now >= member->ends_at)
			continue;
		if (best == NULL || member->percent < best->percent)
			best = member;
	}
	if (best == NULL)
		return PRICE_OK;
	int64_t off = 0;
	for (int i = 0; i < input->line_count; i++) {
		const struct price_line *line = &input->lines[i];
		struct price_line_total *total = &quote->lines[i];
		if (price_line_is_addon(input, i))
			continue;
		int64_t units = line->qty - (line->has_bargain ? 1 : 0) - total->bundled_units;
		if (units <= 0)
			continue;
		/* what these units cost after the timed discount */
		int64_t paid = units * line->unit_price_fen - (total->item_off_fen - total->bundle_off_fen);
		int64_t line_off = price_min(paid - paid * best->percent / 100, paid - units * line->unit_floor_fen);
		if (line_off <= 0)
			continue;
		total->item_off_fen += line_off;
		off += line_off;
	}
	if (off <= 0)
		return PRICE_OK;
	struct price_discount *discount = price_discount_add(quote, PRICE_MEMBER_PRICE, off);
	discount->promotion_id = best->promotion_id;
	http_text_format(discount->label, sizeof(discount->label), "discount.member_price", best->title ? best->title : "");
	return PRICE_OK;
}

const struct promotion_kind promo_member_price = {
	.name = "member_price",
	.stage = PROMOTION_ITEM_PRICE,
	.configurable = true,
	.load = member_price_load,
	.validate = member_price_validate,
	.apply = member_price_apply,
};
