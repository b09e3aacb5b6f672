/* session.c: the auth phase. Runs before any handler of a route that needs
 * a caller; handlers never see tokens. The revocation state of a token is
 * kept per worker for at most a second (the cache below); on a folded route
 * it is confirmed by the door, with the handler's first read when that read
 * carries it (session.h). */
#include "http/session.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/config.h"
#include "core/outcome.h"
#include "db/db.h"
#include "http/http.h"
#include "core/log.h"
#include "http/token.h"

static struct token_keyring keyring;

/* ============================================ tokens verified before
 *
 * A shopper's pages send the same token on every request, and verifying it
 * (the header's and the claims' JSON, the HMAC) costs more than the rest of
 * the auth phase. A token's bytes verify the same way for as long as the
 * claims and the key that signed it hold: each worker keeps the claims of
 * the tokens it verified, by their bytes, and takes them again while the
 * token has not expired and its key is still accepted. A reload starts new
 * workers (session_configure), so a changed keyring starts empty. Direct-
 * mapped by the bytes' hash: a collision only costs a verification. */
#define VERIFIED_SLOTS 256
#define VERIFIED_TOKEN_MAX 512 /* longer tokens are verified every time */

struct verified_token {
	bool used, admin;
	size_t length;
	char token[VERIFIED_TOKEN_MAX];
	struct token_claims claims;
};

static struct verified_token verified[VERIFIED_SLOTS];

void session_configure(const struct config *config)
{
	memset(&keyring, 0, sizeof(keyring));
	keyring.issuer = config->jwt_issuer;
	keyring.keys[0].kid = config->jwt_kid;
	keyring.keys[0].secret = (const unsigned char *)config->jwt_secret;
	keyring.keys[0].secret_size = strlen(config->jwt_secret);
	keyring.count = 1;
	memset(verified, 0, sizeof(verified)); /* verified with another keyring */
	if (config->jwt_previous_secret[0] != '\0') {
		keyring.keys[1].kid = config->jwt_previous_kid;
		keyring.keys[1].secret = (const unsigned char *)config->jwt_previous_secret;
		keyring.keys[1].secret_size = strlen(config->jwt_previous_secret);
		keyring.keys[1].valid_until = config->jwt_previous_until;
		keyring.count = 2;
	}
}

const struct token_keyring *session_keys(void)
{
	return &keyring;
}

static struct verified_token *verified_slot(const char *token, size_t length)
{
	uint32_t hash = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < length; i++)
		hash = (hash ^ (unsigned char)token[i]) * 16777619u;
	return &verified[hash % VERIFIED_SLOTS];
}

/* token_verify(), or the claims of the same bytes verified before while
 * they and their key hold at now. */
static enum token_result token_check(bool admin, const char *audience, const char *token, int64_t now,
				     struct token_claims *claims)
{
	size_t length = strnlen(token, VERIFIED_TOKEN_MAX);
	struct verified_token *slot = length < VERIFIED_TOKEN_MAX ? verified_slot(token, length) : NULL;
	if (slot != NULL && slot->used && slot->admin == admin && slot->length == length &&
	    memcmp(slot->token, token, length) == 0 && now < slot->claims.expires_at &&
	    (slot->claims.key_valid_until == 0 || now < slot->claims.key_valid_until)) {
		*claims = slot->claims;
		return TOKEN_OK;
	}
	enum token_result result = token_verify(&keyring, audience, token, now, claims);
	if (result == TOKEN_OK && slot != NULL) {
		*slot = (struct verified_token){ .used = true, .admin = admin, .length = length, .claims = *claims };
		memcpy(slot->token, token, length);
	}
	return result;
}

static int refuse(struct request *request, const char *why)
{
	log_info("auth: token refused: %s", why);
	return http_error(request, 401, "unauthorized");
}

static const char *const sql_admin_session =
	"SELECT a.token_version, a.disabled, "
	"(SELECT COUNT(*) FROM revoked_token r WHERE r.jti = ?), a.roles "
	"FROM admin a WHERE a.id = ?";

unsigned session_roles_parse(const char *text)
{
	static const struct { const char *name; unsigned bit; } names[] = {
		{ "operator", ROLE_OPERATOR }, { "fulfilment", ROLE_FULFILMENT },
		{ "risk", ROLE_RISK }, { "owner", ROLE_OWNER },
	};
	unsigned roles = 0;
	const char *cursor = text ? text : "";
	while (*cursor != '\0') {
		size_t length = strcspn(cursor, ",");
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == length && strncmp(names[i].name, cursor, length) == 0)
				roles |= names[i].bit;
		cursor += length;
		if (*cursor == ',')
			cursor++;
	}
	return roles;
}

static const char *const sql_shopper_session =
	"SELECT s.token_version, s.blocked, "
	"(SELECT COUNT(*) FROM revoked_token r WHERE r.jti = ?) "
	"FROM shopper s WHERE s.id = ?";

/* ============================================================ the cache
 *
 * The session check costs a query on every authenticated request. Each
 * worker keeps what the query answered for a token (its user's token
 * version, blocked or disabled, whether the token was revoked, the roles)
 * for at most SESSION_CACHE_US: a logout, a block, a disabled admin, a
 * token-version bump or a role change made anywhere takes effect on every
 * worker within a second. The decision is made again from the kept row on
 * every request (an expired token is refused by token_verify, which runs
 * first). Direct-mapped by the token id: a collision only costs a query. */
#define SESSION_CACHE_US 1000000
#define SESSION_CACHE_SLOTS 512
#define SESSION_ROLES_TEXT 64

struct session_row {
	bool used, admin;
	int64_t subject;
	char jti[SESSION_JTI_SIZE];
	int64_t checked_us;
	int64_t version;
	bool off;     /* blocked shopper or disabled admin */
	bool revoked; /* the token itself was logged out */
	char roles[SESSION_ROLES_TEXT];
};

static struct session_row cache[SESSION_CACHE_SLOTS];

static struct session_row *cache_slot(const char *jti)
{
	uint32_t hash = 2166136261u; /* FNV-1a */
	for (const char *c = jti; *c != '\0'; c++)
		hash = (hash ^ (unsigned char)*c) * 16777619u;
	return &cache[hash % SESSION_CACHE_SLOTS];
}

static bool cache_fresh(const struct session_row *row, bool admin, int64_t subject, const char *jti, int64_t now_us)
{
	return row->used && row->admin == admin && row->subject == subject && strcmp(row->jti, jti) == 0 &&
	       now_us >= row->checked_us && now_us - row->checked_us < SESSION_CACHE_US;
}

/* Why the kept row refuses a token of version token_version, or NULL. */
static const char *row_refusal(const struct session_row *row, int64_t token_version)
{
	if (row->version != token_version)
		return "token version revoked";
	if (row->off)
		return "user blocked";
	if (row->revoked)
		return "token revoked";
	return NULL;
}

/* Keeps a token's facts, as they stood at checked_us, in its cache slot;
 * returns the slot. */
static struct session_row *row_keep(bool admin, int64_t subject, const char *jti, int64_t checked_us,
				    int64_t version, bool off, bool revoked)
{
	struct session_row *row = cache_slot(jti);
	*row = (struct session_row){ .used = true, .admin = admin, .subject = subject, .checked_us = checked_us,
				     .version = version, .off = off, .revoked = revoked };
	snprintf(row->jti, sizeof(row->jti), "%s", jti);
	return row;
}

/* The token's row read from the database and kept: DB_OK, OUT_UNAUTHORIZED
 * when there is no such user (the slot forgotten), or the door's code. */
static int row_read(struct unit *unit, bool admin, int64_t subject, const char *jti, struct session_row **out)
{
	int64_t asked_us = clock_micros(); /* the facts are kept from before they were read */
	struct db_rows rows;
	int result = db_exec(unit, &rows, admin ? sql_admin_session : sql_shopper_session, "si", jti, subject);
	if (result != DB_OK)
		return result;
	if (rows.row_count != 1) {
		cache_slot(jti)->used = false;
		return OUT_UNAUTHORIZED;
	}
	struct session_row *row = row_keep(admin, subject, jti, asked_us, db_int(&rows, 0, 0),
					   db_int(&rows, 0, 1) != 0, db_int(&rows, 0, 2) != 0);
	if (admin)
		snprintf(row->roles, sizeof(row->roles), "%s", db_null(&rows, 0, 3) ? "" : db_text(&rows, 0, 3));
	*out = row;
	return DB_OK;
}

/* The token's row, from the cache or the database. Returns 0, or an HTTP
 * status already set on request. */
static int session_row_get(struct request *request, bool admin, const struct token_claims *claims,
			   struct session_row **out)
{
	struct session_row *row = cache_slot(claims->jti);
	if (cache_fresh(row, admin, claims->subject, claims->jti, clock_micros())) {
		*out = row;
		return 0;
	}
	int result = row_read(&request->work, admin, claims->subject, claims->jti, out);
	if (result == OUT_UNAUTHORIZED)
		return refuse(request, "no such user");
	if (result != DB_OK) /* the door's code, as HTTP (503 when the database is gone) */
		return result == DB_RETRY ? http_error(request, 503, "unavailable") : http_outcome(request, result);
	return 0;
}

/* ====================================================== the folded check
 *
 * The caller of an AUTH_SHOPPER_FOLDED route, when the cache does not know
 * its token: the door calls these through request->session_due (db.h). */

/* The pending caller judged by its kept row: DB_OK, or the refusal. */
static int due_judge(struct unit_session *due, const struct session_row *row)
{
	const char *why = row_refusal(row, due->token_version);
	if (why != NULL) {
		log_info("auth: token refused: %s", why);
		return due->refusal = OUT_UNAUTHORIZED;
	}
	due->pending = false;
	return DB_OK;
}

/* The shopper's facts, read by a store with its load. */
static int due_settle(struct unit *unit, int64_t token_version, bool off, bool revoked)
{
	struct unit_session *due = unit->session;
	return due_judge(due, row_keep(false, due->user_id, due->jti, clock_micros(), token_version, off, revoked));
}

/* The check as a statement of its own, before a statement that does not
 * carry the facts (the door runs it; its own statement passes the gate). */
static int due_confirm(struct unit *unit)
{
	struct unit_session *due = unit->session;
	if (due->refusal != 0)
		return due->refusal;
	struct session_row *row = NULL;
	int result = row_read(unit, false, due->user_id, due->jti, &row);
	if (result == OUT_UNAUTHORIZED) {
		log_info("auth: token refused: no such user");
		return due->refusal = OUT_UNAUTHORIZED;
	}
	return result != DB_OK ? result : due_judge(due, row);
}

int session_confirm_due(struct request *request)
{
	struct unit_session *due = request->work.session;
	if (due == NULL || !due->pending)
		return 0;
	int result = db_session_confirm(&request->work);
	if (result == DB_OK)
		return 0;
	/* the handler's answer is not the caller's to see */
	request->reply = NULL;
	request->raw_body = NULL;
	request->headers = NULL;
	if (result == OUT_UNAUTHORIZED)
		return http_error(request, 401, "unauthorized");
	return result == DB_RETRY ? http_error(request, 503, "unavailable") : http_outcome(request, result);
}

int session_authenticate(struct request *request, enum auth_level level, unsigned roles)
{
	const char *header = request->authorization;
	if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0)
		return refuse(request, "no bearer token");
	const char *token = header + 7;
	while (*token == ' ')
		token++;

	struct token_claims claims;
	bool admin = level == AUTH_ADMIN;
	/* Each kind of token has its own audience: a shopper token fails on
	 * every admin route and an admin token on every shopper route. */
	const char *audience = admin ? request->work.config->jwt_admin_audience : request->work.config->jwt_audience;
	enum token_result result = token_check(admin, audience, token, request->work.now, &claims);
	if (result != TOKEN_OK)
		return refuse(request, token_result_name(result));

	request->session.authenticated = true;
	request->session.user_id = claims.subject;
	request->session.expires_at = claims.expires_at;
	memcpy(request->session.jti, claims.jti, SESSION_JTI_SIZE);
	if (level == AUTH_SHOPPER_FOLDED &&
	    !cache_fresh(cache_slot(claims.jti), false, claims.subject, claims.jti, clock_micros())) {
		request->session_due = (struct unit_session){ .pending = true, .user_id = claims.subject,
							      .jti = request->session.jti,
							      .token_version = claims.version,
							      .confirm = due_confirm, .settle = due_settle };
		request->work.session = &request->session_due;
		return 0;
	}

	struct session_row *row = NULL;
	int status = session_row_get(request, admin, &claims, &row);
	if (status != 0) {
		request->session = (struct session){ .authenticated = false };
		return status;
	}
	const char *why = row_refusal(row, claims.version);
	if (why != NULL) {
		request->session = (struct session){ .authenticated = false };
		return refuse(request, why);
	}

	if (admin) {
		unsigned held = session_roles_parse(row->roles);
		if (roles != 0 && (held & (roles | ROLE_OWNER)) == 0) {
			log_info("auth: admin lacks a role this route needs");
			request->session = (struct session){ .authenticated = false };
			return http_error(request, 403, "forbidden");
		}
		request->session.is_admin = true;
		request->session.roles = held;
	}
	return 0;
}

int64_t session_admin_id(const struct session *session)
{
	return session->is_admin ? session->user_id : 0;
}
