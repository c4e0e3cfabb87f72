#!/bin/bash
# End-to-end tests of `lambdaward query --file`: the samples, every input
# shape, exit codes, and bad input. Usage: test_query.sh BUILD_DIR
set -u
BIN="$1/lambdaward"
DATA="$(cd "$(dirname "$0")/../data" && pwd)"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { # check DESCRIPTION COMMAND...
  local d="$1"; shift
  if "$@"; then ok; else bad "$d"; fi
}
q() { "$BIN" query "$@"; }

# --- the samples (expected results from shared/samples/README.md) ----------
for f in sensor-event-split.jsonl sensor-event-single.jsonl; do
  q --file "$DATA/$f" --output json > "$TMP/$f.out"; rc=$?
  check "$f exit 0" test $rc -eq 0
  check "$f one attack finding" test "$(jq -s '[.[]|select(.kind=="finding")]|length' "$TMP/$f.out")" = 1
  check "$f finding fields" jq -e -s '.[0] | .detector=="attack" and .severity=="medium" and .function=="hello-world"
      and .evidence.rule_id=="1005936" and .evidence.source_ip=="203.0.113.77" and .evidence.method=="GET"
      and .evidence.path=="/" and .evidence.query=="file=/etc/passwd" and .evidence.blocked==true
      and .request_id=="fa8707ad-2d84-4ed8-9d88-706c08660337"' "$TMP/$f.out" >/dev/null
  check "$f cookie masked" jq -e -s '.[0].evidence.payload | contains("cookie: session=****") and (contains("eyJzZWNy")|not)' "$TMP/$f.out" >/dev/null
  check "$f no secret anywhere" bash -c "! grep -q eyJzZWNyZXQ '$TMP/$f.out'"
done
check "split: two invocations, one cold start" jq -e -s '.[] | select(.kind=="summary" and .function=="hello-world")
    | .invocations==2 and .cold_starts==1 and .attacks_blocked==1 and .sensor_events_malformed==0
      and .init_duration_ms.p50==231.12 and .memory_size_mb==128' "$TMP/sensor-event-split.jsonl.out" >/dev/null
check "same event, same finding id whatever the shape" test \
  "$(jq -r -s '.[0].id' "$TMP/sensor-event-split.jsonl.out")" = "$(jq -r -s '.[0].id' "$TMP/sensor-event-single.jsonl.out")"
check "summary after findings" jq -e -s '.[0].kind=="finding" and .[-1].kind=="summary"' "$TMP/sensor-event-split.jsonl.out" >/dev/null

q --file "$DATA/sensor-event.txt" --output json > "$TMP/txt.out"
check "text file: attack found" jq -e -s '[.[]|select(.kind=="finding" and .detector=="attack")]|length==1' "$TMP/txt.out" >/dev/null

# --- stdin, determinism --------------------------------------------------------
q --file - --output json < "$DATA/sensor-event-split.jsonl" > "$TMP/stdin.out"
check "stdin gives the same output" cmp -s "$TMP/stdin.out" "$TMP/sensor-event-split.jsonl.out"
q --file "$DATA/sensor-event-split.jsonl" --output json > "$TMP/again.out"
check "same input, same output" cmp -s "$TMP/again.out" "$TMP/sensor-event-split.jsonl.out"

# --- FILE... as positional arguments, like the Unix tools -----------------------
q --output json "$DATA/sensor-event-split.jsonl" > "$TMP/pos.out"; rc=$?
check "positional FILE: exit 0" test $rc -eq 0
check "positional FILE: same output as --file" cmp -s "$TMP/pos.out" "$TMP/sensor-event-split.jsonl.out"
q -o json - < "$DATA/sensor-event-split.jsonl" > "$TMP/pos-stdin.out"
check "positional '-' reads stdin" cmp -s "$TMP/pos-stdin.out" "$TMP/sensor-event-split.jsonl.out"
q --file "$DATA/sensor-event-split.jsonl" --output json "$DATA/lifecycle.jsonl" > "$TMP/pos2.out"
q --file "$DATA/sensor-event-split.jsonl" --file "$DATA/lifecycle.jsonl" --output json > "$TMP/pos2f.out"
check "positional and --file together read both" cmp -s "$TMP/pos2.out" "$TMP/pos2f.out"
check "both inputs analysed" jq -e -s 'any(.[]; .function=="shop") and any(.[]; .detector=="attack")' "$TMP/pos2.out" >/dev/null
printf 'START RequestId: 5a5a5a5a-0000-4000-8000-000000000001 Version: $LATEST\nREPORT RequestId: 5a5a5a5a-0000-4000-8000-000000000001\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\t\n' > "$TMP/plain.txt"
q -o json --log-group /aws/lambda/posgroup "$TMP/plain.txt" > "$TMP/posgrp.out"; rc=$?
check "positional FILE + --log-group: files read, group assumed" jq -e -s 'any(.[]; .kind=="summary" and .function=="posgroup" and .invocations==1)' "$TMP/posgrp.out" >/dev/null
check "positional FILE + --log-group: exit 0" test $rc -eq 0
q -o json "$TMP/no-such-file" 2> "$TMP/err" >/dev/null; rc=$?
check "missing positional file exits 2 and is named" bash -c "test $rc -eq 2 && grep -q no-such-file '$TMP/err'"

# --- lifecycle: timeouts and OOM in every style --------------------------------
q --file "$DATA/lifecycle.jsonl" --output json > "$TMP/life.out"
check "timeouts: new style, old style, JSON" test \
  "$(jq -s '[.[]|select(.detector=="timeout")]|length' "$TMP/life.out")" = 3
check "oom: killed line and Error Type, once each" test \
  "$(jq -s '[.[]|select(.detector=="out_of_memory")]|length' "$TMP/life.out")" = 2
check "shop summary" jq -e -s '.[]|select(.kind=="summary" and .function=="shop")
  | .invocations==2 and .timeouts==2 and .errors==2' "$TMP/life.out" >/dev/null
check "legacy summary" jq -e -s '.[]|select(.kind=="summary" and .function=="legacy")
  | .invocations==2 and .out_of_memory==2 and .errors==2 and .max_memory_used_mb==256' "$TMP/life.out" >/dev/null
check "json-format summary" jq -e -s '.[]|select(.kind=="summary" and .function=="jsonfmt")
  | .invocations==2 and .cold_starts==1 and .timeouts==1 and .duration_ms.max==3000 and .init_duration_ms.max==350.25' "$TMP/life.out" >/dev/null

# --- exit codes ------------------------------------------------------------------
q --file "$DATA/sensor-event-split.jsonl" --output json --fail-on medium >/dev/null; rc=$?
check "--fail-on medium exits 3" test $rc -eq 3
q --file "$DATA/sensor-event-split.jsonl" --output json --fail-on high >/dev/null; rc=$?
check "--fail-on high exits 0" test $rc -eq 0
q --file "$TMP/does-not-exist" 2>"$TMP/err" >/dev/null; rc=$?
check "missing file exits 2" test $rc -eq 2
check "missing file named" grep -q "does-not-exist" "$TMP/err"
q --output yaml --file "$DATA/lifecycle.jsonl" >/dev/null 2>&1; rc=$?
check "bad option exits 2" test $rc -eq 2
"$BIN" query --help | grep -q -- "--fail-on"; check "query --help" test $? -eq 0
"$BIN" --version | grep -q "^lambdaward "; check "--version" test $? -eq 0

# --- bad input: reported with file and line, the rest still analysed -------------
{ head -c 300 "$DATA/lifecycle.jsonl"; echo; sed -n '2,$p' "$DATA/sensor-event-single.jsonl"; cat "$DATA/sensor-event-single.jsonl"; } > "$TMP/trunc.jsonl"
q --file "$TMP/trunc.jsonl" --output json > "$TMP/trunc.out" 2> "$TMP/trunc.err"; rc=$?
check "truncated JSON exits 2" test $rc -eq 2
check "truncated JSON names file and line" grep -q "trunc.jsonl:2: invalid JSON: unterminated string" "$TMP/trunc.err"
check "records after the bad line still analysed" test "$(jq -s '[.[]|select(.detector=="attack")]|length' "$TMP/trunc.out")" = 1

# a sensor record that never closes: counted, and the lines after it analysed
{ sed -n '1,6p' "$DATA/sensor-event-split.jsonl"; sed -n '1p' "$DATA/lifecycle.jsonl" | sed 's/"s1"/"2026\/03\/08\/[$LATEST]4b3f2e1d0c9b8a7f6e5d4c3b2a190817"/; s/shop/hello-world/'; tail -n 1 "$DATA/sensor-event-split.jsonl"; } > "$TMP/open.jsonl"
q --file "$TMP/open.jsonl" --output json > "$TMP/open.out"; rc=$?
check "never-closing record: exit 0 (not an input error)" test $rc -eq 0
check "never-closing record counted" jq -e -s '.[]|select(.kind=="summary" and .function=="hello-world")|.sensor_events_malformed==1 and .invocations==1' "$TMP/open.out" >/dev/null

# invalid UTF-8 in, valid UTF-8 out
printf '{"logGroupName":"/aws/lambda/u","logStreamName":"s","timestamp":1,"message":"2026-03-08T14:24:26.649+0000 - defence-json (x:1) - PID 1 - thread 1 - WARN: SensorEvent: {\\"rule_id\\":\\"9\\",\\"sensor_event\\":{\\"id\\":\\"u1\\",\\"blocked\\":false},\\"payload\\":\\"GET /\xff\xfe HTTP/1.1\\\\r\\\\n\\\\r\\\\n\\"}"}\n' > "$TMP/utf8.jsonl"
q --file "$TMP/utf8.jsonl" --output json > "$TMP/utf8.out"
check "invalid UTF-8: finding emitted" jq -e -s '.[0].severity=="high" and .[0].evidence.blocked==false' "$TMP/utf8.out" >/dev/null
check "invalid UTF-8: output is valid UTF-8" iconv -f UTF-8 -t UTF-8 "$TMP/utf8.out" -o /dev/null

# gzip subscription payloads back to back
python3 - "$TMP/sub.gz" <<'PY'
import gzip, json, sys
def payload(msgs, stream):
    return json.dumps({"messageType": "DATA_MESSAGE", "owner": "111122223333", "logGroup": "/aws/lambda/sub",
                       "logStream": stream, "subscriptionFilters": ["f"],
                       "logEvents": [{"id": str(i), "timestamp": 1772979800000 + i, "message": m} for i, m in enumerate(msgs)]})
ctrl = json.dumps({"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "",
                   "subscriptionFilters": [], "logEvents": [{"id": "", "timestamp": 1, "message": "CWL CONTROL MESSAGE"}]})
with open(sys.argv[1], "wb") as f:
    f.write(gzip.compress(payload(["START RequestId: 44444444-0000-4000-8000-000000000001 Version: 1",
        "REPORT RequestId: 44444444-0000-4000-8000-000000000001\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\t"], "a").encode()))
    f.write(gzip.compress(ctrl.encode()))
    f.write(gzip.compress(payload(["REPORT RequestId: 44444444-0000-4000-8000-000000000002\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\t"], "b").encode()))
PY
q --file "$TMP/sub.gz" --output json > "$TMP/sub.out"; rc=$?
check "gzip subscriptions: exit 0" test $rc -eq 0
check "gzip subscriptions: both payloads read" jq -e -s '.[]|select(.kind=="summary" and .function=="sub")|.invocations==2' "$TMP/sub.out" >/dev/null

# --- --jobs: a split sensor record straddling the cut, a bad line after it ----
python3 - "$DATA" "$TMP/big.jsonl" <<'PY'
import json, sys
data, out = sys.argv[1], sys.argv[2]
split = open(data + "/sensor-event-split.jsonl").read().splitlines(True)
def filler(i):
    rid = "55555555-0000-4000-8000-%012d" % i
    return json.dumps({"logGroupName": "/aws/lambda/filler", "logStreamName": "f%d" % (i % 7), "timestamp": 1772979800000 + i,
                       "eventId": str(i), "message": "REPORT RequestId: %s\tDuration: %d.00 ms\tBilled Duration: %d ms\tMemory Size: 128 MB\tMax Memory Used: 50 MB\t\n" % (rid, i % 900 + 1, i % 900 + 1)}) + "\n"
lines, size, i = [], 0, 0
while size < 20 << 20:
    l = filler(i); lines.append(l); size += len(l); i += 1
mid = len(lines)
while size < 40 << 20:
    l = filler(i); lines.append(l); size += len(l); i += 1
# the record's lines go around the byte midpoint of the final file
total = size + sum(map(len, split)) + 200
acc, k = 0, 0
while acc < total // 2 - 1500:
    acc += len(lines[k]); k += 1
lines[k:k] = split
lines.insert(len(lines) - 10, '{"logStreamName": "bad" "timestamp": 1}\n')
open(out, "w").writelines(lines)
PY
q --file "$TMP/big.jsonl" -o json -j 1 > "$TMP/j1.out" 2> "$TMP/j1.err"; rc1=$?
q --file "$TMP/big.jsonl" -o json -j 2 > "$TMP/j2.out" 2> "$TMP/j2.err"; rc2=$?
check "--jobs 2: same output as --jobs 1" cmp -s "$TMP/j1.out" "$TMP/j2.out"
check "--jobs 2: same errors as --jobs 1" cmp -s "$TMP/j1.err" "$TMP/j2.err"
check "--jobs: bad line reported (exit 2)" test $rc1 -eq 2 -a $rc2 -eq 2
check "--jobs: record across the cut found once" test "$(jq -s '[.[]|select(.detector=="attack")]|length' "$TMP/j2.out")" = 1
check "--jobs: no malformed record" jq -e -s '[.[]|select(.kind=="summary")|.sensor_events_malformed]|add==0' "$TMP/j2.out" >/dev/null

# --- --function: only the named functions' findings and summaries -----------------
# expected: the unfiltered run's lines of those functions, nothing else
q -o json "$DATA/lifecycle.jsonl" "$DATA/sensor-event-split.jsonl" > "$TMP/fn-all.out"
sel() { jq -c --arg re "$1" 'select(.function|test($re))' "$TMP/fn-all.out"; }
q -o json --function shop "$DATA/lifecycle.jsonl" "$DATA/sensor-event-split.jsonl" > "$TMP/fn1.out"; rc=$?
check "--function shop: exit 0" test $rc -eq 0
check "--function shop: exactly shop's lines" cmp -s <(jq -c . "$TMP/fn1.out") <(sel '^shop$')
check "--function shop: some findings" test "$(jq -s '[.[]|select(.kind=="finding")]|length' "$TMP/fn1.out")" -gt 0
q -o json --function 'h*-w?rld' --function legacy "$DATA/lifecycle.jsonl" "$DATA/sensor-event-split.jsonl" > "$TMP/fn2.out"
check "--function glob, repeated: the union" cmp -s <(jq -c . "$TMP/fn2.out") <(sel '^(hello-world|legacy)$')
q -o table --function nothing-like-it "$DATA/lifecycle.jsonl" > "$TMP/fn3.out"
check "--function matching nothing: no findings, no summary" bash -c "grep -q '^No findings.' '$TMP/fn3.out' && ! grep -q FUNCTION '$TMP/fn3.out'"
# a sensor event in a group that is not /aws/lambda/NAME: named by the sensor
sed 's#/aws/lambda/hello-world#/custom/hw#' "$DATA/sensor-event-split.jsonl" > "$TMP/custom.jsonl"
q -o json --function hello-world "$TMP/custom.jsonl" > "$TMP/fn4.out"
check "--function by the sensor's function name" jq -e -s '(map(select(.kind=="finding"))|length)==1 and all(.[]; .function=="hello-world")' "$TMP/fn4.out" >/dev/null
q --file "$TMP/big.jsonl" -o json -j 1 --function hello-world > "$TMP/fnj1.out" 2>/dev/null
q --file "$TMP/big.jsonl" -o json -j 2 --function hello-world > "$TMP/fnj2.out" 2>/dev/null
check "--function with --jobs 2: same as --jobs 1" cmp -s "$TMP/fnj1.out" "$TMP/fnj2.out"
check "--function with --jobs: the attack, no filler" jq -e -s '(map(select(.detector=="attack"))|length)==1 and all(.[]; .function=="hello-world")' "$TMP/fnj2.out" >/dev/null
q --function '' "$DATA/lifecycle.jsonl" >/dev/null 2>&1; rc=$?
check "--function '': usage error" test $rc -eq 2

# --- table output fits 80 columns ------------------------------------------------
q --file "$DATA/sensor-event-split.jsonl" --file "$DATA/lifecycle.jsonl" --output table > "$TMP/table.out"
check "table shows the finding" grep -q "MEDIUM *attack *[0-9-]*T[0-9:]*Z *hello-world" "$TMP/table.out"
check "table within 80 columns" test "$(awk '{ if (length($0) > m) m = length($0) } END { print m+0 }' "$TMP/table.out")" -le 80

# --- check-config: the shipped example passes; errors carry their line ---------
# as shipped: its webhook is commented out, so nothing needs creating first
env -u CREDENTIALS_DIRECTORY "$BIN" check-config "$(dirname "$0")/../../config/lambdaward.conf" > "$TMP/cc.out" 2>&1; rc=$?
check "example config is valid" test $rc -eq 0
check "example config summary" grep -q "ok (1 watch, 0 webhooks" "$TMP/cc.out"
printf '[aws]\nfilter_tps = lots\n[webhook x]\nurl = ftp://x\n' > "$TMP/bad.conf"
"$BIN" check-config "$TMP/bad.conf" > "$TMP/cc.out" 2>&1; rc=$?
check "bad config exits 1" test $rc -eq 1
check "bad config: both errors with lines" test "$(grep -c "bad.conf:[0-9]*:" "$TMP/cc.out")" -eq 2
"$BIN" check-config --reference | grep -q "^\[detector duration_anomaly\]"; check "reference lists detectors" test $? -eq 0

# --- user rules from the config file ---------------------------------------------
printf '[rule passwd-read]\npattern = (?i)GET /\\?file=/etc/passwd\nseverity = high\n' > "$TMP/rules.conf"
"$BIN" check-config "$TMP/rules.conf" >/dev/null 2>&1; check "a rule config is valid" test $? -eq 0
echo '{"logGroupName":"/aws/lambda/r","logStreamName":"s","timestamp":1,"message":"2026-03-08T14:24:26.649Z\tr\tINFO\tproxying GET /?file=/etc/passwd"}' > "$TMP/rule.jsonl"
"$BIN" query --file "$TMP/rule.jsonl" -o json --config "$TMP/rules.conf" > "$TMP/rule.out" 2>/dev/null
check "a user rule fires (query --config)" jq -e -s 'any(.[]; .detector=="rule:passwd-read" and .severity=="high")' "$TMP/rule.out" >/dev/null

echo "$pass passed, $fail failed"
test "$fail" -eq 0
