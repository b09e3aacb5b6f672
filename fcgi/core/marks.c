/* marks.c: the pool's shared change marks (see marks.h). The marks are one
 * mapping shared by the pool's processes, read and moved on with atomics;
 * the list of what a request changed is this process's own (a worker is
 * single-threaded). */
#include "core/marks.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "core/log.h"

struct marks {
	uint32_t everything[MARK_KINDS];
	uint32_t slot[MARK_KINDS][MARK_SLOTS];
};

struct pending_mark {
	enum mark_kind kind;
	int64_t id;
};

/* Before marks_share(), or in a process without it: marks of its own. */
static struct marks private_marks;
static struct marks *marks = &private_marks;
static struct pending_mark pending[MARK_PENDING_MAX];
static int pending_count;
static unsigned pending_everything; /* a bit per kind */

int marks_share(void)
{
	void *memory = mmap(NULL, sizeof(struct marks), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (memory == MAP_FAILED) {
		log_error("marks: cannot map the shared change marks: %s", strerror(errno));
		return -1;
	}
	marks = memory; /* mmap's pages come zeroed */
	return 0;
}

static uint32_t *mark_of(enum mark_kind kind, int64_t id)
{
	return id == 0 ? &marks->everything[kind] : &marks->slot[kind][(uint64_t)id % MARK_SLOTS];
}

static void move_on(enum mark_kind kind, int64_t id)
{
	/* release: a reader that sees the new mark also sees what was
	 * committed before it moved */
	__atomic_fetch_add(mark_of(kind, id), 1, __ATOMIC_RELEASE);
}

static uint32_t load_mark(const uint32_t *mark)
{
	return __atomic_load_n(mark, __ATOMIC_ACQUIRE);
}

void marks_changed(enum mark_kind kind, int64_t id)
{
	move_on(kind, id);
	if (id == 0 || pending_count == MARK_PENDING_MAX) {
		pending_everything |= 1u << kind;
		return;
	}
	for (int i = 0; i < pending_count; i++)
		if (pending[i].kind == kind && pending[i].id == id)
			return;
	pending[pending_count++] = (struct pending_mark){ kind, id };
}

void marks_changed_all(void)
{
	for (int kind = 0; kind < MARK_KINDS; kind++)
		marks_changed((enum mark_kind)kind, 0);
}

void marks_settle(void)
{
	for (int kind = 0; kind < MARK_KINDS; kind++)
		if (pending_everything & (1u << kind))
			move_on((enum mark_kind)kind, 0);
	for (int i = 0; i < pending_count; i++)
		if (!(pending_everything & (1u << pending[i].kind)))
			move_on(pending[i].kind, pending[i].id);
	pending_count = 0;
	pending_everything = 0;
}

struct mark_stamp marks_stamp(enum mark_kind kind, int64_t id, int64_t now_us)
{
	struct mark_stamp stamp = { .id = id, .at_us = now_us, .everything = load_mark(&marks->everything[kind]) };
	if (id != 0)
		stamp.one = load_mark(mark_of(kind, id));
	return stamp;
}

bool marks_unchanged(enum mark_kind kind, const struct mark_stamp *stamp, int64_t now_us, int64_t keep_ms)
{
	if (keep_ms <= 0 || stamp->id == 0 || now_us < stamp->at_us || now_us - stamp->at_us >= keep_ms * 1000)
		return false;
	return load_mark(&marks->everything[kind]) == stamp->everything && load_mark(mark_of(kind, stamp->id)) == stamp->one;
}
