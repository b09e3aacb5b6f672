/* endpoint.h: host:port lists for the scale-out config keys.
 *
 * db_hosts ("node1:3306,node2:3306") names the database servers a worker
 * tries in order; listen_tcp ("127.0.0.2:9000") the IPv4 address kanjiad
 * also accepts FastCGI on; listen_allow ("127.0.0.1,10.0.0.5") the nginx
 * hosts it accepts there. Parsed once at config load, so a bad list is
 * refused with the key's name before anything starts. */
#ifndef KANJIA_ENDPOINT_H
#define KANJIA_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

#define ENDPOINT_HOST_MAX 255
#define ENDPOINTS_MAX 8

struct endpoint {
	char host[ENDPOINT_HOST_MAX + 1];
	int port;
};

/* Parses "host:port" (host: a DNS name or a dotted IPv4 address, port
 * 1..65535). Returns 0, or -1 with the reason in why[why_size]. */
int endpoint_parse(const char *text, struct endpoint *out, char *why, size_t why_size);

/* Parses a comma-separated list of "host:port" (spaces around items are
 * ignored) into out[0..ENDPOINTS_MAX). Returns the count (0 for an empty
 * text), or -1 with the reason in why. */
int endpoint_list_parse(const char *text, struct endpoint out[ENDPOINTS_MAX], char *why, size_t why_size);

/* True if text is a dotted IPv4 address ("127.0.0.2"). */
bool endpoint_is_ipv4(const char *text);

/* True if text is a non-empty comma-separated list of dotted IPv4
 * addresses with no spaces: the form libfcgi's FCGI_WEB_SERVER_ADDRS
 * reads. */
bool endpoint_ipv4_list_valid(const char *text);

#endif
