/* fuzz_phone.c: phone numbers, share codes and addresses, the small
 * parsers every request meets (core/phone.c, bargain.c, fraud.c). */
#include "fuzz.h"

#include <assert.h>
#include <ctype.h>

#include "bargain/bargain.h"
#include "core/phone.h"
#include "fraud/fraud.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	if (phone_valid(text)) {
		assert(strlen(text) == 11 && text[0] == '1');
		for (int i = 0; i < 11; i++)
			assert(isdigit((unsigned char)text[i]));
		char masked[PHONE_MASKED_SIZE];
		phone_mask(text, masked);
		assert(strncmp(masked, text, 3) == 0 && strcmp(masked + 7, text + 7) == 0);
		(void)fraud_virtual_number(text);
	}
	if (share_code_shape(text))
		assert(strlen(text) == SHARE_CODE_LENGTH);
	char subnet[FRAUD_SUBNET_SIZE];
	if (fraud_subnet(text, subnet))
		assert(strlen(subnet) < FRAUD_SUBNET_SIZE);
	(void)fraud_same_subnet(text, "10.1.2.3");
	(void)fraud_wechat_agent(text);
	char device[FRAUD_DEVICE_MAX + 1];
	fraud_device_id(text, text, device);
	assert(strlen(device) <= FRAUD_DEVICE_MAX);
	char *clean = malloc(size * 3 + 1);
	if (clean == NULL)
		abort();
	fraud_utf8_clean(text, strlen(text), clean);
	free(clean);
	free(text);
	return 0;
}
