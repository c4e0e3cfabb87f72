#!/bin/bash
# lambdaward status only reads: on a state file that is read-only (0400) in
# a read-only directory (0500) it works, as a user who can write neither
# (when run as root, as nobody through setpriv: root writes anywhere); the
# file's mtime and the directory listing are the same afterwards; a missing
# state file is a clear error and nothing is created. Also: the daemon's
# state file, -wal and -shm are 0600 under umask 000.
set -u
BIN="$1/lambdaward"
TMP=$(mktemp -d)
trap 'chmod -R u+rwx "$TMP"; rm -rf "$TMP"' EXIT
pass=0 fail=0
check() { local d="$1"; shift; if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $d" >&2; fi; }
wait_for() { for _ in $(seq 1 50); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
snapshot() { (cd "$1" && ls -lA --time-style=full-iso . && stat -c '%n %s %y' . ./*); }

mkdir "$TMP/state"
printf '[state]\npath = %s/state/state.db\n' "$TMP" > "$TMP/run.conf"
(umask 000; exec "$BIN" run --config "$TMP/run.conf") 2> "$TMP/log" & pid=$!
check "daemon starts" wait_for "started" "$TMP/log"
for f in state.db state.db-wal state.db-shm; do
    check "umask 000: $f is 0600" test "$(stat -c %a "$TMP/state/$f" 2>&1)" = 600
done
kill -TERM $pid; wait $pid
check "daemon stopped: no -wal left" test ! -e "$TMP/state/state.db-wal"

as_reader() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown -R 65534:65534 "$TMP/state"; chmod 0755 "$TMP"; fi
chmod 0400 "$TMP/state/state.db"
chmod 0500 "$TMP/state"
check "the reader cannot write the directory" as_reader bash -c "! touch '$TMP/state/probe' 2>/dev/null"
before=$(snapshot "$TMP/state")
as_reader "$BIN" status --state "$TMP/state/state.db" > "$TMP/out" 2> "$TMP/err"; rc=$?
check "status on a 0400 file in a 0500 directory: exit 0 ($(cat "$TMP/err"))" test $rc -eq 0
check "status prints the summary" grep -q "findings recorded: 0; webhook deliveries pending: 0" "$TMP/out"
after=$(snapshot "$TMP/state"); [ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after") >&2
check "status: the file's mtime and the directory listing are unchanged" test "$before" = "$(snapshot "$TMP/state")"

chmod 0700 "$TMP/state"
chmod 0600 "$TMP/state/state.db"
before=$(snapshot "$TMP/state")
"$BIN" status --state "$TMP/state/state.db" > /dev/null 2>&1
check "status in a writable directory creates nothing either" test "$before" = "$(snapshot "$TMP/state")"

before=$(snapshot "$TMP/state")
"$BIN" status --state "$TMP/state/missing.db" > "$TMP/out" 2> "$TMP/err"; rc=$?
check "status on a missing file fails" test $rc -ne 0
check "...saying there is no state file there" grep -q "no state file at $TMP/state/missing.db" "$TMP/err"
check "...and creates nothing" test "$before" = "$(snapshot "$TMP/state")"
check "...not even missing.db" test ! -e "$TMP/state/missing.db"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
