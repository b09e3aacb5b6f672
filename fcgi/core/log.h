/* log.h: structured logs, one JSON object per line on stderr.
 *
 * The level is checked before anything is formatted. Callers must never log
 * secrets, SMS codes, tokens or full phone numbers (mask with phone_mask). */
#ifndef KANJIA_LOG_H
#define KANJIA_LOG_H

#include <stdint.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

extern enum log_level log_threshold;

/* Parses "debug", "info", "warn", "error"; returns -1 for anything else. */
int log_level_parse(const char *name);
/* The request id that every line carries until it is cleared (NULL). The
 * string is borrowed: it must outlive its use. */
void log_set_request_id(const char *request_id);
void log_write(enum log_level level, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
/* The access line: one per request. */
void log_request(const char *method, const char *route, int status, int64_t micros);

#define LOG_AT(level, ...) \
	do { if ((level) >= log_threshold) log_write((level), __VA_ARGS__); } while (0)
#define log_debug(...) LOG_AT(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) LOG_AT(LOG_INFO, __VA_ARGS__)
#define log_warn(...) LOG_AT(LOG_WARN, __VA_ARGS__)
#define log_error(...) LOG_AT(LOG_ERROR, __VA_ARGS__)

#endif
