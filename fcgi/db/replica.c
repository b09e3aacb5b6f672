/* replica.c: measuring the read replica (see replica.h). */
#include "db/replica.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <mysqld_error.h>

const char *replica_verdict_name(enum replica_verdict verdict)
{
	switch (verdict) {
	case REPLICA_FRESH:
		return "fresh";
	case REPLICA_LAGGING:
		return "lagging";
	case REPLICA_NOT_REPLICATING:
		return "not replicating";
	case REPLICA_UNMEASURABLE:
		return "unmeasurable";
	case REPLICA_DOWN:
		return "down";
	}
	return "unknown";
}

enum replica_verdict replica_judge(const char *io_running, const char *sql_running, const char *seconds_behind,
				   int64_t max_lag_s, int64_t *lag_s)
{
	*lag_s = -1;
	if (io_running == NULL)
		return REPLICA_NOT_REPLICATING; /* no row: it replicates from nobody */
	/* "Connecting" (the primary unreachable from it) or "No": what it holds
	 * may be old by any amount, and Seconds_Behind_Master cannot say. */
	if (strcmp(io_running, "Yes") != 0 || sql_running == NULL || strcmp(sql_running, "Yes") != 0)
		return REPLICA_NOT_REPLICATING;
	if (seconds_behind == NULL || !isdigit((unsigned char)seconds_behind[0]))
		return REPLICA_NOT_REPLICATING;
	char *end = NULL;
	errno = 0;
	long long seconds = strtoll(seconds_behind, &end, 10);
	if (errno != 0 || *end != '\0' || seconds < 0)
		return REPLICA_NOT_REPLICATING;
	*lag_s = (int64_t)seconds;
	return seconds <= max_lag_s ? REPLICA_FRESH : REPLICA_LAGGING;
}

/* The index of the first column named one of names, or -1. MariaDB names
 * them Slave_IO_Running and so on; MySQL 8 and perhaps later MariaDB say
 * Replica_ and Source: both are looked for. */
static int column_named(MYSQL_FIELD *fields, unsigned int count, const char *const *names)
{
	for (unsigned int c = 0; c < count; c++)
		for (const char *const *name = names; *name != NULL; name++)
			if (strcmp(fields[c].name, *name) == 0)
				return (int)c;
	return -1;
}

enum replica_verdict replica_measure(MYSQL *mysql, int64_t max_lag_s, int64_t *lag_s, unsigned int *error_number)
{
	static const char sql[] = "SHOW REPLICA STATUS";
	static const char *const io_names[] = { "Slave_IO_Running", "Replica_IO_Running", NULL };
	static const char *const sql_names[] = { "Slave_SQL_Running", "Replica_SQL_Running", NULL };
	static const char *const lag_names[] = { "Seconds_Behind_Master", "Seconds_Behind_Source", NULL };
	*lag_s = -1;
	*error_number = 0;
	if (mysql_real_query(mysql, sql, sizeof(sql) - 1) != 0) {
		*error_number = mysql_errno(mysql);
		return REPLICA_UNMEASURABLE;
	}
	MYSQL_RES *result = mysql_store_result(mysql);
	if (result == NULL) {
		*error_number = mysql_errno(mysql) != 0 ? mysql_errno(mysql) : ER_UNKNOWN_ERROR;
		return REPLICA_UNMEASURABLE;
	}
	unsigned int count = mysql_num_fields(result);
	MYSQL_FIELD *fields = mysql_fetch_fields(result);
	int io = column_named(fields, count, io_names);
	int applier = column_named(fields, count, sql_names);
	int lag = column_named(fields, count, lag_names);
	MYSQL_ROW row = mysql_fetch_row(result);
	enum replica_verdict verdict;
	if (row != NULL && (io < 0 || applier < 0 || lag < 0))
		verdict = REPLICA_UNMEASURABLE; /* a server that names them otherwise: never guess */
	else if (row == NULL)
		verdict = replica_judge(NULL, NULL, NULL, max_lag_s, lag_s);
	else
		verdict = replica_judge(row[io], row[applier], row[lag], max_lag_s, lag_s);
	mysql_free_result(result);
	return verdict;
}
