#!/bin/bash
# Proves the fake CloudWatch Logs endpoint speaks the real protocol: Debian's
# AWS CLI (botocore underneath) lists groups and streams, pages through
# filter-log-events and get-log-events, gets InvalidSignatureException for a
# wrong secret, and rides out injected throttling with its own retries.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
tmp=$(mktemp -d)
export HOME="$tmp" AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=AKIDEXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_CLOUDWATCH_LOGS
/usr/bin/python3 "$here/server.py" --seed "$here/../data/sensor-event-split.jsonl" --seed "$here/../data/lifecycle.jsonl" \
  --page-events 4 --max-seconds 120 > "$tmp/port" & fake=$!
trap 'kill $fake 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do grep -q LISTENING "$tmp/port" && break; sleep 0.1; done
port=$(awk '{print $2}' "$tmp/port")
aws() { /usr/bin/aws --endpoint-url "http://127.0.0.1:$port" --output json "$@"; }
pass=0 fail=0
check() { local d="$1"; shift; if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $d" >&2; fi; }
total=$(cat "$here/../data/sensor-event-split.jsonl" | grep -c . )

aws logs describe-log-groups --log-group-name-prefix /aws/lambda/ > "$tmp/groups"
check "describe-log-groups" test "$(jq '.logGroups | length' "$tmp/groups")" -eq 4
aws logs describe-log-groups --log-group-name-pattern SHOP > "$tmp/pattern"
check "describe-log-groups pattern" test "$(jq -r '.logGroups[0].logGroupName' "$tmp/pattern")" = /aws/lambda/shop
aws logs filter-log-events --log-group-name /aws/lambda/hello-world > "$tmp/events"
check "filter-log-events pages through everything (4 per page, empty pages)" \
  test "$(jq '.events | length' "$tmp/events")" -eq "$total"
check "events carry eventId and ingestionTime" jq -e '.events | all(.eventId != null and .ingestionTime != null)' "$tmp/events" >/dev/null
aws logs filter-log-events --log-group-name /aws/lambda/hello-world --filter-pattern '"RequestId"' > "$tmp/filtered"
check "filter pattern" test "$(jq '[.events[] | select(.message | contains("RequestId") | not)] | length' "$tmp/filtered")" -eq 0
aws logs describe-log-streams --log-group-name /aws/lambda/hello-world --order-by LastEventTime --descending > "$tmp/streams"
check "describe-log-streams" test "$(jq '.logStreams | length' "$tmp/streams")" -eq 2
stream=$(jq -r '.logStreams[] | select(.logStreamName | contains("4b3f")) | .logStreamName' "$tmp/streams")
aws logs get-log-events --log-group-name /aws/lambda/hello-world --log-stream-name "$stream" --start-from-head > "$tmp/get"
check "get-log-events" test "$(jq '.events | length' "$tmp/get")" -gt 20
check "get-log-events has no eventId" jq -e '.events | all(.eventId == null)' "$tmp/get" >/dev/null
if AWS_SECRET_ACCESS_KEY=wrong aws logs describe-log-groups 2> "$tmp/err" >/dev/null; then bad=0; else bad=1; fi
check "wrong secret refused" test $bad -eq 1
check "InvalidSignatureException surfaces" grep -q InvalidSignatureException "$tmp/err"
if aws logs filter-log-events --log-group-name /aws/lambda/nope 2> "$tmp/err2" >/dev/null; then bad=0; else bad=1; fi
check "missing group" grep -q ResourceNotFoundException "$tmp/err2"
curl -s -X POST -d '{"throttle": 0.3}' "http://127.0.0.1:$port/__admin/faults" >/dev/null
AWS_MAX_ATTEMPTS=10 AWS_RETRY_MODE=standard aws logs filter-log-events --log-group-name /aws/lambda/hello-world > "$tmp/throttled"
check "CLI retries through throttling and gets everything" test "$(jq '.events | length' "$tmp/throttled")" -eq "$total"
check "throttling really happened" test "$(curl -s "http://127.0.0.1:$port/__admin/stats" | jq '.fault_throttle')" -gt 0
echo "$pass passed, $fail failed"
test "$fail" -eq 0
