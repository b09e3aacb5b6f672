/* worker.c: the FastCGI accept loop and the one straight request pipeline:
 * read -> route -> authenticate -> validate -> handle -> respond -> log.
 * Every early failure falls through to the single respond step. */
#include "server/worker.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <strings.h>
#include <time.h>

#include <fcgiapp.h>

#include "bargain/bargain.h"
#include "bargain/share_count.h"
#include "checkout/order.h"
#include "checkout/presale.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/marks.h"
#include "db/db.h"
#include "engagement/engagement.h"
#include "fraud/fraud_check.h"
#include "games/games.h"
#include "http/http.h"
#include "http/session.h"
#include "live/live.h"
#include "ops/ops.h"
#include "ops/ops_routes.h"
#include "server/routes.h"

#define REQUEST_ID_MAX 64
/* The longest a worker sleeps between checks that its master lives. */
#define WORKER_WAKE_MAX_MS 1000
/* Room for a slow request's statement list in its log line. */
#define SLOW_TRACE_MAX 1800

static volatile sig_atomic_t stop_requested;
static int tcp_listen_fd = -1;

void worker_also_listen(int tcp_fd)
{
	tcp_listen_fd = tcp_fd;
}

/* Adds the TCP listener to the worker's epoll set, non-blocking like the
 * Unix one, and hands libfcgi the allow-list: its accept closes a
 * connection from an IPv4 peer not in FCGI_WEB_SERVER_ADDRS (read once, by
 * FCGX_Init, so this runs before it). Returns 0 or -1 (logged). */
static int tcp_listen_prepare(int waiter, const struct config *config)
{
	if (tcp_listen_fd < 0) {
		unsetenv("FCGI_WEB_SERVER_ADDRS");
		return 0;
	}
	/* libfcgi reads an empty list as "anyone": never listen so. */
	if (config->listen_allow[0] == '\0') {
		log_error("worker: listen_tcp without listen_allow; not accepting on TCP");
		unsetenv("FCGI_WEB_SERVER_ADDRS");
		return 0;
	}
	if (setenv("FCGI_WEB_SERVER_ADDRS", config->listen_allow, 1) != 0)
		return -1;
	int flags = fcntl(tcp_listen_fd, F_GETFL);
	struct epoll_event interest = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = tcp_listen_fd };
	if (flags < 0 || fcntl(tcp_listen_fd, F_SETFL, flags | O_NONBLOCK) != 0 ||
	    epoll_ctl(waiter, EPOLL_CTL_ADD, tcp_listen_fd, &interest) != 0) {
		log_error("worker: cannot wait on the TCP listener: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void on_stop(int signal_number)
{
	(void)signal_number;
	stop_requested = 1;
}

/* Housekeeping between requests: close bargains past their window, forget
 * old anti-fraud records, cancel unpaid orders past their pay-by. Every
 * worker comes here on its own schedule; a named lock lets one of them do
 * the work. The sweep is a unit of work of its own, on the worker's arena
 * (reset afterwards) and connection. */
/* The share opens this worker gathered (bargain/share_count.h), written
 * when due, after the answer that noted the last one was sent; with force
 * (a graceful stop) whatever waits. A unit of its own, like the sweep. */
static void flush_opens(struct request *request, struct db *db, const struct config *config, bool force)
{
	if (share_count_pending() == 0 || (!force && !share_count_due(clock_micros())))
		return;
	struct unit unit = {
		.arena = &request->arena,
		.db = db,
		.config = config,
		.now = clock_now(),
	};
	share_count_flush(&unit);
	arena_reset(&request->arena);
}

static void sweep(struct request *request, struct db *db, const struct config *config)
{
	struct unit unit = {
		.arena = &request->arena,
		.db = db,
		.config = config,
		.now = clock_now(),
	};
	/* live_bargains_swept() publishes through the request slot's unit. */
	request->work = unit;
	if (bargain_sweep(&unit) > 0)
		live_bargains_swept(request); /* live: after the commit */
	fraud_sweep(&unit);
	/* an order timed out gives its coupons back, a forfeited deposit leaves
	 * the paid total: the shoppers' /me, whoever they are (not a landing) */
	if (order_sweep(&unit) > 0)
		marks_changed(MARK_SHOPPER, 0);
	if (presale_sweep(&unit) > 0) /* deposits whose final payment was missed */
		marks_changed(MARK_SHOPPER, 0);
	games_sweep(&unit);
	engagement_sweep(&unit); /* red packets past their end */
	marks_settle();
	arena_reset(&request->arena);
	struct arena keep = request->arena;
	memset(request, 0, sizeof(*request));
	request->arena = keep;
}

/* ------------------------------------------------------------ pipeline */

static bool content_type_is_json(const char *content_type)
{
	if (content_type == NULL)
		return false;
	size_t length = strlen("application/json");
	return strncasecmp(content_type, "application/json", length) == 0 &&
	       (content_type[length] == '\0' || content_type[length] == ';' || content_type[length] == ' ');
}

int worker_dispatch(struct request *request)
{
	int status = 0;
	const struct route *route = router_match(request, route_tables, route_table_count);
	if (route == NULL)
		return request->status;
	ops_request_routed(ops_route_index(route), request->method);
	if (route->auth != AUTH_NONE && (status = session_authenticate(request, route->auth, route->roles)) != 0)
		return status;
	/* A body is JSON or nothing; a route that declares no fields accepts
	 * only an empty body or {}. */
	static const struct field no_fields[] = { { .name = NULL } };
	bool raw = route->body == route_raw_body; /* a provider's notify: verified by its handler */
	if (!raw && request->body_size > 0 && !content_type_is_json(request->content_type))
		status = http_error(request, 415, "unsupported_media_type");
	else if (!raw && (route->body != NULL || request->body_size > 0))
		status = validate_body(request, route->body ? route->body : no_fields);
	if (status == 0)
		status = route->handler(request);
	/* a folded route's caller is confirmed before any answer leaves: a
	 * refused token is a 401 whatever its body, as on every other route */
	int refused = route->auth == AUTH_SHOPPER_FOLDED ? session_confirm_due(request) : 0;
	if (refused != 0)
		status = refused;
	/* what this pool keeps (core/marks.h): an admin's write may change
	 * anything (a campaign's window, an item's name, a member level), a
	 * shopper's write its own /me (a coupon claimed, an order, a check-in);
	 * what the request wrote is marked again now that its transactions are
	 * over, before its answer */
	if (strcmp(request->method, "GET") != 0 && strcmp(request->method, "HEAD") != 0) {
		if (route->auth == AUTH_ADMIN)
			marks_changed_all();
		else if (request->session.user_id != 0)
			marks_changed(MARK_SHOPPER, request->session.user_id);
	}
	marks_settle();
	if (status == 0 || status == DB_RETRY) {
		log_error("handler for %s returned no status", route->pattern);
		return http_error(request, 500, "internal_error");
	}
	return status;
}

/* --------------------------------------------------------------- input */

static const char *param(FCGX_Request *fcgx, const char *name)
{
	return FCGX_GetParam(name, fcgx->envp);
}

static bool request_id_shape(const char *id)
{
	size_t length = strlen(id);
	if (length == 0 || length > REQUEST_ID_MAX)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-'))
			return false;
	return true;
}

static const char *make_request_id(struct request *request)
{
	unsigned char random[16];
	crypto_random(random, sizeof(random));
	char *id = arena_alloc(&request->arena, sizeof(random) * 2 + 1);
	crypto_hex(random, sizeof(random), id);
	return id;
}

/* Fills the input side from FastCGI; returns 0 or an error status. */
static int read_request(struct request *request, FCGX_Request *fcgx)
{
	const char *request_id = param(fcgx, "REQUEST_ID");
	request->request_id = request_id && request_id_shape(request_id) ? request_id : make_request_id(request);
	request->work.request_id = request->request_id;
	log_set_request_id(request->request_id);

	request->method = param(fcgx, "REQUEST_METHOD");
	if (request->method == NULL)
		request->method = "GET";
	const char *uri = param(fcgx, "DOCUMENT_URI");
	if (uri == NULL)
		uri = param(fcgx, "REQUEST_URI");
	if (uri == NULL)
		uri = "/";
	size_t path_length = strcspn(uri, "?");
	if (path_length > HTTP_PATH_MAX)
		return http_error(request, 404, "not_found");
	request->path = arena_strndup(&request->arena, uri, path_length);
	request->query = param(fcgx, "QUERY_STRING");
	if (request->query != NULL && strlen(request->query) > HTTP_QUERY_MAX)
		return http_error(request, 400, "invalid_field");
	request->client_ip = param(fcgx, "REMOTE_ADDR");
	request->user_agent = param(fcgx, "HTTP_USER_AGENT");
	request->referer = param(fcgx, "HTTP_REFERER");
	char *device_id = arena_alloc(&request->arena, FRAUD_DEVICE_MAX + 1);
	fraud_device_id(param(fcgx, "HTTP_X_DEVICE_ID"), param(fcgx, "HTTP_COOKIE"), device_id);
	request->device_id = device_id;
	request->content_type = param(fcgx, "CONTENT_TYPE");
	request->authorization = param(fcgx, "HTTP_AUTHORIZATION");
	request->if_none_match = param(fcgx, "HTTP_IF_NONE_MATCH");
	request->idempotency_key = param(fcgx, "HTTP_IDEMPOTENCY_KEY");
	request->payment_signature = param(fcgx, "HTTP_X_SANDBOX_SIGNATURE");
	request->params = fcgx->envp;
	request->accept = param(fcgx, "HTTP_ACCEPT");

	const char *length_text = param(fcgx, "CONTENT_LENGTH");
	int64_t length = 0;
	if (length_text != NULL && length_text[0] != '\0') {
		char *end = NULL;
		errno = 0;
		length = strtoll(length_text, &end, 10);
		if (errno != 0 || *end != '\0' || length < 0)
			return http_error(request, 400, "invalid_json");
	}
	request->content_length = length;
	if (length > HTTP_BODY_MAX)
		return http_error(request, 413, "payload_too_large");
	if (length > 0) {
		char *body = arena_alloc(&request->arena, (size_t)length + 1);
		int got = FCGX_GetStr(body, (int)length, fcgx->in);
		if (got != length)
			return http_error(request, 400, "invalid_json");
		request->body = body;
		request->body_size = (size_t)length;
	}
	return 0;
}

/* ------------------------------------------------------------- output */

static bool has_header(const struct request *request, const char *name)
{
	for (const struct http_header *header = request->headers; header; header = header->next)
		if (strcasecmp(header->name, name) == 0)
			return true;
	return false;
}

static void write_response(struct request *request, FCGX_Request *fcgx)
{
	int status = request->status;
	const char *body = NULL;
	size_t body_size = 0;
	char *dumped = NULL;

	if (status == 204 || status == 304) {
		/* no body */
	} else if (request->raw_body != NULL) {
		body = request->raw_body;
		body_size = request->raw_body_size;
	} else {
		json_t *document = request->reply;
		if (request->error_code != NULL || document == NULL) {
			const char *code = request->error_code ? request->error_code : "internal_error";
			const char *message = request->error_message ? request->error_message : http_message_for(code);
			document = http_own(request, json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message));
		}
		dumped = json_dumps(document, JSON_COMPACT);
		if (dumped == NULL)
			abort();
		body = dumped;
		body_size = strlen(dumped);
	}

	FCGX_FPrintF(fcgx->out, "Status: %d %s\r\n", status, http_reason(status));
	FCGX_FPrintF(fcgx->out, "X-Request-Id: %s\r\n", request->request_id);
	FCGX_PutS("X-Content-Type-Options: nosniff\r\n", fcgx->out);
	if (!has_header(request, "Cache-Control"))
		FCGX_PutS("Cache-Control: no-store\r\n", fcgx->out);
	for (const struct http_header *header = request->headers; header; header = header->next)
		FCGX_FPrintF(fcgx->out, "%s: %s\r\n", header->name, header->value);
	if (body != NULL) {
		FCGX_FPrintF(fcgx->out, "Content-Type: %s\r\n",
			     request->reply_type ? request->reply_type : "application/json; charset=utf-8");
		/* libfcgi's printf knows no %zu */
		FCGX_FPrintF(fcgx->out, "Content-Length: %lu\r\n\r\n", (unsigned long)body_size);
		FCGX_PutStr(body, (int)body_size, fcgx->out);
	} else {
		FCGX_PutS("\r\n", fcgx->out);
	}
	free(dumped);
}

/* ------------------------------------------------------------- the loop */

/* True when the request waited for a worker longer than queue_timeout_ms
 * (nginx stamps REQUEST_START with $msec as it hands the request over): its
 * client has waited long enough, and the pool is behind; answering 503 at
 * once catches it up faster than doing work nobody may be waiting for. */
/* When the pool started (wall clock, seconds; the master sets it before its
 * first fork): a request nginx handed over before that waited for a
 * restart in the socket unit's backlog, not behind a busy pool, and is
 * answered, not shed. A reload keeps the master, and so this time. */
static double serving_since_s;

void worker_note_pool_start(void)
{
}

static bool queued_too_long(FCGX_Request *fcgx, const struct config *config)
{
	const char *stamp = param(fcgx, "REQUEST_START");
	if (config->queue_timeout_ms <= 0 || stamp == NULL)
		return false;
	char *end = NULL;
	double handed_over = strtod(stamp, &end);
	if (end == stamp || *end != '\0' || handed_over <= 0 || handed_over < serving_since_s)
		return false;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	double waited_ms = ((double)now.tv_sec + (double)now.tv_nsec / 1e9 - handed_over) * 1000.0;
	return waited_ms > (double)config->queue_timeout_ms;
}

/* A request slower than slow_request_ms: logged with its route and the
 * statements it ran, with their times (SQL text only, no values). */
static void log_slow(const struct request *request, int64_t micros)
{
	char statements[SLOW_TRACE_MAX];
	int count = ops_trace_format(statements, sizeof(statements));
	log_warn("slow request: %s %s answered %d after %lld ms; %d statements: %s", request->method,
		 request->route ? request->route->pattern : "(no route)", request->status, (long long)(micros / 1000),
		 count, count > 0 ? statements : "none");
}

static void handle(FCGX_Request *fcgx, struct request *request, struct db *db, const struct config *config)
{
	int64_t started = clock_micros();
	ops_request_begin();
	ops_trace_reset();
	request->work.arena = &request->arena;
	request->work.db = db;
	request->work.config = config;
	request->work.now = clock_now();
	int status = read_request(request, fcgx);
	if (status == 0 && queued_too_long(fcgx, config)) {
		ops_count_shed();
		http_header_add(request, "Retry-After", "1");
		status = http_error(request, 503, "unavailable");
	}
	if (status == 0)
		status = worker_dispatch(request);
	if (request->status == 0 || status != request->status)
		request->status = status;
	if (request->status < 100 || request->status > 599) {
		log_error("bad status %d", request->status);
		http_error(request, 500, "internal_error");
	}
	write_response(request, fcgx);
	int64_t micros = clock_micros() - started;
	bool slow = config->slow_request_ms > 0 && micros >= config->slow_request_ms * 1000;
	if (slow)
		log_slow(request, micros);
	ops_request_end(ops_route_index(request->route), request->status, micros, slow);
	log_request(request->method, request->route ? request->route->pattern : "-", request->status, micros);
	log_set_request_id(NULL);
	arena_reset(&request->arena);
	struct arena keep = request->arena;
	memset(request, 0, sizeof(*request));
	request->arena = keep;
}

int worker_run(int listen_fd, const struct config *config)
{
	log_threshold = (enum log_level)log_level_parse(config->log_level);
	clock_use_zone(config->timezone);
	struct timespec started;
	clock_gettime(CLOCK_REALTIME, &started);
	serving_since_s = (double)started.tv_sec + (double)started.tv_nsec / 1e9;
	session_configure(config);

	/* Signals are blocked except while the worker waits in epoll_pwait() for a
	 * connection: a request, from accept() through reading its head to the
	 * answer, never sees EINTR, and a stop that arrives mid-request is
	 * acted on as soon as the request is done. */
	struct sigaction action;
	memset(&action, 0, sizeof(action));
	action.sa_handler = on_stop;
	sigaction(SIGTERM, &action, NULL);
	sigaction(SIGINT, &action, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigset_t quiet, waiting;
	sigemptyset(&quiet);
	sigaddset(&quiet, SIGTERM);
	sigaddset(&quiet, SIGINT);
	sigprocmask(SIG_BLOCK, &quiet, &waiting);
	sigdelset(&waiting, SIGTERM);
	sigdelset(&waiting, SIGINT);

	int waiter = epoll_create1(EPOLL_CLOEXEC);
	if (waiter < 0 || tcp_listen_prepare(waiter, config) != 0)
		return 1;
	if (FCGX_Init() != 0) {
		log_error("worker: FCGX_Init failed");
		return 1;
	}
	/* Non-blocking: when several workers wake for one connection, the
	 * losers' accept() answers EAGAIN instead of blocking with signals
	 * masked. Accepted sockets do not inherit the flag. */
	int listen_flags = fcntl(listen_fd, F_GETFL);
	if (listen_flags < 0 || fcntl(listen_fd, F_SETFL, listen_flags | O_NONBLOCK) != 0) {
		log_error("worker: cannot make the listening socket non-blocking: %s", strerror(errno));
		return 1;
	}
	/* EPOLLEXCLUSIVE: a new connection wakes one idle worker, not all of
	 * them (a plain poll() on a shared listening socket is a thundering
	 * herd: every worker woke, one accepted, the rest spun back). */
	struct epoll_event interest = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = listen_fd };
	if (epoll_ctl(waiter, EPOLL_CTL_ADD, listen_fd, &interest) != 0) {
		log_error("worker: cannot wait on the listening socket: %s", strerror(errno));
		return 1;
	}
	struct db db;
	memset(&db, 0, sizeof(db));
	if (db_connect(&db, config) != 0)
		log_warn("worker: database not reachable yet; requests answer 503 until it is");

	FCGX_Request fcgx;
	FCGX_InitRequest(&fcgx, listen_fd, 0);
	struct request request;
	memset(&request, 0, sizeof(request));
	arena_init(&request.arena);

	/* The master armed a parent-death signal; a changed parent is the
	 * check that needs no signal (pool.c, worker_bind_to_master). */
	pid_t master = getppid();
	int64_t served = 0;
	int64_t next_sweep = clock_micros() + config->sweep_interval_s * 1000000;
	log_info("worker: started");
	while (!stop_requested) {
		if (getppid() != master) {
			log_warn("worker: the master is gone; stopping");
			break;
		}
		int64_t now = clock_micros();
		if (now >= next_sweep) {
			sweep(&request, &db, config);
			next_sweep = now + config->sweep_interval_s * 1000000;
		}
		flush_opens(&request, &db, config, false);
		int64_t wait_ms = (next_sweep - now + 999) / 1000;
		if (wait_ms > WORKER_WAKE_MAX_MS)
			wait_ms = WORKER_WAKE_MAX_MS;
		int64_t opens_due_ms = share_count_wait_ms(clock_micros());
		if (opens_due_ms >= 0 && opens_due_ms < wait_ms)
			wait_ms = opens_due_ms;
		struct epoll_event event;
		int ready = epoll_pwait(waiter, &event, 1, (int)wait_ms, &waiting);
		if (ready <= 0) {
			if (ready < 0 && errno != EINTR) {
				log_error("worker: epoll_pwait failed: %s", strerror(errno));
				break;
			}
			continue; /* a signal or the sweep's turn */
		}
		fcgx.listen_sock = event.data.fd; /* the Unix socket or listen_tcp's */
		if (FCGX_Accept_r(&fcgx) < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED)
				continue; /* another worker took it */
			log_error("worker: accept failed: %s", strerror(errno));
			break;
		}
		handle(&fcgx, &request, &db, config);
		FCGX_Finish_r(&fcgx);
		ops_request_idle();
		served++;
		if (config->max_requests > 0 && served >= config->max_requests) {
			log_info("worker: recycling after %lld requests", (long long)served);
			break;
		}
	}
	flush_opens(&request, &db, config, true); /* a graceful stop loses no open */
	FCGX_Free(&fcgx, 0);
	close(waiter);
	arena_destroy(&request.arena);
	db_close(&db);
	log_info("worker: stopped after %lld requests", (long long)served);
	return 0;
}
