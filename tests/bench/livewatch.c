/* livewatch.c: the live-updates stage of the benchmark (tests/bench/live.sh).
 *
 * Opens N Server-Sent-Events streams through nginx (the subscribers), then
 * sends helps on a schedule (open loop, like openloop.c: help k leaves at
 * t0 + k / rate over C keep-alive connections; -r 0: closed loop, each
 * connection sends its next help as soon as the last is answered, for the
 * saturation rate), and times every event each subscriber receives against
 * the answer of the help that caused it.
 *
 * A help's answer names the change: the bargain's id and its helper count
 * after the help ("bargain":{"id":N,...,"helpers":H}); every event's data
 * starts with the same bargain object. (id, helpers) is the key that ties
 * events to answers. The worker publishes before it answers, so an event may
 * arrive before its help's answer: such an event counts with latency 0 and
 * is counted apart ("before the answer"). Per change, the spread from its
 * first to its last subscriber's event is the fan-out time.
 *
 * Inputs: -S FILE, one subscriber stream per line, "BARGAIN_ID<TAB>PATH"
 * (subscriber i takes line i mod lines); -H FILE, the helps, in helpgen.c's
 * format ("POST /path<TAB>Header: value..."), request k is line k, each sent
 * once. Bounded: N <= LIVEWATCH_SUBSCRIBERS_MAX, the run lasts the
 * subscribe phase (at most -T s), the help phase (-d s) and a drain (-w s).
 *
 * Usage: livewatch -p PORT [-S FILE -n SUBSCRIBERS] [-O OPEN_PER_S]
 *                  [-T OPEN_TIMEOUT_S] -H FILE -r RATE -d SECONDS
 *                  [-c CONNECTIONS] [-w DRAIN_S]
 * Prints a human summary and one "RESULT key=value ..." line. Exit 0 when
 * the run happened (errors are results), 1 when it could not, 2 on usage. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LIVEWATCH_SUBSCRIBERS_MAX 20000
#define LIVEWATCH_CONNECTIONS_MAX 1024
#define LIVEWATCH_HELPS_MAX 2000000
#define LIVEWATCH_FILE_MAX (512L * 1024 * 1024)
#define LIVEWATCH_LINE_MAX 4096
#define LIVEWATCH_SUB_BUFFER (256 * 1024) /* one event of the owner's stream fits (its cut list) */
#define LIVEWATCH_HELP_BUFFER (64 * 1024)
#define LIVEWATCH_BUCKET_US 100            /* histogram resolution */
#define LIVEWATCH_BUCKETS 100000           /* 0 .. 10 s, then overflow */
#define LIVEWATCH_EVENTS 512
#define NS_PER_S 1000000000LL

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * NS_PER_S + t.tv_nsec;
}

static void die(const char *message)
{
	fprintf(stderr, "livewatch: %s\n", message);
	exit(1);
}

/* ------------------------------------------------------------ histogram */

struct histogram {
	uint64_t count, overflow;
	uint64_t buckets[LIVEWATCH_BUCKETS];
	int64_t max_ns;
};

static void histogram_add(struct histogram *h, int64_t ns)
{
	if (ns < 0)
		ns = 0;
	h->count++;
	if (ns > h->max_ns)
		h->max_ns = ns;
	int64_t bucket = ns / (LIVEWATCH_BUCKET_US * 1000);
	if (bucket >= LIVEWATCH_BUCKETS)
		h->overflow++;
	else
		h->buckets[bucket]++;
}

/* The q-quantile in ms (upper edge of its bucket); -1 when empty. */
static double histogram_ms(const struct histogram *h, double q)
{
	if (h->count == 0)
		return -1;
	uint64_t rank = (uint64_t)(q * (double)(h->count - 1)) + 1, seen = 0;
	for (int64_t b = 0; b < LIVEWATCH_BUCKETS; b++) {
		seen += h->buckets[b];
		if (seen >= rank)
			return (double)((b + 1) * LIVEWATCH_BUCKET_US) / 1000.0;
	}
	return (double)h->max_ns / 1e6;
}

/* ------------------------------------------------- changes: (id, helpers) */

struct change {
	uint64_t key;        /* 0: empty slot */
	int64_t answered_ns; /* 0: no answer yet */
	int64_t first_ns, last_ns;
	uint32_t early;      /* events before the answer */
	uint32_t events;
};

static struct change *changes;
static size_t change_mask;

static uint64_t change_key(int64_t bargain, int64_t helpers)
{
	return ((uint64_t)bargain << 24) ^ (uint64_t)helpers ^ (1ULL << 63);
}

static struct change *change_find(uint64_t key, bool add)
{
	size_t i = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 20) & change_mask;
	for (size_t probes = 0; probes <= change_mask; probes++, i = (i + 1) & change_mask) {
		if (changes[i].key == key)
			return &changes[i];
		if (changes[i].key == 0) {
			if (!add)
				return NULL;
			changes[i].key = key;
			return &changes[i];
		}
	}
	return NULL; /* full: cannot happen, the table has 4x the helps */
}

/* The first integer after "name": in text[0..length). */
static bool json_int_after(const char *text, size_t length, const char *name, int64_t *value)
{
	size_t name_length = strlen(name);
	for (size_t i = 0; i + name_length < length; i++) {
		if (memcmp(text + i, name, name_length) != 0)
			continue;
		char *end = NULL;
		char number[24];
		size_t n = 0;
		for (size_t j = i + name_length; j < length && n < sizeof(number) - 1 && (text[j] == '-' || (text[j] >= '0' && text[j] <= '9')); j++)
			number[n++] = text[j];
		number[n] = '\0';
		if (n == 0)
			return false;
		*value = strtoll(number, &end, 10);
		return true;
	}
	return false;
}

/* ------------------------------------------------------------- the state */

enum kind { SUBSCRIBER, HELPER };

struct conn {
	enum kind kind;
	int fd;
	int index;
	bool open;        /* SUBSCRIBER: got its 200; HELPER: connected */
	bool busy;        /* HELPER: a help in flight */
	int64_t help;     /* HELPER: which */
	int64_t bargain;  /* SUBSCRIBER: its bargain */
	char *out;        /* bytes to send */
	size_t out_length, out_sent;
	char *in;
	size_t in_length, in_capacity;
	bool head_done;
	size_t body_expected;
};

static struct {
	struct sockaddr_in address;
	int epoll_fd;
	struct conn *subscribers, *helpers;
	int subscriber_count, helper_count;
	char **help_lines;
	size_t help_count;
	char **sub_paths;
	int64_t *sub_bargains;
	size_t sub_lines;
	/* results */
	int subscribed, refused, sub_closed;
	uint64_t sent, answered, bad_status, help_errors;
	uint64_t events, matched, unmatched, early, bytes;
	struct histogram latency, fanout;
	int64_t help_t0, help_end;
} run;

static void watch(struct conn *conn, uint32_t events, int op)
{
	struct epoll_event event = { .events = events, .data.ptr = conn };
	if (epoll_ctl(run.epoll_fd, op, conn->fd, &event) != 0 && op != EPOLL_CTL_DEL)
		die("epoll_ctl failed");
}

static int connect_nonblocking(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&run.address, sizeof(run.address)) != 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static void buffer_reserve(struct conn *conn, size_t capacity)
{
	if (conn->in_capacity >= capacity)
		return;
	conn->in = realloc(conn->in, capacity);
	if (conn->in == NULL)
		die("out of memory");
	conn->in_capacity = capacity;
}

static void subscriber_start(struct conn *conn, int i)
{
	size_t line = (size_t)i % run.sub_lines;
	conn->kind = SUBSCRIBER;
	conn->index = i;
	conn->bargain = run.sub_bargains[line];
	conn->fd = connect_nonblocking();
	if (conn->fd < 0) {
		run.refused++;
		return;
	}
	char request[LIVEWATCH_LINE_MAX + 256];
	int length = snprintf(request, sizeof(request),
			      "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
			      "Cache-Control: no-cache\r\nX-Forwarded-For: 10.%d.%d.%d\r\n\r\n",
			      run.sub_paths[line], (i >> 16) & 255, (i >> 8) & 255, (i & 255) | 1);
	conn->out = strndup(request, (size_t)length);
	conn->out_length = (size_t)length;
	buffer_reserve(conn, LIVEWATCH_SUB_BUFFER);
	watch(conn, EPOLLIN | EPOLLOUT, EPOLL_CTL_ADD);
}

static void conn_close(struct conn *conn)
{
	if (conn->fd >= 0) {
		epoll_ctl(run.epoll_fd, EPOLL_CTL_DEL, conn->fd, NULL);
		close(conn->fd);
	}
	conn->fd = -1;
}

/* Sends what is pending; false on a dead socket. */
static bool conn_flush(struct conn *conn)
{
	while (conn->out_sent < conn->out_length) {
		ssize_t n = send(conn->fd, conn->out + conn->out_sent, conn->out_length - conn->out_sent, MSG_NOSIGNAL);
		if (n > 0) {
			conn->out_sent += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINPROGRESS || errno == ENOTCONN))
			return true;
		return false;
	}
	watch(conn, EPOLLIN, EPOLL_CTL_MOD);
	return true;
}

static void event_seen(struct conn *conn, const char *data, size_t length, int64_t at)
{
	int64_t bargain = 0, helpers = 0;
	if (!json_int_after(data, length, "\"id\":", &bargain) || !json_int_after(data, length, "\"helpers\":", &helpers))
		return; /* a ping */
	(void)conn;
	run.events++;
	/* The change may not be answered yet: its help's answer leaves after the publish. */
	struct change *change = change_find(change_key(bargain, helpers), true);
	if (change == NULL)
		die("the change table is full");
	if (change->first_ns == 0 || at < change->first_ns)
		change->first_ns = at;
	if (at > change->last_ns)
		change->last_ns = at;
	change->events++;
	if (change->answered_ns == 0)
		change->early++; /* counted at 0 ms when the answer comes */
	else
		histogram_add(&run.latency, at - change->answered_ns);
}

/* Reads a subscriber: its answer head, then events ("\n\n"-terminated). */
static void subscriber_read(struct conn *conn)
{
	for (;;) {
		if (conn->in_length == conn->in_capacity) {
			conn->in_length = 0; /* an event larger than the buffer: dropped, counted below */
			run.unmatched++;
		}
		ssize_t n = recv(conn->fd, conn->in + conn->in_length, conn->in_capacity - conn->in_length, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			if (conn->open)
				run.sub_closed++;
			else
				run.refused++;
			conn_close(conn);
			return;
		}
		if (n < 0)
			return;
		run.bytes += (uint64_t)n;
		conn->in_length += (size_t)n;
		int64_t at = now_ns();
		if (!conn->head_done) {
			char *end = memmem(conn->in, conn->in_length, "\r\n\r\n", 4);
			if (end == NULL)
				continue;
			if (conn->in_length < 12 || memcmp(conn->in + 9, "200", 3) != 0) {
				run.refused++;
				conn_close(conn);
				return;
			}
			conn->head_done = true;
			conn->open = true;
			run.subscribed++;
			size_t used = (size_t)(end + 4 - conn->in);
			memmove(conn->in, conn->in + used, conn->in_length - used);
			conn->in_length -= used;
		}
		/* nchan's event stream: lines, an event ends with an empty line. */
		size_t start = 0;
		for (;;) {
			char *end = memmem(conn->in + start, conn->in_length - start, "\n\n", 2);
			if (end == NULL)
				break;
			size_t stop = (size_t)(end - conn->in);
			char *data = memmem(conn->in + start, stop - start, "data: ", 6);
			if (data != NULL)
				event_seen(conn, data + 6, (size_t)(conn->in + stop - (data + 6)), at);
			start = stop + 2;
		}
		memmove(conn->in, conn->in + start, conn->in_length - start);
		conn->in_length -= start;
	}
}

/* ---------------------------------------------------------------- helps */

/* Turns line k of the help list into an HTTP/1.1 request in conn->out. */
static void help_request(struct conn *conn, size_t k)
{
	const char *line = run.help_lines[k];
	char method[16], path[LIVEWATCH_LINE_MAX];
	const char *tab = strchr(line, '\t');
	size_t first = tab ? (size_t)(tab - line) : strlen(line);
	if (first >= sizeof(path) || sscanf(line, "%15s %4095s", method, path) != 2)
		die("a help line is malformed");
	char request[LIVEWATCH_LINE_MAX * 2];
	size_t used = (size_t)snprintf(request, sizeof(request), "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", method, path);
	const char *body = NULL;
	for (const char *field = tab; field != NULL && *field;) {
		field++;
		const char *next = strchr(field, '\t');
		size_t length = next ? (size_t)(next - field) : strlen(field);
		if (length > 0 && field[0] == '{')
			body = field;
		else if (length > 0 && used + length + 2 < sizeof(request))
			used += (size_t)snprintf(request + used, sizeof(request) - used, "%.*s\r\n", (int)length, field);
		field = next;
	}
	size_t body_length = body ? strcspn(body, "\t") : 0;
	used += (size_t)snprintf(request + used, sizeof(request) - used, "Content-Length: %zu\r\n\r\n%.*s", body_length,
				 (int)body_length, body ? body : "");
	free(conn->out);
	conn->out = strndup(request, used);
	conn->out_length = used;
	conn->out_sent = 0;
	conn->busy = true;
	conn->help = (int64_t)k;
	conn->in_length = 0;
	conn->head_done = false;
	run.sent++;
	watch(conn, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
}

static void helper_connect(struct conn *conn, int i)
{
	conn->kind = HELPER;
	conn->index = i;
	conn->fd = connect_nonblocking();
	if (conn->fd < 0)
		die("cannot connect a help connection");
	buffer_reserve(conn, LIVEWATCH_HELP_BUFFER);
	conn->open = true;
	watch(conn, EPOLLIN, EPOLL_CTL_ADD);
}

static void help_answered(struct conn *conn, int64_t at)
{
	conn->busy = false;
	run.answered++;
	int status = conn->in_length > 12 ? atoi(conn->in + 9) : 0;
	if (status != 200) {
		run.bad_status++;
		return;
	}
	char *body = memmem(conn->in, conn->in_length, "\r\n\r\n", 4);
	char *bargain = body ? memmem(body, conn->in_length - (size_t)(body - conn->in), "\"bargain\":", 10) : NULL;
	int64_t id = 0, helpers = 0;
	size_t rest = bargain ? conn->in_length - (size_t)(bargain - conn->in) : 0;
	if (bargain == NULL || !json_int_after(bargain, rest, "\"id\":", &id) ||
	    !json_int_after(bargain, rest, "\"helpers\":", &helpers)) {
		run.help_errors++;
		return;
	}
	struct change *change = change_find(change_key(id, helpers), true);
	if (change == NULL)
		die("the change table is full");
	change->answered_ns = at;
	run.latency.count += change->early; /* the events that came before it: 0 ms */
	run.latency.buckets[0] += change->early;
}

/* Reads a help answer (Content-Length framed, keep-alive). */
static void helper_read(struct conn *conn)
{
	for (;;) {
		if (conn->in_length == conn->in_capacity)
			die("a help answer larger than the buffer");
		ssize_t n = recv(conn->fd, conn->in + conn->in_length, conn->in_capacity - conn->in_length, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			if (conn->busy)
				run.help_errors++;
			conn->busy = false;
			conn_close(conn);
			helper_connect(conn, conn->index); /* nginx closed a kept-alive connection */
			return;
		}
		if (n < 0)
			return;
		conn->in_length += (size_t)n;
		char *end = memmem(conn->in, conn->in_length, "\r\n\r\n", 4);
		if (end == NULL)
			continue;
		size_t head = (size_t)(end + 4 - conn->in);
		char *length = memmem(conn->in, head, "Content-Length: ", 16);
		if (length == NULL)
			length = memmem(conn->in, head, "content-length: ", 16);
		size_t body = length ? (size_t)atol(length + 16) : 0;
		if (conn->in_length < head + body)
			continue;
		help_answered(conn, now_ns());
		bool closing = memmem(conn->in, head, "Connection: close", 17) != NULL;
		conn->in_length = 0;
		if (closing) { /* nginx's keepalive_requests: a fresh connection */
			conn_close(conn);
			helper_connect(conn, conn->index);
		}
		return;
	}
}

/* ------------------------------------------------------------- the input */

static char *read_file(const char *path, size_t *size)
{
	FILE *file = fopen(path, "r");
	if (file == NULL)
		die("cannot open an input file");
	fseek(file, 0, SEEK_END);
	long length = ftell(file);
	if (length < 0 || length > LIVEWATCH_FILE_MAX)
		die("an input file is too large");
	fseek(file, 0, SEEK_SET);
	char *text = malloc((size_t)length + 1);
	if (text == NULL || fread(text, 1, (size_t)length, file) != (size_t)length)
		die("cannot read an input file");
	fclose(file);
	text[length] = '\0';
	*size = (size_t)length;
	return text;
}

/* Splits text into lines (in place); returns the count. */
static size_t split_lines(char *text, char ***lines, size_t max)
{
	size_t count = 0, capacity = 1024;
	*lines = malloc(capacity * sizeof(char *));
	for (char *line = strtok(text, "\n"); line != NULL && count < max; line = strtok(NULL, "\n")) {
		if (count == capacity) {
			capacity *= 2;
			*lines = realloc(*lines, capacity * sizeof(char *));
		}
		if (*lines == NULL)
			die("out of memory");
		(*lines)[count++] = line;
	}
	return count;
}

static void usage(void)
{
	fprintf(stderr, "usage: livewatch -p PORT [-S FILE -n SUBSCRIBERS] [-O OPEN_PER_S] [-T OPEN_TIMEOUT_S]\n"
			"                 -H FILE -r RATE -d SECONDS [-c CONNECTIONS] [-w DRAIN_S]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int port = 0, subscribers = 0, connections = 16, option;
	double rate = -1, duration = 0, drain = 3, open_rate = 1000, open_timeout = 60;
	const char *sub_file = NULL, *help_file = NULL;
	while ((option = getopt(argc, argv, "p:S:n:O:T:H:r:d:c:w:")) != -1) {
		switch (option) {
		case 'p': port = atoi(optarg); break;
		case 'S': sub_file = optarg; break;
		case 'n': subscribers = atoi(optarg); break;
		case 'O': open_rate = atof(optarg); break;
		case 'T': open_timeout = atof(optarg); break;
		case 'H': help_file = optarg; break;
		case 'r': rate = atof(optarg); break;
		case 'd': duration = atof(optarg); break;
		case 'c': connections = atoi(optarg); break;
		case 'w': drain = atof(optarg); break;
		default: usage();
		}
	}
	if (port < 1 || port > 65535 || help_file == NULL || rate < 0 || duration <= 0 || duration > 600 ||
	    subscribers < 0 || subscribers > LIVEWATCH_SUBSCRIBERS_MAX || (subscribers > 0 && sub_file == NULL) ||
	    connections < 1 || connections > LIVEWATCH_CONNECTIONS_MAX || open_rate <= 0 || drain < 0 || drain > 60 ||
	    open_timeout <= 0 || open_timeout > 600)
		usage();
	signal(SIGPIPE, SIG_IGN);
	struct rlimit files;
	getrlimit(RLIMIT_NOFILE, &files);
	rlim_t wanted = (rlim_t)subscribers + (rlim_t)connections + 64;
	if (files.rlim_cur < wanted) {
		files.rlim_cur = wanted < files.rlim_max ? wanted : files.rlim_max;
		setrlimit(RLIMIT_NOFILE, &files);
		if (files.rlim_cur < wanted)
			die("RLIMIT_NOFILE is too low for that many subscribers");
	}
	run.address.sin_family = AF_INET;
	run.address.sin_port = htons((uint16_t)port);
	run.address.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only */

	size_t size;
	char *helps = read_file(help_file, &size);
	run.help_count = split_lines(helps, &run.help_lines, LIVEWATCH_HELPS_MAX);
	if (run.help_count == 0)
		die("no helps in the list");
	size_t capacity = 1024;
	while (capacity < run.help_count * 4)
		capacity *= 2;
	changes = calloc(capacity, sizeof(*changes));
	change_mask = capacity - 1;
	if (subscribers > 0) {
		char *subs = read_file(sub_file, &size);
		char **lines;
		run.sub_lines = split_lines(subs, &lines, LIVEWATCH_SUBSCRIBERS_MAX);
		if (run.sub_lines == 0)
			die("no subscriber lines");
		run.sub_paths = malloc(run.sub_lines * sizeof(char *));
		run.sub_bargains = malloc(run.sub_lines * sizeof(int64_t));
		for (size_t i = 0; i < run.sub_lines; i++) {
			char *tab = strchr(lines[i], '\t');
			if (tab == NULL)
				die("a subscriber line lacks its tab");
			*tab = '\0';
			run.sub_bargains[i] = atoll(lines[i]);
			run.sub_paths[i] = tab + 1;
		}
	}
	run.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	run.subscribers = calloc((size_t)subscribers + 1, sizeof(struct conn));
	run.helpers = calloc((size_t)connections, sizeof(struct conn));
	run.subscriber_count = subscribers;
	run.helper_count = connections;
	struct epoll_event events[LIVEWATCH_EVENTS];

	/* Phase 1: the subscribers, at open_rate per second. */
	int64_t started = now_ns(), deadline = started + (int64_t)(open_timeout * NS_PER_S);
	int opened = 0;
	while (now_ns() < deadline && run.subscribed + run.refused < subscribers) {
		int64_t due = (int64_t)((double)(now_ns() - started) / NS_PER_S * open_rate) + 1;
		while (opened < subscribers && opened < due) {
			run.subscribers[opened].fd = -1;
			subscriber_start(&run.subscribers[opened], opened);
			opened++;
		}
		int ready = epoll_wait(run.epoll_fd, events, LIVEWATCH_EVENTS, 5);
		for (int e = 0; e < ready; e++) {
			struct conn *conn = events[e].data.ptr;
			if ((events[e].events & EPOLLOUT) && !conn_flush(conn)) {
				run.refused++;
				conn_close(conn);
				continue;
			}
			if (events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				subscriber_read(conn);
		}
	}
	double open_s = (double)(now_ns() - started) / NS_PER_S;
	printf("subscribers: %d open, %d refused or failed, of %d, in %.1f s\n", run.subscribed, run.refused, subscribers,
	       open_s);
	fflush(stdout);
	/* A file the script watches: the subscribers are up (nginx's memory is read now). */
	if (getenv("LIVEWATCH_READY_FILE") != NULL) {
		FILE *ready = fopen(getenv("LIVEWATCH_READY_FILE"), "w");
		if (ready != NULL)
			fclose(ready);
		usleep(1500000); /* the script reads nginx's memory meanwhile */
	}
	/* The channels' last messages arrive at subscribe time: read them off. */
	int64_t settle = now_ns() + NS_PER_S;
	while (now_ns() < settle) {
		int ready = epoll_wait(run.epoll_fd, events, LIVEWATCH_EVENTS, 10);
		for (int e = 0; e < ready; e++)
			subscriber_read(events[e].data.ptr);
	}
	/* Forget what came before the helps (states published earlier). */
	memset(changes, 0, (change_mask + 1) * sizeof(*changes));
	run.events = run.unmatched = 0;

	/* Phase 2: the helps. */
	for (int i = 0; i < connections; i++)
		helper_connect(&run.helpers[i], i);
	run.help_t0 = now_ns();
	int64_t help_stop = run.help_t0 + (int64_t)(duration * NS_PER_S);
	int64_t drain_stop = help_stop + (int64_t)(drain * NS_PER_S);
	size_t next = 0;
	uint64_t scheduled_total = rate > 0 ? (uint64_t)(rate * duration) : run.help_count;
	if (scheduled_total > run.help_count)
		scheduled_total = run.help_count;
	for (;;) {
		int64_t t = now_ns();
		if (t >= drain_stop)
			break;
		if (t < help_stop) {
			uint64_t due = rate > 0 ? (uint64_t)((double)(t - run.help_t0) / NS_PER_S * rate) + 1 : scheduled_total;
			for (int i = 0; i < connections && next < scheduled_total && next < due; i++) {
				struct conn *conn = &run.helpers[i];
				if (conn->fd >= 0 && !conn->busy)
					help_request(conn, next++);
			}
		} else if (run.help_end == 0) {
			run.help_end = t;
		}
		bool in_flight = false;
		for (int i = 0; i < connections; i++)
			in_flight |= run.helpers[i].busy;
		if (t >= help_stop && !in_flight && t >= help_stop + NS_PER_S)
			break; /* everything answered and a second for the last fan-outs */
		int ready = epoll_wait(run.epoll_fd, events, LIVEWATCH_EVENTS, 1);
		for (int e = 0; e < ready; e++) {
			struct conn *conn = events[e].data.ptr;
			if (conn->kind == SUBSCRIBER) {
				subscriber_read(conn);
				continue;
			}
			if ((events[e].events & EPOLLOUT) && !conn_flush(conn)) {
				run.help_errors++;
				conn->busy = false;
				conn_close(conn);
				helper_connect(conn, conn->index);
				continue;
			}
			if (events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				helper_read(conn);
		}
	}
	if (run.help_end == 0)
		run.help_end = now_ns();

	/* Fan-out per change, and the deliveries expected from the subscribers' bargains. */
	uint64_t expected = 0, changed = 0;
	for (size_t i = 0; i <= change_mask; i++) {
		if (changes[i].key == 0)
			continue;
		if (changes[i].answered_ns == 0) {
			run.unmatched += changes[i].events; /* its help was never answered */
			continue;
		}
		changed++;
		run.matched += changes[i].events;
		run.early += changes[i].early;
		int64_t bargain = (int64_t)((changes[i].key ^ (1ULL << 63)) >> 24);
		for (int s = 0; s < subscribers; s++)
			if (run.subscribers[s].open && run.subscribers[s].bargain == bargain)
				expected++;
		if (changes[i].events > 0)
			histogram_add(&run.fanout, changes[i].last_ns - changes[i].first_ns);
	}
	double help_s = (double)(run.help_end - run.help_t0) / NS_PER_S;
	printf("helps: %llu sent, %llu answered (%llu not 200, %llu errors) in %.1f s: %.0f/s\n",
	       (unsigned long long)run.sent, (unsigned long long)run.answered, (unsigned long long)run.bad_status,
	       (unsigned long long)run.help_errors, help_s, (double)run.answered / (help_s > 0 ? help_s : 1));
	printf("events: %llu matched of %llu expected (%llu before their help's answer), %llu other, %llu bytes; "
	       "%d streams closed\n",
	       (unsigned long long)run.matched, (unsigned long long)expected, (unsigned long long)run.early,
	       (unsigned long long)run.unmatched, (unsigned long long)run.bytes, run.sub_closed);
	printf("delivery after the help's answer: p50 %.1f ms, p90 %.1f, p99 %.1f, max %.1f\n",
	       histogram_ms(&run.latency, 0.5), histogram_ms(&run.latency, 0.9), histogram_ms(&run.latency, 0.99),
	       (double)run.latency.max_ns / 1e6);
	printf("fan-out (first to last subscriber of one change): p50 %.1f ms, p99 %.1f, max %.1f\n",
	       histogram_ms(&run.fanout, 0.5), histogram_ms(&run.fanout, 0.99), (double)run.fanout.max_ns / 1e6);
	printf("RESULT subscribers=%d refused=%d open_s=%.2f sent=%llu answered=%llu bad=%llu errors=%llu help_s=%.2f "
	       "help_rate=%.1f events=%llu expected=%llu early=%llu closed=%d p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f "
	       "max_ms=%.2f fanout_p99_ms=%.2f\n",
	       run.subscribed, run.refused, open_s, (unsigned long long)run.sent, (unsigned long long)run.answered,
	       (unsigned long long)run.bad_status, (unsigned long long)run.help_errors, help_s,
	       (double)run.answered / (help_s > 0 ? help_s : 1), (unsigned long long)run.matched,
	       (unsigned long long)expected, (unsigned long long)run.early, run.sub_closed,
	       histogram_ms(&run.latency, 0.5), histogram_ms(&run.latency, 0.9), histogram_ms(&run.latency, 0.99),
	       (double)run.latency.max_ns / 1e6, histogram_ms(&run.fanout, 0.99));
	return 0;
}
