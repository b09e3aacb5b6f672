/* sms_sign.h: the request signatures of the SMS providers, apart from the
 * sending so the unit tests check them against the worked examples the
 * providers publish.
 *
 * Alibaba Cloud (RPC style, signature version 1.0): the parameters sorted
 * by name, each name and value percent-encoded (RFC 3986) and joined as
 * a=1&b=2; StringToSign = METHOD & %2F & percent(that);
 * Signature = base64(HMAC-SHA1(secret + "&", StringToSign)).
 *
 * Tencent Cloud (TC3-HMAC-SHA256): CanonicalRequest = POST\n/\n\n
 * content-type:...\nhost:...\n\ncontent-type;host\nhex(SHA256(payload));
 * StringToSign = TC3-HMAC-SHA256\n<timestamp>\n<date>/<service>/tc3_request\n
 * hex(SHA256(CanonicalRequest)); the key is HMAC-SHA256 chained over
 * "TC3" + secret, the UTC date, the service and "tc3_request". */
#ifndef KANJIA_SMS_SIGN_H
#define KANJIA_SMS_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define SMS_ALIYUN_PARAMS_MAX 20
#define SMS_ALIYUN_SIGNATURE_SIZE 29 /* base64 of 20 bytes, NUL */
#define SMS_TENCENT_CONTENT_TYPE "application/json; charset=utf-8"

struct sms_param {
	const char *name;
	const char *value;
};

/* Sorts params by name (in place), writes the canonical query string into
 * query[query_size] and the signature into signature. Returns 0, or -1 when
 * query is too small. */
int sms_aliyun_sign(const char *method, const char *secret, struct sms_param *params, size_t count, char *query,
		    size_t query_size, char signature[SMS_ALIYUN_SIGNATURE_SIZE]);

/* The hex SHA-256 of the canonical request and the hex signature of a TC3
 * POST of payload to host for service at timestamp (epoch seconds). */
void sms_tencent_sign(const char *secret_key, const char *service, const char *host, int64_t timestamp,
		      const char *payload, char hashed_request[65], char signature[65]);

#endif
