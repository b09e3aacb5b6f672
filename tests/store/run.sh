#!/usr/bin/env bash
# tests/store/run.sh: runs every store test program against the test stack's
# MariaDB ($KANJIA_CONF) and ends with "N passed, N failed".
#
# The programs are built by `make store-tests` in the test build
# ($KANJIA_STORE_BUILD, default build/test). Each prints TAP; a program that
# prints no test point, or exits non-zero without a failing point (a crash,
# a lost database, a sanitizer report), counts as one failure.
set -uo pipefail
repo=${KANJIA_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KANJIA_STORE_BUILD:-$repo/build/test}
: "${KANJIA_CONF:?set KANJIA_CONF to the kanjia.conf of the test stack}"

passed=0 failed=0
mapfile -t programs < <(cd "$build" && find tests/store -type f -name 'test_*' -perm -u+x | sort)
if ((${#programs[@]} == 0)); then
	echo "store tests: no test programs under $build/tests/store (make store-tests)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
for program in "${programs[@]}"; do
	out=$("$build/$program" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed "s|^|$program: |"
	ok=$(grep -c '^ok ' <<<"$out")
	bad=$(grep -c '^not ok ' <<<"$out")
	if ((ok + bad == 0 || (rc != 0 && bad == 0))); then
		echo "$program: exit status $rc with $ok passing and $bad failing points: counted as 1 failure" >&2
		bad=$((bad + 1))
	fi
	passed=$((passed + ok))
	failed=$((failed + bad))
done
echo "$passed passed, $failed failed"
((failed == 0))
