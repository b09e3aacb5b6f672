/* crypto.c: random bytes, HMAC, constant-time compare, hex and base64url. */
#include "core/crypto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

void crypto_random(void *out, size_t size)
{
	unsigned char *cursor = out;
	while (size > 0) {
		ssize_t got = getrandom(cursor, size, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			abort(); /* no safe randomness: nothing here may go on */
		}
		cursor += got;
		size -= (size_t)got;
	}
}

uint64_t crypto_random_below(uint64_t bound)
{
	/* Reject the top partial range so every residue is equally likely. */
	uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
	for (;;) {
		uint64_t value;
		crypto_random(&value, sizeof(value));
		if (value < limit)
			return value % bound;
	}
}

void crypto_hmac_sha256(const void *key, size_t key_size, const void *message, size_t message_size,
			unsigned char out[CRYPTO_HMAC_SIZE])
{
	unsigned int out_size = CRYPTO_HMAC_SIZE;
	if (HMAC(EVP_sha256(), key, (int)key_size, message, message_size, out, &out_size) == NULL)
		abort();
}

bool crypto_equal(const void *a, const void *b, size_t size)
{
	const volatile unsigned char *left = a;
	const volatile unsigned char *right = b;
	unsigned char difference = 0;
	for (size_t i = 0; i < size; i++)
		difference |= left[i] ^ right[i];
	return difference == 0;
}

void crypto_hex(const unsigned char *in, size_t size, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < size; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * size] = '\0';
}

int crypto_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int crypto_unhex(const char *in, unsigned char *out, size_t out_size)
{
	size_t length = strlen(in);
	if (length % 2 != 0 || length / 2 > out_size)
		return -1;
	for (size_t i = 0; i < length / 2; i++) {
		int high = crypto_hex_digit(in[2 * i]), low = crypto_hex_digit(in[2 * i + 1]);
		if (high < 0 || low < 0)
			return -1;
		out[i] = (unsigned char)(high << 4 | low);
	}
	return (int)(length / 2);
}

static const char base64url_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t crypto_base64url_size(size_t size)
{
	return (size * 4 + 2) / 3 + 1;
}

void crypto_base64url(const unsigned char *in, size_t size, char *out)
{
	size_t used = 0;
	size_t i = 0;
	for (; i + 2 < size; i += 3) {
		uint32_t triple = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[used++] = base64url_alphabet[triple >> 18 & 63];
		out[used++] = base64url_alphabet[triple >> 12 & 63];
		out[used++] = base64url_alphabet[triple >> 6 & 63];
		out[used++] = base64url_alphabet[triple & 63];
	}
	if (size - i == 1) {
		uint32_t triple = (uint32_t)in[i] << 16;
		out[used++] = base64url_alphabet[triple >> 18 & 63];
		out[used++] = base64url_alphabet[triple >> 12 & 63];
	} else if (size - i == 2) {
		uint32_t triple = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[used++] = base64url_alphabet[triple >> 18 & 63];
		out[used++] = base64url_alphabet[triple >> 12 & 63];
		out[used++] = base64url_alphabet[triple >> 6 & 63];
	}
	out[used] = '\0';
}

static int base64url_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

long crypto_unbase64url(const char *in, size_t in_size, unsigned char *out, size_t out_size)
{
	if (in_size % 4 == 1)
		return -1;
	size_t needed = in_size / 4 * 3 + (in_size % 4 ? in_size % 4 - 1 : 0);
	if (needed > out_size)
		return -1;
	uint32_t accumulator = 0;
	int bits = 0;
	size_t used = 0;
	for (size_t i = 0; i < in_size; i++) {
		int value = base64url_value(in[i]);
		if (value < 0)
			return -1;
		accumulator = accumulator << 6 | (uint32_t)value;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[used++] = (unsigned char)(accumulator >> bits & 0xff);
		}
	}
	/* Leftover bits must be zero: one encoding per byte string. */
	if (bits > 0 && (accumulator & ((1u << bits) - 1)) != 0)
		return -1;
	return (long)used;
}
