/* outcome.h: what a feature's flow can answer besides success, as one
 * X-macro list.
 *
 * Flows (<feature>.c) and stores know nothing of HTTP: they return DB_OK,
 * one of the database door's codes (db/db.h), or one of these outcomes.
 * The route layer maps them once (http_outcome() in http/http.h): the
 * status and the API.md error code of each outcome are columns of this
 * list, read only by http/. The Chinese sentence for each code lives in
 * http/messages.c.
 *
 * Outcomes start at OUTCOME_BASE so that they never collide with the door's
 * codes (0-4) or with an HTTP status (100-599) that old route code still
 * returns through the same int. */
#ifndef KANJIA_OUTCOME_H
#define KANJIA_OUTCOME_H

#define OUTCOME_BASE 1000

/* X(name, HTTP status, API error code) */
#define OUTCOME_LIST(X) \
	X(OUT_BAD_REQUEST, 400, "bad_request") \
	X(OUT_INVALID_FIELD, 400, "invalid_field") \
	X(OUT_MISSING_FIELD, 400, "missing_field") \
	X(OUT_INVALID_PHONE, 400, "invalid_phone") \
	X(OUT_UNAUTHORIZED, 401, "unauthorized") \
	X(OUT_INVALID_CODE, 401, "invalid_code") \
	X(OUT_INVALID_CREDENTIALS, 401, "invalid_credentials") \
	X(OUT_BAD_SIGNATURE, 401, "bad_signature") \
	X(OUT_FORBIDDEN, 403, "forbidden") \
	X(OUT_RISK_REJECTED, 403, "risk_rejected") \
	X(OUT_ACCOUNT_BLOCKED, 403, "account_blocked") \
	X(OUT_SELF_HELP, 403, "self_help") \
	X(OUT_NOT_FOUND, 404, "not_found") \
	X(OUT_CONFLICT, 409, "conflict") \
	X(OUT_INVALID_STATE, 409, "invalid_state") \
	X(OUT_OUT_OF_STOCK, 409, "out_of_stock") \
	X(OUT_INSUFFICIENT_STOCK, 409, "insufficient_stock") \
	X(OUT_IN_PROGRESS, 409, "in_progress") \
	X(OUT_ALREADY_HELPED, 409, "already_helped") \
	X(OUT_HELPS_FULL, 409, "helps_full") \
	X(OUT_BARGAIN_LIMIT, 409, "bargain_limit") \
	X(OUT_BARGAIN_NOT_SUCCEEDED, 409, "bargain_not_succeeded") \
	X(OUT_REVIEW_CLOSED, 409, "review_closed") \
	X(OUT_INSUFFICIENT_POINTS, 409, "insufficient_points") \
	X(OUT_ALREADY_PLAYED, 409, "already_played") \
	X(OUT_PUBLISHED, 409, "published") \
	X(OUT_OUTBID, 409, "outbid") \
	X(OUT_IN_USE, 409, "in_use") \
	X(OUT_ALREADY_CHECKED_IN, 409, "already_checked_in") \
	X(OUT_LIMIT_REACHED, 409, "limit_reached") \
	X(OUT_BUDGET_EXHAUSTED, 409, "budget_exhausted") \
	X(OUT_CAMPAIGN_NOT_ACTIVE, 410, "campaign_not_active") \
	X(OUT_BARGAIN_CLOSED, 410, "bargain_closed") \
	X(OUT_GAME_CLOSED, 410, "game_closed") \
	X(OUT_PRESALE_CLOSED, 410, "presale_closed") \
	X(OUT_INVALID_CAMPAIGN, 422, "invalid_campaign") \
	X(OUT_INVALID_PATTERN, 422, "invalid_pattern") \
	X(OUT_INVALID_GAME, 422, "invalid_game") \
	X(OUT_INVALID_PROMOTION, 422, "invalid_promotion") \
	X(OUT_UNPROCESSABLE_FIELD, 422, "invalid_field") \
	X(OUT_COUPON_NOT_APPLICABLE, 422, "coupon_not_applicable") \
	X(OUT_PROMOTION_NOT_APPLICABLE, 422, "promotion_not_applicable") \
	X(OUT_MIXED_CAMPAIGNS, 422, "mixed_campaigns") \
	X(OUT_POINTS_NOT_ACCEPTED, 422, "points_not_accepted") \
	X(OUT_IDEMPOTENCY_KEY_REUSED, 422, "idempotency_key_reused") \
	X(OUT_AMOUNT_MISMATCH, 422, "amount_mismatch") \
	X(OUT_RATE_LIMITED, 429, "rate_limited") \
	X(OUT_DAILY_LIMIT, 429, "daily_limit") \
	X(OUT_UNAVAILABLE, 503, "unavailable") \
	X(OUT_INTERNAL_ERROR, 500, "internal_error")

enum outcome {
	OUTCOME_FIRST = OUTCOME_BASE - 1,
#define OUTCOME_ENUM(name, status, code) name,
	OUTCOME_LIST(OUTCOME_ENUM)
#undef OUTCOME_ENUM
	OUTCOME_END
};

#endif
