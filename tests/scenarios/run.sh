#!/bin/bash
# Detector scenarios with ground truth (gen.py), scored by evaluate.py:
# every expected detector fires on its function, nothing fires on the
# 100k-invocation clean function, precision >= 0.9. Usage: run.sh BUILD_DIR
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/gen.py" "$tmp/scenarios.jsonl" "$tmp/truth.json" --seed "${SEED:-7}"
"$1/lambdaward" query --file "$tmp/scenarios.jsonl" --output json > "$tmp/findings.jsonl"
/usr/bin/python3 "$here/evaluate.py" "$tmp/truth.json" "$tmp/findings.jsonl"
