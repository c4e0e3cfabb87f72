#!/usr/bin/env python3
"""Scores lambdaward's findings against a scenario truth file.

A finding is a true positive when its (function, detector) pair is expected
for that function; every other finding is a false positive. Recall counts
expected pairs with at least one finding. Prints per-scenario lines and
totals; exits 1 when a clean function has any finding or recall < 1.

usage: evaluate.py TRUTH.json FINDINGS.jsonl [--min-precision P]
"""
import argparse, collections, json, sys

ap = argparse.ArgumentParser()
ap.add_argument("truth"); ap.add_argument("findings")
ap.add_argument("--min-precision", type=float, default=0.9)
a = ap.parse_args()
truth = json.load(open(a.truth))
expected = truth["expected"]
got = collections.defaultdict(list)
for line in open(a.findings):
    o = json.loads(line)
    if o.get("kind") == "finding":
        got[o["function"]].append(o)
tp = fp = 0
hit = set()
fail = False
for fn in sorted(set(expected) | set(got)):
    exp = set(expected.get(fn, []))
    for f in got.get(fn, []):
        if f["detector"] in exp:
            tp += 1
            hit.add((fn, f["detector"]))
        else:
            fp += 1
            print("false positive: %s %s: %s" % (fn, f["detector"], f["title"]))
    missed = sorted(d for d in exp if (fn, d) not in hit)
    counts = collections.Counter(f["detector"] for f in got.get(fn, []))
    print("%-12s expected %-60s got %s%s" % (fn, ",".join(sorted(exp)) or "nothing", dict(counts) or "nothing",
                                              "  MISSED " + ",".join(missed) if missed else ""))
    if fn in expected and not exp and got.get(fn):
        fail = True
# per detector: its findings on functions that expect it (true) or not
# (false), and the expected functions it found
per = collections.defaultdict(lambda: [0, 0, 0, 0])  # tp, fp, hit pairs, expected pairs
for fn, exp in expected.items():
    for d in exp:
        per[d][3] += 1
        per[d][2] += (fn, d) in hit
for fn, fs in got.items():
    for f in fs:
        per[f["detector"]][0 if f["detector"] in expected.get(fn, []) else 1] += 1
for d in sorted(per):
    t, fa, h, e = per[d]
    print("detector %-20s precision %5.3f (%d true, %d false)  recall %5.3f (%d of %d)"
          % (d, t / (t + fa) if t + fa else 1.0, t, fa, h / e if e else 1.0, h, e))
npairs = sum(len(v) for v in expected.values())
recall = len(hit) / npairs if npairs else 1.0
precision = tp / (tp + fp) if tp + fp else 1.0
print("precision %.3f (%d true, %d false positives), recall %.3f (%d of %d expected detector/function pairs)"
      % (precision, tp, fp, recall, len(hit), npairs))
print("published rules of thumb on the clean function: %s false positives"
      % json.dumps(truth.get("anchor_false_positives_on_clean", {})))
if recall < 1.0 or precision < a.min_precision:
    fail = True
sys.exit(1 if fail else 0)
