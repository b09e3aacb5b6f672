/* worker.h: one FastCGI worker process and its request pipeline. */
#ifndef KANJIA_WORKER_H
#define KANJIA_WORKER_H

struct config;
struct request;

/* Serves requests on listen_fd until SIGTERM or config->max_requests.
 * Single-threaded: owns one DB connection. Returns the process exit code. */
int worker_run(int listen_fd, const struct config *config);

/* The pipeline after the input is read: route, authenticate, validate,
 * handle. Returns the final status; the output side of request is filled. */
int worker_dispatch(struct request *request);

#endif
