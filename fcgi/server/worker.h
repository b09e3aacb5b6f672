/* worker.h: one FastCGI worker process and its request pipeline. */
#ifndef KANJIA_WORKER_H
#define KANJIA_WORKER_H

struct config;
struct request;

/* Serves requests on listen_fd until SIGTERM or config->max_requests.
 * Single-threaded: owns one DB connection. Returns the process exit code. */
int worker_run(int listen_fd, const struct config *config);

/* A second listening socket (listen_tcp) the workers forked after this
 * call accept on beside listen_fd; -1: none. Connections on it from
 * addresses outside config->listen_allow are closed at accept. */
void worker_also_listen(int tcp_fd);
/* Notes the pool's start (the master calls it before forking workers):
 * requests handed over before it waited for a restart, and the queue
 * timeout (queue_timeout_ms) does not shed them. */
void worker_note_pool_start(void);

/* The pipeline after the input is read: route, authenticate, validate,
 * handle. Returns the final status; the output side of request is filled. */
int worker_dispatch(struct request *request);

#endif
