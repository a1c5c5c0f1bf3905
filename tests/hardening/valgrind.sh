#!/usr/bin/env bash
# The C unit tests under valgrind memcheck (leaks and memory errors), with
# the 'valgrind' test setup from tests/hardening/meson.build:
#
#   tests/hardening/valgrind.sh [BUILD_DIR]     (default build-valgrind)
#
# BUILD_DIR must be a build without sanitizers (valgrind and ASan do not
# mix); it is set up when missing.  Same as:
#   meson test -C BUILD_DIR --setup valgrind \
#       --suite manifest --suite lockfiles --suite builder --suite minisign
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-build-valgrind}
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind not found (apt-get install valgrind)" >&2; exit 2; }
if [ ! -f "$dir/build.ninja" ]; then
	meson setup "$dir" >/dev/null
fi
meson compile -C "$dir" >/dev/null
exec meson test -C "$dir" --setup valgrind --print-errorlogs \
	--num-processes "${GONATIVE_TEST_JOBS:-2}" \
	--suite manifest --suite lockfiles --suite builder --suite minisign
