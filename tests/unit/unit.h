/* unit.h: the shared frame of the unit tests: Check suites that report TAP
 * on stdout, one test point per test, for automake's tap-driver. */
#ifndef KANJIA_UNIT_H
#define KANJIA_UNIT_H

#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Check ignores its timeouts in no-fork mode (which the tests use, so that
 * ASan sees one process): a whole test file gets this many seconds instead,
 * after which it says so in TAP and exits, and automake counts an ERROR.
 * A timer of its own on a real-time signal: Check takes SIGALRM over (and
 * its handler kills the whole process group). */
#ifndef UNIT_FILE_TIME_LIMIT_S
#define UNIT_FILE_TIME_LIMIT_S 600 /* above the longest tcase_set_timeout (test_cut: 300) */
#endif

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
	struct sigaction on_limit = { .sa_handler = unit_time_limit_reached };
	sigemptyset(&on_limit.sa_mask);
	sigaction(SIGRTMIN, &on_limit, NULL);
	struct sigevent event = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN };
	timer_t limit_timer;
	struct itimerspec limit = { .it_value = { .tv_sec = UNIT_FILE_TIME_LIMIT_S } };
	if (timer_create(CLOCK_MONOTONIC, &event, &limit_timer) != 0 || timer_settime(limit_timer, 0, &limit, NULL) != 0)
		return EXIT_FAILURE;
	SRunner *runner = srunner_create(suite_for_file());
	srunner_set_tap(runner, "-");
	srunner_set_fork_status(runner, CK_NOFORK);
	srunner_run_all(runner, CK_SILENT);
	int failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
