#!/bin/sh
# The OCI runtime-tools validation suite against one or more runtimes: how many of its test files pass.
#   conformance/run.sh RUNTIME_TOOLS_DIR RUNTIME...      e.g. conformance/run.sh /tmp/rtt runc crun build/contain-oci
# RUNTIME_TOOLS_DIR is a checkout of github.com/opencontainers/runtime-tools (vendored: no module downloads) with
# Go >= 1.21 on the PATH or in /usr/lib/go-1.2*/bin (Debian bookworm-backports: golang-1.22-go). Its test files
# are built once. Root required; each file runs under a timeout, one at a time. A file passes when it exits 0
# and its TAP output has no "not ok". Prints one line per file and a summary per runtime.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 RUNTIME_TOOLS_DIR RUNTIME..." >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "$0: needs root" >&2; exit 1; }
tools=$(cd "$1" && pwd); shift
for go in $(command -v go 2>/dev/null) /usr/lib/go-1.2*/bin/go; do
  [ -x "$go" ] || continue
  minor=$("$go" env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
  [ "${minor:-0}" -ge 21 ] && { PATH=$(dirname "$go"):$PATH; break; }
done
go version >/dev/null 2>&1 || { echo "$0: needs Go >= 1.21 (apt-get install -t bookworm-backports golang-1.22-go)" >&2; exit 1; }
export GOFLAGS=-mod=vendor GOTOOLCHAIN=local
(cd "$tools" && make -s runtimetest validation-executables >/dev/null)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for runtime in "$@"; do
  case $runtime in /*) ;; */*) runtime=$(pwd)/$runtime ;; esac
  pass=0 total=0 failed=""
  for t in "$tools"/validation/*/*.t; do
    name=$(basename "$t" .t)
    total=$((total + 1))
    if (cd "$tools" && RUNTIME=$runtime timeout 120 "$t" >"$out/$name" 2>&1) && ! grep -q '^not ok' "$out/$name"; then
      pass=$((pass + 1))
    else
      failed="$failed $name"
    fi
  done
  echo "$runtime: $pass of $total files pass"
  echo "  failing:$failed"
done
