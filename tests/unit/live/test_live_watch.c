/* test_live_watch.c: unit tests of fcgi/live/live_watch.c: when a watch
 * holds, lapses and is armed again, that two processes mapping one watch
 * file see each other's watches, and that nginx's configs close an idle
 * stream no later than the pool's watches assume; the order of a change's
 * and a stream opening's steps (live_watch.c) so none goes unpublished. */
#include "unit.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "live/live_watch.h"

static struct live_watches watches; /* zeroed: every watch lapsed */

static void reset(void)
{
	memset(&watches, 0, sizeof(watches));
}

START_TEST(test_a_stream_on_an_unchanged_bargain_publishes_nothing)
{
	reset();
	ck_assert(!live_watch_held(&watches, 7, 1000));
	ck_assert(!live_watch_arm(&watches, 7, 1000)); /* nothing went unpublished: nchan's buffer is current */
	ck_assert(live_watch_held(&watches, 7, 1000));
	ck_assert(!live_watch_held(&watches, 8, 1000)); /* another bargain is not watched */
}
END_TEST

START_TEST(test_the_first_stream_after_an_unwatched_change_publishes_it_once)
{
	reset();
	ck_assert(!live_watch_unpublished(&watches, 7, 1000)); /* nobody watches: noted, not published */
	ck_assert(!live_watch_unpublished(&watches, 7, 1001));
	ck_assert(live_watch_arm(&watches, 7, 1002));  /* publish the state as it is now */
	ck_assert(!live_watch_arm(&watches, 7, 1003)); /* taken: the next stream finds it current */
}
END_TEST

START_TEST(test_a_change_that_notes_itself_as_a_stream_opens_publishes_itself)
{
	reset();
	/* the stream's arm ran between the change's look at the watch (not
	 * held) and its note: the arm did not see the note, so the change,
	 * looking again, must publish */
	ck_assert(!live_watch_held(&watches, 7, 1000));
	ck_assert(!live_watch_arm(&watches, 7, 1000));
	ck_assert(live_watch_unpublished(&watches, 7, 1000));
}
END_TEST

START_TEST(test_a_watch_holds_for_the_idle_time_and_a_minute_then_lapses)
{
	reset();
	live_watch_arm(&watches, 7, 1000);
	ck_assert(live_watch_held(&watches, 7, 1000 + LIVE_STREAM_IDLE_S));
	ck_assert(live_watch_held(&watches, 7, 1000 + LIVE_WATCH_HOLD_S - 1));
	ck_assert(!live_watch_held(&watches, 7, 1000 + LIVE_WATCH_HOLD_S));
	ck_assert(!live_watch_unpublished(&watches, 7, 1000 + LIVE_WATCH_HOLD_S)); /* lapsed: noted */
	ck_assert(live_watch_arm(&watches, 7, 1000 + LIVE_WATCH_HOLD_S + 5));
}
END_TEST

START_TEST(test_a_delivered_publish_extends_the_watch_and_nothing_shortens_it)
{
	reset();
	live_watch_arm(&watches, 7, 1000);
	live_watch_extend(&watches, 7, 1200); /* a subscriber got a message at 1200 */
	ck_assert(live_watch_held(&watches, 7, 1200 + LIVE_WATCH_HOLD_S - 1));
	live_watch_arm(&watches, 7, 1100); /* a late arm from an earlier clock */
	live_watch_extend(&watches, 7, 1050);
	ck_assert(live_watch_held(&watches, 7, 1200 + LIVE_WATCH_HOLD_S - 1));
}
END_TEST

START_TEST(test_bargains_sharing_a_slot_cost_each_other_publishes_never_lose_one)
{
	reset();
	int64_t a = 5, b = 5 + LIVE_WATCH_SLOTS;
	live_watch_arm(&watches, a, 1000);
	ck_assert(live_watch_held(&watches, b, 1000)); /* b's changes are published too */
	reset();
	live_watch_unpublished(&watches, a, 1000);
	ck_assert(!live_watch_arm(&watches, b, 1001)); /* a's note is not b's */
	ck_assert(live_watch_arm(&watches, a, 1002));
	reset();
	live_watch_unpublished(&watches, a, 1000);
	live_watch_unpublished(&watches, b, 1000); /* several: every opening publishes */
	ck_assert(live_watch_arm(&watches, b, 1001));
	ck_assert(live_watch_arm(&watches, a, 1002));
	ck_assert(live_watch_arm(&watches, a, 1003));
}
END_TEST

START_TEST(test_processes_mapping_one_watch_file_see_each_others_watches)
{
	char socket_path[96];
	snprintf(socket_path, sizeof(socket_path), "/tmp/kanjia-watch-test-%d.sock", (int)getpid());
	char file[128];
	snprintf(file, sizeof(file), "%s.watch", socket_path);
	unlink(file);
	struct live_watches *mine = live_watches_for(socket_path);
	ck_assert_ptr_nonnull(mine);
	ck_assert(!live_watch_held(mine, 42, 1000)); /* a new file: nothing watched */
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* another pool: its own mapping of the same file (none for "") */
		if (live_watches_for("") != NULL)
			_exit(2);
		struct live_watches *theirs = live_watches_for(socket_path);
		_exit(theirs != NULL && !live_watch_unpublished(theirs, 42, 1000) ? 0 : 1);
	}
	int status = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert(live_watch_arm(mine, 42, 1001)); /* the other pool's unpublished change */
	ck_assert(live_watch_held(mine, 42, 1001));
	ck_assert_ptr_eq(live_watches_for(socket_path), mine); /* mapped once */
	unlink(file);
}
END_TEST

START_TEST(test_a_watch_file_that_cannot_be_made_means_publish_everything)
{
	ck_assert_ptr_null(live_watches_for("/nonexistent-kanjia-dir/live.sock"));
	ck_assert_ptr_null(live_watches_for("/nonexistent-kanjia-dir/live.sock")); /* not retried */
}
END_TEST

/* The seconds of every nchan_subscriber_timeout in an nginx config, or -1
 * when one is missing or different from the others. */
static int subscriber_timeout_of(const char *relative_path, int *count)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", KANJIA_SOURCE_DIR, relative_path);
	FILE *in = fopen(path, "r");
	ck_assert_msg(in != NULL, "cannot open %s", path);
	char line[512];
	int seconds = 0;
	*count = 0;
	while (fgets(line, sizeof(line), in)) {
		int value = 0;
		if (sscanf(line, " nchan_subscriber_timeout %ds;", &value) == 1) {
			if (*count > 0 && value != seconds)
				seconds = -1;
			else if (seconds >= 0)
				seconds = value;
			(*count)++;
		}
	}
	fclose(in);
	return seconds;
}

START_TEST(test_nginx_closes_idle_streams_as_the_watches_assume)
{
	static const char *const configs[] = { "nginx/local.conf.in", "nginx/kanjia.conf" };
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		int count = 0;
		int seconds = subscriber_timeout_of(configs[i], &count);
		ck_assert_msg(count == 2, "%s: %d nchan_subscriber_timeout lines (one per stream)", configs[i], count);
		ck_assert_msg(seconds == LIVE_STREAM_IDLE_S, "%s: nchan_subscriber_timeout %ds, live_watch.h %ds",
			      configs[i], seconds, LIVE_STREAM_IDLE_S);
	}
	ck_assert_int_gt(LIVE_WATCH_HOLD_S, LIVE_STREAM_IDLE_S);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("live_watch");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_a_stream_on_an_unchanged_bargain_publishes_nothing);
	tcase_add_test(tc, test_the_first_stream_after_an_unwatched_change_publishes_it_once);
	tcase_add_test(tc, test_a_change_that_notes_itself_as_a_stream_opens_publishes_itself);
	tcase_add_test(tc, test_a_watch_holds_for_the_idle_time_and_a_minute_then_lapses);
	tcase_add_test(tc, test_a_delivered_publish_extends_the_watch_and_nothing_shortens_it);
	tcase_add_test(tc, test_bargains_sharing_a_slot_cost_each_other_publishes_never_lose_one);
	tcase_add_test(tc, test_processes_mapping_one_watch_file_see_each_others_watches);
	tcase_add_test(tc, test_a_watch_file_that_cannot_be_made_means_publish_everything);
	tcase_add_test(tc, test_nginx_closes_idle_streams_as_the_watches_assume);
	suite_add_tcase(suite, tc);
	return suite;
}
