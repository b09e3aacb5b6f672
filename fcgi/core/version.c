/* version.c: the release and git revision baked in at build time. */
#include "core/version.h"

#include "kanjia_version.h"

const char *version_release(void)
{
	return KANJIA_VERSION;
}

const char *version_revision(void)
{
	return KANJIA_REVISION;
}

const char *version_text(void)
{
	/* Both halves are string literals: the text is joined at compile time. */
	return sizeof(KANJIA_REVISION) > 1 ? KANJIA_VERSION " (" KANJIA_REVISION ")" : KANJIA_VERSION;
}
