/* phone.h: mainland China mobile numbers: 11 digits, starting with 1. */
#ifndef KANJIA_PHONE_H
#define KANJIA_PHONE_H

#include <stdbool.h>

#define PHONE_DIGITS 11
#define PHONE_MASKED_SIZE 12 /* "138****8000" plus NUL */

/* True for "1" followed by a second digit 3-9 and nine more digits. */
bool phone_valid(const char *text);
/* Writes the shown form, "138****8000", of a valid number. */
void phone_mask(const char *phone, char out[PHONE_MASKED_SIZE]);

#endif
