#!/usr/bin/env python3
"""Scenario generator for detector tests: event sequences with ground truth.

Writes JSON Lines of CloudWatch events (the FilterLogEvents event shape plus
logGroupName) and a truth file listing, per function, the detectors that
must fire on it. Every other finding is a false positive. Deterministic for
a given --seed. Also reports what two published rule-of-thumb alerts would
have done on the same data (flat 95 % of timeout; 2x the hourly median), so
the detectors can be compared with them.

usage: gen.py OUT.jsonl TRUTH.json [--seed N] [--clean N]
"""
import argparse, json, math, random, uuid

T0 = 1772900000000  # ms

class W:
    def __init__(self, f, rng):
        self.f, self.rng, self.n = f, rng, 0
    def ev(self, fn, ts, msg, stream="s1"):
        self.n += 1
        self.f.write(json.dumps({"logGroupName": "/aws/lambda/" + fn, "logStreamName": "2026/03/07/[$LATEST]" + stream,
                                 "timestamp": int(ts), "ingestionTime": int(ts) + 300, "eventId": "%s-%d" % (fn, self.n),
                                 "message": msg}) + "\n")
    def rid(self):
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
    def invoke(self, fn, ts, dur, mem=70, size=128, init=None, status=None, etype=None, trace=None, lines=(),
               stream="s1", runtime=None):
        r = self.rid()
        if runtime:
            self.ev(fn, ts - (init or 100), "INIT_START Runtime Version: %s\tRuntime Version ARN: "
                    "arn:aws:lambda:us-east-1::runtime:%064x\n" % (runtime, self.rng.getrandbits(256)), stream)
        self.ev(fn, ts, "START RequestId: %s Version: $LATEST\n" % r, stream)
        for l in lines:
            self.ev(fn, ts + 1, l.replace("{rid}", r), stream)
        rep = "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t" % (
            r, dur, math.ceil(dur), size, mem)
        if init is not None:
            rep += "Init Duration: %.2f ms\t" % init
        if status:
            rep += "Status: %s\t" % status
        if etype:
            rep += "Error Type: %s\t" % etype
        if trace:
            rep += "\nXRAY TraceId: %s\tSegmentId: 1a2b3c4d5e6f7a8b\tSampled: true" % trace
        self.ev(fn, ts + dur, "END RequestId: %s\n" % r, stream)
        self.ev(fn, ts + dur, rep + "\n", stream)
        return r

def anchors(durs, timeout_ms):
    """False positives the crude published alerts give on a clean function:
    a flat 95 % of the timeout, and 2x the median of the same hour."""
    timeout95 = sum(1 for d in durs.values() if d >= 0.95 * timeout_ms)
    by_hour = {}
    for ts, d in durs.items():
        by_hour.setdefault(ts // 3600000, []).append(d)
    hourly2x = 0
    for ds in by_hour.values():
        med = sorted(ds)[len(ds) // 2]
        hourly2x += sum(1 for d in ds if d > 2 * med)
    return {"timeout95": timeout95, "hourly2x": hourly2x}

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out"); ap.add_argument("truth")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--clean", type=int, default=100000)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    truth = {}
    with open(a.out, "w") as f:
        w = W(f, rng)

        # an export dated 2022, judged by 2022's table: python3.8 was
        # supported then (deprecated 2024-10-14), python3.6 was not
        # (2022-07-18)
        t2022 = 1665532800000  # 2022-10-12
        for i in range(20):
            w.invoke("export2022", t2022 + i * 60000, 40, init=250 if i % 10 == 0 else None,
                     runtime="python:3.8.v15" if i % 10 == 0 else None)
            w.invoke("export2022old", t2022 + i * 60000 + 500, 40, init=250 if i % 10 == 0 else None,
                     runtime="python:3.6.v40" if i % 10 == 0 else None)
        truth["export2022"] = []
        truth["export2022old"] = ["stale_runtime"]

        # clean: normal jitter, 2 % cold starts, the odd slow call (up to 3x),
        # steady traffic (~100/min, Poisson), memory steady. Must stay silent.
        ts, durs = T0, {}
        for i in range(a.clean):
            ts += rng.expovariate(1 / 600.0)
            d = rng.lognormvariate(math.log(80), 0.25)
            if rng.random() < 0.003:
                d *= rng.uniform(2.0, 3.0)  # the odd slow call
            cold = rng.random() < 0.02
            w.invoke("clean", ts, d, mem=int(rng.gauss(70, 2)), init=rng.lognormvariate(math.log(300), 0.15) if cold else None,
                     runtime="python:3.13.v5" if cold else None, lines=["2026-03-07T00:00:00.000Z\t{rid}\tINFO\tprocessed order %d\n" % i])
            durs[int(ts)] = d
        anchor_fp = anchors(durs, 3000)
        truth["clean"] = []

        # duration outlier: stable, then one call 20x slower
        ts = T0
        for i in range(400):
            ts += 1000
            w.invoke("slowcall", ts, rng.lognormvariate(math.log(120), 0.2))
        w.invoke("slowcall", ts + 1000, 2400)
        for i in range(50):
            ts += 1000 + 1000
            w.invoke("slowcall", ts, rng.lognormvariate(math.log(120), 0.2))
        truth["slowcall"] = ["duration_anomaly"]

        # sustained shift: a slow dependency triples every duration
        ts = T0
        for i in range(600):
            ts += 1000
            w.invoke("dependency", ts, rng.lognormvariate(math.log(200), 0.2))
        for i in range(300):
            ts += 1000
            w.invoke("dependency", ts, rng.lognormvariate(math.log(600), 0.2))
        truth["dependency"] = ["duration_anomaly"]

        # memory leak: creeping use, pressure, then the OOM kill
        ts, mem = T0, 60.0
        for i in range(300):
            ts += 2000
            w.invoke("leaky", ts, rng.lognormvariate(math.log(50), 0.2), mem=int(60 + rng.gauss(0, 1)), size=256)
        for i in range(400):
            ts += 2000
            mem = min(250, mem + 0.5)
            w.invoke("leaky", ts, rng.lognormvariate(math.log(50), 0.2), mem=int(mem + rng.gauss(0, 1)), size=256)
        w.invoke("leaky", ts + 2000, 800, mem=256, size=256, status="error", etype="Runtime.OutOfMemory")
        truth["leaky"] = ["memory_anomaly", "memory_pressure", "out_of_memory", "new_error_type"]

        # slow cold start: a new dependency makes one init 15x slower
        ts = T0
        for i in range(60):
            ts += 60000
            w.invoke("coldinit", ts, 40, init=rng.lognormvariate(math.log(300), 0.1))
        w.invoke("coldinit", ts + 60000, 40, init=4800)
        truth["coldinit"] = ["init_anomaly"]

        # exponential growth: a function that starts invoking itself
        ts = T0
        for m in range(30):
            for k in range(10):
                w.invoke("selfcall", ts + m * 60000 + k * 6000 + rng.uniform(0, 100), 30)
        n = 2
        for m in range(30, 38):
            for k in range(n):
                w.invoke("selfcall", ts + m * 60000 + k * (60000 / n), 30)
            n *= 2
        truth["selfcall"] = ["invocation_storm"]

        # recursion: one X-Ray trace root seen in many invocations
        ts = T0
        for i in range(200):
            ts += 1500
            w.invoke("fanout", ts, 25, trace="1-67a0b1c2-%024x" % rng.getrandbits(96))
        loop = "1-67a0b1c2-%024x" % rng.getrandbits(96)
        for i in range(12):
            ts += 200
            w.invoke("fanout", ts, 25, trace=loop)
        truth["fanout"] = ["recursion"]

        # log flood: steady few KB per minute, then 30 MB in one minute
        ts = T0
        for m in range(40):
            for k in range(5):
                w.invoke("chatty", ts + m * 60000 + k * 10000, 20, lines=["2026-03-07T00:00:00.000Z\t{rid}\tINFO\t" + "x" * 400 + "\n"])
        blob = "y" * 60000
        for k in range(500):
            w.ev("chatty", ts + 40 * 60000 + k * 100, "2026-03-07T00:00:00.000Z\tr\tDEBUG\t" + blob + "\n")
        truth["chatty"] = ["log_flood"]

        # error spike: a steady 1 % failures, then 60 % for ten minutes
        ts = T0
        for i in range(3000):
            ts += 600
            st = "error" if i % 100 == 3 else None
            w.invoke("flaky", ts, 30, status=st, etype="Runtime.ExitError" if st else None)
        for i in range(1000):
            ts += 600
            st = "error" if rng.random() < 0.6 else None
            w.invoke("flaky", ts, 30, status=st, etype="Runtime.ExitError" if st else None)
        truth["flaky"] = ["error_spike"]

        # new error type: ValueError now and then, then a KeyError appears
        ts = T0
        for i in range(400):
            ts += 1000
            lines = []
            if i % 40 == 0:
                lines = ["[ERROR] ValueError: bad input\nTraceback (most recent call last):\n  File \"/var/task/app.py\", line 9\n"]
            w.invoke("parser", ts, 30, lines=lines)
        w.invoke("parser", ts + 1000, 30, lines=["[ERROR] KeyError: 'customer'\nTraceback (most recent call last):\n  File \"/var/task/app.py\", line 12\n"])
        truth["parser"] = ["new_error_type"]

        # attacks: a scanner (blocked, 40 in two minutes) and report-mode hits
        hdr = "2026-03-07T00:00:00.000+0000 - defence-json (hooks.lua:1) - PID 8 - thread 1 - WARN: SensorEvent: "
        ts = T0
        for i in range(40):
            ts += 3000
            rec = {"rule_id": "100%d" % (i % 3), "event_type": "security_engine/IPSEvent", "sensor_event": {"id": "s-%d" % i, "blocked": True},
                   "payload": "GET /?q=%%27+OR+1%%3D1 HTTP/1.1\r\nx-forwarded-for: 198.51.100.7\r\n\r\n",
                   "transaction": {"initiator": {"lambda_invocation": {"function_name": "shop", "aws_request_id": w.rid()}}}}
            w.ev("shop", ts, hdr + json.dumps(rec, indent=4) + "\n")
        for i in range(3):
            ts += 3000
            rec = {"rule_id": "2001", "event_type": "security_engine/IPSEvent", "sensor_event": {"id": "u-%d" % i, "blocked": False},
                   "payload": "GET /download?file=../../etc/passwd HTTP/1.1\r\nx-forwarded-for: 203.0.113.%d\r\n\r\n" % (i + 1),
                   "transaction": {"initiator": {"lambda_invocation": {"function_name": "shop", "aws_request_id": w.rid()}}}}
            w.ev("shop", ts, hdr + json.dumps(rec) + "\n")
        truth["shop"] = ["attack"]

        # secret_leak: a '; env' injection makes a function print its
        # environment; ordinary lines with ids and hashes stay quiet
        ts = T0
        for i in range(200):
            ts += 2000
            w.invoke("reporter", ts, 40, lines=["2026-03-07T00:00:00.000Z\t{rid}\tINFO\tuploaded sha256=%064x id=%s\n"
                                                % (rng.getrandbits(256), w.rid())])
        w.ev("reporter", ts + 500, "2026-03-07T00:00:00.000Z\tr\tINFO\tAWS_ACCESS_KEY_ID=ASIAQ3EGTJ7K5LMN2PXZ\n"
             "AWS_SECRET_ACCESS_KEY=Zq8v/3kLm9PwX2rT7yNb4Hc6Jd1Fe5Ga0Sx8Uo2R\nAWS_LAMBDA_FUNCTION_NAME=reporter\n"
             "_HANDLER=app.handler\n")
        truth["reporter"] = ["secret_leak"]

        # probe: a request for the instance metadata endpoint reaches the code
        ts = T0
        for i in range(200):
            ts += 2000
            w.invoke("fetcher", ts, 40, lines=["2026-03-07T00:00:00.000Z\t{rid}\tINFO\tfetching https://api.example.com/v1/items/%d\n" % i])
        w.ev("fetcher", ts + 500, "2026-03-07T00:00:00.000Z\tr\tINFO\tfetching http://169.254.169.254/latest/meta-data/iam/security-credentials/\n")
        truth["fetcher"] = ["probe"]

        threats(w, rng, truth)

    json.dump({"expected": truth, "anchor_false_positives_on_clean": anchor_fp}, open(a.truth, "w"), indent=1)

def threats(w, rng, truth):
    """Issue 16: stale runtimes, resource exhaustion, persistence."""
    # stale runtimes: deprecated ones on cold starts, text and JSON format
    ts = T0
    for i in range(30):
        ts += 60000
        cold = i % 10 == 0
        w.invoke("legacy38", ts, 40, init=250 if cold else None, runtime="python:3.8.v15" if cold else None,
                 stream="e%d" % (i // 10))
        w.invoke("legacynode", ts + 100, 40, init=250 if cold else None, runtime="nodejs:16.v30" if cold else None,
                 stream="e%d" % (i // 10))
        if cold:
            w.ev("legacyjson", ts + 200, json.dumps({"time": "2026-03-07T00:00:00.000Z", "type": "platform.initStart",
                 "record": {"initializationType": "on-demand", "phase": "init", "runtimeVersion": "go:1.v21",
                            "runtimeVersionArn": "arn:aws:lambda:us-east-1::runtime:%064x" % rng.getrandbits(256)}}),
                 "e%d" % (i // 10))
        w.invoke("legacyjson", ts + 300, 40, stream="e%d" % (i // 10))
        # current runtimes (nodejs20.x is deprecated only from 2026-04-30)
        for fn, rt in (("current312", "python:3.12.v16"), ("currentnode", "nodejs:20.v40"),
                       ("currentjava", "java:21.v10"), ("currental2023", "provided:al2023.v98")):
            w.invoke(fn, ts + 400, 40, init=250 if cold else None, runtime=rt if cold else None,
                     stream="e%d" % (i // 10))
    truth.update({"legacy38": ["stale_runtime"], "legacynode": ["stale_runtime"], "legacyjson": ["stale_runtime"],
                  "current312": [], "currentnode": [], "currentjava": [], "currental2023": []})

    # agent version spread: one function's protection agent lags the others'
    hdr = "2026-03-07T00:00:00.000+0000 - defence-json (hooks.lua:1) - PID 8 - thread 1 - WARN: SensorEvent: "
    for fn, ver in (("agentold", "5.1.0"), ("agentnew", "5.4.2"), ("agentnew2", "5.4.2")):
        for i in range(3):
            rec = {"rule_id": "1001", "event_type": "security_engine/IPSEvent",
                   "sensor_event": {"id": "%s-%d" % (fn, i), "blocked": True, "host_agent_version": ver,
                                    "host_agent_type": "python"},
                   "payload": "GET /?q=%%27+OR+1%%3D1 HTTP/1.1\r\nx-forwarded-for: 198.51.100.9\r\n\r\n",
                   "transaction": {"initiator": {"lambda_invocation": {"function_name": fn, "aws_request_id": w.rid()}}}}
            w.ev(fn, T0 + 3600000 + i * 5000, hdr + json.dumps(rec) + "\n")
    truth.update({"agentold": ["attack", "stale_runtime"], "agentnew": ["attack"], "agentnew2": ["attack"]})

    # resource exhaustion: a fork bomb in two environments (the invocations
    # run into their timeout), a descriptor leak, Node's spawn EAGAIN
    def steady(fn, n, start, stream="s1", lines=()):
        t = start
        for i in range(n):
            t += rng.expovariate(1 / 2000.0)
            w.invoke(fn, t, rng.lognormvariate(math.log(60), 0.2), stream=stream, lines=lines)
        return t
    t = steady("forkbomb", 300, T0)
    for env in ("e1", "e2"):
        t += 5000
        w.invoke("forkbomb", t, 3000.0, status="timeout", stream=env,
                 lines=["/var/task/bootstrap: fork: retry: Resource temporarily unavailable\n"] * 3)
    truth["forkbomb"] = ["resource_exhaustion", "timeout"]
    t = steady("fdleak", 300, T0)
    w.invoke("fdleak", t + 2000, 45, stream="s1",
             lines=["[ERROR]\t2026-03-07T00:00:00.000Z\t{rid}\tOSError: [Errno 24] Too many open files: '/tmp/cache-17'\n"])
    truth["fdleak"] = ["resource_exhaustion"]
    t = steady("spawner", 300, T0)
    w.invoke("spawner", t + 2000, 45, stream="s1",
             lines=["2026-03-07T00:00:00.000Z\t{rid}\tERROR\tError: spawn EAGAIN\n"])
    truth["spawner"] = ["resource_exhaustion"]

    # persistence: the usual streams live 10-40 min under Poisson traffic;
    # one environment is invoked every 2 minutes for 10 hours, like a timer
    def usual(fn, count=24):
        for i in range(count):
            start = T0 + i * 30 * 60000
            end = start + rng.uniform(10, 40) * 60000
            t = start
            while t < end:
                w.invoke(fn, t, rng.lognormvariate(math.log(40), 0.2), stream="u%02d" % i)
                t += rng.expovariate(1 / 45000.0) + 1
    def timer(fn, hours, period_s, extra=None):
        t = T0 + 5 * 60000
        n = 0
        while t < T0 + 5 * 60000 + hours * 3600000:
            w.invoke(fn, t, rng.lognormvariate(math.log(40), 0.2), stream="warm",
                     lines=[extra] if extra and n == 2 else ())
            t += period_s * 1000 * rng.uniform(0.99, 1.01)
            n += 1
    usual("warmed")
    timer("warmed", 10, 120)
    truth["warmed"] = ["persistence"]
    usual("warmprobe")
    timer("warmprobe", 10, 120, "2026-03-07T00:00:00.000Z\t{rid}\tINFO\tfetching http://169.254.169.254/latest/meta-data/\n")
    truth["warmprobe"] = ["persistence", "probe"]
    # a clean function whose environments all live long under steady real
    # traffic, many at once: must stay quiet
    for i in range(30):
        start = T0 + i * 20 * 60000
        end = start + rng.uniform(3, 9) * 3600000
        t = start
        while t < end:
            w.invoke("longlived", t, rng.lognormvariate(math.log(40), 0.2), stream="l%02d" % i)
            t += rng.expovariate(1 / 60000.0) + 1
    truth["longlived"] = []
    # a scheduled job (every 5 minutes): each environment is kept warm by a
    # real timer until Lambda recycles it after 2-3 h, so that is its usual
    # lifetime: quiet
    t = T0
    for i in range(12):
        end = t + rng.uniform(2, 3) * 3600000
        while t < end:
            w.invoke("cronjob", t, rng.lognormvariate(math.log(40), 0.2), stream="c%02d" % i)
            t += 300000 + rng.uniform(-50, 50)
    truth["cronjob"] = []

if __name__ == "__main__":
    main()
