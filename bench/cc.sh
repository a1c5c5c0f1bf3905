#!/usr/bin/env bash
# Cold and warm cgo cross-build times through the locked Zig (issue 11):
# runs the real 'cc' proof (tests/real/test_cc.py: real Go 1.19.8 mirror,
# real Zig 0.11.0 from npm) and prints its figures.  The first linux/arm64
# build of the probe is cold (empty GOCACHE and Zig caches: Zig builds its
# glibc 2.17 stubs and compiler_rt); the second is warm.
#
#   bench/cc.sh [BUILD_DIR]        (default: build; needs scripts/deps.sh real)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
export GONATIVE="$build/cmd/gonative" GONATIVE_BUILD_DIR="$build"
python3 "$root/tests/real/test_cc.py" | grep -E '^(not ok|# )' || true
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); [print("%-24s %s" % (k, v)) for k, v in sorted(d.items())]' \
	"$build/cc-figures.json"
