/* arena.c: bump allocator with a cleanup list, one per request. */
#include "core/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK_SIZE (16 * 1024)
#define ARENA_ALIGN 16
/* Standard blocks kept across resets. A help or an order uses a few; giving
 * them back to malloc each request made malloc merge its small free chunks
 * (malloc_consolidate) on every block taken again, a few percent of a
 * worker's time. 8 blocks: 128 KiB per worker at most. */
#define ARENA_SPARE_MAX 8

struct arena_block {
	struct arena_block *next;
	size_t size;
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena_cleanup {
	struct arena_cleanup *next;
	arena_cleanup_fn fn;
	void *data;
};

static void *xmalloc(size_t size)
{
	void *memory = malloc(size);
	if (memory == NULL)
		abort(); /* the master restarts the worker */
	return memory;
}

void arena_init(struct arena *arena)
{
	arena->blocks = NULL;
	arena->cleanups = NULL;
	arena->allocated = 0;
	arena->spare = NULL;
	arena->spare_count = 0;
}

static struct arena_block *block_new(size_t size)
{
	if (size > SIZE_MAX - sizeof(struct arena_block))
		abort(); /* the header on top would wrap to a tiny block */
	struct arena_block *block = xmalloc(sizeof(*block) + size);
	block->next = NULL;
	block->size = size;
	block->used = 0;
	return block;
}

void *arena_alloc(struct arena *arena, size_t size)
{
	size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (rounded < size)
		abort();
	struct arena_block *block = arena->blocks;
	if (block == NULL || block->size - block->used < rounded) {
		size_t want = rounded > ARENA_BLOCK_SIZE / 4 ? rounded : ARENA_BLOCK_SIZE;
		struct arena_block *fresh;
		if (want == ARENA_BLOCK_SIZE && arena->spare != NULL) {
			fresh = arena->spare; /* emptied by the reset that kept it */
			arena->spare = fresh->next;
			arena->spare_count--;
		} else {
			fresh = block_new(want);
		}
		if (rounded > ARENA_BLOCK_SIZE / 4 && block != NULL) {
			/* A big allocation gets a block of its own behind the
			 * current one, so the current block's space is not lost. */
			fresh->next = block->next;
			block->next = fresh;
		} else {
			fresh->next = block;
			arena->blocks = fresh;
		}
		block = fresh;
	}
	void *memory = block->data + block->used;
	block->used += rounded;
	arena->allocated += rounded;
	memset(memory, 0, rounded);
	return memory;
}

char *arena_strndup(struct arena *arena, const char *text, size_t length)
{
	if (text == NULL)
		return NULL;
	char *copy = arena_alloc(arena, length + 1);
	memcpy(copy, text, length);
	copy[length] = '\0';
	return copy;
}

char *arena_strdup(struct arena *arena, const char *text)
{
	return text == NULL ? NULL : arena_strndup(arena, text, strlen(text));
}

char *arena_printf(struct arena *arena, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	int length = vsnprintf(NULL, 0, format, args);
	va_end(args);
	if (length < 0)
		abort();
	char *text = arena_alloc(arena, (size_t)length + 1);
	va_start(args, format);
	vsnprintf(text, (size_t)length + 1, format, args);
	va_end(args);
	return text;
}

void arena_defer(struct arena *arena, arena_cleanup_fn fn, void *data)
{
	struct arena_cleanup *cleanup = arena_alloc(arena, sizeof(*cleanup));
	cleanup->fn = fn;
	cleanup->data = data;
	cleanup->next = arena->cleanups;
	arena->cleanups = cleanup;
}

void arena_reset(struct arena *arena)
{
	/* Cleanup records live in the arena itself: run them all before
	 * releasing any block. */
	for (struct arena_cleanup *cleanup = arena->cleanups; cleanup; cleanup = cleanup->next)
		cleanup->fn(cleanup->data);
	arena->cleanups = NULL;

	struct arena_block *block = arena->blocks;
	while (block != NULL) {
		struct arena_block *next = block->next;
		if (block->size == ARENA_BLOCK_SIZE && arena->spare_count < ARENA_SPARE_MAX) {
			block->used = 0;
			block->next = arena->spare;
			arena->spare = block;
			arena->spare_count++;
		} else {
			free(block);
		}
		block = next;
	}
	arena->blocks = NULL;
	arena->allocated = 0;
}

void arena_destroy(struct arena *arena)
{
	arena_reset(arena);
	while (arena->spare != NULL) {
		struct arena_block *next = arena->spare->next;
		free(arena->spare);
		arena->spare = next;
	}
	arena->spare_count = 0;
}
