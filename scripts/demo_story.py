#!/usr/bin/python3
"""The demo's story, as CloudWatch events over the last 40 minutes.

hello-world   attacked with ?file=/etc/passwd: blocked, then again with the
              agent in report mode (not blocked)
env-dumper    a '; env' injection makes it print its environment, keys included
fanout        starts invoking itself through a queue: one X-Ray trace, more
              invocations every minute
leaky         memory climbs invocation after invocation until an OOM kill
checkout      a slow dependency makes every call three times slower
report-legacy still on python3.8, deprecated since 2024-10-14
thumbnailer   a fork bomb in two execution environments; invocations time out
keepwarm      its environments usually live half an hour, but one has been
              invoked every two minutes, like a timer, for 11 hours
"""
import json, math, random, sys, time

rng = random.Random(42)
now = int(time.time() * 1000)
T0 = now - 40 * 60 * 1000
out = open(sys.argv[1], "w")
n = [0]


def ev(fn, ts, msg, stream="s1"):
    n[0] += 1
    out.write(json.dumps({"logGroupName": "/aws/lambda/" + fn, "logStreamName": "2026/11/22/[$LATEST]%s%s" % (fn[:4], stream),
                          "timestamp": int(ts), "message": msg}) + "\n")


def rid():
    return "%08x-%04x-4%03x-8%03x-%012x" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12),
                                           rng.getrandbits(12), rng.getrandbits(48))


def invoke(fn, ts, dur, mem=70, size=256, status=None, etype=None, trace=None, lines=(), stream="s1", runtime=None):
    r = rid()
    if runtime:
        ev(fn, ts - 300, "INIT_START Runtime Version: %s\tRuntime Version ARN: arn:aws:lambda:eu-central-1::runtime:%064x\n"
           % (runtime, rng.getrandbits(256)), stream)
    ev(fn, ts, "START RequestId: %s Version: $LATEST\n" % r, stream)
    for l in lines:
        ev(fn, ts + 1, l.replace("{rid}", r), stream)
    rep = "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t" % (
        r, dur, math.ceil(dur), size, mem)
    if status:
        rep += "Status: %s\tError Type: %s\t" % (status, etype)
    if trace:
        rep += "\nXRAY TraceId: %s\tSegmentId: 1a2b3c4d5e6f7a8b\tSampled: true" % trace
    ev(fn, ts + dur, "END RequestId: %s\n" % r, stream)
    ev(fn, ts + dur, rep + "\n", stream)


def sensor(ts, blocked, ip, sid):
    hdr = "2026-11-22T10:00:00.000+0000 - defence-json (lib/hooks/HookEvent.lua:192) - PID 8 - thread 1 - WARN: SensorEvent: {\n"
    rec = {"rule_id": "1005936", "event_type": "security_engine/IPSEvent",
           "sensor_event": {"id": sid, "blocked": blocked, "host_agent_type": "agent-python", "host_agent_version": "4.5.0"},
           "payload": "GET /?file=/etc/passwd HTTP/1.1\r\nhost: api.example.com\r\nx-forwarded-for: %s\r\n"
                      "cookie: session=eyJzZWNyZXQiOiJkby1ub3QtbG9nIn0=\r\nuser-agent: curl/8.5.0\r\n\r\n" % ip,
           "transaction": {"initiator": {"lambda_invocation": {"function_name": "hello-world", "aws_request_id": rid(),
                                                               "invoker": {"api_gateway": {"path": "/", "method": "GET",
                                                                                           "query_string": "file=/etc/passwd",
                                                                                           "remote_addr": ip}}}}}}
    # one log event per line, as container-image functions write it
    ev("hello-world", ts, hdr, "atk")
    for line in json.dumps(rec, indent=4)[2:].split("\n"):
        ev("hello-world", ts, line + "\n", "atk")


# keepwarm: 11 hours of history (the demo reads 12), written first: the
# file stays in time order as a source would deliver it
K0 = now - 11 * 3600 * 1000
for i in range(22):
    t, end = K0 + i * 30 * 60000, K0 + i * 30 * 60000 + rng.uniform(10, 40) * 60000
    while t < end:
        invoke("keepwarm", t, rng.lognormvariate(math.log(40), 0.2), stream="u%02d" % i)
        t += rng.expovariate(1 / 45000.0) + 1
t = K0 + 5 * 60000
while t < now - 60000:
    invoke("keepwarm", t, rng.lognormvariate(math.log(40), 0.2), stream="warm")
    t += 120000 * rng.uniform(0.99, 1.01)

for i in range(60):
    invoke("hello-world", T0 + i * 30000, rng.lognormvariate(math.log(40), 0.2))
sensor(T0 + 20 * 60000, True, "203.0.113.77", "sensor-blocked-1")
sensor(T0 + 35 * 60000, False, "198.51.100.23", "sensor-report-mode-1")

for i in range(40):
    invoke("env-dumper", T0 + i * 45000, 25)
ev("env-dumper", T0 + 30 * 60000, "2026-11-22T10:30:00.000Z\t%s\tINFO\tcmd output: AWS_LAMBDA_FUNCTION_NAME=env-dumper\n"
   "AWS_ACCESS_KEY_ID=ASIAQ3EGTJ7K5LMN2PXZ\nAWS_SECRET_ACCESS_KEY=Zq8v/3kLm9PwX2rT7yNb4Hc6Jd1Fe5Ga0Sx8Uo2R\n"
   "AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEJr//////////wEaCWV1LXdlc3QtMSJHMEUCIQD7k2Lm9PwX2rT7yNb4Hc6Jd1Fe5Ga0Sx8Uo2RZq8v3kLm9PwX2rT7yNb4Hc6Jd1Fe5Ga0Sx8Uo2RQ==\n"
   "_HANDLER=app.handler\nAWS_LAMBDA_RUNTIME_API=127.0.0.1:9001\n" % rid())

trace = "1-6740a1b2-%024x" % rng.getrandbits(96)
for m in range(25):
    for k in range(6):
        invoke("fanout", T0 + m * 60000 + k * 9000, 30, trace="1-6740a1b2-%024x" % rng.getrandbits(96))
per = 2
for m in range(25, 33):
    for k in range(per):
        invoke("fanout", T0 + m * 60000 + k * (60000 / per), 30, trace=trace)
    per *= 2

mem = 90.0
for i in range(120):
    mem = min(255, mem + (0 if i < 40 else 1.6))
    invoke("leaky", T0 + i * 18000, rng.lognormvariate(math.log(60), 0.15), mem=int(mem), size=256)
invoke("leaky", T0 + 120 * 18000, 900, mem=256, size=256, status="error", etype="Runtime.OutOfMemory")

for i in range(80):
    slow = 3.0 if i >= 50 else 1.0
    invoke("checkout", T0 + i * 28000, rng.lognormvariate(math.log(180 * slow), 0.12), mem=110)
for i in range(40):
    invoke("report-legacy", T0 + i * 60000, rng.lognormvariate(math.log(90), 0.15),
           runtime="python:3.8.v15" if i % 20 == 0 else None, stream="e%d" % (i // 20))

for i in range(60):
    invoke("thumbnailer", T0 + i * 30000, rng.lognormvariate(math.log(300), 0.15))
for k, env in enumerate(("e1", "e2")):
    invoke("thumbnailer", T0 + 32 * 60000 + k * 60000, 30000, status="timeout", etype="Sandbox.Timedout", stream=env,
           lines=["/var/task/bin/convert: fork: retry: Resource temporarily unavailable\n"] * 4)

out.close()
print("%d events" % n[0], file=sys.stderr)
