/* landing_cache.c: the worker's kept landings and the pool's shared marks
 * (see landing_cache.h). The entries are this process's own (a worker is
 * single-threaded); the marks are one mapping shared by the pool's
 * processes, read and moved on with atomics. */
#include "bargain/landing_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/log.h"

struct landing_marks {
	uint32_t everything;
	uint32_t bargain[LANDING_MARK_SLOTS];
};

struct landing_entry {
	char code[SHARE_CODE_LENGTH + 1]; /* "": empty */
	int64_t bargain_id;              /* known from the first read */
	bool kept;                       /* facts below are held */
	struct landing_stamp stamp;
	struct landing_facts facts;
	char *owned; /* one allocation: the facts' strings and helps */
};

/* Before landing_cache_share(), or in a process without it: marks of its own. */
static struct landing_marks private_marks;
static struct landing_marks *marks = &private_marks;
static struct landing_entry entries[LANDING_CACHE_ENTRIES];
static int64_t pending[LANDING_PENDING_MAX];
static int pending_count;
static bool pending_everything;

int landing_cache_share(void)
{
	void *memory = mmap(NULL, sizeof(struct landing_marks), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
			    0);
	if (memory == MAP_FAILED) {
		log_error("landing cache: cannot map the shared marks: %s", strerror(errno));
		return -1;
	}
	marks = memory; /* mmap's pages come zeroed */
	return 0;
}

static uint32_t *mark_of(int64_t bargain_id)
{
	return &marks->bargain[(uint64_t)bargain_id % LANDING_MARK_SLOTS];
}

static void move_on(int64_t bargain_id)
{
	/* release: a landing that sees the new mark also sees what was
	 * committed before it moved */
	__atomic_fetch_add(bargain_id == 0 ? &marks->everything : mark_of(bargain_id), 1, __ATOMIC_RELEASE);
}

void landing_cache_changed(int64_t bargain_id)
{
	move_on(bargain_id);
	if (bargain_id == 0 || pending_count == LANDING_PENDING_MAX) {
		pending_everything = true;
		return;
	}
	for (int i = 0; i < pending_count; i++)
		if (pending[i] == bargain_id)
			return;
	pending[pending_count++] = bargain_id;
}

void landing_cache_settle(void)
{
	if (pending_everything)
		move_on(0);
	else
		for (int i = 0; i < pending_count; i++)
			move_on(pending[i]);
	pending_count = 0;
	pending_everything = false;
}

/* FNV-1a: the codes are random already, this only folds them. */
static struct landing_entry *entry_for(const char *code)
{
	uint32_t hash = 2166136261u;
	for (const char *c = code; *c; c++)
		hash = (hash ^ (unsigned char)*c) * 16777619u;
	return &entries[hash % LANDING_CACHE_ENTRIES];
}

static uint32_t load_mark(const uint32_t *mark)
{
	return __atomic_load_n(mark, __ATOMIC_ACQUIRE);
}

const struct landing_facts *landing_cache_find(const char *code, int64_t now_us, int64_t ttl_ms)
{
	struct landing_entry *entry = entry_for(code);
	if (ttl_ms <= 0 || !entry->kept || strcmp(entry->code, code) != 0)
		return NULL;
	if (now_us - entry->stamp.at_us >= ttl_ms * 1000 || now_us < entry->stamp.at_us)
		return NULL;
	if (load_mark(&marks->everything) != entry->stamp.everything_mark ||
	    load_mark(mark_of(entry->bargain_id)) != entry->stamp.bargain_mark)
		return NULL;
	return &entry->facts;
}

struct landing_stamp landing_cache_stamp(const char *code, int64_t now_us)
{
	struct landing_entry *entry = entry_for(code);
	struct landing_stamp stamp = { .at_us = now_us };
	stamp.everything_mark = load_mark(&marks->everything);
	if (strcmp(entry->code, code) == 0 && entry->bargain_id != 0) {
		stamp.bargain_id = entry->bargain_id;
		stamp.bargain_mark = load_mark(mark_of(entry->bargain_id));
	}
	return stamp;
}

static size_t text_size(const char *text)
{
	return text == NULL ? 0 : strlen(text) + 1;
}

static const char *copy_text(char **cursor, const char *text)
{
	if (text == NULL)
		return NULL;
	size_t size = strlen(text) + 1;
	char *copy = memcpy(*cursor, text, size);
	*cursor += size;
	return copy;
}

static void entry_forget(struct landing_entry *entry)
{
	free(entry->owned);
	*entry = (struct landing_entry){ .code = "" };
}

void landing_cache_keep(const char *code, const struct landing_stamp *stamp, const struct landing_facts *facts)
{
	if (strlen(code) != SHARE_CODE_LENGTH)
		return;
	struct landing_entry *entry = entry_for(code);
	if (strcmp(entry->code, code) != 0 || entry->bargain_id != facts->bargain.id) {
		entry_forget(entry);
		memcpy(entry->code, code, SHARE_CODE_LENGTH + 1);
		entry->bargain_id = facts->bargain.id;
	}
	if (stamp->bargain_id != facts->bargain.id)
		return; /* read without its mark noted: only the id is learnt */
	const struct bargain *bargain = &facts->bargain;
	const struct bargain_landing *landing = &facts->landing;
	size_t size = sizeof(struct bargain_cut_entry) * (size_t)facts->help_count + text_size(bargain->status) +
		      text_size(bargain->share_code) + text_size(bargain->rewards_json) + text_size(landing->item_name) +
		      text_size(landing->images_json) + text_size(landing->initiator_phone) +
		      text_size(landing->signature);
	for (int h = 0; h < facts->help_count; h++)
		size += text_size(facts->helps[h].phone);
	char *owned = malloc(size + 1);
	if (owned == NULL)
		return; /* not kept: the next landing reads again */
	free(entry->owned);
	entry->owned = owned;
	struct bargain_cut_entry *helps = (struct bargain_cut_entry *)owned;
	char *cursor = owned + sizeof(struct bargain_cut_entry) * (size_t)facts->help_count;
	for (int h = 0; h < facts->help_count; h++) {
		helps[h] = facts->helps[h];
		helps[h].phone = copy_text(&cursor, facts->helps[h].phone);
	}
	entry->facts = *facts;
	entry->facts.helps = helps;
	entry->facts.bargain.status = copy_text(&cursor, bargain->status);
	entry->facts.bargain.share_code = copy_text(&cursor, bargain->share_code);
	entry->facts.bargain.rewards_json = copy_text(&cursor, bargain->rewards_json);
	entry->facts.landing.item_name = copy_text(&cursor, landing->item_name);
	entry->facts.landing.images_json = copy_text(&cursor, landing->images_json);
	entry->facts.landing.initiator_phone = copy_text(&cursor, landing->initiator_phone);
	entry->facts.landing.signature = copy_text(&cursor, landing->signature);
	entry->stamp = *stamp;
	entry->kept = true;
}
