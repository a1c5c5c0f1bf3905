#!/usr/bin/env bash
# The whole test suite from a clean clone: installs what is missing, builds a
# normal and an ASan+UBSan configuration, runs every meson test in both (and
# the threaded paths under ThreadSanitizer), and
# ends with "N passed, N failed" counted from meson's test logs.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/deps.sh real || { echo "0 passed, 1 failed"; exit 1; }

# One real Go mirror (tests/real) for both configurations: it takes minutes
# to build cold and is deterministic.
export GONATIVE_REAL_CACHE="${GONATIVE_REAL_CACHE:-$root/build-real-mirror}"
# The trust suite's Go helper (tests/trust/sumdbhelper.go), built once.
export GONATIVE_TRUST_CACHE="${GONATIVE_TRUST_CACHE:-$root/build-trust-helper}"

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1

passed=0
failed=0
status=0

# count BUILD_DIR [LOG]: add meson's Ok/Fail totals from its test log.
count() {
	local log="$1/meson-logs/${2:-testlog.txt}" ok fail
	if [ ! -f "$log" ]; then
		failed=$((failed + 1))
		return
	fi
	ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	fail=0
	for key in 'Fail' 'Unexpected Pass' 'Timeout'; do
		n=$(sed -n "s/^$key: *\\([0-9]*\\).*/\\1/p" "$log" | tail -n 1)
		fail=$((fail + ${n:-0}))
	done
	passed=$((passed + ${ok:-0}))
	failed=$((failed + fail))
}

# run_config DIR "MESON TEST ARGS" [MESON SETUP ARGS...]
run_config() {
	local dir="$1" test_args="$2"
	shift 2
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$root/$dir.setup.log" 2>&1 || {
			cat "$root/$dir.setup.log"
			failed=$((failed + 1))
			status=1
			return
		}
	fi
	# shellcheck disable=SC2086
	if ! meson compile -C "$dir" ${COMPILE_TARGETS:-}; then
		failed=$((failed + 1))
		status=1
		return
	fi
	# shellcheck disable=SC2086
	meson test -C "$dir" --num-processes "${GONATIVE_TEST_JOBS:-2}" --print-errorlogs \
		$test_args || status=1
	count "$dir"
}

run_config build ""
# make.bash under the sanitizer build would only test Go, and cgo builds
# through Zig only Zig and Go: the source and cc suites run once, above.
run_config build-asan "--no-suite source --no-suite cc" -Db_sanitize=address,undefined -Db_lundef=false

# The threads (downloads beside the merge, read-ahead inflate, signals)
# under ThreadSanitizer, on the tests that run them.
TSAN_OPTIONS=halt_on_error=1 COMPILE_TARGETS=cmd/gonative run_config build-tsan \
	"e2e_overlap e2e_happy_http e2e_signatures hardening_h05_http_status hardening_h21_signals" \
	-Db_sanitize=thread -Db_lundef=false -Dlazy_libs=false

# The C unit tests under valgrind (in the normal build: valgrind and ASan
# don't mix); the 'valgrind' setup writes its own test log.
if tests/hardening/valgrind.sh build; then :; else status=1; fi
count build testlog-valgrind.txt

# Short libFuzzer runs on every parser (clang, ASan+UBSan); each target is
# one result.  README: `fuzz/run.sh 600` for a longer run.
for target in manifest lock index zigindex minisig entry unpack note; do
	if FUZZ_OUT="$root/build-fuzz" fuzz/run.sh "${GONATIVE_FUZZ_SECONDS:-20}" "$target"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		status=1
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
