#!/bin/bash
# lambdaward query over the API returns exactly what query --file returns on
# the same events, with throttling and 5xx injected at 10 % each (and empty
# pages, small pages, signatures checked). Also reports the API calls made
# per 10,000 events. usage: test_query_api.sh BUILD_DIR
set -u
BIN="$1/lambdaward"
here="$(cd "$(dirname "$0")" && pwd)"
tmp=$(mktemp -d)
export HOME="$tmp" AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
export AWS_REGION=us-east-1
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_CLOUDWATCH_LOGS AWS_SESSION_TOKEN
/usr/bin/python3 "$here/../scenarios/gen.py" "$tmp/events.jsonl" "$tmp/truth.json" --seed 3 --clean 3000
cat "$here/../data/sensor-event-split.jsonl" "$here/../data/lifecycle.jsonl" >> "$tmp/events.jsonl"
/usr/bin/python3 "$here/server.py" --seed "$tmp/events.jsonl" --page-events 500 --max-seconds 300 > "$tmp/port" & fake=$!
trap 'kill $fake 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 600); do grep -q LISTENING "$tmp/port" && break; sleep 0.1; done
port=$(awk '{print $2}' "$tmp/port")
curl -s -X POST -d '{"throttle": 0.1, "server_error": 0.1}' "http://127.0.0.1:$port/__admin/faults" >/dev/null

"$BIN" query --file "$tmp/events.jsonl" -o json > "$tmp/file.out"
"$BIN" query --log-group-prefix /aws/lambda/ --start 2022-10-01T00:00:00Z --tps 50 \
  --endpoint-url "http://127.0.0.1:$port" -o json > "$tmp/api.out" 2> "$tmp/api.err"; rc=$?
pass=0 fail=0
check() { local d="$1"; shift; if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $d" >&2; fi; }
check "API query exits 0" test $rc -eq 0
norm() { jq -c 'select(.kind=="finding") | .id' "$1" | sort; }
norm "$tmp/file.out" > "$tmp/f.ids"; norm "$tmp/api.out" > "$tmp/a.ids"
check "same findings (ids)" cmp -s "$tmp/f.ids" "$tmp/a.ids"
check "findings were produced" test "$(wc -l < "$tmp/f.ids")" -gt 10
jq -c 'select(.kind=="summary")' "$tmp/file.out" | sort > "$tmp/f.sum"
jq -c 'select(.kind=="summary")' "$tmp/api.out" | sort > "$tmp/a.sum"
check "same summaries" cmp -s "$tmp/f.sum" "$tmp/a.sum"
stats=$(curl -s "http://127.0.0.1:$port/__admin/stats")
check "throttling was injected" test "$(echo "$stats" | jq '.fault_throttle // 0')" -gt 0
check "5xx was injected" test "$(echo "$stats" | jq '.fault_5xx // 0')" -gt 0
events=$(grep -c . "$tmp/events.jsonl"); calls=$(echo "$stats" | jq '.requests')
echo "api calls: $calls for $events events = $(( calls * 10000 / events )) per 10k events (500-event pages, 20 % faults)"
[ "$fail" -eq 0 ] || { diff "$tmp/f.ids" "$tmp/a.ids" | head; diff "$tmp/f.sum" "$tmp/a.sum" | head -4; cat "$tmp/api.err" | tail -5; }
echo "$pass passed, $fail failed"
test "$fail" -eq 0
