/* test_fraud_mdwe.c: fcgi/fraud/fraud.c under systemd's
 * MemoryDenyWriteExecute=yes, which kanjiad.service sets. That setting is a
 * seccomp filter refusing mmap() of memory both writable and executable and
 * mprotect() that adds execution; PCRE2's JIT needs exactly that. This test
 * installs the same filter on itself, shows that it bites, and checks that
 * the anti-fraud patterns then still compile and match (in PCRE2's
 * interpreter) with their limits. */
#include "unit.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "fraud/fraud.h"

/* The low 32 bits of syscall argument i (prot is an int). */
#define ARG_LOW(i) (offsetof(struct seccomp_data, args) + (i) * sizeof(__u64))

static void deny_write_execute(void)
{
	struct sock_filter program[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mmap, 3, 0),           /* to 5 */
		/* 2 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mprotect, 5, 0),       /* to 8 */
		/* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_pkey_mprotect, 4, 0),  /* to 8 */
		/* 4 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* mmap: refuse PROT_WRITE and PROT_EXEC together */
		/* 5 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LOW(2)),
		/* 6 */ BPF_STMT(BPF_ALU | BPF_AND | BPF_K, PROT_WRITE | PROT_EXEC),
		/* 7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PROT_WRITE | PROT_EXEC, 4, 3), /* to 12 or 11 */
		/* mprotect, pkey_mprotect: refuse adding PROT_EXEC */
		/* 8 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LOW(2)),
		/* 9 */ BPF_STMT(BPF_ALU | BPF_AND | BPF_K, PROT_EXEC),
		/* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PROT_EXEC, 1, 0),           /* to 12 or 11 */
		/* 11 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* 12 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
	};
	struct sock_fprog filter = { .len = sizeof(program) / sizeof(program[0]), .filter = program };
	ck_assert_int_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	ck_assert_msg(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter) == 0, "seccomp: %s", strerror(errno));
}

static enum fraud_match match_text(const char *pattern_text, const char *value)
{
	struct fraud_pattern pattern;
	char message[FRAUD_MESSAGE_SIZE];
	size_t offset = 0;
	ck_assert_int_eq(fraud_pattern_compile(pattern_text, &pattern, message, &offset), 0);
	enum fraud_match result = fraud_pattern_match(&pattern, value, strlen(value));
	fraud_pattern_free(&pattern);
	return result;
}

START_TEST(patterns_match_without_write_execute_memory)
{
	deny_write_execute();

	/* The filter bites: no page can be writable and executable... */
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_msg(page == MAP_FAILED && errno == EPERM, "a W+X mapping was allowed");
	/* ... nor become executable later. */
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(page, MAP_FAILED);
	ck_assert_int_eq(mprotect(page, 4096, PROT_READ | PROT_EXEC), -1);
	munmap(page, 4096);

	/* The rules still decide as they do with the JIT. */
	ck_assert_int_eq(match_text("S{3,}", "DSSS"), FRAUD_MATCHED);
	ck_assert_int_eq(match_text("S{3,}", "DSS"), FRAUD_NO_MATCH);
	ck_assert_int_eq(match_text("^1(70|71|162|165|167)", "17012345678"), FRAUD_MATCHED);
	ck_assert_int_eq(match_text("(?i)headless|phantomjs", "Mozilla/5.0 HeadlessChrome/120"), FRAUD_MATCHED);
	ck_assert_int_eq(match_text("砍价", "帮我砍价"), FRAUD_MATCHED);
	/* And a catastrophic pattern is still stopped by the match limits. */
	char value[64];
	memset(value, 'a', sizeof(value) - 2);
	value[sizeof(value) - 2] = 'b';
	value[sizeof(value) - 1] = '\0';
	ck_assert_int_eq(match_text("^(a+)+$", value), FRAUD_LIMIT_HIT);
}
END_TEST

static Suite *suite_for_file(void)
{
	Suite *suite = suite_create("fraud_mdwe");
	TCase *limits = tcase_create("memory_deny_write_execute");
	tcase_add_test(limits, patterns_match_without_write_execute_memory);
	suite_add_tcase(suite, limits);
	return suite;
}
