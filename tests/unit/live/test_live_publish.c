/* test_live_publish.c: unit tests of fcgi/live/live_publish.c, against a
 * forked stand-in for nchan's publisher on a Unix socket in /tmp: what it
 * sends, and that every failure (no socket, a refusal, silence) comes back
 * as a result within the deadline instead of hanging or raising SIGPIPE. */
#include "unit.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "live/live_publish.h"

static char socket_path[108];

static long long elapsed_ms(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000LL + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* A publisher that accepts one connection, reads the request into
 * `request_file`, then answers `answer` (NULL: stays silent for 3 s).
 * Returns its pid; the socket is listening when it returns. */
static pid_t fake_publisher(const char *answer, const char *request_file)
{
	snprintf(socket_path, sizeof(socket_path), "/tmp/kanjia-live-test-%d.sock", (int)getpid());
	unlink(socket_path);
	int listener = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	memcpy(address.sun_path, socket_path, strlen(socket_path) + 1);
	ck_assert_int_eq(bind(listener, (struct sockaddr *)&address, sizeof(address)), 0);
	ck_assert_int_eq(listen(listener, 4), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = accept(listener, NULL, NULL);
		char request[4096];
		size_t used = 0;
		ssize_t got;
		/* the head, then the body its Content-Length announces */
		while (used < sizeof(request) - 1 && (got = read(fd, request + used, sizeof(request) - 1 - used)) > 0) {
			used += (size_t)got;
			request[used] = '\0';
			char *end = strstr(request, "\r\n\r\n");
			char *length = strstr(request, "Content-Length: ");
			if (end && length && used >= (size_t)(end + 4 - request) + (size_t)atoi(length + 16))
				break;
		}
		FILE *out = fopen(request_file, "w");
		if (out) {
			fwrite(request, 1, used, out);
			fclose(out);
		}
		if (answer)
			(void)!write(fd, answer, strlen(answer));
		else
			sleep(3);
		close(fd);
		_exit(0);
	}
	close(listener);
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(socket_path);
}

START_TEST(bad_input_is_refused_before_any_connection)
{
	ck_assert(!live_channel_shape(NULL));
	ck_assert(!live_channel_shape(""));
	ck_assert(!live_channel_shape("b1/../x"));
	ck_assert(!live_channel_shape("s a"));
	char long_channel[LIVE_CHANNEL_MAX + 2];
	memset(long_channel, 'a', sizeof(long_channel) - 1);
	long_channel[sizeof(long_channel) - 1] = '\0';
	ck_assert(!live_channel_shape(long_channel));
	ck_assert(live_channel_shape("b123"));
	ck_assert(live_channel_shape("sXk3v9QpL2mTz8RwA-_"));
	int status = -1;
	ck_assert_int_eq(live_publish("/tmp/x.sock", "b 1", "bargain", "{}", 2, 100, &status), LIVE_BAD_INPUT);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(live_publish("/tmp/x.sock", "b1", "bar\r\ngain", "{}", 2, 100, NULL), LIVE_BAD_INPUT);
	char long_path[200];
	memset(long_path, 'p', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = '\0';
	ck_assert_int_eq(live_publish(long_path, "b1", "bargain", "{}", 2, 100, NULL), LIVE_BAD_INPUT);
}
END_TEST

START_TEST(no_socket_is_unreachable)
{
	int status = -1;
	ck_assert_int_eq(live_publish("/tmp/kanjia-live-test-none.sock", "b1", "bargain", "{}", 2, 100, &status),
			 LIVE_UNREACHABLE);
	ck_assert_int_eq(status, 0);
}
END_TEST

START_TEST(a_2xx_is_published_and_the_request_is_a_post_to_the_channel)
{
	char request_file[64];
	snprintf(request_file, sizeof(request_file), "/tmp/kanjia-live-test-%d.req", (int)getpid());
	pid_t pid = fake_publisher("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", request_file);
	const char *body = "{\"id\":7,\"current_price_fen\":41230}";
	int status = 0;
	ck_assert_int_eq(live_publish(socket_path, "b7", "bargain", body, strlen(body), 1000, &status), LIVE_PUBLISHED);
	ck_assert_int_eq(status, 201);
	waitpid(pid, NULL, 0);
	FILE *in = fopen(request_file, "r");
	ck_assert_ptr_nonnull(in);
	char request[4096] = "";
	size_t got = fread(request, 1, sizeof(request) - 1, in);
	request[got] = '\0';
	fclose(in);
	unlink(request_file);
	ck_assert_msg(strncmp(request, "POST /pub/b7 HTTP/1.0\r\n", 23) == 0, "request line: %.40s", request);
	ck_assert_ptr_nonnull(strstr(request, "\r\nX-EventSource-Event: bargain\r\n"));
	ck_assert_ptr_nonnull(strstr(request, "\r\nContent-Type: application/json\r\n"));
	char length[64];
	snprintf(length, sizeof(length), "\r\nContent-Length: %zu\r\n\r\n", strlen(body));
	char *head_end = strstr(request, length);
	ck_assert_ptr_nonnull(head_end);
	ck_assert_str_eq(head_end + strlen(length), body);
	unlink(socket_path);
}
END_TEST

START_TEST(a_refusal_is_refused_with_its_status)
{
	char request_file[64];
	snprintf(request_file, sizeof(request_file), "/tmp/kanjia-live-test-%d.req", (int)getpid());
	pid_t pid = fake_publisher("HTTP/1.1 507 Insufficient Storage\r\n\r\n", request_file);
	int status = 0;
	ck_assert_int_eq(live_publish(socket_path, "s0123456789abcdef", "bargain", "{}", 2, 1000, &status), LIVE_REFUSED);
	ck_assert_int_eq(status, 507);
	reap(pid);
	unlink(request_file);
}
END_TEST

START_TEST(silence_times_out_within_the_deadline)
{
	char request_file[64];
	snprintf(request_file, sizeof(request_file), "/tmp/kanjia-live-test-%d.req", (int)getpid());
	pid_t pid = fake_publisher(NULL, request_file);
	struct timespec started;
	clock_gettime(CLOCK_MONOTONIC, &started);
	ck_assert_int_eq(live_publish(socket_path, "b1", "bargain", "{}", 2, 150, NULL), LIVE_TIMED_OUT);
	long long took = elapsed_ms(&started);
	ck_assert_msg(took >= 140 && took < 1000, "gave up after %lld ms", took);
	reap(pid);
	unlink(request_file);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("live_publish");
	TCase *cases = tcase_create("publish");
	tcase_set_timeout(cases, 10);
	tcase_add_test(cases, bad_input_is_refused_before_any_connection);
	tcase_add_test(cases, no_socket_is_unreachable);
	tcase_add_test(cases, a_2xx_is_published_and_the_request_is_a_post_to_the_channel);
	tcase_add_test(cases, a_refusal_is_refused_with_its_status);
	tcase_add_test(cases, silence_times_out_within_the_deadline);
	suite_add_tcase(suite, cases);
	return suite;
}
