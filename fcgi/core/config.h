/* config.h: the one config file, as a table of keys.
 *
 * Format: "key = value" lines, '#' starts a comment line. Every key has a
 * type, a default and bounds (see config.c's table, which is also what
 * `kanjiad help-config` prints). Unknown keys, duplicates, values out of
 * bounds and a missing or short JWT secret are refused with a message that
 * names the key. */
#ifndef KANJIA_CONFIG_H
#define KANJIA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONFIG_SECRET_MIN 32

struct config {
	/* process pool */
	char *listen;
	char *listen_group;
	/* scale-out: begin */
	char *listen_tcp;   /* IPv4 address:port, empty: the Unix socket only */
	char *listen_allow; /* the nginx hosts accepted on listen_tcp */
	/* scale-out: end */
	int64_t workers;
	int64_t max_requests;
	char *log_level;
	/* database */
	char *db_socket;
	char *db_host;
	int64_t db_port;
	char *db_hosts; /* scale-out: host:port list tried in order, empty: db_host */
	/* read replica: begin (db_read in db/db.h) */
	char *db_read_host; /* empty: every read on the primary */
	int64_t db_read_port;
	char *db_read_user; /* empty: db_user and db_password */
	char *db_read_password;
	int64_t db_read_max_lag_s;
	/* read replica: end */
	char *db_user;
	char *db_password;
	char *db_name;
	int64_t db_retries;
	char *migrations_dir;
	/* sessions */
	char *jwt_secret;
	char *jwt_kid;
	char *jwt_previous_secret;
	char *jwt_previous_kid;
	int64_t jwt_previous_until; /* epoch seconds; 0: none */
	char *jwt_issuer;
	char *jwt_audience;
	char *jwt_admin_audience;
	int64_t token_ttl_s;
	int64_t admin_token_ttl_s;
	/* admin login */
	int64_t admin_fail_limit;
	int64_t admin_fail_window_s;
	int64_t admin_lock_s;
	int64_t admin_backoff_base_s;
	int64_t admin_source_window_s;
	int64_t admin_phone_lookup_per_hour;
	int64_t admin_phone_lookup_per_day;
	/* anti-fraud: begin */
	char *fraud_sms_limits;
	char *fraud_login_limits;
	char *fraud_help_limits;
	char *fraud_order_limits;
	char *fraud_checkin_limits;  /* engagement */
	char *fraud_exchange_limits;
	char *fraud_invite_limits;
	int64_t fraud_fast_help_s;
	int64_t fraud_new_account_s;
	int64_t fraud_keep_days;
	/* anti-fraud: end */
	/* operations: begin */
	int64_t listen_backlog;
	int64_t queue_timeout_ms;
	int64_t request_timeout_s;
	int64_t slow_request_ms;
	char *metrics_allow;
	int64_t password_hash_concurrency;
	/* operations: end */
	/* shop */
	char *timezone;
	char *public_base_url;
	/* SMS login */
	char *sms_provider;
	int64_t sms_code_ttl_s;
	int64_t sms_code_max_tries;
	int64_t sms_phone_gap_s;
	int64_t sms_phone_per_hour;
	int64_t sms_phone_per_day;
	int64_t sms_ip_per_hour;
	int64_t sms_ip_per_day;
	int64_t login_fail_limit;
	int64_t login_fail_window_s;
	int64_t login_lock_s;
	int64_t login_source_window_s;
	int64_t login_ip_fail_limit;
	int64_t login_subnet_fail_limit;
	int64_t login_device_fail_limit;
	/* bargains */
	char *cut_plan_secret;
	int64_t sweep_interval_s;
	/* checkout: begin */
	char *payment_provider;
	char *sandbox_secret;
	int64_t order_pay_within_s;
	int64_t idempotency_ttl_s;
	int64_t points_per_yuan_paid;
	int64_t order_complete_after_days;
	/* checkout: end */
	/* providers: begin (keys of the outside services; see README "Going live") */
	char *sms_sign_name;
	char *sms_template;
	char *sms_aliyun_url;
	char *sms_aliyun_key_id;
	char *sms_aliyun_key_secret;
	char *sms_tencent_url;
	char *sms_tencent_secret_id;
	char *sms_tencent_secret_key;
	char *sms_tencent_app_id;
	char *sms_tencent_region;
	char *wechatpay_url;
	char *wechatpay_mchid;
	char *wechatpay_appid;
	char *wechatpay_serial_no;
	char *wechatpay_private_key_file;
	char *wechatpay_api_v3_key;
	char *wechatpay_platform_key_file;
	char *alipay_url;
	char *alipay_app_id;
	char *alipay_private_key_file;
	char *alipay_public_key_file;
	char *wechat_api_url;
	char *wechat_appid;
	char *wechat_app_secret;
	/* providers: end */
	/* live: begin */
	char *live_socket;
	int64_t live_timeout_ms;
	/* live: end */
	int64_t landing_cache_ms; /* bargain/landing_cache.h */
	int64_t me_cache_ms;      /* shopper/me_cache.h */
};

/* Fills *config from the file at path, defaults first. Returns 0, or -1
 * with a message naming the key (or the line) in error[error_size]. The
 * strings in *config are owned by it: release with config_free(). */
int config_load(struct config *config, const char *path, char *error, size_t error_size);
/* The same from text already in memory (used by the loader and the tests). */
int config_parse(struct config *config, const char *text, char *error, size_t error_size);
void config_free(struct config *config);
/* Prints every key with its type, default and bounds. */
void config_describe(FILE *out);
/* Checks what the values point to, for check-config: migrations_dir is a
 * readable directory holding NNN_name.sql files, the directory of listen
 * exists, listen_group is a group, db_socket (when set) is a socket, and
 * the config file at path is not readable by everyone (it holds secrets).
 * Prints one line per finding to out; returns the number of errors
 * (warnings are printed but not counted). */
int config_check_paths(const struct config *config, const char *path, FILE *out);

#endif
