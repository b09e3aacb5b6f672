/* landing_cache.c: the worker's kept landings (see landing_cache.h). The
 * entries are this process's own (a worker is single-threaded); the marks
 * they are kept under are the pool's (core/marks.h). */
#include "bargain/landing_cache.h"

#include <stdlib.h>
#include <string.h>

struct landing_entry {
	char code[SHARE_CODE_LENGTH + 1]; /* "": empty */
	int64_t bargain_id;              /* known from the first read */
	bool kept;                       /* facts below are held */
	struct mark_stamp stamp;
	struct landing_facts facts;
	char *owned; /* one allocation: the facts' strings and helps */
};

static struct landing_entry entries[LANDING_CACHE_ENTRIES];

/* FNV-1a: the codes are random already, this only folds them. */
static struct landing_entry *entry_for(const char *code)
{
	uint32_t hash = 2166136261u;
	for (const char *c = code; *c; c++)
		hash = (hash ^ (unsigned char)*c) * 16777619u;
	return &entries[hash % LANDING_CACHE_ENTRIES];
}

const struct landing_facts *landing_cache_find(const char *code, int64_t now_us, int64_t ttl_ms)
{
	struct landing_entry *entry = entry_for(code);
	if (!entry->kept || strcmp(entry->code, code) != 0 ||
	    !marks_unchanged(MARK_BARGAIN, &entry->stamp, now_us, ttl_ms))
		return NULL;
	return &entry->facts;
}

struct mark_stamp landing_cache_stamp(const char *code, int64_t now_us)
{
	struct landing_entry *entry = entry_for(code);
	bool known = strcmp(entry->code, code) == 0 && entry->bargain_id != 0;
	return marks_stamp(MARK_BARGAIN, known ? entry->bargain_id : 0, now_us);
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

void landing_cache_keep(const char *code, const struct mark_stamp *stamp, const struct landing_facts *facts)
{
	if (strlen(code) != SHARE_CODE_LENGTH)
		return;
	struct landing_entry *entry = entry_for(code);
	if (strcmp(entry->code, code) != 0 || entry->bargain_id != facts->bargain.id) {
		entry_forget(entry);
		memcpy(entry->code, code, SHARE_CODE_LENGTH + 1);
		entry->bargain_id = facts->bargain.id;
	}
	if (stamp->id != facts->bargain.id)
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
