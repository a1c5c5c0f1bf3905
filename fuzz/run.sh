#!/usr/bin/env bash
# Build the libFuzzer targets with clang (ASan + UBSan) straight from the
# core sources, then run each for SECONDS (default 60).
#
#   fuzz/run.sh [SECONDS] [TARGET...]      e.g. fuzz/run.sh 30 lock index
#
# Targets: manifest lock index minisig entry unpack note.  Seeds are the
# committed fuzz/corpus/<target>/; what the fuzzer finds goes to a working
# corpus under $FUZZ_OUT (default build-fuzz/), never into the repository.
# A crash leaves its input in $FUZZ_OUT/crashes/ and makes the script exit 1.
# Needs clang and the libraries' -dev packages (the same as the meson build).
set -euo pipefail

secs=${1:-60}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
out=${FUZZ_OUT:-$root/build-fuzz}
cc=${CC_FUZZ:-clang}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	targets=(manifest lock index minisig entry unpack note)
fi

command -v "$cc" >/dev/null || { echo "fuzz/run.sh: $cc not found (apt-get install clang)" >&2; exit 2; }

pkgs="yaml-0.1 libcurl libarchive libsodium libcrypto"
defs=(-D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 '-DGONATIVE_VERSION="fuzz"')
if pkg-config --exists libisal 2>/dev/null; then
	pkgs="$pkgs libisal"
	defs+=(-DINFLATE_HAVE_ISAL)
fi
# shellcheck disable=SC2086
cflags=(-g -O1 -std=gnu11 -I"$root" "${defs[@]}" $(pkg-config --cflags $pkgs))
# shellcheck disable=SC2086
libs=($(pkg-config --libs $pkgs) -lpthread)
san=(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)

mkdir -p "$out/obj" "$out/crashes"
# The core, once: every .c of gn/ manifest/ lockfiles/ builder/.
objs=()
for src in "$root"/gn/*.c "$root"/manifest/*.c "$root"/lockfiles/*.c "$root"/builder/*.c; do
	obj="$out/obj/$(basename "$(dirname "$src")")_$(basename "$src" .c).o"
	if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ]; then
		"$cc" "${cflags[@]}" "${san[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
	fi
	objs+=("$obj")
done

source_of() {
	case "$1" in
	minisig) echo "$root/tests/minisign/fuzz_sig.c" ;;
	*) echo "$root/fuzz/fuzz_$1.c" ;;
	esac
}

status=0
for t in "${targets[@]}"; do
	src=$(source_of "$t")
	[ -f "$src" ] || { echo "fuzz/run.sh: no target '$t'" >&2; exit 2; }
	bin="$out/fuzz_$t"
	"$cc" "${cflags[@]}" "${san[@]}" -fsanitize=fuzzer "$src" "${objs[@]}" "${libs[@]}" -o "$bin"
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
