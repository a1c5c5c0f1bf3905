#!/usr/bin/env bash
# The gonative benchmark (issue 4): bench/README.md says what each figure is.
#
#   bench/run.sh [--runs N] [--quick] [--disk [DIR]] [--only host,all,lock] [--worktree]
#
#   --worktree  build the working tree as it is (default: a snapshot of HEAD,
#               taken with `git archive`, so half-edited files do not count)
#   --runs N    median of N runs per figure (default 5)
#   --quick     3 runs
#   --disk      also measure P1-P4 with the cache and GOROOT on the real disk,
#               in DIR (default /var/tmp/gonative-bench-disk)
#   --only      a subset: host (P1, P1b, P3b, floors, P8 mise, P9 start-up),
#               all (P2, P3a, P3b', P4), lock (P6), link (P7, throttled),
#               modern (Go >= 1.21 shape, 5 platforms), big (200k entries);
#               the other figures are kept from the last bench/results.json
#   --rate R    P7's link speed in bytes/s (default 50000000)
#
# Environment: GONATIVE_BENCH_CACHE (default /dev/shm/gonative-bench) holds the
# real mirror (built once, ~0.5 GB) and the tmpfs work folder;
# GONATIVE_BENCH_BUILD the release build folder for --worktree (default
# build-bench; a HEAD snapshot builds in $GONATIVE_BENCH_CACHE/build-<commit>).
# Writes bench/results.md (the table) and bench/results.json (raw numbers).
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${GONATIVE_BENCH_CACHE:-/dev/shm/gonative-bench}
BUILD=${GONATIVE_BENCH_BUILD:-$SRC/build-bench}
TARGETS=linux/arm64,linux/386,darwin/amd64,darwin/arm64,windows/amd64
runs=5
disk=""
only=""
rate=50000000
worktree=0

usage() {
	sed -n '2,/^[^#]/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit "${1:-0}"
}

while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift 2 ;;
	--runs=*) runs=${1#--runs=}; shift ;;
	--quick) runs=3; shift ;;
	--disk)
		if [ $# -gt 1 ] && [ "${2#-}" = "$2" ]; then
			disk=$2; shift 2
		else
			disk=/var/tmp/gonative-bench-disk; shift
		fi ;;
	--disk=*) disk=${1#--disk=}; shift ;;
	--only) only=$2; shift 2 ;;
	--rate) rate=$2; shift 2 ;;
	--worktree) worktree=1; shift ;;
	-h|--help) usage 0 ;;
	*) echo "bench/run.sh: unknown option $1" >&2; usage 2 >&2 ;;
	esac
done

# Build and benchmark tools (Debian packages, and the mise peer from npm;
# nothing else is fetched).
"$SRC/scripts/deps.sh" bench
need=()
for tool in curl openssl gzip igzip unzip tar sha256sum git npm; do
	command -v "$tool" >/dev/null || need+=("$tool")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "bench/run.sh: missing ${need[*]}" >&2
	exit 1
fi

# A release build.  Warnings stay warnings here: -O3 brings maybe-uninitialized
# false positives that -Werror would turn into a failed benchmark.
mkdir -p "$CACHE"
if [ "$worktree" = 1 ]; then
	tree=$SRC
	commit="$(git -C "$SRC" rev-parse --short HEAD)+worktree"
else
	commit=$(git -C "$SRC" rev-parse --short HEAD)
	tree=$CACHE/src-$commit
	BUILD=$CACHE/build-$commit
	if [ ! -f "$tree/meson.build" ]; then
		rm -rf "$tree.tmp"
		mkdir -p "$tree.tmp"
		git -C "$SRC" archive HEAD | tar -x -C "$tree.tmp"
		mv "$tree.tmp" "$tree"
	fi
fi
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$tree" --buildtype=release -Dwerror=false >/dev/null
else
	meson configure "$BUILD" --buildtype=release -Dwerror=false >/dev/null
fi
ninja -C "$BUILD" cmd/gonative >/dev/null
GONATIVE=$BUILD/cmd/gonative
echo "bench/run.sh: gonative $commit, built in $BUILD" >&2

# The peer users pick instead: mise's real binary, from its npm package
# (`npm pack` into the cache; no install scripts run, nothing else fetched).
case "$(uname -m)" in
aarch64) mise_pkg=@jdxcode/mise-linux-arm64 ;;
*) mise_pkg=@jdxcode/mise-linux-x64 ;;
esac
MISE_DIR=$CACHE/mise
if [ ! -x "$MISE_DIR/package/bin/mise" ]; then
	rm -rf "$MISE_DIR.tmp"
	mkdir -p "$MISE_DIR.tmp"
	(cd "$MISE_DIR.tmp" && npm pack --silent "$mise_pkg" >/dev/null &&
		tar -xzf ./*.tgz && rm -f ./*.tgz)
	rm -rf "$MISE_DIR"
	mv "$MISE_DIR.tmp" "$MISE_DIR"
fi
MISE=$MISE_DIR/package/bin/mise
echo "bench/run.sh: $("$MISE" --version)" >&2

# The real mirror: Debian's golang-1.19-go, cross-built targets, cached.
MIRROR=$CACHE/mirror
python3 "$SRC/tests/real/mkrealmirror.py" "$MIRROR" --targets "$TARGETS" >&2

args=(--gonative "$GONATIVE" --commit "$commit" --mirror "$MIRROR" --work "$CACHE/work" --runs "$runs"
	--targets "$TARGETS" --md "$SRC/bench/results.md" --json "$SRC/bench/results.json"
	--mise "$MISE" --rate "$rate")
[ -n "$disk" ] && args+=(--disk "$disk")
# A subset keeps the other figures of the last results.json, marked as such.
[ -n "$only" ] && args+=(--only "$only" --keep "$SRC/bench/results.json")
exec python3 "$SRC/bench/bench.py" "${args[@]}"
