/* openloop.c: an open-loop HTTP/1.1 load generator for the benchmark
 * (tests/bench/run.sh).
 *
 * Requests leave on a fixed schedule, request k at t0 + k / rate, whatever
 * the server is doing; each is timed from its *scheduled* send time, not from
 * when a connection was free to carry it. A server that stalls therefore
 * shows the stall in every request queued behind it, instead of the client
 * quietly slowing down with it (coordinated omission, the flaw of closed-loop
 * tools such as wrk, whose latencies we do not use for that reason).
 *
 * N keep-alive connections to 127.0.0.1 carry the requests, one in flight per
 * connection (HTTP/1.1, no pipelining): a request that is due while every
 * connection is busy waits in the backlog, and its wait counts. The run is
 * bounded: rate * duration requests, then at most drain seconds for the
 * stragglers; what is still unanswered then is counted as timed out.
 *
 * Usage: openloop -r RATE -c CONNECTIONS -d SECONDS [-D DRAIN_SECONDS]
 *                 [-H 'Name: value']... [-f REQUEST_FILE] http://127.0.0.1:PORT/path
 * With -f, the requests come from the file instead of the URL's path: one
 * per line, "METHOD PATH", then any headers, each after a tab ("POST
 * /api/v1/s/x/help<TAB>Authorization: Bearer ..."); request k is line k, each
 * line is sent once (the file must hold at least RATE * SECONDS lines), in
 * order; the URL still names the server. -H headers go on every request. A
 * field that starts with "{" is the request's body (JSON on one line, after
 * the headers; give its Content-Type as a header), sent with its
 * Content-Length; without one, a method other than GET and HEAD is sent
 * with "Content-Length: 0".
 * Prints a human summary and one "RESULT key=value ..." line for scripts.
 * Exit status: 0 when the run completed (errors are results, not failures),
 * 2 on bad usage, 1 when the run could not happen at all. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* Limits: every one of them bounds memory or time. */
#define OPENLOOP_CONNECTIONS_MAX 4096
#define OPENLOOP_RATE_MAX 1000000.0
#define OPENLOOP_DURATION_MAX 600.0
#define OPENLOOP_REQUESTS_MAX 20000000ULL
#define OPENLOOP_HEADERS_MAX 16
#define OPENLOOP_FILE_MAX (1024LL * 1024 * 1024) /* bytes of a -f request file */
#define OPENLOOP_REQUEST_MAX 8192
#define OPENLOOP_RESPONSE_MAX (4 * 1024 * 1024)
#define OPENLOOP_READ_CHUNK 16384
#define OPENLOOP_EVENTS 256
#define OPENLOOP_RECONNECTS_MAX 100000
#define OPENLOOP_TIMER_SLACK_NS 100000 /* 0.1 ms: see arm_timer() */

#define NS_PER_S 1000000000LL

enum conn_state { CONN_DEAD, CONN_CONNECTING, CONN_IDLE, CONN_BUSY };

struct conn {
	int fd;
	enum conn_state state;
	uint64_t request;     /* index of the request in flight (CONN_BUSY) */
	size_t written;       /* bytes of the request sent so far */
	bool want_write;      /* EPOLLOUT armed */
	bool queued;          /* has an entry in the idle ring */
	char *buffer;         /* response bytes received so far */
	size_t length, capacity;
};

struct run {
	/* What to send. */
	struct sockaddr_in address;
	char request[OPENLOOP_REQUEST_MAX];
	size_t request_size;
	/* With -f: every request, whole, one after the other; request k is
	 * listed[listed_at[k]] to listed[listed_at[k + 1]]. */
	char *listed;
	size_t *listed_at;
	uint64_t listed_count;
	double rate;
	int connection_count;
	double duration_s, drain_s;

	/* The schedule. */
	int64_t t0;              /* CLOCK_MONOTONIC ns of request 0 */
	uint64_t total;          /* requests in the schedule */
	uint64_t next;           /* first request not yet sent */
	uint64_t finished;       /* answered or failed */

	/* Results. */
	int64_t *latency_ns;     /* per answered request; NULL slot value -1 */
	uint64_t answered, bad_status, socket_errors, timed_out, reconnects;
	uint64_t failed_send, failed_recv, failed_eof, failed_parse; /* socket_errors, by cause */
	int64_t max_send_delay_ns;
	int64_t last_answer_ns;

	/* Machinery. */
	int epoll_fd, timer_fd;
	int64_t armed_ns;        /* the timer's expiry, 0: disarmed */
	int64_t last_wake_ns;    /* when the timer last fired */
	struct conn *conns;
	/* Idle connections, first in first out so that every connection
	 * carries its share (as N independent clients would); an entry whose
	 * connection is no longer idle is skipped when it comes up. */
	int *idle;
	int idle_head, idle_queued; /* ring of connection_count slots */
	int idle_count;             /* connections in CONN_IDLE */
	int live_count;          /* connections not dead */
};

static volatile sig_atomic_t interrupted;

static void on_interrupt(int signal_number)
{
	(void)signal_number;
	interrupted = 1;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static void usage(void)
{
	fprintf(stderr, "usage: openloop -r RATE -c CONNECTIONS -d SECONDS [-D DRAIN_SECONDS] "
			"[-H 'Name: value']... [-f REQUEST_FILE] http://127.0.0.1:PORT/path\n");
	exit(2);
}

static void *xrealloc(void *pointer, size_t size)
{
	void *grown = realloc(pointer, size);
	if (grown == NULL) {
		fprintf(stderr, "openloop: out of memory\n");
		abort();
	}
	return grown;
}

/* The schedule: when request k is due. */
static int64_t scheduled_ns(const struct run *run, uint64_t k)
{
	return run->t0 + (int64_t)((double)k * 1e9 / run->rate);
}

/* ------------------------------------------------------------ arguments */

/* Parses http://127.0.0.1:PORT/path (or localhost); loopback only, by
 * design: this tool must never be pointed at another machine. Fills the
 * address and the path; returns 0 or -1. */
static int parse_url(const char *url, struct sockaddr_in *address, char *path, size_t path_size)
{
	const char *rest;
	if (strncmp(url, "http://127.0.0.1", 16) == 0)
		rest = url + 16;
	else if (strncmp(url, "http://localhost", 16) == 0)
		rest = url + 16;
	else
		return -1;
	long port = 80;
	if (*rest == ':') {
		char *end = NULL;
		port = strtol(rest + 1, &end, 10);
		if (end == rest + 1 || port < 1 || port > 65535)
			return -1;
		rest = end;
	}
	if (*rest == '\0')
		rest = "/";
	if (*rest != '/' || strlen(rest) >= path_size || strpbrk(rest, " \r\n") != NULL)
		return -1;
	strcpy(path, rest);
	memset(address, 0, sizeof(*address));
	address->sin_family = AF_INET;
	address->sin_port = htons((uint16_t)port);
	address->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return 0;
}

/* Appends text to the growing buffer (*buffer, *length, *capacity). */
static void append(char **buffer, size_t *length, size_t *capacity, const char *text, size_t size)
{
	while (*length + size > *capacity) {
		*capacity = *capacity ? *capacity * 2 : 1 << 20;
		*buffer = xrealloc(*buffer, *capacity);
	}
	memcpy(*buffer + *length, text, size);
	*length += size;
}

/* Reads the -f file into run->listed: each line made a whole request with
 * the common headers. Exits 2 on a bad line, 1 if the file cannot be read. */
static void read_request_file(struct run *run, const char *path, const char **headers, int header_count)
{
	FILE *file = fopen(path, "r");
	if (file == NULL) {
		fprintf(stderr, "openloop: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	size_t length = 0, capacity = 0, offsets_capacity = 0;
	char *line = NULL;
	size_t line_capacity = 0;
	ssize_t got;
	unsigned port = (unsigned)ntohs(run->address.sin_port);
	while ((got = getline(&line, &line_capacity, file)) >= 0) {
		while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
			line[--got] = '\0';
		if (got == 0)
			continue;
		if (run->listed_count + 2 > offsets_capacity) {
			offsets_capacity = offsets_capacity ? offsets_capacity * 2 : 65536;
			run->listed_at = xrealloc(run->listed_at, offsets_capacity * sizeof(size_t));
		}
		run->listed_at[run->listed_count++] = length;
		char *fields = line;
		char *first = strsep(&fields, "\t");
		char *space = strchr(first, ' ');
		if (space == NULL || space == first || space[1] != '/' || strchr(space + 1, ' ') != NULL) {
			fprintf(stderr, "openloop: %s: line %llu is not \"METHOD /path\"\n", path,
				(unsigned long long)run->listed_count);
			exit(2);
		}
		*space = '\0';
		/* A field that starts with '{' is the body (JSON, one line). */
		const char *body = NULL;
		for (char *at = fields; at != NULL && *at != '\0';) {
			if (*at == '{' && (at == fields || at[-1] == '\t')) {
				body = at;
				break;
			}
			at = strchr(at, '\t');
			if (at != NULL)
				at++;
		}
		size_t body_size = 0;
		if (body != NULL) {
			body_size = strlen(body);
			if (fields == body)
				fields = NULL;
			else
				((char *)body)[-1] = '\0'; /* the headers end before it */
		}
		char head[OPENLOOP_REQUEST_MAX];
		char content_length[64] = "";
		if (body != NULL || !(strcmp(first, "GET") == 0 || strcmp(first, "HEAD") == 0))
			snprintf(content_length, sizeof(content_length), "Content-Length: %zu\r\n", body_size);
		int written = snprintf(head, sizeof(head),
				       "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUser-Agent: kanjia-openloop\r\n"
				       "Accept: application/json\r\n%s",
				       first, space + 1, port, content_length);
		if (written <= 0 || (size_t)written >= sizeof(head) || body_size >= OPENLOOP_REQUEST_MAX) {
			fprintf(stderr, "openloop: %s: line %llu is too long\n", path, (unsigned long long)run->listed_count);
			exit(2);
		}
		append(&run->listed, &length, &capacity, head, (size_t)written);
		char *header;
		while ((header = strsep(&fields, "\t")) != NULL) {
			if (*header == '\0')
				continue;
			if (strchr(header, ':') == NULL) {
				fprintf(stderr, "openloop: %s: line %llu has a header without a colon\n", path,
					(unsigned long long)run->listed_count);
				exit(2);
			}
			append(&run->listed, &length, &capacity, header, strlen(header));
			append(&run->listed, &length, &capacity, "\r\n", 2);
		}
		for (int i = 0; i < header_count; i++) {
			append(&run->listed, &length, &capacity, headers[i], strlen(headers[i]));
			append(&run->listed, &length, &capacity, "\r\n", 2);
		}
		append(&run->listed, &length, &capacity, "\r\n", 2);
		if (body != NULL)
			append(&run->listed, &length, &capacity, body, body_size);
		if (length > OPENLOOP_FILE_MAX) {
			fprintf(stderr, "openloop: %s: more than %lld bytes of requests\n", path, OPENLOOP_FILE_MAX);
			exit(2);
		}
	}
	free(line);
	fclose(file);
	if (run->listed_count == 0) {
		fprintf(stderr, "openloop: %s: no requests\n", path);
		exit(2);
	}
	run->listed_at[run->listed_count] = length;
}

/* The bytes of request k. */
static const char *request_bytes(const struct run *run, uint64_t k, size_t *size)
{
	if (run->listed == NULL) {
		*size = run->request_size;
		return run->request;
	}
	*size = run->listed_at[k + 1] - run->listed_at[k];
	return run->listed + run->listed_at[k];
}

static void parse_arguments(struct run *run, int argc, char **argv)
{
	const char *request_file = NULL;
	const char *headers[OPENLOOP_HEADERS_MAX];
	int header_count = 0;
	run->rate = 0;
	run->connection_count = 0;
	run->duration_s = 0;
	run->drain_s = 5;
	int option;
	while ((option = getopt(argc, argv, "r:c:d:D:H:f:")) != -1) {
		switch (option) {
		case 'r':
			run->rate = strtod(optarg, NULL);
			break;
		case 'c':
			run->connection_count = atoi(optarg);
			break;
		case 'd':
			run->duration_s = strtod(optarg, NULL);
			break;
		case 'D':
			run->drain_s = strtod(optarg, NULL);
			break;
		case 'f':
			request_file = optarg;
			break;
		case 'H':
			if (header_count == OPENLOOP_HEADERS_MAX || strpbrk(optarg, "\r\n") != NULL ||
			    strchr(optarg, ':') == NULL) {
				fprintf(stderr, "openloop: bad or too many -H headers\n");
				exit(2);
			}
			headers[header_count++] = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	if (!(run->rate > 0 && run->rate <= OPENLOOP_RATE_MAX) || run->connection_count < 1 ||
	    run->connection_count > OPENLOOP_CONNECTIONS_MAX || !(run->duration_s > 0) ||
	    run->duration_s > OPENLOOP_DURATION_MAX || !(run->drain_s >= 0) || run->drain_s > 60) {
		fprintf(stderr, "openloop: need 0 < rate <= %.0f, 1 <= connections <= %d, "
				"0 < duration <= %.0f s, 0 <= drain <= 60 s\n",
			OPENLOOP_RATE_MAX, OPENLOOP_CONNECTIONS_MAX, OPENLOOP_DURATION_MAX);
		exit(2);
	}
	char path[2048];
	if (parse_url(argv[optind], &run->address, path, sizeof(path)) != 0) {
		fprintf(stderr, "openloop: %s: only http://127.0.0.1:PORT/path (or localhost) is allowed\n",
			argv[optind]);
		exit(2);
	}
	int written = snprintf(run->request, sizeof(run->request),
			       "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUser-Agent: kanjia-openloop\r\n"
			       "Accept: application/json\r\n",
			       path, (unsigned)ntohs(run->address.sin_port));
	for (int i = 0; i < header_count && written > 0 && (size_t)written < sizeof(run->request); i++)
		written += snprintf(run->request + written, sizeof(run->request) - (size_t)written, "%s\r\n",
				    headers[i]);
	if (written > 0 && (size_t)written < sizeof(run->request))
		written += snprintf(run->request + written, sizeof(run->request) - (size_t)written, "\r\n");
	if (written <= 0 || (size_t)written >= sizeof(run->request)) {
		fprintf(stderr, "openloop: request too long\n");
		exit(2);
	}
	run->request_size = (size_t)written;
	double total = run->rate * run->duration_s;
	if (total < 1)
		total = 1;
	if (total > (double)OPENLOOP_REQUESTS_MAX) {
		fprintf(stderr, "openloop: rate * duration exceeds %llu requests\n", OPENLOOP_REQUESTS_MAX);
		exit(2);
	}
	run->total = (uint64_t)total;
	if (request_file != NULL) {
		read_request_file(run, request_file, headers, header_count);
		if (run->listed_count < run->total) {
			fprintf(stderr, "openloop: %s holds %llu requests, the run needs %llu (rate * duration)\n",
				request_file, (unsigned long long)run->listed_count, (unsigned long long)run->total);
			exit(2);
		}
	}
}

/* ------------------------------------------------------- HTTP responses */

/* Case-insensitive search for a header line in the head [head, end). */
static const char *header_value(const char *head, const char *end, const char *name)
{
	size_t name_length = strlen(name);
	for (const char *line = head; line < end;) {
		const char *eol = memmem(line, (size_t)(end - line), "\r\n", 2);
		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - line) > name_length && strncasecmp(line, name, name_length) == 0 &&
		    line[name_length] == ':') {
			const char *value = line + name_length + 1;
			while (value < eol && (*value == ' ' || *value == '\t'))
				value++;
			return value;
		}
		line = eol + 2;
	}
	return NULL;
}

/* Whether buffer holds one whole response. Returns 1 (complete: status,
 * close and consumed filled), 0 (need more bytes) or -1 (malformed). */
static int response_complete(const char *buffer, size_t length, int *status, bool *close, size_t *consumed)
{
	const char *head_end = memmem(buffer, length, "\r\n\r\n", 4);
	if (head_end == NULL)
		return length > 65536 ? -1 : 0;
	if (length < 12 || strncmp(buffer, "HTTP/1.", 7) != 0)
		return -1;
	*status = atoi(buffer + 9);
	const char *end = head_end + 2; /* keeps the last header's CRLF */
	const char *connection = header_value(buffer, end, "Connection");
	*close = connection != NULL && strncasecmp(connection, "close", 5) == 0;
	if (strncmp(buffer, "HTTP/1.0", 8) == 0 && !(connection && strncasecmp(connection, "keep-alive", 10) == 0))
		*close = true;
	size_t body_start = (size_t)(head_end + 4 - buffer);

	const char *encoding = header_value(buffer, end, "Transfer-Encoding");
	if (encoding != NULL && strncasecmp(encoding, "chunked", 7) == 0) {
		size_t at = body_start;
		for (;;) {
			const char *eol = memmem(buffer + at, length - at, "\r\n", 2);
			if (eol == NULL)
				return 0;
			char *after = NULL;
			unsigned long long size = strtoull(buffer + at, &after, 16);
			if (after == buffer + at || size > OPENLOOP_RESPONSE_MAX)
				return -1;
			at = (size_t)(eol + 2 - buffer);
			if (size == 0) {
				/* Trailers, if any, end with an empty line. */
				for (;;) {
					const char *line_end = memmem(buffer + at, length - at, "\r\n", 2);
					if (line_end == NULL)
						return 0;
					bool empty = line_end == buffer + at;
					at = (size_t)(line_end + 2 - buffer);
					if (empty) {
						*consumed = at;
						return 1;
					}
				}
			}
			if (length - at < size + 2)
				return 0;
			at += (size_t)size + 2;
		}
	}
	const char *content_length = header_value(buffer, end, "Content-Length");
	unsigned long long body = 0;
	if (content_length != NULL)
		body = strtoull(content_length, NULL, 10);
	else if (!(*status == 204 || *status == 304 || (*status >= 100 && *status < 200)))
		return -1; /* a body delimited by close: not what keep-alive servers send */
	if (body > OPENLOOP_RESPONSE_MAX)
		return -1;
	if (length - body_start < body)
		return 0;
	*consumed = body_start + (size_t)body;
	return 1;
}

/* ---------------------------------------------------------- connections */

static void watch(struct run *run, int index, bool want_write)
{
	struct conn *conn = &run->conns[index];
	struct epoll_event event = { .events = EPOLLIN | EPOLLRDHUP | (want_write ? EPOLLOUT : 0),
				     .data.u64 = (uint64_t)index };
	if (epoll_ctl(run->epoll_fd, EPOLL_CTL_MOD, conn->fd, &event) != 0) {
		perror("openloop: epoll_ctl");
		exit(1);
	}
	conn->want_write = want_write;
}

/* Starts a non-blocking connect; the connection becomes idle once the
 * socket is writable. A refused connect marks it dead. */
static void conn_open(struct run *run, int index)
{
	struct conn *conn = &run->conns[index];
	conn->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (conn->fd < 0) {
		perror("openloop: socket");
		exit(1);
	}
	int one = 1;
	setsockopt(conn->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	conn->length = 0;
	conn->written = 0;
	if (connect(conn->fd, (struct sockaddr *)&run->address, sizeof(run->address)) != 0 && errno != EINPROGRESS) {
		close(conn->fd);
		conn->fd = -1;
		conn->state = CONN_DEAD;
		run->live_count--;
		return;
	}
	conn->state = CONN_CONNECTING;
	struct epoll_event event = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.u64 = (uint64_t)index };
	if (epoll_ctl(run->epoll_fd, EPOLL_CTL_ADD, conn->fd, &event) != 0) {
		perror("openloop: epoll_ctl");
		exit(1);
	}
	conn->want_write = true;
}

/* Closes the connection; if a request was in flight it failed. Opens a new
 * connection unless too many have been replaced already. */
static void conn_reopen(struct run *run, int index, bool failed)
{
	struct conn *conn = &run->conns[index];
	if (conn->state == CONN_BUSY && failed) {
		run->socket_errors++;
		run->finished++;
	}
	if (conn->state == CONN_IDLE)
		run->idle_count--; /* its ring entry is skipped later */
	epoll_ctl(run->epoll_fd, EPOLL_CTL_DEL, conn->fd, NULL);
	close(conn->fd);
	conn->fd = -1;
	if (++run->reconnects > OPENLOOP_RECONNECTS_MAX) {
		conn->state = CONN_DEAD;
		run->live_count--;
		return;
	}
	conn_open(run, index);
}

static void conn_make_idle(struct run *run, int index)
{
	struct conn *conn = &run->conns[index];
	conn->state = CONN_IDLE;
	run->idle_count++;
	if (!conn->queued) {
		conn->queued = true;
		run->idle[(run->idle_head + run->idle_queued++) % run->connection_count] = index;
	}
}

/* The idle connection that has waited longest; -1 if none. */
static int conn_take_idle(struct run *run)
{
	while (run->idle_queued > 0) {
		int index = run->idle[run->idle_head];
		run->idle_head = (run->idle_head + 1) % run->connection_count;
		run->idle_queued--;
		run->conns[index].queued = false;
		if (run->conns[index].state == CONN_IDLE) {
			run->idle_count--;
			return index;
		}
	}
	return -1;
}

/* Writes what is left of the request; arms EPOLLOUT if the socket is full. */
static void conn_write(struct run *run, int index)
{
	struct conn *conn = &run->conns[index];
	size_t size;
	const char *request = request_bytes(run, conn->request, &size);
	while (conn->written < size) {
		ssize_t sent = send(conn->fd, request + conn->written, size - conn->written, MSG_NOSIGNAL);
		if (sent < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (!conn->want_write)
					watch(run, index, true);
				return;
			}
			if (errno == EINTR)
				continue;
			run->failed_send++;
			conn_reopen(run, index, true);
			return;
		}
		conn->written += (size_t)sent;
	}
	if (conn->want_write)
		watch(run, index, false);
}

/* Sends every due request that an idle connection can carry. */
static void send_due(struct run *run)
{
	int64_t now = now_ns();
	while (run->next < run->total && run->idle_count > 0) {
		int64_t due = scheduled_ns(run, run->next);
		if (due > now)
			break;
		if (now - due > run->max_send_delay_ns)
			run->max_send_delay_ns = now - due;
		int index = conn_take_idle(run);
		if (index < 0)
			break;
		struct conn *conn = &run->conns[index];
		conn->state = CONN_BUSY;
		conn->request = run->next++;
		conn->written = 0;
		conn->length = 0;
		conn_write(run, index);
	}
}

/* Reads what arrived; completes the request in flight if its response is
 * whole. A close by the server right after a whole response is no error. */
static void conn_read(struct run *run, int index)
{
	struct conn *conn = &run->conns[index];
	bool eof = false;
	for (;;) {
		if (conn->capacity - conn->length < OPENLOOP_READ_CHUNK) {
			if (conn->capacity >= OPENLOOP_RESPONSE_MAX) {
				run->failed_parse++;
				conn_reopen(run, index, true);
				return;
			}
			conn->capacity = conn->capacity ? conn->capacity * 2 : 2 * OPENLOOP_READ_CHUNK;
			conn->buffer = xrealloc(conn->buffer, conn->capacity);
		}
		ssize_t got = recv(conn->fd, conn->buffer + conn->length, conn->capacity - conn->length, 0);
		if (got < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			if (conn->state == CONN_BUSY)
				run->failed_recv++;
			conn_reopen(run, index, conn->state == CONN_BUSY);
			return;
		}
		if (got == 0) {
			eof = true;
			break;
		}
		if (conn->state != CONN_BUSY) {
			conn_reopen(run, index, false); /* bytes nobody asked for */
			return;
		}
		size_t room = conn->capacity - conn->length;
		conn->length += (size_t)got;
		if ((size_t)got < room)
			break; /* drained; epoll (level-triggered) reports anything later */
	}
	if (conn->state != CONN_BUSY) {
		if (eof)
			conn_reopen(run, index, false); /* an idle keep-alive closed */
		return;
	}

	int status = 0;
	bool close_after = false;
	size_t consumed = 0;
	int complete = conn->length == 0 ? 0
		: response_complete(conn->buffer, conn->length, &status, &close_after, &consumed);
	if (complete == 0) {
		if (eof) {
			run->failed_eof++;
			conn_reopen(run, index, true);
		}
		return;
	}
	if (complete < 0) {
		run->failed_parse++;
		conn_reopen(run, index, true);
		return;
	}
	int64_t now = now_ns();
	run->latency_ns[run->answered++] = now - scheduled_ns(run, conn->request);
	run->last_answer_ns = now;
	run->finished++;
	if (status < 200 || status > 399)
		run->bad_status++;
	if (eof || close_after || consumed != conn->length) {
		conn_reopen(run, index, false); /* answered: not a failure */
		return;
	}
	conn->length = 0;
	conn_make_idle(run, index);
}

/* Finishes a connect; the connection becomes idle, or is replaced. */
static void conn_connected(struct run *run, int index)
{
	struct conn *conn = &run->conns[index];
	int error = 0;
	socklen_t size = sizeof(error);
	if (getsockopt(conn->fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0 || error != 0) {
		epoll_ctl(run->epoll_fd, EPOLL_CTL_DEL, conn->fd, NULL);
		close(conn->fd);
		conn->fd = -1;
		conn->state = CONN_DEAD;
		run->live_count--;
		return;
	}
	watch(run, index, false);
	conn_make_idle(run, index);
}

/* Arms the timer for the next scheduled request (absolute time), at most
 * once per OPENLOOP_TIMER_SLACK_NS after the last wake: at high rates a wake
 * sends the few requests that fell due meanwhile, instead of one wake (and
 * its syscalls) per request. Those requests leave up to the slack late, and
 * it counts in their latency, which is measured from their schedule. */
static void arm_timer(struct run *run)
{
	int64_t when = 0;
	if (run->next < run->total && run->idle_count > 0) {
		when = scheduled_ns(run, run->next);
		int64_t earliest = run->last_wake_ns + OPENLOOP_TIMER_SLACK_NS;
		if (when < earliest)
			when = earliest;
	}
	if (when == run->armed_ns)
		return;
	struct itimerspec spec;
	memset(&spec, 0, sizeof(spec));
	spec.it_value.tv_sec = when / NS_PER_S;
	spec.it_value.tv_nsec = when % NS_PER_S;
	timerfd_settime(run->timer_fd, TFD_TIMER_ABSTIME, &spec, NULL);
	run->armed_ns = when;
}

/* ----------------------------------------------------------------- main */

static int compare_int64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The nearest-rank percentile of the sorted values, in ms. */
static double percentile_ms(const int64_t *sorted, uint64_t count, double fraction)
{
	if (count == 0)
		return 0;
	uint64_t rank = (uint64_t)(fraction * (double)count + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > count)
		rank = count;
	return (double)sorted[rank - 1] / 1e6;
}

int main(int argc, char **argv)
{
	struct run run;
	memset(&run, 0, sizeof(run));
	parse_arguments(&run, argc, argv);

	struct sigaction action;
	memset(&action, 0, sizeof(action));
	action.sa_handler = on_interrupt;
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);
	signal(SIGPIPE, SIG_IGN);

	run.latency_ns = calloc(run.total, sizeof(int64_t));
	run.conns = calloc((size_t)run.connection_count, sizeof(struct conn));
	run.idle = calloc((size_t)run.connection_count, sizeof(int));
	if (run.latency_ns == NULL || run.conns == NULL || run.idle == NULL) {
		fprintf(stderr, "openloop: out of memory\n");
		return 1;
	}
	run.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	run.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (run.epoll_fd < 0 || run.timer_fd < 0) {
		perror("openloop: epoll/timerfd");
		return 1;
	}
	struct epoll_event timer_event = { .events = EPOLLIN, .data.u64 = UINT64_MAX };
	epoll_ctl(run.epoll_fd, EPOLL_CTL_ADD, run.timer_fd, &timer_event);

	/* Connect everything first: connection set-up is not part of the
	 * schedule (keep-alive clients connect once). At most 5 s for it. */
	run.live_count = run.connection_count;
	for (int i = 0; i < run.connection_count; i++)
		conn_open(&run, i);
	struct epoll_event events[OPENLOOP_EVENTS];
	int64_t connect_deadline = now_ns() + 5 * NS_PER_S;
	while (run.idle_count < run.live_count && now_ns() < connect_deadline && !interrupted) {
		int count = epoll_wait(run.epoll_fd, events, OPENLOOP_EVENTS, 100);
		for (int i = 0; i < count; i++) {
			if (events[i].data.u64 == UINT64_MAX)
				continue;
			int index = (int)events[i].data.u64;
			if (run.conns[index].state == CONN_CONNECTING)
				conn_connected(&run, index);
			else if (run.conns[index].state == CONN_IDLE && (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
				conn_reopen(&run, index, false);
		}
	}
	if (run.idle_count == 0) {
		fprintf(stderr, "openloop: no connection to 127.0.0.1:%u could be made\n",
			(unsigned)ntohs(run.address.sin_port));
		printf("RESULT rate=0 answered=0 errors=%llu bad_status=0 socket_errors=0 timeouts=%llu "
		       "p50=0 p90=0 p99=0 max=0\n",
		       (unsigned long long)run.total, (unsigned long long)run.total);
		return 1;
	}

	run.t0 = now_ns() + 10 * 1000 * 1000; /* 10 ms from now */
	int64_t send_end = run.t0 + (int64_t)(run.duration_s * 1e9);
	int64_t hard_end = send_end + (int64_t)(run.drain_s * 1e9);
	arm_timer(&run);
	while (run.finished < run.total && !interrupted && run.live_count > 0) {
		int64_t now = now_ns();
		if (now >= hard_end)
			break;
		int timeout_ms = (int)((hard_end - now) / 1000000) + 1;
		if (timeout_ms > 100)
			timeout_ms = 100;
		int count = epoll_wait(run.epoll_fd, events, OPENLOOP_EVENTS, timeout_ms);
		if (count < 0 && errno != EINTR) {
			perror("openloop: epoll_wait");
			return 1;
		}
		for (int i = 0; i < count; i++) {
			if (events[i].data.u64 == UINT64_MAX) {
				uint64_t expirations;
				if (read(run.timer_fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
					perror("openloop: timerfd");
				run.armed_ns = 0; /* one-shot: it is disarmed now */
				run.last_wake_ns = now_ns();
				continue;
			}
			int index = (int)events[i].data.u64;
			struct conn *conn = &run.conns[index];
			if (conn->fd < 0)
				continue;
			uint32_t what = events[i].events;
			if (conn->state == CONN_CONNECTING) {
				if (what & (EPOLLOUT | EPOLLERR | EPOLLHUP))
					conn_connected(&run, index);
				continue;
			}
			if (conn->state == CONN_BUSY && (what & EPOLLOUT)) {
				size_t request_size;
				request_bytes(&run, conn->request, &request_size);
				if (conn->written < request_size)
					conn_write(&run, index);
			}
			if ((conn->state == CONN_BUSY || conn->state == CONN_IDLE) &&
			    (what & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
				conn_read(&run, index);
		}
		send_due(&run);
		arm_timer(&run);
	}
	int64_t stopped = now_ns();

	/* What is left unanswered timed out; its wait so far counts in the
	 * percentiles (a lower bound of its latency), so a stalled server cannot
	 * hide behind the drain limit. */
	for (int i = 0; i < run.connection_count; i++)
		if (run.conns[i].state == CONN_BUSY) {
			run.latency_ns[run.answered + run.timed_out] = stopped - scheduled_ns(&run, run.conns[i].request);
			run.timed_out++;
		}
	uint64_t unsent_due = 0;
	for (uint64_t k = run.next; k < run.total && scheduled_ns(&run, k) <= stopped; k++) {
		run.latency_ns[run.answered + run.timed_out] = stopped - scheduled_ns(&run, k);
		run.timed_out++;
		unsent_due++;
	}
	uint64_t unsent_never_due = run.total - run.next - unsent_due;
	uint64_t timed = run.answered + run.timed_out;
	qsort(run.latency_ns, timed, sizeof(int64_t), compare_int64);

	/* Achieved rate: answers over the scheduled window, or longer if the
	 * answers kept coming after it. */
	int64_t window = send_end - run.t0;
	if (run.last_answer_ns - run.t0 > window)
		window = run.last_answer_ns - run.t0;
	double achieved = window > 0 ? (double)run.answered * 1e9 / (double)window : 0;
	uint64_t errors = run.bad_status + run.socket_errors + run.timed_out + unsent_never_due;

	double p50 = percentile_ms(run.latency_ns, timed, 0.50);
	double p90 = percentile_ms(run.latency_ns, timed, 0.90);
	double p99 = percentile_ms(run.latency_ns, timed, 0.99);
	double max = timed ? (double)run.latency_ns[timed - 1] / 1e6 : 0;
	printf("openloop: target %.1f req/s over %d connections for %.1f s: achieved %.1f req/s, "
	       "%llu answered of %llu\n",
	       run.rate, run.connection_count, run.duration_s, achieved, (unsigned long long)run.answered,
	       (unsigned long long)run.total);
	printf("openloop: errors %llu (status not 2xx/3xx %llu, socket %llu, timed out %llu, never sent %llu), "
	       "reconnects %llu, worst send delay %.2f ms\n",
	       (unsigned long long)errors, (unsigned long long)run.bad_status, (unsigned long long)run.socket_errors,
	       (unsigned long long)run.timed_out, (unsigned long long)unsent_never_due,
	       (unsigned long long)run.reconnects, (double)run.max_send_delay_ns / 1e6);
	if (run.socket_errors > 0)
		printf("openloop: socket errors by cause: send %llu, recv %llu, closed mid-response %llu, "
		       "unparsable %llu\n",
		       (unsigned long long)run.failed_send, (unsigned long long)run.failed_recv,
		       (unsigned long long)run.failed_eof, (unsigned long long)run.failed_parse);
	printf("openloop: latency from scheduled send (ms): p50 %.3f p90 %.3f p99 %.3f max %.3f\n", p50, p90, p99,
	       max);
	printf("RESULT rate=%.1f answered=%llu errors=%llu bad_status=%llu socket_errors=%llu timeouts=%llu "
	       "p50=%.3f p90=%.3f p99=%.3f max=%.3f\n",
	       achieved, (unsigned long long)run.answered, (unsigned long long)errors,
	       (unsigned long long)run.bad_status, (unsigned long long)run.socket_errors,
	       (unsigned long long)(run.timed_out + unsent_never_due), p50, p90, p99, max);
	for (int i = 0; i < run.connection_count; i++) {
		if (run.conns[i].fd >= 0)
			close(run.conns[i].fd);
		free(run.conns[i].buffer);
	}
	free(run.conns);
	free(run.idle);
	free(run.latency_ns);
	free(run.listed);
	free(run.listed_at);
	return interrupted ? 1 : 0;
}
