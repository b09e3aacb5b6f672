/* benchdb.h: the shared part of the bench's C references (benchdb.c). */
#ifndef KANJIA_BENCHDB_H
#define KANJIA_BENCHDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mysql.h>

#define BENCH_TEXT_MAX 256
#define BENCH_COLUMNS_MAX 32
#define BENCH_LIST_MAX 10000000L
#define NS_PER_S 1000000000LL

/* The tool's name in messages ("helpref"); set by main. */
extern const char *bench_tool;

struct bench_db {
	char user[BENCH_TEXT_MAX], password[BENCH_TEXT_MAX], database[BENCH_TEXT_MAX];
	char socket[BENCH_TEXT_MAX]; /* set before bench_config_read to override db_socket */
};

int64_t bench_now_ns(void);
/* Reads the db_* keys of the pool's "key = value" config; 0 or -1. */
int bench_config_read(const char *path, struct bench_db *db);
/* Connects as fcgi/db/db.c does; NULL with error filled. */
MYSQL *bench_connect(const struct bench_db *db, char *error, size_t error_size);
MYSQL_STMT *bench_prepare(MYSQL *mysql, const char *sql, char *error, size_t error_size);
/* Executes stmt; rows fetched or affected rows, or -1 (error, *errno_out). */
long long bench_run(MYSQL_STMT *stmt, MYSQL_BIND *params, unsigned int *errno_out, char *error, size_t error_size);
unsigned int bench_query(MYSQL *mysql, const char *sql, char *error, size_t error_size);
/* Deadlock or lock wait timeout. */
bool bench_retryable(unsigned int error_number);
/* Reads one id a line from path into a malloc'd array; the count or -1. */
long bench_ids_read(const char *path, long long **out);
int bench_compare_int64(const void *a, const void *b);
double bench_percentile_ms(const int64_t *sorted, size_t count, double fraction);

#endif
