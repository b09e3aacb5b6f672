/* admin_password.h: the operator's way back into the console — `kanjiad
 * reset-admin-password NAME` sets a new password for an admin, ends the
 * admin's sessions, lifts a login lock and writes the change to the audit
 * log (admin_id NULL: an offline command, not a session). */
#ifndef KANJIA_ADMIN_PASSWORD_H
#define KANJIA_ADMIN_PASSWORD_H

#include <stddef.h>
#include <stdio.h>

struct config;

/* Reads a new password as one line from in (without echo and with a prompt
 * naming username when in is a terminal) into out[size]. Returns 0 when it
 * has ADMIN_PASSWORD_MIN to ADMIN_PASSWORD_MAX - 1 characters of valid text,
 * else -1 with the reason on stderr, prefixed by command. */
int admin_password_read(FILE *in, const char *command, const char *username, char *out, size_t size);

/* The reset-admin-password command. Returns the process exit code: 0 done,
 * 1 no such admin or the database failed, 2 bad input. */
int admin_reset_password_command(const struct config *config, const char *username, FILE *password_in);

#endif
