/* bargain.h: reading and showing bargains, shared by the bargain routes and
 * the sweeper. */
#ifndef KANJIA_BARGAIN_H
#define KANJIA_BARGAIN_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#define SHARE_CODE_BYTES 12 /* 96 random bits */
#define SHARE_CODE_LENGTH 16

struct request;

struct bargain {
	int64_t id, item_id, campaign_id, user_id;
	const char *status; /* as stored */
	int64_t original_price_fen, floor_price_fen, current_price_fen, cut_total_fen;
	int64_t helpers, cuts, last_cut_fen;
	int64_t cut_min_fen, cut_max_fen;
	const char *share_code;
	int64_t started_at, expires_at, succeeded_at; /* expires_at: the earlier of its own and its campaign's end */
	bool exact; /* target_cuts set */
	int64_t target_cuts;
	bool helps_limited;
	int64_t helps_per_bargain, self_cuts_per_day, helps_per_user_per_day;
	const char *rewards_json;
};

/* True for 16 characters of the base64url alphabet. */
bool share_code_shape(const char *code);
/* Writes a fresh share code (16 characters and NUL). */
void share_code_new(char code[SHARE_CODE_LENGTH + 1]);
/* The status a shopper sees: an active bargain past its window is expired
 * at once, before the sweeper closes it in the database. */
const char *bargain_status_shown(const struct bargain *bargain, int64_t now);
/* Loads the bargain with id (by_code NULL) or share code. Returns 0, 404
 * not_found, or a DB status. lock: FOR UPDATE. */
int bargain_load(struct request *request, int64_t id, const char *by_code, struct bargain *bargain);
/* bargain_load() by share code for a would-be helper, telling in the same
 * read whether helper_id has helped it already (*helped, OUT). */
int bargain_load_for_helper(struct request *request, const char *code, int64_t helper_id, struct bargain *bargain,
			    bool *helped);
/* The bargain object of API.md; a new reference. */
json_t *bargain_json(struct request *request, const struct bargain *bargain);
/* A strong ETag of what a shopper sees of the bargain. */
const char *bargain_etag(struct request *request, const struct bargain *bargain);
/* True when If-None-Match names etag (weak or strong, or in a list). */
bool etag_matches(const char *if_none_match, const char *etag);
/* Closes active bargains past their window. Returns the number closed, or
 * -1 on a DB error. */
long bargain_sweep(struct request *request);

#endif
