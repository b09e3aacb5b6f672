/* messages.h: the texts a person reads (messages.c), by name.
 *
 * Apart from http.h so that code which knows nothing of requests (the
 * pricing engine, the promotion kinds, the order rules) can name the texts
 * it produces: discount labels, refusal sentences. */
#ifndef KANJIA_HTTP_MESSAGES_H
#define KANJIA_HTTP_MESSAGES_H

#include <stdarg.h>
#include <stddef.h>

/* The text called name (messages.c), or NULL. */
const char *http_text(const char *name);
/* Formats the text called name into out[size] with the arguments its
 * comment in messages.c gives. Returns 0, or -1 for an unknown name (a
 * programming error: asserted). */
int http_text_format(char *out, size_t size, const char *name, ...);
int http_text_vformat(char *out, size_t size, const char *name, va_list args);
/* The number of texts, and the name of the index-th (index below the
 * count), for walking the table (its unit test). */
size_t http_text_count(void);
const char *http_text_name_at(size_t index);

#endif
