/* sign.c: digests, base64, percent-encoding, RSA and AES-GCM for the
 * providers' protocols. */
#include "core/sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/crypto.h"

#define KEY_FILE_MAX (64 * 1024)
#define GCM_TAG_SIZE 16

static void digest_hex(const EVP_MD *md, const void *data, size_t size, char *out)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int length = 0;
	if (EVP_Digest(data, size, digest, &length, md, NULL) != 1)
		abort();
	crypto_hex(digest, length, out);
}

void sign_sha1_hex(const void *data, size_t size, char out[SIGN_SHA1_HEX_SIZE])
{
	digest_hex(EVP_sha1(), data, size, out);
}

void sign_sha256_hex(const void *data, size_t size, char out[SIGN_SHA256_HEX_SIZE])
{
	digest_hex(EVP_sha256(), data, size, out);
}

void sign_hmac_sha1(const void *key, size_t key_size, const void *message, size_t message_size,
		    unsigned char out[SIGN_HMAC_SHA1_SIZE])
{
	unsigned int length = 0;
	if (HMAC(EVP_sha1(), key, (int)key_size, message, message_size, out, &length) == NULL)
		abort();
}

void sign_hmac_sha256(const void *key, size_t key_size, const void *message, size_t message_size,
		      unsigned char out[SIGN_SHA256_SIZE])
{
	unsigned int length = 0;
	if (HMAC(EVP_sha256(), key, (int)key_size, message, message_size, out, &length) == NULL)
		abort();
}

size_t sign_base64_size(size_t size)
{
	return 4 * ((size + 2) / 3) + 1;
}

void sign_base64(const unsigned char *in, size_t size, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)size);
}

long sign_unbase64(const char *in, size_t in_size, unsigned char *out, size_t out_size)
{
	if (in_size == 0)
		return 0;
	if (in_size % 4 != 0 || in_size / 4 * 3 > out_size + 2)
		return -1;
	unsigned char *buffer = malloc(in_size / 4 * 3 + 1);
	if (buffer == NULL)
		abort();
	int length = EVP_DecodeBlock(buffer, (const unsigned char *)in, (int)in_size);
	if (length < 0) {
		free(buffer);
		return -1;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes */
	if (in[in_size - 1] == '=')
		length--;
	if (in[in_size - 2] == '=')
		length--;
	if ((size_t)length > out_size) {
		free(buffer);
		return -1;
	}
	memcpy(out, buffer, (size_t)length);
	free(buffer);
	return length;
}

long sign_percent_encode(const char *in, char *out, size_t out_size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t used = 0;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			     *p == '-' || *p == '_' || *p == '.' || *p == '~';
		size_t need = plain ? 1 : 3;
		if (used + need >= out_size)
			return -1;
		if (plain) {
			out[used++] = (char)*p;
		} else {
			out[used++] = '%';
			out[used++] = hex[*p >> 4];
			out[used++] = hex[*p & 15];
		}
	}
	if (used >= out_size)
		return -1;
	out[used] = '\0';
	return (long)used;
}

/* The PEM text of key_text: as is when it has a PEM header, else the bare
 * base64 wrapped under label. malloc'd. */
static char *pem_wrap(const char *key_text, const char *label)
{
	if (strstr(key_text, "-----BEGIN") != NULL)
		return strdup(key_text);
	size_t length = strlen(key_text);
	char *pem = malloc(length + length / 64 + 2 * strlen(label) + 64);
	if (pem == NULL)
		abort();
	size_t used = (size_t)sprintf(pem, "-----BEGIN %s-----\n", label);
	size_t column = 0;
	for (size_t i = 0; i < length; i++) {
		char c = key_text[i];
		if (c == '\n' || c == '\r' || c == ' ' || c == '\t')
			continue;
		pem[used++] = c;
		if (++column == 64) {
			pem[used++] = '\n';
			column = 0;
		}
	}
	if (column != 0)
		pem[used++] = '\n';
	used += (size_t)sprintf(pem + used, "-----END %s-----\n", label);
	pem[used] = '\0';
	return pem;
}

static EVP_PKEY *private_key_load(const char *key_text)
{
	static const char *const labels[] = { "PRIVATE KEY", "RSA PRIVATE KEY" };
	for (size_t i = 0; i < 2; i++) {
		char *pem = pem_wrap(key_text, labels[i]);
		BIO *bio = BIO_new_mem_buf(pem, -1);
		EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
		BIO_free(bio);
		free(pem);
		if (key != NULL)
			return key;
	}
	return NULL;
}

static EVP_PKEY *public_key_load(const char *key_text)
{
	char *pem = pem_wrap(key_text, "PUBLIC KEY");
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *key = NULL;
	if (bio != NULL && strstr(pem, "CERTIFICATE") != NULL) {
		X509 *certificate = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (certificate != NULL)
			key = X509_get_pubkey(certificate);
		X509_free(certificate);
	} else if (bio != NULL) {
		key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	}
	BIO_free(bio);
	free(pem);
	return key;
}

int sign_rsa_sha256(const char *key_text, const void *message, size_t size, char **signature)
{
	*signature = NULL;
	EVP_PKEY *key = key_text ? private_key_load(key_text) : NULL;
	if (key == NULL)
		return -1;
	EVP_MD_CTX *context = EVP_MD_CTX_new();
	size_t length = 0;
	unsigned char *raw = NULL;
	int result = -1;
	if (context != NULL && EVP_DigestSignInit(context, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestSign(context, NULL, &length, message, size) == 1) {
		raw = malloc(length);
		if (raw == NULL)
			abort();
		if (EVP_DigestSign(context, raw, &length, message, size) == 1) {
			*signature = malloc(sign_base64_size(length));
			if (*signature == NULL)
				abort();
			sign_base64(raw, length, *signature);
			result = 0;
		}
	}
	free(raw);
	EVP_MD_CTX_free(context);
	EVP_PKEY_free(key);
	return result;
}

bool sign_rsa_sha256_verify(const char *key_text, const void *message, size_t size, const char *signature)
{
	if (key_text == NULL || signature == NULL)
		return false;
	size_t signature_length = strlen(signature);
	if (signature_length == 0 || signature_length > 2048)
		return false;
	unsigned char raw[1536];
	long raw_size = sign_unbase64(signature, signature_length, raw, sizeof(raw));
	if (raw_size <= 0)
		return false;
	EVP_PKEY *key = public_key_load(key_text);
	if (key == NULL)
		return false;
	EVP_MD_CTX *context = EVP_MD_CTX_new();
	bool valid = context != NULL && EVP_DigestVerifyInit(context, NULL, EVP_sha256(), NULL, key) == 1 &&
		     EVP_DigestVerify(context, raw, (size_t)raw_size, message, size) == 1;
	EVP_MD_CTX_free(context);
	EVP_PKEY_free(key);
	return valid;
}

long sign_aes256gcm_open(const unsigned char key[32], const void *nonce, size_t nonce_size, const void *aad,
			 size_t aad_size, const unsigned char *ciphertext, size_t size, unsigned char *plain)
{
	if (size < GCM_TAG_SIZE)
		return -1;
	size_t body = size - GCM_TAG_SIZE;
	EVP_CIPHER_CTX *context = EVP_CIPHER_CTX_new();
	int length = 0, final_length = 0;
	bool ok = context != NULL && EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
		  EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, (int)nonce_size, NULL) == 1 &&
		  EVP_DecryptInit_ex(context, NULL, NULL, key, nonce) == 1 &&
		  (aad_size == 0 || EVP_DecryptUpdate(context, NULL, &length, aad, (int)aad_size) == 1) &&
		  EVP_DecryptUpdate(context, plain, &length, ciphertext, (int)body) == 1 &&
		  EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, GCM_TAG_SIZE, (void *)(ciphertext + body)) == 1 &&
		  EVP_DecryptFinal_ex(context, plain + length, &final_length) == 1;
	EVP_CIPHER_CTX_free(context);
	if (!ok) {
		memset(plain, 0, body);
		return -1;
	}
	plain[length + final_length] = '\0';
	return length + final_length;
}

void sign_aes256gcm_seal(const unsigned char key[32], const void *nonce, size_t nonce_size, const void *aad,
			 size_t aad_size, const unsigned char *plain, size_t size, unsigned char *out)
{
	EVP_CIPHER_CTX *context = EVP_CIPHER_CTX_new();
	int length = 0, final_length = 0;
	bool ok = context != NULL && EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
		  EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, (int)nonce_size, NULL) == 1 &&
		  EVP_EncryptInit_ex(context, NULL, NULL, key, nonce) == 1 &&
		  (aad_size == 0 || EVP_EncryptUpdate(context, NULL, &length, aad, (int)aad_size) == 1) &&
		  EVP_EncryptUpdate(context, out, &length, plain, (int)size) == 1 &&
		  EVP_EncryptFinal_ex(context, out + length, &final_length) == 1 &&
		  EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, GCM_TAG_SIZE, out + size) == 1;
	EVP_CIPHER_CTX_free(context);
	if (!ok)
		abort();
}

char *sign_read_key_file(const char *path)
{
	if (path == NULL || path[0] == '\0')
		return NULL;
	FILE *file = fopen(path, "r");
	if (file == NULL)
		return NULL;
	char *text = malloc(KEY_FILE_MAX + 1);
	if (text == NULL)
		abort();
	size_t length = fread(text, 1, KEY_FILE_MAX + 1, file);
	bool bad = ferror(file) || length > KEY_FILE_MAX;
	fclose(file);
	if (bad) {
		free(text);
		return NULL;
	}
	text[length] = '\0';
	return text;
}
