#!/usr/bin/python3
"""Writes a realistic Lambda log export for benchmarks: FilterLogEvents
events as JSON Lines (with logGroupName), 50 functions with several
streams each, events in time order across streams. Per invocation: START,
Node or Python application lines (the odd ERROR with a stack trace), END,
REPORT (text format with trailing tabs, ~5 % cold starts, some X-Ray
suffixes, rare new-style timeouts and OOMs); a third of the functions log in
Lambda's JSON format instead; rare defence-json sensor records, as one event
or split one line per event; rare old-style timeout and killed lines.

usage: gen_corpus.py OUT --size 600M [--seed 1]
"""
import argparse, json, math, random, sys

SIZES = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def size_of(s):
    s = s.lower()
    return int(float(s[:-1]) * SIZES[s[-1]]) if s[-1] in SIZES else int(s)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--size", default="600M")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    target = size_of(a.size)
    rng = random.Random(a.seed)
    fns = []
    for i in range(50):
        fns.append({"name": "svc-%02d" % i, "json": i % 3 == 0, "py": i % 2 == 0,
                    "mu": math.log(rng.choice([15, 40, 90, 200, 600])), "mem": rng.choice([128, 256, 512, 1024]),
                    "streams": ["2026/03/08/[$LATEST]%032x" % rng.getrandbits(128) for _ in range(4)]})
    dumps = json.dumps
    out = open(a.out, "w", buffering=1 << 22)
    written, ts, seq = 0, 1772900000000, 0
    sensor = open(__file__.replace("bench/gen_corpus.py", "tests/data/sensor-event.txt")).read() \
        if "bench/gen_corpus.py" in __file__ else None
    while written < target:
        f = rng.choice(fns)
        g, st = "/aws/lambda/" + f["name"], rng.choice(f["streams"])
        rid = "%08x-%04x-4%03x-8%03x-%012x" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12),
                                             rng.getrandbits(12), rng.getrandbits(48))
        ts += rng.randint(1, 40)
        dur = rng.lognormvariate(f["mu"], 0.3)
        cold = rng.random() < 0.05
        msgs = []
        iso = "2026-03-08T14:24:26.649Z"
        if f["json"]:
            msgs.append(dumps({"time": iso, "type": "platform.start", "record": {"requestId": rid, "version": "$LATEST"}}))
            for k in range(rng.randint(1, 4)):
                msgs.append(dumps({"timestamp": iso, "level": "INFO", "requestId": rid,
                                   "message": "processed item %d of order %d" % (k, rng.getrandbits(20))}))
            if rng.random() < 0.02:
                msgs.append(dumps({"timestamp": iso, "level": "ERROR", "requestId": rid, "message": "upstream failed",
                                   "errorType": "TimeoutError", "stackTrace": ["at call (/var/task/app.js:12:7)"] * 3}))
            metrics = {"durationMs": round(dur, 2), "billedDurationMs": math.ceil(dur), "memorySizeMB": f["mem"],
                       "maxMemoryUsedMB": int(f["mem"] * rng.uniform(0.3, 0.8))}
            if cold:
                metrics["initDurationMs"] = round(rng.uniform(150, 900), 2)
            msgs.append(dumps({"time": iso, "type": "platform.report",
                               "record": {"requestId": rid, "metrics": metrics, "status": "success"}}))
        else:
            msgs.append("START RequestId: %s Version: $LATEST\n" % rid)
            for k in range(rng.randint(1, 4)):
                if f["py"]:
                    msgs.append("[INFO]\t%s\t%s\tprocessed item %d of order %d\n" % (iso, rid, k, rng.getrandbits(20)))
                else:
                    msgs.append("%s\t%s\tINFO\tprocessed item %d of order %d\n" % (iso, rid, k, rng.getrandbits(20)))
            if rng.random() < 0.02:
                msgs.append("[ERROR] KeyError: 'customer'\nTraceback (most recent call last):\n  File \"/var/task/app.py\", "
                            "line 42, in handler\n    c = event['customer']\n" if f["py"] else
                            "%s\t%s\tERROR\tInvoke Error \t{\"errorType\":\"TypeError\",\"errorMessage\":\"x is undefined\","
                            "\"stack\":[\"TypeError: x is undefined\",\"    at handler (/var/task/index.js:9:11)\"]}\n" % (iso, rid))
            msgs.append("END RequestId: %s\n" % rid)
            rep = "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t" % (
                rid, dur, math.ceil(dur), f["mem"], int(f["mem"] * rng.uniform(0.3, 0.8)))
            if cold:
                rep += "Init Duration: %.2f ms\t" % rng.uniform(150, 900)
            if rng.random() < 0.001:
                rep += "Status: timeout"
            if rng.random() < 0.1:
                rep += "\nXRAY TraceId: 1-67a0b1c2-%024x\tSegmentId: %016x\tSampled: true" % (rng.getrandbits(96), rng.getrandbits(64))
            msgs.append(rep + "\n")
        if sensor and rng.random() < 0.001:
            rec = sensor.replace("fa8707ad-2d84-4ed8-9d88-706c08660337", rid).replace("\"blocked\": true",
                                                                                    "\"blocked\": %s" % rng.choice(["true", "false"]))
            if rng.random() < 0.5:
                msgs.append(rec)
            else:
                msgs.extend(l + "\n" for l in rec.rstrip("\n").split("\n"))
        for m in msgs:
            seq += 1
            line = dumps({"logGroupName": g, "logStreamName": st, "timestamp": ts, "ingestionTime": ts + 700,
                          "eventId": "%056d" % seq, "message": m}) + "\n"
            out.write(line)
            written += len(line)
            ts += 1
    out.close()
    print("wrote %d bytes, %d events" % (written, seq), file=sys.stderr)


if __name__ == "__main__":
    main()
