/* arena.h: per-request memory.
 *
 * Everything a request allocates comes from its arena; resources that are
 * not memory (prepared results, json_t, jwt_t) register a cleanup when they
 * are acquired. arena_reset() runs the cleanups in reverse order and frees
 * the memory: it is the one place where request memory is released.
 * Allocation failure aborts the worker (the master starts a new one). */
#ifndef KANJIA_ARENA_H
#define KANJIA_ARENA_H

#include <stddef.h>

struct arena_block;
struct arena_cleanup;

struct arena {
	struct arena_block *blocks;
	struct arena_cleanup *cleanups;
	size_t allocated; /* bytes handed out since the last reset */
	struct arena_block *spare; /* standard blocks a reset kept for the next request */
	int spare_count;
};

typedef void (*arena_cleanup_fn)(void *data);

void arena_init(struct arena *arena);
/* Returns zeroed memory aligned for any type, owned by the arena. */
void *arena_alloc(struct arena *arena, size_t size);
/* Returns a NUL-terminated copy owned by the arena; NULL for NULL. */
char *arena_strdup(struct arena *arena, const char *text);
char *arena_strndup(struct arena *arena, const char *text, size_t length);
/* printf into arena memory. */
char *arena_printf(struct arena *arena, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
/* Calls fn(data) at the next reset, after every cleanup registered later. */
void arena_defer(struct arena *arena, arena_cleanup_fn fn, void *data);
/* Runs the cleanups (newest first) and releases the memory; up to
 * ARENA_SPARE_MAX standard blocks are kept for the next request, the rest
 * (and every oversized block) go back to malloc. */
void arena_reset(struct arena *arena);
/* arena_reset() and the kept blocks too. */
void arena_destroy(struct arena *arena);

#endif
