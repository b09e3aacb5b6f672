/* bare_fcgi.c: the floor of the FastCGI path, for the benchmark
 * (tests/bench/run.sh, stage B).
 *
 * A responder that does nothing: the same process shape as the kanjiad pool
 * (a master forks N single-threaded workers that share one Unix socket,
 * mode 0660, backlog 1024) and the same accept loop as fcgi/server/worker.c
 * (FCGX_InitRequest with FCGI_FAIL_ACCEPT_ON_INTR, FCGX_Accept_r,
 * FCGX_Finish_r), answering every request with 200 and {"ok":true}. What
 * nginx plus this costs is what kanjiad cannot go below; GET /me over it is
 * what our own code (routing, JWT, two queries, JSON, logging) adds.
 *
 * Usage: bare_fcgi -s SOCKET -w WORKERS [-p PIDFILE] [-t MAX_SECONDS]
 * Runs in the foreground until SIGTERM or SIGINT, or MAX_SECONDS (default
 * 900) as a safety bound so a forgotten one never outlives the run; then
 * stops its workers and removes the socket and the pid file. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

#define BARE_BACKLOG 1024 /* as fcgi/server/pool.c */
#define BARE_WORKERS_MAX 256
#define BARE_MAX_SECONDS_DEFAULT 900

static const char bare_response[] =
	"Status: 200 OK\r\n"
	"Content-Type: application/json; charset=utf-8\r\n"
	"Cache-Control: no-store\r\n"
	"Content-Length: 11\r\n"
	"\r\n"
	"{\"ok\":true}";

static volatile sig_atomic_t stop_requested;

static void on_stop(int signal_number)
{
	(void)signal_number;
	stop_requested = 1;
}

/* Binds and listens on a fresh Unix socket at path, mode 0660; returns the
 * descriptor or -1 (message printed). Refuses to replace anything that is
 * not a socket. */
static int socket_open(const char *path)
{
	struct sockaddr_un address;
	memset(&address, 0, sizeof(address));
	address.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(address.sun_path)) {
		fprintf(stderr, "bare_fcgi: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(address.sun_path, path);
	struct stat info;
	if (lstat(path, &info) == 0) {
		if (!S_ISSOCK(info.st_mode)) {
			fprintf(stderr, "bare_fcgi: %s exists and is not a socket\n", path);
			return -1;
		}
		unlink(path);
	}
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("bare_fcgi: socket");
		return -1;
	}
	mode_t old_mask = umask(0117);
	int bound = bind(fd, (struct sockaddr *)&address, sizeof(address));
	umask(old_mask);
	if (bound != 0 || chmod(path, 0660) != 0 || listen(fd, BARE_BACKLOG) != 0) {
		fprintf(stderr, "bare_fcgi: %s: %s\n", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/* One worker: the accept loop of fcgi/server/worker.c with nothing in the middle. */
static int worker_run(int listen_fd)
{
	struct sigaction action;
	memset(&action, 0, sizeof(action));
	action.sa_handler = on_stop; /* no SA_RESTART: accept() returns on it */
	sigaction(SIGTERM, &action, NULL);
	sigaction(SIGINT, &action, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, SIG_DFL);
	alarm(0);

	if (FCGX_Init() != 0) {
		fprintf(stderr, "bare_fcgi: FCGX_Init failed\n");
		return 1;
	}
	FCGX_Request fcgx;
	FCGX_InitRequest(&fcgx, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR);
	while (!stop_requested) {
		if (FCGX_Accept_r(&fcgx) < 0) {
			if (stop_requested)
				break;
			if (errno == EINTR)
				continue;
			fprintf(stderr, "bare_fcgi: accept failed: %s\n", strerror(errno));
			break;
		}
		FCGX_PutStr(bare_response, (int)sizeof(bare_response) - 1, fcgx.out);
		FCGX_Finish_r(&fcgx);
	}
	FCGX_Free(&fcgx, 0);
	return 0;
}

/* Marks a reaped worker so that it is never signalled again. */
static void worker_forget(pid_t *workers, int count, pid_t gone)
{
	for (int i = 0; i < count; i++)
		if (workers[i] == gone)
			workers[i] = 0;
}

int main(int argc, char **argv)
{
	const char *socket_path = NULL, *pid_path = NULL;
	int worker_count = 0, max_seconds = BARE_MAX_SECONDS_DEFAULT, option;
	while ((option = getopt(argc, argv, "s:w:p:t:")) != -1) {
		switch (option) {
		case 's':
			socket_path = optarg;
			break;
		case 'w':
			worker_count = atoi(optarg);
			break;
		case 'p':
			pid_path = optarg;
			break;
		case 't':
			max_seconds = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (socket_path == NULL || worker_count < 1 || worker_count > BARE_WORKERS_MAX || max_seconds < 1 ||
	    optind != argc)
		goto usage;

	struct sigaction action;
	memset(&action, 0, sizeof(action));
	action.sa_handler = on_stop;
	sigaction(SIGTERM, &action, NULL);
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGALRM, &action, NULL);
	signal(SIGPIPE, SIG_IGN);

	int listen_fd = socket_open(socket_path);
	if (listen_fd < 0)
		return 1;
	if (pid_path != NULL) {
		FILE *file = fopen(pid_path, "w");
		if (file == NULL || fprintf(file, "%ld\n", (long)getpid()) < 0 || fclose(file) != 0) {
			fprintf(stderr, "bare_fcgi: cannot write %s\n", pid_path);
			unlink(socket_path);
			return 1;
		}
	}

	pid_t workers[BARE_WORKERS_MAX];
	int started = 0;
	for (; started < worker_count; started++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("bare_fcgi: fork");
			stop_requested = 1;
			break;
		}
		if (pid == 0)
			_exit(worker_run(listen_fd));
		workers[started] = pid;
	}
	alarm((unsigned)max_seconds);

	/* Wait for a stop; a worker that dies is reported, not replaced (a
	 * benchmark must not hide a crash). */
	int alive = started;
	while (!stop_requested && alive > 0) {
		int status;
		pid_t gone = waitpid(-1, &status, 0);
		if (gone > 0) {
			alive--;
			worker_forget(workers, started, gone);
			fprintf(stderr, "bare_fcgi: worker %ld exited (status %d)\n", (long)gone, status);
		}
	}
	close(listen_fd);
	unlink(socket_path);
	if (pid_path != NULL)
		unlink(pid_path);
	/* Workers blocked in accept() return on SIGTERM; then SIGKILL what is
	 * left after ~5 s. Only pids not yet reaped are signalled. */
	for (int i = 0; i < started; i++)
		if (workers[i] > 0)
			kill(workers[i], SIGTERM);
	for (int tries = 0; tries < 50 && alive > 0; tries++) {
		pid_t gone;
		while (alive > 0 && (gone = waitpid(-1, NULL, WNOHANG)) > 0) {
			alive--;
			worker_forget(workers, started, gone);
		}
		if (alive > 0)
			usleep(100 * 1000);
	}
	for (int i = 0; i < started; i++)
		if (workers[i] > 0) {
			kill(workers[i], SIGKILL);
			waitpid(workers[i], NULL, 0);
		}
	return 0;

usage:
	fprintf(stderr, "usage: bare_fcgi -s SOCKET -w WORKERS [-p PIDFILE] [-t MAX_SECONDS]\n");
	return 2;
}
