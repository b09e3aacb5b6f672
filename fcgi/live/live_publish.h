/* live_publish.h: one message to nginx's publish/subscribe module (nchan)
 * over its local publisher socket.
 *
 * A plain HTTP/1.0 POST on a Unix socket, bounded by one deadline for the
 * whole exchange: connect, send, read the status line. Knows nothing of
 * bargains; live.c decides what to publish and where. */
#ifndef KANJIA_LIVE_PUBLISH_H
#define KANJIA_LIVE_PUBLISH_H

#include <stddef.h>

#define LIVE_CHANNEL_MAX 64 /* bytes of a channel id, without the NUL */

/* What a publish came to. */
enum live_publish_result {
	LIVE_PUBLISHED = 0,  /* nchan answered 2xx */
	LIVE_REFUSED = 1,    /* nchan answered something else (*http_status says what) */
	LIVE_UNREACHABLE = 2, /* no socket, connection refused, reset */
	LIVE_TIMED_OUT = 3,   /* the deadline passed */
	LIVE_BAD_INPUT = 4,   /* a channel id outside [A-Za-z0-9_-]{1,64} or a path too long */
};

/* True for a channel id this module will publish to: 1 to LIVE_CHANNEL_MAX
 * characters of [A-Za-z0-9_-] (what the publisher location's pattern takes). */
int live_channel_shape(const char *channel);

/* POSTs body (size bytes, JSON) as one message of event type event to
 * channel, through the publisher at socket_path (its location is
 * /pub/<channel>), giving up after timeout_ms in all. *http_status (OUT,
 * may be NULL) gets nchan's status, 0 when none was read. Never blocks
 * longer than timeout_ms; never raises SIGPIPE (MSG_NOSIGNAL). */
enum live_publish_result live_publish(const char *socket_path, const char *channel, const char *event,
				      const char *body, size_t size, int timeout_ms, int *http_status);

/* A short English name of result, for the log. */
const char *live_publish_result_name(enum live_publish_result result);

#endif
