#!/bin/sh
# Makes the AppCDS archive for an installed `contain` (CONTAIN.jsa beside it) from one real run of a container,
# so the classes of the whole run path are archived. As root, with busybox.tar; else from a dry run.
set -eu
contain=${1:?usage: train-cds.sh CONTAIN BUSYBOX.tar}
busybox=${2:?usage: train-cds.sh CONTAIN BUSYBOX.tar}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -f "$contain.jsa"
mkdir -p "$work/data/images/busybox/rootfs"
tar -xf "$busybox" -C "$work/data/images/busybox/rootfs"
if [ "$(id -u)" = 0 ]; then
  set -- run -q --name cds-training --memory 64Mi --cpu 50% --image busybox -- true
else
  set -- run --dry-run --name cds-training --image busybox -- true
fi
CONTAIN_JAVA_OPTS="-XX:ArchiveClassesAtExit=$contain.jsa -Xlog:cds=off -Xlog:cds+dynamic=off" \
  "$contain" --root "$work/data" --run-root "$work/run" "$@" >/dev/null
echo "made $contain.jsa ($(du -h "$contain.jsa" | cut -f1))"
