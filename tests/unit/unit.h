/* unit.h: the shared frame of the unit tests: Check suites that report TAP
 * on stdout, one test point per test, for automake's tap-driver. */
#ifndef KANJIA_UNIT_H
#define KANJIA_UNIT_H

#include <check.h>
#include <stdlib.h>

/* Each test file defines suite_for_file() and gets this main(). */
static Suite *suite_for_file(void);

int main(void)
{
	SRunner *runner = srunner_create(suite_for_file());
	srunner_set_tap(runner, "-");
	srunner_set_fork_status(runner, CK_NOFORK);
	srunner_run_all(runner, CK_SILENT);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
