#!/bin/sh
# The unit as generated for this build (build/systemd/lambdaward.service,
# from systemd/lambdaward.service.in): it must parse and pass
# systemd-analyze verify, and its hardening, as systemd itself scores it,
# must stay at or below 2.0 exposure (issue target).
set -eu
build=$(cd "$1" && pwd)
unit="$build/systemd/lambdaward.service"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# verify wants ExecStart to exist: point it at the binary just built (the
# install prefix's one need not be installed here); the rest is as generated.
sed "s|^ExecStart=[^ ]*/lambdaward |ExecStart=$build/lambdaward |" "$unit" > "$tmp/lambdaward.service"
grep -q "^ExecStart=$build/lambdaward run " "$tmp/lambdaward.service" || { echo "no ExecStart running lambdaward"; exit 1; }
systemd-analyze verify --man=no "$tmp/lambdaward.service"
out=$(systemd-analyze security --offline=true "$unit" 2>&1)
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for lambdaward.service: \([0-9.]*\).*/\1/p')
echo "exposure: $score"
[ -n "$score" ] || { printf '%s\n' "$out"; exit 1; }
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'
echo "1 passed, 0 failed"
