/* arena_json.c: see arena_json.h. */
#include "core/arena_json.h"

#include <stdlib.h>

static void json_release(void *value)
{
	json_decref(value);
}

json_t *arena_json_own(struct arena *arena, json_t *value)
{
	if (value == NULL)
		abort(); /* out of memory */
	arena_defer(arena, json_release, value);
	return value;
}

const char *arena_json_text(struct arena *arena, const json_t *value, size_t flags)
{
	if (value == NULL)
		return NULL;
	char *text = json_dumps(value, flags);
	if (text == NULL)
		abort(); /* out of memory */
	const char *copy = arena_strdup(arena, text);
	free(text);
	return copy;
}
