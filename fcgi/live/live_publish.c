/* live_publish.c: an HTTP/1.0 POST to nchan's publisher over a Unix socket,
 * by hand: one request per connection, so there is no connection state to
 * keep between requests, and one deadline bounds it all (a publish must
 * never hold a worker up for long: the request it follows has committed
 * and its answer is waiting). */
#include "live/live_publish.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LIVE_HEAD_MAX 512
#define LIVE_STATUS_LINE_MAX 64

int live_channel_shape(const char *channel)
{
	if (channel == NULL)
		return 0;
	size_t length = strlen(channel);
	if (length == 0 || length > LIVE_CHANNEL_MAX)
		return 0;
	for (const char *p = channel; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_'))
			return 0;
	return 1;
}

const char *live_publish_result_name(enum live_publish_result result)
{
	switch (result) {
	case LIVE_PUBLISHED:
		return "published";
	case LIVE_REFUSED:
		return "refused";
	case LIVE_UNREACHABLE:
		return "unreachable";
	case LIVE_TIMED_OUT:
		return "timed out";
	case LIVE_BAD_INPUT:
		return "bad input";
	}
	return "unknown";
}

static long long monotonic_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes. Returns 1
 * ready, 0 timed out, -1 error. */
static int wait_ready(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - monotonic_ms();
		if (left <= 0)
			return 0;
		struct pollfd waiting = { .fd = fd, .events = events };
		int ready = poll(&waiting, 1, (int)left);
		if (ready > 0)
			return 1;
		if (ready == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/* Sends all of data before the deadline. Returns a live_publish_result. */
static enum live_publish_result send_all(int fd, const char *data, size_t size, long long deadline)
{
	while (size > 0) {
		ssize_t sent = send(fd, data, size, MSG_NOSIGNAL);
		if (sent > 0) {
			data += sent;
			size -= (size_t)sent;
			continue;
		}
		if (sent < 0 && errno == EINTR)
			continue;
		if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int ready = wait_ready(fd, POLLOUT, deadline);
			if (ready == 0)
				return LIVE_TIMED_OUT;
			if (ready < 0)
				return LIVE_UNREACHABLE;
			continue;
		}
		return LIVE_UNREACHABLE;
	}
	return LIVE_PUBLISHED;
}

/* Reads up to the end of the status line ("HTTP/1.1 201 Created\r\n") and
 * parses its code. Returns a live_publish_result; *code (OUT) the status. */
static enum live_publish_result read_status(int fd, long long deadline, int *code)
{
	char line[LIVE_STATUS_LINE_MAX + 1];
	size_t used = 0;
	while (used < LIVE_STATUS_LINE_MAX && memchr(line, '\n', used) == NULL) {
		ssize_t got = recv(fd, line + used, LIVE_STATUS_LINE_MAX - used, 0);
		if (got > 0) {
			used += (size_t)got;
			continue;
		}
		if (got == 0)
			break; /* closed: parse what came */
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			int ready = wait_ready(fd, POLLIN, deadline);
			if (ready == 0)
				return LIVE_TIMED_OUT;
			if (ready < 0)
				return LIVE_UNREACHABLE;
			continue;
		}
		return LIVE_UNREACHABLE;
	}
	line[used] = '\0';
	int major = 0, minor = 0, status = 0;
	if (sscanf(line, "HTTP/%d.%d %3d", &major, &minor, &status) != 3 || status < 100 || status > 599)
		return LIVE_REFUSED;
	*code = status;
	return status >= 200 && status < 300 ? LIVE_PUBLISHED : LIVE_REFUSED;
}

enum live_publish_result live_publish(const char *socket_path, const char *channel, const char *event,
				      const char *body, size_t size, int timeout_ms, int *http_status)
{
	if (http_status != NULL)
		*http_status = 0;
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	if (socket_path == NULL || strlen(socket_path) >= sizeof(address.sun_path) || !live_channel_shape(channel) ||
	    event == NULL || strcspn(event, "\r\n") != strlen(event))
		return LIVE_BAD_INPUT;
	memcpy(address.sun_path, socket_path, strlen(socket_path) + 1);
	long long deadline = monotonic_ms() + (timeout_ms > 0 ? timeout_ms : 1);

	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return LIVE_UNREACHABLE;
	enum live_publish_result result = LIVE_UNREACHABLE;
	if (connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
		/* A Unix socket connects at once or, with a full backlog, says EAGAIN. */
		if (errno != EAGAIN && errno != EINPROGRESS)
			goto done;
		int ready = wait_ready(fd, POLLOUT, deadline);
		if (ready <= 0) {
			result = ready == 0 ? LIVE_TIMED_OUT : LIVE_UNREACHABLE;
			goto done;
		}
		int error = 0;
		socklen_t length = sizeof(error);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0)
			goto done;
	}
	char head[LIVE_HEAD_MAX];
	int head_size = snprintf(head, sizeof(head),
				 "POST /pub/%s HTTP/1.0\r\nHost: kanjia-live\r\n"
				 "Content-Type: application/json\r\nX-EventSource-Event: %s\r\n"
				 "Content-Length: %zu\r\n\r\n",
				 channel, event, size);
	if (head_size < 0 || (size_t)head_size >= sizeof(head)) {
		result = LIVE_BAD_INPUT;
		goto done;
	}
	if ((result = send_all(fd, head, (size_t)head_size, deadline)) != LIVE_PUBLISHED ||
	    (result = send_all(fd, body, size, deadline)) != LIVE_PUBLISHED)
		goto done;
	int code = 0;
	result = read_status(fd, deadline, &code);
	if (http_status != NULL)
		*http_status = code;
done:
	close(fd);
	return result;
}
