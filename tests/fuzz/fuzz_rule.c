/* fuzz_rule.c: the anti-fraud rule compiler and matcher (fcgi/fraud/fraud.c)
 * on admin-written patterns and hostile values: input is "pattern\0value".
 * A pattern compiles or is refused with a message; a match always ends (the
 * match, depth and heap limits) with a verdict. Also the velocity limit
 * parser. */
#include "fuzz.h"

#include <assert.h>

#include "fraud/fraud.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *text = fuzz_text(data, size);
	const char *value;
	fuzz_split(text, size, &value);
	struct fraud_pattern pattern;
	char message[FRAUD_MESSAGE_SIZE];
	size_t offset = 0;
	if (fraud_pattern_compile(text, &pattern, message, &offset) == 0) {
		enum fraud_match match = fraud_pattern_match(&pattern, value, strlen(value));
		(void)match;
		fraud_pattern_free(&pattern);
	} else {
		assert(message[0] != '\0');
	}
	struct fraud_limit limits[FRAUD_LIMITS_MAX];
	int count = 0;
	char error[128];
	if (fraud_limits_parse(text, limits, &count, error, sizeof(error)) == 0)
		assert(count >= 0 && count <= FRAUD_LIMITS_MAX);
	(void)fraud_scopes_parse(value);
	free(text);
	return 0;
}
