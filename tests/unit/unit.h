/* unit.h: the shared frame of the unit tests: Check suites that report TAP
 * on stdout, one test point per test, for automake's tap-driver. */
#ifndef KANJIA_UNIT_H
#define KANJIA_UNIT_H

#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

/* Check ignores its timeouts in no-fork mode (which the tests use, so that
 * ASan sees one process): a whole test file gets this many seconds instead,
 * after which it says so in TAP and exits, and automake counts an ERROR. */
#define UNIT_FILE_TIME_LIMIT_S 600 /* above the longest tcase_set_timeout (test_cut: 300) */

static void unit_time_limit_reached(int signal_number)
{
	(void)signal_number;
	static const char message[] = "Bail out! the test file ran past its time limit\n";
	ssize_t ignored = write(STDOUT_FILENO, message, sizeof(message) - 1);
	(void)ignored;
	_exit(EXIT_FAILURE);
}

/* Each test file defines suite_for_file() and gets this main(). */
static Suite *suite_for_file(void);

int main(void)
{
	signal(SIGALRM, unit_time_limit_reached);
	alarm(UNIT_FILE_TIME_LIMIT_S);
	SRunner *runner = srunner_create(suite_for_file());
	srunner_set_tap(runner, "-");
	srunner_set_fork_status(runner, CK_NOFORK);
	srunner_run_all(runner, CK_SILENT);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
