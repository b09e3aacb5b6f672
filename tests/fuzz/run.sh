#!/usr/bin/env bash
# tests/fuzz/run.sh: builds the libFuzzer harnesses (tests/fuzz/fuzz_*.c)
# with clang, ASan and UBSan, runs each for a bounded time on a copy of its
# seed corpus (tests/fuzz/corpus/<name>/), and ends with "N passed, N failed":
# a harness passes when libFuzzer finds no crash, leak, timeout or assertion
# in its time. A crashing input is kept in build/fuzz/artifacts/ and shown.
#
#   FUZZ_SECONDS   seconds per harness (default 15)
#   FUZZ_ONLY      run only this harness (e.g. fuzz_token)
#
# The harnesses link every fcgi/ source but main.c, compiled by clang with
# -fsanitize=fuzzer-no-link so that libFuzzer sees their coverage.
set -uo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$repo/build/fuzz
seconds=${FUZZ_SECONDS:-15}
cc=${FUZZ_CC:-clang}

command -v "$cc" >/dev/null || { echo "fuzz: $cc not found (apt install clang libclang-rt-14-dev)" >&2; echo "0 passed, 1 failed"; exit 1; }
mkdir -p "$build/obj" "$build/artifacts"

sanitize="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
# The install paths the build's configure would define, as a header so that
# no quoting has to survive the shells below.
printf '#define KANJIA_SYSCONFDIR "/etc"\n#define KANJIA_DATADIR "/usr/share/kanjia"\n' >"$build/paths.h"
# fcgi/core/version.c's header, which the Makefile generates.
printf '#define KANJIA_VERSION "fuzz"\n#define KANJIA_REVISION ""\n' >"$build/kanjia_version.h"
# configure's config.h (ops_routes.c reads PACKAGE_VERSION from it).
printf '#define PACKAGE_VERSION "fuzz"\n' >"$build/config.h"
cflags="-std=c11 -g -O1 -D_GNU_SOURCE -I$repo/fcgi -I$build -include $build/paths.h"
pkgs="jansson libjwt libmariadb libpcre2-8 libcrypto libcrypt libsystemd libcurl"
cflags+=" $(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs) -lfcgi"

# The library: every source but main.c, rebuilt when it or any header is
# newer than its object (a changed struct must not meet an old object).
newest_header=$(find "$repo/fcgi" -name '*.h' -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-)
objects=()
while IFS= read -r source; do
	object=$build/obj/$(printf '%s' "${source#"$repo"/fcgi/}" | tr '/' '_').o
	objects+=("$object")
	if [[ ! -f $object || $source -nt $object || $newest_header -nt $object ]]; then
		printf '%s\0%s\0' "$source" "$object"
	fi
done < <(find "$repo/fcgi" -name '*.c' ! -path "$repo/fcgi/main.c" | sort) >"$build/todo"
# shellcheck disable=SC2086
if ! xargs -r -0 -n2 -P2 sh -c "$cc $cflags $sanitize -fsanitize=fuzzer-no-link -c \"\$0\" -o \"\$1\"" <"$build/todo"; then
	echo "fuzz: the library did not build" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
rm -f "$build/libfuzz.a"
ar rcs "$build/libfuzz.a" "${objects[@]}"

passed=0 failed=0
for harness in "$repo"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$harness" .c)
	[[ -n ${FUZZ_ONLY:-} && $name != "$FUZZ_ONLY" ]] && continue
	# shellcheck disable=SC2086
	if ! $cc $cflags $sanitize -fsanitize=fuzzer "$harness" "$build/libfuzz.a" $libs -o "$build/$name"; then
		echo "fuzz: $name did not build: counted as a failure" >&2
		failed=$((failed + 1))
		continue
	fi
	corpus=$build/corpus/$name
	rm -rf "$corpus"
	mkdir -p "$corpus"
	[[ -d $repo/tests/fuzz/corpus/$name ]] && cp "$repo/tests/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null
	log=$build/$name.log
	# Logs of the code under test go to stderr too; keep them out of the way.
	if "$build/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$build/artifacts/$name-" "$corpus" >"$log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
		echo "ok   $name: ${runs:-?} inputs in ${seconds}s"
		passed=$((passed + 1))
	else
		echo "FAIL $name: libFuzzer found a problem:"
		grep -E 'ERROR|runtime error|Assertion|SUMMARY|Test unit written' "$log" | head -n 20 | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done
if ((passed + failed == 0)); then
	echo "fuzz: no harness ran" >&2
	failed=1
fi
echo "$passed passed, $failed failed"
((failed == 0))
