/* routes.c: every route of API.md that this build serves, in one table.
 * The dispatcher (router.c) is the only code that walks it. */
#include "routes.h"

const struct route routes[] = {
	/* shopper login */
	{ "POST", "/api/v1/auth/sms", auth_sms, AUTH_NONE, 0, auth_sms_body },
	{ "POST", "/api/v1/auth/login", auth_login, AUTH_NONE, 0, auth_login_body },
	{ "POST", "/api/v1/auth/logout", auth_logout, AUTH_SHOPPER, 0, NULL },
	{ "GET", "/api/v1/me", me_get, AUTH_SHOPPER, 0, NULL },
	/* bargain routes: begin */
	{ "GET", "/api/v1/me/coupons", coupon_list_mine, AUTH_SHOPPER, 0, NULL },

	/* bargains */
	{ "POST", "/api/v1/bargains", bargain_start, AUTH_SHOPPER, 0, bargain_start_body },
	{ "GET", "/api/v1/bargains/{id}", bargain_get, AUTH_SHOPPER, 0, NULL },
	{ "POST", "/api/v1/bargains/{id}/cut", bargain_cut, AUTH_SHOPPER, 0, NULL },
	{ "GET", "/api/v1/me/bargains", bargain_list_mine, AUTH_SHOPPER, 0, NULL },
	{ "GET", "/api/v1/s/{code}", share_landing, AUTH_NONE, 0, NULL },
	{ "POST", "/api/v1/s/{code}/help", share_help, AUTH_SHOPPER, 0, NULL },
	{ "GET", "/api/v1/campaigns/{id}/leaderboard", campaign_leaderboard, AUTH_NONE, 0, NULL },
	/* bargain routes: end */

	/* order routes: begin */
	{ "POST", "/api/v1/cart/quote", cart_quote, AUTH_SHOPPER, 0, cart_quote_body },
	{ "POST", "/api/v1/orders", order_create, AUTH_SHOPPER, 0, order_create_body },
	{ "GET", "/api/v1/orders", order_list_mine, AUTH_SHOPPER, 0, NULL },
	{ "GET", "/api/v1/orders/{id}", order_get, AUTH_SHOPPER, 0, NULL },
	{ "POST", "/api/v1/orders/{id}/pay", order_pay, AUTH_SHOPPER, 0, NULL },
	{ "POST", "/api/v1/orders/{id}/cancel", order_cancel, AUTH_SHOPPER, 0, NULL },
	{ "POST", "/api/v1/payments/sandbox/notify", payment_sandbox_notify, AUTH_NONE, 0, payment_notify_body },
	{ "GET", "/api/v1/me/points", points_get_mine, AUTH_SHOPPER, 0, NULL },
	/* order routes: end */

	/* admin and campaign routes: begin */
	{ "GET", "/api/v1/campaigns", campaign_public_list, AUTH_NONE, 0, NULL },
	{ "GET", "/api/v1/campaigns/{id}", campaign_public_get, AUTH_NONE, 0, NULL },
	{ "POST", "/api/v1/admin/login", admin_login, AUTH_NONE, 0, admin_login_body },
	{ "POST", "/api/v1/admin/logout", admin_logout, AUTH_ADMIN, 0, NULL },
	{ "GET", "/api/v1/admin/campaigns", admin_campaign_list, AUTH_ADMIN, 0, NULL },
	{ "POST", "/api/v1/admin/campaigns", admin_campaign_create, AUTH_ADMIN, ROLE_OPERATOR, campaign_create_body },
	{ "GET", "/api/v1/admin/campaigns/{id}", admin_campaign_get, AUTH_ADMIN, 0, NULL },
	{ "PATCH", "/api/v1/admin/campaigns/{id}", admin_campaign_patch, AUTH_ADMIN, ROLE_OPERATOR, campaign_patch_body },
	{ "POST", "/api/v1/admin/campaigns/{id}/items", admin_item_create, AUTH_ADMIN, ROLE_OPERATOR, campaign_item_body },
	{ "PATCH", "/api/v1/admin/items/{id}", admin_item_patch, AUTH_ADMIN, ROLE_OPERATOR, campaign_item_patch_body },
	{ "GET", "/api/v1/admin/audit", admin_audit_list, AUTH_ADMIN, ROLE_OWNER, NULL },
	/* admin and campaign routes: end */

	/* admin console routes: begin (route_stats.c, route_fulfil.c) */
	{ "GET", "/api/v1/admin/campaigns/{id}/stats", admin_campaign_stats, AUTH_ADMIN, 0, NULL },
	{ "GET", "/api/v1/admin/reports/daily", admin_report_daily, AUTH_ADMIN, 0, NULL },
	{ "POST", "/api/v1/admin/cut-plan/preview", admin_cut_plan_preview, AUTH_ADMIN, ROLE_OPERATOR, cut_plan_preview_body },
	{ "GET", "/api/v1/admin/orders", admin_order_list, AUTH_ADMIN, 0, NULL },
	{ "POST", "/api/v1/admin/orders/{id}/ship", admin_order_ship, AUTH_ADMIN, ROLE_FULFILMENT, order_ship_body },
	{ "POST", "/api/v1/admin/orders/{id}/refund", admin_order_refund, AUTH_ADMIN, ROLE_FULFILMENT, order_refund_body },
	{ "GET", "/api/v1/admin/prizes", admin_prize_list, AUTH_ADMIN, 0, NULL },
	{ "POST", "/api/v1/admin/prizes/{id}/fulfil", admin_prize_fulfil, AUTH_ADMIN, ROLE_FULFILMENT, prize_fulfil_body },
	{ "GET", "/api/v1/admin/users", admin_user_list, AUTH_ADMIN, 0, NULL },
	{ "POST", "/api/v1/admin/users/{id}/block", admin_user_block, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "POST", "/api/v1/admin/users/{id}/unblock", admin_user_unblock, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "POST", "/api/v1/admin/token/renew", admin_token_renew, AUTH_ADMIN, 0, NULL },
	{ "GET", "/api/v1/admin/admins", admin_account_list, AUTH_ADMIN, ROLE_OWNER, NULL },
	{ "POST", "/api/v1/admin/admins", admin_account_create, AUTH_ADMIN, ROLE_OWNER, admin_account_create_body },
	{ "PATCH", "/api/v1/admin/admins/{id}", admin_account_patch, AUTH_ADMIN, ROLE_OWNER, admin_account_patch_body },
	/* admin console routes: end */

	/* fraud routes: begin */
	{ "GET", "/api/v1/admin/fraud/rules", admin_fraud_rule_list, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "POST", "/api/v1/admin/fraud/rules", admin_fraud_rule_create, AUTH_ADMIN, ROLE_RISK, fraud_rule_create_body },
	{ "PATCH", "/api/v1/admin/fraud/rules/{id}", admin_fraud_rule_patch, AUTH_ADMIN, ROLE_RISK, fraud_rule_patch_body },
	{ "DELETE", "/api/v1/admin/fraud/rules/{id}", admin_fraud_rule_delete, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "POST", "/api/v1/admin/fraud/rules/dry-run", admin_fraud_dry_run, AUTH_ADMIN, ROLE_RISK, fraud_dry_run_body },
	{ "POST", "/api/v1/admin/fraud/rules/pack", admin_fraud_pack_load, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "GET", "/api/v1/admin/fraud/decisions", admin_fraud_decision_list, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "GET", "/api/v1/admin/fraud/reviews", admin_fraud_review_list, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "POST", "/api/v1/admin/fraud/reviews/{id}/release", admin_fraud_review_release, AUTH_ADMIN, ROLE_RISK, NULL },
	{ "POST", "/api/v1/admin/fraud/reviews/{id}/reject", admin_fraud_review_reject, AUTH_ADMIN, ROLE_RISK, NULL },
	/* fraud routes: end */
};

const size_t route_count = sizeof(routes) / sizeof(routes[0]);
