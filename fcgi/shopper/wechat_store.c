/* wechat_store.c: the SQL of wechat_binding (wechat_store.h). */
#include "shopper/wechat_store.h"

#include <string.h>

#include "db/db.h"

static const char *const sql_bound =
	"SELECT s.id, s.phone, s.token_version, s.blocked FROM wechat_binding b JOIN shopper s ON s.id = b.user_id "
	"WHERE b.openid = ?";
static const char *const sql_unbind_user = "DELETE FROM wechat_binding WHERE user_id = ? AND openid <> ?";
static const char *const sql_bind =
	"INSERT INTO wechat_binding (openid, user_id, created_at) VALUES (?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01')) "
	"ON DUPLICATE KEY UPDATE user_id = VALUES(user_id), created_at = VALUES(created_at)";

int wechat_bound_read(struct unit *unit, const char *openid, struct wechat_bound *bound)
{
	struct db_rows rows;
	memset(bound, 0, sizeof(*bound));
	int result = db_exec(unit, &rows, sql_bound, "s", openid);
	if (result != DB_OK || rows.row_count != 1)
		return result;
	bound->found = true;
	bound->user_id = db_int(&rows, 0, 0);
	bound->phone = db_text(&rows, 0, 1);
	bound->token_version = db_int(&rows, 0, 2);
	bound->blocked = db_int(&rows, 0, 3) != 0;
	return DB_OK;
}

int wechat_bind_write(struct unit *unit, const char *openid, int64_t user_id)
{
	int result = db_exec(unit, NULL, sql_unbind_user, "is", user_id, openid);
	if (result == DB_OK)
		result = db_exec(unit, NULL, sql_bind, "sii", openid, user_id, unit->now);
	return result;
}
