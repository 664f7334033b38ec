#!/bin/sh
# Makes the one-file contain: the launcher (launcher.sh), with this build's id (the jar's SHA-256), its init's and the
# JDK 25 to prefer (if any) filled in, joined to the jar. The launcher keys its start-up archives by that id.
set -eu
jar=${1:?usage: assemble.sh JAR OUT [JDK25_JAVA]}
out=${2:?usage: assemble.sh JAR OUT [JDK25_JAVA]}
jdk25=${3:-}
here=$(dirname "$0")
build=$(sha256sum "$jar" | cut -c1-16)
# the init's digest: the launcher runs contain exec's fast path with the copy the engine extracts (EmbeddedBinary)
init=$(unzip -p "$jar" dev/contain/runtime/init/contain-init | sha256sum | cut -c1-16)
[ "$init" != e3b0c44298fc1c14 ] || { echo "assemble.sh: no contain-init in $jar" >&2; exit 1; }
case $jdk25 in *'|'* | *'"'* | *'\'*) echo "assemble.sh: unusable JDK path: $jdk25" >&2; exit 1 ;; esac
mkdir -p "$(dirname "$out")"
sed -e "s|@BUILD@|$build|" -e "s|@INIT@|$init|" -e "s|@JDK25@|$jdk25|g" "$here/../launcher.sh" >"$out.tmp"
cat "$jar" >>"$out.tmp"
chmod 755 "$out.tmp"
mv "$out.tmp" "$out"
