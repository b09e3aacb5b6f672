/* fetch.c: libcurl, easy interface, one handle per request. */
#include "core/fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

struct buffer {
	char *data;
	size_t size, limit;
	bool overflow;
};

static size_t buffer_add(struct buffer *buffer, const char *data, size_t size)
{
	if (buffer->size + size > buffer->limit) {
		buffer->overflow = true;
		return 0; /* curl stops the transfer */
	}
	char *grown = realloc(buffer->data, buffer->size + size + 1);
	if (grown == NULL)
		abort();
	buffer->data = grown;
	memcpy(buffer->data + buffer->size, data, size);
	buffer->size += size;
	buffer->data[buffer->size] = '\0';
	return size;
}

static size_t on_body(char *data, size_t size, size_t count, void *context)
{
	return buffer_add(context, data, size * count);
}

static size_t on_header(char *data, size_t size, size_t count, void *context)
{
	return buffer_add(context, data, size * count);
}

static bool curl_ready(void)
{
	static bool ready;
	if (!ready)
		ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
	return ready;
}

bool fetch_url_host(const char *url, char *out, size_t out_size)
{
	const char *start = strstr(url, "://");
	if (start == NULL)
		return false;
	start += 3;
	size_t length = strcspn(start, "/?#");
	if (length == 0 || length >= out_size)
		return false;
	memcpy(out, start, length);
	out[length] = '\0';
	return true;
}

bool fetch_url_path(const char *url, char *out, size_t out_size)
{
	const char *start = strstr(url, "://");
	if (start == NULL)
		return false;
	start += 3;
	start += strcspn(start, "/?#");
	const char *path = *start == '\0' ? "/" : start;
	size_t length = strcspn(path, "#");
	if (length >= out_size)
		return false;
	memcpy(out, path, length);
	out[length] = '\0';
	return true;
}

bool fetch_url_allowed(const char *url)
{
	if (url == NULL)
		return false;
	if (strncmp(url, "https://", 8) == 0)
		return url[8] != '\0';
	if (strncmp(url, "http://", 7) != 0)
		return false;
	char host[256];
	if (!fetch_url_host(url, host, sizeof(host)))
		return false;
	host[strcspn(host, ":")] = '\0';
	if (strcmp(host, "localhost") == 0)
		return true;
	/* a dotted quad 127.a.b.c, nothing else (127.0.0.1.example.com is not loopback) */
	unsigned parts[4];
	char tail;
	return sscanf(host, "%u.%u.%u.%u%c", &parts[0], &parts[1], &parts[2], &parts[3], &tail) == 4 &&
	       parts[0] == 127 && parts[1] < 256 && parts[2] < 256 && parts[3] < 256 &&
	       strspn(host, "0123456789.") == strlen(host);
}

int fetch(const char *method, const char *url, const char *const *headers, const char *body, size_t body_size,
	  long timeout_ms, struct fetch_answer *answer)
{
	memset(answer, 0, sizeof(*answer));
	struct buffer body_buffer = { .limit = FETCH_BODY_MAX }, header_buffer = { .limit = FETCH_HEADERS_MAX };
	if (!fetch_url_allowed(url)) {
		snprintf(answer->error, sizeof(answer->error), "URL refused: only https, or http to loopback");
		goto done;
	}
	if (!curl_ready()) {
		snprintf(answer->error, sizeof(answer->error), "libcurl did not initialise");
		goto done;
	}
	CURL *curl = curl_easy_init();
	if (curl == NULL) {
		snprintf(answer->error, sizeof(answer->error), "libcurl handle");
		goto done;
	}
	struct curl_slist *list = NULL;
	for (size_t i = 0; headers != NULL && headers[i] != NULL; i++)
		list = curl_slist_append(list, headers[i]);
	list = curl_slist_append(list, "Expect:"); /* no 100-continue round trip */
	char curl_error[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)FETCH_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body_buffer);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &header_buffer);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "kanjia");
	if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_size : 0));
	}
	CURLcode code = curl_easy_perform(curl);
	if (code == CURLE_OK) {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer->status);
	} else {
		const char *why = body_buffer.overflow ? "answer too large" : curl_error[0] ? curl_error : curl_easy_strerror(code);
		size_t length = strnlen(why, sizeof(answer->error) - 1);
		memcpy(answer->error, why, length);
		answer->error[length] = '\0';
	}
	curl_slist_free_all(list);
	curl_easy_cleanup(curl);
done:
	answer->body = body_buffer.data ? body_buffer.data : strdup("");
	answer->body_size = body_buffer.size;
	answer->headers = header_buffer.data ? header_buffer.data : strdup("");
	answer->headers_size = header_buffer.size;
	if (answer->body == NULL || answer->headers == NULL)
		abort();
	return answer->status != 0 ? 0 : -1;
}

void fetch_answer_free(struct fetch_answer *answer)
{
	free(answer->body);
	free(answer->headers);
	answer->body = answer->headers = NULL;
}

bool fetch_header(const struct fetch_answer *answer, const char *name, char *out, size_t out_size)
{
	size_t name_length = strlen(name);
	const char *line = answer->headers;
	while (line != NULL && *line != '\0') {
		const char *end = strchr(line, '\n');
		size_t line_length = end ? (size_t)(end - line) : strlen(line);
		if (line_length > name_length && strncasecmp(line, name, name_length) == 0 && line[name_length] == ':') {
			const char *value = line + name_length + 1;
			while (*value == ' ' || *value == '\t')
				value++;
			size_t value_length = line_length - (size_t)(value - line);
			while (value_length > 0 && (value[value_length - 1] == '\r' || value[value_length - 1] == ' '))
				value_length--;
			if (value_length >= out_size)
				return false;
			memcpy(out, value, value_length);
			out[value_length] = '\0';
			return true;
		}
		line = end ? end + 1 : NULL;
	}
	return false;
}
