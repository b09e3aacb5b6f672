/* pool.c: socket, fork, restart, reload and drain. */
#include "server/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/endpoint.h"
#include "core/log.h"
#include "core/marks.h"
#include "core/version.h"
#include "ops/ops.h"
#include "ops/ops_routes.h"
#include "server/routes.h"
#include "server/worker.h"
#include "shopper/sms.h"

#define POOL_WORKERS_MAX 256
#define POOL_DRAIN_S 30
#define POOL_TICK_MS 200
/* A worker that dies this soon after starting waits before its restart, so
 * a crash at start-up does not spin. */
#define POOL_FAST_CRASH_S 1
/* How long a new master waits for the workers of a dead one to go. */
#define POOL_LOCK_WAIT_MS 5000

struct worker_slot {
	pid_t pid;
	int generation;
	int64_t started_at;
	int64_t restart_at; /* 0: not waiting */
};

/* The SMS sender: one process beside the workers, only when the configured
 * provider delivers messages itself. */
struct sender_slot {
	pid_t pid;
	int64_t started_at;
	int64_t restart_at; /* 0: not waiting */
};

struct pool {
	int listen_fd;
	int tcp_fd; /* listen_tcp's socket, -1: none */
	int generation;
	struct config *config;
	const char *config_path;
	struct worker_slot slots[POOL_WORKERS_MAX];
	pid_t draining[POOL_WORKERS_MAX * 4]; /* old generations still finishing */
	int draining_count;
	bool owns_config; /* the first config belongs to main() */
	sigset_t handled;
	pid_t master_pid;
	int lock_fd; /* the pool's lock, inherited by every worker */
	struct sender_slot sender; /* the SMS sender process (sms_sender.c) */
};

/* --------------------------------------------------------------- socket */

static int socket_open(const struct config *config)
{
	struct sockaddr_un address;
	memset(&address, 0, sizeof(address));
	address.sun_family = AF_UNIX;
	if (strlen(config->listen) >= sizeof(address.sun_path)) {
		log_error("pool: listen path too long");
		return -1;
	}
	strcpy(address.sun_path, config->listen);

	/* A socket file left by a crash is removed; one that answers belongs
	 * to a running pool, and two pools must not share it. */
	struct stat info;
	if (lstat(config->listen, &info) == 0) {
		if (!S_ISSOCK(info.st_mode)) {
			log_error("pool: %s exists and is not a socket", config->listen);
			return -1;
		}
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		bool in_use = probe >= 0 && connect(probe, (struct sockaddr *)&address, sizeof(address)) == 0;
		if (probe >= 0)
			close(probe);
		if (in_use) {
			log_error("pool: %s is in use by another process", config->listen);
			return -1;
		}
		unlink(config->listen);
	}

	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0) {
		log_error("pool: socket: %s", strerror(errno));
		return -1;
	}
	mode_t old_mask = umask(0117); /* born 0660: never a moment world-writable */
	int bound = bind(fd, (struct sockaddr *)&address, sizeof(address));
	umask(old_mask);
	if (bound != 0 || chmod(config->listen, 0660) != 0) {
		log_error("pool: bind %s: %s", config->listen, strerror(errno));
		close(fd);
		return -1;
	}
	if (config->listen_group[0] != '\0') {
		struct group *group = getgrnam(config->listen_group);
		if (group == NULL || chown(config->listen, (uid_t)-1, group->gr_gid) != 0) {
			log_error("pool: cannot give %s to group %s", config->listen, config->listen_group);
			close(fd);
			unlink(config->listen);
			return -1;
		}
	}
	if (listen(fd, (int)config->listen_backlog) != 0) {
		log_error("pool: listen: %s", strerror(errno));
		close(fd);
		unlink(config->listen);
		return -1;
	}
	return fd;
}

/* ---------------------------------------------------- one pool at a time */

/* The lock file beside the socket: <listen>.lock. The master takes it
 * before binding and every worker inherits the open file, so the lock is
 * held while any process of the pool lives. A new master started while a
 * dead master's workers still run (they go within a second: see
 * worker_bind_to_master) waits for them, then refuses to run beside them.
 * Returns the locked descriptor, or -1 (logged). */
static int pool_lock(const struct config *config)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s.lock", config->listen) >= sizeof(path)) {
		log_error("pool: lock path too long");
		return -1;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_error("pool: cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	for (int waited_ms = 0;; waited_ms += POOL_TICK_MS) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			log_error("pool: cannot lock %s: %s", path, strerror(errno));
			break;
		}
		if (waited_ms >= POOL_LOCK_WAIT_MS) {
			log_error("pool: %s is held by another kanjiad pool or by workers of one that died; "
				  "refusing to run beside them", path);
			break;
		}
		if (waited_ms == 0)
			log_warn("pool: %s is held (another pool, or workers of a dead one): waiting up to %d ms", path,
				 POOL_LOCK_WAIT_MS);
		struct timespec tick = { 0, POOL_TICK_MS * 1000000L };
		nanosleep(&tick, NULL);
	}
	close(fd);
	return -1;
}

/* In a new worker, before it serves: it dies with its master. The kernel
 * sends SIGTERM when the master ends (however it ends), the worker's loop
 * checks its parent on every wake (worker_run), and a master that died
 * before the signal was armed is caught here. Also attaches the worker to
 * its status slot. */
static void worker_bind_to_master(const struct pool *pool, int ops_slot)
{
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != pool->master_pid)
		_exit(1);
	ops_worker_attach(ops_slot);
}

static bool is_live_slot(const struct pool *pool, pid_t pid)
{
	for (int i = 0; i < POOL_WORKERS_MAX; i++)
		if (pool->slots[i].pid == pid)
			return true;
	return false;
}

/* Kills every worker that has run one request for longer than
 * request_timeout_s. The worker cannot be asked: it may be blocked in the
 * database. SIGKILL ends it; MariaDB rolls back its open transaction when
 * the connection dies; reap() starts a replacement. nginx's
 * fastcgi_read_timeout is set above the timeout, so nginx never gives up
 * on a request whose write may still commit. */
static void kill_overdue(struct pool *pool)
{
	if (ops_shared == NULL || pool->config->request_timeout_s <= 0)
		return;
	int64_t limit_us = pool->config->request_timeout_s * 1000000;
	int64_t now_us = clock_micros();
	for (int i = 0; i < ops_shared->slot_high; i++) {
		struct ops_worker *slot = &ops_shared->workers[i];
		int64_t since = __atomic_load_n(&slot->busy_since, __ATOMIC_ACQUIRE);
		pid_t pid = slot->pid;
		if (pid <= 0 || slot->timed_out || since == 0 || now_us - since <= limit_us ||
		    __atomic_load_n(&slot->state, __ATOMIC_ACQUIRE) != OPS_BUSY)
			continue;
		char statement[OPS_STATEMENT_SHOWN + 1];
		memcpy(statement, slot->statement, sizeof(statement));
		statement[OPS_STATEMENT_SHOWN] = '\0';
		char method[sizeof(slot->method)];
		memcpy(method, slot->method, sizeof(method));
		method[sizeof(method) - 1] = '\0';
		const struct route *route = ops_route_at(slot->route);
		slot->timed_out = 1;
		__atomic_fetch_add(&ops_shared->counters.timeouts, 1, __ATOMIC_RELAXED);
		kill(pid, SIGKILL);
		log_error("pool: worker %d killed: request %s %s ran %lld ms, past request_timeout_s (%lld s); "
			  "running: %s", (int)pid, route ? route->method : method, route ? route->pattern : "(not routed)",
			  (long long)((now_us - since) / 1000), (long long)pool->config->request_timeout_s,
			  statement[0] ? statement : "(no statement)");
	}
}

/* -------------------------------------------------------------- systemd */

/* True when the listening socket came from systemd (kanjiad.socket): it is
 * then systemd's to keep across restarts, never ours to unlink. */
static bool socket_passed;

/* The socket systemd passed (socket activation), if any. Returns the fd,
 * -1 when none was passed (the caller binds its own), -2 when what was
 * passed is not one listening Unix stream socket. LISTEN_FDS is cleared so
 * that nothing started later takes the socket for its own. */
static int socket_from_systemd(const struct config *config)
{
	int count = sd_listen_fds(1);
	if (count == 0)
		return -1;
	if (count < 0) {
		log_error("pool: the sockets systemd passed are unusable: %s", strerror(-count));
		return -2;
	}
	int fd = SD_LISTEN_FDS_START;
	if (count != 1 || sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0) {
		log_error("pool: systemd passed %d sockets; expected one listening Unix stream socket", count);
		return -2;
	}
	struct sockaddr_un address;
	socklen_t length = sizeof(address);
	memset(&address, 0, sizeof(address));
	if (getsockname(fd, (struct sockaddr *)&address, &length) == 0 && address.sun_path[0] != '\0' &&
	    strncmp(address.sun_path, config->listen, sizeof(address.sun_path)) != 0)
		log_warn("pool: serving the socket systemd passed, %s; listen (%s) is not used",
			 address.sun_path, config->listen);
	socket_passed = true;
	return fd;
}

/* The listening socket: systemd's when it passed one, else our own. */
static int socket_acquire(const struct config *config)
{
	int fd = socket_from_systemd(config);
	if (fd == -1)
		return socket_open(config);
	return fd < 0 ? -1 : fd;
}

/* Closes the listening socket; removes its file only if we made it. */
static void socket_release(int fd, const struct config *config)
{
	close(fd);
	if (!socket_passed)
		unlink(config->listen);
}

/* Tells systemd (Type=notify) what the master is doing: "ready" once the
 * socket accepts and the workers are forked, "reloading" and "stopping".
 * Without NOTIFY_SOCKET (not under systemd) this does nothing. */
enum systemd_state { SYSTEMD_READY, SYSTEMD_RELOADING, SYSTEMD_STOPPING };

static void systemd_tell(enum systemd_state state, const struct config *config)
{
	switch (state) {
	case SYSTEMD_READY:
		sd_notifyf(0, "READY=1\nSTATUS=serving with %lld workers\nMAINPID=%lu", (long long)config->workers,
			   (unsigned long)getpid());
		break;
	case SYSTEMD_RELOADING:
		sd_notify(0, "RELOADING=1\nSTATUS=reloading the config");
		break;
	case SYSTEMD_STOPPING:
		sd_notify(0, "STOPPING=1\nSTATUS=letting requests in flight finish");
		break;
	}
}

/* The TCP listener of listen_tcp, for nginx on other hosts (scale-out):
 * IPv4 only, since libfcgi checks the peer against listen_allow
 * (FCGI_WEB_SERVER_ADDRS, set by the worker) for IPv4 peers alone. Returns
 * the listening fd, -1 when listen_tcp is empty, -2 on failure (logged). */
static int tcp_socket_open(const struct config *config)
{
	if (config->listen_tcp[0] == '\0')
		return -1;
	struct endpoint endpoint;
	char why[300];
	if (endpoint_parse(config->listen_tcp, &endpoint, why, sizeof(why)) != 0) {
		log_error("pool: listen_tcp: %s", why);
		return -2;
	}
	struct sockaddr_in address;
	memset(&address, 0, sizeof(address));
	address.sin_family = AF_INET;
	address.sin_port = htons((uint16_t)endpoint.port);
	if (inet_pton(AF_INET, endpoint.host, &address.sin_addr) != 1) {
		log_error("pool: listen_tcp: %s is not an IPv4 address", endpoint.host);
		return -2;
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		log_error("pool: tcp socket: %s", strerror(errno));
		return -2;
	}
	int yes = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
	if (bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0 || listen(fd, (int)config->listen_backlog) != 0) {
		log_error("pool: listen on %s: %s", config->listen_tcp, strerror(errno));
		close(fd);
		return -2;
	}
	log_info("pool: also listening on %s for %s", config->listen_tcp, config->listen_allow);
	return fd;
}

/* Keeps the TCP listener of the running config across a reload: a new
 * address takes effect at the next restart, like listen. */
static void tcp_keep_on_reload(struct config *fresh, const struct config *running)
{
	if (strcmp(fresh->listen_tcp, running->listen_tcp) != 0)
		log_warn("pool: listen_tcp changed; it takes effect at the next restart, not on reload");
	free(fresh->listen_tcp);
	fresh->listen_tcp = strdup(running->listen_tcp);
	if (fresh->listen_tcp == NULL)
		abort();
	/* The listener stays until the restart: so does an allow-list for
	 * it, the running one if the new file has none. */
	if (fresh->listen_tcp[0] != '\0' && fresh->listen_allow[0] == '\0') {
		free(fresh->listen_allow);
		fresh->listen_allow = strdup(running->listen_allow);
		if (fresh->listen_allow == NULL)
			abort();
	}
}

/* -------------------------------------------------------------- workers */

static void worker_spawn(struct pool *pool, struct worker_slot *slot)
{
	int ops_slot = ops_slot_claim(pool->generation);
	pid_t pid = fork();
	if (pid < 0) {
		log_error("pool: fork: %s", strerror(errno));
		ops_slot_release(ops_slot);
		slot->pid = 0;
		slot->restart_at = clock_now() + POOL_FAST_CRASH_S;
		return;
	}
	if (pid == 0) {
		sigprocmask(SIG_UNBLOCK, &pool->handled, NULL);
		signal(SIGCHLD, SIG_DFL);
		worker_bind_to_master(pool, ops_slot);
		/* exit(), not _exit(): LeakSanitizer reports only at a normal exit */
		exit(worker_run(pool->listen_fd, pool->config));
	}
	ops_slot_started(ops_slot, pid);
	slot->pid = pid;
	slot->generation = pool->generation;
	slot->started_at = clock_now();
	slot->restart_at = 0;
}

/* ------------------------------------------------------- the SMS sender */

static bool sender_wanted(const struct pool *pool)
{
	const struct sms_provider *provider = sms_provider_find(pool->config->sms_provider);
	return provider != NULL && provider->deliver != NULL;
}

/* Starts the sender when the config wants one and none runs. */
static void sender_spawn(struct pool *pool)
{
	struct sender_slot *slot = &pool->sender;
	if (slot->pid != 0 || !sender_wanted(pool))
		return;
	pid_t pid = fork();
	if (pid < 0) {
		log_error("pool: fork of the sms sender: %s", strerror(errno));
		slot->restart_at = clock_now() + POOL_FAST_CRASH_S;
		return;
	}
	if (pid == 0) {
		sigprocmask(SIG_UNBLOCK, &pool->handled, NULL);
		signal(SIGCHLD, SIG_DFL);
		close(pool->listen_fd); /* it serves no requests */
		exit(sms_sender_run(pool->config));
	}
	slot->pid = pid;
	slot->started_at = clock_now();
	slot->restart_at = 0;
}

/* True when pid was the sender; restarts it like a worker (at once, or
 * after a pause when it died at start-up) unless the pool is stopping. */
static bool sender_reaped(struct pool *pool, pid_t pid, int wait_status, bool stopping)
{
	struct sender_slot *slot = &pool->sender;
	if (slot->pid == 0 || slot->pid != pid)
		return false;
	slot->pid = 0;
	if (stopping)
		return true;
	bool crashed_early = clock_now() - slot->started_at < POOL_FAST_CRASH_S &&
			     (WIFSIGNALED(wait_status) || WEXITSTATUS(wait_status) != 0);
	if (crashed_early)
		slot->restart_at = clock_now() + POOL_FAST_CRASH_S;
	else
		sender_spawn(pool);
	return true;
}

static void sender_restart_due(struct pool *pool)
{
	if (pool->sender.pid == 0 && pool->sender.restart_at != 0 && pool->sender.restart_at <= clock_now())
		sender_spawn(pool);
}

/* Asks the sender to finish its message and moves it to the draining list. */
static void sender_drain(struct pool *pool)
{
	struct sender_slot *slot = &pool->sender;
	if (slot->pid != 0) {
		kill(slot->pid, SIGTERM);
		if (pool->draining_count < (int)(sizeof(pool->draining) / sizeof(pool->draining[0])))
			pool->draining[pool->draining_count++] = slot->pid;
	}
	slot->pid = 0;
	slot->restart_at = 0;
}

static void reap(struct pool *pool, bool stopping)
{
	int wait_status;
	pid_t pid;
	while ((pid = waitpid(-1, &wait_status, WNOHANG)) > 0) {
		if (WIFSIGNALED(wait_status))
			log_warn("pool: worker %d killed by signal %d", (int)pid, WTERMSIG(wait_status));
		else if (WEXITSTATUS(wait_status) != 0)
			log_warn("pool: worker %d exited with %d", (int)pid, WEXITSTATUS(wait_status));
		ops_worker_ended(pid, !stopping && is_live_slot(pool, pid));
		for (int i = 0; i < pool->draining_count; i++) {
			if (pool->draining[i] == pid) {
				pool->draining[i] = pool->draining[--pool->draining_count];
				break;
			}
		}
		if (sender_reaped(pool, pid, wait_status, stopping))
			continue;
		for (int i = 0; i < POOL_WORKERS_MAX; i++) {
			struct worker_slot *slot = &pool->slots[i];
			if (slot->pid != pid)
				continue;
			slot->pid = 0;
			if (stopping)
				break;
			bool crashed_early = clock_now() - slot->started_at < POOL_FAST_CRASH_S &&
					     (WIFSIGNALED(wait_status) || WEXITSTATUS(wait_status) != 0);
			if (crashed_early)
				slot->restart_at = clock_now() + POOL_FAST_CRASH_S;
			else
				worker_spawn(pool, slot);
			break;
		}
	}
}

static void restart_due(struct pool *pool)
{
	int64_t now = clock_now();
	for (int i = 0; i < pool->config->workers; i++) {
		struct worker_slot *slot = &pool->slots[i];
		if (slot->pid == 0 && slot->restart_at != 0 && slot->restart_at <= now)
			worker_spawn(pool, slot);
	}
	sender_restart_due(pool);
}

/* Moves every live worker to the draining list and asks it to finish. */
static void drain_all(struct pool *pool)
{
	for (int i = 0; i < POOL_WORKERS_MAX; i++) {
		struct worker_slot *slot = &pool->slots[i];
		if (slot->pid != 0) {
			kill(slot->pid, SIGTERM);
			if (pool->draining_count < (int)(sizeof(pool->draining) / sizeof(pool->draining[0])))
				pool->draining[pool->draining_count++] = slot->pid;
		}
		slot->pid = 0;
		slot->restart_at = 0;
	}
	sender_drain(pool);
}

static void reload(struct pool *pool)
{
	struct config *fresh = calloc(1, sizeof(*fresh));
	if (fresh == NULL)
		abort();
	char error[512];
	if (config_load(fresh, pool->config_path, error, sizeof(error)) != 0) {
		log_error("pool: reload refused, keeping the running config: %s", error);
		config_free(fresh);
		free(fresh);
		return;
	}
	if (strcmp(fresh->listen, pool->config->listen) != 0)
		log_warn("pool: listen changed; it takes effect at the next restart, not on reload");
	free(fresh->listen);
	fresh->listen = strdup(pool->config->listen);
	if (fresh->listen == NULL)
		abort();
	tcp_keep_on_reload(fresh, pool->config);
	drain_all(pool);
	struct config *old = pool->config;
	pool->config = fresh;
	pool->generation++;
	log_threshold = (enum log_level)log_level_parse(fresh->log_level);
	ops_set_hash_cap(fresh->password_hash_concurrency);
	for (int i = 0; i < fresh->workers; i++)
		worker_spawn(pool, &pool->slots[i]);
	sender_spawn(pool);
	log_info("pool: config reloaded, %lld workers of generation %d", (long long)fresh->workers,
		 pool->generation);
	if (pool->owns_config) {
		config_free(old);
		free(old);
	}
	pool->owns_config = true;
}

static int live_count(const struct pool *pool)
{
	int count = pool->draining_count;
	for (int i = 0; i < POOL_WORKERS_MAX; i++)
		if (pool->slots[i].pid != 0)
			count++;
	return count;
}

/* Asks every worker to finish its request and waits; the signal is sent
 * again each tick since one that lands just before accept() is missed. */
static void stop_all(struct pool *pool)
{
	drain_all(pool);
	int64_t deadline = clock_now() + POOL_DRAIN_S;
	while (live_count(pool) > 0) {
		reap(pool, true);
		if (live_count(pool) == 0)
			break;
		bool late = clock_now() > deadline;
		if (late)
			log_warn("pool: %d workers still busy after %d s, killing them", live_count(pool), POOL_DRAIN_S);
		for (int i = 0; i < pool->draining_count; i++)
			kill(pool->draining[i], late ? SIGKILL : SIGTERM);
		struct timespec tick = { 0, POOL_TICK_MS * 1000000L };
		nanosleep(&tick, NULL);
	}
}

int pool_run(const char *config_path, struct config *config)
{
	struct pool *pool = calloc(1, sizeof(*pool));
	if (pool == NULL)
		abort();
	pool->config = config;
	pool->config_path = config_path;
	pool->generation = 1;
	log_threshold = (enum log_level)log_level_parse(config->log_level);

	sigemptyset(&pool->handled);
	sigaddset(&pool->handled, SIGCHLD);
	sigaddset(&pool->handled, SIGTERM);
	sigaddset(&pool->handled, SIGINT);
	sigaddset(&pool->handled, SIGHUP);
	sigprocmask(SIG_BLOCK, &pool->handled, NULL);
	signal(SIGPIPE, SIG_IGN);

	log_info("pool: kanjiad %s starting", version_text());
	worker_note_pool_start();
	pool->master_pid = getpid();
	pool->lock_fd = pool_lock(config);
	if (pool->lock_fd < 0 || ops_shared_create(config->password_hash_concurrency) != 0 ||
	    marks_share() != 0) {
		free(pool);
		return 1;
	}
	pool->listen_fd = socket_acquire(config);
	if (pool->listen_fd < 0) {
		free(pool);
		return 1;
	}
	pool->tcp_fd = tcp_socket_open(config);
	if (pool->tcp_fd == -2) {
		socket_release(pool->listen_fd, config);
		close(pool->lock_fd);
		free(pool);
		return 1;
	}
	worker_also_listen(pool->tcp_fd);
	for (int i = 0; i < config->workers; i++)
		worker_spawn(pool, &pool->slots[i]);
	sender_spawn(pool);
	log_info("pool: listening on %s with %lld workers", socket_passed ? "the socket systemd passed" : config->listen,
		 (long long)config->workers);
	systemd_tell(SYSTEMD_READY, config);

	bool running = true;
	while (running) {
		struct timespec tick = { 0, POOL_TICK_MS * 1000000L };
		siginfo_t info;
		int signal_number = sigtimedwait(&pool->handled, &info, &tick);
		switch (signal_number) {
		case SIGCHLD:
			break; /* reaped below */
		case SIGHUP:
			systemd_tell(SYSTEMD_RELOADING, pool->config);
			reload(pool);
			systemd_tell(SYSTEMD_READY, pool->config);
			break;
		case SIGTERM:
		case SIGINT:
			log_info("pool: stopping, letting requests in flight finish");
			systemd_tell(SYSTEMD_STOPPING, pool->config);
			running = false;
			break;
		default:
			break;
		}
		reap(pool, !running);
		kill_overdue(pool);
		if (running)
			restart_due(pool);
	}
	stop_all(pool);
	socket_release(pool->listen_fd, pool->config);
	if (pool->tcp_fd >= 0)
		close(pool->tcp_fd);
	close(pool->lock_fd);
	if (pool->owns_config) {
		config_free(pool->config);
		free(pool->config);
	}
	free(pool);
	log_info("pool: stopped");
	return 0;
}
