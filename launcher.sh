#!/bin/sh
# contain: a launcher joined to the engine's jar (the jar starts after this script; zip readers allow a prefix).
# C1 only and SerialGC: the engine is a short-lived CLI, where start-up beats peak throughput. An AppCDS
# archive made by `make build` / `make install` (CONTAIN.jsa beside this file) is used when it is newer than
# this file; a JDK that cannot use it (another version) runs without it.
jsa="$0.jsa"
cds=""
[ -f "$jsa" ] && [ "$jsa" -nt "$0" ] && cds="-XX:SharedArchiveFile=$jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
exec "${JAVA:-java}" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto $cds $CONTAIN_JAVA_OPTS -jar "$0" "$@"
