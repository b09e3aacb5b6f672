/* validate.h: request bodies checked against declared fields.
 *
 * Each route declares its body as an array of fields ending with an entry
 * whose name is NULL. The validator refuses unknown keys, missing required
 * keys, wrong types and values out of bounds, so handlers read only values
 * that are already known to be well formed. */
#ifndef KANJIA_VALIDATE_H
#define KANJIA_VALIDATE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct request;

enum field_type { FIELD_STRING, FIELD_INT, FIELD_BOOL, FIELD_OBJECT, FIELD_ARRAY };

struct field {
	const char *name;
	enum field_type type;
	bool required;
	bool nullable;
	int64_t min; /* strings: bytes; ints: value; arrays: elements */
	int64_t max;
	/* strings only: a shape check, and the status and code when it fails
	 * (default 400 invalid_field) */
	bool (*shape)(const char *value);
	int shape_status;
	const char *shape_code;
};

/* Checks object against fields; where names the object in messages ("body",
 * "address"). Returns 0, or 400 (or the field's own status) with the error
 * set on request. */
int validate_object(struct request *request, const json_t *object, const struct field *fields,
		    const char *where);
/* Parses request->body as a JSON object into request->json and validates
 * it. An empty body counts as {}. Returns 0 or the error status. */
int validate_body(struct request *request, const struct field *fields);
/* Accessors for fields that validate_body accepted: defaults when absent. */
const char *body_string(const struct request *request, const char *name);
int64_t body_int(const struct request *request, const char *name, int64_t fallback);
bool body_bool(const struct request *request, const char *name, bool fallback);
/* True when the body holds field name (a PATCH tells "keep" from "set"). */
bool body_has(const struct request *request, const char *name);
/* True for valid UTF-8 without control characters other than tab/newline. */
bool validate_text(const char *value, size_t length);

#endif
