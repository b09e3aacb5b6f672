/* migrate.h: numbered schema migrations from sql/.
 *
 * Files named NNN_name.sql are applied in order, each recorded in
 * schema_migration once it has run. Running twice changes nothing; a
 * database with a version newer than the newest file is refused, and so is
 * a gap (a recorded version with an older file never applied). One runner at
 * a time (a named lock). */
#ifndef KANJIA_MIGRATE_H
#define KANJIA_MIGRATE_H

struct config;

/* Applies what is pending. Returns 0, or 1 with the reason on stderr. */
int migrate_run(const struct config *config);
/* Checks that the database is exactly at the newest file's version.
 * Returns 0 when it is, 1 when it is not (reason on stderr), 2 when the
 * database cannot be reached. */
int migrate_check(const struct config *config);

#endif
