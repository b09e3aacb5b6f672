/* router.c: matches a path against the route table's patterns. */
#include "http/router.h"

#include <string.h>

#define ID_DIGITS_MAX 18
#define CODE_MAX 64

static bool segment_is_id(const char *text, size_t length)
{
	if (length == 0 || length > ID_DIGITS_MAX || text[0] == '0')
		return false;
	for (size_t i = 0; i < length; i++)
		if (text[i] < '0' || text[i] > '9')
			return false;
	return true;
}

static bool segment_is_code(const char *text, size_t length)
{
	if (length == 0 || length > CODE_MAX)
		return false;
	for (size_t i = 0; i < length; i++) {
		char c = text[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

/* Matches path against pattern segment by segment, collecting parameters. */
static bool pattern_matches(struct request *request, const char *pattern, const char *path,
			    const char **params, int *param_count)
{
	int count = 0;
	while (*pattern != '\0' && *path != '\0') {
		if (*pattern != '/' || *path != '/')
			return false;
		pattern++;
		path++;
		const char *pattern_end = strchr(pattern, '/');
		const char *path_end = strchr(path, '/');
		size_t pattern_length = pattern_end ? (size_t)(pattern_end - pattern) : strlen(pattern);
		size_t path_length = path_end ? (size_t)(path_end - path) : strlen(path);
		if (pattern[0] == '{') {
			bool is_id = strncmp(pattern, "{id}", pattern_length) == 0 && pattern_length == 4;
			if (is_id ? !segment_is_id(path, path_length) : !segment_is_code(path, path_length))
				return false;
			if (count == ROUTE_PARAMS_MAX)
				return false;
			params[count++] = arena_strndup(&request->arena, path, path_length);
		} else if (pattern_length != path_length || strncmp(pattern, path, path_length) != 0) {
			return false;
		}
		pattern += pattern_length;
		path += path_length;
	}
	if (*pattern != '\0' || *path != '\0')
		return false;
	*param_count = count;
	return true;
}

const struct route *router_match(struct request *request, const struct route_table *const *tables,
				 size_t table_count)
{
	char allow[128] = "";
	const char *params[ROUTE_PARAMS_MAX];
	int param_count = 0;
	for (size_t t = 0; t < table_count; t++) {
		const struct route *routes = tables[t]->routes;
		for (size_t i = 0; i < tables[t]->count; i++) {
			if (!pattern_matches(request, routes[i].pattern, request->path, params, &param_count))
				continue;
			if (strcmp(routes[i].method, request->method) == 0) {
				memcpy(request->path_params, params, sizeof(params));
				request->path_param_count = param_count;
				request->route = &routes[i];
				return &routes[i];
			}
			if (strlen(allow) + strlen(routes[i].method) + 3 < sizeof(allow)) {
				if (allow[0] != '\0')
					strcat(allow, ", ");
				strcat(allow, routes[i].method);
			}
		}
	}
	if (allow[0] != '\0') {
		http_header_add(request, "Allow", allow);
		http_error(request, 405, "method_not_allowed");
	} else {
		http_error(request, 404, "not_found");
	}
	return NULL;
}

const struct field route_raw_body[] = { { .name = NULL } };
