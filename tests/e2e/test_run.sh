#!/bin/bash
# lambdaward run: starts, reloads on SIGHUP (keeping the old config when the
# new one is broken), stops on SIGTERM with exit 0 and state saved, refuses a
# broken config at start, and logs journald-style under systemd.
set -u
BIN="$1/lambdaward"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0
check() { local d="$1"; shift; if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $d" >&2; fi; }
wait_for() { for _ in $(seq 1 50); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 0.1; done; return 1; }

printf '[state]\npath = %s/state.db\n[log]\nlevel = info\n' "$TMP" > "$TMP/ok.conf"
"$BIN" run --config "$TMP/ok.conf" 2> "$TMP/log" & pid=$!
check "starts" wait_for "started" "$TMP/log"
printf '[aws]\nfilter_tps = nope\n' > "$TMP/broken.conf"
cp "$TMP/ok.conf" "$TMP/good.conf"; cp "$TMP/broken.conf" "$TMP/ok.conf"
kill -HUP $pid
check "broken reload is refused" wait_for "keeping the running configuration" "$TMP/log"
check "still running after a broken reload" kill -0 $pid
cp "$TMP/good.conf" "$TMP/ok.conf"
kill -HUP $pid
check "good reload applied" wait_for "configuration reloaded" "$TMP/log"
kill -TERM $pid; wait $pid; rc=$?
check "SIGTERM exits 0" test $rc -eq 0
check "state file written" test -s "$TMP/state.db"
check "detector state saved" test "$(sqlite3 "$TMP/state.db" 'select count(*) from detector_state')" -ge 5

"$BIN" run --config "$TMP/broken.conf" 2> "$TMP/log2"; rc=$?
check "broken config at start: exit 2" test $rc -eq 2
check "broken config: error with its line" grep -q "broken.conf:2: \[aws\] filter_tps = " "$TMP/log2"

# journald: JOURNAL_STREAM names our stderr -> "<N>" prefixes, no timestamps
exec 3> "$TMP/journal"
js="$(stat -c '%d:%i' "$TMP/journal")"
JOURNAL_STREAM="$js" "$BIN" run --config "$TMP/broken.conf" 2>&3; exec 3>&-
check "journald priority prefix" grep -q "^<3>" "$TMP/journal"
check "no timestamp under journald" bash -c "! grep -q '^<3>20[0-9][0-9]-' '$TMP/journal'"

echo "$pass passed, $fail failed"
test "$fail" -eq 0
