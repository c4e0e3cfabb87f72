#!/bin/bash
# cpack builds a .deb holding the binary, the unit, the example config and
# the man page; unpacked into a scratch root, the binary runs.
set -eu
build="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$build" && cpack -G DEB -B "$tmp/pkg" >/dev/null)
deb=$(ls "$tmp"/pkg/lambdaward_*.deb)
dpkg-deb -c "$deb" > "$tmp/list"
for f in ./usr/bin/lambdaward ./usr/lib/systemd/system/lambdaward.service ./etc/lambdaward/lambdaward.conf \
         ./usr/share/man/man1/lambdaward.1; do
  grep -q " $f\$" "$tmp/list" || { echo "missing from the package: $f"; exit 1; }
done
dpkg-deb -I "$deb" | grep -q "Depends:.*libuv1" || { echo "no shared-library dependencies recorded"; exit 1; }
dpkg-deb -x "$deb" "$tmp/root"
"$tmp/root/usr/bin/lambdaward" --version | grep -q "^lambdaward 0\." || exit 1
echo "1 passed, 0 failed"
