/* shopper_store.c: the SQL of shopper, sms_code, sms_outbox, login_guard
 * login_source_guard and revoked_token (shopper_store.h). */
#include "shopper/shopper_store.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "checkout/promo_kinds_store.h"
#include "core/arena.h"
#include "core/marks.h"
#include "db/db.h"

/* ------------------------------------------------------------- sms_code */

static const char *const sql_codes_burn =
	"UPDATE sms_code SET used_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE phone = ? AND used_at IS NULL";
static const char *const sql_code_insert =
	"INSERT INTO sms_code (phone, code_digest, created_at, expires_at) "
	"VALUES (?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'), TIMESTAMPADD(SECOND, ?, '1970-01-01'))";
static const char *const sql_code_current =
	"SELECT id, code_digest, tries FROM sms_code "
	"WHERE phone = ? AND used_at IS NULL AND expires_at > TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"ORDER BY id DESC LIMIT 1 FOR UPDATE";
/* tries is assigned first: used_at sees the count including this try. */
static const char *const sql_code_wrong =
	"UPDATE sms_code SET tries = tries + 1, "
	"used_at = IF(tries >= ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'), used_at) WHERE id = ?";
static const char *const sql_code_spend =
	"UPDATE sms_code SET used_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE id = ? AND used_at IS NULL";

int sms_code_burn_all(struct unit *unit, const char *phone)
{
	return db_exec(unit, NULL, sql_codes_burn, "is", unit->now, phone);
}

int sms_code_add(struct unit *unit, const char *phone, const unsigned char digest[CRYPTO_HMAC_SIZE],
		 int64_t expires_at)
{
	return db_exec(unit, NULL, sql_code_insert, "sbii", phone, digest, (size_t)CRYPTO_HMAC_SIZE, unit->now,
		       expires_at);
}

int sms_code_current(struct unit *unit, const char *phone, struct sms_code_row *code)
{
	memset(code, 0, sizeof(*code));
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_code_current, "si", phone, unit->now);
	if (result != DB_OK || rows.row_count != 1)
		return result;
	code->found = true;
	code->id = db_int(&rows, 0, 0);
	code->tries = db_int(&rows, 0, 2);
	code->digest_ok = rows.cells[1].length == CRYPTO_HMAC_SIZE;
	if (code->digest_ok)
		memcpy(code->digest, db_text(&rows, 0, 1), CRYPTO_HMAC_SIZE);
	return DB_OK;
}

int sms_code_count_wrong(struct unit *unit, int64_t id, int64_t max_tries)
{
	return db_exec(unit, NULL, sql_code_wrong, "iii", max_tries, unit->now, id);
}

int sms_code_spend(struct unit *unit, int64_t id, bool *spent)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_code_spend, "ii", unit->now, id);
	*spent = result == DB_OK && rows.affected == 1;
	return result;
}

/* ----------------------------------------------------------- sms_outbox */

static const char *const sql_outbox_insert =
	"INSERT INTO sms_outbox (phone, body, created_at) VALUES (?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'))";

int sms_outbox_add(struct unit *unit, const char *phone, const char *body)
{
	return db_exec(unit, NULL, sql_outbox_insert, "ssi", phone, body, unit->now);
}

static const char *const sql_outbox_queue =
	"INSERT INTO sms_outbox (phone, body, created_at, provider, status, next_attempt_at) "
	"VALUES (?, ?, TIMESTAMPADD(SECOND, ?, '1970-01-01'), ?, 'pending', TIMESTAMPADD(SECOND, ?, '1970-01-01'))";

int sms_outbox_queue(struct unit *unit, const char *phone, const char *body, const char *provider)
{
	return db_exec(unit, NULL, sql_outbox_queue, "ssisi", phone, body, unit->now, provider, unit->now);
}

static const char *const sql_outbox_due =
	"SELECT id, phone, body, attempts, TIMESTAMPDIFF(SECOND, '1970-01-01', created_at) FROM sms_outbox "
	"WHERE status = 'pending' AND next_attempt_at <= TIMESTAMPADD(SECOND, ?, '1970-01-01') ORDER BY next_attempt_at, id LIMIT ?";
static const char *const sql_outbox_claim =
	"UPDATE sms_outbox SET attempts = attempts + 1, next_attempt_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') "
	"WHERE id = ? AND status = 'pending' AND attempts = ? AND next_attempt_at <= TIMESTAMPADD(SECOND, ?, '1970-01-01')";
static const char *const sql_outbox_expire =
	"UPDATE sms_outbox SET status = 'expired', provider_answer = 'code expired before delivery' "
	"WHERE id = ? AND status = 'pending'";
static const char *const sql_outbox_record =
	"UPDATE sms_outbox SET status = ?, next_attempt_at = TIMESTAMPADD(SECOND, ?, '1970-01-01'), sent_at = IF(? = 'sent', "
	"TIMESTAMPADD(SECOND, ?, '1970-01-01'), NULL), provider_ref = NULLIF(?, ''), provider_answer = ? WHERE id = ? AND status = 'pending'";

int sms_outbox_due_list(struct unit *unit, int limit, struct sms_outbox_due **due, int *count)
{
	*due = NULL;
	*count = 0;
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_outbox_due, "ii", unit->now, (int64_t)limit);
	if (result != DB_OK || rows.row_count == 0)
		return result;
	struct sms_outbox_due *list = arena_alloc(unit->arena, sizeof(*list) * (size_t)rows.row_count);
	for (int r = 0; r < rows.row_count; r++)
		list[r] = (struct sms_outbox_due){ .id = db_int(&rows, r, 0),
						   .phone = db_text(&rows, r, 1),
						   .body = db_text(&rows, r, 2),
						   .attempts = db_int(&rows, r, 3),
						   .created_at = db_int(&rows, r, 4) };
	*due = list;
	*count = rows.row_count;
	return DB_OK;
}

int sms_outbox_claim(struct unit *unit, const struct sms_outbox_due *message, int64_t lease_until,
		     bool *claimed)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_outbox_claim, "iiii", lease_until, message->id, message->attempts,
			     unit->now);
	*claimed = result == DB_OK && rows.affected == 1;
	return result;
}

int sms_outbox_expire(struct unit *unit, int64_t id)
{
	return db_exec(unit, NULL, sql_outbox_expire, "i", id);
}

int sms_outbox_record(struct unit *unit, int64_t id, const char *status, int64_t next_attempt_at, const char *ref,
		      const char *answer)
{
	return db_exec(unit, NULL, sql_outbox_record, "sisissi", status, next_attempt_at, status, unit->now, ref,
		       answer, id);
}

/* ---------------------------------------------------------- login_guard */

static const char *const sql_guard_lock =
	"SELECT window_start, failures, locked_until FROM login_guard WHERE phone = ? FOR UPDATE";
/* One failure, counted atomically: a new window starts when the old one is
 * over (failures is assigned before window_start, so both tests see the
 * stored window). */
static const char *const sql_guard_fail =
	"INSERT INTO login_guard (phone, window_start, failures, locked_until) VALUES (?, ?, 1, 0) "
	"ON DUPLICATE KEY UPDATE "
	"failures = IF(window_start > ?, failures + 1, 1), "
	"window_start = IF(window_start > ?, window_start, VALUES(window_start))";
static const char *const sql_guard_clear = "DELETE FROM login_guard WHERE phone = ?";

int login_guard_read(struct unit *unit, const char *phone, struct guard_row *guard)
{
	return guard_row_read(unit, sql_guard_lock, phone, guard);
}

int login_guard_count_failure(struct unit *unit, const char *phone, int64_t window_floor)
{
	return db_exec(unit, NULL, sql_guard_fail, "siii", phone, unit->now, window_floor, window_floor);
}

int login_guard_clear(struct unit *unit, const char *phone)
{
	return db_exec(unit, NULL, sql_guard_clear, "s", phone);
}

/* --------------------------------------------------- login_source_guard */

static const char *const sql_source_read =
	"SELECT window_start, failures, locked_until FROM login_source_guard WHERE source = ?";
static const char *const sql_source_fail =
	"INSERT INTO login_source_guard (source, window_start, failures, locked_until) VALUES (?, ?, 1, ?) "
	"ON DUPLICATE KEY UPDATE "
	"failures = IF(window_start > ?, failures + 1, 1), "
	"window_start = IF(window_start > ?, window_start, VALUES(window_start)), "
	"locked_until = VALUES(locked_until)";

int login_source_read(struct unit *unit, const char *source, struct guard_row *guard)
{
	return guard_row_read(unit, sql_source_read, source, guard);
}

int login_source_count_failure(struct unit *unit, const char *source, int64_t window_floor, int64_t locked_until)
{
	return db_exec(unit, NULL, sql_source_fail, "siiii", source, unit->now, locked_until, window_floor,
		       window_floor);
}

/* -------------------------------------------------------------- shopper */

static const char *const sql_shopper_upsert =
	"INSERT INTO shopper (phone, created_at, last_login_at) VALUES (?, TIMESTAMPADD(SECOND, ?, '1970-01-01'), TIMESTAMPADD(SECOND, ?, '1970-01-01')) "
	"ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id), last_login_at = VALUES(last_login_at)";
static const char *const sql_shopper_by_id = "SELECT token_version, blocked FROM shopper WHERE id = ?";
static const char *const sql_me =
	"SELECT s.phone, TIMESTAMPDIFF(SECOND, '1970-01-01', s.created_at), s.points_balance, "
	"(SELECT COUNT(*) FROM coupon c WHERE c.user_id = s.id AND c.status = 'available' "
	"AND c.expires_at > TIMESTAMPADD(SECOND, ?, '1970-01-01')), "
	"(SELECT CONCAT(l.level, ' ', l.name) FROM member_level l WHERE " MEMBER_LEVEL_REACHED_SQL("s.id") " "
	"ORDER BY l.level DESC LIMIT 1) "
	"FROM shopper s WHERE s.id = ?";

int shopper_login_upsert(struct unit *unit, const char *phone, int64_t *id, bool *created)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_shopper_upsert, "sii", phone, unit->now, unit->now);
	*id = result == DB_OK ? (int64_t)rows.insert_id : 0;
	*created = result == DB_OK && rows.affected == 1;
	return result;
}

int shopper_access_read(struct unit *unit, int64_t id, struct shopper_access *access)
{
	memset(access, 0, sizeof(*access));
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_shopper_by_id, "i", id);
	if (result != DB_OK || rows.row_count != 1)
		return result;
	access->found = true;
	access->token_version = db_int(&rows, 0, 0);
	access->blocked = db_int(&rows, 0, 1) != 0;
	return DB_OK;
}

int shopper_profile_read(struct unit *unit, int64_t id, struct shopper_profile *profile)
{
	memset(profile, 0, sizeof(*profile));
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_me, "ii", unit->now, id);
	if (result != DB_OK || rows.row_count != 1)
		return result;
	profile->found = true;
	profile->phone = db_text(&rows, 0, 0);
	profile->created_at = db_int(&rows, 0, 1);
	profile->points_balance = db_int(&rows, 0, 2);
	profile->coupon_count = db_int(&rows, 0, 3);
	if (!db_null(&rows, 0, 4)) {
		/* "level name": the level's number, then its name */
		char *name;
		profile->member_level = strtoll(db_text(&rows, 0, 4), &name, 10);
		profile->member_level_name = *name == ' ' ? name + 1 : name;
	}
	return DB_OK;
}

/* ------------------------------------------------- the admin's user list */

#define SUMMARY_COLUMNS                                                                                     \
	"s.id, s.phone, s.blocked, s.points_balance, TIMESTAMPDIFF(SECOND, '1970-01-01', s.created_at), "                          \
	"TIMESTAMPDIFF(SECOND, '1970-01-01', s.last_login_at), (SELECT COUNT(*) FROM bargain b WHERE b.user_id = s.id), "           \
	"(SELECT COUNT(*) FROM orders o WHERE o.user_id = s.id), "                                              \
	"(SELECT COUNT(*) FROM bargain_cut k WHERE k.helper_id = s.id) "
static const char *const sql_users_search =
	"SELECT " SUMMARY_COLUMNS "FROM shopper s WHERE s.phone LIKE CONCAT(?, '%') AND s.id < ? ORDER BY s.id DESC LIMIT ?";
static const char *const sql_users_exact =
	"SELECT " SUMMARY_COLUMNS "FROM shopper s WHERE s.phone = ? AND s.id < ? ORDER BY s.id DESC LIMIT ?";
/* The last four digits: no index helps, the newest-first scan stops at limit. */
static const char *const sql_users_last4 =
	"SELECT " SUMMARY_COLUMNS "FROM shopper s WHERE RIGHT(s.phone, 4) = ? AND s.id < ? ORDER BY s.id DESC LIMIT ?";
static const char *const sql_users_all =
	"SELECT " SUMMARY_COLUMNS "FROM shopper s WHERE s.id < ? AND (? = 0 OR s.blocked = 1) ORDER BY s.id DESC LIMIT ?";
static const char *const sql_user_one = "SELECT " SUMMARY_COLUMNS "FROM shopper s WHERE s.id = ?";
static const char *const sql_user_block =
	"UPDATE shopper SET blocked = ?, token_version = token_version + ? WHERE id = ? AND blocked = ?";

static void summary_from_row(const struct db_rows *rows, int r, struct shopper_summary *summary)
{
	summary->id = db_int(rows, r, 0);
	summary->phone = db_text(rows, r, 1);
	summary->blocked = db_int(rows, r, 2) != 0;
	summary->points_balance = db_int(rows, r, 3);
	summary->created_at = db_null(rows, r, 4) ? 0 : db_int(rows, r, 4);
	summary->last_login_at = db_null(rows, r, 5) ? 0 : db_int(rows, r, 5);
	summary->bargains = db_int(rows, r, 6);
	summary->orders = db_int(rows, r, 7);
	summary->helps = db_int(rows, r, 8);
}

int shopper_page(struct unit *unit, const char *phone, enum shopper_phone_match match, bool only_blocked,
		 int64_t before, int64_t limit, struct shopper_summary **summaries, int *count)
{
	struct db_rows rows;
	const char *search = match == SHOPPER_PHONE_EXACT   ? sql_users_exact
			     : match == SHOPPER_PHONE_LAST4 ? sql_users_last4
							    : sql_users_search;
	int result = phone != NULL ? db_exec(unit, &rows, search, "sii", phone, before, limit)
				   : db_exec(unit, &rows, sql_users_all, "iii", before, (int64_t)only_blocked, limit);
	*summaries = NULL;
	*count = 0;
	if (result != DB_OK)
		return result;
	*summaries = arena_alloc(unit->arena, sizeof(**summaries) * (size_t)(rows.row_count > 0 ? rows.row_count : 1));
	for (int r = 0; r < rows.row_count; r++)
		summary_from_row(&rows, r, &(*summaries)[r]);
	*count = rows.row_count;
	return DB_OK;
}

int shopper_summary_read(struct unit *unit, int64_t id, struct shopper_summary *summary, bool *found)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_user_one, "i", id);
	*found = result == DB_OK && rows.row_count == 1;
	if (*found)
		summary_from_row(&rows, 0, summary);
	return result;
}

static const char *const sql_points_move =
	"UPDATE shopper SET points_balance = points_balance + ? WHERE id = ? AND points_balance + ? >= 0";

static const char *const sql_touch_login =
	"UPDATE shopper SET last_login_at = TIMESTAMPADD(SECOND, ?, '1970-01-01') WHERE id = ?";

int shopper_touch_login(struct unit *unit, int64_t id)
{
	return db_exec(unit, NULL, sql_touch_login, "ii", unit->now, id);
}

int shopper_points_move(struct unit *unit, int64_t id, int64_t delta, bool *moved)
{
	marks_changed(MARK_SHOPPER, id); /* its /me's balance */
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_points_move, "iii", delta, id, delta);
	*moved = result == DB_OK && rows.affected == 1;
	return result;
}

int shopper_set_blocked(struct unit *unit, int64_t id, bool blocked, bool *changed)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql_user_block, "iiii", (int64_t)blocked, (int64_t)blocked, id,
			     (int64_t)!blocked);
	*changed = result == DB_OK && rows.affected == 1;
	return result;
}

/* -------------------------------------------------------- revoked_token */

static const char *const sql_token_revoke =
	"INSERT IGNORE INTO revoked_token (jti, expires_at) VALUES (?, TIMESTAMPADD(SECOND, ?, '1970-01-01'))";

int token_revoke(struct unit *unit, const char *jti, int64_t expires_at)
{
	assert(jti != NULL);
	return db_exec(unit, NULL, sql_token_revoke, "si", jti, expires_at);
}

/* ============================================================= orders */

static const char *const sql_shopper_lock = "SELECT id FROM shopper WHERE id = ? FOR UPDATE";
static const char *const sql_shopper_lock_points = "SELECT points_balance FROM shopper WHERE id = ? FOR UPDATE";

int shopper_lock(struct unit *unit, int64_t user_id)
{
	return db_exec(unit, NULL, sql_shopper_lock, "i", user_id);
}

static int balance_read(struct unit *unit, const char *sql, int64_t user_id, bool *found, int64_t *balance)
{
	struct db_rows rows;
	int result = db_exec(unit, &rows, sql, "i", user_id);
	*found = result == DB_OK && rows.row_count == 1;
	*balance = *found ? db_int(&rows, 0, 0) : 0;
	return result;
}

int shopper_lock_points(struct unit *unit, int64_t user_id, bool *found, int64_t *balance)
{
	return balance_read(unit, sql_shopper_lock_points, user_id, found, balance);
}
