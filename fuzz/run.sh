#!/usr/bin/env bash
# Build the libFuzzer targets with meson (-Dfuzz=true, clang, ASan + UBSan;
# fuzz/meson.build) and run each for SECONDS (default 60).
#
#   fuzz/run.sh [SECONDS] [TARGET...]      e.g. fuzz/run.sh 30 lock index
#
# Targets: manifest lock index zigindex minisig entry unpack note.  Seeds are the
# committed fuzz/corpus/<target>/; what the fuzzer finds goes to a working
# corpus under $FUZZ_OUT (default build-fuzz/), never into the repository.
# A crash leaves its input in $FUZZ_OUT/crashes/ and makes the script exit 1.
set -euo pipefail

secs=${1:-60}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
out=${FUZZ_OUT:-$root/build-fuzz}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	targets=(manifest lock index zigindex minisig entry unpack note)
fi

command -v "${CC_FUZZ:-clang}" >/dev/null ||
	{ echo "fuzz/run.sh: ${CC_FUZZ:-clang} not found (apt-get install clang)" >&2; exit 2; }

if [ ! -f "$out/build.ninja" ]; then
	CC=${CC_FUZZ:-clang} meson setup "$out" "$root" -Dfuzz=true \
		-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized \
		>"$out.setup.log" 2>&1 || { cat "$out.setup.log"; exit 2; }
fi
meson compile -C "$out" $(printf 'fuzz/fuzz_%s ' "${targets[@]}") >"$out/compile.log" 2>&1 ||
	{ tail -40 "$out/compile.log"; exit 2; }

mkdir -p "$out/crashes"
status=0
for t in "${targets[@]}"; do
	bin="$out/fuzz/fuzz_$t"
	[ -x "$bin" ] || { echo "fuzz/run.sh: no target '$t'" >&2; exit 2; }
	work="$out/corpus/$t"
	mkdir -p "$work"
	echo "== fuzz_$t: ${secs}s"
	if ! UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
		"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$out/crashes/$t-" \
		"$work" "$root/fuzz/corpus/$t" >"$out/fuzz_$t.log" 2>&1; then
		echo "fuzz_$t: FAILED (log: $out/fuzz_$t.log)"
		grep -E "ERROR|runtime error|SUMMARY|Test unit written" "$out/fuzz_$t.log" | head -20 || true
		status=1
	else
		grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$out/fuzz_$t.log" |
			tr '\n' ' '
		echo
	fi
done
exit $status
