/* http.c: statuses, the error envelope, headers and query parameters. */
#include "http/http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena_json.h"
#include "core/clock.h"
#include "core/crypto.h"
#include "core/outcome.h"
#include "http/http_status.h"

const char *http_reason(int status)
{
	switch (status) {
#define HTTP_REASON_CASE(code, text) case code: return text;
	HTTP_STATUS_LIST(HTTP_REASON_CASE)
#undef HTTP_REASON_CASE
	}
	return "Unknown";
}

int http_error(struct request *request, int status, const char *code)
{
	request->status = status;
	request->error_code = code;
	request->error_message = http_message_for(code);
	return status;
}

int http_error_message(struct request *request, int status, const char *code, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	char buffer[512];
	vsnprintf(buffer, sizeof(buffer), format, args);
	va_end(args);
	request->status = status;
	request->error_code = code;
	request->error_message = arena_strdup(&request->arena, buffer);
	return status;
}

int http_error_detail(struct request *request, int status, const char *code, const char *detail, ...)
{
	va_list args;
	va_start(args, detail);
	char buffer[512];
	int known = http_text_vformat(buffer, sizeof(buffer), detail, args);
	va_end(args);
	if (known != 0)
		return http_error(request, status, code);
	request->status = status;
	request->error_code = code;
	request->error_message = arena_strdup(&request->arena, buffer);
	return status;
}

void http_header_add(struct request *request, const char *name, const char *value)
{
	struct http_header *header = arena_alloc(&request->arena, sizeof(*header));
	header->name = arena_strdup(&request->arena, name);
	header->value = arena_strdup(&request->arena, value);
	header->next = request->headers;
	request->headers = header;
}

json_t *http_own(struct request *request, json_t *reference)
{
	return arena_json_own(&request->arena, reference);
}

int http_reply(struct request *request, int status, json_t *reply)
{
	request->reply = reply ? http_own(request, reply) : NULL;
	request->status = status;
	request->error_code = NULL;
	request->error_message = NULL;
	return status;
}

void http_reset_reply(struct request *request)
{
	request->status = 0;
	request->reply = NULL;
	request->error_code = NULL;
	request->error_message = NULL;
	request->headers = NULL;
	request->raw_body = NULL;
	request->raw_body_size = 0;
	request->reply_type = NULL;
}

/* Percent-decodes text[0..length) into the arena; NULL on a bad escape or
 * an embedded NUL. */
static char *percent_decode(struct arena *arena, const char *text, size_t length)
{
	char *out = arena_alloc(arena, length + 1);
	size_t used = 0;
	for (size_t i = 0; i < length; i++) {
		if (text[i] == '%') {
			if (i + 2 >= length)
				return NULL;
			int high = crypto_hex_digit(text[i + 1]), low = crypto_hex_digit(text[i + 2]);
			if (high < 0 || low < 0 || (high == 0 && low == 0))
				return NULL;
			out[used++] = (char)(high << 4 | low);
			i += 2;
		} else if (text[i] == '+') {
			out[used++] = ' ';
		} else {
			out[used++] = text[i];
		}
	}
	out[used] = '\0';
	return out;
}

const char *http_query_param(struct request *request, const char *name)
{
	const char *cursor = request->query;
	size_t name_length = strlen(name);
	while (cursor != NULL && *cursor != '\0') {
		const char *end = strchr(cursor, '&');
		size_t length = end ? (size_t)(end - cursor) : strlen(cursor);
		if (length > name_length && strncmp(cursor, name, name_length) == 0 && cursor[name_length] == '=')
			return percent_decode(&request->arena, cursor + name_length + 1, length - name_length - 1);
		if (length == name_length && strncmp(cursor, name, name_length) == 0)
			return "";
		cursor = end ? end + 1 : NULL;
	}
	return NULL;
}

/* A whole number of 1 to max_digits digits, or -1. */
static int64_t parse_count(const char *text, int max_digits)
{
	size_t length = strlen(text);
	if (length == 0 || length > (size_t)max_digits)
		return -1;
	int64_t value = 0;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		value = value * 10 + (*p - '0');
	}
	return value;
}

int http_list_params(struct request *request, int64_t *limit, int64_t *cursor)
{
	*limit = LIST_LIMIT_DEFAULT;
	*cursor = 0;
	const char *text = http_query_param(request, "limit");
	if (text != NULL) {
		int64_t value = parse_count(text, 3);
		if (value < 1 || value > LIST_LIMIT_MAX)
			return http_error_detail(request, 400, "invalid_field", "list.limit", LIST_LIMIT_MAX);
		*limit = value;
	}
	text = http_query_param(request, "cursor");
	if (text != NULL) {
		int64_t value = parse_count(text, LIST_CURSOR_DIGITS_MAX);
		if (value < 1)
			return http_error_detail(request, 400, "invalid_field", "list.cursor");
		*cursor = value;
	}
	return 0;
}

int http_list_params_newest_first(struct request *request, int64_t *limit, int64_t *before)
{
	int status = http_list_params(request, limit, before);
	if (status == 0 && *before == 0)
		*before = INT64_MAX;
	return status;
}

void http_retry_after(struct request *request, int64_t seconds)
{
	char text[24];
	snprintf(text, sizeof(text), "%lld", (long long)(seconds > 0 ? seconds : 1));
	http_header_add(request, "Retry-After", text);
}

json_t *http_time(int64_t when)
{
	char text[CLOCK_RFC3339_SIZE];
	clock_format_rfc3339(when, text);
	return json_string(text);
}

json_t *http_time_or_null(int64_t when)
{
	return when == 0 ? json_null() : http_time(when);
}

json_t *http_next_cursor(int64_t last_id, bool more)
{
	if (!more)
		return json_null();
	char text[24];
	snprintf(text, sizeof(text), "%lld", (long long)last_id);
	return json_string(text);
}

int64_t http_path_id(const struct request *request, int index)
{
	if (index >= request->path_param_count)
		return 0;
	return strtoll(request->path_params[index], NULL, 10);
}

struct outcome_answer {
	int status;
	const char *code;
};

static const struct outcome_answer outcome_answers[] = {
#define OUTCOME_ANSWER(name, status, code) { status, code },
	OUTCOME_LIST(OUTCOME_ANSWER)
#undef OUTCOME_ANSWER
};

int http_outcome(struct request *request, int result)
{
	switch (result) {
	case DB_OK:
	case DB_RETRY:
		return result;
	case DB_DUPLICATE:
		return http_error(request, 409, "conflict");
	case DB_UNAVAILABLE:
		return http_error(request, 503, "unavailable");
	case DB_FAILED:
		return http_error(request, 500, "internal_error");
	default:
		break;
	}
	if (result > OUTCOME_FIRST && result < OUTCOME_END) {
		const struct outcome_answer *answer = &outcome_answers[result - OUTCOME_BASE];
		return http_error(request, answer->status, answer->code);
	}
	return result; /* an HTTP status, its error already set */
}
