/* test_fraud.c: unit tests of fcgi/fraud/fraud.c — hostile patterns and values
 * first, then rule sets, signatures, subnets and velocity specs. */
#include "unit.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fraud/fraud.h"

static double seconds_now(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static enum fraud_match match_text(const char *pattern_text, const char *value)
{
	struct fraud_pattern pattern;
	char message[FRAUD_MESSAGE_SIZE];
	size_t offset = 0;
	ck_assert_int_eq(fraud_pattern_compile(pattern_text, &pattern, message, &offset), 0);
	enum fraud_match result = fraud_pattern_match(&pattern, value, strlen(value));
	fraud_pattern_free(&pattern);
	return result;
}

/* ------------------------------------------------------------ bad input */

START_TEST(bad_pattern_reports_message_and_offset)
{
	struct fraud_pattern pattern;
	char message[FRAUD_MESSAGE_SIZE];
	size_t offset = 0;
	ck_assert_int_eq(fraud_pattern_compile("abc(def", &pattern, message, &offset), -1);
	ck_assert_ptr_null(pattern.code);
	ck_assert_uint_eq(offset, 7);
	ck_assert_ptr_nonnull(strstr(message, "missing closing parenthesis"));
	ck_assert_int_eq(fraud_pattern_compile("a[b", &pattern, message, &offset), -1);
	ck_assert_uint_eq(offset, 3);
	ck_assert_int_eq(fraud_pattern_compile("x{2,1}", &pattern, message, &offset), -1);
	ck_assert_uint_eq(offset, 5);
}
END_TEST

START_TEST(backslash_c_is_refused)
{
	struct fraud_pattern pattern;
	char message[FRAUD_MESSAGE_SIZE];
	size_t offset = 0;
	ck_assert_int_eq(fraud_pattern_compile("a\\Cb", &pattern, message, &offset), -1);
	ck_assert_uint_eq(offset, 3);
	ck_assert_ptr_nonnull(strstr(message, "\\C"));
}
END_TEST

START_TEST(pattern_length_limit)
{
	char text[FRAUD_PATTERN_MAX + 2];
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0'; /* FRAUD_PATTERN_MAX + 1 bytes */
	struct fraud_pattern pattern;
	char message[FRAUD_MESSAGE_SIZE];
	size_t offset = 0;
	ck_assert_int_eq(fraud_pattern_compile(text, &pattern, message, &offset), -1);
	ck_assert_uint_eq(offset, FRAUD_PATTERN_MAX);
	ck_assert_ptr_nonnull(strstr(message, "longer than"));
	text[FRAUD_PATTERN_MAX] = '\0'; /* exactly the limit */
	ck_assert_int_eq(fraud_pattern_compile(text, &pattern, message, &offset), 0);
	fraud_pattern_free(&pattern);
}
END_TEST

START_TEST(parentheses_nesting_limit)
{
	char text[2 * (FRAUD_PARENS_NEST_MAX + 1) + 2];
	size_t n = 0;
	for (int i = 0; i <= FRAUD_PARENS_NEST_MAX; i++)
		text[n++] = '(';
	text[n++] = 'a';
	for (int i = 0; i <= FRAUD_PARENS_NEST_MAX; i++)
		text[n++] = ')';
	text[n] = '\0';
	struct fraud_pattern pattern;
	char message[FRAUD_MESSAGE_SIZE];
	size_t offset = 0;
	ck_assert_int_eq(fraud_pattern_compile(text, &pattern, message, &offset), -1);
	ck_assert_ptr_nonnull(strstr(message, "parentheses"));
}
END_TEST

START_TEST(invalid_utf8_pattern_is_refused)
{
	struct fraud_pattern pattern;
	char message[FRAUD_MESSAGE_SIZE];
	size_t offset = 0;
	ck_assert_int_eq(fraud_pattern_compile("ab\xff", &pattern, message, &offset), -1);
	ck_assert_uint_eq(offset, 2);
	ck_assert_ptr_nonnull(strstr(message, "UTF-8"));
}
END_TEST

START_TEST(invalid_utf8_values_are_matched_not_refused)
{
	/* Broken sequences in the subject: the valid parts still match. */
	ck_assert_int_eq(match_text("curl", "\xff\xfe" "curl/8.0"), FRAUD_MATCHED);
	ck_assert_int_eq(match_text("^curl", "\xc3" "curl"), FRAUD_NO_MATCH);
	ck_assert_int_eq(match_text("手机", "\xe6\x89" "手机"), FRAUD_MATCHED);
	ck_assert_int_eq(match_text("^.$", "\xff"), FRAUD_NO_MATCH); /* an invalid byte is no character */
	ck_assert_int_eq(match_text("x", "\xed\xa0\x80x"), FRAUD_MATCHED); /* a surrogate */
}
END_TEST

START_TEST(empty_and_null_values)
{
	ck_assert_int_eq(match_text("^$", ""), FRAUD_MATCHED);
	ck_assert_int_eq(match_text("a", ""), FRAUD_NO_MATCH);
	struct fraud_pattern pattern;
	char message[FRAUD_MESSAGE_SIZE];
	size_t offset = 0;
	ck_assert_int_eq(fraud_pattern_compile("^$", &pattern, message, &offset), 0);
	ck_assert_int_eq(fraud_pattern_match(&pattern, NULL, 5), FRAUD_MATCHED);
	fraud_pattern_free(&pattern);
	/* The empty pattern matches everything. */
	ck_assert_int_eq(match_text("", "anything"), FRAUD_MATCHED);
}
END_TEST

START_TEST(huge_values_are_cut_to_the_field_limit)
{
	static char value[30 * 1024 + 1];
	memset(value, 'a', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	value[FRAUD_FIELD_MAX] = 'Z'; /* just past the part that is looked at */
	ck_assert_int_eq(match_text("Z", value), FRAUD_NO_MATCH);
	value[FRAUD_FIELD_MAX - 1] = 'Y'; /* the last byte looked at */
	ck_assert_int_eq(match_text("Y", value), FRAUD_MATCHED);
	/* The cut is not the value's end: $ never matches there (issue 12: an
	 * anchored rule judged the first KiB, not the value). */
	ck_assert_int_eq(match_text("Y$", value), FRAUD_NO_MATCH);
	ck_assert_int_eq(match_text("^a{1023}Y$", value), FRAUD_NO_MATCH);
	ck_assert_int_eq(match_text("^a+$", value), FRAUD_NO_MATCH); /* all 'a'? the part is; the value is not */
	/* A value of exactly the limit is seen whole: $ is its end. */
	value[FRAUD_FIELD_MAX] = '\0';
	ck_assert_int_eq(match_text("Y$", value), FRAUD_MATCHED);
	ck_assert_int_eq(match_text("^a{1023}Y$", value), FRAUD_MATCHED);
}
END_TEST

START_TEST(catastrophic_pattern_is_bounded)
{
	/* (a+)+$ against a run of a's that cannot end the subject: exponential
	 * without limits. 30 KB as a User-Agent: milliseconds, a limit hit. */
	static char value[30 * 1024 + 1];
	for (size_t i = 0; i < sizeof(value) - 1; i++)
		value[i] = (i % 1000 == 999) ? '!' : 'a';
	value[sizeof(value) - 1] = '\0';
	struct fraud_pattern pattern;
	char message[FRAUD_MESSAGE_SIZE];
	size_t offset = 0;
	ck_assert_int_eq(fraud_pattern_compile("(a+)+$", &pattern, message, &offset), 0);
	double started = seconds_now();
	enum fraud_match result = fraud_pattern_match(&pattern, value, strlen(value));
	double elapsed = seconds_now() - started;
	ck_assert_int_eq(result, FRAUD_LIMIT_HIT);
	ck_assert_msg(elapsed < 0.05, "(a+)+$ took %.3f s", elapsed);
	fraud_pattern_free(&pattern);

	/* Nested quantifiers with a backreference, and deep recursion. */
	const char *const others[] = { "^(\\w+\\s?)*$", "(x+x+)+y", "^((a|aa)+)+$", "(?:(a)|b)*+\\1{50}c" };
	static char mixed[FRAUD_FIELD_MAX - 24]; /* all of it is looked at */
	memset(mixed, 'a', sizeof(mixed) - 1);
	mixed[sizeof(mixed) - 2] = '#';
	mixed[sizeof(mixed) - 1] = '\0';
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		ck_assert_int_eq(fraud_pattern_compile(others[i], &pattern, message, &offset), 0);
		started = seconds_now();
		result = fraud_pattern_match(&pattern, mixed, strlen(mixed));
		elapsed = seconds_now() - started;
		ck_assert_msg(result != FRAUD_MATCHED, "%s matched", others[i]);
		ck_assert_msg(elapsed < 0.05, "%s took %.3f s", others[i], elapsed);
		fraud_pattern_free(&pattern);
	}
}
END_TEST

START_TEST(pattern_cannot_raise_the_limits)
{
	static char value[900];
	memset(value, 'a', sizeof(value) - 1);
	value[sizeof(value) - 2] = '!';
	value[sizeof(value) - 1] = '\0';
	double started = seconds_now();
	ck_assert_int_eq(match_text("(*LIMIT_MATCH=100000000)(*LIMIT_DEPTH=100000000)(a+)+$", value), FRAUD_LIMIT_HIT);
	ck_assert_msg(seconds_now() - started < 0.05, "raised limits took too long");
	ck_assert_int_eq(match_text("(*NO_JIT)(*LIMIT_HEAP=100000000)(a+)+$", value), FRAUD_LIMIT_HIT);
	ck_assert_msg(seconds_now() - started < 0.1, "raised limits took too long");
}
END_TEST

/* ------------------------------------------------------------- matching */

START_TEST(utf8_patterns_match_characters)
{
	ck_assert_int_eq(match_text("^.{2}$", "手机"), FRAUD_MATCHED);
	ck_assert_int_eq(match_text("(?i)headlesschrome", "Mozilla/5.0 HeadlessChrome/120"), FRAUD_MATCHED);
	ck_assert_int_eq(match_text("^1(70|71|62|65|67)\\d{8}$", "17012345678"), FRAUD_MATCHED);
	ck_assert_int_eq(match_text("^1(70|71|62|65|67)\\d{8}$", "13812345678"), FRAUD_NO_MATCH);
	ck_assert_int_eq(match_text("S{3,}", "HSSSH"), FRAUD_MATCHED);
	ck_assert_int_eq(match_text("S{3,}", "HSSHS"), FRAUD_NO_MATCH);
	ck_assert_int_eq(match_text("^(?![A-Za-z0-9_-]{16}$)", "Xk3v9QpL2mTz8RwA"), FRAUD_NO_MATCH);
	ck_assert_int_eq(match_text("^(?![A-Za-z0-9_-]{16}$)", "Xk3v9QpL2mTz8Rw"), FRAUD_MATCHED);
	/* Many capture groups with a one-pair match vector still match. */
	ck_assert_int_eq(match_text("(a)(b)(c)(d)", "abcd"), FRAUD_MATCHED);
}
END_TEST

START_TEST(names_round_trip)
{
	for (int f = 0; f < FRAUD_FIELD_COUNT; f++)
		ck_assert_int_eq(fraud_field_parse(fraud_field_name((enum fraud_field)f)), f);
	ck_assert_int_eq(fraud_field_parse("Phone"), -1);
	ck_assert_int_eq(fraud_field_parse(""), -1);
	ck_assert_int_eq(fraud_field_parse(NULL), -1);
	ck_assert_ptr_null(fraud_field_name(FRAUD_FIELD_COUNT));
	for (unsigned s = 1; s <= FRAUD_SCOPE_ORDER; s <<= 1)
		ck_assert_uint_eq(fraud_scope_parse(fraud_scope_name((enum fraud_scope)s)), s);
	ck_assert_uint_eq(fraud_scope_parse("all"), 0);
	ck_assert_int_eq(fraud_action_parse("block"), FRAUD_BLOCK);
	ck_assert_int_eq(fraud_action_parse("shadow"), FRAUD_SHADOW);
	ck_assert_int_eq(fraud_action_parse("review"), FRAUD_REVIEW);
	ck_assert_int_eq(fraud_action_parse("allow"), -1);
	ck_assert_str_eq(fraud_action_name(FRAUD_ALLOW), "allow");
}
END_TEST

/* ------------------------------------------------------------- rule sets */

static void add_rule(struct fraud_ruleset *set, int64_t id, enum fraud_field field, enum fraud_action action,
		     unsigned scopes, const char *pattern)
{
	char message[FRAUD_MESSAGE_SIZE];
	size_t offset;
	ck_assert_int_eq(fraud_ruleset_add(set, id, field, action, scopes, pattern, message, &offset), 0);
}

START_TEST(ruleset_refuses_a_bad_rule_and_keeps_the_rest)
{
	struct fraud_ruleset set;
	fraud_ruleset_init(&set);
	ck_assert_int_eq(set.version, -1);
	add_rule(&set, 1, FRAUD_FIELD_PHONE, FRAUD_BLOCK, FRAUD_SCOPE_SMS, "^170");
	char message[FRAUD_MESSAGE_SIZE];
	size_t offset;
	ck_assert_int_eq(fraud_ruleset_add(&set, 2, FRAUD_FIELD_PHONE, FRAUD_BLOCK, FRAUD_SCOPE_SMS, "(", message,
					   &offset), -1);
	ck_assert_uint_eq(set.count, 1);
	fraud_ruleset_clear(&set);
	ck_assert_uint_eq(set.count, 0);
	free(set.rules);
}
END_TEST

START_TEST(ruleset_strongest_action_wins_in_scope)
{
	struct fraud_ruleset set;
	fraud_ruleset_init(&set);
	add_rule(&set, 1, FRAUD_FIELD_PHONE, FRAUD_REVIEW, FRAUD_SCOPE_HELP, "^17");
	add_rule(&set, 2, FRAUD_FIELD_USER_AGENT, FRAUD_SHADOW, FRAUD_SCOPE_HELP | FRAUD_SCOPE_SMS, "bot");
	add_rule(&set, 3, FRAUD_FIELD_USER_AGENT, FRAUD_BLOCK, FRAUD_SCOPE_SMS, "bot");
	add_rule(&set, 4, FRAUD_FIELD_SIGNATURE, FRAUD_BLOCK, FRAUD_SCOPE_HELP, "S{3,}");
	struct fraud_fields fields = { { NULL } };
	fields.value[FRAUD_FIELD_PHONE] = "17012345678";
	fields.value[FRAUD_FIELD_USER_AGENT] = "a bot";
	struct fraud_verdict verdict;

	fraud_ruleset_evaluate(&set, FRAUD_SCOPE_HELP, &fields, &verdict);
	ck_assert_int_eq(verdict.action, FRAUD_SHADOW);
	ck_assert_int_eq(verdict.rule->id, 2);
	fraud_ruleset_evaluate(&set, FRAUD_SCOPE_SMS, &fields, &verdict);
	ck_assert_int_eq(verdict.action, FRAUD_BLOCK);
	ck_assert_int_eq(verdict.rule->id, 3);
	fraud_ruleset_evaluate(&set, FRAUD_SCOPE_LOGIN, &fields, &verdict);
	ck_assert_int_eq(verdict.action, FRAUD_ALLOW);
	ck_assert_ptr_null(verdict.rule);
	/* An unknown field (NULL) skips its rules; a known one is checked. */
	fields.value[FRAUD_FIELD_USER_AGENT] = "";
	fraud_ruleset_evaluate(&set, FRAUD_SCOPE_HELP, &fields, &verdict);
	ck_assert_int_eq(verdict.action, FRAUD_REVIEW);
	ck_assert_int_eq(verdict.rule->id, 1);
	fields.value[FRAUD_FIELD_SIGNATURE] = "HSSS";
	fraud_ruleset_evaluate(&set, FRAUD_SCOPE_HELP, &fields, &verdict);
	ck_assert_int_eq(verdict.action, FRAUD_BLOCK);
	ck_assert_int_eq(verdict.rule->id, 4);
	fraud_ruleset_clear(&set);
	free(set.rules);
}
END_TEST

START_TEST(ruleset_counts_limit_hits_as_no_match)
{
	struct fraud_ruleset set;
	fraud_ruleset_init(&set);
	add_rule(&set, 7, FRAUD_FIELD_USER_AGENT, FRAUD_BLOCK, FRAUD_SCOPE_ALL, "(a+)+$");
	add_rule(&set, 8, FRAUD_FIELD_USER_AGENT, FRAUD_REVIEW, FRAUD_SCOPE_ALL, "!");
	static char agent[FRAUD_FIELD_MAX - 100];
	memset(agent, 'a', sizeof(agent) - 1);
	agent[sizeof(agent) - 2] = '!';
	agent[sizeof(agent) - 1] = '\0';
	struct fraud_fields fields = { { NULL } };
	fields.value[FRAUD_FIELD_USER_AGENT] = agent;
	struct fraud_verdict verdict;
	fraud_ruleset_evaluate(&set, FRAUD_SCOPE_HELP, &fields, &verdict);
	ck_assert_int_eq(verdict.action, FRAUD_REVIEW); /* the limit hit is no block */
	ck_assert_int_eq(verdict.rule->id, 8);
	ck_assert_int_eq(verdict.limited_count, 1);
	ck_assert_int_eq(verdict.limited[0], 7);
	ck_assert_uint_eq(set.rules[0].limit_hits, 1);
	fraud_ruleset_clear(&set);
	free(set.rules);
}
END_TEST

START_TEST(ruleset_of_two_hundred_rules_is_fast)
{
	struct fraud_ruleset set;
	fraud_ruleset_init(&set);
	char pattern[64];
	for (int i = 0; i < 200; i++) {
		snprintf(pattern, sizeof(pattern), "(?i)bot-%d-[a-z]+\\d{3}", i);
		add_rule(&set, i + 1, (enum fraud_field)(i % FRAUD_FIELD_COUNT), FRAUD_BLOCK, FRAUD_SCOPE_ALL, pattern);
	}
	struct fraud_fields fields = { { "13812345678", "10.1.2.3",
					 "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
					 "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI",
					 "https://shop.example/s/Xk3v9QpL2mTz8RwA", "Xk3v9QpL2mTz8RwA", "d-1234567890",
					 "HHSPF" } };
	struct fraud_verdict verdict;
	double started = seconds_now();
	for (int n = 0; n < 1000; n++)
		fraud_ruleset_evaluate(&set, FRAUD_SCOPE_HELP, &fields, &verdict);
	double per_request = (seconds_now() - started) / 1000;
	ck_assert_int_eq(verdict.action, FRAUD_ALLOW);
	ck_assert_msg(per_request < 0.002, "200 rules took %.6f s per request", per_request);
	fraud_ruleset_clear(&set);
	free(set.rules);
}
END_TEST

/* --------------------------------------------------------------- helpers */

START_TEST(subnets)
{
	char subnet[FRAUD_SUBNET_SIZE];
	ck_assert(!fraud_subnet(NULL, subnet));
	ck_assert_str_eq(subnet, "");
	ck_assert(!fraud_subnet("", subnet));
	ck_assert(!fraud_subnet("10.1.2", subnet));
	ck_assert(!fraud_subnet("10.1.2.3/24", subnet));
	ck_assert(!fraud_subnet("not an ip", subnet));
	ck_assert(fraud_subnet("10.1.2.3", subnet));
	ck_assert_str_eq(subnet, "10.1.2.0/24");
	ck_assert(fraud_subnet("::ffff:192.168.7.9", subnet));
	ck_assert_str_eq(subnet, "192.168.7.0/24");
	ck_assert(fraud_subnet("2001:db8:aa:bb:1:2:3:4", subnet));
	ck_assert_str_eq(subnet, "2001:db8:aa:bb::/64");
	ck_assert(fraud_subnet("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", subnet));
	ck_assert_str_eq(subnet, "ffff:ffff:ffff:ffff::/64");
	ck_assert(fraud_same_subnet("10.1.2.3", "10.1.2.250"));
	ck_assert(!fraud_same_subnet("10.1.2.3", "10.1.3.3"));
	ck_assert(!fraud_same_subnet("10.1.2.3", NULL));
	ck_assert(!fraud_same_subnet(NULL, NULL));
	ck_assert(fraud_same_subnet("2001:db8::1", "2001:db8::ffff:1"));
}
END_TEST

START_TEST(phones_agents_masks_devices)
{
	ck_assert(fraud_virtual_number("17012345678"));
	ck_assert(fraud_virtual_number("16712345678"));
	ck_assert(!fraud_virtual_number("17212345678"));
	ck_assert(!fraud_virtual_number("1701234567"));
	ck_assert(!fraud_virtual_number(NULL));
	ck_assert(fraud_wechat_agent("Mozilla/5.0 MicroMessenger/8.0.47"));
	ck_assert(!fraud_wechat_agent("Mozilla/5.0 micromessenger"));
	ck_assert(!fraud_wechat_agent(NULL));

	char shown[FRAUD_FIELD_MAX + 1];
	fraud_mask(FRAUD_FIELD_PHONE, "13812348000", shown);
	ck_assert_str_eq(shown, "138****8000");
	fraud_mask(FRAUD_FIELD_PHONE, "1381234", shown);
	ck_assert_str_eq(shown, "****");
	fraud_mask(FRAUD_FIELD_PHONE, NULL, shown);
	ck_assert_str_eq(shown, "");
	fraud_mask(FRAUD_FIELD_USER_AGENT, "curl/8.0", shown);
	ck_assert_str_eq(shown, "curl/8.0");
	static char huge[5000];
	memset(huge, 'u', sizeof(huge) - 1);
	fraud_mask(FRAUD_FIELD_USER_AGENT, huge, shown);
	ck_assert_uint_eq(strlen(shown), FRAUD_FIELD_MAX);

	char device[FRAUD_DEVICE_MAX + 1];
	fraud_device_id(NULL, NULL, device);
	ck_assert_str_eq(device, "");
	fraud_device_id("hdr-1", "kj_device=cookie-1", device);
	ck_assert_str_eq(device, "hdr-1");
	fraud_device_id("", "a=1; kj_device=cookie-1; b=2", device);
	ck_assert_str_eq(device, "cookie-1");
	fraud_device_id(NULL, "xkj_device=no; kj_devicex=no", device);
	ck_assert_str_eq(device, "");
	fraud_device_id(NULL, "kj_device=", device);
	ck_assert_str_eq(device, "");
	fraud_device_id(huge, NULL, device);
	ck_assert_uint_eq(strlen(device), FRAUD_DEVICE_MAX);
}
END_TEST

START_TEST(utf8_clean_replaces_invalid_bytes)
{
	char out[64];
	fraud_utf8_clean("", 0, out);
	ck_assert_str_eq(out, "");
	fraud_utf8_clean("abc 手机", strlen("abc 手机"), out);
	ck_assert_str_eq(out, "abc 手机");
	fraud_utf8_clean("a\xff" "b", 3, out);
	ck_assert_str_eq(out, "a\xef\xbf\xbd" "b");
	/* A character cut in half at the end, an overlong form, a surrogate,
	 * and a code point above U+10FFFF. */
	fraud_utf8_clean("\xe6\x89", 2, out);
	ck_assert_str_eq(out, "\xef\xbf\xbd\xef\xbf\xbd");
	fraud_utf8_clean("\xc0\xaf", 2, out);
	ck_assert_str_eq(out, "\xef\xbf\xbd\xef\xbf\xbd");
	fraud_utf8_clean("\xed\xa0\x80", 3, out);
	ck_assert_str_eq(out, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	fraud_utf8_clean("\xf4\x90\x80\x80", 4, out);
	ck_assert_str_eq(out, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	fraud_utf8_clean("\xf0\x9f\x98\x80", 4, out); /* an emoji stays */
	ck_assert_str_eq(out, "\xf0\x9f\x98\x80");
}
END_TEST

START_TEST(signature_letters_by_priority)
{
	struct fraud_help_facts facts;
	memset(&facts, 0, sizeof(facts));
	ck_assert_int_eq(fraud_signature_letter(&facts), 'H');
	facts.new_account = true;
	ck_assert_int_eq(fraud_signature_letter(&facts), 'N');
	facts.fast = true;
	ck_assert_int_eq(fraud_signature_letter(&facts), 'F');
	facts.not_wechat = true;
	ck_assert_int_eq(fraud_signature_letter(&facts), 'B');
	facts.virtual_number = true;
	ck_assert_int_eq(fraud_signature_letter(&facts), 'V');
	facts.previous_subnet = true;
	ck_assert_int_eq(fraud_signature_letter(&facts), 'P');
	facts.initiator_subnet = true;
	ck_assert_int_eq(fraud_signature_letter(&facts), 'S');
	facts.same_device = true;
	ck_assert_int_eq(fraud_signature_letter(&facts), 'D');
}
END_TEST

START_TEST(velocity_specs)
{
	struct fraud_limit limits[FRAUD_LIMITS_MAX];
	int count = -1;
	char error[256];
	const char *const bad[] = {
		"ip", "ip:", "ip:10", "ip:10/", "ip:0/60", "ip:10/0", "ip:-1/60", "host:1/60", "ip:10/60x",
		"ip:10/60 subnet", "ip:1/32d", "ip:10000000000/60", "IP:1/60", "ip:1/99999999999999999999",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(fraud_limits_parse(bad[i], limits, &count, error, sizeof(error)) == -1, "%s accepted", bad[i]);
	ck_assert_int_eq(fraud_limits_parse("ip:1/1s ip:1/1s ip:1/1s ip:1/1s ip:1/1s ip:1/1s ip:1/1s ip:1/1s ip:1/1s",
					    limits, &count, error, sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "more than"));

	ck_assert_int_eq(fraud_limits_parse("", limits, &count, error, sizeof(error)), 0);
	ck_assert_int_eq(count, 0);
	ck_assert_int_eq(fraud_limits_parse(NULL, limits, &count, error, sizeof(error)), 0);
	ck_assert_int_eq(count, 0);
	ck_assert_int_eq(fraud_limits_parse(" ip:30/1h,subnet:20/3600  device:5/10m phone:2/1d ", limits, &count, error,
					    sizeof(error)), 0);
	ck_assert_int_eq(count, 4);
	ck_assert_int_eq(limits[0].dimension, FRAUD_BY_IP);
	ck_assert_int_eq(limits[0].max, 30);
	ck_assert_int_eq(limits[0].window_s, 3600);
	ck_assert_int_eq(limits[1].dimension, FRAUD_BY_SUBNET);
	ck_assert_int_eq(limits[1].window_s, 3600);
	ck_assert_int_eq(limits[2].dimension, FRAUD_BY_DEVICE);
	ck_assert_int_eq(limits[2].window_s, 600);
	ck_assert_int_eq(limits[3].dimension, FRAUD_BY_PHONE);
	ck_assert_int_eq(limits[3].max, 2);
	ck_assert_int_eq(limits[3].window_s, 86400);
	ck_assert_str_eq(fraud_dimension_name(FRAUD_BY_SUBNET), "subnet");
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("fraud");
	TCase *bad = tcase_create("bad input");
	tcase_add_test(bad, bad_pattern_reports_message_and_offset);
	tcase_add_test(bad, backslash_c_is_refused);
	tcase_add_test(bad, pattern_length_limit);
	tcase_add_test(bad, parentheses_nesting_limit);
	tcase_add_test(bad, invalid_utf8_pattern_is_refused);
	tcase_add_test(bad, invalid_utf8_values_are_matched_not_refused);
	tcase_add_test(bad, empty_and_null_values);
	tcase_add_test(bad, huge_values_are_cut_to_the_field_limit);
	tcase_add_test(bad, catastrophic_pattern_is_bounded);
	tcase_add_test(bad, pattern_cannot_raise_the_limits);
	tcase_add_test(bad, utf8_clean_replaces_invalid_bytes);
	suite_add_tcase(suite, bad);
	TCase *matching = tcase_create("matching");
	tcase_add_test(matching, utf8_patterns_match_characters);
	tcase_add_test(matching, names_round_trip);
	tcase_add_test(matching, ruleset_refuses_a_bad_rule_and_keeps_the_rest);
	tcase_add_test(matching, ruleset_strongest_action_wins_in_scope);
	tcase_add_test(matching, ruleset_counts_limit_hits_as_no_match);
	tcase_add_test(matching, ruleset_of_two_hundred_rules_is_fast);
	tcase_add_test(matching, subnets);
	tcase_add_test(matching, phones_agents_masks_devices);
	tcase_add_test(matching, signature_letters_by_priority);
	tcase_add_test(matching, velocity_specs);
	suite_add_tcase(suite, matching);
	return suite;
}
