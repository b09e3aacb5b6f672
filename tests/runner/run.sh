#!/usr/bin/env bash
# tests/runner/run.sh — the test of the test runner: shows that the rules
# which judge `./dev test`'s stages (tests/runner/stage.sh), the API runner
# (tests/api/run.py with kanjia.concurrently), the unit tests' time limit
# (tests/unit/unit.h) and the benchmark's verdicts (tests/bench/verdict.sh)
# bite. Each check runs a deliberately broken (or a good) test and asserts
# the verdict: a raising thread, a skip, an empty stage, a missing runner, a
# stage or a test past its time limit all make the run fail; a good stage
# passes. Needs no stack: ./dev test runs it first, as the "runner" stage.
# One line per check, then "N passed, N failed, N skipped".
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/runner/stage.sh
source "$HERE/stage.sh"
# shellcheck source=tests/bench/verdict.sh
source "$REPO/tests/bench/verdict.sh"

SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT

passed=0
failed=0

ok() {
	passed=$((passed + 1))
	echo "ok $1"
}
fail() {
	failed=$((failed + 1))
	echo "FAIL $1: $2"
}
# expect NAME EXPECTED ACTUAL
expect() {
	if [[ $2 == "$3" ]]; then ok "$1"; else fail "$1" "expected '$2', got '$3'"; fi
}

# Runs run_stage on a fresh set of totals; prints "passed failed skipped".
stage_totals() {
	(
		TOTAL_PASSED=0 TOTAL_FAILED=0 TOTAL_SKIPPED=0
		run_stage "$@" >/dev/null 2>&1
		echo "$TOTAL_PASSED $TOTAL_FAILED $TOTAL_SKIPPED"
	)
}

# A directory of API tests $1 with the Python text on stdin as test_x.py.
api_tests() {
	mkdir -p "$SCRATCH/$1"
	cat >"$SCRATCH/$1/test_x.py"
}

# Runs the API runner on the tests of directory $1 as a stage with time
# limit $2 (default 60); prints the stage's totals.
api_stage() {
	stage_totals "api-$1" "${2:-60}" "$SCRATCH/$1.out" "$REPO/tests/api/run.py" \
		env KANJIA_API_TESTS="$SCRATCH/$1" KANJIA_CONF= KANJIA_RUN_DIR= KANJIA_BASE_URL=http://127.0.0.1:9 \
		/usr/bin/python3 "$REPO/tests/api/run.py"
}

# ------------------------------------------------------------ closing lines

expect closing_line_plain "3 1 0" "$(parse_closing_line '3 passed, 1 failed')"
expect closing_line_with_skips "3 0 2" "$(parse_closing_line '3 passed, 0 failed, 2 skipped')"
parse_closing_line '3 passed, 0 failed, some skipped' >/dev/null && fail closing_line_garbage "accepted" ||
	ok closing_line_garbage
expect closing_line_of_a_run "7 0 0" "$(TOTAL_PASSED=7 TOTAL_FAILED=0 TOTAL_SKIPPED=0 closing_line |
	{ read -r l; parse_closing_line "$l"; })"

# ./dev judges its stages with these very functions (not a copy of them).
for needle in 'source "$ROOT/tests/runner/stage.sh"' 'run_stage runner ' 'run_stage api ' 'run_stage browser ' \
	'judge_stage unit ' 'closing_line'; do
	grep -qF -- "$needle" "$REPO/dev" && ok "dev_uses: $needle" || fail "dev_uses: $needle" "not in ./dev"
done

# ------------------------------------------------------------- API runner

api_tests good <<-'EOF'
	def test_one(ctx):
	    pass

	def test_answers_all_counted(ctx):
	    got = ctx.concurrently([lambda i=i: i for i in range(20)], what="twenty calls")
	    assert got == list(range(20)), got
EOF
expect good_stage_passes "2 0 0" "$(api_stage good)"
grep -qx '2 passed, 0 failed, 0 skipped' "$SCRATCH/good.out" && ok api_runner_closing_line ||
	fail api_runner_closing_line "$(tail -n 1 "$SCRATCH/good.out")"

# A race test where one thread's request raised: the helper fails the test
# instead of letting the request vanish from the totals.
api_tests raising <<-'EOF'
	def test_one_thread_raises(ctx):
	    def answer():
	        return 200

	    def reset():
	        raise ConnectionResetError("connection reset by peer")

	    statuses = ctx.concurrently([answer] * 9 + [reset], what="ten racing requests")
	    assert statuses.count(200) == 9
EOF
expect raising_thread_fails "0 1 0" "$(api_stage raising)"
grep -q '^FAIL test_x.test_one_thread_raises: ten racing requests: 1 of 10 got no answer' "$SCRATCH/raising.out" &&
	ok raising_thread_reported || fail raising_thread_reported "$(grep FAIL "$SCRATCH/raising.out")"

api_tests skipping <<-'EOF'
	from kanjia import Skip

	def test_ok(ctx):
	    pass

	def test_skips(ctx):
	    raise Skip("a reason")
EOF
# 1 passed, 1 skipped by the runner; the stage adds 1 failure for the skip.
expect skip_fails_the_stage "1 1 1" "$(api_stage skipping)"
grep -qx '1 passed, 0 failed, 1 skipped' "$SCRATCH/skipping.out" && ok skip_on_the_closing_line ||
	fail skip_on_the_closing_line "$(tail -n 1 "$SCRATCH/skipping.out")"

mkdir -p "$SCRATCH/empty"
expect empty_stage_fails "0 1 0" "$(api_stage empty)"

api_tests slow_test <<-'EOF'
	import time

	TIMEOUT_S = 1

	def test_sleeps_past_its_limit(ctx):
	    time.sleep(30)

	def test_after_it_runs(ctx):
	    pass
EOF
started=$SECONDS
expect test_past_its_time_limit_fails "1 1 0" "$(api_stage slow_test)"
grep -q '^FAIL test_x.test_sleeps_past_its_limit: timed out' "$SCRATCH/slow_test.out" &&
	ok test_time_limit_reported || fail test_time_limit_reported "$(cat "$SCRATCH/slow_test.out")"
((SECONDS - started < 20)) && ok test_time_limit_is_prompt || fail test_time_limit_is_prompt "took $((SECONDS - started))s"

# A thread stuck in a timed-out test does not keep the runner alive.
api_tests stuck_thread <<-'EOF'
	import threading
	import time

	TIMEOUT_S = 1

	def test_waits_on_a_stuck_thread(ctx):
	    t = threading.Thread(target=time.sleep, args=(60,))
	    t.start()
	    t.join()
EOF
started=$SECONDS
expect stuck_thread_fails "0 1 0" "$(api_stage stuck_thread)"
((SECONDS - started < 20)) && ok stuck_thread_does_not_hang || fail stuck_thread_does_not_hang "took $((SECONDS - started))s"

# ------------------------------------------------------------------ stages

expect missing_runner_fails "0 1 0" "$(stage_totals missing 10 "$SCRATCH/missing.out" "$SCRATCH/no-such-runner" \
	bash "$SCRATCH/no-such-runner")"

printf '#!/bin/sh\necho "started"\nsleep 60\necho "1 passed, 0 failed"\n' >"$SCRATCH/slow.sh"
started=$SECONDS
expect stage_past_its_time_limit_fails "0 1 0" "$(stage_totals slow 2 "$SCRATCH/slow.out" "$SCRATCH/slow.sh" \
	sh "$SCRATCH/slow.sh")"
((SECONDS - started < 20)) && ok stage_time_limit_is_prompt || fail stage_time_limit_is_prompt "took $((SECONDS - started))s"

printf 'echo "4 passed, 0 failed"\nexit 3\n' >"$SCRATCH/lying.sh"
expect nonzero_exit_without_failure_fails "4 1 0" "$(stage_totals lying 10 "$SCRATCH/lying.out" "$SCRATCH/lying.sh" \
	sh "$SCRATCH/lying.sh")"

printf 'echo "4 passed, 0 failed"\necho "trailing noise"\n' >"$SCRATCH/noclose.sh"
expect no_closing_line_fails "0 1 0" "$(stage_totals noclose 10 "$SCRATCH/noclose.out" "$SCRATCH/noclose.sh" \
	sh "$SCRATCH/noclose.sh")"

printf 'echo "5 passed, 0 failed"\n' >"$SCRATCH/fine.sh"
expect old_closing_line_still_passes "5 0 0" "$(stage_totals fine 10 "$SCRATCH/fine.out" "$SCRATCH/fine.sh" \
	sh "$SCRATCH/fine.sh")"

# make check's summary: a SKIP counts, and then fails the stage.
printf '# TOTAL: 4\n# PASS:  3\n# SKIP:  1\n# XFAIL: 0\n# FAIL:  0\n# XPASS: 0\n# ERROR: 0\n' >"$SCRATCH/automake.log"
expect automake_summary "3 0 1" "$(parse_automake_summary "$SCRATCH/automake.log")"
expect automake_empty_fails "0 1 0" "$( (TOTAL_PASSED=0 TOTAL_FAILED=0 TOTAL_SKIPPED=0
	judge_stage unit 0 0 0 0 yes 2>/dev/null
	echo "$TOTAL_PASSED $TOTAL_FAILED $TOTAL_SKIPPED"))"

# --------------------------------------------------- unit tests' time limit

# A Check test that never ends, built on unit.h with a 1 s limit: the file
# bails out in TAP and exits non-zero (Check's own timeouts are off in
# no-fork mode).
if command -v cc >/dev/null && pkg-config --exists check 2>/dev/null; then
	cat >"$SCRATCH/hang.c" <<-'EOF'
		#define UNIT_FILE_TIME_LIMIT_S 1
		#include "unit.h"
		#include <unistd.h>
		START_TEST(test_hangs) { for (;;) pause(); }
		END_TEST
		static Suite *suite_for_file(void)
		{
			Suite *s = suite_create("hang");
			TCase *c = tcase_create("hang");
			tcase_add_test(c, test_hangs);
			suite_add_tcase(s, c);
			return s;
		}
	EOF
	# shellcheck disable=SC2046
	if cc -o "$SCRATCH/hang" -I"$REPO/tests/unit" "$SCRATCH/hang.c" $(pkg-config --cflags --libs check) \
		2>"$SCRATCH/hang.cc.log"; then
		started=$SECONDS
		timeout 30 "$SCRATCH/hang" >"$SCRATCH/hang.out" 2>&1
		rc=$?
		if ((rc != 0 && rc != 124)) && grep -q '^Bail out!' "$SCRATCH/hang.out"; then
			ok unit_time_limit_bails_out
		else
			fail unit_time_limit_bails_out "status $rc after $((SECONDS - started))s: $(head -c 300 "$SCRATCH/hang.out")"
		fi
	else
		fail unit_time_limit_bails_out "could not build a unit test: $(head -c 300 "$SCRATCH/hang.cc.log")"
	fi
else
	fail unit_time_limit_bails_out "no C compiler or no Check (./dev installs build-essential and check)"
fi

# ---------------------------------------------------------- bench verdicts

expect verdict_missing_value_is_a_miss MISS "$(verdict '' '<' 20)"
expect verdict_dash_is_a_miss MISS "$(verdict - '<' 20)"
expect verdict_text_is_a_miss MISS "$(verdict nan '>=' 50)"
expect verdict_less_than PASS "$(verdict 19.9 '<' 20)"
expect verdict_less_than_miss MISS "$(verdict 20 '<' 20)"
expect verdict_numbers_not_text PASS "$(verdict 9.5 '<' 10)" # as text, "9.5" > "10"
expect verdict_at_least PASS "$(verdict 100 '>=' 50)"
expect verdict_at_least_miss MISS "$(verdict 49.9 '>=' 50)"
expect verdict_within PASS "$(verdict 95 within '80 120')"
expect verdict_within_miss MISS "$(verdict 130 within '80 120')"
expect verdict_zero_errors PASS "$(verdict 0 '==' 0)"
expect verdict_some_errors MISS "$(verdict 3 '==' 0)"
expect verdict_stage_with_errors_fails FAIL "$(verdict 100 '>=' 50 0 7)"
expect verdict_stage_with_unknown_errors_fails FAIL "$(verdict 100 '>=' 50 '')"
expect verdict_stage_without_errors PASS "$(verdict 100 '>=' 50 0 0)"

cat >"$SCRATCH/wrk.txt" <<-'EOF'
	Running 10s test @ http://127.0.0.1:28080/api/v1/me
	  4 threads and 64 connections
	  Thread Stats   Avg      Stdev     Max   +/- Stdev
	    Latency     5.00ms    1.00ms  20.00ms   90.00%
	  12000 requests in 10.00s, 3.00MB read
	  Non-2xx or 3xx responses: 2000
	Requests/sec:   1200.00
	Transfer/sec:    300.00KB
EOF
expect throughput_counts_successes_only 1000.00 "$(ok_rate "$SCRATCH/wrk.txt")"
sed '/requests in/d' "$SCRATCH/wrk.txt" >"$SCRATCH/wrk-broken.txt"
expect throughput_missing_is_empty "" "$(ok_rate "$SCRATCH/wrk-broken.txt")"

strict() {
	(
		VERDICT_LOG=$SCRATCH/verdicts.txt
		: >"$VERDICT_LOG"
		verdict 100 '>=' 50 >/dev/null
		verdict "$1" '<' 20 >/dev/null
		BENCH_STRICT=$2 verdict_exit_status 2>/dev/null && echo 0 || echo 1
	)
}
expect bench_strict_fails_on_a_miss 1 "$(strict 25 1)"
expect bench_strict_fails_on_a_missing_value 1 "$(strict '' 1)"
expect bench_strict_passes_when_all_pass 0 "$(strict 15 1)"
expect bench_not_strict_reports_only 0 "$(strict 25 0)"

echo "$passed passed, $failed failed, 0 skipped"
((failed == 0))
