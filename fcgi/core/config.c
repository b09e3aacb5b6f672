/* config.c: the config table and its parser. */
#include "core/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/endpoint.h"

#include "core/clock.h"
#include "core/fetch.h"
#include "fraud/fraud.h"
#include "core/log.h"

#define CONFIG_FILE_MAX (256 * 1024)
#define CONFIG_LINE_MAX 4096

enum config_type { CONFIG_INT, CONFIG_STRING, CONFIG_SECRET, CONFIG_TIME };

struct config_key {
	const char *name;
	enum config_type type;
	size_t offset;
	const char *fallback; /* NULL: required */
	int64_t min, max;     /* ints: value bounds; strings: length bounds */
	const char *help;
};

#define KEY(name, type, fallback, min, max, help) \
	{ #name, type, offsetof(struct config, name), fallback, min, max, help }

static const struct config_key config_keys[] = {
	KEY(listen, CONFIG_STRING, "/run/kanjia/kanjiad.sock", 1, 107, "FastCGI Unix socket path (mode 0660)"),
	KEY(listen_group, CONFIG_STRING, "", 0, 64, "group owning the socket (nginx's), empty: the process's"),
	/* scale-out: begin */
	KEY(listen_tcp, CONFIG_STRING, "", 0, 64,
	    "also accept FastCGI on this IPv4 address:port (nginx on other hosts); empty: the Unix socket only"),
	KEY(listen_allow, CONFIG_STRING, "", 0, 1024,
	    "comma-separated IPv4 addresses of the nginx hosts accepted on listen_tcp (required with it)"),
	/* scale-out: end */
	KEY(workers, CONFIG_INT, "8", 1, 256, "worker processes (8: 4 per core on 2 cores, README \"Pool size\")"),
	KEY(max_requests, CONFIG_INT, "10000", 0, 100000000, "requests before a worker recycles itself, 0: never"),
	KEY(log_level, CONFIG_STRING, "info", 4, 5, "debug, info, warn or error"),
	KEY(db_socket, CONFIG_STRING, "", 0, 4096, "MariaDB Unix socket; empty: use db_host and db_port"),
	KEY(db_host, CONFIG_STRING, "127.0.0.1", 1, 255, "MariaDB host"),
	KEY(db_port, CONFIG_INT, "3306", 1, 65535, "MariaDB port"),
	KEY(db_hosts, CONFIG_STRING, "", 0, 1024,
	    "comma-separated host:port list of database servers tried in order (a Galera cluster's nodes); "
	    "empty: db_socket or db_host"),
	/* read replica: begin */
	KEY(db_read_host, CONFIG_STRING, "", 0, 255,
	    "a MariaDB replica of the primary for the admin console's stale-tolerant reads (stats, reports, order "
	    "list, audit log); empty: every read on the primary"),
	KEY(db_read_port, CONFIG_INT, "3306", 1, 65535, "the replica's port"),
	KEY(db_read_user, CONFIG_STRING, "", 0, 80,
	    "the replica's user (needs SELECT and SLAVE MONITOR); empty: db_user and db_password"),
	KEY(db_read_password, CONFIG_STRING, "", 0, 256, "its password (with db_read_user)"),
	KEY(db_read_max_lag_s, CONFIG_INT, "5", 0, 3600,
	    "reads go to the primary while the replica's Seconds_Behind_Master is above this (or unknown)"),
	/* read replica: end */
	KEY(db_user, CONFIG_STRING, "kanjia", 1, 80, "MariaDB user"),
	KEY(db_password, CONFIG_STRING, "", 0, 256, "MariaDB password"),
	KEY(db_name, CONFIG_STRING, "kanjia", 1, 64, "MariaDB database"),
	KEY(db_retries, CONFIG_INT, "5", 0, 50, "retries of a transaction after a deadlock or lock wait timeout"),
	KEY(migrations_dir, CONFIG_STRING, KANJIA_DATADIR "/sql", 1, 4096, "directory of numbered .sql migrations"),
	KEY(jwt_secret, CONFIG_SECRET, NULL, CONFIG_SECRET_MIN, 1024, "HS256 signing key (at least 32 bytes)"),
	KEY(jwt_kid, CONFIG_STRING, "k1", 1, 64, "key id put in the header of new tokens"),
	KEY(jwt_previous_secret, CONFIG_SECRET, "", CONFIG_SECRET_MIN, 1024, "the key before the last rotation, empty: none"),
	KEY(jwt_previous_kid, CONFIG_STRING, "", 0, 64, "its key id"),
	KEY(jwt_previous_until, CONFIG_TIME, "", 0, 0, "RFC 3339 time until which the previous key is accepted"),
	KEY(jwt_issuer, CONFIG_STRING, "kanjia", 1, 255, "iss claim"),
	KEY(jwt_audience, CONFIG_STRING, "kanjia-shop", 1, 255, "aud claim of shopper tokens"),
	KEY(jwt_admin_audience, CONFIG_STRING, "kanjia-admin", 1, 255, "aud claim of admin tokens"),
	KEY(token_ttl_s, CONFIG_INT, "604800", 60, 2592000, "shopper token lifetime in seconds"),
	KEY(admin_token_ttl_s, CONFIG_INT, "1800", 60, 86400, "admin token lifetime in seconds"),
	KEY(admin_fail_limit, CONFIG_INT, "5", 1, 100,
	    "failed admin logins per username (or per address) before each further one doubles a wait"),
	KEY(admin_fail_window_s, CONFIG_INT, "86400", 60, 86400, "window in which a username's failures count"),
	KEY(admin_lock_s, CONFIG_INT, "900", 60, 86400, "the longest wait a failed admin login leads to"),
	KEY(admin_backoff_base_s, CONFIG_INT, "1", 1, 3600, "the first wait; each further failure doubles it"),
	KEY(admin_source_window_s, CONFIG_INT, "86400", 60, 604800,
	    "window in which an address's failed admin logins count (an address without any is clean)"),
	KEY(admin_phone_lookup_per_hour, CONFIG_INT, "30", 1, 100000,
	    "full-number phone lookups per non-owner admin per hour (users and orders lists)"),
	KEY(admin_phone_lookup_per_day, CONFIG_INT, "100", 1, 1000000,
	    "full-number phone lookups per non-owner admin per day"),
	/* anti-fraud: begin */
	KEY(fraud_sms_limits, CONFIG_STRING, "subnet:300/1h device:20/1h", 0, 512,
	    "SMS velocity limits: dimension:max/window items (phone, ip, subnet, device); empty: none"),
	KEY(fraud_login_limits, CONFIG_STRING, "ip:60/1h subnet:300/1h device:30/1h", 0, 512,
	    "login velocity limits, as fraud_sms_limits"),
	KEY(fraud_help_limits, CONFIG_STRING, "ip:30/1h subnet:20/1h device:20/1h", 0, 512,
	    "help velocity limits, as fraud_sms_limits"),
	KEY(fraud_order_limits, CONFIG_STRING, "phone:30/1h ip:60/1h subnet:120/1h device:30/1h", 0, 512,
	    "order velocity limits, as fraud_sms_limits"),
	KEY(fraud_checkin_limits, CONFIG_STRING, "ip:120/1h subnet:600/1h device:60/1h", 0, 512,
	    "check-in velocity limits, as fraud_sms_limits"),
	KEY(fraud_exchange_limits, CONFIG_STRING, "phone:60/1h ip:120/1h device:60/1h", 0, 512,
	    "points exchange velocity limits, as fraud_sms_limits"),
	KEY(fraud_invite_limits, CONFIG_STRING, "ip:30/1h subnet:60/1h device:20/1h", 0, 512,
	    "invitation velocity limits (an invitation over them is not recorded), as fraud_sms_limits"),
	KEY(fraud_fast_help_s, CONFIG_INT, "10", 0, 3600, "a help this soon after the previous one is fast (letter F)"),
	KEY(fraud_new_account_s, CONFIG_INT, "86400", 0, 31536000, "an account younger than this is new (letter N)"),
	KEY(fraud_keep_days, CONFIG_INT, "35", 1, 3650, "days fraud_event and fraud_decision rows are kept (dry runs reach back 31)"),
	/* anti-fraud: end */
	/* operations: begin */
	KEY(listen_backlog, CONFIG_INT, "512", 1, 65535,
	    "connections that may wait for a worker (when full, nginx answers 503 at once); read at start, not on reload"),
	KEY(queue_timeout_ms, CONFIG_INT, "500", 0, 600000,
	    "a request that waited longer for a worker is answered 503 with Retry-After unseen, 0: never"),
	KEY(request_timeout_s, CONFIG_INT, "10", 0, 3600,
	    "a worker still in one request after this is killed (its transaction rolls back), 0: never"),
	KEY(slow_request_ms, CONFIG_INT, "1000", 0, 3600000,
	    "requests slower than this are logged with their statements and times, 0: none"),
	KEY(metrics_allow, CONFIG_STRING, "", 0, 1024,
	    "addresses or networks (besides loopback) that may read /metrics and /status, space-separated"),
	KEY(password_hash_concurrency, CONFIG_INT, "1", 1, 256,
	    "workers that may hash a password at once; others answer 503 with Retry-After"),
	/* operations: end */
	KEY(timezone, CONFIG_STRING, "Asia/Shanghai", 1, 64, "the shop's time zone for windows and daily limits"),
	KEY(public_base_url, CONFIG_STRING, "http://127.0.0.1:8080", 8, 255, "base of share links"),
	KEY(sms_provider, CONFIG_STRING, "outbox", 1, 32, "SMS provider: outbox (stores messages in sms_outbox), aliyun or tencent (a sender process delivers them)"),
	KEY(sms_code_ttl_s, CONFIG_INT, "300", 60, 3600, "SMS code lifetime"),
	KEY(sms_code_max_tries, CONFIG_INT, "5", 1, 20, "wrong tries that burn a code"),
	KEY(sms_phone_gap_s, CONFIG_INT, "60", 1, 3600, "seconds between two SMS to one phone"),
	KEY(sms_phone_per_hour, CONFIG_INT, "5", 1, 1000000, "SMS per phone per hour"),
	KEY(sms_phone_per_day, CONFIG_INT, "10", 1, 1000000, "SMS per phone per day (shop time zone)"),
	KEY(sms_ip_per_hour, CONFIG_INT, "30", 1, 100000000, "SMS per client IP per hour"),
	KEY(sms_ip_per_day, CONFIG_INT, "200", 1, 100000000, "SMS per client IP per day"),
	KEY(login_fail_limit, CONFIG_INT, "10", 1, 1000,
	    "wrong codes per phone per window after which every code dies at its first wrong try"),
	KEY(login_fail_window_s, CONFIG_INT, "86400", 60, 86400, "window in which a phone's wrong codes count"),
	KEY(login_lock_s, CONFIG_INT, "3600", 60, 86400, "unused since issue 12 (no phone is locked); old files may set it"),
	KEY(login_source_window_s, CONFIG_INT, "3600", 60, 86400, "window in which a source's wrong codes count"),
	KEY(login_ip_fail_limit, CONFIG_INT, "30", 1, 1000000, "wrong codes per client address per window"),
	KEY(login_subnet_fail_limit, CONFIG_INT, "100", 1, 1000000, "wrong codes per /24 (IPv6 /64) per window"),
	KEY(login_device_fail_limit, CONFIG_INT, "10", 1, 1000000, "wrong codes per device id per window"),
	KEY(cut_plan_secret, CONFIG_SECRET, "", CONFIG_SECRET_MIN, 1024, "key of exact cut plans; empty: derived from jwt_secret"),
	KEY(sweep_interval_s, CONFIG_INT, "30", 1, 3600, "how often a worker closes expired bargains"),
	/* checkout: begin */
	KEY(payment_provider, CONFIG_STRING, "sandbox", 1, 32, "payment provider: sandbox (signed notifies, for tests and demos), wechat (WeChat Pay v3) or alipay"),
	KEY(sandbox_secret, CONFIG_SECRET, "", CONFIG_SECRET_MIN, 1024, "HMAC key of sandbox payment notifies; empty: every notify is refused"),
	KEY(order_pay_within_s, CONFIG_INT, "900", 60, 604800, "seconds to pay an order that is not a bargain's"),
	KEY(idempotency_ttl_s, CONFIG_INT, "86400", 86400, 2592000, "how long an Idempotency-Key and its answer are kept"),
	KEY(points_per_yuan_paid, CONFIG_INT, "1", 0, 1000, "points a shopper earns per whole yuan paid"),
	KEY(order_complete_after_days, CONFIG_INT, "10", 1, 365, "days after shipping an order completes unless the shopper confirms receipt earlier"),
	/* checkout: end */
	/* providers: begin */
	KEY(sms_sign_name, CONFIG_STRING, "", 0, 64, "SMS signature name approved by the provider (aliyun, tencent)"),
	KEY(sms_template, CONFIG_STRING, "", 0, 64, "SMS template: Aliyun TemplateCode (variable ${code}) or Tencent TemplateId (variable {1}: the code)"),
	KEY(sms_aliyun_url, CONFIG_STRING, "https://dysmsapi.aliyuncs.com/", 8, 255, "Alibaba Cloud SMS endpoint"),
	KEY(sms_aliyun_key_id, CONFIG_STRING, "", 0, 128, "Alibaba Cloud AccessKey ID"),
	KEY(sms_aliyun_key_secret, CONFIG_SECRET, "", 1, 256, "Alibaba Cloud AccessKey secret"),
	KEY(sms_tencent_url, CONFIG_STRING, "https://sms.tencentcloudapi.com/", 8, 255, "Tencent Cloud SMS endpoint"),
	KEY(sms_tencent_secret_id, CONFIG_STRING, "", 0, 128, "Tencent Cloud SecretId"),
	KEY(sms_tencent_secret_key, CONFIG_SECRET, "", 1, 256, "Tencent Cloud SecretKey"),
	KEY(sms_tencent_app_id, CONFIG_STRING, "", 0, 32, "Tencent Cloud SmsSdkAppId"),
	KEY(sms_tencent_region, CONFIG_STRING, "ap-guangzhou", 1, 32, "Tencent Cloud region of the SMS API"),
	KEY(wechatpay_url, CONFIG_STRING, "https://api.mch.weixin.qq.com", 8, 255, "WeChat Pay API v3 base URL"),
	KEY(wechatpay_mchid, CONFIG_STRING, "", 0, 32, "WeChat Pay merchant id (mchid)"),
	KEY(wechatpay_appid, CONFIG_STRING, "", 0, 32, "WeChat appid the payments belong to (the official account's)"),
	KEY(wechatpay_serial_no, CONFIG_STRING, "", 0, 64, "serial number of the merchant API certificate"),
	KEY(wechatpay_private_key_file, CONFIG_STRING, "", 0, 4096, "file of the merchant API private key (apiclient_key.pem)"),
	KEY(wechatpay_api_v3_key, CONFIG_SECRET, "", 32, 32, "the APIv3 key (32 bytes) that decrypts notifications"),
	KEY(wechatpay_platform_key_file, CONFIG_STRING, "", 0, 4096, "file of the WeChat Pay platform public key or certificate"),
	KEY(alipay_url, CONFIG_STRING, "https://openapi.alipay.com/gateway.do", 8, 255, "Alipay gateway"),
	KEY(alipay_app_id, CONFIG_STRING, "", 0, 32, "Alipay app_id"),
	KEY(alipay_private_key_file, CONFIG_STRING, "", 0, 4096, "file of the app's RSA2 private key"),
	KEY(alipay_public_key_file, CONFIG_STRING, "", 0, 4096, "file of Alipay's public key (verifies notifies and answers)"),
	KEY(wechat_api_url, CONFIG_STRING, "https://api.weixin.qq.com", 8, 255, "WeChat official account API base URL (JS-SDK ticket)"),
	KEY(wechat_appid, CONFIG_STRING, "", 0, 32, "WeChat official account appid (JS-SDK); empty: no share card"),
	KEY(wechat_app_secret, CONFIG_SECRET, "", 1, 128, "WeChat official account AppSecret"),
	/* providers: end */
	/* live: begin */
	KEY(live_socket, CONFIG_STRING, "/run/kanjia/live.sock", 0, 107, "nginx's nchan publisher Unix socket; empty: no live updates"),
	KEY(live_timeout_ms, CONFIG_INT, "250", 10, 5000, "the most one publish may take, connect to answer"),
	/* live: end */
	KEY(me_cache_ms, CONFIG_INT, "1000", 0, 10000,
	    "a worker serves a shopper's GET /me it read for this long, unless this pool changed the shopper's "
	    "points, coupons or orders since (another host's changes show within it), 0: read every one"),
	KEY(landing_cache_ms, CONFIG_INT, "1000", 0, 10000,
	    "a worker serves a share landing it read for this long, unless this pool changed the bargain since "
	    "(another host's changes show within it), 0: read every landing"),
};

#define CONFIG_KEY_COUNT (sizeof(config_keys) / sizeof(config_keys[0]))

static const char *const type_names[] = { "int", "string", "secret", "time" };

static int fail(char *error, size_t error_size, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *error, size_t error_size, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	vsnprintf(error, error_size, format, args);
	va_end(args);
	return -1;
}

static char **string_slot(struct config *config, const struct config_key *key)
{
	return (char **)((char *)config + key->offset);
}

static int64_t *int_slot(struct config *config, const struct config_key *key)
{
	return (int64_t *)((char *)config + key->offset);
}

/* Sets one key from its text; returns 0 or -1 with the error filled. */
static int config_set(struct config *config, const struct config_key *key, const char *value,
		      char *error, size_t error_size)
{
	size_t length = strlen(value);
	switch (key->type) {
	case CONFIG_INT: {
		char *end = NULL;
		errno = 0;
		long long number = strtoll(value, &end, 10);
		if (length == 0 || errno != 0 || *end != '\0')
			return fail(error, error_size, "config key %s: \"%s\" is not a whole number", key->name, value);
		if (number < key->min || number > key->max)
			return fail(error, error_size, "config key %s: %lld is outside %lld..%lld",
				    key->name, number, (long long)key->min, (long long)key->max);
		*int_slot(config, key) = number;
		return 0;
	}
	case CONFIG_TIME: {
		int64_t when = 0;
		if (length > 0 && clock_parse_rfc3339(value, &when) != 0)
			return fail(error, error_size, "config key %s: \"%s\" is not an RFC 3339 time", key->name, value);
		*int_slot(config, key) = when;
		return 0;
	}
	case CONFIG_SECRET:
	case CONFIG_STRING: {
		bool optional_empty = length == 0 && key->fallback != NULL && key->fallback[0] == '\0';
		if (!optional_empty && ((int64_t)length < key->min || (int64_t)length > key->max)) {
			if (key->type == CONFIG_SECRET)
				return fail(error, error_size, "config key %s: the secret must be %lld to %lld bytes long",
					    key->name, (long long)key->min, (long long)key->max);
			return fail(error, error_size, "config key %s: length must be %lld to %lld",
				    key->name, (long long)key->min, (long long)key->max);
		}
		char **slot = string_slot(config, key);
		free(*slot);
		*slot = strdup(value);
		if (*slot == NULL)
			abort();
		return 0;
	}
	}
	return fail(error, error_size, "config key %s: unknown type", key->name);
}

static const struct config_key *config_find(const char *name)
{
	for (size_t i = 0; i < CONFIG_KEY_COUNT; i++)
		if (strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	return NULL;
}

static char *trim(char *text)
{
	while (isspace((unsigned char)*text))
		text++;
	char *end = text + strlen(text);
	while (end > text && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return text;
}

/* operations: begin */
/* True when every entry of list (space- or comma-separated) is an IPv4 or
 * IPv6 address, with an optional /prefix in range. */
static bool address_list_valid(const char *list, char *why, size_t why_size)
{
	const char *cursor = list;
	while (*cursor != '\0') {
		cursor += strspn(cursor, " ,");
		size_t length = strcspn(cursor, " ,");
		if (length == 0)
			break;
		char entry[INET6_ADDRSTRLEN + 8];
		if (length >= sizeof(entry)) {
			snprintf(why, why_size, "\"%.40s...\" is too long for an address", cursor);
			return false;
		}
		memcpy(entry, cursor, length);
		entry[length] = '\0';
		cursor += length;
		char *slash = strchr(entry, '/');
		long prefix = -1;
		if (slash != NULL) {
			char *end = NULL;
			prefix = strtol(slash + 1, &end, 10);
			*slash = '\0';
			if (end == slash + 1 || *end != '\0')
				prefix = -2;
		}
		unsigned char address[16];
		bool v6 = strchr(entry, ':') != NULL;
		if (inet_pton(v6 ? AF_INET6 : AF_INET, entry, address) != 1 || prefix < -1 || prefix > (v6 ? 128 : 32)) {
			snprintf(why, why_size, "\"%s%s\" is not an address or address/prefix", entry, slash ? "/..." : "");
			return false;
		}
	}
	return true;
}
/* operations: end */
/* The scale-out keys: lists that parse, and no TCP listener without the
 * list of nginx hosts it accepts. */
static int config_check_scale_out(const struct config *config, char *error, size_t error_size)
{
	char why[300];
	struct endpoint endpoints[ENDPOINTS_MAX];
	if (endpoint_list_parse(config->db_hosts, endpoints, why, sizeof(why)) < 0)
		return fail(error, error_size, "config key db_hosts: %s", why);
	if (config->listen_tcp[0] == '\0') {
		if (config->listen_allow[0] != '\0')
			return fail(error, error_size, "config key listen_allow: only with listen_tcp");
		return 0;
	}
	if (endpoint_parse(config->listen_tcp, &endpoints[0], why, sizeof(why)) != 0)
		return fail(error, error_size, "config key listen_tcp: %s", why);
	if (!endpoint_is_ipv4(endpoints[0].host))
		return fail(error, error_size, "config key listen_tcp: the address must be a dotted IPv4 address");
	if (!endpoint_ipv4_list_valid(config->listen_allow))
		return fail(error, error_size,
			    "config key listen_allow: required with listen_tcp, as IPv4 addresses separated by commas");
	return 0;
}

/* read replica: the replica's keys mean nothing without its host, and
 * its password nothing without its own user. */
static int config_check_read_replica(const struct config *config, char *error, size_t error_size)
{
	if (config->db_read_host[0] == '\0' && config->db_read_user[0] != '\0')
		return fail(error, error_size, "config key db_read_user: only with db_read_host");
	if (config->db_read_user[0] == '\0' && config->db_read_password[0] != '\0')
		return fail(error, error_size, "config key db_read_password: only with db_read_user");
	return 0;
}

/* providers: begin */
/* The provider names and the keys each one needs; URLs are https (or http
 * to loopback, for the tests' stand-ins). Messages name keys, never values. */
static int providers_check(const struct config *config, char *error, size_t error_size)
{
	const struct {
		const char *key, *value;
	} urls[] = {
		{ "sms_aliyun_url", config->sms_aliyun_url }, { "sms_tencent_url", config->sms_tencent_url },
		{ "wechatpay_url", config->wechatpay_url },   { "alipay_url", config->alipay_url },
		{ "wechat_api_url", config->wechat_api_url },
	};
	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
		if (!fetch_url_allowed(urls[i].value))
			return fail(error, error_size, "config key %s: must be https:// (http:// only to 127.0.0.1)",
				    urls[i].key);
	const char *sms = config->sms_provider, *pay = config->payment_provider;
	const struct {
		bool needed;
		const char *key, *value;
	} required[] = {
		{ strcmp(sms, "aliyun") == 0 || strcmp(sms, "tencent") == 0, "sms_sign_name", config->sms_sign_name },
		{ strcmp(sms, "aliyun") == 0 || strcmp(sms, "tencent") == 0, "sms_template", config->sms_template },
		{ strcmp(sms, "aliyun") == 0, "sms_aliyun_key_id", config->sms_aliyun_key_id },
		{ strcmp(sms, "aliyun") == 0, "sms_aliyun_key_secret", config->sms_aliyun_key_secret },
		{ strcmp(sms, "tencent") == 0, "sms_tencent_secret_id", config->sms_tencent_secret_id },
		{ strcmp(sms, "tencent") == 0, "sms_tencent_secret_key", config->sms_tencent_secret_key },
		{ strcmp(sms, "tencent") == 0, "sms_tencent_app_id", config->sms_tencent_app_id },
		{ strcmp(pay, "wechat") == 0, "wechatpay_mchid", config->wechatpay_mchid },
		{ strcmp(pay, "wechat") == 0, "wechatpay_appid", config->wechatpay_appid },
		{ strcmp(pay, "wechat") == 0, "wechatpay_serial_no", config->wechatpay_serial_no },
		{ strcmp(pay, "wechat") == 0, "wechatpay_private_key_file", config->wechatpay_private_key_file },
		{ strcmp(pay, "wechat") == 0, "wechatpay_api_v3_key", config->wechatpay_api_v3_key },
		{ strcmp(pay, "wechat") == 0, "wechatpay_platform_key_file", config->wechatpay_platform_key_file },
		{ strcmp(pay, "alipay") == 0, "alipay_app_id", config->alipay_app_id },
		{ strcmp(pay, "alipay") == 0, "alipay_private_key_file", config->alipay_private_key_file },
		{ strcmp(pay, "alipay") == 0, "alipay_public_key_file", config->alipay_public_key_file },
		{ config->wechat_appid[0] != '\0', "wechat_app_secret", config->wechat_app_secret },
	};
	if (strcmp(pay, "sandbox") != 0 && strcmp(pay, "wechat") != 0 && strcmp(pay, "alipay") != 0)
		return fail(error, error_size, "config key payment_provider: unknown provider \"%s\"", pay);
	if (strcmp(sms, "outbox") != 0 && strcmp(sms, "aliyun") != 0 && strcmp(sms, "tencent") != 0)
		return fail(error, error_size, "config key sms_provider: unknown provider \"%s\"", sms);
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (required[i].needed && required[i].value[0] == '\0')
			return fail(error, error_size, "config key %s: required by the chosen provider", required[i].key);
	return 0;
}

/* True when the file at path may be read by others while it holds a
 * provider's secret. */
static bool providers_exposed(const struct config *config, const char *path)
{
	const char *secrets[] = { config->sms_aliyun_key_secret, config->sms_tencent_secret_key,
				  config->wechatpay_api_v3_key, config->wechat_app_secret };
	bool any = false;
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		any |= secrets[i] != NULL && secrets[i][0] != '\0';
	struct stat info;
	return any && stat(path, &info) == 0 && (info.st_mode & (S_IROTH | S_IWOTH)) != 0;
}
/* providers: end */

/* Checks that span keys, once every key is known. */
static int config_check(const struct config *config, char *error, size_t error_size)
{
	if (log_level_parse(config->log_level) < 0)
		return fail(error, error_size, "config key log_level: \"%s\" is not debug, info, warn or error",
			    config->log_level);
	/* providers: begin */
	if (providers_check(config, error, error_size) != 0)
		return -1;
	/* providers: end */
	bool has_previous = config->jwt_previous_secret[0] != '\0';
	if (has_previous && config->jwt_previous_kid[0] == '\0')
		return fail(error, error_size, "config key jwt_previous_kid: required with jwt_previous_secret");
	if (has_previous && config->jwt_previous_until == 0)
		return fail(error, error_size, "config key jwt_previous_until: required with jwt_previous_secret");
	if (has_previous && strcmp(config->jwt_previous_kid, config->jwt_kid) == 0)
		return fail(error, error_size, "config key jwt_previous_kid: must differ from jwt_kid");
	if (strncmp(config->public_base_url, "http://", 7) != 0 && strncmp(config->public_base_url, "https://", 8) != 0)
		return fail(error, error_size, "config key public_base_url: must start with http:// or https://");
	if (strcmp(config->jwt_admin_audience, config->jwt_audience) == 0)
		return fail(error, error_size, "config key jwt_admin_audience: must differ from jwt_audience");
	if (clock_zone_valid(config->timezone) != 0)
		return fail(error, error_size, "config key timezone: unknown time zone \"%s\"", config->timezone);
	if (config_check_scale_out(config, error, error_size) != 0)
		return -1;
	if (config_check_read_replica(config, error, error_size) != 0)
		return -1;
	/* anti-fraud: begin */
	const struct {
		const char *key;
		const char *value;
	} fraud_limits[] = {
		{ "fraud_sms_limits", config->fraud_sms_limits }, { "fraud_login_limits", config->fraud_login_limits },
		{ "fraud_help_limits", config->fraud_help_limits }, { "fraud_order_limits", config->fraud_order_limits },
		{ "fraud_checkin_limits", config->fraud_checkin_limits },
		{ "fraud_exchange_limits", config->fraud_exchange_limits },
		{ "fraud_invite_limits", config->fraud_invite_limits },
	};
	for (size_t i = 0; i < sizeof(fraud_limits) / sizeof(fraud_limits[0]); i++) {
		struct fraud_limit limits[FRAUD_LIMITS_MAX];
		int count;
		char why[200];
		if (fraud_limits_parse(fraud_limits[i].value, limits, &count, why, sizeof(why)) != 0)
			return fail(error, error_size, "config key %s: %s", fraud_limits[i].key, why);
	}
	/* anti-fraud: end */
	/* operations: begin */
	char why[160];
	if (!address_list_valid(config->metrics_allow, why, sizeof(why)))
		return fail(error, error_size, "config key metrics_allow: %s", why);
	/* operations: end */
	return 0;
}

int config_parse(struct config *config, const char *text, char *error, size_t error_size)
{
	memset(config, 0, sizeof(*config));
	bool seen[CONFIG_KEY_COUNT] = { false };
	char line[CONFIG_LINE_MAX];
	int line_number = 0;
	const char *cursor = text;

	while (*cursor != '\0') {
		const char *newline = strchr(cursor, '\n');
		size_t length = newline ? (size_t)(newline - cursor) : strlen(cursor);
		line_number++;
		if (length >= sizeof(line))
			return fail(error, error_size, "config line %d: longer than %d bytes", line_number, CONFIG_LINE_MAX - 1);
		memcpy(line, cursor, length);
		line[length] = '\0';
		cursor += length + (newline ? 1 : 0);

		char *content = trim(line);
		if (*content == '\0' || *content == '#')
			continue;
		char *equals = strchr(content, '=');
		if (equals == NULL)
			return fail(error, error_size, "config line %d: expected \"key = value\"", line_number);
		*equals = '\0';
		char *name = trim(content);
		char *value = trim(equals + 1);
		const struct config_key *key = config_find(name);
		if (key == NULL)
			return fail(error, error_size, "config line %d: unknown key \"%s\"", line_number, name);
		size_t index = (size_t)(key - config_keys);
		if (seen[index])
			return fail(error, error_size, "config key %s: set twice (line %d)", name, line_number);
		seen[index] = true;
		if (config_set(config, key, value, error, error_size) != 0)
			return -1;
	}

	for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
		if (seen[i])
			continue;
		if (config_keys[i].fallback == NULL)
			return fail(error, error_size, "config key %s: missing (required)", config_keys[i].name);
		if (config_set(config, &config_keys[i], config_keys[i].fallback, error, error_size) != 0)
			return -1;
	}
	return config_check(config, error, error_size);
}

int config_load(struct config *config, const char *path, char *error, size_t error_size)
{
	memset(config, 0, sizeof(*config));
	FILE *file = fopen(path, "r");
	if (file == NULL)
		return fail(error, error_size, "config file %s: %s", path, strerror(errno));
	char *text = malloc(CONFIG_FILE_MAX + 1);
	if (text == NULL)
		abort();
	size_t length = fread(text, 1, CONFIG_FILE_MAX + 1, file);
	bool read_error = ferror(file);
	fclose(file);
	if (read_error || length > CONFIG_FILE_MAX) {
		free(text);
		return fail(error, error_size, "config file %s: unreadable or larger than %d bytes", path, CONFIG_FILE_MAX);
	}
	text[length] = '\0';
	int result = config_parse(config, text, error, error_size);
	free(text);
	/* providers: begin */
	if (result == 0 && providers_exposed(config, path)) {
		config_free(config);
		return fail(error, error_size, "config file %s: holds provider keys but others may read it (chmod 0640)", path);
	}
	/* providers: end */
	return result;
}

void config_free(struct config *config)
{
	for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
		const struct config_key *key = &config_keys[i];
		if (key->type == CONFIG_STRING || key->type == CONFIG_SECRET) {
			char **slot = string_slot(config, key);
			free(*slot);
			*slot = NULL;
		}
	}
}

void config_describe(FILE *out)
{
	for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
		const struct config_key *key = &config_keys[i];
		fprintf(out, "%-22s %-6s ", key->name, type_names[key->type]);
		if (key->fallback == NULL)
			fprintf(out, "(required)");
		else
			fprintf(out, "default \"%s\"", key->fallback);
		if (key->type == CONFIG_INT)
			fprintf(out, ", %lld..%lld", (long long)key->min, (long long)key->max);
		else if (key->type != CONFIG_TIME)
			fprintf(out, ", length %lld..%lld", (long long)key->min, (long long)key->max);
		fprintf(out, "\n    %s\n", key->help);
	}
}

/* The number of NNN_name.sql files in dir, or -1 (errno set) when it cannot
 * be read. */
static int count_migrations(const char *dir)
{
	DIR *handle = opendir(dir);
	if (handle == NULL)
		return -1;
	int count = 0;
	struct dirent *entry;
	while ((entry = readdir(handle)) != NULL) {
		const char *name = entry->d_name;
		size_t length = strlen(name);
		if (length >= 9 && isdigit((unsigned char)name[0]) && isdigit((unsigned char)name[1]) &&
		    isdigit((unsigned char)name[2]) && name[3] == '_' && strcmp(name + length - 4, ".sql") == 0)
			count++;
	}
	closedir(handle);
	return count;
}

int config_check_paths(const struct config *config, const char *path, FILE *out)
{
	int errors = 0;
	struct stat info;

	int migrations = count_migrations(config->migrations_dir);
	if (migrations < 0) {
		fprintf(out, "error: migrations_dir %s: %s\n", config->migrations_dir, strerror(errno));
		errors++;
	} else if (migrations == 0) {
		fprintf(out, "error: migrations_dir %s holds no NNN_name.sql migration\n", config->migrations_dir);
		errors++;
	}

	char listen_copy[4096];
	snprintf(listen_copy, sizeof(listen_copy), "%s", config->listen);
	const char *listen_dir = dirname(listen_copy);
	if (stat(listen_dir, &info) != 0 || !S_ISDIR(info.st_mode)) {
		fprintf(out, "error: the directory of listen, %s, does not exist (kanjiad.socket makes /run/kanjia; "
			     "by hand: install -d %s)\n", listen_dir, listen_dir);
		errors++;
	} else if (access(listen_dir, W_OK | X_OK) != 0) {
		fprintf(out, "note: the directory of listen, %s, is not writable by this user: fine under systemd "
			     "(kanjiad.socket makes the socket), not for serve by hand\n", listen_dir);
	}

	if (config->listen_group[0] != '\0' && getgrnam(config->listen_group) == NULL) {
		fprintf(out, "error: listen_group %s: no such group\n", config->listen_group);
		errors++;
	}

	if (config->db_socket[0] != '\0') {
		if (stat(config->db_socket, &info) != 0) {
			fprintf(out, "error: db_socket %s: %s\n", config->db_socket, strerror(errno));
			errors++;
		} else if (!S_ISSOCK(info.st_mode)) {
			fprintf(out, "error: db_socket %s is not a socket\n", config->db_socket);
			errors++;
		}
	}

	if (stat(path, &info) == 0 && (info.st_mode & S_IROTH) != 0)
		fprintf(out, "warning: %s is readable by everyone but holds secrets: chmod 0640 it\n", path);
	return errors;
}
