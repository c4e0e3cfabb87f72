#!/bin/bash
# `lambdaward query` against the fake CloudWatch Logs endpoint: the time
# flags (--since, --start, --end in every form timeutil.h promises) select
# what FilterLogEvents returns. Invocations are seeded at known times
# relative to now; each window must count exactly the ones inside it.
# usage: test_query_flags.sh BUILD_DIR
set -u
BIN="$1/lambdaward"
here="$(cd "$(dirname "$0")" && pwd)"
tmp=$(mktemp -d)
export HOME="$tmp" AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
export AWS_REGION=us-east-1
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_CLOUDWATCH_LOGS AWS_SESSION_TOKEN AWS_CA_BUNDLE NO_COLOR
pass=0 fail=0
check() { local d="$1"; shift; if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $d" >&2; fi; }

# alpha: invocations 3 h, 90 min and 20 min ago; beta: 20 min ago.
/usr/bin/python3 - "$tmp/events.jsonl" "$tmp/times" <<'PY'
import json, sys, time
now = int(time.time() * 1000)
out = open(sys.argv[1], "w")
times = {}
def invocation(fn, ago_min, n):
    ts = now - ago_min * 60000
    rid = "77777777-0000-4000-8000-%012d" % n
    for k, m in enumerate(["START RequestId: %s Version: $LATEST" % rid,
                           "REPORT RequestId: %s\tDuration: 5.00 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\t" % rid]):
        out.write(json.dumps({"logGroupName": "/aws/lambda/" + fn, "logStreamName": "2026/03/08/[$LATEST]%d" % n,
                              "timestamp": ts + k, "message": m + "\n"}) + "\n")
    times["%s_%d" % (fn, ago_min)] = ts
invocation("alpha", 180, 1); invocation("alpha", 90, 2); invocation("alpha", 20, 3); invocation("beta", 20, 4)
with open(sys.argv[2], "w") as f:
    for k, v in times.items():
        f.write("%s=%d\n" % (k, v))
PY
. "$tmp/times"
/usr/bin/python3 "$here/server.py" --seed "$tmp/events.jsonl" --max-seconds 120 > "$tmp/port" & fake=$!
trap 'kill $fake 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 600); do grep -q LISTENING "$tmp/port" && break; sleep 0.1; done
port=$(awk '{print $2}' "$tmp/port")
EP="http://127.0.0.1:$port"
iso() { /usr/bin/python3 -c 'import sys, datetime; t = datetime.datetime.fromtimestamp(int(sys.argv[1]) / 1000, datetime.timezone(datetime.timedelta(minutes=int(sys.argv[2])))); print(t.strftime(sys.argv[3]))' "$@"; }
# invocations of FUNCTION in a query's JSON output
inv() { jq -s --arg f "$1" '[.[] | select(.kind=="summary" and .function==$f) | .invocations] | add // 0' "$2"; }
qa() { "$BIN" query --log-group-prefix /aws/lambda/ --endpoint-url "$EP" -o json "$@"; }

# --- relative --------------------------------------------------------------------
qa --since 2h > "$tmp/o" 2> "$tmp/e"; rc=$?
check "--since 2h: exit 0" test $rc -eq 0
check "--since 2h: alpha's last two" test "$(inv alpha "$tmp/o")" = 2
check "--since 2h: beta's one" test "$(inv beta "$tmp/o")" = 1
qa --since 4h > "$tmp/o"; check "--since 4h: all three of alpha" test "$(inv alpha "$tmp/o")" = 3
qa --since 30m > "$tmp/o"; check "--since 30m: one of alpha" test "$(inv alpha "$tmp/o")" = 1
qa --since 1w > "$tmp/o"; check "--since 1w: all of alpha" test "$(inv alpha "$tmp/o")" = 3
qa --since 4h --end 1h > "$tmp/o"; check "--since 4h --end 1h: the two older" test "$(inv alpha "$tmp/o")" = 2
qa > "$tmp/o"; check "default: the last hour" test "$(inv alpha "$tmp/o")" = 1

# --- absolute: ISO 8601 in several zones, epoch ms, epoch s --------------------
s=$((alpha_90 - 60000)) e=$((alpha_90 + 60000))
qa --start "$(iso $s 0 %Y-%m-%dT%H:%M:%S.%fZ | sed 's/\([0-9]\{3\}\)[0-9]\{3\}Z$/\1Z/')" --end "$(iso $e 0 %Y-%m-%dT%H:%M:%SZ)" > "$tmp/o"
check "--start/--end ISO 8601 Z: exactly the middle one" test "$(inv alpha "$tmp/o")" = 1
qa --start "$(iso $s 60 %Y-%m-%dT%H:%M:%S+01:00)" --end "$(iso $e -270 %Y-%m-%dT%H:%M:%S-0430)" > "$tmp/o"
check "--start +01:00 / --end -0430: the same instant, the same one" test "$(inv alpha "$tmp/o")" = 1
qa --start "$(iso $s 0 '%Y-%m-%d %H:%M:%S')" --end "$(iso $e 0 %Y-%m-%dT%H:%M:%S)" > "$tmp/o"
check "a time without a zone is UTC" test "$(inv alpha "$tmp/o")" = 1
qa --start "$(iso $s -120 %Y-%m-%dT%H:%M:%S)" --end "$(iso $e -120 %Y-%m-%dT%H:%M:%S)" > "$tmp/o"; rc=$?
check "a wall time at -02:00 without its zone is read as UTC (2 h earlier)" test $rc -eq 0 -a "$(inv alpha "$tmp/o")" = 0
qa --start $s --end $e > "$tmp/o"
check "--start/--end epoch milliseconds" test "$(inv alpha "$tmp/o")" = 1
qa --start $((s / 1000)) --end $((e / 1000)) > "$tmp/o"
check "--start/--end epoch seconds (10 digits)" test "$(inv alpha "$tmp/o")" = 1
qa --since $s > "$tmp/o"
check "--since takes an absolute time too" test "$(inv alpha "$tmp/o")" = 2
qa --start 3h --end 1h > "$tmp/o"
check "--start/--end relative" test "$(inv alpha "$tmp/o")" = 1

# --- errors name the flag and the value -------------------------------------------
for bad in "--since 15" "--since yesterday" "--start 2026-02-30" "--end 12345" "--start 2026-03-08T25:00Z"; do
  set -- $bad
  qa "$1" "$2" > /dev/null 2> "$tmp/e"; rc=$?
  check "$bad: exit 2" test $rc -eq 2
  check "$bad: message names flag and value" grep -q -- "$1 takes.*'$2'" "$tmp/e"
done
qa --since 2h --start 3h > /dev/null 2> "$tmp/e"; rc=$?
check "--since with --start: usage error" test $rc -eq 2
qa --start 1h --end 2h > /dev/null 2> "$tmp/e"; rc=$?
check "--end before --start: usage error" test $rc -eq 2
"$BIN" query --since 1h "$tmp/events.jsonl" > /dev/null 2> "$tmp/e"; rc=$?
check "--since with files: usage error, not ignored" test $rc -eq 2
"$BIN" query --help > "$tmp/help"
check "--help says a time without a zone is UTC" grep -q "without a zone is UTC" "$tmp/help"
check "--help names epoch milliseconds" grep -q "epoch milliseconds" "$tmp/help"

# --- --function in API mode ----------------------------------------------------------
qa --since 4h --function beta > "$tmp/o"
check "--function beta (with a prefix): beta only" test "$(inv beta "$tmp/o")" = 1 -a "$(inv alpha "$tmp/o")" = 0
"$BIN" query --endpoint-url "$EP" -o json --since 4h --function alpha > "$tmp/o" 2> "$tmp/e"; rc=$?
check "--function alone reads /aws/lambda/NAME: exit 0" test $rc -eq 0
check "--function alone: alpha's three" test "$(inv alpha "$tmp/o")" = 3 -a "$(inv beta "$tmp/o")" = 0
"$BIN" query --endpoint-url "$EP" -o json --since 4h --function 'b*' > "$tmp/o"; rc=$?
check "--function glob alone: the prefix's groups, filtered" test $rc -eq 0 -a "$(inv beta "$tmp/o")" = 1 -a "$(inv alpha "$tmp/o")" = 0

# --- --config [aws] and AWS_CA_BUNDLE, over HTTPS ---------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -days 2 \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
/usr/bin/python3 "$here/server.py" --seed "$tmp/events.jsonl" --max-seconds 120 --tls "$tmp/cert.pem" "$tmp/key.pem" > "$tmp/tport" & tfake=$!
trap 'kill $fake $tfake 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 600); do grep -q LISTENING "$tmp/tport" && break; sleep 0.1; done
TEP="https://127.0.0.1:$(awk '{print $2}' "$tmp/tport")"
printf '[aws]\nregion = eu-west-1\nendpoint_url = %s\nca_bundle = %s\n' "$TEP" "$tmp/cert.pem" > "$tmp/aws.conf"
printf '[aws]\nregion = eu-west-1\nendpoint_url = %s\n' "$TEP" > "$tmp/nobundle.conf"
printf '[aws]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:1\n' > "$tmp/dead.conf"
tstats() { curl -sk "$TEP/__admin/stats"; }
cq() { env -u AWS_REGION "$BIN" query -o json --log-group /aws/lambda/alpha --since 4h "$@"; }
cq --config "$tmp/aws.conf" > "$tmp/o" 2> "$tmp/e"; rc=$?
check "--config [aws]: endpoint, region and ca_bundle used (exit 0)" test $rc -eq 0
check "--config [aws]: the events came" test "$(inv alpha "$tmp/o")" = 3
check "--config [aws]: signed for the config's region" test "$(tstats | jq '."region:eu-west-1" // 0')" -gt 0
cq --config "$tmp/aws.conf" --region ap-south-1 > "$tmp/o" 2> "$tmp/e"
check "--region overrides [aws] region" test "$(tstats | jq '."region:ap-south-1" // 0')" -gt 0
AWS_CA_BUNDLE="$tmp/cert.pem" cq --config "$tmp/dead.conf" --endpoint-url "$TEP" > "$tmp/o" 2> "$tmp/e"; rc=$?
check "--endpoint-url overrides [aws] endpoint_url (AWS_CA_BUNDLE trusted)" test $rc -eq 0 -a "$(inv alpha "$tmp/o")" = 3
cq --config "$tmp/nobundle.conf" > "$tmp/o" 2> "$tmp/e"; rc=$?
check "no CA bundle: the self-signed endpoint is refused (exit 2)" test $rc -eq 2
check "no CA bundle: no events analysed" test "$(inv alpha "$tmp/o")" = 0
check "no CA bundle: the error says why" grep -qi "certificate" "$tmp/e"
AWS_CA_BUNDLE="$tmp/cert.pem" cq --config "$tmp/nobundle.conf" > "$tmp/o" 2> "$tmp/e"; rc=$?
check "AWS_CA_BUNDLE is honoured" test $rc -eq 0 -a "$(inv alpha "$tmp/o")" = 3
AWS_CA_BUNDLE="$tmp/no-such.pem" cq --config "$tmp/aws.conf" > "$tmp/o" 2> "$tmp/e"; rc=$?
check "AWS_CA_BUNDLE wins over [aws] ca_bundle, as in the AWS CLI" test $rc -eq 2

echo "$pass passed, $fail failed"
test "$fail" -eq 0
