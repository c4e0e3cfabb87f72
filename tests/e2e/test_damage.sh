#!/bin/bash
# End-to-end: damage costs only itself (issue 14). Damaged JSON Lines cost
# exactly the damaged lines (same findings and summaries as the export
# without them), binary input is an input error that says what it looks
# like, a truncated page is reported as such, gzip damage has its byte
# offset, REPORT lines read the same whatever the separator, and a REPORT
# that cannot be read is reported. Usage: test_damage.sh BUILD_DIR
set -u
BIN="$1/lambdaward"
DATA="$(cd "$(dirname "$0")/../data" && pwd)"
TMP=$(mktemp -d); [ -n "${KEEP:-}" ] && echo "$TMP"
trap '[ -n "${KEEP:-}" ] || rm -rf "$TMP"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { # check DESCRIPTION COMMAND...
  local d="$1"; shift
  if "$@"; then ok; else bad "$d"; fi
}
q() { "$BIN" query "$@"; }

# --- an export with K damaged lines -----------------------------------------
# 113 events: the sensor record on lines 1-51 (split, its attack starts at
# line 4), then lifecycle, probes, secrets.
cat "$DATA/sensor-event-split.jsonl" "$DATA/lifecycle.jsonl" "$DATA/probes.jsonl" "$DATA/secrets.jsonl" > "$TMP/export.jsonl"
N=$(wc -l < "$TMP/export.jsonl")
# Damaged lines: a line cut after a comma, a stray brace, a line cut inside
# a string, a cut nested value, a stray bracket, and a second stray brace.
/usr/bin/python3 - "$TMP/export.jsonl" "$TMP" <<'PY'
import sys
src, tmp = sys.argv[1], sys.argv[2]
lines = open(src).read().split("\n")[:-1]
damage = {
    60: lambda l: l[:l.index(",") + 1],            # cut after a comma
    70: lambda l: "{",                              # a stray brace
    80: lambda l: l[:l.index('"message":') + 16],   # cut inside a string
    90: lambda l: '{"logStreamName":"s","message":{"a":[1,',  # cut nested
    100: lambda l: "[",                             # a stray bracket
    110: lambda l: "{",
}
with open(tmp + "/damaged.jsonl", "w") as d, open(tmp + "/without.jsonl", "w") as w:
    for i, l in enumerate(lines, 1):
        if i in damage:
            d.write(damage[i](l) + "\n")
        else:
            d.write(l + "\n")
            w.write(l + "\n")
PY
K=6
q --file "$TMP/without.jsonl" --output json > "$TMP/without.out"
check "export without the lines: exit 0" test $? -eq 0
q --file "$TMP/damaged.jsonl" --output json > "$TMP/damaged.out" 2> "$TMP/damaged.err"; rc=$?
check "damaged export: exit 2" test $rc -eq 2
check "damaged export: $K errors, one per damaged line" test "$(grep -c 'damaged.jsonl:[0-9]*: ' "$TMP/damaged.err")" = $K
for l in 60 70 80 90 100 110; do
  check "damaged line $l named" grep -q "damaged.jsonl:$l: " "$TMP/damaged.err"
done
check "damaged export: $K damaged lines counted" grep -q "^lambdaward: $K damaged input lines skipped" "$TMP/damaged.err"
check "same findings and summaries as the export without the damaged lines" cmp -s "$TMP/damaged.out" "$TMP/without.out"
check "the findings are there at all" test "$(jq -s '[.[]|select(.kind=="finding")]|length' "$TMP/damaged.out")" -ge 5
# before the fix the first damaged line swallowed the rest: nothing after line 60
check "last function still summarised" test "$(jq -s '[.[]|select(.kind=="summary")]|length' "$TMP/damaged.out")" = \
  "$(jq -s '[.[]|select(.kind=="summary")]|length' "$TMP/without.out")"

# A bad line 4 (inside the split sensor record): the attack is still found.
{ head -3 "$DATA/lifecycle.jsonl"; echo '{"logStreamName":"x",'; cat "$DATA/sensor-event-single.jsonl"; } > "$TMP/line4.jsonl"
q --file "$TMP/line4.jsonl" --output json > "$TMP/line4.out" 2> "$TMP/line4.err"; rc=$?
check "bad line 4: exit 2" test $rc -eq 2
check "bad line 4: the attack after it is found" test \
  "$(jq -s '[.[]|select(.kind=="finding" and .detector=="attack")]|length' "$TMP/line4.out")" = 1
check "bad line 4: reported at line 4" grep -q 'line4.jsonl:4: damaged JSON document' "$TMP/line4.err"

# A pretty-printed page (jq's indentation) is still read whole.
jq -s '{events: ., nextToken: "t"}' "$TMP/without.jsonl" > "$TMP/pretty.json"
q --file "$TMP/pretty.json" --output json > "$TMP/pretty.out"; rc=$?
check "pretty page: exit 0" test $rc -eq 0
check "pretty page: same findings and summaries" cmp -s "$TMP/pretty.out" "$TMP/without.out"

# A truncated page is reported as such, not analysed as text.
head -c 3000 "$TMP/pretty.json" > "$TMP/cut.json"
jq -c -s '{events: ., nextToken: "t"}' "$TMP/without.jsonl" | head -c 3000 > "$TMP/cut1.json"
for f in cut.json cut1.json; do
  q --file "$TMP/$f" --output json > "$TMP/$f.out" 2> "$TMP/$f.err"; rc=$?
  check "$f: exit 2" test $rc -eq 2
  check "$f: truncated API page" grep -q "truncated API page" "$TMP/$f.err"
  check "$f: nothing analysed as text" test "$(jq -s '[.[]|select(.kind=="summary")]|length' "$TMP/$f.out")" = 0
done

# --- --jobs: a damaged line that is the last of the first worker's range -----
/usr/bin/python3 - "$TMP/big.jsonl" <<'PY'
import json, sys
def ev(i):
    return json.dumps({"logGroupName": "/aws/lambda/big", "logStreamName": "s%d" % (i % 5), "timestamp": 1772979800000 + i,
                       "message": "REPORT RequestId: 55555555-0000-4000-8000-%012d\tDuration: %d.00 ms\tBilled Duration: %d ms"
                                  "\tMemory Size: 128 MB\tMax Memory Used: 50 MB\t\n" % (i, i % 900 + 1, i % 900 + 1)}) + "\n"
lines, size, i = [], 0, 0
while size < 34 << 20:
    l = ev(i); lines.append(l); size += len(l); i += 1
bad = '{"logGroupName": "/aws/lambda/big", "logStreamName": "s1", "timestamp": 1,\n'
total = size + len(bad)
acc, k = 0, 0
while acc + len(lines[k]) < total // 2 - len(bad) // 2:
    acc += len(lines[k]); k += 1
lines.insert(k, bad)  # spans the byte midpoint: the first worker's last line
lines.insert(len(lines) - 3, "{\n")
open(sys.argv[1], "w").writelines(lines)
PY
q --file "$TMP/big.jsonl" -o json -j 1 > "$TMP/big1.out" 2> "$TMP/big1.err"; rc1=$?
q --file "$TMP/big.jsonl" -o json -j 2 > "$TMP/big2.out" 2> "$TMP/big2.err"; rc2=$?
check "--jobs: exit 2 both ways" test "$rc1$rc2" = 22
check "--jobs 2: same output as --jobs 1" cmp -s "$TMP/big1.out" "$TMP/big2.out"
check "--jobs 2: same errors as --jobs 1" cmp -s "$TMP/big1.err" "$TMP/big2.err"
check "--jobs 2: both damaged lines counted" grep -q "^lambdaward: 2 damaged input lines skipped" "$TMP/big2.err"
rm -f "$TMP/big.jsonl"

# --- binary or non-log input: exit 2, saying what it looks like --------------
cp "$BIN" "$TMP/elf.log"
/usr/bin/python3 -c "
import zlib, struct, random
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 1, 1, 8, 0, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(b'\0\0')) + chunk(b'IEND', b'')
open('$TMP/image.jsonl', 'wb').write(png)
r = random.Random(14)
open('$TMP/random.jsonl', 'wb').write(bytes(r.randrange(256) for _ in range(65536)))
open('$TMP/noise.jsonl', 'wb').write(bytes(r.randrange(1, 256) for _ in range(65536)))
open('$TMP/fakegz.jsonl', 'wb').write(b'\x1f\x8b\x08\x00' + bytes(r.randrange(256) for _ in range(2000)))
"
tar -cf "$TMP/archive.jsonl" -C "$DATA" lifecycle.jsonl probes.jsonl
tar -czf "$TMP/archive-gz.jsonl" -C "$DATA" lifecycle.jsonl probes.jsonl
binary() { # binary FILE EXPECTED-MESSAGE
  q --file "$TMP/$1" --output json > "$TMP/$1.out" 2> "$TMP/$1.err"; local rc=$?
  check "$1: exit 2" test $rc -eq 2
  check "$1: says '$2'" grep -q "$2" "$TMP/$1.err"
  check "$1: no summary of nonsense" test "$(jq -s '[.[]|select(.kind=="summary")]|length' "$TMP/$1.out")" = 0
}
binary elf.log "looks like an ELF executable"
binary image.jsonl "looks like a PNG image"
binary archive.jsonl "looks like a tar archive"
binary archive-gz.jsonl "looks like a tar archive, not a log (inside gzip data)"
binary random.jsonl "binary data (NUL bytes) at offset"
binary noise.jsonl "bytes are not text"
binary fakegz.jsonl "looks like gzip data, but corrupt gzip data at byte offset"
q --file - --output json < "$TMP/elf.log" > /dev/null 2> "$TMP/stdin.err"
check "stdin: binary refused too" grep -q "lambdaward: -: looks like an ELF executable" "$TMP/stdin.err"
# a gzipped export (not named .gz) is read, not refused
gzip -c "$TMP/without.jsonl" > "$TMP/export-gz.jsonl"
q --file "$TMP/export-gz.jsonl" --output json > "$TMP/gz.out"; rc=$?
check "gzip export: exit 0" test $rc -eq 0
check "gzip export: same output" cmp -s "$TMP/gz.out" "$TMP/without.out"

# --- gzip damage: the byte offset ----------------------------------------------
gzip -c "$DATA/lifecycle.jsonl" > "$TMP/two.gz"
off=$(stat -c %s "$TMP/two.gz")
printf 'junk' >> "$TMP/two.gz"
gzip -c "$DATA/probes.jsonl" >> "$TMP/two.gz"
q --file "$TMP/two.gz" --output json > /dev/null 2> "$TMP/two.err"; rc=$?
check "gzip junk: exit 2" test $rc -eq 2
check "gzip junk: byte offset $off" grep -q "two.gz: data after the end of a gzip member at byte offset $off:" "$TMP/two.err"
gzip -c "$DATA/lifecycle.jsonl" | head -c 100 > "$TMP/cut.gz"
q --file "$TMP/cut.gz" --output json > /dev/null 2> "$TMP/cutgz.err"
check "gzip cut: byte offset 100" grep -q "cut.gz: truncated gzip stream: input ended at byte offset 100 inside a member" "$TMP/cutgz.err"

# --- REPORT whatever the separator ---------------------------------------------
rid=8a1c3f2e-6b4d-4f1a-9c2e-1d3b5a7c9e0f
printf 'START RequestId: %s Version: $LATEST\nEND RequestId: %s\nREPORT RequestId: %s\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\tInit Duration: 150.11 ms\t\n' $rid $rid $rid > "$TMP/tabs.txt"
sed 's/\t/  /g' "$TMP/tabs.txt" > "$TMP/spaces.txt"
sed 's/\t/ /g' "$TMP/tabs.txt" > "$TMP/space1.txt"
q --file "$TMP/tabs.txt" --log-group /aws/lambda/f --output json > "$TMP/tabs.out"
for f in spaces space1; do
  q --file "$TMP/$f.txt" --log-group /aws/lambda/f --output json > "$TMP/$f.out"; rc=$?
  check "$f REPORT: exit 0" test $rc -eq 0
  check "$f REPORT: same summary as tabs" cmp -s "$TMP/$f.out" "$TMP/tabs.out"
done
check "tabs REPORT: cold start, billed, memory" jq -e -s '.[-1] | .cold_starts==1 and .billed_duration_ms==103
    and .memory_size_mb==128 and .max_memory_used_mb==70 and .init_duration_ms.max==150.11' "$TMP/tabs.out" >/dev/null
printf 'REPORT RequestId: %s\n' $rid > "$TMP/nonum.txt"
q --file "$TMP/nonum.txt" --log-group /aws/lambda/f --output json > /dev/null 2> "$TMP/nonum.err"; rc=$?
check "REPORT without numbers: exit 2" test $rc -eq 2
check "REPORT without numbers: reported" grep -q "1 platform line (REPORT, INIT_REPORT, ...) with fields that could not be read" "$TMP/nonum.err"

echo "test_damage: $pass passed, $fail failed"
test $fail -eq 0
