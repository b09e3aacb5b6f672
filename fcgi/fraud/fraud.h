/* fraud.h: the anti-fraud matcher (SPEC §5) — pure: no FastCGI, no SQL.
 *
 * A rule is a PCRE2 pattern on one field of a request (phone, ip,
 * user_agent, referer, share_code, device, signature), an action (block,
 * shadow, review) and a set of scopes (sms, login, help, share_open,
 * order). A rule set is the worker's compiled rules; fraud_check.c keeps it
 * fresh and decides with fraud_ruleset_evaluate().
 *
 * Hostile input and careless admins:
 * - patterns are compiled in UTF-8 mode that tolerates invalid subjects
 *   (PCRE2_MATCH_INVALID_UTF), with \C refused (PCRE2_NEVER_BACKSLASH_C),
 *   at most FRAUD_PATTERN_MAX bytes and FRAUD_PARENS_NEST_MAX nested
 *   parentheses; JIT-compiled when PCRE2 has JIT;
 * - every match runs under a match limit, a depth limit and a heap limit
 *   (and a bounded JIT stack); a pattern cannot raise them;
 * - a field value is matched on its first FRAUD_FIELD_MAX bytes only;
 * - a limit hit counts as "no match": the rule is counted (limit_hits) and
 *   the caller logs it.
 *
 * The strongest matching action wins: block > shadow > review > allow. */
#ifndef KANJIA_FRAUD_H
#define KANJIA_FRAUD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAUD_PATTERN_MAX 1000      /* bytes of a pattern */
#define FRAUD_PARENS_NEST_MAX 50
#define FRAUD_FIELD_MAX 1024        /* bytes of a field value that are matched and recorded */
#define FRAUD_MATCH_LIMIT 100000    /* pcre2_set_match_limit */
#define FRAUD_DEPTH_LIMIT 1000      /* pcre2_set_depth_limit (interpreter only) */
#define FRAUD_HEAP_LIMIT_KIB 1024   /* pcre2_set_heap_limit (interpreter only) */
#define FRAUD_JIT_STACK_MAX (256 * 1024)
#define FRAUD_NOTE_MAX 200
#define FRAUD_DEVICE_MAX 128        /* bytes of a device id kept */
#define FRAUD_SIGNATURE_MAX 1000    /* letters kept: the newest ones */
#define FRAUD_SUBNET_SIZE 48        /* "2001:db8:1:2::/64" and NUL, with room */
#define FRAUD_LIMITS_MAX 8          /* velocity limits per scope */
#define FRAUD_MESSAGE_SIZE 256
#define FRAUD_LIMITED_MAX 8         /* rules that hit a limit, reported per evaluation */

enum fraud_field {
	FRAUD_FIELD_PHONE,
	FRAUD_FIELD_IP,
	FRAUD_FIELD_USER_AGENT,
	FRAUD_FIELD_REFERER,
	FRAUD_FIELD_SHARE_CODE,
	FRAUD_FIELD_DEVICE,
	FRAUD_FIELD_SIGNATURE,
	FRAUD_FIELD_COUNT,
};

/* Scopes as bits, so a rule's scope is a set. */
enum fraud_scope {
	FRAUD_SCOPE_SMS = 1,
	FRAUD_SCOPE_LOGIN = 2,
	FRAUD_SCOPE_HELP = 4,
	FRAUD_SCOPE_SHARE_OPEN = 8,
	FRAUD_SCOPE_ORDER = 16,
	FRAUD_SCOPE_PLAY = 32,      /* games: a play */
	FRAUD_SCOPE_CHECKIN = 64,   /* engagement: daily check-in */
	FRAUD_SCOPE_CLAIM = 128,    /* engagement: coupon claims */
	FRAUD_SCOPE_EXCHANGE = 256, /* engagement: the points exchange */
	FRAUD_SCOPE_INVITE = 512,   /* engagement: a login through an invite */
};
#define FRAUD_SCOPE_ALL 1023

/* In order of strength. */
enum fraud_action { FRAUD_ALLOW, FRAUD_REVIEW, FRAUD_SHADOW, FRAUD_BLOCK };

enum fraud_match { FRAUD_NO_MATCH, FRAUD_MATCHED, FRAUD_LIMIT_HIT };

/* ------------------------------------------------------------------ names */

/* "phone", "ip", ...; NULL outside the enum. */
const char *fraud_field_name(enum fraud_field field);
/* The field for name, or -1. */
int fraud_field_parse(const char *name);
/* "sms", "login", "help", "share_open", "order" for one scope bit. */
const char *fraud_scope_name(enum fraud_scope scope);
/* The scope bit for name, or 0. */
unsigned fraud_scope_parse(const char *name);
/* The scope bits of a comma-separated list of scope names, as a SET column
 * reads ("sms,help"); unknown names add nothing. */
unsigned fraud_scopes_parse(const char *list);
/* "allow", "review", "shadow", "block". */
const char *fraud_action_name(enum fraud_action action);
/* The action for "block", "review" or "shadow" (not "allow"), or -1. */
int fraud_action_parse(const char *name);

/* --------------------------------------------------------------- patterns */

struct fraud_pattern {
	void *code; /* pcre2_code_8 */
	bool jit;
};

/* Compiles pattern (NUL-terminated) into *out. Returns 0, or -1 with PCRE2's
 * message in message[FRAUD_MESSAGE_SIZE] and the offset (in bytes) where it
 * stopped in *offset (OUT). */
int fraud_pattern_compile(const char *pattern, struct fraud_pattern *out, char message[FRAUD_MESSAGE_SIZE],
			  size_t *offset);
void fraud_pattern_free(struct fraud_pattern *pattern);
/* Matches value (length bytes; only the first FRAUD_FIELD_MAX are looked
 * at) under the limits. Invalid UTF-8 in value is fine. */
enum fraud_match fraud_pattern_match(const struct fraud_pattern *pattern, const char *value, size_t length);
/* True when this PCRE2 has a JIT compiler. */
bool fraud_jit_available(void);

/* --------------------------------------------------------------- rule sets */

struct fraud_rule {
	int64_t id;
	enum fraud_field field;
	enum fraud_action action;
	unsigned scopes;
	struct fraud_pattern pattern;
	uint64_t limit_hits; /* in this worker since the set was loaded */
};

struct fraud_ruleset {
	struct fraud_rule *rules;
	size_t count;
	size_t capacity;
	int64_t version; /* the fraud_state version it was loaded at; -1: never */
};

/* The values a request is checked on; NULL: not known in this scope (rules
 * on that field are skipped). A header that was not sent is "". */
struct fraud_fields {
	const char *value[FRAUD_FIELD_COUNT];
};

struct fraud_verdict {
	enum fraud_action action;
	const struct fraud_rule *rule; /* the rule that decided, NULL for allow */
	int limited_count;             /* rules that hit a limit (at most FRAUD_LIMITED_MAX listed) */
	int64_t limited[FRAUD_LIMITED_MAX];
};

void fraud_ruleset_init(struct fraud_ruleset *set);
/* Frees every compiled pattern; the set is empty (and reusable) after. */
void fraud_ruleset_clear(struct fraud_ruleset *set);
/* Compiles and appends a rule. Returns 0, or -1 (message and offset as
 * fraud_pattern_compile). */
int fraud_ruleset_add(struct fraud_ruleset *set, int64_t id, enum fraud_field field, enum fraud_action action,
		      unsigned scopes, const char *pattern, char message[FRAUD_MESSAGE_SIZE], size_t *offset);
/* Evaluates every rule of scope on fields into *verdict (OUT). The first
 * rule with the strongest action decides; a block ends the walk. */
void fraud_ruleset_evaluate(struct fraud_ruleset *set, enum fraud_scope scope, const struct fraud_fields *fields,
			    struct fraud_verdict *verdict);

/* ---------------------------------------------------------------- helpers */

/* True for the virtual-operator ranges 170, 171, 162, 165, 167. */
bool fraud_virtual_number(const char *phone);
/* True for a User-Agent of WeChat's built-in browser ("MicroMessenger"). */
bool fraud_wechat_agent(const char *user_agent);
/* Writes the subnet of ip: "a.b.c.0/24" for IPv4 (also IPv4-mapped IPv6),
 * the first four groups and "::/64" for IPv6. Returns false (out "") when
 * ip is NULL or not an address. */
bool fraud_subnet(const char *ip, char out[FRAUD_SUBNET_SIZE]);
/* True when a and b are addresses in one subnet (as fraud_subnet). */
bool fraud_same_subnet(const char *a, const char *b);
/* The shown form of a field value for decision logs: phones masked
 * ("138****8000"), anything else cut to FRAUD_FIELD_MAX bytes. out needs
 * FRAUD_FIELD_MAX + 1 bytes. */
void fraud_mask(enum fraud_field field, const char *value, char out[FRAUD_FIELD_MAX + 1]);
/* The device id of a request: the X-Device-Id header if sent, else the
 * kj_device cookie, cut to FRAUD_DEVICE_MAX bytes into out; "" when
 * neither. */
void fraud_device_id(const char *header, const char *cookie, char out[FRAUD_DEVICE_MAX + 1]);

/* Copies length bytes of in to out as valid UTF-8 (for JSON), each invalid
 * byte replaced by U+FFFD; out needs 3 * length + 1 bytes. */
void fraud_utf8_clean(const char *in, size_t length, char *out);

/* -------------------------------------------------------- share signatures
 *
 * Each help adds one letter to its bargain's signature: the first of these
 * that is true of the help (so the order is the priority):
 *
 *   D  same device id as the initiator or an earlier helper of the bargain
 *   S  same IP or subnet (/24, IPv6 /64) as the initiator
 *   P  same IP or subnet as the previous helper
 *   V  the helper's phone is a virtual-operator number
 *   B  not WeChat's browser (no "MicroMessenger" in the User-Agent)
 *   F  fast: within fraud_fast_help_s of the previous help (or of the start)
 *   N  new account: the helper signed up less than fraud_new_account_s ago
 *   H  none of these: an ordinary help
 *
 * So "S{3,}" is three helps in a row from the initiator's subnet, "[DSP]"
 * any help from a known device or network, "^N{5}" five fresh accounts
 * first. */
struct fraud_help_facts {
	bool same_device;
	bool initiator_subnet;
	bool previous_subnet;
	bool virtual_number;
	bool not_wechat;
	bool fast;
	bool new_account;
};

/* The letter for one help. */
char fraud_signature_letter(const struct fraud_help_facts *facts);

/* --------------------------------------------------------- velocity limits
 *
 * A scope's limits are a config string of "dimension:max/window" items
 * separated by spaces or commas; dimension is phone, ip, subnet or device;
 * window is seconds, or a number with s, m, h or d. "" means no limits.
 * Example: "ip:30/1h subnet:20/1h device:10/1h". */
enum fraud_dimension { FRAUD_BY_PHONE, FRAUD_BY_IP, FRAUD_BY_SUBNET, FRAUD_BY_DEVICE };

struct fraud_limit {
	enum fraud_dimension dimension;
	int64_t max;
	int64_t window_s;
};

/* Parses text into limits[FRAUD_LIMITS_MAX]; *count (OUT) gets how many.
 * Returns 0, or -1 with a message in error[error_size]. */
int fraud_limits_parse(const char *text, struct fraud_limit *limits, int *count, char *error, size_t error_size);
/* "phone", "ip", "subnet", "device". */
const char *fraud_dimension_name(enum fraud_dimension dimension);

#endif
