/* validate.c: declared fields against JSON values. */
#include "http/validate.h"

#include <string.h>

#include "http/http.h"

#define JSON_DEPTH_MAX 16

bool validate_text(const char *value, size_t length)
{
	const unsigned char *p = (const unsigned char *)value;
	const unsigned char *end = p + length;
	while (p < end) {
		unsigned char c = *p;
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
				return false;
			p++;
			continue;
		}
		int extra;
		uint32_t code;
		if ((c & 0xe0) == 0xc0) {
			extra = 1;
			code = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			extra = 2;
			code = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			extra = 3;
			code = c & 0x07;
		} else {
			return false;
		}
		if (end - p <= extra)
			return false;
		for (int i = 1; i <= extra; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			code = code << 6 | (p[i] & 0x3f);
		}
		/* overlong forms, surrogates and values past U+10FFFF */
		if ((extra == 1 && code < 0x80) || (extra == 2 && code < 0x800) || (extra == 3 && code < 0x10000) ||
		    (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff)
			return false;
		p += extra + 1;
	}
	return true;
}

static const char *type_name(enum field_type type)
{
	switch (type) {
	case FIELD_STRING: return http_text("field.type_string");
	case FIELD_INT: return http_text("field.type_int");
	case FIELD_BOOL: return http_text("field.type_bool");
	case FIELD_OBJECT: return http_text("field.type_object");
	case FIELD_ARRAY: return http_text("field.type_array");
	}
	return "?";
}

static bool type_matches(const json_t *value, enum field_type type)
{
	switch (type) {
	case FIELD_STRING: return json_is_string(value);
	case FIELD_INT: return json_is_integer(value);
	case FIELD_BOOL: return json_is_boolean(value);
	case FIELD_OBJECT: return json_is_object(value);
	case FIELD_ARRAY: return json_is_array(value);
	}
	return false;
}

static int check_field(struct request *request, const struct field *field, const json_t *value,
		       const char *where)
{
	if (json_is_null(value)) {
		if (field->nullable)
			return 0;
		return http_error_detail(request, 400, "invalid_field", "field.null", where, field->name);
	}
	if (!type_matches(value, field->type))
		return http_error_detail(request, 400, "invalid_field", "field.type", where, field->name,
					  type_name(field->type));
	switch (field->type) {
	case FIELD_STRING: {
		const char *text = json_string_value(value);
		size_t length = json_string_length(value);
		if ((int64_t)length < field->min || (int64_t)length > field->max || strlen(text) != length ||
		    !validate_text(text, length)) {
			if (field->shape_code != NULL)
				return http_error(request, field->shape_status ? field->shape_status : 400,
						  field->shape_code);
			return http_error_detail(request, 400, "invalid_field", "field.length",
						  where, field->name, (long long)field->min, (long long)field->max);
		}
		if (field->shape != NULL && !field->shape(text)) {
			if (field->shape_code != NULL)
				return http_error(request, field->shape_status ? field->shape_status : 400,
						  field->shape_code);
			return http_error_detail(request, 400, "invalid_field", "field.shape", where, field->name);
		}
		return 0;
	}
	case FIELD_INT: {
		json_int_t number = json_integer_value(value);
		if (number < field->min || number > field->max)
			return http_error_detail(request, 400, "invalid_field", "field.range", where,
						  field->name, (long long)field->min, (long long)field->max);
		return 0;
	}
	case FIELD_ARRAY: {
		size_t count = json_array_size(value);
		if ((int64_t)count < field->min || (int64_t)count > field->max)
			return http_error_detail(request, 400, "invalid_field", "field.items", where,
						  field->name, (long long)field->min, (long long)field->max);
		return 0;
	}
	case FIELD_BOOL:
	case FIELD_OBJECT:
		return 0;
	}
	return 0;
}

int validate_object(struct request *request, const json_t *object, const struct field *fields, const char *where)
{
	if (!json_is_object(object))
		return http_error_detail(request, 400, "invalid_json", "field.object", where);
	const char *key;
	const json_t *value;
	json_object_foreach((json_t *)object, key, value) {
		const struct field *field = fields;
		while (field->name != NULL && strcmp(field->name, key) != 0)
			field++;
		if (field->name == NULL)
			return http_error_detail(request, 400, "unknown_field", "field.unknown", where);
		int status = check_field(request, field, value, where);
		if (status != 0)
			return status;
	}
	for (const struct field *field = fields; field->name != NULL; field++)
		if (field->required && json_object_get(object, field->name) == NULL)
			return http_error_detail(request, 400, "missing_field", "field.missing", where,
						  field->name);
	return 0;
}

static int json_depth(const json_t *value, int depth)
{
	if (depth > JSON_DEPTH_MAX)
		return depth;
	int deepest = depth;
	if (json_is_object(value)) {
		const char *key;
		json_t *member;
		json_object_foreach((json_t *)value, key, member) {
			int inner = json_depth(member, depth + 1);
			if (inner > deepest)
				deepest = inner;
		}
	} else if (json_is_array(value)) {
		size_t index;
		json_t *member;
		json_array_foreach(value, index, member) {
			int inner = json_depth(member, depth + 1);
			if (inner > deepest)
				deepest = inner;
		}
	}
	return deepest;
}

int validate_body(struct request *request, const struct field *fields)
{
	if (request->body_size == 0) {
		request->json = http_own(request, json_object());
	} else {
		json_error_t error;
		json_t *parsed = json_loadb(request->body, request->body_size,
					    JSON_REJECT_DUPLICATES, &error);
		if (parsed == NULL)
			return http_error(request, 400, "invalid_json");
		request->json = http_own(request, parsed);
		if (json_depth(parsed, 0) > JSON_DEPTH_MAX)
			return http_error(request, 400, "invalid_json");
	}
	return validate_object(request, request->json, fields, "body");
}

const char *body_string(const struct request *request, const char *name)
{
	return json_string_value(json_object_get(request->json, name));
}

int64_t body_int(const struct request *request, const char *name, int64_t fallback)
{
	const json_t *value = json_object_get(request->json, name);
	return json_is_integer(value) ? (int64_t)json_integer_value(value) : fallback;
}

bool body_bool(const struct request *request, const char *name, bool fallback)
{
	const json_t *value = json_object_get(request->json, name);
	return json_is_boolean(value) ? json_is_true(value) : fallback;
}

bool body_has(const struct request *request, const char *name)
{
	return json_object_get(request->json, name) != NULL;
}
