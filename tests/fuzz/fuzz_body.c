/* fuzz_body.c: request bodies through the declared-field validator
 * (fcgi/http/validate.c): any bytes must give 0 or a 4xx with the error
 * envelope set, never a crash; an accepted body's values obey the bounds. */
#include "fuzz.h"

#include <assert.h>

#include "core/phone.h"
#include "http/http.h"
#include "http/validate.h"

static const struct field line_fields[] = {
	{ .name = "item_id", .type = FIELD_INT, .required = true, .min = 1, .max = INT64_MAX },
	{ .name = "qty", .type = FIELD_INT, .required = true, .min = 1, .max = 99 },
	{ .name = NULL },
};

static const struct field body_fields[] = {
	{ .name = "phone", .type = FIELD_STRING, .min = 11, .max = 11, .shape = phone_valid,
	  .shape_code = "invalid_phone" },
	{ .name = "title", .type = FIELD_STRING, .nullable = true, .min = 1, .max = 60 },
	{ .name = "points", .type = FIELD_INT, .min = 0, .max = 1000000 },
	{ .name = "enabled", .type = FIELD_BOOL },
	{ .name = "address", .type = FIELD_OBJECT },
	{ .name = "lines", .type = FIELD_ARRAY, .min = 1, .max = 50 },
	{ .name = NULL },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > HTTP_BODY_MAX)
		return 0;
	struct request request;
	memset(&request, 0, sizeof(request));
	arena_init(&request.arena);
	request.body = (const char *)data;
	request.body_size = size;
	int status = validate_body(&request, body_fields);
	if (status == 0) {
		int64_t points = body_int(&request, "points", 0);
		assert(points >= 0 && points <= 1000000);
		const char *phone = body_string(&request, "phone");
		assert(phone == NULL || phone_valid(phone));
		const json_t *lines = json_object_get(request.json, "lines");
		if (json_is_array(lines)) {
			size_t index;
			const json_t *line;
			json_array_foreach(lines, index, line) {
				if (json_is_object(line))
					validate_object(&request, line, line_fields, "lines");
			}
		}
	} else {
		assert(status >= 400 && status < 500);
		assert(request.error_code != NULL && request.error_message != NULL);
	}
	arena_destroy(&request.arena);
	return 0;
}
