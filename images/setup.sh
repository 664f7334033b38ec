#!/bin/sh
# Installs the Debian packages whose tools are missing. NEEDS lists TOOL=PACKAGE pairs: TOOL is a command
# on the PATH, an absolute path, or a shared library's soname (looked up in the linker's cache). The tools
# are checked on every call, never a stamp: a fresh machine, or a package removed since, is seen as it is.
set -eu
missing=""
for need in ${NEEDS:?NEEDS is unset}; do
  tool=${need%%=*} package=${need#*=}
  case $tool in
    /*)     [ -e "$tool" ] ;;
    *.so.*) /sbin/ldconfig -p | grep -q "[[:space:]]$tool " ;;
    *)      command -v "$tool" >/dev/null 2>&1 ;;
  esac || missing="$missing $package"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
