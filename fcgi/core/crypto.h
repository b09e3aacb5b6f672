/* crypto.h: the few primitives kanjia needs, over the OS's CSPRNG and
 * OpenSSL's libcrypto. */
#ifndef KANJIA_CRYPTO_H
#define KANJIA_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRYPTO_HMAC_SIZE 32

/* Fills out with bytes from getrandom(2); aborts if the kernel cannot. */
void crypto_random(void *out, size_t size);
/* A uniform number in [0, bound), bound > 0, without modulo bias. */
uint64_t crypto_random_below(uint64_t bound);
/* HMAC-SHA256 of message under key into out[CRYPTO_HMAC_SIZE]. */
void crypto_hmac_sha256(const void *key, size_t key_size, const void *message, size_t message_size,
			unsigned char out[CRYPTO_HMAC_SIZE]);
/* Compares in time that depends only on size. */
bool crypto_equal(const void *a, const void *b, size_t size);
/* Lower-case hex of in; out needs 2 * size + 1 bytes. */
void crypto_hex(const unsigned char *in, size_t size, char *out);
/* The value of one hex digit (either case), or -1. */
int crypto_hex_digit(char c);
/* Decodes hex (either case) into out[out_size]; returns the byte count or -1. */
int crypto_unhex(const char *in, unsigned char *out, size_t out_size);
/* Base64url without padding; out needs base64url_size(size) bytes. */
size_t crypto_base64url_size(size_t size);
void crypto_base64url(const unsigned char *in, size_t size, char *out);
/* Decodes unpadded base64url of in_size chars into out[out_size]; returns the
 * byte count or -1 on a bad character, bad length, or too small a buffer. */
long crypto_unbase64url(const char *in, size_t in_size, unsigned char *out, size_t out_size);

#endif
