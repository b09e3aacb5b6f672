/* fuzz.h: what the libFuzzer harnesses share: a NUL-terminated copy of the
 * input, and splitting it into parts at the first NUL byte. Each harness
 * defines LLVMFuzzerTestOneInput and asserts the properties its code
 * promises; ASan and UBSan catch the rest. */
#ifndef KANJIA_FUZZ_H
#define KANJIA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A malloc'd NUL-terminated copy of data (which may hold NULs itself). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	return text;
}

/* Splits text at its first NUL: *second points after it, or to "" if none. */
static inline void fuzz_split(char *text, size_t size, const char **second)
{
	size_t first = strlen(text);
	*second = first < size ? text + first + 1 : text + size;
}

#endif
