/* member_level.c: the shop-wide member levels' flows and rules (see
 * member_level.h): decide in pure code, write inside db_atomic() with
 * the audit row. */
#include "checkout/member_level.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/audit.h"
#include "core/arena.h"
#include "core/arena_json.h"
#include "core/outcome.h"
#include "db/db.h"
#include "http/messages.h"

static int refuse(char message[MEMBER_LEVEL_MESSAGE_SIZE], const char *field)
{
	http_text_format(message, MEMBER_LEVEL_MESSAGE_SIZE, "promotion.field", field);
	return OUT_UNPROCESSABLE_FIELD;
}

static int by_level(const void *a, const void *b)
{
	int64_t x = ((const struct member_level_row *)a)->level, y = ((const struct member_level_row *)b)->level;
	return (x > y) - (x < y);
}

int member_levels_decide(const json_t *body, struct member_level_row *levels, int *count,
			 char message[MEMBER_LEVEL_MESSAGE_SIZE])
{
	*count = 0;
	message[0] = '\0';
	const json_t *list = json_object_get(body, "levels");
	size_t size = json_array_size(list);
	if (!json_is_array(list) || size > MEMBER_LEVELS_MAX)
		return refuse(message, "levels");
	for (size_t i = 0; i < size; i++) {
		const json_t *entry = json_array_get(list, i);
		const json_t *level = json_object_get(entry, "level"), *name = json_object_get(entry, "name");
		const json_t *min_paid = json_object_get(entry, "min_paid_fen");
		if (!json_is_object(entry) || json_object_size(entry) != 3)
			return refuse(message, "levels");
		if (!json_is_integer(level) || json_integer_value(level) < 1 ||
		    json_integer_value(level) > MEMBER_LEVEL_NUMBER_MAX)
			return refuse(message, "levels.level");
		if (!json_is_string(name) || json_string_length(name) < 1 ||
		    json_string_length(name) > MEMBER_LEVEL_NAME_BYTES_MAX)
			return refuse(message, "levels.name");
		if (!json_is_integer(min_paid) || json_integer_value(min_paid) < 0 ||
		    json_integer_value(min_paid) > (PRICE_UNIT_MAX * PRICE_LINES_MAX * PRICE_QTY_MAX))
			return refuse(message, "levels.min_paid_fen");
		levels[i] = (struct member_level_row){ .level = json_integer_value(level), .name = json_string_value(name),
						       .min_paid_fen = json_integer_value(min_paid) };
	}
	qsort(levels, size, sizeof(levels[0]), by_level);
	for (size_t i = 1; i < size; i++) {
		if (levels[i].level == levels[i - 1].level)
			return refuse(message, "levels.level");
		if (levels[i].min_paid_fen <= levels[i - 1].min_paid_fen)
			return refuse(message, "levels.min_paid_fen"); /* a higher level needs more */
	}
	*count = (int)size;
	return DB_OK;
}

static json_t *levels_json(const struct member_level_row *levels, int count)
{
	json_t *list = json_array();
	for (int i = 0; i < count; i++)
		json_array_append_new(list, json_pack("{s:I, s:s, s:I}", "level", (json_int_t)levels[i].level, "name",
						      levels[i].name, "min_paid_fen", (json_int_t)levels[i].min_paid_fen));
	return json_pack("{s:o}", "levels", list);
}

int member_levels_get(struct unit *unit, json_t **answer)
{
	struct member_level_row *levels;
	int count;
	int result = member_levels_read(unit, &levels, &count);
	if (result == DB_OK)
		*answer = arena_json_own(unit->arena, levels_json(levels, count));
	return result;
}

struct levels_put {
	int64_t admin_id;
	const struct member_level_row *levels;
	int count;
	json_t *answer;
};

static int put_body(struct unit *unit, void *context)
{
	struct levels_put *put = context;
	json_t *before;
	int result = member_levels_get(unit, &before);
	if (result != DB_OK || (result = member_levels_replace(unit, put->levels, put->count)) != DB_OK ||
	    (result = member_levels_get(unit, &put->answer)) != DB_OK)
		return result;
	return audit_write(unit, put->admin_id, "member_levels.update", "member_levels", 0, before, put->answer);
}

int member_levels_put(struct unit *unit, int64_t admin_id, const json_t *body, json_t **answer,
		      char message[MEMBER_LEVEL_MESSAGE_SIZE])
{
	struct member_level_row levels[MEMBER_LEVELS_MAX];
	struct levels_put put = { .admin_id = admin_id, .levels = levels };
	int result = member_levels_decide(body, levels, &put.count, message);
	if (result != DB_OK)
		return result;
	if ((result = db_atomic(unit, put_body, &put)) == DB_OK)
		*answer = put.answer;
	return result;
}

