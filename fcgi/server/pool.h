/* pool.h: the master process, the php-fpm way.
 *
 * Takes the socket systemd passes (kanjiad.socket, sd_listen_fds) or else
 * binds the FastCGI Unix socket (mode 0660, group from the config), forks
 * config->workers single-threaded workers on it, restarts a dead worker at
 * once, reloads the config on SIGHUP (a new generation of workers starts,
 * the old one drains), and on SIGTERM or SIGINT lets in-flight requests
 * finish, then exits. Workers die with the master (parent-death signal);
 * a lock beside the socket keeps a second master from running beside them;
 * a worker past request_timeout_s is killed and replaced; the shared
 * counters and worker slots of /metrics and /status (ops/ops.h) are mapped
 * before the first fork. Under systemd (Type=notify) it reports READY=1
 * once the socket accepts and the workers are forked, RELOADING=1 and
 * STOPPING=1. */
#ifndef KANJIA_POOL_H
#define KANJIA_POOL_H

struct config;

/* Runs the master until it is told to stop. config is the loaded config;
 * config_path is read again on SIGHUP. Returns the process exit code. */
int pool_run(const char *config_path, struct config *config);

#endif
