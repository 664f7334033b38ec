#!/bin/sh
# Builds the lab's image, Debian stable with python3 and iproute2, with mmdebstrap from this machine's
# own apt sources. OUT is the .tar to write.
set -eu
out=${1:?usage: debian.sh OUT.tar}
command -v mmdebstrap >/dev/null || { echo "mmdebstrap is not installed (make setup installs it)" >&2; exit 1; }
suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
mmdebstrap --variant=minbase --include=python3,iproute2,procps,iputils-ping --format=tar "$suite" "$out"
