/* log.c: JSON log lines. Each line is formatted into one buffer and written
 * with a single write(2), so lines from several workers never interleave. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

enum log_level log_threshold = LOG_INFO;
static const char *current_request_id;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

int log_level_parse(const char *name)
{
	for (int level = LOG_DEBUG; level <= LOG_ERROR; level++)
		if (strcmp(name, level_names[level]) == 0)
			return level;
	return -1;
}

void log_set_request_id(const char *request_id)
{
	current_request_id = request_id;
}

/* Appends text as a JSON string body (no quotes), escaping as needed. */
static size_t append_escaped(char *out, size_t used, size_t cap, const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p && used + 7 < cap; p++) {
		if (*p == '"' || *p == '\\') {
			out[used++] = '\\';
			out[used++] = (char)*p;
		} else if (*p < 0x20) {
			used += (size_t)snprintf(out + used, cap - used, "\\u%04x", *p);
		} else {
			out[used++] = (char)*p;
		}
	}
	return used;
}

static size_t append_raw(char *out, size_t used, size_t cap, const char *text)
{
	if (used + 1 >= cap)
		return used;
	size_t length = strlen(text);
	if (length > cap - used - 1)
		length = cap - used - 1;
	memcpy(out + used, text, length);
	return used + length;
}

static size_t line_start(char *line, size_t cap, enum log_level level)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct tm tm;
	gmtime_r(&now.tv_sec, &tm);
	size_t used = (size_t)snprintf(line, cap,
		"{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"level\":\"%s\",\"pid\":%d",
		tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		tm.tm_sec, now.tv_nsec / 1000000, level_names[level], (int)getpid());
	if (current_request_id != NULL) {
		used = append_raw(line, used, cap, ",\"rid\":\"");
		used = append_escaped(line, used, cap, current_request_id);
		used = append_raw(line, used, cap, "\"");
	}
	return used;
}

static void line_finish(char *line, size_t used, size_t cap)
{
	used = append_raw(line, used, cap - 1, "}");
	line[used++] = '\n';
	ssize_t ignored = write(STDERR_FILENO, line, used);
	(void)ignored;
}

void log_write(enum log_level level, const char *format, ...)
{
	char message[LOG_LINE_MAX / 2];
	va_list args;
	va_start(args, format);
	vsnprintf(message, sizeof(message), format, args);
	va_end(args);

	char line[LOG_LINE_MAX];
	size_t used = line_start(line, sizeof(line), level);
	used = append_raw(line, used, sizeof(line), ",\"msg\":\"");
	used = append_escaped(line, used, sizeof(line), message);
	used = append_raw(line, used, sizeof(line), "\"");
	line_finish(line, used, sizeof(line));
}

void log_request(const char *method, const char *route, int status, int64_t micros)
{
	if (LOG_INFO < log_threshold)
		return;
	char line[LOG_LINE_MAX];
	size_t used = line_start(line, sizeof(line), LOG_INFO);
	used = append_raw(line, used, sizeof(line), ",\"event\":\"request\",\"method\":\"");
	used = append_escaped(line, used, sizeof(line), method);
	used = append_raw(line, used, sizeof(line), "\",\"route\":\"");
	used = append_escaped(line, used, sizeof(line), route);
	char tail[64];
	snprintf(tail, sizeof(tail), "\",\"status\":%d,\"us\":%lld", status, (long long)micros);
	used = append_raw(line, used, sizeof(line), tail);
	line_finish(line, used, sizeof(line));
}
