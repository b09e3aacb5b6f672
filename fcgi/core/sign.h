/* sign.h: the signing primitives the outside providers' protocols need
 * (SMS, payment, the WeChat JS-SDK), over OpenSSL's libcrypto: SHA-1 and
 * SHA-256 digests, HMAC-SHA1, standard base64, RFC 3986 percent-encoding,
 * SHA256withRSA signatures and AES-256-GCM decryption.
 *
 * Keys arrive as PEM text (a "PUBLIC KEY", a certificate, a "PRIVATE KEY"
 * or "RSA PRIVATE KEY"), or as the bare base64 body of one, the form
 * Alipay's console hands out. */
#ifndef KANJIA_SIGN_H
#define KANJIA_SIGN_H

#include <stdbool.h>
#include <stddef.h>

#define SIGN_SHA1_HEX_SIZE 41
#define SIGN_SHA256_HEX_SIZE 65
#define SIGN_HMAC_SHA1_SIZE 20
#define SIGN_SHA256_SIZE 32

/* Lower-case hex SHA-1 / SHA-256 of data into out. */
void sign_sha1_hex(const void *data, size_t size, char out[SIGN_SHA1_HEX_SIZE]);
void sign_sha256_hex(const void *data, size_t size, char out[SIGN_SHA256_HEX_SIZE]);
/* Raw HMAC-SHA1 and HMAC-SHA256 of message under key. */
void sign_hmac_sha1(const void *key, size_t key_size, const void *message, size_t message_size,
		    unsigned char out[SIGN_HMAC_SHA1_SIZE]);
void sign_hmac_sha256(const void *key, size_t key_size, const void *message, size_t message_size,
		      unsigned char out[SIGN_SHA256_SIZE]);

/* Standard base64 with padding; out needs sign_base64_size(size) bytes. */
size_t sign_base64_size(size_t size);
void sign_base64(const unsigned char *in, size_t size, char *out);
/* Decodes padded standard base64 into out[out_size]; returns the byte count,
 * or -1 on a bad character, bad length or too small a buffer. */
long sign_unbase64(const char *in, size_t in_size, unsigned char *out, size_t out_size);

/* RFC 3986 percent-encoding (every byte but A-Z a-z 0-9 - _ . ~, upper-case
 * hex) of in into out[out_size]. Returns the length, or -1 if out is too
 * small. */
long sign_percent_encode(const char *in, char *out, size_t out_size);

/* SHA256withRSA (PKCS #1 v1.5) of message under the private key in
 * key_text; the base64 signature is malloc'd into *signature (OUT, the
 * caller frees). Returns 0, or -1 if the key does not load. */
int sign_rsa_sha256(const char *key_text, const void *message, size_t size, char **signature);
/* True when signature (base64) is a valid SHA256withRSA signature of
 * message under the public key or certificate in key_text. */
bool sign_rsa_sha256_verify(const char *key_text, const void *message, size_t size, const char *signature);

/* AES-256-GCM decryption of ciphertext whose last 16 bytes are the tag,
 * under key[32], with nonce and associated data. plain (OUT) needs
 * size - 16 + 1 bytes; it is NUL-terminated. Returns the plain size, or -1
 * when the tag does not authenticate. */
long sign_aes256gcm_open(const unsigned char key[32], const void *nonce, size_t nonce_size, const void *aad,
			 size_t aad_size, const unsigned char *ciphertext, size_t size, unsigned char *plain);
/* The inverse, for tests and stand-ins: out needs size + 16 bytes. */
void sign_aes256gcm_seal(const unsigned char key[32], const void *nonce, size_t nonce_size, const void *aad,
			 size_t aad_size, const unsigned char *plain, size_t size, unsigned char *out);

/* Reads the whole file at path into a malloc'd NUL-terminated string (at
 * most 64 KiB). Returns it, or NULL. Key files are read at each use, so a
 * rotated key needs no restart. */
char *sign_read_key_file(const char *path);

#endif
