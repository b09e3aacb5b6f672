/* share_store.c: share_domain and wechat_credential. */
#include "share/share_store.h"

#include <stdio.h>
#include <string.h>

#define DOMAIN_COLUMNS                                                                                         \
	"id, host, active, blocked, COALESCE(TIMESTAMPDIFF(SECOND, '1970-01-01', blocked_at), 0), TIMESTAMPDIFF(SECOND, '1970-01-01', created_at), " \
	"TIMESTAMPDIFF(SECOND, '1970-01-01', updated_at)"

static const char *const sql_list = "SELECT " DOMAIN_COLUMNS " FROM share_domain ORDER BY id LIMIT ?";
static const char *const sql_get = "SELECT " DOMAIN_COLUMNS " FROM share_domain WHERE id = ?";
static const char *const sql_by_host = "SELECT " DOMAIN_COLUMNS " FROM share_domain WHERE host = ?";
static const char *const sql_current =
	"SELECT host FROM share_domain WHERE active = 1 AND blocked = 0 ORDER BY id LIMIT 1";
static const char *const sql_insert =
	"INSERT INTO share_domain (host, active, blocked, created_at, updated_at) "
	"VALUES (?, ?, 0, TIMESTAMPADD(SECOND, ?, '1970-01-01'), TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_update =
	"UPDATE share_domain SET host = ?, active = ?, "
	"blocked_at = CASE WHEN ? = 0 THEN NULL WHEN blocked = 0 THEN TIMESTAMPADD(SECOND, ?, '1970-01-01') ELSE blocked_at END, "
	"blocked = ?, updated_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE id = ?";
static const char *const sql_credential = "SELECT value, expires_at FROM wechat_credential WHERE name = ?";
static const char *const sql_credential_put =
	"INSERT INTO wechat_credential (name, value, expires_at) VALUES (?, ?, ?) "
	"ON DUPLICATE KEY UPDATE value = VALUES(value), expires_at = VALUES(expires_at)";
static const char *const sql_lock = "SELECT GET_LOCK('kanjia.wechat_credential', 5)";
static const char *const sql_unlock = "SELECT RELEASE_LOCK('kanjia.wechat_credential')";

static void domain_read(const struct db_rows *rows, int row, struct share_domain *domain)
{
	domain->id = db_int(rows, row, 0);
	domain->host = db_text(rows, row, 1);
	domain->active = db_int(rows, row, 2) != 0;
	domain->blocked = db_int(rows, row, 3) != 0;
	domain->blocked_at = db_int(rows, row, 4);
	domain->created_at = db_int(rows, row, 5);
	domain->updated_at = db_int(rows, row, 6);
}

int share_store_list(struct unit *unit, struct share_domain *domains, int *count)
{
	*count = 0;
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_list, "i", (int64_t)SHARE_DOMAINS_MAX);
	if (result != DB_OK)
		return result;
	for (int r = 0; r < rows.row_count; r++)
		domain_read(&rows, r, &domains[r]);
	*count = rows.row_count;
	return DB_OK;
}

static int one(struct unit *unit, const char *sql, const char *types, int64_t id, const char *host,
	       struct share_domain *domain, bool *found)
{
	*found = false;
	struct db_rows rows;
	int result = types[0] == 'i' ? db_exec(unit, &rows, sql, types, id) : db_exec(unit, &rows, sql, types, host);
	if (result == DB_OK && rows.row_count == 1) {
		domain_read(&rows, 0, domain);
		*found = true;
	}
	return result;
}

int share_store_get(struct unit *unit, int64_t id, struct share_domain *domain, bool *found)
{
	return one(unit, sql_get, "i", id, NULL, domain, found);
}

int share_store_by_host(struct unit *unit, const char *host, struct share_domain *domain, bool *found)
{
	return one(unit, sql_by_host, "s", 0, host, domain, found);
}

int share_store_current(struct unit *unit, char *host, size_t size)
{
	host[0] = '\0';
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_current, "");
	if (result == DB_OK && rows.row_count == 1)
		snprintf(host, size, "%s", db_text(&rows, 0, 0));
	return result;
}

int share_store_insert(struct unit *unit, const char *host, bool active, int64_t *id)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_insert, "siii", host, (int64_t)active, unit->now, unit->now);
	*id = result == DB_OK ? (int64_t)rows.insert_id : 0;
	return result;
}

int share_store_update(struct unit *unit, int64_t id, const char *host, bool active, bool blocked)
{
	return db_exec(unit, NULL, sql_update, "siiiiii", host, (int64_t)active, (int64_t)blocked, unit->now,
		       (int64_t)blocked, unit->now, id);
}

int share_store_credential(struct unit *unit, const char *name, char *value, size_t size, int64_t *expires_at)
{
	value[0] = '\0';
	*expires_at = 0;
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_credential, "s", name);
	if (result == DB_OK && rows.row_count == 1) {
		snprintf(value, size, "%s", db_text(&rows, 0, 0));
		*expires_at = db_int(&rows, 0, 1);
	}
	return result;
}

int share_store_credential_put(struct unit *unit, const char *name, const char *value, int64_t expires_at)
{
	return db_exec(unit, NULL, sql_credential_put, "ssi", name, value, expires_at);
}

int share_store_lock(struct unit *unit, bool *held)
{
	*held = false;
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_lock, "");
	if (result == DB_OK && rows.row_count == 1 && !rows.cells[0].is_null)
		*held = db_int(&rows, 0, 0) == 1;
	return result;
}

int share_store_unlock(struct unit *unit)
{
	return db_exec(unit, NULL, sql_unlock, "");
}
