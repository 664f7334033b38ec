#!/bin/sh
# Makes the start-up archives for an installed `contain`, from one real run of a container (as root, with
# busybox.tar; else from a dry run), so the classes of the whole run path are in them:
#   CONTAIN.jsa  AppCDS for the default java;  CONTAIN.aot (+ .aot.java)  an AOT cache, if JDK25 names a JDK 25+.
set -eu
contain=${1:?usage: train-cds.sh CONTAIN BUSYBOX.tar [JDK25_JAVA]}
# The archives record the class path as the JVM saw it; JDK 17 drops the application classes (silently) when
# the launcher is later run by another path, so train with the absolute one, as PATH lookups give it.
contain="$(cd "$(dirname "$contain")" && pwd)/$(basename "$contain")"
busybox=${2:?usage: train-cds.sh CONTAIN BUSYBOX.tar [JDK25_JAVA]}
jdk25=${3:-}
work=$(mktemp -d)
chmod 711 "$work" # a container's root is a host uid of its own range: it must get through to its folder
trap 'rm -rf "$work"' EXIT
rm -f "$contain.jsa" "$contain.aot" "$contain.aot.java"
mkdir -p "$work/data/images/busybox/rootfs"
tar -xf "$busybox" -C "$work/data/images/busybox/rootfs"
if [ "$(id -u)" = 0 ]; then
  set -- run -q --name cds-training --memory 64Mi --cpu 50% --image busybox -- true
else
  set -- run --dry-run --name cds-training --image busybox -- true
fi
quiet="-Xlog:cds=off -Xlog:cds+dynamic=off"
JAVA= CONTAIN_JAVA_OPTS="-XX:ArchiveClassesAtExit=$contain.jsa $quiet" "$contain" --root "$work/data" --run-root "$work/run" "$@" >/dev/null
echo "made $contain.jsa ($(du -h "$contain.jsa" | cut -f1))"
if [ -n "$jdk25" ] && [ -x "$jdk25" ]; then
  # No training data (profiles) in the cache: replaying them makes C1 compile eagerly at start-up, which
  # competes with the run for this machine's two cores (measured: 148 -> 136 ms without them).
  "$jdk25" -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=30 -XX:+UseSerialGC -XX:-UsePerfData --enable-native-access=ALL-UNNAMED \
    -XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining \
    -XX:AOTCacheOutput="$contain.aot" -Xlog:aot=off -Xlog:cds=off \
    -cp "$contain" dev.contain.runtime.cli.Main --root "$work/data" --run-root "$work/run" "$@" >/dev/null
  echo "$jdk25" > "$contain.aot.java"
  echo "made $contain.aot ($(du -h "$contain.aot" | cut -f1)) for $jdk25"
fi

# Check, through the launcher, that each archive is really used: the JVM drops a mismatched one silently.
if [ -f "$contain.aot" ] && ! CONTAIN_JAVA_OPTS="-XX:AOTMode=on" "$contain" --version >/dev/null 2>&1; then
  echo "warning: the JVM refuses $contain.aot with the launcher's flags; removed (start-up falls back to AppCDS)" >&2
  rm -f "$contain.aot" "$contain.aot.java"
fi
if ! JAVA=java CONTAIN_JAVA_OPTS="-Xshare:on" "$contain" --version >/dev/null 2>&1; then
  echo "warning: the JVM refuses $contain.jsa with the launcher's flags; removed" >&2
  rm -f "$contain.jsa"
fi
