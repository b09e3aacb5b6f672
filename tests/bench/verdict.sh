# tests/bench/verdict.sh — the benchmark's verdicts, sourced by run.sh and
# by the runner's own test (tests/runner/run.sh), which checks them on
# made-up numbers without running any load. Bash functions only.
#
#   - A verdict compares numbers: a value that is missing or not a number
#     ("", "-", "nan") is a MISS, never a PASS.
#   - A target over a stage that answered errors is a FAIL: its numbers
#     include answers that were not the work being measured.
#   - Throughput counts successful answers only (ok_rate).
#   - Every verdict is appended to $VERDICT_LOG (when set), so that
#     verdict_exit_status can fail the run on a MISS under BENCH_STRICT=1.

# True if $1 is a decimal number (optionally signed, optionally with a
# fraction).
is_number() { [[ $1 =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; }

# Prints PASS, MISS or FAIL for value $1 against target $3 by operator $2
# (">=", "<", "<=", "==" or "within", where $3 is "LOW HIGH"), and records
# it. Rest: error counts of the stages the value comes from; any that is
# not 0 (or not a number) makes the verdict FAIL.
verdict() {
	local x=$1 op=$2 t=$3 result e
	shift 3
	result=PASS
	for e in "$@"; do
		if ! is_number "$e" || [[ $e != 0 ]]; then
			result=FAIL
		fi
	done
	if [[ $result == PASS ]]; then
		if ! is_number "$x"; then
			result=MISS
		elif [[ $op == within ]]; then
			awk -v x="$x" -v lo="${t% *}" -v hi="${t#* }" 'BEGIN { exit !(x >= lo && x <= hi) }' || result=MISS
		else
			awk -v x="$x" -v op="$op" -v t="$t" 'BEGIN {
				if (op == ">=") ok = x >= t; else if (op == "<") ok = x < t;
				else if (op == "<=") ok = x <= t; else if (op == "==") ok = x == t; else ok = 0
				exit !ok }' || result=MISS
		fi
	fi
	[[ -n ${VERDICT_LOG:-} ]] && printf '%s %s %s %s\n' "$result" "$x" "$op" "$t" >>"$VERDICT_LOG"
	printf '%s\n' "$result"
}

# Successful answers per second of a wrk run, from its log $1: the
# requests it completed minus the non-2xx/3xx ones, over the run's
# seconds. Prints nothing (a missing value) when the log lacks either.
ok_rate() {
	awk '
		/ requests in / {
			total = $1; secs = $4; sub(/,$/, "", secs); found = 1
			if (secs ~ /ms$/) { sub(/ms$/, "", secs); secs /= 1000 }
			else if (secs ~ /m$/) { sub(/m$/, "", secs); secs *= 60 }
			else if (secs ~ /h$/) { sub(/h$/, "", secs); secs *= 3600 }
			else sub(/s$/, "", secs)
		}
		/Non-2xx or 3xx responses:/ { bad += $NF }
		END { if (found && secs > 0) printf "%.2f\n", (total - bad) / secs }
	' "$1"
}

# The exit status the verdicts in $VERDICT_LOG call for: 0, or 1 when
# BENCH_STRICT=1 and any verdict is not PASS (a MISS, a FAIL). Says why on
# stderr.
verdict_exit_status() {
	local misses
	[[ ${BENCH_STRICT:-0} == 1 ]] || return 0
	misses=$(grep -cv '^PASS ' "${VERDICT_LOG:-/dev/null}" 2>/dev/null || true)
	if ((${misses:-0} > 0)); then
		printf 'bench: BENCH_STRICT=1 and %s target(s) not met\n' "$misses" >&2
		return 1
	fi
	return 0
}
