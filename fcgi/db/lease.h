/* lease.h: named locks that hold across database nodes.
 *
 * GET_LOCK is per server: Galera does not replicate it, so on a cluster two
 * nodes would each grant the same named lock. A lease is a row of
 * service_lease instead, taken by a conditional UPDATE (the row is free when
 * its lease has run out or the taker already holds it) and given back by
 * ending it now. Written rows replicate like any other, and two nodes that
 * take one lease at once conflict in certification: one wins, the other
 * sees the winner's row on its retry. A holder that dies loses the lease
 * when it runs out.
 *
 * The table is made by migrate itself (like schema_migration), since the
 * migration lock needs it before any numbered migration runs. */
#ifndef KANJIA_LEASE_H
#define KANJIA_LEASE_H

#include <stdbool.h>
#include <stddef.h>

#include <mysql.h>

struct unit;

#define LEASE_HOLDER_MAX 96

/* Lease names. */
#define LEASE_MIGRATE "migrate"
#define LEASE_BARGAIN_SWEEP "bargain_sweep"
#define LEASE_ORDER_SWEEP "order_sweep"

/* CREATE TABLE IF NOT EXISTS service_lease (...). */
extern const char lease_table_sql[];

/* This process's holder name: host name, pid and a random part, so a
 * restarted process on the same host never finds itself holding a lease. */
void lease_holder_name(char *out, size_t out_size);

/* Takes lease name for seconds on unit's connection (outside a
 * transaction). *taken is true if this process holds it now. Returns a
 * DB_* code. */
int lease_take(struct unit *unit, const char *name, int seconds, bool *taken);

/* Ends this process's lease name now, if it holds it. Returns a DB_* code. */
int lease_release(struct unit *unit, const char *name);

/* The same on a plain connection, for migrate: 1 taken, 0 held by
 * another (or lost to another node's take at the same moment: try again),
 * -1 on an error (lease_raw_error() says which). */
int lease_take_raw(MYSQL *mysql, const char *name, const char *holder, int seconds);
const char *lease_raw_error(void);
void lease_release_raw(MYSQL *mysql, const char *name, const char *holder);

#endif
