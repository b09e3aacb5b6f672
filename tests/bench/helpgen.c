/* helpgen.c: the request lists of the help stages of the benchmark
 * (tests/bench/run.sh, stages H1 and H2).
 *
 * Writes one request per line, "METHOD PATH<TAB>Header: value", for
 * openloop -f and for the wrk script run.sh writes: POST
 * /api/v1/s/{code}/help with a bearer token minted here for the helper
 * (HS256 with the pool's jwt_secret, the claims fcgi/http/token.c issues: iss,
 * aud, sub, jti, iat, exp, ver = 0 for the bench's shoppers; header alg,
 * typ, kid). The bench may know the secret; nothing here talks to a server.
 *
 * Which (helper, bargain) pair request k gets, for the global index
 * j = OFFSET + k (run.sh hands every run its own range of j, so no pair is
 * ever used twice and no help answers 409 already_helped):
 *   -m hot   the one bargain -c CODE; helper j (needs j < helpers)
 *   -m many  helper j mod H, bargain ((j div H) + (j mod H)) mod B, with H helpers
 *            and B bargains: for a fixed helper the bargains differ as long
 *            as j < H * B, and consecutive requests touch different helpers
 *            (no hot rate_counter row) and different bargains.
 * Keep the mapping in step with helpref.c, which uses the same one.
 *
 * With -m orders it writes the order stages' list instead (O1, O2): POST
 * /api/v1/orders for shopper j mod H (the -H file) on item j mod I (the -I
 * file: one id for the hot item, many for O2), one unit, a fixed address,
 * with its own Idempotency-Key "PREFIX-j" (-k PREFIX: run.sh puts a run tag
 * in it, so no key repeats across runs) and the JSON body as the line's
 * last field (openloop -f and run.sh's wrk script send it as the body).
 * orderref.c uses the same mapping.
 *
 * Usage: helpgen -f KANJIA_CONF -H HELPER_IDS -m hot|many [-c CODE]
 *                [-B CODES] -o OFFSET -n COUNT
 *        helpgen -f KANJIA_CONF -H SHOPPER_IDS -m orders -I ITEM_IDS
 *                -k KEY_PREFIX -o OFFSET -n COUNT
 * HELPER_IDS, ITEM_IDS and CODES are files of one id / share code per line.
 * Writes the list on stdout. Exit 0, 1 on failure, 2 on bad usage. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#define HELPGEN_TEXT_MAX 1100
#define HELPGEN_COUNT_MAX 20000000LL
#define HELPGEN_LIST_MAX 10000000L
#define HELPGEN_CODE_SIZE 17 /* 16 characters and the NUL */

struct settings {
	char secret[HELPGEN_TEXT_MAX], kid[HELPGEN_TEXT_MAX];
	char issuer[HELPGEN_TEXT_MAX], audience[HELPGEN_TEXT_MAX];
};

/* Reads the jwt_* keys of the pool's "key = value" config. */
static int config_read(const char *path, struct settings *settings)
{
	FILE *file = fopen(path, "r");
	if (file == NULL) {
		fprintf(stderr, "helpgen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	snprintf(settings->kid, sizeof(settings->kid), "k1");
	snprintf(settings->issuer, sizeof(settings->issuer), "kanjia");
	snprintf(settings->audience, sizeof(settings->audience), "kanjia-shop");
	char line[4096];
	while (fgets(line, sizeof(line), file) != NULL) {
		char *text = line;
		while (isspace((unsigned char)*text))
			text++;
		if (*text == '#' || *text == '\0')
			continue;
		char *equals = strchr(text, '=');
		if (equals == NULL)
			continue;
		char *key_end = equals;
		while (key_end > text && isspace((unsigned char)key_end[-1]))
			key_end--;
		*key_end = '\0';
		char *value = equals + 1;
		while (isspace((unsigned char)*value))
			value++;
		size_t length = strlen(value);
		while (length > 0 && isspace((unsigned char)value[length - 1]))
			value[--length] = '\0';
		char *slot = strcmp(text, "jwt_secret") == 0     ? settings->secret
			     : strcmp(text, "jwt_kid") == 0      ? settings->kid
			     : strcmp(text, "jwt_issuer") == 0   ? settings->issuer
			     : strcmp(text, "jwt_audience") == 0 ? settings->audience
								 : NULL;
		if (slot != NULL && length > 0)
			snprintf(slot, HELPGEN_TEXT_MAX, "%s", value);
	}
	fclose(file);
	if (settings->secret[0] == '\0') {
		fprintf(stderr, "helpgen: no jwt_secret in %s\n", path);
		return -1;
	}
	return 0;
}

/* Reads a file of one word per line (at most HELPGEN_LIST_MAX, each under
 * size bytes) into a flat array of size-byte slots. Returns the count or -1. */
static long list_read(const char *path, size_t size, char **out)
{
	FILE *file = fopen(path, "r");
	if (file == NULL) {
		fprintf(stderr, "helpgen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	long count = 0, capacity = 0;
	char *items = NULL, line[256];
	while (fgets(line, sizeof(line), file) != NULL) {
		line[strcspn(line, " \t\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (strlen(line) >= size || count == HELPGEN_LIST_MAX) {
			fprintf(stderr, "helpgen: %s: line %ld too long, or too many lines\n", path, count + 1);
			fclose(file);
			free(items);
			return -1;
		}
		if (count == capacity) {
			capacity = capacity ? capacity * 2 : 4096;
			items = realloc(items, (size_t)capacity * size);
			if (items == NULL)
				abort();
		}
		memcpy(items + (size_t)count * size, line, strlen(line) + 1);
		count++;
	}
	fclose(file);
	*out = items;
	return count;
}

/* base64url without padding; out must hold 4 * ceil(n / 3) + 1 bytes. */
static size_t base64url(const unsigned char *in, size_t n, char *out)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = alphabet[(v >> 6) & 63];
		if (i + 2 < n)
			out[o++] = alphabet[v & 63];
	}
	out[o] = '\0';
	return o;
}

/* A shopper token for user_id, as fcgi/http/token.c token_issue() makes one. */
static void token_mint(const struct settings *settings, const char *header_b64, long long user_id, long long now,
		       char *out, size_t out_size)
{
	unsigned char jti_bytes[16];
	if (RAND_bytes(jti_bytes, sizeof(jti_bytes)) != 1)
		abort();
	char jti[33];
	for (int i = 0; i < 16; i++)
		snprintf(jti + 2 * i, 3, "%02x", jti_bytes[i]);
	char payload[2048];
	int length = snprintf(payload, sizeof(payload),
			      "{\"aud\":\"%s\",\"exp\":%lld,\"iat\":%lld,\"iss\":\"%s\",\"jti\":\"%s\","
			      "\"sub\":\"%lld\",\"ver\":0}",
			      settings->audience, now + 86400, now, settings->issuer, jti, user_id);
	if (length <= 0 || (size_t)length >= sizeof(payload))
		abort();
	char payload_b64[2800];
	base64url((const unsigned char *)payload, (size_t)length, payload_b64);
	int signed_length = snprintf(out, out_size, "%s.%s", header_b64, payload_b64);
	if (signed_length <= 0 || (size_t)signed_length + 50 >= out_size)
		abort();
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_length = 0;
	if (HMAC(EVP_sha256(), settings->secret, (int)strlen(settings->secret), (const unsigned char *)out,
		 (size_t)signed_length, mac, &mac_length) == NULL)
		abort();
	out[signed_length] = '.';
	base64url(mac, mac_length, out + signed_length + 1);
}

/* The order stages' list (-m orders, see the head of this file). */
static int orders_write(const char *config_path, const char *shoppers_path, const char *items_path,
			const char *key_prefix, long long offset, long long count)
{
	static struct settings settings;
	if (config_read(config_path, &settings) != 0)
		return 1;
	char *shoppers = NULL, *items = NULL;
	long shopper_count = list_read(shoppers_path, 24, &shoppers);
	long item_count = list_read(items_path, 24, &items);
	if (shopper_count < 1 || item_count < 1) {
		fprintf(stderr, "helpgen: no shoppers or no items\n");
		return 1;
	}
	char header[HELPGEN_TEXT_MAX + 64], header_b64[2 * HELPGEN_TEXT_MAX];
	snprintf(header, sizeof(header), "{\"alg\":\"HS256\",\"kid\":\"%s\",\"typ\":\"JWT\"}", settings.kid);
	base64url((const unsigned char *)header, strlen(header), header_b64);
	long long now = (long long)time(NULL);
	static char token[8192];
	static char buffer[1 << 16];
	setvbuf(stdout, buffer, _IOFBF, sizeof(buffer));
	for (long long j = offset; j < offset + count; j++) {
		const char *shopper = shoppers + (size_t)(j % shopper_count) * 24;
		const char *item = items + (size_t)(j % item_count) * 24;
		token_mint(&settings, header_b64, atoll(shopper), now, token, sizeof(token));
		printf("POST /api/v1/orders\tAuthorization: Bearer %s\tIdempotency-Key: %s-%lld\t"
		       "Content-Type: application/json\t{\"lines\":[{\"item_id\":%s,\"qty\":1}],\"address\":"
		       "{\"name\":\"Bench\",\"phone\":\"13800138000\",\"province\":\"Zhejiang\",\"city\":\"Hangzhou\","
		       "\"district\":\"Xihu\",\"detail\":\"1 Bench Road\"}}\n",
		       token, key_prefix, j, item);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "helpgen: writing the list failed\n");
		return 1;
	}
	free(shoppers);
	free(items);
	return 0;
}

int main(int argc, char **argv)
{
	static struct settings settings;
	const char *config_path = NULL, *helpers_path = NULL, *codes_path = NULL, *mode = NULL, *hot_code = NULL;
	const char *items_path = NULL, *key_prefix = NULL;
	long long offset = -1, count = -1;
	int option;
	while ((option = getopt(argc, argv, "f:H:B:m:c:o:n:I:k:")) != -1) {
		switch (option) {
		case 'f':
			config_path = optarg;
			break;
		case 'H':
			helpers_path = optarg;
			break;
		case 'B':
			codes_path = optarg;
			break;
		case 'm':
			mode = optarg;
			break;
		case 'c':
			hot_code = optarg;
			break;
		case 'o':
			offset = atoll(optarg);
			break;
		case 'n':
			count = atoll(optarg);
			break;
		case 'I':
			items_path = optarg;
			break;
		case 'k':
			key_prefix = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (config_path == NULL || helpers_path == NULL || mode == NULL || offset < 0 || count < 1 ||
	    count > HELPGEN_COUNT_MAX || optind != argc)
		goto usage;
	if (strcmp(mode, "orders") == 0) {
		if (items_path == NULL || key_prefix == NULL || strlen(key_prefix) > 40 ||
		    strspn(key_prefix, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:") !=
			    strlen(key_prefix))
			goto usage;
		return orders_write(config_path, helpers_path, items_path, key_prefix, offset, count);
	}
	int hot = strcmp(mode, "hot") == 0;
	if (!hot && strcmp(mode, "many") != 0)
		goto usage;
	if ((hot && (hot_code == NULL || strlen(hot_code) != HELPGEN_CODE_SIZE - 1)) || (!hot && codes_path == NULL))
		goto usage;
	if (config_read(config_path, &settings) != 0)
		return 1;
	char *helpers = NULL, *codes = NULL;
	long helper_count = list_read(helpers_path, 24, &helpers);
	long code_count = hot ? 1 : list_read(codes_path, HELPGEN_CODE_SIZE, &codes);
	if (helper_count < 1 || code_count < 1) {
		fprintf(stderr, "helpgen: no helpers or no bargains\n");
		return 1;
	}
	long long last = offset + count - 1;
	if (hot ? last >= helper_count : last / helper_count >= code_count) {
		fprintf(stderr, "helpgen: pairs %lld..%lld are past what %ld helpers and %ld bargains allow\n", offset,
			last, helper_count, code_count);
		return 1;
	}

	char header[HELPGEN_TEXT_MAX + 64], header_b64[2 * HELPGEN_TEXT_MAX];
	snprintf(header, sizeof(header), "{\"alg\":\"HS256\",\"kid\":\"%s\",\"typ\":\"JWT\"}", settings.kid);
	base64url((const unsigned char *)header, strlen(header), header_b64);
	long long now = (long long)time(NULL);
	static char token[8192];
	static char buffer[1 << 16];
	setvbuf(stdout, buffer, _IOFBF, sizeof(buffer));
	for (long long j = offset; j <= last; j++) {
		const char *helper, *code;
		if (hot) {
			helper = helpers + (size_t)j * 24;
			code = hot_code;
		} else {
			helper = helpers + (size_t)(j % helper_count) * 24;
			code = codes + (size_t)(((j / helper_count) + (j % helper_count)) % code_count) * HELPGEN_CODE_SIZE;
		}
		token_mint(&settings, header_b64, atoll(helper), now, token, sizeof(token));
		printf("POST /api/v1/s/%s/help\tAuthorization: Bearer %s\n", code, token);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "helpgen: writing the list failed\n");
		return 1;
	}
	free(helpers);
	free(codes);
	return 0;

usage:
	fprintf(stderr, "usage: helpgen -f KANJIA_CONF -H HELPER_IDS -m hot|many [-c CODE] [-B CODES] -o OFFSET "
			"-n COUNT\n"
			"       helpgen -f KANJIA_CONF -H SHOPPER_IDS -m orders -I ITEM_IDS -k KEY_PREFIX -o OFFSET -n COUNT\n");
	return 2;
}
