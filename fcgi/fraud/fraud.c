/* fraud.c: PCRE2 patterns under limits, rule sets, share-signature letters,
 * subnets and velocity-limit specs. Pure: see fraud.h. */
#include "fraud/fraud.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/phone.h"

/* ================================================================== names */

static const char *const field_names[FRAUD_FIELD_COUNT] = {
	"phone", "ip", "user_agent", "referer", "share_code", "device", "signature",
};

const char *fraud_field_name(enum fraud_field field)
{
	return (unsigned)field < FRAUD_FIELD_COUNT ? field_names[field] : NULL;
}

int fraud_field_parse(const char *name)
{
	for (int i = 0; name != NULL && i < FRAUD_FIELD_COUNT; i++)
		if (strcmp(field_names[i], name) == 0)
			return i;
	return -1;
}

static const struct {
	const char *name;
	enum fraud_scope scope;
} scope_names[] = {
	{ "sms", FRAUD_SCOPE_SMS },   { "login", FRAUD_SCOPE_LOGIN },	    { "help", FRAUD_SCOPE_HELP },
	{ "share_open", FRAUD_SCOPE_SHARE_OPEN }, { "order", FRAUD_SCOPE_ORDER },
	{ "play", FRAUD_SCOPE_PLAY },
	{ "checkin", FRAUD_SCOPE_CHECKIN }, { "claim", FRAUD_SCOPE_CLAIM },
	{ "exchange", FRAUD_SCOPE_EXCHANGE }, { "invite", FRAUD_SCOPE_INVITE },
};

const char *fraud_scope_name(enum fraud_scope scope)
{
	for (size_t i = 0; i < sizeof(scope_names) / sizeof(scope_names[0]); i++)
		if (scope_names[i].scope == scope)
			return scope_names[i].name;
	return NULL;
}

unsigned fraud_scope_parse(const char *name)
{
	for (size_t i = 0; name != NULL && i < sizeof(scope_names) / sizeof(scope_names[0]); i++)
		if (strcmp(scope_names[i].name, name) == 0)
			return scope_names[i].scope;
	return 0;
}

unsigned fraud_scopes_parse(const char *list)
{
	unsigned scopes = 0;
	char name[16];
	while (list != NULL && *list != '\0') {
		size_t length = strcspn(list, ",");
		if (length < sizeof(name)) {
			memcpy(name, list, length);
			name[length] = '\0';
			scopes |= fraud_scope_parse(name);
		}
		list += length + (list[length] == ',');
	}
	return scopes;
}

static const char *const action_names[] = { "allow", "review", "shadow", "block" };

const char *fraud_action_name(enum fraud_action action)
{
	return (unsigned)action <= FRAUD_BLOCK ? action_names[action] : NULL;
}

int fraud_action_parse(const char *name)
{
	for (int i = FRAUD_REVIEW; name != NULL && i <= FRAUD_BLOCK; i++)
		if (strcmp(action_names[i], name) == 0)
			return i;
	return -1;
}

/* =============================================================== patterns */

/* The worker's match state: one match context carrying the limits, one
 * match data block and one JIT stack, made on first use. Workers are single
 * threaded, so one of each is enough. */
static pcre2_match_context *match_context;
static pcre2_match_data *match_data;
static pcre2_jit_stack *jit_stack;
static pcre2_compile_context *compile_context;

static void matcher_init(void)
{
	if (match_context != NULL)
		return;
	match_context = pcre2_match_context_create(NULL);
	match_data = pcre2_match_data_create(1, NULL);
	compile_context = pcre2_compile_context_create(NULL);
	if (match_context == NULL || match_data == NULL || compile_context == NULL)
		abort();
	pcre2_set_match_limit(match_context, FRAUD_MATCH_LIMIT);
	pcre2_set_depth_limit(match_context, FRAUD_DEPTH_LIMIT);
	pcre2_set_heap_limit(match_context, FRAUD_HEAP_LIMIT_KIB);
	if (fraud_jit_available()) {
		jit_stack = pcre2_jit_stack_create(32 * 1024, FRAUD_JIT_STACK_MAX, NULL);
		if (jit_stack == NULL)
			abort();
		pcre2_jit_stack_assign(match_context, NULL, jit_stack);
	}
	pcre2_set_max_pattern_length(compile_context, FRAUD_PATTERN_MAX);
	pcre2_set_parens_nest_limit(compile_context, FRAUD_PARENS_NEST_MAX);
}

bool fraud_jit_available(void)
{
	uint32_t jit = 0;
	return pcre2_config(PCRE2_CONFIG_JIT, &jit) >= 0 && jit == 1;
}

int fraud_pattern_compile(const char *pattern, struct fraud_pattern *out, char message[FRAUD_MESSAGE_SIZE],
			  size_t *offset)
{
	matcher_init();
	out->code = NULL;
	out->jit = false;
	size_t length = strlen(pattern);
	if (length > FRAUD_PATTERN_MAX) {
		snprintf(message, FRAUD_MESSAGE_SIZE, "pattern longer than %d bytes", FRAUD_PATTERN_MAX);
		*offset = FRAUD_PATTERN_MAX;
		return -1;
	}
	int error = 0;
	PCRE2_SIZE error_offset = 0;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, length,
					 PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C, &error,
					 &error_offset, compile_context);
	if (code == NULL) {
		PCRE2_UCHAR text[FRAUD_MESSAGE_SIZE];
		if (pcre2_get_error_message(error, text, sizeof(text)) < 0)
			snprintf((char *)text, sizeof(text), "PCRE2 error %d", error);
		snprintf(message, FRAUD_MESSAGE_SIZE, "%s", (const char *)text);
		*offset = error_offset;
		return -1;
	}
	out->code = code;
	out->jit = jit_stack != NULL && pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
	return 0;
}

void fraud_pattern_free(struct fraud_pattern *pattern)
{
	pcre2_code_free(pattern->code);
	pattern->code = NULL;
	pattern->jit = false;
}

enum fraud_match fraud_pattern_match(const struct fraud_pattern *pattern, const char *value, size_t length)
{
	matcher_init();
	if (value == NULL) {
		value = "";
		length = 0;
	}
	/* A longer value is seen in part: its cut is not its end, so $ must not
	 * match there (PCRE2_NOTEOL); a rule like ^\d+$ would otherwise judge
	 * the part, not the value. The cut may split a character: invalid
	 * UTF-8 is tolerated. */
	uint32_t options = 0;
	if (length > FRAUD_FIELD_MAX) {
		length = FRAUD_FIELD_MAX;
		options |= PCRE2_NOTEOL;
	}
	int rc = pcre2_match(pattern->code, (PCRE2_SPTR)value, length, 0, options, match_data, match_context);
	if (rc >= 0)
		return FRAUD_MATCHED; /* 0: matched, the one-pair vector is just too small for the groups */
	if (rc == PCRE2_ERROR_NOMATCH)
		return FRAUD_NO_MATCH;
	/* PCRE2_ERROR_MATCHLIMIT, _DEPTHLIMIT, _HEAPLIMIT, _JIT_STACKLIMIT,
	 * _NOMEMORY, or anything unexpected: no decision, so no match. */
	return FRAUD_LIMIT_HIT;
}

/* ============================================================== rule sets */

void fraud_ruleset_init(struct fraud_ruleset *set)
{
	memset(set, 0, sizeof(*set));
	set->version = -1;
}

void fraud_ruleset_clear(struct fraud_ruleset *set)
{
	for (size_t i = 0; i < set->count; i++)
		fraud_pattern_free(&set->rules[i].pattern);
	set->count = 0;
}

int fraud_ruleset_add(struct fraud_ruleset *set, int64_t id, enum fraud_field field, enum fraud_action action,
		      unsigned scopes, const char *pattern, char message[FRAUD_MESSAGE_SIZE], size_t *offset)
{
	if (set->count == set->capacity) {
		size_t capacity = set->capacity ? set->capacity * 2 : 64;
		struct fraud_rule *rules = realloc(set->rules, capacity * sizeof(*rules));
		if (rules == NULL)
			abort();
		set->rules = rules;
		set->capacity = capacity;
	}
	struct fraud_rule *rule = &set->rules[set->count];
	memset(rule, 0, sizeof(*rule));
	if (fraud_pattern_compile(pattern, &rule->pattern, message, offset) != 0)
		return -1;
	rule->id = id;
	rule->field = field;
	rule->action = action;
	rule->scopes = scopes;
	set->count++;
	return 0;
}

void fraud_ruleset_evaluate(struct fraud_ruleset *set, enum fraud_scope scope, const struct fraud_fields *fields,
			    struct fraud_verdict *verdict)
{
	memset(verdict, 0, sizeof(*verdict));
	verdict->action = FRAUD_ALLOW;
	for (size_t i = 0; i < set->count && verdict->action != FRAUD_BLOCK; i++) {
		struct fraud_rule *rule = &set->rules[i];
		if ((rule->scopes & (unsigned)scope) == 0 || rule->action <= verdict->action)
			continue; /* a weaker or equal action cannot change the verdict */
		const char *value = fields->value[rule->field];
		if (value == NULL)
			continue;
		enum fraud_match match = fraud_pattern_match(&rule->pattern, value, strlen(value));
		if (match == FRAUD_MATCHED) {
			verdict->action = rule->action;
			verdict->rule = rule;
		} else if (match == FRAUD_LIMIT_HIT) {
			rule->limit_hits++;
			if (verdict->limited_count < FRAUD_LIMITED_MAX)
				verdict->limited[verdict->limited_count] = rule->id;
			verdict->limited_count++;
		}
	}
}

/* ================================================================ helpers */

bool fraud_virtual_number(const char *phone)
{
	static const char *const prefixes[] = { "170", "171", "162", "165", "167" };
	if (phone == NULL || strlen(phone) != PHONE_DIGITS)
		return false;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(phone, prefixes[i], 3) == 0)
			return true;
	return false;
}

bool fraud_wechat_agent(const char *user_agent)
{
	return user_agent != NULL && strstr(user_agent, "MicroMessenger") != NULL;
}

bool fraud_subnet(const char *ip, char out[FRAUD_SUBNET_SIZE])
{
	out[0] = '\0';
	if (ip == NULL)
		return false;
	unsigned char address[16];
	if (inet_pton(AF_INET, ip, address) == 1) {
		snprintf(out, FRAUD_SUBNET_SIZE, "%u.%u.%u.0/24", address[0], address[1], address[2]);
		return true;
	}
	if (inet_pton(AF_INET6, ip, address) != 1)
		return false;
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (memcmp(address, mapped, sizeof(mapped)) == 0) {
		snprintf(out, FRAUD_SUBNET_SIZE, "%u.%u.%u.0/24", address[12], address[13], address[14]);
		return true;
	}
	snprintf(out, FRAUD_SUBNET_SIZE, "%x:%x:%x:%x::/64", address[0] << 8 | address[1], address[2] << 8 | address[3],
		 address[4] << 8 | address[5], address[6] << 8 | address[7]);
	return true;
}

bool fraud_same_subnet(const char *a, const char *b)
{
	char subnet_a[FRAUD_SUBNET_SIZE], subnet_b[FRAUD_SUBNET_SIZE];
	return fraud_subnet(a, subnet_a) && fraud_subnet(b, subnet_b) && strcmp(subnet_a, subnet_b) == 0;
}

void fraud_mask(enum fraud_field field, const char *value, char out[FRAUD_FIELD_MAX + 1])
{
	if (value == NULL)
		value = "";
	if (field == FRAUD_FIELD_PHONE) {
		if (phone_valid(value))
			phone_mask(value, out);
		else
			snprintf(out, FRAUD_FIELD_MAX + 1, "%s", value[0] ? "****" : "");
		return;
	}
	size_t length = strnlen(value, FRAUD_FIELD_MAX);
	memcpy(out, value, length);
	out[length] = '\0';
}

void fraud_device_id(const char *header, const char *cookie, char out[FRAUD_DEVICE_MAX + 1])
{
	out[0] = '\0';
	const char *value = NULL;
	size_t length = 0;
	if (header != NULL && header[0] != '\0') {
		value = header;
		length = strlen(header);
	} else if (cookie != NULL) {
		/* "a=1; kj_device=xyz; b=2": the first kj_device wins. */
		static const char name[] = "kj_device=";
		const char *cursor = cookie;
		while (*cursor != '\0') {
			while (*cursor == ' ' || *cursor == ';')
				cursor++;
			size_t item = strcspn(cursor, ";");
			if (item >= sizeof(name) - 1 && strncmp(cursor, name, sizeof(name) - 1) == 0) {
				value = cursor + sizeof(name) - 1;
				length = item - (sizeof(name) - 1);
				break;
			}
			cursor += item;
		}
	}
	if (value == NULL)
		return;
	if (length > FRAUD_DEVICE_MAX)
		length = FRAUD_DEVICE_MAX;
	memcpy(out, value, length);
	out[length] = '\0';
}

/* The length of the valid UTF-8 sequence at in (at most left bytes), or 0. */
static size_t utf8_sequence(const unsigned char *in, size_t left)
{
	unsigned char c = in[0];
	size_t length;
	unsigned char low = 0x80, high = 0xbf;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		length = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		length = 3;
		if (c == 0xe0)
			low = 0xa0;
		else if (c == 0xed)
			high = 0x9f; /* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		length = 4;
		if (c == 0xf0)
			low = 0x90;
		else if (c == 0xf4)
			high = 0x8f;
	} else
		return 0;
	if (left < length || in[1] < low || in[1] > high)
		return 0;
	for (size_t i = 2; i < length; i++)
		if (in[i] < 0x80 || in[i] > 0xbf)
			return 0;
	return length;
}

void fraud_utf8_clean(const char *in, size_t length, char *out)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, o = 0;
	while (i < length) {
		size_t n = utf8_sequence(p + i, length - i);
		if (n == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		}
	}
	out[o] = '\0';
}

/* ============================================================= signatures */

char fraud_signature_letter(const struct fraud_help_facts *facts)
{
	if (facts->same_device)
		return 'D';
	if (facts->initiator_subnet)
		return 'S';
	if (facts->previous_subnet)
		return 'P';
	if (facts->virtual_number)
		return 'V';
	if (facts->not_wechat)
		return 'B';
	if (facts->fast)
		return 'F';
	if (facts->new_account)
		return 'N';
	return 'H';
}

/* ========================================================= velocity specs */

static const char *const dimension_names[] = { "phone", "ip", "subnet", "device" };

const char *fraud_dimension_name(enum fraud_dimension dimension)
{
	return (unsigned)dimension <= FRAUD_BY_DEVICE ? dimension_names[dimension] : NULL;
}

#define LIMIT_MAX_HITS 1000000000LL
#define LIMIT_MAX_WINDOW_S (31LL * 86400)

/* Reads a positive decimal from *cursor; returns -1 when there is none or it
 * is over bound. */
static int64_t read_number(const char **cursor, int64_t bound)
{
	const char *p = *cursor;
	int64_t value = 0;
	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		value = value * 10 + (*p - '0');
		if (value > bound)
			return -1;
		p++;
	}
	*cursor = p;
	return value;
}

int fraud_limits_parse(const char *text, struct fraud_limit *limits, int *count, char *error, size_t error_size)
{
	*count = 0;
	const char *cursor = text ? text : "";
	for (;;) {
		while (*cursor == ' ' || *cursor == ',' || *cursor == '\t')
			cursor++;
		if (*cursor == '\0')
			return 0;
		const char *item = cursor;
		size_t item_length = strcspn(item, " ,\t");
		int dimension = -1;
		for (int i = 0; i <= FRAUD_BY_DEVICE; i++) {
			size_t length = strlen(dimension_names[i]);
			if (strncmp(cursor, dimension_names[i], length) == 0 && cursor[length] == ':') {
				dimension = i;
				cursor += length + 1;
				break;
			}
		}
		int64_t max = -1, window = -1;
		if (dimension >= 0 && (max = read_number(&cursor, LIMIT_MAX_HITS)) > 0 && *cursor == '/') {
			cursor++;
			window = read_number(&cursor, LIMIT_MAX_WINDOW_S);
			int64_t unit = 1;
			switch (*cursor) {
			case 's': unit = 1; cursor++; break;
			case 'm': unit = 60; cursor++; break;
			case 'h': unit = 3600; cursor++; break;
			case 'd': unit = 86400; cursor++; break;
			default: break;
			}
			window = window > 0 && window <= LIMIT_MAX_WINDOW_S / unit ? window * unit : -1;
		}
		if (dimension < 0 || max <= 0 || window <= 0 || !(*cursor == '\0' || *cursor == ' ' || *cursor == ',' ||
								  *cursor == '\t')) {
			snprintf(error, error_size,
				 "\"%.*s\" is not dimension:max/window (dimension phone, ip, subnet or device; "
				 "max 1..%lld; window up to 31 days, in s, m, h or d)",
				 (int)(item_length > 64 ? 64 : item_length), item, LIMIT_MAX_HITS);
			return -1;
		}
		if (*count == FRAUD_LIMITS_MAX) {
			snprintf(error, error_size, "more than %d limits", FRAUD_LIMITS_MAX);
			return -1;
		}
		limits[*count].dimension = (enum fraud_dimension)dimension;
		limits[*count].max = max;
		limits[*count].window_s = window;
		(*count)++;
	}
}
