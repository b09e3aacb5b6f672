/* test_arena.c: unit tests of fcgi/core/arena.c. */
#include "unit.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/arena.h"

#define ALIGN 16

static int order[16];
static int order_count;

static void record(void *data)
{
	if (order_count < (int)(sizeof(order) / sizeof(order[0])))
		order[order_count++] = *(int *)data;
}

static int frees;

static void count_free(void *data)
{
	frees++;
	free(data);
}

static void all_zero(const unsigned char *memory, size_t size)
{
	for (size_t i = 0; i < size; i++)
		ck_assert_uint_eq(memory[i], 0);
}

/* ---- failure paths and edges first ---- */

START_TEST(strdup_of_null_is_null)
{
	struct arena arena;
	arena_init(&arena);
	ck_assert_ptr_null(arena_strdup(&arena, NULL));
	ck_assert_ptr_null(arena_strndup(&arena, NULL, 5));
	ck_assert_uint_eq(arena.allocated, 0);
	arena_destroy(&arena);
}
END_TEST

START_TEST(reset_and_destroy_of_empty_arena)
{
	struct arena arena;
	arena_init(&arena);
	arena_reset(&arena);
	ck_assert_ptr_null(arena.blocks);
	arena_destroy(&arena);
	ck_assert_ptr_null(arena.blocks);
	ck_assert_ptr_null(arena.cleanups);
}
END_TEST

START_TEST(zero_size_allocation)
{
	struct arena arena;
	arena_init(&arena);
	void *a = arena_alloc(&arena, 0);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq((uintptr_t)a % ALIGN, 0);
	arena_destroy(&arena);
}
END_TEST

/* Runs arena_alloc(size) in a child; true if the child aborted (SIGABRT)
 * rather than returning or crashing some other way. */
static bool allocation_aborts(size_t size)
{
	pid_t child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		struct arena arena;
		arena_init(&arena);
		unsigned char *memory = arena_alloc(&arena, size);
		memory[0] = 1;
		_exit(0);
	}
	int status = 0;
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

START_TEST(impossible_sizes_abort)
{
	/* Rounding up to 16 wraps to zero. */
	ck_assert(allocation_aborts(SIZE_MAX));
	ck_assert(allocation_aborts(SIZE_MAX - 14));
	/* Rounding fits, but the block header on top of it does not. */
	ck_assert(allocation_aborts(SIZE_MAX - 20));
	ck_assert(allocation_aborts(SIZE_MAX - 40));
}
END_TEST

/* ---- allocation ---- */

START_TEST(allocations_are_aligned_to_16)
{
	struct arena arena;
	arena_init(&arena);
	static const size_t sizes[] = { 1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 100, 1000, 5000, 1 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		void *memory = arena_alloc(&arena, sizes[i]);
		ck_assert_uint_eq((uintptr_t)memory % ALIGN, 0);
	}
	/* Sizes are rounded up to the alignment. */
	struct arena fresh;
	arena_init(&fresh);
	arena_alloc(&fresh, 1);
	ck_assert_uint_eq(fresh.allocated, 16);
	arena_alloc(&fresh, 17);
	ck_assert_uint_eq(fresh.allocated, 48);
	arena_destroy(&fresh);
	arena_destroy(&arena);
}
END_TEST

START_TEST(memory_is_zeroed_even_after_reuse)
{
	struct arena arena;
	arena_init(&arena);
	unsigned char *first = arena_alloc(&arena, 256);
	all_zero(first, 256);
	memset(first, 0xab, 256);
	arena_reset(&arena);
	unsigned char *again = arena_alloc(&arena, 256);
	/* The kept block is reused from its start: same bytes, zeroed again. */
	ck_assert_ptr_eq(again, first);
	all_zero(again, 256);
	arena_destroy(&arena);
}
END_TEST

START_TEST(many_allocations_across_blocks_stay_distinct)
{
	struct arena arena;
	arena_init(&arena);
	enum { COUNT = 5000, SIZE = 40 }; /* 48 rounded: ~240 KiB, many blocks */
	unsigned char *pointers[COUNT];
	for (int i = 0; i < COUNT; i++) {
		pointers[i] = arena_alloc(&arena, SIZE);
		ck_assert_uint_eq((uintptr_t)pointers[i] % ALIGN, 0);
		all_zero(pointers[i], SIZE);
		memset(pointers[i], i & 0xff, SIZE);
	}
	ck_assert_uint_eq(arena.allocated, (size_t)COUNT * 48);
	/* No allocation overwrote another. */
	for (int i = 0; i < COUNT; i++)
		for (int j = 0; j < SIZE; j++)
			ck_assert_uint_eq(pointers[i][j], (unsigned)(i & 0xff));
	arena_destroy(&arena);
}
END_TEST

START_TEST(large_allocation_then_small_ones)
{
	struct arena arena;
	arena_init(&arena);
	unsigned char *small_first = arena_alloc(&arena, 10);
	memset(small_first, 1, 10);
	unsigned char *large = arena_alloc(&arena, 100 * 1024);
	ck_assert_uint_eq((uintptr_t)large % ALIGN, 0);
	all_zero(large, 100 * 1024);
	memset(large, 2, 100 * 1024);
	/* The current block was not lost to the large one: the next small
	 * allocation follows the first in the same block. */
	unsigned char *small_next = arena_alloc(&arena, 10);
	ck_assert_ptr_eq(small_next, small_first + 16);
	memset(small_next, 3, 10);
	for (int i = 0; i < 10; i++) {
		ck_assert_uint_eq(small_first[i], 1);
		ck_assert_uint_eq(small_next[i], 3);
	}
	ck_assert_uint_eq(large[0], 2);
	ck_assert_uint_eq(large[100 * 1024 - 1], 2);
	arena_destroy(&arena);
}
END_TEST

START_TEST(large_allocation_first_then_small_ones)
{
	struct arena arena;
	arena_init(&arena);
	unsigned char *large = arena_alloc(&arena, 4097);
	memset(large, 7, 4097);
	char *texts[100];
	for (int i = 0; i < 100; i++)
		texts[i] = arena_printf(&arena, "item %d", i);
	for (int i = 0; i < 100; i++) {
		char expected[32];
		snprintf(expected, sizeof(expected), "item %d", i);
		ck_assert_str_eq(texts[i], expected);
	}
	for (int i = 0; i < 4097; i++)
		ck_assert_uint_eq(large[i], 7);
	/* Reset keeps a standard block only; the arena is still usable. */
	arena_reset(&arena);
	ck_assert_uint_eq(arena.allocated, 0);
	ck_assert_str_eq(arena_strdup(&arena, "after"), "after");
	arena_destroy(&arena);
}
END_TEST

/* ---- strings ---- */

START_TEST(strdup_strndup_printf)
{
	struct arena arena;
	arena_init(&arena);
	const char *source = "砍价 bargain";
	char *copy = arena_strdup(&arena, source);
	ck_assert_ptr_ne(copy, source);
	ck_assert_str_eq(copy, source);
	ck_assert_str_eq(arena_strdup(&arena, ""), "");
	ck_assert_str_eq(arena_strndup(&arena, "abcdef", 3), "abc");
	ck_assert_str_eq(arena_strndup(&arena, "abcdef", 0), "");
	/* strndup copies exactly length bytes, even past a NUL-free buffer. */
	char unterminated[4] = { 'w', 'x', 'y', 'z' };
	ck_assert_str_eq(arena_strndup(&arena, unterminated, 4), "wxyz");
	ck_assert_str_eq(arena_printf(&arena, "%s-%d-%05.1f", "id", 42, 3.14159), "id-42-003.1");
	ck_assert_str_eq(arena_printf(&arena, "%s", ""), "");
	/* A printf longer than a block. */
	char *long_text = arena_printf(&arena, "%20000d", 7);
	ck_assert_uint_eq(strlen(long_text), 20000);
	ck_assert_int_eq(long_text[19999], '7');
	ck_assert_int_eq(long_text[0], ' ');
	arena_destroy(&arena);
}
END_TEST

/* ---- cleanups ---- */

START_TEST(cleanups_run_newest_first_exactly_once)
{
	struct arena arena;
	arena_init(&arena);
	static int values[] = { 1, 2, 3, 4 };
	order_count = 0;
	for (int i = 0; i < 4; i++)
		arena_defer(&arena, record, &values[i]);
	ck_assert_int_eq(order_count, 0);
	arena_reset(&arena);
	ck_assert_int_eq(order_count, 4);
	ck_assert_int_eq(order[0], 4);
	ck_assert_int_eq(order[1], 3);
	ck_assert_int_eq(order[2], 2);
	ck_assert_int_eq(order[3], 1);
	ck_assert_ptr_null(arena.cleanups);
	/* A second reset runs nothing again. */
	arena_reset(&arena);
	ck_assert_int_eq(order_count, 4);
	arena_destroy(&arena);
	ck_assert_int_eq(order_count, 4);
}
END_TEST

START_TEST(cleanups_registered_across_blocks_and_released_resources)
{
	struct arena arena;
	arena_init(&arena);
	frees = 0;
	/* Cleanups interleaved with enough allocations to span blocks; the
	 * cleanup records must survive until all of them have run. */
	for (int i = 0; i < 50; i++) {
		arena_defer(&arena, count_free, malloc(32));
		arena_alloc(&arena, 1000);
	}
	arena_reset(&arena);
	ck_assert_int_eq(frees, 50);
	arena_destroy(&arena);
	ck_assert_int_eq(frees, 50);
}
END_TEST

START_TEST(destroy_runs_pending_cleanups)
{
	struct arena arena;
	arena_init(&arena);
	frees = 0;
	arena_defer(&arena, count_free, malloc(8));
	arena_defer(&arena, count_free, malloc(8));
	arena_destroy(&arena);
	ck_assert_int_eq(frees, 2);
	ck_assert_ptr_null(arena.blocks);
	ck_assert_ptr_null(arena.cleanups);
}
END_TEST

START_TEST(reset_then_reuse)
{
	struct arena arena;
	arena_init(&arena);
	static int values[] = { 10, 20 };
	for (int round = 0; round < 3; round++) {
		order_count = 0;
		char *text = arena_printf(&arena, "round %d", round);
		arena_alloc(&arena, 50000); /* a big block that reset frees */
		arena_defer(&arena, record, &values[0]);
		arena_defer(&arena, record, &values[1]);
		ck_assert_str_eq(text, round == 0 ? "round 0" : round == 1 ? "round 1" : "round 2");
		ck_assert_uint_gt(arena.allocated, 50000);
		arena_reset(&arena);
		ck_assert_uint_eq(arena.allocated, 0);
		ck_assert_int_eq(order_count, 2);
		ck_assert_int_eq(order[0], 20);
		ck_assert_int_eq(order[1], 10);
		/* The standard block is kept for the next request, not the big one. */
		ck_assert_ptr_null(arena.blocks);
		ck_assert_int_eq(arena.spare_count, 1);
	}
	arena_destroy(&arena);
	ck_assert_ptr_null(arena.blocks);
	ck_assert_ptr_null(arena.spare);
}
END_TEST

/* A request that used many standard blocks leaves at most 8 for the next,
 * and the next takes them back (the same memory) before asking malloc.
 * 4000 bytes is a small allocation: four fill a 16 KiB block. */
START_TEST(reset_keeps_a_few_standard_blocks_and_reuses_them)
{
	struct arena arena;
	arena_init(&arena);
	void *starts[20];
	for (int i = 0; i < 80; i++) {
		void *memory = arena_alloc(&arena, 4000);
		if (i % 4 == 0)
			starts[i / 4] = memory; /* the first of its block */
	}
	arena_reset(&arena);
	ck_assert_int_eq(arena.spare_count, 8);
	bool reused[20] = { false };
	int taken_back = 0;
	for (int i = 0; i < 32; i++) {
		unsigned char *again = arena_alloc(&arena, 4000);
		for (size_t b = 0; b < 4000; b++)
			ck_assert_uint_eq(again[b], 0); /* zeroed like any allocation */
		for (int j = 0; i % 4 == 0 && j < 20; j++)
			if (!reused[j] && (void *)again == starts[j]) {
				reused[j] = true;
				taken_back++;
			}
	}
	ck_assert_int_eq(taken_back, 8);
	ck_assert_int_eq(arena.spare_count, 0);
	arena_destroy(&arena);
	ck_assert_ptr_null(arena.spare);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("arena");
	TCase *bad = tcase_create("edges");
	tcase_add_test(bad, strdup_of_null_is_null);
	tcase_add_test(bad, reset_and_destroy_of_empty_arena);
	tcase_add_test(bad, zero_size_allocation);
	tcase_add_test(bad, impossible_sizes_abort);
	suite_add_tcase(suite, bad);
	TCase *alloc = tcase_create("alloc");
	tcase_add_test(alloc, allocations_are_aligned_to_16);
	tcase_add_test(alloc, memory_is_zeroed_even_after_reuse);
	tcase_add_test(alloc, many_allocations_across_blocks_stay_distinct);
	tcase_add_test(alloc, large_allocation_then_small_ones);
	tcase_add_test(alloc, large_allocation_first_then_small_ones);
	tcase_add_test(alloc, strdup_strndup_printf);
	suite_add_tcase(suite, alloc);
	TCase *cleanup = tcase_create("cleanup");
	tcase_add_test(cleanup, cleanups_run_newest_first_exactly_once);
	tcase_add_test(cleanup, cleanups_registered_across_blocks_and_released_resources);
	tcase_add_test(cleanup, destroy_runs_pending_cleanups);
	tcase_add_test(cleanup, reset_then_reuse);
	tcase_add_test(cleanup, reset_keeps_a_few_standard_blocks_and_reuses_them);
	suite_add_tcase(suite, cleanup);
	return suite;
}
