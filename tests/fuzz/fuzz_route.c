/* fuzz_route.c: paths and query strings (fcgi/http/router.c, http.c)
 * against the real route table: input is "METHOD\0path\0query". A path
 * finds its route or a 404/405; query parameters decode within the arena;
 * list parameters are in bounds or refused. */
#include "fuzz.h"

#include <assert.h>

#include "http/http.h"
#include "http/router.h"
#include "server/routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > HTTP_PATH_MAX + HTTP_QUERY_MAX)
		return 0;
	char *text = fuzz_text(data, size);
	const char *path, *query;
	fuzz_split(text, size, &path);
	size_t rest = size - (size_t)(path - text);
	fuzz_split((char *)path, rest, &query);
	struct request request;
	memset(&request, 0, sizeof(request));
	arena_init(&request.arena);
	request.method = text;
	request.path = path;
	request.query = query;
	const struct route *route = router_match(&request, route_tables, route_table_count);
	if (route == NULL)
		assert(request.status == 404 || request.status == 405);
	else
		assert(request.path_param_count <= ROUTE_PARAMS_MAX && strcmp(route->method, text) == 0);
	for (int i = 0; i < request.path_param_count; i++)
		(void)http_path_id(&request, i);
	(void)http_query_param(&request, "phone");
	int64_t limit = 0, cursor = 0;
	request.status = 0;
	if (http_list_params(&request, &limit, &cursor) == 0)
		assert(limit >= 1 && limit <= LIST_LIMIT_MAX && cursor >= 0);
	arena_destroy(&request.arena);
	free(text);
	return 0;
}
