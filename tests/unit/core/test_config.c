/* test_config.c: unit tests of fcgi/core/config.c. */
#include "unit.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h" /* not the build's autoconf config.h */

#define SECRET_32 "0123456789abcdef0123456789abcdef"
#define SECRET_31 "0123456789abcdef0123456789abcde"
#define OLD_SECRET "fedcba9876543210fedcba9876543210"

static struct config config;
static char error[512];

/* Parses text; the config is released whatever the result, as a caller on
 * a reload must. Returns config_parse's result. */
static int parse(const char *text)
{
	error[0] = '\0';
	return config_parse(&config, text, error, sizeof(error));
}

static void teardown(void)
{
	config_free(&config);
}

static void assert_refused(const char *text, const char *needle)
{
	ck_assert_int_eq(parse(text), -1);
	ck_assert_msg(strstr(error, needle) != NULL, "error \"%s\" does not name \"%s\"", error, needle);
	config_free(&config);
}

/* ---- refused ---- */

START_TEST(missing_secret_names_jwt_secret)
{
	assert_refused("", "jwt_secret");
	assert_refused("workers = 4\n", "jwt_secret");
	ck_assert_ptr_nonnull(strstr(error, "missing"));
}
END_TEST

START_TEST(secret_of_31_bytes_refused_32_accepted)
{
	assert_refused("jwt_secret = " SECRET_31 "\n", "jwt_secret");
	ck_assert_int_eq(parse("jwt_secret = " SECRET_32 "\n"), 0);
	ck_assert_str_eq(config.jwt_secret, SECRET_32);
	config_free(&config);
	/* Spaces around the value are not part of the secret. */
	assert_refused("jwt_secret =   " SECRET_31 "   \n", "jwt_secret");
	assert_refused("jwt_secret =\n", "jwt_secret");
}
END_TEST

START_TEST(unknown_key_is_named)
{
	assert_refused("jwt_secret = " SECRET_32 "\nworkerz = 4\n", "workerz");
	ck_assert_ptr_nonnull(strstr(error, "line 2"));
}
END_TEST

START_TEST(duplicate_key_refused)
{
	assert_refused("jwt_secret = " SECRET_32 "\nworkers = 4\nworkers = 5\n", "workers");
	ck_assert_ptr_nonnull(strstr(error, "twice"));
}
END_TEST

START_TEST(int_out_of_bounds_names_key)
{
	assert_refused("jwt_secret = " SECRET_32 "\nworkers = 0\n", "workers");
	ck_assert_ptr_nonnull(strstr(error, "1..256"));
	assert_refused("jwt_secret = " SECRET_32 "\nworkers = 257\n", "workers");
	assert_refused("jwt_secret = " SECRET_32 "\nworkers = -1\n", "workers");
	assert_refused("jwt_secret = " SECRET_32 "\ndb_port = 65536\n", "db_port");
	assert_refused("jwt_secret = " SECRET_32 "\ntoken_ttl_s = 59\n", "token_ttl_s");
	assert_refused("jwt_secret = " SECRET_32 "\nworkers = 99999999999999999999\n", "workers");
	/* The bounds themselves are accepted. */
	ck_assert_int_eq(parse("jwt_secret = " SECRET_32 "\nworkers = 1\n"), 0);
	ck_assert_int_eq(config.workers, 1);
	config_free(&config);
	ck_assert_int_eq(parse("jwt_secret = " SECRET_32 "\nworkers = 256\n"), 0);
	ck_assert_int_eq(config.workers, 256);
}
END_TEST

START_TEST(non_number_refused)
{
	assert_refused("jwt_secret = " SECRET_32 "\nworkers = four\n", "workers");
	ck_assert_ptr_nonnull(strstr(error, "not a whole number"));
	assert_refused("jwt_secret = " SECRET_32 "\nworkers = 4x\n", "workers");
	assert_refused("jwt_secret = " SECRET_32 "\nworkers = 4.0\n", "workers");
	assert_refused("jwt_secret = " SECRET_32 "\nworkers =\n", "workers");
	assert_refused("jwt_secret = " SECRET_32 "\nworkers = 4 4\n", "workers");
}
END_TEST

START_TEST(bad_log_level_refused)
{
	assert_refused("jwt_secret = " SECRET_32 "\nlog_level = loud\n", "log_level");
	assert_refused("jwt_secret = " SECRET_32 "\nlog_level = trace\n", "log_level");
	assert_refused("jwt_secret = " SECRET_32 "\nlog_level = INFO\n", "log_level");
	static const char *const levels[] = { "debug", "info", "warn", "error" };
	for (int i = 0; i < 4; i++) {
		char text[128];
		snprintf(text, sizeof(text), "jwt_secret = " SECRET_32 "\nlog_level = %s\n", levels[i]);
		ck_assert_int_eq(parse(text), 0);
		ck_assert_str_eq(config.log_level, levels[i]);
		config_free(&config);
	}
}
END_TEST

START_TEST(bad_metrics_allow_refused)
{
	assert_refused("jwt_secret = " SECRET_32 "\nmetrics_allow = example.com\n", "metrics_allow");
	assert_refused("jwt_secret = " SECRET_32 "\nmetrics_allow = 10.0.0.1/33\n", "metrics_allow");
	assert_refused("jwt_secret = " SECRET_32 "\nmetrics_allow = 10.0.0.1 10.0.0.0/x\n", "metrics_allow");
	assert_refused("jwt_secret = " SECRET_32 "\nmetrics_allow = 2001:db8::/129\n", "metrics_allow");
	ck_assert_int_eq(parse("jwt_secret = " SECRET_32 "\nmetrics_allow = 10.0.0.1, 10.1.0.0/16 2001:db8::/32\n"), 0);
	ck_assert_str_eq(config.metrics_allow, "10.0.0.1, 10.1.0.0/16 2001:db8::/32");
	config_free(&config);
}
END_TEST

START_TEST(bad_timezone_refused)
{
	assert_refused("jwt_secret = " SECRET_32 "\ntimezone = Nowhere/City\n", "timezone");
	assert_refused("jwt_secret = " SECRET_32 "\ntimezone = ../../etc/passwd\n", "timezone");
	assert_refused("jwt_secret = " SECRET_32 "\ntimezone = /etc/localtime\n", "timezone");
	assert_refused("jwt_secret = " SECRET_32 "\ntimezone = Asia\n", "timezone");
	ck_assert_int_eq(parse("jwt_secret = " SECRET_32 "\ntimezone = UTC\n"), 0);
	ck_assert_str_eq(config.timezone, "UTC");
}
END_TEST

START_TEST(previous_secret_needs_kid_and_until)
{
	assert_refused("jwt_secret = " SECRET_32 "\njwt_previous_secret = " OLD_SECRET "\n"
		       "jwt_previous_until = 2026-12-01T00:00:00Z\n",
		       "jwt_previous_kid");
	assert_refused("jwt_secret = " SECRET_32 "\njwt_previous_secret = " OLD_SECRET "\n"
		       "jwt_previous_kid = k0\n",
		       "jwt_previous_until");
	/* The previous kid may not be the current one. */
	assert_refused("jwt_secret = " SECRET_32 "\njwt_previous_secret = " OLD_SECRET "\n"
		       "jwt_previous_kid = k1\njwt_previous_until = 2026-12-01T00:00:00Z\n",
		       "jwt_previous_kid");
	/* A short previous secret is refused like a short current one. */
	assert_refused("jwt_secret = " SECRET_32 "\njwt_previous_secret = short\n"
		       "jwt_previous_kid = k0\njwt_previous_until = 2026-12-01T00:00:00Z\n",
		       "jwt_previous_secret");
	assert_refused("jwt_secret = " SECRET_32 "\njwt_previous_until = 1 December\n", "jwt_previous_until");
}
END_TEST

START_TEST(line_without_equals_refused)
{
	assert_refused("jwt_secret = " SECRET_32 "\nworkers 4\n", "line 2");
}
END_TEST

START_TEST(line_over_4096_bytes_refused)
{
	/* 4096 bytes without the newline: one past the limit. */
	char *text = malloc(5000);
	ck_assert_ptr_nonnull(text);
	strcpy(text, "jwt_secret = " SECRET_32 "\n# ");
	size_t start = strlen(text);
	memset(text + start, 'x', 4096 - 2);
	strcpy(text + start + 4096 - 2, "\n");
	assert_refused(text, "line 2");
	ck_assert_ptr_nonnull(strstr(error, "longer than"));
	/* 4095 bytes is fine. */
	text[start + 4096 - 3] = '\n';
	text[start + 4096 - 2] = '\0';
	ck_assert_int_eq(parse(text), 0);
	free(text);
}
END_TEST

START_TEST(load_of_missing_file)
{
	ck_assert_int_eq(config_load(&config, "/nonexistent/kanjia.conf", error, sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "/nonexistent/kanjia.conf"));
}
END_TEST

START_TEST(load_of_a_file)
{
	char path[] = "/tmp/kanjia-config-XXXXXX";
	int descriptor = mkstemp(path);
	ck_assert_int_ge(descriptor, 0);
	FILE *file = fdopen(descriptor, "w");
	ck_assert_ptr_nonnull(file);
	fputs("# test\njwt_secret = " SECRET_32 "\nworkers = 9\n", file);
	fclose(file);
	int result = config_load(&config, path, error, sizeof(error));
	unlink(path);
	ck_assert_msg(result == 0, "%s", error);
	ck_assert_int_eq(config.workers, 9);
	ck_assert_str_eq(config.jwt_secret, SECRET_32);
}
END_TEST


/* ---- providers (issue 16) ---- */

START_TEST(provider_names_and_their_keys)
{
	assert_refused("jwt_secret = " SECRET_32 "\nsms_provider = twilio\n", "sms_provider");
	assert_refused("jwt_secret = " SECRET_32 "\npayment_provider = paypal\n", "payment_provider");
	assert_refused("jwt_secret = " SECRET_32 "\nsms_provider = aliyun\n", "sms_sign_name");
	assert_refused("jwt_secret = " SECRET_32 "\nsms_provider = aliyun\nsms_sign_name = s\nsms_template = SMS_1\n"
		       "sms_aliyun_key_id = id\n",
		       "sms_aliyun_key_secret");
	assert_refused("jwt_secret = " SECRET_32 "\nsms_provider = tencent\nsms_sign_name = s\nsms_template = 1\n"
		       "sms_tencent_secret_id = id\nsms_tencent_secret_key = k\n",
		       "sms_tencent_app_id");
	assert_refused("jwt_secret = " SECRET_32 "\npayment_provider = wechat\nwechatpay_mchid = 1\n", "wechatpay_appid");
	assert_refused("jwt_secret = " SECRET_32 "\npayment_provider = alipay\nalipay_app_id = 1\n",
		       "alipay_private_key_file");
	assert_refused("jwt_secret = " SECRET_32 "\nwechatpay_api_v3_key = short\n", "wechatpay_api_v3_key");
	assert_refused("jwt_secret = " SECRET_32 "\nwechat_appid = wx1\n", "wechat_app_secret");
	/* plain http only to loopback */
	assert_refused("jwt_secret = " SECRET_32 "\nwechatpay_url = http://api.mch.weixin.qq.com\n", "wechatpay_url");
	assert_refused("jwt_secret = " SECRET_32 "\nsms_aliyun_url = ftp://127.0.0.1/\n", "sms_aliyun_url");
	ck_assert_msg(parse("jwt_secret = " SECRET_32 "\nsms_provider = aliyun\nsms_sign_name = s\nsms_template = SMS_1\n"
			    "sms_aliyun_key_id = id\nsms_aliyun_key_secret = k\nsms_aliyun_url = http://127.0.0.1:18181/\n"
			    "payment_provider = alipay\nalipay_app_id = 1\nalipay_private_key_file = /k\n"
			    "alipay_public_key_file = /p\n") == 0,
		      "%s", error);
	ck_assert_str_eq(config.sms_provider, "aliyun");
	config_free(&config);
}
END_TEST

START_TEST(provider_keys_not_in_errors)
{
	assert_refused("jwt_secret = " SECRET_32 "\nsms_provider = aliyun\nsms_aliyun_key_secret = TOPSECRETVALUE\n",
		       "sms_sign_name");
	ck_assert_ptr_null(strstr(error, "TOPSECRETVALUE"));
}
END_TEST

/* A config with provider keys that others may read is refused. */
START_TEST(provider_keys_need_a_private_file)
{
	char path[] = "/tmp/kanjia-config-XXXXXX";
	int descriptor = mkstemp(path);
	ck_assert_int_ge(descriptor, 0);
	FILE *file = fdopen(descriptor, "w");
	ck_assert_ptr_nonnull(file);
	fputs("jwt_secret = " SECRET_32 "\nwechat_appid = wx1\nwechat_app_secret = s3cr3t\n", file);
	fclose(file);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(config_load(&config, path, error, sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "0640"));
	ck_assert_ptr_null(strstr(error, "s3cr3t"));
	ck_assert_int_eq(chmod(path, 0640), 0);
	int result = config_load(&config, path, error, sizeof(error));
	unlink(path);
	ck_assert_msg(result == 0, "%s", error);
	config_free(&config);
}
END_TEST

/* ---- accepted ---- */

START_TEST(defaults_filled)
{
	ck_assert_msg(parse("jwt_secret = " SECRET_32) == 0, "%s", error);
	ck_assert_int_eq(config.workers, 8);
	ck_assert_int_eq(config.max_requests, 10000);
	ck_assert_int_eq(config.token_ttl_s, 604800);
	ck_assert_int_eq(config.sms_phone_gap_s, 60);
	ck_assert_int_eq(config.sms_phone_per_hour, 5);
	ck_assert_int_eq(config.sms_phone_per_day, 10);
	ck_assert_int_eq(config.sms_code_ttl_s, 300);
	ck_assert_int_eq(config.db_port, 3306);
	ck_assert_str_eq(config.log_level, "info");
	ck_assert_str_eq(config.jwt_kid, "k1");
	ck_assert_str_eq(config.jwt_issuer, "kanjia");
	ck_assert_str_eq(config.jwt_audience, "kanjia-shop");
	ck_assert_str_eq(config.timezone, "Asia/Shanghai");
	ck_assert_str_eq(config.sms_provider, "outbox");
	ck_assert_str_eq(config.jwt_previous_secret, "");
	ck_assert_int_eq(config.jwt_previous_until, 0);
	ck_assert_str_eq(config.db_password, "");
}
END_TEST

START_TEST(comments_blank_lines_and_spaces)
{
	const char *text =
		"# kanjia config\n"
		"\n"
		"   \n"
		"\t# indented comment\n"
		"  jwt_secret\t=\t" SECRET_32 "  \r\n"
		"workers=8\n"
		"db_password = a=b#c\n"
		"\n";
	ck_assert_msg(parse(text) == 0, "%s", error);
	ck_assert_str_eq(config.jwt_secret, SECRET_32);
	ck_assert_int_eq(config.workers, 8);
	/* Only the first '=' splits; '#' inside a value is kept. */
	ck_assert_str_eq(config.db_password, "a=b#c");
}
END_TEST

START_TEST(previous_until_parsed_as_rfc3339)
{
	const char *text = "jwt_secret = " SECRET_32 "\n"
			   "jwt_previous_secret = " OLD_SECRET "\n"
			   "jwt_previous_kid = k0\n"
			   "jwt_previous_until = 2026-12-01T08:00:00+08:00\n";
	ck_assert_msg(parse(text) == 0, "%s", error);
	ck_assert_int_eq(config.jwt_previous_until, 1796083200); /* 2026-12-01T00:00:00Z */
	ck_assert_str_eq(config.jwt_previous_kid, "k0");
	ck_assert_str_eq(config.jwt_previous_secret, OLD_SECRET);
}
END_TEST

START_TEST(reparse_replaces_everything)
{
	ck_assert_int_eq(parse("jwt_secret = " SECRET_32 "\nworkers = 9\n"), 0);
	config_free(&config);
	ck_assert_int_eq(parse("jwt_secret = " OLD_SECRET "\n"), 0);
	ck_assert_int_eq(config.workers, 8);
	ck_assert_str_eq(config.jwt_secret, OLD_SECRET);
}
END_TEST

/* ---- check-config's path checks ---- */

/* config_check_paths on a config whose migrations_dir and listen are given;
 * returns its error count and leaves its report in report[]. */
static char report[4096];
static int check_paths(const char *migrations_dir, const char *listen)
{
	char text[1024];
	snprintf(text, sizeof(text), "jwt_secret = " SECRET_32 "\nmigrations_dir = %s\nlisten = %s\n", migrations_dir,
		 listen);
	ck_assert_msg(parse(text) == 0, "%s", error);
	FILE *out = fmemopen(report, sizeof(report), "w");
	ck_assert_ptr_nonnull(out);
	int errors = config_check_paths(&config, "/nonexistent/kanjia.conf", out);
	fclose(out);
	return errors;
}

START_TEST(paths_of_a_good_config_pass)
{
	char dir[] = "/tmp/kanjia-migrations-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char file[sizeof(dir) + 32];
	snprintf(file, sizeof(file), "%s/001_first.sql", dir);
	FILE *migration = fopen(file, "w");
	ck_assert_ptr_nonnull(migration);
	fclose(migration);
	char listen[sizeof(dir) + 32];
	snprintf(listen, sizeof(listen), "%s/kanjiad.sock", dir);
	int errors = check_paths(dir, listen);
	unlink(file);
	rmdir(dir);
	ck_assert_msg(errors == 0, "%s", report);
}
END_TEST

START_TEST(missing_paths_are_named)
{
	ck_assert_int_eq(check_paths("/nonexistent/sql", "/nonexistent/run/kanjiad.sock"), 2);
	ck_assert_ptr_nonnull(strstr(report, "migrations_dir /nonexistent/sql"));
	ck_assert_ptr_nonnull(strstr(report, "the directory of listen, /nonexistent/run,"));
}
END_TEST

START_TEST(migrations_dir_without_migrations_refused)
{
	char dir[] = "/tmp/kanjia-migrations-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	int errors = check_paths(dir, "/tmp/kanjiad.sock");
	rmdir(dir);
	ck_assert_int_eq(errors, 1);
	ck_assert_ptr_nonnull(strstr(report, "holds no NNN_name.sql migration"));
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("config");
	TCase *bad = tcase_create("bad_input");
	tcase_add_checked_fixture(bad, NULL, teardown);
	tcase_add_test(bad, missing_secret_names_jwt_secret);
	tcase_add_test(bad, secret_of_31_bytes_refused_32_accepted);
	tcase_add_test(bad, unknown_key_is_named);
	tcase_add_test(bad, duplicate_key_refused);
	tcase_add_test(bad, int_out_of_bounds_names_key);
	tcase_add_test(bad, non_number_refused);
	tcase_add_test(bad, bad_log_level_refused);
	tcase_add_test(bad, bad_timezone_refused);
	tcase_add_test(bad, bad_metrics_allow_refused);
	tcase_add_test(bad, previous_secret_needs_kid_and_until);
	tcase_add_test(bad, line_without_equals_refused);
	tcase_add_test(bad, line_over_4096_bytes_refused);
	tcase_add_test(bad, load_of_missing_file);
	suite_add_tcase(suite, bad);
	TCase *good = tcase_create("accepted");
	tcase_add_checked_fixture(good, NULL, teardown);
	tcase_add_test(good, load_of_a_file);
	tcase_add_test(good, provider_names_and_their_keys);
	tcase_add_test(good, provider_keys_not_in_errors);
	tcase_add_test(good, provider_keys_need_a_private_file);
	tcase_add_test(good, defaults_filled);
	tcase_add_test(good, comments_blank_lines_and_spaces);
	tcase_add_test(good, previous_until_parsed_as_rfc3339);
	tcase_add_test(good, reparse_replaces_everything);
	suite_add_tcase(suite, good);
	TCase *paths = tcase_create("paths");
	tcase_add_checked_fixture(paths, NULL, teardown);
	tcase_add_test(paths, paths_of_a_good_config_pass);
	tcase_add_test(paths, missing_paths_are_named);
	tcase_add_test(paths, migrations_dir_without_migrations_refused);
	suite_add_tcase(suite, paths);
	return suite;
}
