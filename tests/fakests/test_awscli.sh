#!/bin/bash
# Proves the fake STS and SSO portal speak the real protocols: Debian's AWS
# CLI (botocore underneath) assumes a role with a static key (SigV4 for
# sts verified), chains into a second role with the session it got, passes
# an external id, assumes a role with a web identity token (unsigned), gets
# AccessDenied naming the role for a role it may not assume, and
# SignatureDoesNotMatch for a wrong secret; `aws sso get-role-credentials`
# gets role credentials with a bearer token and UnauthorizedException
# without a valid one.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
tmp=$(mktemp -d)
export HOME="$tmp" AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=AKIASOURCEKEY0000001
export AWS_SECRET_ACCESS_KEY=source-secret-for-tests AWS_DEFAULT_REGION=eu-central-1 AWS_PAGER=""
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_STS AWS_SESSION_TOKEN
cat > "$tmp/trust.json" <<'JSON'
{"callers": {"AKIASOURCEKEY0000001": {"secret": "source-secret-for-tests"}},
 "roles": {"arn:aws:iam::111111111111:role/reader": {"principals": ["AKIASOURCEKEY0000001"]},
           "arn:aws:iam::222222222222:role/chained": {"principals": ["arn:aws:iam::111111111111:role/reader"],
                                                      "external_id": "ext-1234"},
           "arn:aws:iam::333333333333:role/irsa": {"web_identity_tokens": ["eyJhbGciOiJSUzI1NiJ9.test.sig"]}},
 "sso": {"tokens": ["sso-bearer-token-1"], "roles": {"444444444444/ReadOnly": {}}}}
JSON
/usr/bin/python3 "$here/server.py" --trust "$tmp/trust.json" --max-seconds 120 > "$tmp/port" & fake=$!
trap 'kill $fake 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do grep -q LISTENING "$tmp/port" && break; sleep 0.1; done
port=$(awk '{print $2}' "$tmp/port")
aws() { /usr/bin/aws --endpoint-url "http://127.0.0.1:$port" --output json "$@"; }
pass=0 fail=0
check() { local d="$1"; shift; if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $d" >&2; fi; }

aws sts assume-role --role-arn arn:aws:iam::111111111111:role/reader --role-session-name cli-test \
  --duration-seconds 900 > "$tmp/r1" 2> "$tmp/e1"
check "assume-role with a static key" jq -e '.Credentials.AccessKeyId | startswith("ASIA")' "$tmp/r1" >/dev/null
check "assumed role user" jq -e '.AssumedRoleUser.Arn == "arn:aws:sts::111111111111:assumed-role/reader/cli-test"' \
  "$tmp/r1" >/dev/null
check "expiration parsed by botocore" jq -e '.Credentials.Expiration | test("^20[0-9][0-9]-")' "$tmp/r1" >/dev/null
check "signed for sts in the client's region" test "$(curl -s "http://127.0.0.1:$port/__admin/stats" | jq '."region:eu-central-1"')" -ge 1

# The session just issued assumes the next role (role chaining), with the external id.
AWS_ACCESS_KEY_ID=$(jq -r .Credentials.AccessKeyId "$tmp/r1") AWS_SECRET_ACCESS_KEY=$(jq -r .Credentials.SecretAccessKey "$tmp/r1") \
AWS_SESSION_TOKEN=$(jq -r .Credentials.SessionToken "$tmp/r1") \
  aws sts assume-role --role-arn arn:aws:iam::222222222222:role/chained --role-session-name hop2 \
  --external-id ext-1234 > "$tmp/r2" 2> "$tmp/e2"
check "role chaining with an external id" jq -e '.Credentials.SessionToken | length > 100' "$tmp/r2" >/dev/null
AWS_ACCESS_KEY_ID=$(jq -r .Credentials.AccessKeyId "$tmp/r1") AWS_SECRET_ACCESS_KEY=$(jq -r .Credentials.SecretAccessKey "$tmp/r1") \
  aws sts assume-role --role-arn arn:aws:iam::222222222222:role/chained --role-session-name hop2 \
  --external-id ext-1234 > /dev/null 2> "$tmp/e2b"
check "a session key without its token is refused" grep -q InvalidClientTokenId "$tmp/e2b"
if aws sts assume-role --role-arn arn:aws:iam::222222222222:role/chained --role-session-name x1 > /dev/null 2> "$tmp/e3"; then
  bad=0; else bad=1; fi
check "a role the caller may not assume is refused" test $bad -eq 1
check "AccessDenied names the role" grep -q "AccessDenied.*arn:aws:iam::222222222222:role/chained" "$tmp/e3"
AWS_SECRET_ACCESS_KEY=wrong aws sts assume-role --role-arn arn:aws:iam::111111111111:role/reader \
  --role-session-name x1 > /dev/null 2> "$tmp/e4"
check "wrong secret: SignatureDoesNotMatch" grep -q SignatureDoesNotMatch "$tmp/e4"

aws sts assume-role-with-web-identity --role-arn arn:aws:iam::333333333333:role/irsa --role-session-name pod \
  --web-identity-token eyJhbGciOiJSUzI1NiJ9.test.sig > "$tmp/w1" 2> "$tmp/ew1"
check "assume-role-with-web-identity" jq -e '.Credentials.AccessKeyId | startswith("ASIA")' "$tmp/w1" >/dev/null
check "web identity extras" jq -e '.Audience == "sts.amazonaws.com"' "$tmp/w1" >/dev/null
aws sts assume-role-with-web-identity --role-arn arn:aws:iam::333333333333:role/irsa --role-session-name pod \
  --web-identity-token bogus > /dev/null 2> "$tmp/ew2"
check "a bad web identity token: InvalidIdentityToken" grep -q InvalidIdentityToken "$tmp/ew2"

aws sso get-role-credentials --role-name ReadOnly --account-id 444444444444 --access-token sso-bearer-token-1 \
  --region eu-west-1 > "$tmp/s1" 2> "$tmp/es1"
check "sso get-role-credentials" jq -e '.roleCredentials.expiration > 1700000000000' "$tmp/s1" >/dev/null
aws sso get-role-credentials --role-name ReadOnly --account-id 444444444444 --access-token expired \
  --region eu-west-1 > /dev/null 2> "$tmp/es2"
check "sso with a bad token: UnauthorizedException" grep -q UnauthorizedException "$tmp/es2"
check "every issuance recorded, no secret in the record" \
  jq -e 'length == 4 and all(has("SecretAccessKey") | not)' <(curl -s "http://127.0.0.1:$port/__admin/issued") >/dev/null
for f in "$tmp"/e*; do [ -s "$f" ] && [ "$fail" -gt 0 ] && { echo "--- $f"; cat "$f"; }; done
echo "$pass passed, $fail failed"
test "$fail" -eq 0
