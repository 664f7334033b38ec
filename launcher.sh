#!/bin/sh
# contain: a launcher joined to the engine's jar (the jar starts after this script; zip readers allow a prefix).
# Start-up is the product's main cost. `make build` / `make install` leave beside this file:
#   CONTAIN.aot + CONTAIN.aot.java  an AOT cache for a JDK 25+ (the fastest start), and that JDK's java;
#   CONTAIN.jsa                     an AppCDS archive for the default JDK.
# Each is used only when newer than this file; a JDK that cannot use an archive runs without it.
# The JDK 25 flags below must match those of the training run in images/train-cds.sh, or the JVM drops the cache.
# C1 only, SerialGC, no perf-data file: a short-lived CLI, where start-up beats peak throughput. Compile
# thresholds x30: on two cores the compiler thread competes with the run itself (x1 -> x4: JDK 17 125 -> 110
# ms; x4 -> x30: -2 ms on both JDKs). Not -Xint, which is 4 ms faster still: hashing an archive image
# (SHA-256, 224 MB) then takes 80 s instead of 1.7.
# The archives recorded the launcher's absolute path as the class path; the JVM uses them only for the same path.
# -cp with the main class (the jar manifest's Main-Class), not -jar: -jar opens the jar for its manifest on
# the main thread before main (~2 ms).
case $0 in /*) self=$0 ;; *) self=$PWD/${0#./} ;; esac
CONTAIN_LAUNCHER=$self; export CONTAIN_LAUNCHER # a detached container's monitor runs this again for its teardown
flags="-XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=30 -XX:+UseSerialGC -XX:-UsePerfData -Xlog:cds=off -Xlog:cds+dynamic=off"
if [ -z "${JAVA:-}" ] && [ -f "$self.aot" ] && [ "$self.aot" -nt "$self" ] && [ -f "$self.aot.java" ] && read -r aot_java < "$self.aot.java" && [ -x "$aot_java" ]; then
  exec "$aot_java" $flags -XX:AOTCache="$self.aot" -Xlog:aot=off --enable-native-access=ALL-UNNAMED $CONTAIN_JAVA_OPTS -cp "$self" dev.contain.runtime.cli.Main "$@"
fi
[ -f "$self.jsa" ] && [ "$self.jsa" -nt "$self" ] && flags="$flags -XX:SharedArchiveFile=$self.jsa"
exec "${JAVA:-java}" $flags $CONTAIN_JAVA_OPTS -cp "$self" dev.contain.runtime.cli.Main "$@"
