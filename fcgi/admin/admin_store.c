/* admin_store.c: the SQL of admin and admin_login_guard (admin_store.h). */
#include "admin/admin_store.h"

#include <string.h>

#include "core/arena.h"
#include "db/db.h"

static const char *const sql_admin_by_name =
	"SELECT id, password_hash, roles, token_version, disabled FROM admin WHERE username = ?";
static const char *const sql_admin_one =
	"SELECT id, username, roles, disabled, TIMESTAMPDIFF(SECOND, '1970-01-01', created_at), token_version FROM admin WHERE id = ?";
static const char *const sql_admins =
	"SELECT id, username, roles, disabled, TIMESTAMPDIFF(SECOND, '1970-01-01', created_at), token_version FROM admin ORDER BY id";
static const char *const sql_admin_insert =
	"INSERT INTO admin (username, password_hash, roles, created_at) VALUES (?, ?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_admin_change =
	"UPDATE admin SET roles = ?, disabled = ?, token_version = token_version + ? WHERE id = ?";

int admin_read_by_name(struct unit *unit, const char *username, struct admin_account *account, bool *found)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_admin_by_name, "s", username);
	*found = result == DB_OK && rows.row_count == 1;
	memset(account, 0, sizeof(*account));
	if (!*found)
		return result;
	account->id = db_int(&rows, 0, 0);
	account->username = username;
	account->password_hash = db_text(&rows, 0, 1);
	account->roles = db_text(&rows, 0, 2);
	account->token_version = db_int(&rows, 0, 3);
	account->disabled = db_int(&rows, 0, 4) != 0;
	return DB_OK;
}

static void account_from_row(const struct db_rows *rows, int r, struct admin_account *account)
{
	memset(account, 0, sizeof(*account));
	account->id = db_int(rows, r, 0);
	account->username = db_text(rows, r, 1);
	account->roles = db_text(rows, r, 2);
	account->disabled = db_int(rows, r, 3) != 0;
	account->created_at = db_null(rows, r, 4) ? 0 : db_int(rows, r, 4);
	account->token_version = db_int(rows, r, 5);
}

int admin_read(struct unit *unit, int64_t id, struct admin_account *account, bool *found)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_admin_one, "i", id);
	*found = result == DB_OK && rows.row_count == 1;
	if (*found)
		account_from_row(&rows, 0, account);
	return result;
}

int admin_list(struct unit *unit, struct admin_account **accounts, int *count)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_admins, "");
	*accounts = NULL;
	*count = 0;
	if (result != DB_OK)
		return result;
	*accounts = arena_alloc(unit->arena, sizeof(**accounts) * (size_t)(rows.row_count > 0 ? rows.row_count : 1));
	for (int r = 0; r < rows.row_count; r++)
		account_from_row(&rows, r, &(*accounts)[r]);
	*count = rows.row_count;
	return DB_OK;
}

int admin_insert(struct unit *unit, const char *username, const char *password_hash, const char *roles, int64_t *id)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_admin_insert, "sssi", username, password_hash, roles, unit->now);
	*id = result == DB_OK ? (int64_t)rows.insert_id : 0;
	return result;
}

int admin_update_access(struct unit *unit, int64_t id, const char *roles, bool disabled)
{
	return db_exec(unit, NULL, sql_admin_change, "siii", roles, (int64_t)disabled, (int64_t)1, id);
}

static const char *const sql_admin_lock_by_name =
	"SELECT id, username, roles, disabled, TIMESTAMPDIFF(SECOND, '1970-01-01', created_at), token_version FROM admin "
	"WHERE username = ? FOR UPDATE";
static const char *const sql_admin_set_password =
	"UPDATE admin SET password_hash = ?, token_version = token_version + 1 WHERE id = ?";

int admin_lock_by_name(struct unit *unit, const char *username, struct admin_account *account, bool *found)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_admin_lock_by_name, "s", username);
	if (result != DB_OK)
		return result;
	*found = rows.row_count == 1;
	if (*found)
		account_from_row(&rows, 0, account);
	return DB_OK;
}

int admin_set_password(struct unit *unit, int64_t id, const char *password_hash)
{
	return db_exec(unit, NULL, sql_admin_set_password, "si", password_hash, id);
}

/* ---------------------------------------------------- admin_login_guard */

static const char *const sql_admin_guard_lock =
	"SELECT window_start, failures, locked_until FROM admin_login_guard WHERE username = ? FOR UPDATE";
/* One failure, counted atomically: a new window starts when the old one is
 * over; locked_until is the wait the decision computed from the count it
 * read (under the row lock), so it is exact whenever the row existed.
 * Unknown names are counted too. */
static const char *const sql_admin_guard_fail =
	"INSERT INTO admin_login_guard (username, window_start, failures, locked_until) VALUES (?, ?, 1, ?) "
	"ON DUPLICATE KEY UPDATE "
	"failures = IF(window_start > ?, failures + 1, 1), "
	"window_start = IF(window_start > ?, window_start, VALUES(window_start)), "
	"locked_until = VALUES(locked_until)";
static const char *const sql_admin_guard_clear = "DELETE FROM admin_login_guard WHERE username = ?";

int admin_guard_read(struct unit *unit, const char *username, struct guard_row *guard)
{
	return guard_row_read(unit, sql_admin_guard_lock, username, guard);
}

int admin_guard_count_failure(struct unit *unit, const char *username, int64_t window_floor, int64_t locked_until)
{
	return db_exec(unit, NULL, sql_admin_guard_fail, "siiii", username, unit->now, locked_until, window_floor,
		       window_floor);
}

int admin_guard_clear(struct unit *unit, const char *username)
{
	return db_exec(unit, NULL, sql_admin_guard_clear, "s", username);
}
