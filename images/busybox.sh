#!/bin/sh
# Builds a minimal busybox rootfs archive from Debian's busybox-static: OUT is the .tar to write.
set -eu
out=${1:?usage: busybox.sh OUT.tar}
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "busybox-static is not installed (make setup installs it)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/bin" "$dir/sbin" "$dir/usr/bin" "$dir/usr/sbin" "$dir/etc" "$dir/root" "$dir/tmp" "$dir/proc" \
         "$dir/sys" "$dir/dev" "$dir/var/www" "$dir/home"
chmod 1777 "$dir/tmp"
cp "$busybox" "$dir/bin/busybox"
for applet in $("$busybox" --list-full); do
  [ -e "$dir/$applet" ] || ln -s /bin/busybox "$dir/$applet"
done
cat > "$dir/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
P
cat > "$dir/etc/group" <<'G'
root:x:0:
daemon:x:1:
tty:x:5:
www-data:x:33:
nogroup:x:65534:
G
echo '<h1>hello from contain</h1>' > "$dir/var/www/index.html"
tar --create --file "$out" --numeric-owner --owner=0 --group=0 -C "$dir" .
