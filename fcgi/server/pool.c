/* pool.c: socket, fork, restart, reload and drain. */
#include "server/pool.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/log.h"
#include "server/worker.h"
#include "shopper/sms.h"

#define POOL_WORKERS_MAX 256
#define POOL_BACKLOG 1024
#define POOL_DRAIN_S 30
#define POOL_TICK_MS 200
/* A worker that dies this soon after starting waits before its restart, so
 * a crash at start-up does not spin. */
#define POOL_FAST_CRASH_S 1

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
	int generation;
	struct config *config;
	const char *config_path;
	struct worker_slot slots[POOL_WORKERS_MAX];
	pid_t draining[POOL_WORKERS_MAX * 4]; /* old generations still finishing */
	int draining_count;
	bool owns_config; /* the first config belongs to main() */
	sigset_t handled;
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
	if (listen(fd, POOL_BACKLOG) != 0) {
		log_error("pool: listen: %s", strerror(errno));
		close(fd);
		unlink(config->listen);
		return -1;
	}
	return fd;
}

/* -------------------------------------------------------------- workers */

static void worker_spawn(struct pool *pool, struct worker_slot *slot)
{
	pid_t pid = fork();
	if (pid < 0) {
		log_error("pool: fork: %s", strerror(errno));
		slot->pid = 0;
		slot->restart_at = clock_now() + POOL_FAST_CRASH_S;
		return;
	}
	if (pid == 0) {
		sigprocmask(SIG_UNBLOCK, &pool->handled, NULL);
		signal(SIGCHLD, SIG_DFL);
		/* exit(), not _exit(): LeakSanitizer reports only at a normal exit */
		exit(worker_run(pool->listen_fd, pool->config));
	}
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
	drain_all(pool);
	struct config *old = pool->config;
	pool->config = fresh;
	pool->generation++;
	log_threshold = (enum log_level)log_level_parse(fresh->log_level);
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

	pool->listen_fd = socket_open(config);
	if (pool->listen_fd < 0) {
		free(pool);
		return 1;
	}
	for (int i = 0; i < config->workers; i++)
		worker_spawn(pool, &pool->slots[i]);
	sender_spawn(pool);
	log_info("pool: listening on %s with %lld workers", config->listen, (long long)config->workers);

	bool running = true;
	while (running) {
		struct timespec tick = { 0, POOL_TICK_MS * 1000000L };
		siginfo_t info;
		int signal_number = sigtimedwait(&pool->handled, &info, &tick);
		switch (signal_number) {
		case SIGCHLD:
			break; /* reaped below */
		case SIGHUP:
			reload(pool);
			break;
		case SIGTERM:
		case SIGINT:
			log_info("pool: stopping, letting requests in flight finish");
			running = false;
			break;
		default:
			break;
		}
		reap(pool, !running);
		if (running)
			restart_due(pool);
	}
	stop_all(pool);
	close(pool->listen_fd);
	unlink(pool->config->listen);
	if (pool->owns_config) {
		config_free(pool->config);
		free(pool->config);
	}
	free(pool);
	log_info("pool: stopped");
	return 0;
}
