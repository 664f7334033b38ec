#!/bin/sh
# contain: a launcher joined to the engine's jar (the jar starts after this script; zip readers allow a prefix).
# Start-up is the product's main cost. `make build` / `make install` leave beside this file:
#   CONTAIN.aot + CONTAIN.aot.java  an AOT cache for a JDK 25+ (the fastest start), and that JDK's java;
#   CONTAIN.jsa                     an AppCDS archive for the default JDK.
# Each is used only when newer than this file; a JDK that cannot use an archive runs without it.
# The JDK 25 flags below must match those of the training run in images/train-cds.sh, or the JVM drops the cache.
# C1 only, SerialGC, no perf-data file: a short-lived CLI, where start-up beats peak throughput.
flags="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xlog:cds=off -Xlog:cds+dynamic=off"
if [ -z "${JAVA:-}" ] && [ -f "$0.aot" ] && [ "$0.aot" -nt "$0" ] && [ -f "$0.aot.java" ] && read -r aot_java < "$0.aot.java" && [ -x "$aot_java" ]; then
  exec "$aot_java" $flags -XX:AOTCache="$0.aot" -Xlog:aot=off --enable-native-access=ALL-UNNAMED $CONTAIN_JAVA_OPTS -jar "$0" "$@"
fi
[ -f "$0.jsa" ] && [ "$0.jsa" -nt "$0" ] && flags="$flags -XX:SharedArchiveFile=$0.jsa"
exec "${JAVA:-java}" $flags $CONTAIN_JAVA_OPTS -jar "$0" "$@"
