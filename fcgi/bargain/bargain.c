/* bargain.c: the bargain feature's rules (pure) and flows (load, decide,
 * write); see bargain.h. */
#include "bargain/bargain.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/stats.h"
#include "bargain/bargain_store.h"
#include "bargain/landing_cache.h"
#include "bargain/share_count.h"
#include "bargain/cut.h"
#include "campaign/campaign.h"
#include "core/arena.h"
#include "core/arena_json.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/outcome.h"
#include "db/db.h"
#include "fraud/fraud_check.h"
#include "fraud/fraud_store.h"
#include "fraud/limit.h"
#include "live/live.h"
#include "reward/reward.h"

#define PLAN_TEXT_MAX (CUT_TARGET_MAX * 21)
_Static_assert(BARGAIN_MILESTONE_ENTRIES_MAX >= REWARD_MILESTONES_MAX, "a help weighs every initiator reward");
#define DAY_S 86400

/* ============================================================ pure rules */

bool share_code_shape(const char *code)
{
	if (code == NULL || strlen(code) != SHARE_CODE_LENGTH)
		return false;
	for (const char *p = code; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_'))
			return false;
	return true;
}

void share_code_new(char code[SHARE_CODE_LENGTH + 1])
{
	unsigned char random[SHARE_CODE_BYTES];
	crypto_random(random, sizeof(random));
	crypto_base64url(random, sizeof(random), code);
}

const char *bargain_status_shown(const struct bargain *bargain, int64_t now)
{
	if (strcmp(bargain->status, "active") == 0 && now >= bargain->expires_at)
		return "expired";
	return bargain->status;
}

int bargain_self_cut_refusal(const struct bargain *bargain, int64_t user_id, int64_t now)
{
	if (bargain->user_id != user_id)
		return OUT_NOT_FOUND;
	if (strcmp(bargain_status_shown(bargain, now), "active") != 0)
		return OUT_BARGAIN_CLOSED;
	return DB_OK;
}

int bargain_help_refusal(const struct bargain *bargain, int64_t helper_id, bool helped, int64_t now)
{
	if (bargain->user_id == helper_id)
		return OUT_SELF_HELP;
	if (strcmp(bargain_status_shown(bargain, now), "active") != 0)
		return OUT_BARGAIN_CLOSED;
	if (helped)
		return OUT_ALREADY_HELPED;
	return DB_OK;
}

int bargain_cut_refusal(const struct bargain *bargain, bool is_help)
{
	if (is_help && bargain->helps_limited && bargain->helpers >= bargain->helps_per_bargain)
		return OUT_HELPS_FULL;
	return OUT_BARGAIN_CLOSED;
}

int64_t bargain_cut_drawn(const struct bargain *bargain, uint64_t random)
{
	if (bargain->exact)
		return 0;
	return cut_range_amount(INT64_MAX, bargain->cut_min_fen, bargain->cut_max_fen, random);
}

void bargain_cut_apply(struct bargain *bargain, const struct bargain_cut_row *row, int64_t now)
{
	bargain->cuts = row->seq;
	bargain->last_cut_fen = row->cut_fen;
	bargain->current_price_fen = row->price_after_fen;
	bargain->helpers = row->helpers_after;
	bargain->cut_total_fen = bargain->original_price_fen - bargain->current_price_fen;
	if (bargain->current_price_fen == bargain->floor_price_fen) {
		bargain->status = "succeeded";
		bargain->succeeded_at = now;
	}
}

void bargain_shadow_cut(const struct bargain *bargain, uint64_t random, int64_t now, struct bargain *shown,
			int64_t *cut)
{
	*shown = *bargain;
	int64_t remaining = shown->current_price_fen - shown->floor_price_fen;
	assert(remaining > 0); /* an active bargain has money left */
	*cut = cut_range_amount(remaining, shown->cut_min_fen, shown->cut_max_fen, random);
	shown->current_price_fen -= *cut;
	if (shown->current_price_fen == shown->floor_price_fen) {
		shown->status = "succeeded";
		shown->succeeded_at = now;
	}
	shown->cut_total_fen = shown->original_price_fen - shown->current_price_fen;
	shown->helpers++;
	shown->cuts++;
}

int bargain_milestones_due(const json_t *rewards, int64_t helpers, const json_t **entries, int max)
{
	const json_t *initiator = json_object_get(rewards, "initiator");
	size_t index;
	const json_t *entry;
	int count = 0;
	json_array_foreach(initiator, index, entry) {
		if (json_integer_value(json_object_get(entry, "helpers")) != helpers)
			continue;
		if (count < max)
			entries[count++] = entry;
	}
	return count;
}

int bargain_start_window_refusal(const struct bargain_item *item, int64_t now)
{
	if (now < item->starts_at || now >= item->ends_at)
		return OUT_CAMPAIGN_NOT_ACTIVE;
	return DB_OK;
}

void bargain_start_decide(const struct bargain_start_facts *facts, struct bargain_start_decision *decision)
{
	const struct bargain_item *item = facts->item;
	*decision = (struct bargain_start_decision){ .refusal = bargain_start_window_refusal(item, facts->now) };
	if (decision->refusal != DB_OK)
		return;
	if (facts->open && !facts->open_expired) {
		decision->use_open = true;
		return;
	}
	/* Past its window: close it now rather than wait for the sweeper. */
	decision->close_open = facts->open;
	if (item->stock_left <= 0)
		decision->refusal = OUT_OUT_OF_STOCK;
	else if (facts->started >= item->bargains_per_user)
		decision->refusal = OUT_BARGAIN_LIMIT;
	decision->expires_at = facts->now + item->bargain_ttl_s;
	if (decision->expires_at > item->ends_at)
		decision->expires_at = item->ends_at;
}

const char *bargain_plan_text(struct unit *unit, const int64_t *plan, int64_t cuts)
{
	char *text = arena_alloc(unit->arena, PLAN_TEXT_MAX);
	size_t used = 0;
	text[0] = '\0';
	for (int64_t i = 0; i < cuts; i++)
		used += (size_t)snprintf(text + used, PLAN_TEXT_MAX - used, "%s%lld", i ? "," : "", (long long)plan[i]);
	return text;
}

const char *bargain_live_helps_from_cuts(struct unit *unit, const char *cuts_json, int64_t cuts_max,
					 int64_t helps_max)
{
	json_error_t error;
	json_t *cuts = cuts_json != NULL ? json_loads(cuts_json, 0, &error) : NULL;
	if (!json_is_array(cuts)) {
		json_decref(cuts);
		return NULL;
	}
	json_t *helps = json_array();
	size_t index;
	json_t *cut;
	json_array_foreach(cuts, index, cut) {
		if ((int64_t)json_array_size(helps) >= helps_max)
			break;
		const char *kind = json_string_value(json_array_get(cut, 0));
		if (kind != NULL && strcmp(kind, "help") == 0)
			json_array_append(helps, cut);
	}
	bool crowded = (int64_t)json_array_size(helps) < helps_max && (int64_t)json_array_size(cuts) >= cuts_max;
	const char *text = crowded ? NULL : arena_json_text(unit->arena, helps, JSON_COMPACT);
	json_decref(helps);
	json_decref(cuts);
	return text;
}

/* ================================================================ start */

/* The key exact plans are derived with. */
static const char *plan_key(const struct config *config)
{
	return config->cut_plan_secret[0] != '\0' ? config->cut_plan_secret : config->jwt_secret;
}

/* Fixes the exact plan of a new bargain. */
static int plan_store(struct unit *unit, int64_t bargain_id, const struct bargain_item *item)
{
	int64_t cuts = item->target_cuts;
	int64_t *plan = arena_alloc(unit->arena, sizeof(int64_t) * (size_t)(cuts > 0 ? cuts : 1));
	unsigned char seed[CUT_SEED_SIZE];
	const char *key = plan_key(unit->config);
	cut_plan_seed(key, strlen(key), bargain_id, seed);
	if (cut_plan_make(seed, item->original_price_fen - item->floor_price_fen, item->cut_min_fen, item->cut_max_fen,
			  cuts, plan) != 0)
		return OUT_INVALID_CAMPAIGN;
	return bargain_set_plan(unit, bargain_id, bargain_plan_text(unit, plan, cuts));
}

struct start {
	int64_t user_id, item_id;
	const struct fraud_client *client;
	int64_t bargain_id; /* OUT */
	bool created;       /* OUT */
};

static int start_body(struct unit *unit, void *context)
{
	struct start *start = context;
	struct bargain_item item;
	int status = bargain_item_get(unit, start->item_id, &item);
	if (status != DB_OK)
		return status;
	if ((status = bargain_start_window_refusal(&item, unit->now)) != DB_OK)
		return status;

	/* Count before looking for the open one: a concurrent start that
	 * commits in between is then found as open (200), never counted
	 * against the limit without being seen. */
	struct bargain_start_facts facts = { .item = &item, .now = unit->now };
	int64_t open_id = 0;
	if ((status = bargain_count_started(unit, start->user_id, start->item_id, &facts.started)) != DB_OK ||
	    (status = bargain_find_open(unit, start->user_id, start->item_id, &open_id)) != DB_OK)
		return status;
	struct bargain open;
	if (open_id != 0) {
		if ((status = bargain_get(unit, open_id, &open)) != DB_OK)
			return status;
		facts.open = true;
		facts.open_expired = strcmp(bargain_status_shown(&open, unit->now), "expired") == 0;
	}

	struct bargain_start_decision decision;
	bargain_start_decide(&facts, &decision);
	if (decision.use_open) {
		start->bargain_id = open.id;
		start->created = false;
		return DB_OK;
	}
	if (decision.close_open) {
		if ((status = bargain_close(unit, open.id)) != DB_OK)
			return status;
		unit->commit_on_error = true; /* a refusal below keeps the close */
	}
	if (decision.refusal != DB_OK)
		return decision.refusal;

	char code[SHARE_CODE_LENGTH + 1];
	share_code_new(code);
	struct bargain_new created = { .item = &item, .user_id = start->user_id, .share_code = code,
				       .expires_at = decision.expires_at, .start_ip = start->client->ip,
				       .start_device = start->client->device_id };
	status = bargain_insert(unit, &created, &start->bargain_id);
	if (status == DB_DUPLICATE)
		return DB_RETRY; /* a second start raced us: the next try returns the open one */
	if (status != DB_OK)
		return status;
	start->created = true;
	if ((status = stats_bargain_started(unit, item.campaign_id, start->item_id, start->user_id)) != DB_OK)
		return status; /* stats */
	if (item.exact && (status = plan_store(unit, start->bargain_id, &item)) != DB_OK)
		return status;
	return DB_OK;
}

int bargain_start(struct unit *unit, int64_t user_id, int64_t item_id, const struct fraud_client *client,
		  struct bargain *bargain, bool *created)
{
	struct start start = { .user_id = user_id, .item_id = item_id, .client = client };
	int status = db_atomic(unit, start_body, &start);
	if (status != DB_OK)
		return status;
	*created = start.created;
	return bargain_get(unit, start.bargain_id, bargain);
}

/* ================================================================== cut */

/* The shop's local day as a limit window. */
static void local_day(int64_t now, int64_t *start, int64_t *length)
{
	*start = clock_day_start(now);
	*length = clock_day_start(*start + DAY_S + 7200) - *start;
}

struct cut_attempt {
	struct bargain loaded; /* read before the transaction */
	int64_t cutter_id;
	bool is_help;
	const struct fraud_client *client;
	const char *letter; /* anti-fraud: the help's signature letter (NULL: none) */
	bool hold;          /* anti-fraud: a review decision holds the bargain */
	struct bargain_cut_answer *answer; /* OUT */
};

/* Takes the cut and records it: the stats first, then the hot row. Returns
 * DB_OK with answer->bargain as it is right after this cut,
 * OUT_BARGAIN_CLOSED, OUT_HELPS_FULL, OUT_ALREADY_HELPED, or a door code. */
static int cut_take(struct unit *unit, struct cut_attempt *attempt)
{
	struct bargain *bargain = &attempt->answer->bargain;
	uint64_t random = 0;
	if (!bargain->exact)
		crypto_random(&random, sizeof(random));
	int64_t drawn = bargain_cut_drawn(bargain, random);
	/* stats: counted before the hot row is touched (stats.h) */
	int status = stats_bump(unit, bargain->campaign_id, bargain->item_id, attempt->is_help ? "helps" : "self_cuts", 1);
	if (status != DB_OK)
		return status;
	bool taken = false;
	if ((status = bargain_take_cut(unit, bargain->id, drawn, attempt->is_help, attempt->letter, attempt->hold,
				       &taken)) != DB_OK)
		return status;
	if (!taken)
		return bargain_cut_refusal(bargain, attempt->is_help);
	/* The row as our UPDATE left it, read back by the INSERT itself: no
	 * separate read while the hot row is locked. */
	struct bargain_cut_row row;
	status = bargain_cut_record(unit, bargain->id, attempt->is_help, attempt->cutter_id, attempt->client->ip,
				    attempt->client->device_id, &row);
	if (status == DB_DUPLICATE)
		return OUT_ALREADY_HELPED;
	if (status != DB_OK)
		return status;
	bargain_cut_apply(bargain, &row, unit->now);
	attempt->answer->cut_fen = bargain->last_cut_fen;
	if (bargain->current_price_fen == bargain->floor_price_fen) /* stats: this cut reached the floor */
		status = stats_bump(unit, bargain->campaign_id, bargain->item_id, "succeeded", 1);
	return status;
}

/* A fresh answer for each try of a transaction. */
static void attempt_begin(struct cut_attempt *attempt)
{
	*attempt->answer = (struct bargain_cut_answer){ .bargain = attempt->loaded };
}

/* --------------------------------------------------------------- self-cut */

static int self_cut_body(struct unit *unit, void *context)
{
	struct cut_attempt *attempt = context;
	attempt_begin(attempt);
	const struct bargain *bargain = &attempt->loaded;
	int64_t start, length;
	local_day(unit->now, &start, &length);
	char bucket[LIMIT_BUCKET_MAX];
	snprintf(bucket, sizeof(bucket), "selfcut:%lld", (long long)bargain->id);
	int status = limit_take(unit, bucket, start, length, bargain->self_cuts_per_day, &attempt->answer->retry_after_s);
	if (status == OUT_RATE_LIMITED)
		return OUT_DAILY_LIMIT;
	if (status != DB_OK)
		return status;
	return cut_take(unit, attempt);
}

int bargain_self_cut(struct unit *unit, int64_t user_id, int64_t bargain_id, const struct fraud_client *client,
		     struct bargain_cut_answer *answer)
{
	struct cut_attempt attempt = { .cutter_id = user_id, .is_help = false, .client = client, .answer = answer };
	*answer = (struct bargain_cut_answer){ .cut_fen = 0 };
	int status = bargain_get(unit, bargain_id, &attempt.loaded);
	if (status != DB_OK)
		return status;
	if ((status = bargain_self_cut_refusal(&attempt.loaded, user_id, unit->now)) != DB_OK)
		return status;
	return db_atomic(unit, self_cut_body, &attempt); /* the last try's answer stays */
}

/* ------------------------------------------------------------------- help */

/* anti-fraud: a code that is malformed or leads nowhere is checked and
 * recorded too (rules on share_code catch scanners); then not found unless
 * a rule blocks it. */
static int share_unknown(struct unit *unit, const struct fraud_client *client, enum fraud_scope scope,
			 const char *code, int64_t user_id)
{
	struct fraud_subject subject = { .share_code = code, .user_id = user_id };
	struct fraud_outcome outcome;
	int status = fraud_check_unit(unit, client, scope, &subject, &outcome);
	return status != DB_OK ? status : OUT_NOT_FOUND;
}

/* ------------------------------------------------------------------- help
 *
 * A help is load, decide, write in two round trips (the route is
 * AUTH_SHOPPER_FOLDED: the helper's session facts come with the load when
 * the worker does not know the token yet): bargain_help_load() reads the bargain, the
 * already-helped check, anti-fraud's facts and the rules version in one
 * statement; pure code decides the refusals, the signature letter, the
 * rules' verdict, the limits to take and the rewards; bargain_help_apply()
 * writes it all in one CALL whose guards (limits, the hot row's
 * conditional UPDATE, the grant and cut keys) keep races out. */

void bargain_help_rewards_decide(struct unit *unit, const struct bargain *bargain, int64_t helper_id,
				 const json_t *rewards, struct reward *helper_reward, struct bargain_help_reward *helper,
				 struct reward *milestone_rewards, struct bargain_help_reward *milestones, int *count)
{
	*helper = (struct bargain_help_reward){ .user_id = helper_id };
	reward_read(json_object_get(rewards, "helper"), helper_reward);
	if (helper_reward->kind != REWARD_NONE) {
		helper->milestone = arena_printf(unit->arena, "help:%lld", (long long)helper_id);
		helper->reward = helper_reward;
		helper_reward->title = arena_strdup(unit->arena, helper_reward->title); /* the answer outlives rewards */
	}
	*count = 0;
	size_t index;
	const json_t *entry;
	json_array_foreach(json_object_get(rewards, "initiator"), index, entry) {
		if (*count == BARGAIN_MILESTONE_ENTRIES_MAX)
			break;
		reward_read(entry, &milestone_rewards[*count]);
		if (milestone_rewards[*count].kind == REWARD_NONE)
			continue;
		int64_t helpers = json_integer_value(json_object_get(entry, "helpers"));
		milestones[*count] = (struct bargain_help_reward){
			.user_id = bargain->user_id, .helpers = helpers, .reward = &milestone_rewards[*count],
			.milestone = arena_printf(unit->arena, "helpers:%lld", (long long)helpers) };
		(*count)++;
	}
}

/* anti-fraud: a block or a shadow is recorded at once and nothing else is
 * written (the block's record is kept: commit_on_error). */
static int judgement_record_body(struct unit *unit, void *context)
{
	struct fraud_outcome outcome;
	return fraud_judgement_record(unit, context, &outcome);
}

int bargain_help(struct unit *unit, int64_t helper_id, const char *code, const struct fraud_client *client,
		 struct bargain_cut_answer *answer)
{
	*answer = (struct bargain_cut_answer){ .cut_fen = 0 };
	if (!share_code_shape(code))
		return share_unknown(unit, client, FRAUD_SCOPE_HELP, code, helper_id);

	/* load: one statement */
	const char *device = client->device_id != NULL && client->device_id[0] != '\0' ? client->device_id : NULL;
	struct bargain bargain;
	struct fraud_help_row facts;
	struct bargain_landing landing;
	bool helped = false;
	int64_t rules_version = 0;
	int status = bargain_help_load(unit, code, helper_id, device, &bargain, &helped, &facts, &rules_version,
				       &landing);
	if (status == OUT_NOT_FOUND)
		return share_unknown(unit, client, FRAUD_SCOPE_HELP, code, helper_id);
	if (status != DB_OK)
		return status;

	/* decide */
	if ((status = bargain_help_refusal(&bargain, helper_id, helped, unit->now)) != DB_OK)
		return status;
	/* anti-fraud: the rules see this help's letter; the velocity limits
	 * count it; nothing is written before a block or a shadow */
	struct fraud_help help;
	fraud_help_decide(unit, client, &facts, &help);
	struct fraud_subject subject = { .phone = help.phone, .share_code = bargain.share_code,
					 .signature = help.signature, .user_id = helper_id, .bargain_id = bargain.id };
	struct fraud_judgement judgement;
	if ((status = fraud_judge(unit, client, FRAUD_SCOPE_HELP, &subject, rules_version, &judgement)) != DB_OK)
		return status;
	if (judgement.action == FRAUD_BLOCK || judgement.action == FRAUD_SHADOW) {
		if ((status = db_atomic(unit, judgement_record_body, &judgement)) != DB_OK)
			return status;
		/* shadow: a believable cut and the bargain as it would look after
		 * it; nothing is cut, counted or issued */
		uint64_t random;
		crypto_random(&random, sizeof(random));
		bargain_shadow_cut(&bargain, random, unit->now, &answer->bargain, &answer->cut_fen);
		answer->shadowed = true;
		return DB_OK;
	}

	struct limit_bucket limits[FRAUD_LIMITS_MAX + 1];
	int limit_count = 0;
	if ((status = fraud_velocity_buckets(unit, client, FRAUD_SCOPE_HELP, help.phone, limits, &limit_count)) != DB_OK)
		return status;
	int velocity_count = limit_count;
	struct limit_bucket *daily = &limits[limit_count++];
	snprintf(daily->name, sizeof(daily->name), "helps:%lld", (long long)helper_id);
	local_day(unit->now, &daily->window_start, &daily->window_length);
	daily->max = bargain.helps_per_user_per_day;
	daily->what = "helps per day";

	json_error_t error;
	json_t *rewards = bargain.rewards_json ? json_loads(bargain.rewards_json, 0, &error) : NULL;
	if (rewards == NULL)
		rewards = json_object();
	struct reward helper_reward, milestone_rewards[BARGAIN_MILESTONE_ENTRIES_MAX];
	struct bargain_help_reward helper, milestones[BARGAIN_MILESTONE_ENTRIES_MAX];
	int milestone_count = 0;
	bargain_help_rewards_decide(unit, &bargain, helper_id, rewards, &helper_reward, &helper, milestone_rewards,
				    milestones, &milestone_count);
	uint64_t random = 0;
	if (!bargain.exact)
		crypto_random(&random, sizeof(random));

	/* write: one CALL */
	struct bargain_help_write write = {
		.bargain = &bargain, .helper_id = helper_id, .client_ip = client->ip, .device = device,
		.drawn = bargain_cut_drawn(&bargain, random), .letter = help.letter,
		.hold = judgement.action == FRAUD_REVIEW, .event = &judgement.event, .rule_id = judgement.rule_id,
		.rule_field = judgement.rule_field, .shown = judgement.shown, .limits = limits,
		.limit_count = limit_count, .helper_reward = helper.reward ? &helper : NULL, .milestones = milestones,
		.milestone_count = milestone_count,
		/* live: the messages' cuts come back with the CALL (no read to publish) */
		.live_cuts = live_wanted(unit->config, bargain.id, unit->now) ? LIVE_OWNER_CUTS : 0,
		.live_helps = LIVE_RECENT_HELPS,
	};
	struct bargain_help_result result;
	status = bargain_help_apply(unit, &write, &result);
	json_decref(rewards);
	if (status != DB_OK)
		return status;
	switch (result.applied) {
	case HELP_LIMITED: {
		const struct limit_bucket *refused = &limits[result.limited_index];
		if (result.limited_index < velocity_count)
			fraud_velocity_refused(FRAUD_SCOPE_HELP, refused);
		answer->retry_after_s = limit_retry_after(unit->now, refused->window_start, refused->window_length);
		return OUT_RATE_LIMITED;
	}
	case HELP_NOT_TAKEN:
		return bargain_cut_refusal(&bargain, true);
	case HELP_ALREADY_HELPED:
		return OUT_ALREADY_HELPED;
	case HELP_APPLIED:
		break;
	}
	answer->bargain = bargain;
	bargain_cut_apply(&answer->bargain, &result.row, unit->now);
	/* live: the CALL leaves the helps out when its cuts hold them; cuts
	 * that turn out not to (crowded by a newer self-cut) or unreadable ones
	 * are dropped, and live.c reads the bargain again */
	const char *live_cuts = result.live_cuts_json, *live_helps = result.live_helps_json;
	if (live_cuts != NULL && live_helps == NULL) {
		live_helps = bargain_live_helps_from_cuts(unit, live_cuts, write.live_cuts, write.live_helps);
		if (live_helps == NULL)
			live_cuts = NULL;
	}
	answer->live = (struct bargain_live){ .cuts_json = live_cuts, .helps_json = live_helps, .landing = landing };
	answer->cut_fen = answer->bargain.last_cut_fen;
	if (result.coupon_id != 0) /* the helper's coupon as reward_issue() makes it */
		answer->reward = (struct coupon){ .id = result.coupon_id, .title = helper_reward.title,
						  .amount_fen = helper_reward.amount_fen,
						  .min_spend_fen = helper_reward.min_spend_fen, .starts_at = unit->now,
						  .expires_at = unit->now + helper_reward.valid_days * DAY_S,
						  .status = "available" };
	return DB_OK;
}

/* ================================================================ reads */

int bargain_show(struct unit *unit, int64_t user_id, int64_t bargain_id, const char *if_none_match,
		 struct bargain_view *view)
{
	*view = (struct bargain_view){ .etag = NULL };
	int status = bargain_get(unit, bargain_id, &view->bargain);
	if (status != DB_OK)
		return status;
	if (view->bargain.user_id != user_id)
		return OUT_NOT_FOUND; /* not 403: ids say nothing */
	view->etag = bargain_etag(unit, &view->bargain);
	if (etag_matches(if_none_match, view->etag)) {
		view->not_modified = true;
		return DB_OK;
	}
	return bargain_cut_list(unit, view->bargain.id, BARGAIN_CUTS_SHOWN, false, &view->cuts, &view->cut_count);
}

int bargain_list_of(struct unit *unit, int64_t user_id, int64_t before, int64_t limit, struct bargain **bargains,
		    int *count)
{
	int64_t *ids;
	int status = bargain_ids_of_user(unit, user_id, before, limit, &ids, count);
	if (status != DB_OK)
		return status;
	struct bargain *list = arena_alloc(unit->arena, sizeof(*list) * (size_t)(*count + 1));
	for (int i = 0; i < *count; i++)
		if ((status = bargain_get(unit, ids[i], &list[i])) != DB_OK)
			return status;
	*bargains = list;
	return DB_OK;
}

int bargain_ranking(struct unit *unit, int64_t campaign_id, struct bargain_rank **ranks, int *count)
{
	return bargain_leaderboard(unit, campaign_id, BARGAIN_LEADERBOARD_SIZE, ranks, count);
}

/* ============================================================== landing */

/* The open's anti-fraud check, then the open noted for the worker's next
 * batch (share_count.h): no commit of its own. An allowed check's event
 * travels with the batch; review, shadow and block are written at once by
 * the check. A shadowed open is shown but not counted; a block answers
 * OUT_RISK_REJECTED with its record kept. */
static int share_open_note(struct unit *unit, const struct bargain *bargain, const char *signature,
			   const struct fraud_client *client)
{
	struct fraud_subject subject = { .share_code = bargain->share_code, .bargain_id = bargain->id,
					 .signature = signature ? signature : "" };
	struct fraud_outcome outcome;
	struct fraud_event_row event;
	bool deferred = false;
	int status = fraud_check_deferred(unit, client, FRAUD_SCOPE_SHARE_OPEN, &subject, &outcome, &event, &deferred);
	if (status != DB_OK || outcome.action == FRAUD_SHADOW)
		return status;
	int64_t start, length;
	local_day(unit->now, &start, &length);
	struct share_open_note open = { .bargain_id = bargain->id, .campaign_id = bargain->campaign_id,
					.item_id = bargain->item_id, .day_start = start, .at = unit->now,
					.client_ip = client->ip, .device_id = client->device_id };
	share_count_note(&open, deferred ? &event : NULL, unit->request_id);
	return DB_OK;
}

/* The landing's answer once its facts are in view: a re-poll of what the
 * client already has is 304 and not a new open; anything else is an open. */
static int landing_answer(struct unit *unit, struct bargain_landing_view *view, const char *if_none_match,
			  const struct fraud_client *client)
{
	view->etag = bargain_etag(unit, &view->bargain);
	if (etag_matches(if_none_match, view->etag)) {
		view->not_modified = true;
		return DB_OK;
	}
	return share_open_note(unit, &view->bargain, view->landing.signature, client);
}

int bargain_landing_show(struct unit *unit, const char *code, int64_t user_id, const struct fraud_client *client,
			 const char *if_none_match, struct bargain_landing_view *view)
{
	*view = (struct bargain_landing_view){ .etag = NULL };
	if (!share_code_shape(code))
		return share_unknown(unit, client, FRAUD_SCOPE_SHARE_OPEN, code, user_id);
	int status;
	const struct landing_facts *kept = landing_cache_find(code, clock_micros(), unit->config->landing_cache_ms);
	if (kept != NULL) {
		view->bargain = kept->bargain;
		view->landing = kept->landing;
		view->helps = kept->helps;
		view->help_count = kept->help_count;
		return landing_answer(unit, view, if_none_match, client);
	}
	if (if_none_match != NULL && if_none_match[0] != '\0') {
		/* a re-poll: the bargain alone tells whether anything changed */
		status = bargain_get_by_code(unit, code, &view->bargain);
		if (status == OUT_NOT_FOUND)
			return share_unknown(unit, client, FRAUD_SCOPE_SHARE_OPEN, code, user_id);
		if (status != DB_OK)
			return status;
		view->etag = bargain_etag(unit, &view->bargain);
		if (etag_matches(if_none_match, view->etag)) {
			view->not_modified = true; /* not a new open */
			return DB_OK;
		}
	}
	struct mark_stamp stamp = landing_cache_stamp(code, clock_micros());
	status = bargain_landing_by_code(unit, code, BARGAIN_RECENT_HELPS, &view->bargain, &view->landing, &view->helps,
					 &view->help_count);
	if (status == OUT_NOT_FOUND)
		return share_unknown(unit, client, FRAUD_SCOPE_SHARE_OPEN, code, user_id);
	if (status != DB_OK)
		return status;
	landing_cache_keep(code, &stamp,
			   &(struct landing_facts){ .bargain = view->bargain, .landing = view->landing,
						    .helps = view->helps, .help_count = view->help_count });
	/* a match here: changed back between the two reads, still a re-poll */
	return landing_answer(unit, view, if_none_match, client);
}

int bargain_owned(struct unit *unit, int64_t bargain_id, int64_t user_id)
{
	struct bargain bargain;
	int status = bargain_get(unit, bargain_id, &bargain);
	if (status == DB_OK && bargain.user_id != user_id)
		return OUT_NOT_FOUND;
	return status;
}

int bargain_code_known(struct unit *unit, const char *code, int64_t *bargain_id)
{
	if (!share_code_shape(code))
		return OUT_NOT_FOUND;
	struct bargain bargain;
	int status = bargain_get_by_code(unit, code, &bargain);
	if (status == DB_OK)
		*bargain_id = bargain.id;
	return status;
}

/* ============================================================ plan preview */

int bargain_plan_preview(struct unit *unit, int64_t price_fen, int64_t floor_fen, int64_t min_fen, int64_t max_fen,
			 int64_t cuts, int64_t **plan, enum bargain_plan_problem *problem)
{
	assert(cuts >= 1 && cuts <= CUT_TARGET_MAX); /* the route's field limits */
	*problem = PLAN_FINE;
	if (floor_fen >= price_fen)
		*problem = PLAN_FLOOR_NOT_BELOW_PRICE;
	else if (max_fen < min_fen)
		*problem = PLAN_MAX_BELOW_MIN;
	else if (!cut_plan_feasible(price_fen - floor_fen, min_fen, max_fen, cuts))
		*problem = PLAN_CUTS_CANNOT_FIT;
	if (*problem != PLAN_FINE)
		return OUT_INVALID_CAMPAIGN;
	unsigned char seed[CUT_SEED_SIZE];
	crypto_random(seed, sizeof(seed));
	*plan = arena_alloc(unit->arena, sizeof(int64_t) * (size_t)cuts);
	if (cut_plan_make(seed, price_fen - floor_fen, min_fen, max_fen, cuts, *plan) != 0) {
		*problem = PLAN_NOT_MADE;
		return OUT_INVALID_CAMPAIGN;
	}
	return DB_OK;
}

/* ================================================================ sweep */

long bargain_sweep(struct unit *unit)
{
	long closed = bargain_close_expired(unit);
	if (closed > 0)
		log_info("sweep: closed %ld expired bargains", closed);
	return closed;
}
