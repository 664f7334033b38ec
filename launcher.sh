#!/bin/sh
# contain: a launcher joined to the engine's jar (the jar starts after this script; zip readers allow a prefix).
# C1 only and SerialGC: the engine is a short-lived CLI, where start-up beats peak throughput.
exec "${JAVA:-java}" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto $CONTAIN_JAVA_OPTS -jar "$0" "$@"
