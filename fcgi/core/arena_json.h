/* arena_json.h: jansson values and their texts that last as long as an
 * arena (a request's or a unit's), released by its cleanups, never by hand.
 * jansson returns NULL only when out of memory, which these treat as fatal,
 * like arena_alloc(). */
#ifndef KANJIA_ARENA_JSON_H
#define KANJIA_ARENA_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "core/arena.h"

/* Hands value's reference to the arena; returns value. */
json_t *arena_json_own(struct arena *arena, json_t *value);
/* value's text, dumped with jansson's flags, in the arena; NULL for NULL. */
const char *arena_json_text(struct arena *arena, const json_t *value, size_t flags);

#endif
