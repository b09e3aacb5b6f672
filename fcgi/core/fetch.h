/* fetch.h: one outbound HTTP(S) request through libcurl, for the
 * providers' APIs (SMS, payment, WeChat's token API).
 *
 * Bounded: a connect timeout, a total timeout, an answer of at most
 * FETCH_BODY_MAX bytes, HTTPS or HTTP only (plain HTTP only to loopback,
 * where the tests' stand-ins listen), certificates always verified. The
 * answer's headers are kept so callers can check a provider's signature. */
#ifndef KANJIA_FETCH_H
#define KANJIA_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#define FETCH_BODY_MAX (256 * 1024)
#define FETCH_HEADERS_MAX (16 * 1024)
#define FETCH_CONNECT_TIMEOUT_MS 3000

struct fetch_answer {
	long status;   /* HTTP status; 0 when no answer came */
	char *body;    /* malloc'd, NUL-terminated ("" when none) */
	size_t body_size;
	char *headers; /* malloc'd raw header lines */
	size_t headers_size;
	char error[200]; /* why no answer came (curl's words, no secrets) */
};

/* Sends method to url with the given header lines (NULL-terminated list,
 * "Name: value") and body, waiting at most timeout_ms. Returns 0 when an
 * answer came (whatever its status), -1 when none did (answer->error says
 * why). Release the answer with fetch_answer_free() either way. */
int fetch(const char *method, const char *url, const char *const *headers, const char *body, size_t body_size,
	  long timeout_ms, struct fetch_answer *answer);
void fetch_answer_free(struct fetch_answer *answer);
/* The value of the answer's header name (case-insensitive), copied into
 * out[out_size]; false when absent or too long. */
bool fetch_header(const struct fetch_answer *answer, const char *name, char *out, size_t out_size);
/* True for https:// URLs and for http:// URLs to 127.0.0.0/8 or localhost. */
bool fetch_url_allowed(const char *url);
/* The host[:port] of url into out[out_size]; false when it has none. */
bool fetch_url_host(const char *url, char *out, size_t out_size);
/* The path and query of url ("/" when none) into out[out_size]. */
bool fetch_url_path(const char *url, char *out, size_t out_size);

#endif
