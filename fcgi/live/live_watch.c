/* live_watch.c: the watches of live_watch.h, one shared file mapping read
 * and moved on with atomics (the pools' workers are single-threaded
 * processes; the mapping is what they share). */
#include "live/live_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

#define WATCH_PATH_MAX 128
#define WATCH_SUFFIX ".watch"

static struct live_watches *mapped;
/* The live_socket it was mapped for ("" none): a failed mapping is not
 * tried again on every request, only when live_socket changes. */
static char mapped_for[WATCH_PATH_MAX];

static size_t slot_of(int64_t bargain_id)
{
	return (size_t)((uint64_t)bargain_id % LIVE_WATCH_SLOTS);
}

/* Moves the slot's hold up to until (never down). */
static void hold_until(struct live_watches *watches, int64_t bargain_id, int64_t until)
{
	int64_t *slot = &watches->until[slot_of(bargain_id)];
	int64_t was = __atomic_load_n(slot, __ATOMIC_SEQ_CST);
	while (was < until &&
	       !__atomic_compare_exchange_n(slot, &was, until, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		; /* another process moved it: look again */
}

/* The protocol between a change and a stream's opening is in the order
 * of their steps (all sequentially consistent): a change notes itself,
 * then looks at the watch; an opening arms the watch, then takes the note.
 * Whichever comes second sees the other's first step, so either the change
 * publishes itself or the opening publishes it. */
bool live_watch_arm(struct live_watches *watches, int64_t bargain_id, int64_t now)
{
	hold_until(watches, bargain_id, now + LIVE_WATCH_HOLD_S);
	int64_t *note = &watches->unpublished[slot_of(bargain_id)];
	int64_t noted = __atomic_load_n(note, __ATOMIC_SEQ_CST);
	if (noted == LIVE_WATCH_SEVERAL)
		return true; /* stays: the others' changes are still unpublished */
	if (noted != bargain_id)
		return false;
	/* ours alone: taken (another change noting it again meanwhile has
	 * looked at the watch after this arm, and publishes itself) */
	__atomic_compare_exchange_n(note, &noted, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return true;
}

bool live_watch_unpublished(struct live_watches *watches, int64_t bargain_id, int64_t now)
{
	int64_t *note = &watches->unpublished[slot_of(bargain_id)];
	int64_t noted = __atomic_load_n(note, __ATOMIC_SEQ_CST);
	for (;;) {
		if (noted == bargain_id || noted == LIVE_WATCH_SEVERAL)
			break;
		int64_t next = noted == 0 ? bargain_id : LIVE_WATCH_SEVERAL;
		if (__atomic_compare_exchange_n(note, &noted, next, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			break;
	}
	return live_watch_held(watches, bargain_id, now);
}

void live_watch_extend(struct live_watches *watches, int64_t bargain_id, int64_t now)
{
	hold_until(watches, bargain_id, now + LIVE_WATCH_HOLD_S);
}

bool live_watch_held(const struct live_watches *watches, int64_t bargain_id, int64_t now)
{
	return __atomic_load_n(&watches->until[slot_of(bargain_id)], __ATOMIC_SEQ_CST) > now;
}

/* Maps <live_socket>.watch, creating it (zeroed: every watch lapsed) when
 * missing. Returns NULL on failure, logged. */
static struct live_watches *map_watches(const char *live_socket)
{
	char path[WATCH_PATH_MAX + sizeof(WATCH_SUFFIX)];
	snprintf(path, sizeof(path), "%s%s", live_socket, WATCH_SUFFIX);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_warn("live: cannot open %s (%s): every change is published", path, strerror(errno));
		return NULL;
	}
	struct stat status;
	void *memory = MAP_FAILED;
	/* another pool may be creating it too: both grow it to the same size */
	if (fstat(fd, &status) == 0 && (status.st_size >= (off_t)sizeof(struct live_watches) ||
					ftruncate(fd, sizeof(struct live_watches)) == 0))
		memory = mmap(NULL, sizeof(struct live_watches), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (memory == MAP_FAILED)
		log_warn("live: cannot map %s (%s): every change is published", path, strerror(errno));
	close(fd); /* the mapping keeps the file */
	return memory == MAP_FAILED ? NULL : memory;
}

struct live_watches *live_watches_for(const char *live_socket)
{
	if (strcmp(live_socket, mapped_for) == 0)
		return mapped;
	if (mapped != NULL)
		munmap(mapped, sizeof(struct live_watches));
	/* config.c bounds live_socket well under WATCH_PATH_MAX */
	size_t length = strlen(live_socket);
	mapped = length > 0 && length < sizeof(mapped_for) ? map_watches(live_socket) : NULL;
	snprintf(mapped_for, sizeof(mapped_for), "%s", live_socket);
	return mapped;
}
