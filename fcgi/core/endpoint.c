/* endpoint.c: host:port and IPv4 list parsing for the scale-out keys. */
#include "core/endpoint.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool endpoint_is_ipv4(const char *text)
{
	struct in_addr address;
	/* inet_pton accepts only the strict dotted-quad form, no octal. */
	return inet_pton(AF_INET, text, &address) == 1;
}

static bool host_valid(const char *host)
{
	size_t length = strlen(host);
	if (length == 0 || length > ENDPOINT_HOST_MAX)
		return false;
	for (const char *c = host; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '.' && *c != '-')
			return false;
	return true;
}

int endpoint_parse(const char *text, struct endpoint *out, char *why, size_t why_size)
{
	const char *colon = strrchr(text, ':');
	if (colon == NULL) {
		snprintf(why, why_size, "\"%s\" is not host:port", text);
		return -1;
	}
	size_t host_length = (size_t)(colon - text);
	if (host_length == 0 || host_length > ENDPOINT_HOST_MAX) {
		snprintf(why, why_size, "\"%s\" has no host or one too long", text);
		return -1;
	}
	memcpy(out->host, text, host_length);
	out->host[host_length] = '\0';
	if (!host_valid(out->host)) {
		snprintf(why, why_size, "\"%s\" is not a host name or IPv4 address", out->host);
		return -1;
	}
	char *end = NULL;
	long port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535) {
		snprintf(why, why_size, "\"%s\" has no port in 1..65535", text);
		return -1;
	}
	out->port = (int)port;
	return 0;
}

int endpoint_list_parse(const char *text, struct endpoint out[ENDPOINTS_MAX], char *why, size_t why_size)
{
	int count = 0;
	const char *cursor = text;
	while (*cursor != '\0') {
		while (*cursor == ' ')
			cursor++;
		size_t length = strcspn(cursor, ",");
		size_t trimmed = length;
		while (trimmed > 0 && cursor[trimmed - 1] == ' ')
			trimmed--;
		if (trimmed == 0) {
			snprintf(why, why_size, "an empty item in the list");
			return -1;
		}
		if (count == ENDPOINTS_MAX) {
			snprintf(why, why_size, "more than %d hosts", ENDPOINTS_MAX);
			return -1;
		}
		char item[ENDPOINT_HOST_MAX + 8];
		if (trimmed >= sizeof(item)) {
			snprintf(why, why_size, "an item longer than %zu bytes", sizeof(item) - 1);
			return -1;
		}
		memcpy(item, cursor, trimmed);
		item[trimmed] = '\0';
		if (endpoint_parse(item, &out[count], why, why_size) != 0)
			return -1;
		count++;
		cursor += length;
		if (*cursor == ',') {
			cursor++;
			if (*cursor == '\0') {
				snprintf(why, why_size, "a trailing comma");
				return -1;
			}
		}
	}
	return count;
}

bool endpoint_ipv4_list_valid(const char *text)
{
	if (*text == '\0')
		return false;
	const char *cursor = text;
	for (;;) {
		size_t length = strcspn(cursor, ",");
		char item[INET_ADDRSTRLEN];
		if (length == 0 || length >= sizeof(item))
			return false;
		memcpy(item, cursor, length);
		item[length] = '\0';
		if (!endpoint_is_ipv4(item))
			return false;
		cursor += length;
		if (*cursor == '\0')
			return true;
		cursor++;
	}
}
