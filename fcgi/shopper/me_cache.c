/* me_cache.c: the worker's kept /me profiles (see me_cache.h). The entries
 * are this process's own (a worker is single-threaded); the marks they are
 * kept under are the pool's (core/marks.h). */
#include "shopper/me_cache.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct me_entry {
	struct mark_stamp stamp; /* stamp.id: the shopper, 0: empty */
	struct shopper_profile profile;
	char *owned; /* one allocation: the profile's strings */
};

static struct me_entry entries[ME_CACHE_ENTRIES];

static struct me_entry *entry_for(int64_t user_id)
{
	return &entries[(uint64_t)user_id % ME_CACHE_ENTRIES];
}

const struct shopper_profile *me_cache_find(int64_t user_id, int64_t now_us, int64_t keep_ms)
{
	struct me_entry *entry = entry_for(user_id);
	if (entry->stamp.id != user_id || !marks_unchanged(MARK_SHOPPER, &entry->stamp, now_us, keep_ms))
		return NULL;
	return &entry->profile;
}

void me_cache_keep(const struct mark_stamp *stamp, const struct shopper_profile *profile)
{
	if (stamp->id == 0 || !profile->found)
		return;
	struct me_entry *entry = entry_for(stamp->id);
	size_t phone_size = strlen(profile->phone) + 1;
	size_t name_size = profile->member_level_name != NULL ? strlen(profile->member_level_name) + 1 : 0;
	char *owned = malloc(phone_size + name_size);
	if (owned == NULL)
		return; /* not kept: the next /me reads again */
	free(entry->owned);
	entry->owned = owned;
	entry->stamp = *stamp;
	entry->profile = *profile;
	entry->profile.phone = memcpy(owned, profile->phone, phone_size);
	entry->profile.member_level_name =
		name_size > 0 ? memcpy(owned + phone_size, profile->member_level_name, name_size) : NULL;
}
