/* engagement_store.h: the only SQL on engagement_setting, checkin,
 * invite_code, invitation, item_share, points_offer and points_exchange
 * (sql/019_engagement.sql). Named operations on a unit returning DB_OK, an
 * outcome or a door code; rows copied into the unit's arena. Reads may
 * join shopper and campaign_item (a flow's facts in one query); writes
 * touch only these tables. */
#ifndef KANJIA_ENGAGEMENT_STORE_H
#define KANJIA_ENGAGEMENT_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "engagement/engagement.h"

struct unit;

/* The stored settings JSON text, or *text NULL when none was stored. */
int engagement_setting_read(struct unit *unit, const char **text);
int engagement_setting_write(struct unit *unit, const char *text, int64_t admin_id);

/* The latest check-in of user (*found OUT). */
int checkin_last(struct unit *unit, int64_t user_id, bool *found, int64_t *day, int64_t *streak);
/* Records today's check-in. DB_DUPLICATE when one exists for that day. */
int checkin_insert(struct unit *unit, int64_t user_id, const char *day, int64_t streak, int64_t points,
		   int64_t bonus_points);
/* The days (YYYY-MM-DD, oldest first) between first and last inclusive. */
int checkin_days(struct unit *unit, int64_t user_id, const char *first, const char *last, char (**days)[11],
		 int *count);

/* user's invite code, or *code NULL. */
int invite_code_of(struct unit *unit, int64_t user_id, const char **code);
/* DB_DUPLICATE when user has one (or, rarely, code is taken). */
int invite_code_insert(struct unit *unit, int64_t user_id, const char *code);
/* The shopper with code: *inviter_id 0 when none; *blocked. */
int invite_code_owner(struct unit *unit, const char *code, int64_t *inviter_id, bool *blocked);
/* Whether an earlier invitee of inviter came from device_id (not "") or
 * subnet. */
int invitation_ring_facts(struct unit *unit, int64_t inviter_id, const char *device_id, const char *subnet,
			  bool *same_device, bool *same_subnet);
/* The letters of inviter's latest 63 invitations, oldest first ("" for
 * none): the invite-ring signature anti-fraud rules match. */
int invitation_signature(struct unit *unit, int64_t inviter_id, const char **signature);
/* Records the invitation with its ring letter. DB_DUPLICATE when invitee
 * has one. */
int invitation_insert(struct unit *unit, int64_t invitee_id, int64_t inviter_id, const char *ip, const char *subnet,
		      const char *device_id, char letter);
/* invitee's invitation qualifies with order_id if it has not yet:
 * *qualified (OUT) true only for the call that did it; *inviter_id (OUT). */
int invitation_qualify(struct unit *unit, int64_t invitee_id, int64_t order_id, bool *qualified,
		       int64_t *inviter_id);
/* inviter's qualified invitees (a locking read: concurrent qualifications
 * of one inviter count in turn) and whether the inviter is blocked. */
int invitation_qualified_count(struct unit *unit, int64_t inviter_id, int64_t *qualified, bool *blocked);
/* inviter's invitations and qualified ones. */
int invitation_counts(struct unit *unit, int64_t inviter_id, int64_t *invited, int64_t *qualified);
/* The grants made to inviter for invitations ("invite:%"), newest first. */
int invitation_rewards(struct unit *unit, int64_t inviter_id, struct invite_reward_row **rows, int *count);

/* The item exists (any campaign). */
int share_item_exists(struct unit *unit, int64_t item_id, bool *exists);
/* user's link for item, or *code NULL. */
int share_of(struct unit *unit, int64_t user_id, int64_t item_id, const char **code);
/* DB_DUPLICATE when code is taken. */
int share_insert(struct unit *unit, const char *code, int64_t user_id, int64_t item_id);
/* The sharer and item of code (share_reward's lookup): OUT_NOT_FOUND. */
int share_find(struct unit *unit, const char *code, int64_t *user_id, int64_t *item_id);
int share_landing_read(struct unit *unit, const char *code, struct item_share_landing *landing);

int points_offer_list(struct unit *unit, bool active_only, struct points_offer **offers, int *count);
/* OUT_NOT_FOUND. With lock, FOR UPDATE (the exchange's hot row). */
int points_offer_get(struct unit *unit, int64_t offer_id, bool lock, struct points_offer *offer);
int points_offer_insert(struct unit *unit, const struct points_offer *offer, int64_t *offer_id);
/* Writes offer's fields; the stock left moves by the change of the total
 * (guarded: never below zero; the caller holds the row's lock and checked
 * it, since an UPDATE that changes nothing reports no row). */
int points_offer_update(struct unit *unit, const struct points_offer *offer);
/* One unit of stock: OUT_OUT_OF_STOCK when none is left. */
int points_offer_take(struct unit *unit, int64_t offer_id);
/* user's exchanges of offer_id (a locking read after the offer's lock). */
int points_exchange_count(struct unit *unit, int64_t offer_id, int64_t user_id, int64_t *taken);
int points_exchange_insert(struct unit *unit, int64_t offer_id, int64_t user_id, int64_t cost_points,
			   int64_t coupon_id, int64_t red_packet_id, int64_t prize_id);

#endif
