#!/bin/sh
# make bench: contain beside runc, crun, bubblewrap, unshare and podman on this machine. Root required.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench needs root" >&2; exit 1; }
exec python3 bench/bench.py "$@"
