#!/bin/sh
# Plain shell for any CI: sync exactly the locked GOROOT, fail on drift,
# then run the build command given as arguments with that toolchain.
#   GONATIVE_CACHE=/persistent/cache sh docs/ci/ci.sh go build ./...
set -eu
gonative sync --frozen      # exit 1: the lock is stale; 3: download; 4: integrity
gonative check              # exit 1: manifest, lock or install drifted
gonative verify -q          # re-hash every byte of the installed GOROOT
exec gonative exec --no-sync -- "$@"
