/* promotion_admin.c: the promotion resource's flows and rules (see
 * promotion_admin.h): load (campaign_load for the window and items,
 * promotion_store.c for the rows), decide in promotion_decide() (pure),
 * write inside db_atomic() with the audit row and the campaign's
 * promotion version. */
#include "checkout/promotion_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/audit.h"
#include "campaign/campaign.h"
#include "campaign/campaign_store.h"
#include "checkout/promotion.h"
#include "core/arena.h"
#include "core/arena_json.h"
#include "core/clock.h"
#include "core/outcome.h"
#include "db/db.h"
#include "http/http.h"

static int refuse(char message[PROMOTION_MESSAGE_SIZE], const char *field)
{
	http_text_format(message, PROMOTION_MESSAGE_SIZE, "promotion.field", field);
	return OUT_INVALID_PROMOTION;
}

/* ============================================================== decide */

/* "total"/"per_user" of limits: null or 1..INT32_MAX (0 stands for null). */
static bool limit_parse(const json_t *limits, const char *key, int64_t *value)
{
	const json_t *limit = json_object_get(limits, key);
	if (limit == NULL || json_is_null(limit)) {
		*value = 0;
		return true;
	}
	if (!json_is_integer(limit) || json_integer_value(limit) < 1 || json_integer_value(limit) > INT32_MAX)
		return false;
	*value = json_integer_value(limit);
	return true;
}

static bool time_parse(const json_t *value, int64_t *when)
{
	return json_is_string(value) && clock_parse_rfc3339(json_string_value(value), when) == 0;
}

int promotion_decide(const json_t *body, const struct promotion_row *before, int64_t campaign_starts_at,
		     int64_t campaign_ends_at, struct promotion_row *after, const json_t **config,
		     char message[PROMOTION_MESSAGE_SIZE])
{
	message[0] = '\0';
	*config = NULL;
	if (before != NULL)
		*after = *before;
	else
		*after = (struct promotion_row){ .enabled = true, .starts_at = campaign_starts_at,
						 .ends_at = campaign_ends_at };
	const json_t *kind = json_object_get(body, "kind");
	if (before == NULL) {
		const struct promotion_kind *row = json_is_string(kind) ? promotion_kind_find(json_string_value(kind)) : NULL;
		if (row == NULL || !row->configurable || row->validate == NULL)
			return refuse(message, "kind");
		after->kind = row->name;
	} else if (kind != NULL && (!json_is_string(kind) || strcmp(json_string_value(kind), before->kind) != 0)) {
		return refuse(message, "kind"); /* a promotion keeps its kind */
	}
	const json_t *title = json_object_get(body, "title");
	if (title != NULL) {
		size_t length = json_string_length(title);
		if (!json_is_string(title) || length < 1 || length > PROMOTION_TITLE_BYTES_MAX)
			return refuse(message, "title");
		after->title = json_string_value(title);
	} else if (before == NULL) {
		return refuse(message, "title");
	}
	const json_t *starts = json_object_get(body, "starts_at"), *ends = json_object_get(body, "ends_at");
	if (starts != NULL && !time_parse(starts, &after->starts_at))
		return refuse(message, "starts_at");
	if (ends != NULL && !time_parse(ends, &after->ends_at))
		return refuse(message, "ends_at");
	if (after->ends_at <= after->starts_at)
		return refuse(message, "ends_at");
	const json_t *enabled = json_object_get(body, "enabled");
	if (enabled != NULL) {
		if (!json_is_boolean(enabled))
			return refuse(message, "enabled");
		after->enabled = json_is_true(enabled);
	}
	const json_t *limits = json_object_get(body, "limits");
	if (limits != NULL) {
		const char *key;
		const json_t *value;
		bool known = json_is_object(limits);
		json_object_foreach((json_t *)limits, key, value)
			known = known && (strcmp(key, "total") == 0 || strcmp(key, "per_user") == 0);
		if (!known)
			return refuse(message, "limits");
		if (!limit_parse(limits, "total", &after->limit_total))
			return refuse(message, "limits.total");
		if (!limit_parse(limits, "per_user", &after->limit_per_user))
			return refuse(message, "limits.per_user");
	}
	const json_t *given = json_object_get(body, "config");
	if (given == NULL && before == NULL)
		return refuse(message, "config");
	if (given != NULL) {
		const char *field = "config";
		if (!json_is_object(given) || !promotion_kind_find(after->kind)->validate(given, &field))
			return refuse(message, field);
		*config = given;
	}
	return DB_OK;
}

json_t *promotion_json(const struct promotion_row *row)
{
	json_t *config = json_loads(row->config_json, 0, NULL);
	return json_pack("{s:I, s:I, s:s, s:s, s:o, s:o, s:b, s:o, s:{s:o, s:o}, s:{s:I, s:I}}", "id",
			 (json_int_t)row->id, "campaign_id", (json_int_t)row->campaign_id, "kind", row->kind, "title",
			 row->title, "starts_at", http_time(row->starts_at), "ends_at", http_time(row->ends_at),
			 "enabled", row->enabled, "config", config != NULL ? config : json_object(), "limits", "total",
			 row->limit_total ? json_integer((json_int_t)row->limit_total) : json_null(), "per_user",
			 row->limit_per_user ? json_integer((json_int_t)row->limit_per_user) : json_null(), "used",
			 "count", (json_int_t)row->used_count, "subsidy_fen", (json_int_t)row->used_subsidy_fen);
}

static bool item_of_campaign(const struct campaign *campaign, int64_t item_id)
{
	for (int i = 0; i < campaign->item_count; i++)
		if (campaign->items[i].id == item_id)
			return true;
	return false;
}

/* Every item a config names ("items": [{"item_id"}], "item_ids": [...])
 * must be an item of the campaign. */
static int items_of_campaign(const struct campaign *campaign, const json_t *config, char *message)
{
	const json_t *entry;
	size_t index;
	const json_t *single = json_object_get(config, "item_id"); /* presale's one item */
	if (single != NULL && !item_of_campaign(campaign, json_integer_value(single))) {
		http_text_format(message, PROMOTION_MESSAGE_SIZE, "promotion.item_not_in_campaign", "config.item_id",
				 (long long)json_integer_value(single));
		return OUT_INVALID_PROMOTION;
	}
	json_array_foreach(json_object_get(config, "items"), index, entry)
	{
		int64_t item_id = json_integer_value(json_object_get(entry, "item_id"));
		if (!item_of_campaign(campaign, item_id)) {
			http_text_format(message, PROMOTION_MESSAGE_SIZE, "promotion.item_not_in_campaign",
					 "config.items.item_id", (long long)item_id);
			return OUT_INVALID_PROMOTION;
		}
	}
	/* kinds A (issue 14): an add-on's offers, a gift's items */
	json_array_foreach(json_object_get(config, "offers"), index, entry)
	{
		int64_t item_id = json_integer_value(json_object_get(entry, "item_id"));
		if (!item_of_campaign(campaign, item_id)) {
			http_text_format(message, PROMOTION_MESSAGE_SIZE, "promotion.item_not_in_campaign",
					 "config.offers.item_id", (long long)item_id);
			return OUT_INVALID_PROMOTION;
		}
	}
	const json_t *gift;
	json_array_foreach(json_object_get(config, "gifts"), index, gift)
	{
		size_t k;
		json_array_foreach(json_object_get(gift, "item_ids"), k, entry)
		{
			if (!item_of_campaign(campaign, json_integer_value(entry))) {
				http_text_format(message, PROMOTION_MESSAGE_SIZE, "promotion.item_not_in_campaign",
						 "config.gifts.item_ids", (long long)json_integer_value(entry));
				return OUT_INVALID_PROMOTION;
			}
		}
	}
	json_array_foreach(json_object_get(config, "item_ids"), index, entry)
	{
		if (!item_of_campaign(campaign, json_integer_value(entry))) {
			http_text_format(message, PROMOTION_MESSAGE_SIZE, "promotion.item_not_in_campaign", "config.item_ids",
					 (long long)json_integer_value(entry));
			return OUT_INVALID_PROMOTION;
		}
	}
	return DB_OK;
}

/* A config naming a coupon template ("coupon_promotion_id": share_reward)
 * names one of the campaign's. */
static int template_of_campaign(struct unit *unit, int64_t campaign_id, const json_t *config, char *message)
{
	const json_t *id = json_object_get(config, "coupon_promotion_id");
	if (id == NULL)
		return DB_OK;
	struct promotion_row row;
	int result = promotion_read(unit, json_integer_value(id), false, &row);
	if (result == OUT_NOT_FOUND ||
	    (result == DB_OK && (strcmp(row.kind, "coupon") != 0 || row.campaign_id != campaign_id))) {
		http_text_format(message, PROMOTION_MESSAGE_SIZE, "promotion.coupon_template",
				 (long long)json_integer_value(id));
		return OUT_INVALID_PROMOTION;
	}
	return result;
}

/* =============================================================== flows */

int promotion_list(struct unit *unit, struct promotion_change *change)
{
	struct campaign campaign;
	int result = campaign_load(unit, change->id, false, &campaign);
	if (result != DB_OK)
		return result;
	struct promotion_row *rows;
	int count;
	if ((result = promotions_of_campaign(unit, change->id, &rows, &count)) != DB_OK)
		return result;
	json_t *items = json_array();
	for (int i = 0; i < count; i++)
		json_array_append_new(items, promotion_json(&rows[i]));
	change->after = arena_json_own(unit->arena, json_pack("{s:o}", "items", items));
	return DB_OK;
}

int promotion_get(struct unit *unit, struct promotion_change *change)
{
	struct promotion_row row;
	int result = promotion_read(unit, change->id, false, &row);
	if (result != DB_OK)
		return result;
	change->after = arena_json_own(unit->arena, promotion_json(&row));
	return DB_OK;
}

static int create_body(struct unit *unit, void *context)
{
	struct promotion_change *change = context;
	struct campaign campaign;
	int result = campaign_load(unit, change->id, true, &campaign);
	if (result != DB_OK)
		return result;
	struct promotion_row row;
	const json_t *config;
	if ((result = promotion_decide(change->body, NULL, campaign.starts_at, campaign.ends_at, &row, &config,
				       change->message)) != DB_OK ||
	    (result = items_of_campaign(&campaign, config, change->message)) != DB_OK ||
	    (result = template_of_campaign(unit, change->id, config, change->message)) != DB_OK)
		return result;
	row.campaign_id = change->id;
	row.config_json = arena_json_text(unit->arena, config, JSON_COMPACT | JSON_SORT_KEYS);
	int64_t id;
	if ((result = promotion_insert(unit, &row, &id)) != DB_OK ||
	    (result = campaign_promotion_version_bump(unit, change->id)) != DB_OK ||
	    (result = promotion_read(unit, id, false, &row)) != DB_OK)
		return result;
	change->after = arena_json_own(unit->arena, promotion_json(&row));
	return audit_write(unit, change->admin_id, "promotion.create", "promotion", id, NULL, change->after);
}

int promotion_create(struct unit *unit, struct promotion_change *change)
{
	change->message[0] = '\0';
	return db_atomic(unit, create_body, change);
}

static int patch_body(struct unit *unit, void *context)
{
	struct promotion_change *change = context;
	struct promotion_row before, row;
	int result = promotion_read(unit, change->id, true, &before);
	if (result != DB_OK)
		return result;
	struct campaign campaign;
	if ((result = campaign_load(unit, before.campaign_id, false, &campaign)) != DB_OK)
		return result;
	const json_t *config;
	if ((result = promotion_decide(change->body, &before, campaign.starts_at, campaign.ends_at, &row, &config,
				       change->message)) != DB_OK)
		return result;
	if (config != NULL) {
		if ((result = items_of_campaign(&campaign, config, change->message)) != DB_OK ||
		    (result = template_of_campaign(unit, before.campaign_id, config, change->message)) != DB_OK)
			return result;
		row.config_json = arena_json_text(unit->arena, config, JSON_COMPACT | JSON_SORT_KEYS);
	}
	json_t *was = arena_json_own(unit->arena, promotion_json(&before));
	if ((result = promotion_update(unit, &row)) != DB_OK ||
	    (result = campaign_promotion_version_bump(unit, before.campaign_id)) != DB_OK ||
	    (result = promotion_read(unit, change->id, false, &row)) != DB_OK)
		return result;
	change->after = arena_json_own(unit->arena, promotion_json(&row));
	return audit_write(unit, change->admin_id, "promotion.update", "promotion", change->id, was, change->after);
}

int promotion_patch(struct unit *unit, struct promotion_change *change)
{
	change->message[0] = '\0';
	return db_atomic(unit, patch_body, change);
}

static int remove_body(struct unit *unit, void *context)
{
	struct promotion_change *change = context;
	struct promotion_row before;
	int result = promotion_read(unit, change->id, true, &before);
	if (result != DB_OK)
		return result;
	json_t *was = arena_json_own(unit->arena, promotion_json(&before));
	int removed = promotion_delete_or_disable(unit, change->id);
	if (removed != DB_OK && removed != OUT_IN_USE)
		return removed;
	/* in use: disabled, not deleted, and that is kept (the answer is 409) */
	unit->commit_on_error = removed == OUT_IN_USE;
	if ((result = campaign_promotion_version_bump(unit, before.campaign_id)) != DB_OK ||
	    (result = audit_write(unit, change->admin_id,
				  removed == DB_OK ? "promotion.delete" : "promotion.disable", "promotion", change->id,
				  was, NULL)) != DB_OK) {
		unit->commit_on_error = false;
		return result;
	}
	return removed;
}

int promotion_remove(struct unit *unit, struct promotion_change *change)
{
	change->message[0] = '\0';
	int result = db_atomic(unit, remove_body, change);
	unit->commit_on_error = false;
	return result;
}
