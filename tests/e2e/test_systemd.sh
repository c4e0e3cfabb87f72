#!/bin/sh
# The unit's hardening, as systemd itself scores it: exposure must stay
# at or below 2.0 (issue target), and the unit must parse.
set -eu
unit="$(dirname "$0")/../../systemd/lambdaward.service"
out=$(systemd-analyze security --offline=true "$unit" 2>&1)
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for lambdaward.service: \([0-9.]*\).*/\1/p')
echo "exposure: $score"
[ -n "$score" ] || { printf '%s\n' "$out"; exit 1; }
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'
echo "1 passed, 0 failed"
