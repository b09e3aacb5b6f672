/* phone.c: phone number shape and masking. */
#include "core/phone.h"

#include <string.h>

bool phone_valid(const char *text)
{
	if (text == NULL || strlen(text) != PHONE_DIGITS || text[0] != '1' || text[1] < '3' || text[1] > '9')
		return false;
	for (int i = 0; i < PHONE_DIGITS; i++)
		if (text[i] < '0' || text[i] > '9')
			return false;
	return true;
}

void phone_mask(const char *phone, char out[PHONE_MASKED_SIZE])
{
	memcpy(out, phone, 3);
	memcpy(out + 3, "****", 4);
	memcpy(out + 7, phone + 7, 4);
	out[11] = '\0';
}
