/* pool.h: the master process, the php-fpm way.
 *
 * Binds the FastCGI Unix socket (mode 0660, group from the config), forks
 * config->workers single-threaded workers on it, restarts a dead worker at
 * once, reloads the config on SIGHUP (a new generation of workers starts,
 * the old one drains), and on SIGTERM or SIGINT lets in-flight requests
 * finish, then exits. */
#ifndef KANJIA_POOL_H
#define KANJIA_POOL_H

struct config;

/* Runs the master until it is told to stop. config is the loaded config;
 * config_path is read again on SIGHUP. Returns the process exit code. */
int pool_run(const char *config_path, struct config *config);

#endif
