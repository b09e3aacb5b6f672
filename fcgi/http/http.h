/* http.h: one request and its answer, independent of FastCGI.
 *
 * The worker fills the input side from the FastCGI environment; the router,
 * the auth phase, the validator and the handler fill the output side; the
 * worker renders it once at the end. Handlers return an HTTP status and
 * never write headers themselves. */
#ifndef KANJIA_HTTP_H
#define KANJIA_HTTP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/arena.h"
#include "db/db.h"
#include "http/messages.h"
#include "http/session.h"

#define HTTP_BODY_MAX (64 * 1024)
#define HTTP_PATH_MAX 2048
#define HTTP_QUERY_MAX 2048
#define HTTP_HEADER_MAX 8192
#define ROUTE_PARAMS_MAX 4
#define LIST_LIMIT_DEFAULT 20
#define LIST_LIMIT_MAX 100
#define LIST_CURSOR_DIGITS_MAX 18

struct route;
struct db;
struct config;

struct http_header {
	struct http_header *next;
	const char *name;
	const char *value;
};

struct request {
	struct arena arena;

	/* input: borrowed from the FastCGI environment or the arena */
	const char *method;
	const char *path; /* without the query string */
	const char *query;
	const char *request_id;
	const char *client_ip;
	const char *user_agent;
	const char *referer;
	const char *device_id; /* X-Device-Id, else the kj_device cookie; "" if neither (fraud.h) */
	const char *content_type;
	const char *authorization;
	const char *if_none_match;
	const char *idempotency_key;
	const char *payment_signature; /* X-Sandbox-Signature */
	char **params; /* every FastCGI parameter, "NAME=value" (providers' headers: HTTP_WECHATPAY_*) */
	const char *accept;
	int64_t content_length;
	const char *body;
	size_t body_size;
	json_t *json; /* the parsed body; the arena owns the reference */

	/* routing */
	const struct route *route;
	const char *path_params[ROUTE_PARAMS_MAX];
	int path_param_count;

	/* the caller, after the auth phase */
	struct session session;
	/* its revocation state still to confirm (AUTH_SHOPPER_FOLDED): work.session
	 * points here while it is */
	struct unit_session session_due;

	/* output */
	int status;
	json_t *reply; /* the arena owns the reference */
	const char *error_code;
	const char *error_message;
	struct http_header *headers;
	const char *raw_body; /* a body that is not JSON (CSV, say) */
	size_t raw_body_size;
	const char *reply_type;

	/* the request's unit of work: its arena, the worker's connection and
	 * config (borrowed), the request's clock fixed at its start */
	struct unit work;
};

/* The reason phrase of status ("Not Found"), or "Unknown". */
const char *http_reason(int status);
/* Fills the error envelope from the message table; returns status. */
int http_error(struct request *request, int status, const char *code);
/* The same with a message of its own (arena-formatted). */
int http_error_message(struct request *request, int status, const char *code, const char *format, ...)
	__attribute__((format(printf, 4, 5)));
/* Adds a response header; name and value are copied into the arena. */
void http_header_add(struct request *request, const char *name, const char *value);
/* Sets reply (stealing the reference: the arena releases it) and returns status. */
int http_reply(struct request *request, int status, json_t *reply);
/* The arena releases reference at the request's end; returns it. */
json_t *http_own(struct request *request, json_t *reference);
/* Reads a query parameter (percent-decoded into the arena); NULL if absent. */
const char *http_query_param(struct request *request, const char *name);
/* Reads a list's ?limit= (default LIST_LIMIT_DEFAULT, 1..LIST_LIMIT_MAX) and
 * ?cursor= (the last id of the previous page; 0 when absent). Returns 0, or
 * 400 invalid_field with the error set. */
int http_list_params(struct request *request, int64_t *limit, int64_t *cursor);
/* The same for a list served newest first: *before (OUT) is the cursor, or
 * INT64_MAX on the first page, for "WHERE id < ? ORDER BY id DESC". */
int http_list_params_newest_first(struct request *request, int64_t *limit, int64_t *before);
/* A list's next_cursor: the last id as a string when more may follow, else
 * null. Returns a new reference. */
json_t *http_next_cursor(int64_t last_id, bool more);
/* The path parameter at index as a positive id, or 0. */
int64_t http_path_id(const struct request *request, int index);
/* Resets the output side, for a transaction that is tried again. */
void http_reset_reply(struct request *request);
/* Maps a flow's result once: DB_OK and DB_RETRY pass through, the door's
 * failures become 409 conflict, 503 unavailable or 500 internal_error, an
 * outcome (core/outcome.h) its status and code, anything else is taken as
 * an HTTP status already set. Returns the status. */
int http_outcome(struct request *request, int result);
/* Sets Retry-After to seconds, at least 1 (a 429's or a 503's hint). */
void http_retry_after(struct request *request, int64_t seconds);
/* when as RFC 3339 UTC text ("2026-11-23T08:00:00Z"); a new reference. */
json_t *http_time(int64_t when);
/* The same, or JSON null when when is 0 (a time not set: flows and stores
 * give an absent time as 0). A new reference. */
json_t *http_time_or_null(int64_t when);
/* Fills the error envelope with code and the text called detail, formatted
 * with the arguments that text takes (messages.c). Returns status. */
int http_error_detail(struct request *request, int status, const char *code, const char *detail, ...);
/* The daily report's CSV header cells (messages.c). */
extern const char *const http_report_csv_headers[];
extern const size_t http_report_csv_header_count;
/* The human message for an error code (Chinese, from messages.c). */
const char *http_message_for(const char *code);

#endif
