/* guard_row.c: reads a login guard's counter row (see guard_row.h). */
#include "db/guard_row.h"

#include <string.h>

#include "db/db.h"

int guard_row_read(struct unit *unit, const char *select_sql, const char *key, struct guard_row *row)
{
	memset(row, 0, sizeof(*row));
	struct db_rows rows;
	int result = db_exec(unit, &rows, select_sql, "s", key);
	if (result != DB_OK || rows.row_count != 1)
		return result;
	row->found = true;
	row->window_start = db_int(&rows, 0, 0);
	row->failures = db_int(&rows, 0, 1);
	row->locked_until = db_int(&rows, 0, 2);
	return DB_OK;
}
