#!/bin/bash
# The .deb as a maintainer and a first-time user meet it: lintian finds
# nothing (0 errors, 0 warnings); dpkg installs it into a scratch root, its
# postinst making the root-only credentials directory; there an
# unprivileged uid, as the unit's DynamicUser is, runs check-config on the
# installed config and reads a secret the way LoadCredential= passes it;
# the packaged unit verifies and keeps its hardening; purge cleans up.
# `cmake --install` agrees with the package and keeps an edited config.
set -u
build="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"              # the unprivileged uid walks into the scratch root
pass=0 fail=0
check() {
    local what="$1"; shift
    if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $what"; fi
}
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

(cd "$build" && cpack -G DEB -B "$tmp/pkg" >/dev/null) || { echo "cpack failed"; exit 1; }
deb=$(ls "$tmp"/pkg/lambdaward_*.deb)

# --- lintian: every error and warning fails ------------------------------------
lintian --fail-on error,warning "$deb" > "$tmp/lintian" 2>/dev/null; rc=$?
cat "$tmp/lintian"
check "lintian exits 0" test $rc -eq 0
check "lintian: no E: or W:" test "$(grep -c '^[EW]: ' "$tmp/lintian")" -eq 0

# Hardening (top CMakeLists.txt) as lintian's informational tags judge it:
# PIE, RELRO, BIND_NOW, fortified libc calls, stack protector.
# _FORTIFY_SOURCE needs optimisation and is off under ASan (CMakeLists.txt):
# a package built from the sanitizer build is not judged on it.
fortify_off='^$'
grep -q __asan_init "$build/lambdaward" && fortify_off='hardening-no-fortify-functions'
lintian -I "$deb" 2>/dev/null | grep 'hardening-' | grep -v "$fortify_off" > "$tmp/hardening"
check "lintian: no hardening tag ($(tr '\n' ' ' < "$tmp/hardening"))" test ! -s "$tmp/hardening"
# What an operator looks for: both man pages, bash completion, monitoring.
dpkg-deb -c "$deb" | awk '{print $6}' > "$tmp/contents"
for f in ./usr/share/man/man1/lambdaward.1.gz ./usr/share/man/man5/lambdaward.conf.5.gz \
         ./usr/share/bash-completion/completions/lambdaward \
         ./usr/share/doc/lambdaward/examples/grafana/lambdaward.json \
         ./usr/share/doc/lambdaward/examples/prometheus/lambdaward.rules.yml; do
    check "the package ships $f" grep -qxF "$f" "$tmp/contents"
done

# --- what lintian cannot judge --------------------------------------------------
dpkg-deb -e "$deb" "$tmp/control"
check "the config is a conffile" grep -qx /etc/lambdaward/lambdaward.conf "$tmp/control/conffiles"
for s in postinst postrm; do
    check "$s reloads systemd" grep -q "systemctl --system daemon-reload" "$tmp/control/$s"
    check "$s leaves enabling to the admin" sh -c "! grep -Eq 'systemctl.* (enable|start|restart)|deb-systemd-(helper|invoke)' '$tmp/control/$s'"
done
dpkg-deb -I "$deb" | grep -q "Depends:.*libuv1"; check "shared-library dependencies recorded" test $? -eq 0
ddeb=$(ls "$tmp"/pkg/lambdaward-dbgsym_*.ddeb)
check "a dbgsym package with the split symbols" test -f "$ddeb"
# A build without -g (Release) has only a symbol table to split off, which
# lintian rightly calls no debug symbols; anything else counts.
suppress=""
grep -Eq '^CMAKE_BUILD_TYPE:[A-Z]+=(Release|MinSizeRel)$' "$build/CMakeCache.txt" && \
    suppress="--suppress-tags debug-file-with-no-debug-symbols"
# shellcheck disable=SC2086
lintian --fail-on error,warning $suppress "$ddeb" > "$tmp/lintian" 2>/dev/null; rc=$?
cat "$tmp/lintian"
check "lintian on the dbgsym: exits 0" test $rc -eq 0
check "lintian on the dbgsym: no E: or W:" test "$(grep -c '^[EW]: ' "$tmp/lintian")" -eq 0
check "dbgsym md5sums name package paths" sh -c "dpkg-deb -I '$ddeb' md5sums | grep -Eq '^[0-9a-f]{32}  usr/lib/debug/\.build-id/'"

# --- installed into a scratch root by dpkg, maintainer scripts included ---------
# --force-script-chrootless runs them here with DPKG_ROOT set (no shell in
# the scratch root); the host's own packages stand in for the dependencies.
root="$tmp/root"
mkdir -p "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/info" && touch "$root/var/lib/dpkg/status"
dpkg_root() { dpkg --root="$root" --force-script-chrootless --force-depends --force-not-root "$@"; }
dpkg_root -i "$deb" > "$tmp/dpkg.out" 2>&1; rc=$?
check "dpkg installs it into the scratch root" test $rc -eq 0 || cat "$tmp/dpkg.out"
bin="$root/usr/bin/lambdaward" conf="$root/etc/lambdaward/lambdaward.conf"
check "binary runs" sh -c "'$bin' --version | grep -q '^lambdaward 0\.'"
check "binary stripped" sh -c "file -L '$bin' | grep -q ', stripped'"
check "config 0644 root:root" test "$(stat -c '%a %U:%G' "$conf")" = "644 root:root"
check "postinst made the credentials directory, root-only" \
    test "$(stat -c '%a %U' "$root/etc/lambdaward/credentials")" = "700 root"

# --- the service's view: an unprivileged uid, credentials as systemd passes them
as_nobody "$bin" check-config "$conf" > "$tmp/cc.out" 2>&1; rc=$?
cat "$tmp/cc.out"
check "nobody: the installed config passes check-config" test $rc -eq 0
check "nobody: no warning about the installed config" sh -c "! grep -qi warning '$tmp/cc.out'"

# The example's webhook, uncommented as its comments say, signing with a
# secret the unit's LoadCredential= passes. systemd gives the service a
# directory of its own (0500) with each credential 0400, owned by its uid.
sed -e 's/^;\[webhook security\]/[webhook security]/' -e 's/^;url = /url = /' \
    -e 's/^;secret_file = credential:/secret_file = credential:/' "$conf" > "$tmp/hook.conf"
chmod 0644 "$tmp/hook.conf"
check "the example names its credential" grep -q "^secret_file = credential:webhook-security.secret$" "$tmp/hook.conf"
secret="s3cr3t-$$-never-printed"
mkdir "$tmp/creds" && printf '%s\n' "$secret" > "$tmp/creds/webhook-security.secret"
chown -R nobody:nogroup "$tmp/creds" && chmod 0400 "$tmp/creds/webhook-security.secret" && chmod 0500 "$tmp/creds"
CREDENTIALS_DIRECTORY="$tmp/creds" as_nobody "$bin" check-config "$tmp/hook.conf" > "$tmp/cc.out" 2>&1; rc=$?
cat "$tmp/cc.out"
check "nobody: the credential is read (check-config ok, 1 webhook)" test $rc -eq 0
check "nobody: summary counts the webhook" grep -q "ok (1 watch, 1 webhook" "$tmp/cc.out"
check "the secret is never printed" sh -c "! grep -q '$secret' '$tmp/cc.out'"
# The same secret where the administrator keeps it (root-only), read
# directly: what the unit would face without LoadCredential=.
cp "$tmp/creds/webhook-security.secret" "$root/etc/lambdaward/credentials/" && \
    chown root:root "$root/etc/lambdaward/credentials/webhook-security.secret"
CREDENTIALS_DIRECTORY="$root/etc/lambdaward/credentials" as_nobody "$bin" check-config "$tmp/hook.conf" \
    > "$tmp/cc.out" 2>&1; rc=$?
check "nobody: the root-only source directory is refused" test $rc -ne 0
cat "$tmp/cc.out"; check "nobody: ... as permission denied" grep -q "cannot read secret file .*/credentials/webhook-security.secret: .*denied" "$tmp/cc.out"
env -u CREDENTIALS_DIRECTORY "$bin" check-config "$tmp/hook.conf" > "$tmp/cc.out" 2>&1; rc=$?
check "without CREDENTIALS_DIRECTORY: a clear error" grep -q "CREDENTIALS_DIRECTORY is not set" "$tmp/cc.out"

# --- the packaged unit ----------------------------------------------------------
unit="$root/usr/lib/systemd/system/lambdaward.service"
check "unit runs the packaged binary" grep -qx "ExecStart=/usr/bin/lambdaward run --config /etc/lambdaward/lambdaward.conf" "$unit"
check "unit loads the credentials directory" grep -qx "LoadCredential=lambdaward:/etc/lambdaward/credentials/" "$unit"
# verify wants ExecStart to exist and Documentation= to resolve: point both
# into the scratch root, leaving everything else of the unit as packaged.
mkdir "$tmp/unit" && sed "s|^ExecStart=/usr/bin/|ExecStart=$root/usr/bin/|" "$unit" > "$tmp/unit/lambdaward.service"
MANPATH="$root/usr/share/man" systemd-analyze verify "$tmp/unit/lambdaward.service" > "$tmp/verify" 2>&1; rc=$?
cat "$tmp/verify"
check "systemd-analyze verify: clean" test $rc -eq 0 -a ! -s "$tmp/verify"
score=$(systemd-analyze security --offline=true "$unit" 2>&1 | sed -n 's/.*Overall exposure level for lambdaward.service: \([0-9.]*\).*/\1/p')
echo "exposure: $score"
check "exposure at most 2.0" awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.0) }'

# --- purge ------------------------------------------------------------------------
dpkg_root --purge lambdaward > "$tmp/dpkg.out" 2>&1; rc=$?
check "dpkg purges it" test $rc -eq 0 || cat "$tmp/dpkg.out"
check "purge removed the config and the credentials" test ! -e "$root/etc/lambdaward"
check "purge removed the binary" test ! -e "$bin"

# --- cmake --install agrees, and never overwrites an edited config ---------------
inst="$tmp/inst"
DESTDIR="$inst" cmake --install "$build" --prefix /usr/local > /dev/null || fail=$((fail + 1))
check "cmake --install: unit runs the binary it installed" \
    grep -qx "ExecStart=/usr/local/bin/lambdaward run --config /etc/lambdaward/lambdaward.conf" \
    "$inst/usr/local/lib/systemd/system/lambdaward.service"
check "cmake --install: that binary is there" test -x "$inst/usr/local/bin/lambdaward"
check "cmake --install: config 0644" test "$(stat -c '%a' "$inst/etc/lambdaward/lambdaward.conf")" = 644
echo "; edited by the administrator" >> "$inst/etc/lambdaward/lambdaward.conf"
DESTDIR="$inst" cmake --install "$build" --prefix /usr/local > "$tmp/inst.out" || fail=$((fail + 1))
check "cmake --install: an edited config is kept" grep -q "^; edited by the administrator$" "$inst/etc/lambdaward/lambdaward.conf"
check "cmake --install: ... and says so" grep -q "Kept: /etc/lambdaward/lambdaward.conf" "$tmp/inst.out"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
