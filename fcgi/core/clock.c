/* clock.c: UTC times and the shop's local day. */
#include "core/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t clock_now(void)
{
	/* Not time(): its vDSO reads the kernel's tick-coarse clock, which runs
	 * up to a tick behind, so a token expiring this second read as still
	 * valid just after the second began (test_jwt's "exp now"). */
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return (int64_t)now.tv_sec;
}

int64_t clock_micros(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

static int digits(const char *text, int count, int *value)
{
	int result = 0;
	for (int i = 0; i < count; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -1;
		result = result * 10 + (text[i] - '0');
	}
	*value = result;
	return 0;
}

static int days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return days[month - 1] + (month == 2 ? leap : 0);
}

int clock_parse_rfc3339(const char *text, int64_t *when)
{
	int year, month, day, hour, minute, second;
	if (strlen(text) < 20 || digits(text, 4, &year) || text[4] != '-' ||
	    digits(text + 5, 2, &month) || text[7] != '-' || digits(text + 8, 2, &day) ||
	    (text[10] != 'T' && text[10] != 't') || digits(text + 11, 2, &hour) || text[13] != ':' ||
	    digits(text + 14, 2, &minute) || text[16] != ':' || digits(text + 17, 2, &second))
		return -1;
	if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 ||
	    day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60)
		return -1;
	const char *rest = text + 19;
	if (*rest == '.') {
		rest++;
		if (*rest < '0' || *rest > '9')
			return -1;
		while (*rest >= '0' && *rest <= '9')
			rest++;
	}
	int offset = 0;
	if ((rest[0] == 'Z' || rest[0] == 'z') && rest[1] == '\0') {
		offset = 0;
	} else if ((rest[0] == '+' || rest[0] == '-') && strlen(rest) == 6 && rest[3] == ':') {
		int offset_hours, offset_minutes;
		if (digits(rest + 1, 2, &offset_hours) || digits(rest + 4, 2, &offset_minutes) ||
		    offset_hours > 23 || offset_minutes > 59)
			return -1;
		offset = (offset_hours * 60 + offset_minutes) * 60 * (rest[0] == '+' ? 1 : -1);
	} else {
		return -1;
	}
	struct tm tm = { 0 };
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = minute;
	tm.tm_sec = second == 60 ? 59 : second;
	int64_t parsed = (int64_t)timegm(&tm) - offset;
	/* The database's DATETIME ends with 9999: an offset must not push past it. */
	if (parsed < 0 || parsed > CLOCK_MAX_EPOCH)
		return -1;
	*when = parsed;
	return 0;
}

void clock_format_rfc3339(int64_t when, char out[CLOCK_RFC3339_SIZE])
{
	time_t seconds = (time_t)when;
	struct tm tm;
	gmtime_r(&seconds, &tm);
	char text[64];
	snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02dZ",
		 (tm.tm_year + 1900) % 10000, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	memcpy(out, text, CLOCK_RFC3339_SIZE - 1);
	out[CLOCK_RFC3339_SIZE - 1] = '\0';
}

int clock_zone_valid(const char *name)
{
	if (strcmp(name, "UTC") == 0)
		return 0;
	/* Only names of files under the zoneinfo tree: no "..", no absolute path. */
	if (name[0] == '/' || strstr(name, "..") != NULL)
		return -1;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '/' || *p == '_' || *p == '-' || *p == '+'))
			return -1;
	char path[256];
	if (snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name) >= (int)sizeof(path))
		return -1;
	/* A zone is a TZif file: not a directory ("", "Asia"), not a text file
	 * such as "leapseconds" (TZ would silently fall back to UTC). */
	FILE *file = fopen(path, "rb");
	if (file == NULL)
		return -1;
	char magic[4];
	size_t got = fread(magic, 1, sizeof(magic), file);
	fclose(file);
	return got == sizeof(magic) && memcmp(magic, "TZif", 4) == 0 ? 0 : -1;
}

void clock_use_zone(const char *name)
{
	setenv("TZ", name, 1);
	tzset();
}

int64_t clock_day_start(int64_t when)
{
	time_t seconds = (time_t)when;
	struct tm tm;
	localtime_r(&seconds, &tm);
	tm.tm_hour = 0;
	tm.tm_min = 0;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}
