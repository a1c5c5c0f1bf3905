#!/usr/bin/env bash
# Quick start, part 1: build gonative, generate a small local mirror of fake
# Go distributions, then lock, sync, hash and print the environment.
# Works offline on a fresh Debian machine; installs what is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

"$root/scripts/deps.sh"
[ -f "$root/build/build.ninja" ] || meson setup "$root/build" >/dev/null
meson compile -C "$root/build" >/dev/null
gonative="$root/build/cmd/gonative"

work="$here/work"
rm -rf "$work"
mkdir -p "$work"
python3 "$root/tests/fixtures/mkmirror.py" "$work/mirror" >/dev/null
sed "s|@MIRROR@|$work/mirror|g" "$here/gonative.yaml.in" >"$work/gonative.yaml"

run() {
	echo "\$ gonative $*" >&2
	"$gonative" -C "$work" --cache-dir "$work/cache" "$@"
}
run lock
run sync --frozen
run check
echo "--- gonative.lock ---" >&2
cat "$work/gonative.lock"
echo "--- GOROOT hash ---" >&2
run hash "$work/.gonative/go"
run env
