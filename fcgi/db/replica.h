/* replica.h: is the read replica fit to serve reads that may be stale?
 *
 * db_read() (db.h) sends the admin console's reads to a MariaDB replica
 * when db_read_host is set. Before it trusts the replica, a worker measures
 * it: SHOW REPLICA STATUS on the replica connection, at most once per
 * REPLICA_CHECK_INTERVAL_US. The replica is fresh when both replication
 * threads run and Seconds_Behind_Master is known and at most
 * db_read_max_lag_s; anything else (a thread stopped, the primary
 * unreachable from it, the lag unknown or past the bound, no replication
 * configured at all, no right to look) sends the reads to the primary.
 * Nothing is assumed: a replica whose state cannot be read is not used.
 *
 * The judgment is pure (replica_judge) so the unit tests cover every
 * case; replica_measure runs the statement and hands its columns over. */
#ifndef KANJIA_REPLICA_H
#define KANJIA_REPLICA_H

#include <stdint.h>

#include <mysql.h>

/* How often a worker measures its replica's lag, and how long it leaves a
 * replica it could not reach before trying again (so a replica that is
 * gone costs one failed connect per worker per interval, not one per
 * read). Monotonic microseconds. */
#define REPLICA_CHECK_INTERVAL_US 1000000
#define REPLICA_RETRY_INTERVAL_US 5000000

/* What a measure found. The order matters only for the names below. */
enum replica_verdict {
	REPLICA_FRESH = 0,        /* replicating, lag within the bound: reads go there */
	REPLICA_LAGGING,          /* replicating, but further behind than the bound */
	REPLICA_NOT_REPLICATING,  /* a thread stopped, the lag unknown, or not a replica */
	REPLICA_UNMEASURABLE,     /* SHOW REPLICA STATUS refused (the user lacks SLAVE MONITOR) */
	REPLICA_DOWN,             /* no connection to it */
};

/* A short name for logs and metrics: "fresh", "lagging", ... */
const char *replica_verdict_name(enum replica_verdict verdict);

/* Judges one row of SHOW REPLICA STATUS from its three columns, as text
 * (NULL for SQL NULL; a NULL io_running means there was no row: the server
 * replicates from nobody). *lag_s (OUT) receives Seconds_Behind_Master, or
 * -1 when it is not known. Pure. */
enum replica_verdict replica_judge(const char *io_running, const char *sql_running, const char *seconds_behind,
				   int64_t max_lag_s, int64_t *lag_s);

/* Runs SHOW REPLICA STATUS on mysql (the replica connection, outside any
 * transaction) and judges it against max_lag_s. *lag_s (OUT) as above.
 * When the statement fails: REPLICA_UNMEASURABLE, with the MariaDB error in
 * *error_number (OUT, else 0), so that the caller can tell a lost
 * connection from a refusal. */
enum replica_verdict replica_measure(MYSQL *mysql, int64_t max_lag_s, int64_t *lag_s, unsigned int *error_number);

#endif
