/* bargain_routes.c: starting a bargain, cutting it, the share landing,
 * helping, the leaderboard and the shopper's lists (API.md, "Bargains").
 *
 * A cut is one short transaction. Everything that does not touch the
 * bargain row (limits, the helper's reward, the duplicate check) comes
 * first; then one conditional UPDATE of the bargain row takes the cut
 * (last_cut_fen is assigned first, the other columns read it), and the cut
 * row is copied from it: the hot row is held for as few round trips as the
 * checks allow. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bargain/bargain.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/crypto.h"
#include "bargain/cut.h"
#include "db/db.h"
#include "fraud/fraud_check.h"
#include "fraud/limit.h"
#include "core/log.h"
#include "core/phone.h"
#include "bargain/bargain_routes.h"
#include "admin/stats.h"
#include "live/live.h"

#define RECENT_HELPS 10
#define LEADERBOARD_SIZE 100
#define PLAN_TEXT_MAX (CUT_TARGET_MAX * 21)

static void set_retry_after(struct request *request, int64_t seconds)
{
	char text[24];
	snprintf(text, sizeof(text), "%lld", (long long)seconds);
	http_header_add(request, "Retry-After", text);
}

/* The shop's local day as a limit window. */
static void local_day(int64_t now, int64_t *start, int64_t *length)
{
	*start = clock_day_start(now);
	*length = clock_day_start(*start + 86400 + 7200) - *start;
}

/* =========================================================== rewards */

static const char *const sql_coupon_issue =
	"INSERT INTO coupon (user_id, campaign_id, source, title, amount_fen, min_spend_fen, starts_at, "
	"expires_at, status, created_at) VALUES (?, ?, ?, ?, ?, ?, FROM_UNIXTIME(?), FROM_UNIXTIME(?), "
	"'available', FROM_UNIXTIME(?))";
static const char *const sql_prize_issue =
	"INSERT INTO prize (user_id, campaign_id, bargain_id, title, created_at) "
	"VALUES (?, ?, ?, ?, FROM_UNIXTIME(?))";
static const char *const sql_grant_insert =
	"INSERT INTO reward_grant (bargain_id, campaign_id, user_id, milestone, coupon_id, prize_id, created_at) "
	"VALUES (?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), FROM_UNIXTIME(?))";

/* Issues the coupon or prize that reward (a rewards_json entry) describes to
 * user, once per (bargain, milestone): the grant row's unique key makes a
 * second issue fail the transaction. coupon_out (OUT, may be NULL) gets the
 * coupon as the API shows it. Returns 0 or an error status. */
static int reward_issue(struct request *request, const struct bargain *bargain, int64_t user_id,
			const char *milestone, const json_t *reward, json_t **coupon_out)
{
	int64_t coupon_id = 0, prize_id = 0;
	const json_t *coupon = json_object_get(reward, "coupon");
	const char *prize = json_string_value(json_object_get(reward, "prize"));
	struct db_rows rows;
	int status;
	if (json_is_object(coupon)) {
		const char *title = json_string_value(json_object_get(coupon, "title"));
		int64_t amount = json_integer_value(json_object_get(coupon, "amount_fen"));
		int64_t min_spend = json_integer_value(json_object_get(coupon, "min_spend_fen"));
		int64_t valid_days = json_integer_value(json_object_get(coupon, "valid_days"));
		if (title == NULL || amount <= 0)
			return 0; /* validated at campaign creation; nothing to give */
		if (valid_days <= 0)
			valid_days = 30;
		int64_t expires_at = request->work.now + valid_days * 86400;
		status = db_run(request, &rows, sql_coupon_issue, "iissiiiii", user_id, bargain->campaign_id, milestone,
				title, amount, min_spend, request->work.now, expires_at, request->work.now);
		if (status != 0)
			return status;
		coupon_id = (int64_t)rows.insert_id;
		if (coupon_out != NULL) {
			char starts[CLOCK_RFC3339_SIZE], expires[CLOCK_RFC3339_SIZE];
			clock_format_rfc3339(request->work.now, starts);
			clock_format_rfc3339(expires_at, expires);
			*coupon_out = json_pack("{s:I, s:s, s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)coupon_id,
						"title", title, "amount_fen", (json_int_t)amount, "min_spend_fen",
						(json_int_t)min_spend, "starts_at", starts, "expires_at", expires,
						"status", "available");
		}
	} else if (prize != NULL) {
		status = db_run(request, &rows, sql_prize_issue, "iiisi", user_id, bargain->campaign_id, bargain->id,
				prize, request->work.now);
		if (status != 0)
			return status;
		prize_id = (int64_t)rows.insert_id;
	} else {
		return 0;
	}
	return db_run(request, NULL, sql_grant_insert, "iiisiii", bargain->id, bargain->campaign_id, user_id,
		      milestone, coupon_id, prize_id, request->work.now);
}

/* The initiator's rewards for reaching exactly `helpers` helpers. Each help
 * raises the count by one under the row lock, so exactly one transaction
 * sees each count. */
static int milestone_rewards(struct request *request, const struct bargain *bargain, const json_t *rewards)
{
	const json_t *initiator = json_object_get(rewards, "initiator");
	size_t index;
	const json_t *entry;
	json_array_foreach(initiator, index, entry) {
		if (json_integer_value(json_object_get(entry, "helpers")) != bargain->helpers)
			continue;
		char milestone[40];
		snprintf(milestone, sizeof(milestone), "helpers:%lld", (long long)bargain->helpers);
		int status = reward_issue(request, bargain, bargain->user_id, milestone, entry, NULL);
		if (status != 0)
			return status;
	}
	return 0;
}

static json_t *rewards_parse(struct request *request, const char *text)
{
	json_error_t error;
	json_t *rewards = text ? json_loads(text, 0, &error) : NULL;
	return http_own(request, rewards ? rewards : json_object());
}

/* ============================================================ the cut */

/* The one write to the hot row (single-table, so assignments run left to
 * right). last_cut_fen is assigned first: the exact plan's next entry, or
 * the drawn range amount, clipped to what is left; the columns after it
 * read the new value. Only an active bargain inside its window with money
 * left is cut, and a help only under the bargain's helper cap. */
static const char *const sql_bargain_take_cut =
	"UPDATE bargain SET "
	"last_cut_fen = LEAST(current_price_fen - floor_price_fen, IF(plan IS NULL, ?, "
	"CAST(SUBSTRING_INDEX(SUBSTRING_INDEX(plan, ',', cuts + 1), ',', -1) AS SIGNED))), "
	"current_price_fen = current_price_fen - last_cut_fen, "
	"cut_total_fen = cut_total_fen + last_cut_fen, "
	"cuts = cuts + 1, "
	"helpers = helpers + ?, "
	"succeeded_at = IF(current_price_fen = floor_price_fen, FROM_UNIXTIME(?), NULL), "
	"succeeded_in_s = IF(current_price_fen = floor_price_fen, ? - UNIX_TIMESTAMP(started_at), NULL), "
	"status = IF(current_price_fen = floor_price_fen, 'succeeded', 'active'), "
	"signature = RIGHT(CONCAT(signature, ?), 1000), held = GREATEST(held, ?) " /* anti-fraud */
	"WHERE id = ? AND status = 'active' AND current_price_fen > floor_price_fen "
	"AND expires_at > FROM_UNIXTIME(?) "
	"AND (? = 0 OR helps_per_bargain IS NULL OR helpers < helps_per_bargain)";

/* The cut row, copied from the row the UPDATE above just wrote (under our
 * lock). helper_id stays NULL for self-cuts. */
static const char *const sql_cut_record =
	"INSERT INTO bargain_cut (bargain_id, campaign_id, seq, kind, user_id, helper_id, cut_fen, price_after_fen, "
	"helpers_after, client_ip, device, created_at) SELECT id, campaign_id, cuts, ?, ?, NULLIF(?, 0), "
	"last_cut_fen, current_price_fen, helpers, ?, NULLIF(?, ''), FROM_UNIXTIME(?) FROM bargain WHERE id = ? "
	"RETURNING seq, cut_fen, price_after_fen, helpers_after";

struct cut_attempt {
	struct bargain bargain; /* read before the transaction; OUT: after the cut */
	int64_t cutter_id;
	bool is_help;
	json_t *reward; /* OUT: the helper's coupon, or NULL */
	const char *letter; /* anti-fraud: the help's signature letter ("" or NULL: none) */
	bool hold;          /* anti-fraud: a review decision holds the bargain */
};

/* Takes the cut and records it. Returns 0, 410 bargain_closed, 409
 * helps_full, 409 already_helped, or a DB status; attempt->bargain (OUT) then
 * shows the bargain right after this cut. */
static int cut_take(struct request *request, struct cut_attempt *attempt)
{
	struct bargain *bargain = &attempt->bargain;
	int64_t drawn = 0;
	if (!bargain->exact) {
		uint64_t random;
		crypto_random(&random, sizeof(random));
		drawn = cut_range_amount(INT64_MAX, bargain->cut_min_fen, bargain->cut_max_fen, random);
	}
	/* stats: counted before the hot row is touched (stats.h) */
	int status = http_outcome(request, stats_bump(&request->work, bargain->campaign_id, bargain->item_id, attempt->is_help ? "helps" : "self_cuts", 1));
	if (status != 0)
		return status;
	struct db_rows rows;
	status = db_run(request, &rows, sql_bargain_take_cut, "iiiisiiii", drawn, (int64_t)attempt->is_help,
			    request->work.now, request->work.now, attempt->letter ? attempt->letter : "", (int64_t)attempt->hold,
			    bargain->id, request->work.now, (int64_t)attempt->is_help);
	if (status != 0)
		return status;
	if (rows.affected == 0) {
		if (attempt->is_help && bargain->helps_limited && bargain->helpers >= bargain->helps_per_bargain)
			return http_error(request, 409, "helps_full");
		return http_error(request, 410, "bargain_closed");
	}
	struct db_rows cut;
	status = db_run(request, &cut, sql_cut_record, "siissii", attempt->is_help ? "help" : "self",
			attempt->cutter_id, attempt->is_help ? attempt->cutter_id : (int64_t)0, request->client_ip,
			request->device_id ? request->device_id : "", request->work.now, bargain->id);
	if (status == 409 && db_was_duplicate(request))
		return http_error(request, 409, "already_helped");
	if (status != 0)
		return status;
	if (cut.row_count != 1)
		return http_error(request, 500, "internal_error");
	/* The row as our UPDATE left it, read back by the INSERT itself: no
	 * separate read while the hot row is locked. */
	bargain->cuts = db_int(&cut, 0, 0);
	bargain->last_cut_fen = db_int(&cut, 0, 1);
	bargain->current_price_fen = db_int(&cut, 0, 2);
	bargain->helpers = db_int(&cut, 0, 3);
	bargain->cut_total_fen = bargain->original_price_fen - bargain->current_price_fen;
	if (bargain->current_price_fen == bargain->floor_price_fen) {
		bargain->status = "succeeded";
		bargain->succeeded_at = request->work.now;
		/* stats: this cut reached the floor */
		status = http_outcome(request, stats_bump(&request->work, bargain->campaign_id, bargain->item_id, "succeeded", 1));
	}
	return status;
}

static int cut_reply(struct request *request, const struct cut_attempt *attempt)
{
	json_t *reply = json_pack("{s:I, s:o}", "cut_fen", (json_int_t)attempt->bargain.last_cut_fen, "bargain",
				  bargain_json(request, &attempt->bargain));
	if (attempt->is_help)
		json_object_set_new(reply, "reward", attempt->reward ? attempt->reward : json_null());
	return http_reply(request, 200, reply);
}

/* ----------------------------------------------------------- self-cut */

static int self_cut_transaction(struct request *request, void *context)
{
	struct cut_attempt *attempt = context;
	struct bargain *bargain = &attempt->bargain;
	int64_t start, length, retry_after = 0;
	local_day(request->work.now, &start, &length);
	char bucket[LIMIT_BUCKET_MAX];
	snprintf(bucket, sizeof(bucket), "selfcut:%lld", (long long)bargain->id);
	int status = http_outcome(request, limit_take(&request->work, bucket, start, length, bargain->self_cuts_per_day, &retry_after));
	if (status == 429) {
		set_retry_after(request, retry_after);
		return http_error(request, 429, "daily_limit");
	}
	if (status != 0)
		return status;
	status = cut_take(request, attempt);
	if (status != 0)
		return status;
	return cut_reply(request, attempt);
}

static int bargain_cut(struct request *request)
{
	struct cut_attempt attempt = { .cutter_id = request->session.user_id, .is_help = false };
	int status = bargain_load(request, http_path_id(request, 0), NULL, &attempt.bargain);
	if (status != 0)
		return status;
	if (attempt.bargain.user_id != request->session.user_id)
		return http_error(request, 404, "not_found");
	if (strcmp(bargain_status_shown(&attempt.bargain, request->work.now), "active") != 0)
		return http_error(request, 410, "bargain_closed");
	status = db_transaction(request, self_cut_transaction, &attempt);
	if (status == 200)
		live_bargain_changed(request, attempt.bargain.id); /* live: after the commit */
	return status;
}

/* --------------------------------------------------------------- help */

/* anti-fraud: a shadowed help answers with a believable cut and the bargain
 * as it would look after it; nothing is cut, counted or issued. */
static int help_shadow_reply(struct request *request, const struct cut_attempt *attempt)
{
	struct bargain shown = attempt->bargain;
	int64_t remaining = shown.current_price_fen - shown.floor_price_fen;
	uint64_t random;
	crypto_random(&random, sizeof(random));
	int64_t cut = cut_range_amount(remaining, shown.cut_min_fen, shown.cut_max_fen, random);
	shown.current_price_fen -= cut;
	if (shown.current_price_fen == shown.floor_price_fen) {
		shown.status = "succeeded";
		shown.succeeded_at = request->work.now;
	}
	shown.cut_total_fen = shown.original_price_fen - shown.current_price_fen;
	shown.helpers++;
	shown.cuts++;
	json_t *reply = json_pack("{s:I, s:o, s:n}", "cut_fen", (json_int_t)cut, "bargain", bargain_json(request, &shown),
				  "reward");
	return http_reply(request, 200, reply);
}

static int help_transaction(struct request *request, void *context)
{
	struct cut_attempt *attempt = context;
	struct bargain *bargain = &attempt->bargain;
	attempt->reward = NULL;

	/* anti-fraud: the rules see this help's letter; the velocity limits
	 * count it; nothing is written before a block or a shadow */
	struct fraud_help help;
	int status = fraud_help_prepare(request, bargain->id, attempt->cutter_id, &help);
	if (status != 0)
		return status;
	struct fraud_subject subject = { .phone = help.phone, .share_code = bargain->share_code,
					 .signature = help.signature, .user_id = attempt->cutter_id,
					 .bargain_id = bargain->id };
	struct fraud_outcome outcome;
	if ((status = fraud_check(request, FRAUD_SCOPE_HELP, &subject, &outcome)) != 0)
		return status;
	if (outcome.action == FRAUD_SHADOW)
		return help_shadow_reply(request, attempt);
	if ((status = fraud_velocity(request, FRAUD_SCOPE_HELP, help.phone)) != 0)
		return status;
	attempt->letter = help.letter;
	attempt->hold = outcome.action == FRAUD_REVIEW;
	if (attempt->hold && (status = fraud_hold(request, "bargain", bargain->id, outcome.decision_id, false)) != 0)
		return status;

	int64_t start, length, retry_after = 0;
	local_day(request->work.now, &start, &length);
	char bucket[LIMIT_BUCKET_MAX];
	snprintf(bucket, sizeof(bucket), "helps:%lld", (long long)attempt->cutter_id);
	status = http_outcome(request, limit_take(&request->work, bucket, start, length, bargain->helps_per_user_per_day, &retry_after));
	if (status == 429)
		set_retry_after(request, retry_after);
	if (status != 0)
		return status;

	/* The helper's coupon is written before the hot row is touched. */
	json_t *rewards = rewards_parse(request, bargain->rewards_json);
	const json_t *helper_reward = json_object_get(rewards, "helper");
	if (json_is_object(helper_reward)) {
		char milestone[40];
		snprintf(milestone, sizeof(milestone), "help:%lld", (long long)attempt->cutter_id);
		status = reward_issue(request, bargain, attempt->cutter_id, milestone, helper_reward, &attempt->reward);
		if (status == 409 && db_was_duplicate(request))
			status = http_error(request, 409, "already_helped");
		if (status != 0) {
			json_decref(attempt->reward);
			attempt->reward = NULL;
			return status;
		}
	}

	status = cut_take(request, attempt);
	if (status == 0)
		status = milestone_rewards(request, bargain, rewards);
	if (status != 0) {
		json_decref(attempt->reward);
		attempt->reward = NULL;
		return status;
	}
	return cut_reply(request, attempt);
}

/* anti-fraud: a code that is malformed or leads nowhere is checked and
 * recorded too (rules on share_code catch scanners); then 404 unless a rule
 * blocks it. */
static int share_unknown(struct request *request, enum fraud_scope scope, const char *code)
{
	struct fraud_subject subject = { .share_code = code, .user_id = request->session.user_id };
	struct fraud_outcome outcome;
	int status = fraud_check(request, scope, &subject, &outcome);
	if (status != 0)
		return status;
	return http_error(request, 404, "not_found");
}

static int share_help(struct request *request)
{
	const char *code = request->path_params[0];
	if (!share_code_shape(code))
		return share_unknown(request, FRAUD_SCOPE_HELP, code);
	struct cut_attempt attempt = { .cutter_id = request->session.user_id, .is_help = true };
	bool helped = false;
	int status = bargain_load_for_helper(request, code, attempt.cutter_id, &attempt.bargain, &helped);
	if (status == 404)
		return share_unknown(request, FRAUD_SCOPE_HELP, code);
	if (status != 0)
		return status;
	if (attempt.bargain.user_id == request->session.user_id)
		return http_error(request, 403, "self_help");
	if (strcmp(bargain_status_shown(&attempt.bargain, request->work.now), "active") != 0)
		return http_error(request, 410, "bargain_closed");
	if (helped)
		return http_error(request, 409, "already_helped");
	int64_t cuts_before = attempt.bargain.cuts; /* live: a shadowed help cuts nothing and is not published */
	status = db_transaction(request, help_transaction, &attempt);
	if (status == 200 && attempt.bargain.cuts != cuts_before)
		live_bargain_changed(request, attempt.bargain.id); /* live: after the commit */
	return status;
}

/* ============================================================== start */

static const struct field bargain_start_body[] = {
	{ .name = "item_id", .type = FIELD_INT, .required = true, .min = 1, .max = INT64_MAX },
	{ .name = NULL },
};

static const char *const sql_item_for_start =
	"SELECT i.campaign_id, i.original_price_fen, i.floor_price_fen, i.stock_left, i.cut_min_fen, "
	"i.cut_max_fen, i.target_cuts, i.self_cuts_per_day, i.helps_per_user_per_day, i.bargains_per_user, "
	"i.helps_per_bargain, i.bargain_ttl_s, i.pay_within_s, i.rewards_json, "
	"UNIX_TIMESTAMP(c.starts_at), UNIX_TIMESTAMP(c.ends_at) "
	"FROM campaign_item i JOIN campaign c ON c.id = i.campaign_id WHERE i.id = ?";
static const char *const sql_open_bargain =
	"SELECT id FROM bargain WHERE user_id = ? AND item_id = ? AND open_slot = 1";
static const char *const sql_bargain_close =
	"UPDATE bargain SET status = 'expired', open_slot = NULL, closed_at = FROM_UNIXTIME(?) "
	"WHERE id = ? AND status = 'active'";
static const char *const sql_bargains_started =
	"SELECT COUNT(*) FROM bargain WHERE user_id = ? AND item_id = ?";
static const char *const sql_bargain_insert =
	"INSERT INTO bargain (campaign_id, item_id, user_id, share_code, original_price_fen, floor_price_fen, "
	"current_price_fen, cut_min_fen, cut_max_fen, target_cuts, self_cuts_per_day, helps_per_user_per_day, "
	"helps_per_bargain, pay_within_s, rewards_json, started_at, expires_at, start_ip, start_device) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, NULLIF(?, 0), ?, ?, FROM_UNIXTIME(?), "
	"FROM_UNIXTIME(?), ?, NULLIF(?, ''))";
static const char *const sql_bargain_set_plan =
	"UPDATE bargain SET plan = ? WHERE id = ?";

enum item_column {
	ITEM_CAMPAIGN, ITEM_PRICE, ITEM_FLOOR, ITEM_STOCK, ITEM_CUT_MIN, ITEM_CUT_MAX, ITEM_TARGET,
	ITEM_SELF_PER_DAY, ITEM_HELPS_PER_DAY, ITEM_PER_USER, ITEM_HELPS_CAP, ITEM_TTL, ITEM_PAY_WITHIN,
	ITEM_REWARDS, ITEM_STARTS, ITEM_ENDS,
};

/* The key exact plans are derived with. */
static const char *plan_key(const struct config *config)
{
	return config->cut_plan_secret[0] != '\0' ? config->cut_plan_secret : config->jwt_secret;
}

/* Fixes the exact plan of a new bargain, as comma-separated fen. */
static int plan_store(struct request *request, int64_t bargain_id, int64_t distance, const struct db_rows *item)
{
	int64_t cuts = db_int(item, 0, ITEM_TARGET);
	int64_t *plan = arena_alloc(&request->arena, sizeof(int64_t) * (size_t)(cuts > 0 ? cuts : 1));
	unsigned char seed[CUT_SEED_SIZE];
	const char *key = plan_key(request->work.config);
	cut_plan_seed(key, strlen(key), bargain_id, seed);
	if (cut_plan_make(seed, distance, db_int(item, 0, ITEM_CUT_MIN), db_int(item, 0, ITEM_CUT_MAX), cuts, plan) != 0)
		return http_error(request, 409, "invalid_campaign");
	char *text = arena_alloc(&request->arena, PLAN_TEXT_MAX);
	size_t used = 0;
	for (int64_t i = 0; i < cuts; i++)
		used += (size_t)snprintf(text + used, PLAN_TEXT_MAX - used, "%s%lld", i ? "," : "", (long long)plan[i]);
	return db_run(request, NULL, sql_bargain_set_plan, "si", text, bargain_id);
}

struct start {
	int64_t item_id;
	int64_t bargain_id; /* OUT */
	bool created;       /* OUT */
};

static int start_transaction(struct request *request, void *context)
{
	struct start *start = context;
	int64_t user_id = request->session.user_id;
	struct db_rows item;
	int status = db_run(request, &item, sql_item_for_start, "i", start->item_id);
	if (status != 0)
		return status;
	if (item.row_count != 1)
		return http_error(request, 404, "not_found");
	int64_t ends_at = db_int(&item, 0, ITEM_ENDS);
	if (request->work.now < db_int(&item, 0, ITEM_STARTS) || request->work.now >= ends_at)
		return http_error(request, 410, "campaign_not_active");

	/* Count before looking for the open one: a concurrent start that
	 * commits in between is then found as open (200), never counted
	 * against the limit without being seen. */
	struct db_rows started;
	status = db_run(request, &started, sql_bargains_started, "ii", user_id, start->item_id);
	if (status != 0)
		return status;
	struct db_rows open;
	status = db_run(request, &open, sql_open_bargain, "ii", user_id, start->item_id);
	if (status != 0)
		return status;
	if (open.row_count == 1) {
		struct bargain existing;
		status = bargain_load(request, db_int(&open, 0, 0), NULL, &existing);
		if (status != 0)
			return status;
		if (strcmp(bargain_status_shown(&existing, request->work.now), "expired") != 0) {
			start->bargain_id = existing.id;
			start->created = false;
			return 200;
		}
		/* Past its window: close it now rather than wait for the sweeper. */
		status = db_run(request, NULL, sql_bargain_close, "ii", request->work.now, existing.id);
		if (status != 0)
			return status;
		request->work.commit_on_error = true; /* a refusal below keeps the close */
	}
	if (db_int(&item, 0, ITEM_STOCK) <= 0)
		return http_error(request, 409, "out_of_stock");
	if (db_int(&started, 0, 0) >= db_int(&item, 0, ITEM_PER_USER))
		return http_error(request, 409, "bargain_limit");

	char code[SHARE_CODE_LENGTH + 1];
	share_code_new(code);
	int64_t expires_at = request->work.now + db_int(&item, 0, ITEM_TTL);
	if (expires_at > ends_at)
		expires_at = ends_at;
	int64_t price = db_int(&item, 0, ITEM_PRICE), floor_price = db_int(&item, 0, ITEM_FLOOR);
	struct db_rows inserted;
	status = db_run(request, &inserted, sql_bargain_insert, "iiisiiiiiiiiiisiiss", db_int(&item, 0, ITEM_CAMPAIGN),
			start->item_id, user_id, code, price, floor_price, price, db_int(&item, 0, ITEM_CUT_MIN),
			db_int(&item, 0, ITEM_CUT_MAX), db_null(&item, 0, ITEM_TARGET) ? 0 : db_int(&item, 0, ITEM_TARGET),
			db_int(&item, 0, ITEM_SELF_PER_DAY), db_int(&item, 0, ITEM_HELPS_PER_DAY),
			db_null(&item, 0, ITEM_HELPS_CAP) ? 0 : db_int(&item, 0, ITEM_HELPS_CAP),
			db_int(&item, 0, ITEM_PAY_WITHIN), db_text(&item, 0, ITEM_REWARDS), request->work.now, expires_at,
			request->client_ip, request->device_id ? request->device_id : "");
	if (status == 409 && db_was_duplicate(request))
		return DB_RETRY; /* a second start raced us: the next try returns the open one */
	if (status != 0)
		return status;
	start->bargain_id = (int64_t)inserted.insert_id;
	start->created = true;
	if ((status = http_outcome(request, stats_bargain_started(&request->work, db_int(&item, 0, ITEM_CAMPAIGN), start->item_id, user_id))) != 0)
		return status; /* stats */
	if (!db_null(&item, 0, ITEM_TARGET)) {
		status = plan_store(request, start->bargain_id, price - floor_price, &item);
		if (status != 0)
			return status;
	}
	return 201;
}

static int bargain_start(struct request *request)
{
	struct start start = { .item_id = body_int(request, "item_id", 0) };
	int status = db_transaction(request, start_transaction, &start);
	if (status != 200 && status != 201)
		return status;
	struct bargain bargain;
	int loaded = bargain_load(request, start.bargain_id, NULL, &bargain);
	if (loaded != 0)
		return loaded;
	return http_reply(request, status, bargain_json(request, &bargain));
}

/* =============================================================== read */

static const char *const sql_bargain_cuts =
	"SELECT k.kind, s.phone, k.cut_fen, UNIX_TIMESTAMP(k.created_at) FROM bargain_cut k "
	"JOIN shopper s ON s.id = k.user_id WHERE k.bargain_id = ? AND (? = 0 OR k.kind = 'help') "
	"ORDER BY k.seq DESC LIMIT ?";

/* The cut list: "self" for the owner's own cuts, masked phones for helps. */
static json_t *cuts_json(struct request *request, int64_t bargain_id, int64_t limit, bool only_helps, int *status)
{
	struct db_rows rows;
	*status = db_run(request, &rows, sql_bargain_cuts, "iii", bargain_id, (int64_t)only_helps, limit);
	json_t *list = json_array();
	if (*status != 0)
		return list;
	for (int r = 0; r < rows.row_count; r++) {
		bool self = strcmp(db_text(&rows, r, 0), "self") == 0;
		char masked[PHONE_MASKED_SIZE], at[CLOCK_RFC3339_SIZE];
		phone_mask(db_text(&rows, r, 1), masked);
		clock_format_rfc3339(db_int(&rows, r, 3), at);
		json_array_append_new(list, json_pack("{s:s, s:I, s:s}", "by", self ? "self" : masked, "cut_fen",
						      (json_int_t)db_int(&rows, r, 2), "at", at));
	}
	return list;
}

static int bargain_get(struct request *request)
{
	struct bargain bargain;
	int status = bargain_load(request, http_path_id(request, 0), NULL, &bargain);
	if (status != 0)
		return status;
	if (bargain.user_id != request->session.user_id)
		return http_error(request, 404, "not_found"); /* not 403: ids say nothing */
	const char *etag = bargain_etag(request, &bargain);
	http_header_add(request, "ETag", etag);
	http_header_add(request, "Cache-Control", "private, no-cache");
	if (etag_matches(request->if_none_match, etag))
		return http_reply(request, 304, NULL);
	json_t *object = http_own(request, bargain_json(request, &bargain));
	json_t *cuts = cuts_json(request, bargain.id, 1000, false, &status);
	json_object_set_new(object, "cuts", cuts);
	if (status != 0)
		return status;
	return http_reply(request, 200, json_incref(object));
}

static const char *const sql_my_bargains =
	"SELECT b.id FROM bargain b WHERE b.user_id = ? AND b.id < ? ORDER BY b.id DESC LIMIT ?";

static int bargain_list_mine(struct request *request)
{
	int64_t limit, cursor;
	int status = http_list_params_newest_first(request, &limit, &cursor);
	if (status != 0)
		return status;
	struct db_rows rows;
	status = db_run(request, &rows, sql_my_bargains, "iii", request->session.user_id, cursor, limit);
	if (status != 0)
		return status;
	json_t *items = http_own(request, json_array());
	for (int r = 0; r < rows.row_count; r++) {
		struct bargain bargain;
		status = bargain_load(request, db_int(&rows, r, 0), NULL, &bargain);
		if (status != 0)
			return status;
		json_array_append_new(items, bargain_json(request, &bargain));
	}
	int64_t last = rows.row_count ? db_int(&rows, rows.row_count - 1, 0) : 0;
	return http_reply(request, 200, json_pack("{s:O, s:o}", "items", items, "next_cursor",
						  http_next_cursor(last, rows.row_count == limit)));
}

/* ============================================================ landing */

static const char *const sql_landing_extra =
	"SELECT i.name, i.images_json, s.phone FROM campaign_item i JOIN shopper s ON s.id = ? WHERE i.id = ?";
static const char *const sql_share_open =
	"INSERT INTO share_open (bargain_id, campaign_id, client_ip, created_at) VALUES (?, ?, ?, FROM_UNIXTIME(?))";

/* The open's fraud check, the open and its counter (stats.h): one commit,
 * so a landing costs one log flush. A shadowed open is shown but not
 * counted; a block keeps only the check's record (fraud_check). */
static int share_open_transaction(struct request *request, void *context)
{
	const struct bargain *bargain = context;
	struct fraud_subject subject = { .share_code = bargain->share_code, .bargain_id = bargain->id };
	struct fraud_outcome outcome;
	int status = fraud_check(request, FRAUD_SCOPE_SHARE_OPEN, &subject, &outcome);
	if (status != 0 || outcome.action == FRAUD_SHADOW)
		return status != 0 ? status : 200;
	status = db_run(request, NULL, sql_share_open, "iisi", bargain->id, bargain->campaign_id, request->client_ip,
			request->work.now);
	if (status == 0)
		status = http_outcome(request, stats_bump(&request->work, bargain->campaign_id, bargain->item_id, "share_opens", 1));
	return status != 0 ? status : 200;
}

static int share_landing(struct request *request)
{
	const char *code = request->path_params[0];
	if (!share_code_shape(code))
		return share_unknown(request, FRAUD_SCOPE_SHARE_OPEN, code);
	struct bargain bargain;
	int status = bargain_load(request, 0, code, &bargain);
	if (status == 404)
		return share_unknown(request, FRAUD_SCOPE_SHARE_OPEN, code);
	if (status != 0)
		return status;
	const char *etag = bargain_etag(request, &bargain);
	http_header_add(request, "ETag", etag);
	http_header_add(request, "Cache-Control", "no-cache");
	if (etag_matches(request->if_none_match, etag))
		return http_reply(request, 304, NULL); /* a re-poll, not a new open */
	struct db_rows extra;
	status = db_run(request, &extra, sql_landing_extra, "ii", bargain.user_id, bargain.item_id);
	if (status != 0)
		return status;
	if (extra.row_count != 1)
		return http_error(request, 404, "not_found");
	/* The open is counted in its own table, never on the hot bargain row. */
	status = db_transaction(request, share_open_transaction, &bargain);
	if (status != 200)
		return status;
	json_t *object = http_own(request, bargain_json(request, &bargain));
	/* The initiator's share code is the link itself; shown, but the owner's
	 * private fields are not. */
	json_error_t error;
	json_t *images = json_loads(db_text(&extra, 0, 1), 0, &error);
	char masked[PHONE_MASKED_SIZE];
	phone_mask(db_text(&extra, 0, 2), masked);
	json_object_set_new(object, "item", json_pack("{s:I, s:s, s:o}", "id", (json_int_t)bargain.item_id, "name",
						      db_text(&extra, 0, 0), "images", images ? images : json_array()));
	json_object_set_new(object, "initiator", json_string(masked));
	json_t *helps = cuts_json(request, bargain.id, RECENT_HELPS, true, &status);
	json_object_set_new(object, "recent_helps", helps);
	if (status != 0)
		return status;
	return http_reply(request, 200, json_incref(object));
}

/* ======================================================== leaderboard */

static const char *const sql_leaderboard =
	"SELECT b.id, s.phone, b.succeeded_in_s, b.cut_total_fen FROM bargain b "
	"JOIN shopper s ON s.id = b.user_id "
	"WHERE b.campaign_id = ? AND b.succeeded_in_s IS NOT NULL AND b.held = 0 " /* held: not ranked */
	"ORDER BY b.succeeded_in_s ASC, b.cut_total_fen DESC, b.id ASC LIMIT ?";
static const char *const sql_campaign_exists = "SELECT 1 FROM campaign WHERE id = ?";

static int campaign_leaderboard(struct request *request)
{
	int64_t campaign_id = http_path_id(request, 0);
	struct db_rows rows;
	int status = db_run(request, &rows, sql_campaign_exists, "i", campaign_id);
	if (status != 0)
		return status;
	if (rows.row_count != 1)
		return http_error(request, 404, "not_found");
	status = db_run(request, &rows, sql_leaderboard, "ii", campaign_id, (int64_t)LEADERBOARD_SIZE);
	if (status != 0)
		return status;
	json_t *items = json_array();
	for (int r = 0; r < rows.row_count; r++) {
		char masked[PHONE_MASKED_SIZE];
		phone_mask(db_text(&rows, r, 1), masked);
		json_array_append_new(items, json_pack("{s:i, s:s, s:I, s:I, s:I}", "rank", r + 1, "user", masked,
						       "bargain_id", (json_int_t)db_int(&rows, r, 0), "succeeded_in_s",
						       (json_int_t)db_int(&rows, r, 2), "cut_total_fen",
						       (json_int_t)db_int(&rows, r, 3)));
	}
	return http_reply(request, 200, json_pack("{s:o}", "items", items));
}

/* ============================================================ coupons */

static const char *const sql_my_coupons =
	"SELECT id, title, amount_fen, min_spend_fen, UNIX_TIMESTAMP(starts_at), UNIX_TIMESTAMP(expires_at), "
	"status FROM coupon WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?";

static int coupon_list_mine(struct request *request)
{
	int64_t limit, cursor;
	int status = http_list_params_newest_first(request, &limit, &cursor);
	if (status != 0)
		return status;
	struct db_rows rows;
	status = db_run(request, &rows, sql_my_coupons, "iii", request->session.user_id, cursor, limit);
	if (status != 0)
		return status;
	json_t *items = json_array();
	for (int r = 0; r < rows.row_count; r++) {
		char starts[CLOCK_RFC3339_SIZE], expires[CLOCK_RFC3339_SIZE];
		int64_t expires_at = db_int(&rows, r, 5);
		clock_format_rfc3339(db_int(&rows, r, 4), starts);
		clock_format_rfc3339(expires_at, expires);
		const char *shown = db_text(&rows, r, 6);
		if (strcmp(shown, "available") == 0 && expires_at <= request->work.now)
			shown = "expired";
		json_array_append_new(items, json_pack("{s:I, s:s, s:I, s:I, s:s, s:s, s:s}", "id",
						       (json_int_t)db_int(&rows, r, 0), "title", db_text(&rows, r, 1),
						       "amount_fen", (json_int_t)db_int(&rows, r, 2), "min_spend_fen",
						       (json_int_t)db_int(&rows, r, 3), "starts_at", starts, "expires_at",
						       expires, "status", shown));
	}
	int64_t last = rows.row_count ? db_int(&rows, rows.row_count - 1, 0) : 0;
	return http_reply(request, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor",
						  http_next_cursor(last, rows.row_count == limit)));
}

/* The routes this file serves; server/routes.c lists the table. */
static const struct route routes[] = {
	{ "GET", "/api/v1/me/coupons", coupon_list_mine, AUTH_SHOPPER, 0, NULL },
	{ "POST", "/api/v1/bargains", bargain_start, AUTH_SHOPPER, 0, bargain_start_body },
	{ "GET", "/api/v1/bargains/{id}", bargain_get, AUTH_SHOPPER, 0, NULL },
	{ "POST", "/api/v1/bargains/{id}/cut", bargain_cut, AUTH_SHOPPER, 0, NULL },
	{ "GET", "/api/v1/me/bargains", bargain_list_mine, AUTH_SHOPPER, 0, NULL },
	{ "GET", "/api/v1/s/{code}", share_landing, AUTH_NONE, 0, NULL },
	{ "POST", "/api/v1/s/{code}/help", share_help, AUTH_SHOPPER, 0, NULL },
	{ "GET", "/api/v1/campaigns/{id}/leaderboard", campaign_leaderboard, AUTH_NONE, 0, NULL },
};

const struct route_table bargain_route_table = { routes, sizeof(routes) / sizeof(routes[0]) };
