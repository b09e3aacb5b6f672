# tests/runner/stage.sh — how `./dev test` runs and judges a stage (unit,
# api, browser, runner): sourced by ./dev and by tests/runner/run.sh, which
# checks that these rules bite. Bash functions only; no side effect on load
# but the totals below.
#
# A stage runner prints, as its last line of stdout, its closing line
#     N passed, N failed            or     N passed, N failed, N skipped
# and the stage is judged by it and by its exit status. Each of these adds
# one failure to the stage (so that `./dev test` ends non-zero):
#   - the runner does not exist (a missing runner is not "nothing to test");
#   - the runner ran past the stage's time limit (killed, with its children);
#   - no closing line, or an exit status other than 0 with no failure in it;
#   - an empty stage: 0 passed, 0 failed, 0 skipped;
#   - any skip: the stack `./dev test` builds has everything a test needs,
#     so a skip there means a test did not run, which must not look green.
# Skips are still counted and shown on the closing line.

TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0

# Adds $1 passed, $2 failed, $3 (default 0) skipped to the totals.
count() {
	TOTAL_PASSED=$((TOTAL_PASSED + $1))
	TOTAL_FAILED=$((TOTAL_FAILED + $2))
	TOTAL_SKIPPED=$((TOTAL_SKIPPED + ${3:-0}))
}

# The closing line of a whole run: "N passed, N failed, N skipped".
closing_line() {
	printf '%d passed, %d failed, %d skipped\n' "$TOTAL_PASSED" "$TOTAL_FAILED" "$TOTAL_SKIPPED"
}

# Prints "passed failed skipped" for a closing line $1; fails if $1 is not one.
parse_closing_line() {
	if [[ $1 =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
		printf '%d %d %d\n' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[4]:-0}"
	else
		return 1
	fi
}

# Sums automake's test-suite summary lines ("# PASS:  N", ...) in file $1.
# Prints "passed failed skipped": FAIL, ERROR and XPASS count as failures.
parse_automake_summary() {
	awk '
		/^# PASS: /  { p += $3 }
		/^# FAIL: /  { f += $3 }
		/^# ERROR: / { f += $3 }
		/^# XPASS: / { f += $3 }
		/^# SKIP: /  { s += $3 }
		END { printf "%d %d %d\n", p, f, s }
	' "$1"
}

# True if exit status $1 is timeout(1)'s "time limit reached" (124, or
# 137 when it had to SIGKILL).
timed_out() { [[ $1 == 124 || $1 == 137 ]]; }

# Applies the rules above to stage $1 whose runner exited with status $2
# and reported $3 passed, $4 failed, $5 skipped; $6 is "yes" when a closing
# line was found. Adds the result to the totals and reports on stderr.
# Always returns 0 (the verdict is in the totals).
judge_stage() {
	local label=$1 rc=$2 p=$3 f=$4 s=$5 closed=$6 extra=0
	if timed_out "$rc"; then
		stage_warn "$label: past its time limit (killed): counted as 1 failure"
		extra=$((extra + 1))
	elif [[ $closed != yes ]]; then
		stage_warn "$label: no closing 'N passed, N failed' line: counted as 1 failure"
		extra=$((extra + 1))
	elif ((rc != 0 && f == 0)); then
		stage_warn "$label: exited with status $rc but reported no failure: counted as 1 failure"
		extra=$((extra + 1))
	fi
	if [[ $closed == yes ]] && ((p + f + s == 0)); then
		stage_warn "$label: ran no test at all (an empty stage): counted as 1 failure"
		extra=$((extra + 1))
	fi
	if ((s > 0)); then
		stage_warn "$label: $s test(s) skipped; under ./dev test nothing may skip: counted as 1 failure"
		extra=$((extra + 1))
	fi
	f=$((f + extra))
	stage_say "$label: $p passed, $f failed, $s skipped"
	count "$p" "$f" "$s"
}

# Runs the runner of stage $1 under a time limit of $2 seconds, its stdout
# also copied to file $3; $4 is the runner file that must exist, the rest
# the command. Judges it by its last line (judge_stage); the verdict is in
# the totals, the return status is always 0 (safe under set -e).
run_stage() {
	local label=$1 limit=$2 out=$3 runner=$4 rc=0 last counts p=0 f=0 s=0 closed=no errexit=no
	shift 4
	if [[ ! -f $runner ]]; then
		stage_warn "$label: its runner ${runner#"${ROOT:-}"/} does not exist: counted as 1 failure"
		count 0 1 0
		return 0
	fi
	stage_say "$label tests (time limit ${limit}s): $*"
	# timeout(1) puts the runner in a process group of its own and signals
	# the whole group: threads, browsers and children go with it.
	[[ $- == *e* ]] && errexit=yes
	set +e
	timeout --kill-after=10 "$limit" "$@" </dev/null | tee "$out"
	rc=${PIPESTATUS[0]}
	[[ $errexit == yes ]] && set -e
	last=$(tail -n 1 "$out" 2>/dev/null || true)
	if counts=$(parse_closing_line "$last"); then
		read -r p f s <<<"$counts"
		closed=yes
	fi
	judge_stage "$label" "$rc" "$p" "$f" "$s" "$closed"
}

# Progress and warnings go to stderr (./dev's stdout carries results only).
stage_say() { printf '==> %s\n' "$*" >&2; }
stage_warn() { printf 'dev: warning: %s\n' "$*" >&2; }
