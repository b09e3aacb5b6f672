/* version.h: which release this binary is.
 *
 * The version comes from configure's AC_INIT; the revision from
 * `git describe --always --dirty --tags` at build time, empty when the
 * build did not run in a git checkout (a release tarball). */
#ifndef KANJIA_VERSION_H
#define KANJIA_VERSION_H

/* The release, e.g. "0.1.0". */
const char *version_release(void);
/* The git revision, e.g. "5653ca1-dirty", or "" when unknown. */
const char *version_revision(void);
/* Both for people and logs: "0.1.0 (5653ca1-dirty)" or "0.1.0". */
const char *version_text(void);

#endif
