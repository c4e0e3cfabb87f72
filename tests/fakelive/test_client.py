#!/usr/bin/python3
"""lambdaward's Live Tail client (aws/livetail_session.c over lw_curl on
libuv, through tests/fakelive/livetail_probe) against the fake endpoint:
events reach lw_events with the group named from its ARN and the message
unescaped; sampling is reported; each way a session ends comes out typed
with what to do next: SessionTimeoutException (restart), an injected
SessionStreamingException (backoff), a connection cut mid-frame (backoff,
protocol, naming the truncated frame), refusals at start (AccessDenied:
give up; Throttling and LimitExceeded: backoff); the request is signed
for the endpoint as given (no host prefix).

usage: test_client.py BUILD_DIR   (exit 0 = pass)
"""
import json, os, subprocess, sys, time, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = os.path.join(sys.argv[1], "tests", "livetail_probe")
ENV = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
           AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_EC2_METADATA_DISABLED="true")
for k in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
          "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
    ENV.pop(k, None)
ARN = "arn:aws:logs:eu-west-1:123456789012:log-group:%s"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)


def start_server(*extra):
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "server.py"), "--max-seconds", "120", *extra],
                         stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    assert line.startswith("LISTENING "), line
    return p, int(line.split()[1])


def admin(port, path, body):
    data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), data) as r:
        return json.loads(r.read())


def stats(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/__admin/stats" % port) as r:
        return json.loads(r.read())


def put(port, events):
    admin(port, "/__admin/put", "\n".join(json.dumps(e) for e in events))


class Probe:
    def __init__(self, port, groups, *extra):
        args = [PROBE, "--region", "eu-west-1", "--endpoint-url", "http://127.0.0.1:%d" % port, "--seconds", "60"]
        for g in groups:
            args += ["--group", g]
        self.p = subprocess.Popen(args + list(extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=ENV)
        self.lines = []

    def until(self, pred):
        """Reads lines until pred(line) is true; returns that line (None at EOF)."""
        for line in self.p.stdout:
            line = line.rstrip("\n")
            self.lines.append(line)
            if pred(line):
                return line
        return None

    def finish(self):
        # through the same buffered reader as until(): communicate() would
        # read the pipe underneath it and lose what it holds
        self.lines += [l.rstrip("\n") for l in self.p.stdout]
        err = self.p.stderr.read()
        self.p.wait(timeout=60)
        check(self.p.returncode == 0, "the probe exits 0 (%d): %s" % (self.p.returncode, err))
        return self.lines

    def events(self):
        return [json.loads(l[6:]) for l in self.lines if l.startswith("event ")]


def test_events_and_timeout(port):
    # this server ends sessions after 3 s
    pr = Probe(port, [ARN % "/aws/lambda/a", "123456789012:/aws/lambda/b"])
    check(pr.until(lambda l: l.startswith("start ")) is not None, "a session starts")
    put(port, [{"logGroupName": "/aws/lambda/a", "logStreamName": "2026/12/03/[$LATEST]x", "timestamp": 1764720000000,
                "ingestionTime": 1764720000500, "message": "START RequestId: 1\tVersion: $LATEST\n"},
               {"logGroupName": "/aws/lambda/b", "logStreamName": "s", "timestamp": 7, "message": "caf\u00e9 \"q\""},
               {"logGroupName": "/aws/lambda/zzz", "logStreamName": "s", "timestamp": 7, "message": "not tailed"}])
    lines = pr.finish()
    ev = sorted(pr.events(), key=lambda e: e["group"])
    check([(e["group"], e["stream"], e["message"]) for e in ev] ==
          [("/aws/lambda/a", "2026/12/03/[$LATEST]x", "START RequestId: 1\tVersion: $LATEST\n"),
           ("/aws/lambda/b", "s", "caf\u00e9 \"q\"")], "the tailed groups' events, by group name: %r" % ev)
    check(ev and ev[0]["timestamp"] == 1764720000000 and ev[0]["ingestion"] == 1764720000500,
          "timestamp and ingestionTime carried: %r" % ev[:1])
    check(any(l.startswith("update sampled=0") for l in lines), "updates reported")
    end = [l for l in lines if l.startswith("end ")]
    check(len(end) == 1 and end[0].startswith("end type=SessionTimeoutException next=restart protocol=0"),
          "the 3-hour limit (here 3 s) ends it with a restart: %r" % end)


def test_sampling(port):
    # this server samples above 20 events/s, updates every 0.5 s: 10 per update
    pr = Probe(port, [ARN % "/aws/lambda/busy"], "--max-updates", "40")
    pr.until(lambda l: l.startswith("start "))
    put(port, [{"logGroupName": "/aws/lambda/busy", "logStreamName": "s", "timestamp": i, "message": "m%d" % i}
               for i in range(50)])
    line = pr.until(lambda l: l.startswith("update sampled=1"))
    check(line == "update sampled=1 results=10", "a sampled update is reported as such: %r" % line)
    admin(port, "/__admin/faults", {"exception": "SessionStreamingException"})
    lines = pr.finish()
    end = [l for l in lines if l.startswith("end ")]
    check(len(end) == 1 and end[0].startswith("end type=SessionStreamingException next=backoff protocol=0"),
          "a streaming exception asks for a backoff: %r" % end)
    check(len(pr.events()) == 10, "a sample's events, once each: %d" % len(pr.events()))


def test_cut(port):
    pr = Probe(port, [ARN % "/aws/lambda/a"])
    pr.until(lambda l: l.startswith("update "))
    admin(port, "/__admin/faults", {"cut": True})
    lines = pr.finish()
    end = [l for l in lines if l.startswith("end ")]
    check(len(end) == 1 and end[0].startswith("end type= next=backoff protocol=1") and "truncated frame" in end[0],
          "a cut mid-frame ends the session, naming the truncated frame: %r" % end)


def test_start_errors(port):
    for typ, nxt in (("AccessDeniedException", "give up"), ("ThrottlingException", "backoff"),
                     ("ResourceNotFoundException", "give up")):
        admin(port, "/__admin/faults", {"start_error": typ})
        pr = Probe(port, [ARN % "/aws/lambda/a"])
        lines = pr.finish()
        check(lines == ['end type=%s next=%s protocol=0 message="injected %s"' % (typ, nxt, typ)],
              "%s at start: %r" % (typ, lines))


def test_quota_and_stop(port):
    # this server allows one session at a time
    first = Probe(port, [ARN % "/aws/lambda/a"], "--max-updates", "3")
    first.until(lambda l: l.startswith("start "))
    second = Probe(port, [ARN % "/aws/lambda/b"])
    lines = second.finish()
    check(len(lines) == 1 and lines[0].startswith("end type=LimitExceededException next=backoff"),
          "beyond the quota: %r" % lines)
    lines = first.finish()
    check(lines[-1] == "stopped" and not any(l.startswith("end ") for l in lines),
          "a stopped session says nothing more: %r" % lines[-2:])


def main():
    p1, port1 = start_server("--update-interval", "0.5", "--sample-rate", "20", "--session-seconds", "3")
    p2, port2 = start_server("--update-interval", "0.3", "--max-sessions", "1")
    try:
        for t, port in ((test_events_and_timeout, port1), (test_sampling, port1), (test_cut, port2),
                        (test_start_errors, port2), (test_quota_and_stop, port2)):
            print("--", t.__name__, flush=True)
            t(port)
        st = stats(port2)
        print("stats:", json.dumps(st, sort_keys=True))
        check(st.get("host:127.0.0.1:%d" % port2, 0) >= 5 and st.get("key:AKIDEXAMPLE", 0) >= 5,
              "every request was signed for the endpoint as given (the fake checked each signature)")
    finally:
        p1.kill()
        p2.kill()
        p1.wait()
        p2.wait()
    print("FAILED: %d" % len(failures) if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
