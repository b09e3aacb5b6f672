/* routes.h: the route table and the handlers it names. */
#ifndef KANJIA_ROUTES_H
#define KANJIA_ROUTES_H

#include "router.h"

extern const struct route routes[];
extern const size_t route_count;

/* route_auth.c */
extern const struct field auth_sms_body[];
extern const struct field auth_login_body[];
int auth_sms(struct request *request);
int auth_login(struct request *request);
int auth_logout(struct request *request);
int me_get(struct request *request);

/* route_bargain.c */
extern const struct field bargain_start_body[];
int bargain_start(struct request *request);
int bargain_get(struct request *request);
int bargain_cut(struct request *request);
int bargain_list_mine(struct request *request);
int share_landing(struct request *request);
int share_help(struct request *request);
int campaign_leaderboard(struct request *request);
int coupon_list_mine(struct request *request);

/* order handlers: begin */
/* route_order.c */
extern const struct field cart_quote_body[];
extern const struct field order_create_body[];
extern const struct field payment_notify_body[];
int cart_quote(struct request *request);
int order_create(struct request *request);
int order_list_mine(struct request *request);
int order_get(struct request *request);
int order_pay(struct request *request);
int order_cancel(struct request *request);
int payment_sandbox_notify(struct request *request);
int points_get_mine(struct request *request);
/* order handlers: end */

/* admin and campaign handlers: begin */
/* route_admin.c */
extern const struct field admin_login_body[];
int admin_login(struct request *request);
int admin_logout(struct request *request);
int admin_campaign_list(struct request *request);
int admin_campaign_create(struct request *request);
int admin_campaign_get(struct request *request);
int admin_campaign_patch(struct request *request);
int admin_item_create(struct request *request);
int admin_item_patch(struct request *request);
int admin_audit_list(struct request *request);
/* campaign.c: the declared bodies of the campaign and item writes */
extern const struct field campaign_create_body[];
extern const struct field campaign_patch_body[];
extern const struct field campaign_item_body[];
extern const struct field campaign_item_patch_body[];
/* route_campaign.c */
int campaign_public_list(struct request *request);
int campaign_public_get(struct request *request);
/* admin and campaign handlers: end */

/* admin console handlers: begin */
/* route_stats.c */
extern const struct field cut_plan_preview_body[];
int admin_campaign_stats(struct request *request);
int admin_report_daily(struct request *request);
int admin_cut_plan_preview(struct request *request);
/* route_fulfil.c */
extern const struct field order_ship_body[];
extern const struct field order_refund_body[];
extern const struct field prize_fulfil_body[];
extern const struct field admin_account_create_body[];
extern const struct field admin_account_patch_body[];
int admin_order_list(struct request *request);
int admin_order_ship(struct request *request);
int admin_order_refund(struct request *request);
int admin_prize_list(struct request *request);
int admin_prize_fulfil(struct request *request);
int admin_user_list(struct request *request);
int admin_user_block(struct request *request);
int admin_user_unblock(struct request *request);
int admin_token_renew(struct request *request);
int admin_account_list(struct request *request);
int admin_account_create(struct request *request);
int admin_account_patch(struct request *request);
/* admin console handlers: end */

/* fraud handlers: begin */
/* route_fraud.c */
extern const struct field fraud_rule_create_body[];
extern const struct field fraud_rule_patch_body[];
extern const struct field fraud_dry_run_body[];
int admin_fraud_rule_list(struct request *request);
int admin_fraud_rule_create(struct request *request);
int admin_fraud_rule_patch(struct request *request);
int admin_fraud_rule_delete(struct request *request);
int admin_fraud_dry_run(struct request *request);
int admin_fraud_pack_load(struct request *request);
int admin_fraud_decision_list(struct request *request);
int admin_fraud_review_list(struct request *request);
int admin_fraud_review_release(struct request *request);
int admin_fraud_review_reject(struct request *request);
/* fraud handlers: end */

#endif
