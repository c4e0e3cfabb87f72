#!/usr/bin/python3
"""Proves the fake Live Tail endpoint against a real client: Debian's
botocore calls start_live_tail and iterates the stream with its own event
stream decoder and response parser. Debian 12's botocore (1.29) predates
StartLiveTail, so the operation's model (cut from botocore's current one,
tests/fakelive/model) is put on AWS_DATA_PATH; that botocore also applies
the host prefix to an explicit endpoint ("stream-127.0.0.1"), so the
clients here turn host prefix injection off.

Checked: events of the feed in sessionResults with their stream, group
identifier, timestamp and ingestionTime; an event is not sent before its
ingestionTime; sampling above the configured rate (sampled: true, exactly
the rate's worth of results); SessionTimeoutException after the session
length; an injected SessionStreamingException; a connection cut mid-frame
(the frames before it decode, the last one is incomplete); refusals at
start as botocore's modeled errors (ThrottlingException, LimitExceeded on
the concurrency quota, InvalidParameterException, a bad signature).

usage: test_botocore.py   (exit 0 = pass)
"""
import http.client, json, os, subprocess, sys, threading, time, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
os.environ["AWS_DATA_PATH"] = os.path.join(HERE, "model")
os.environ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE"
os.environ["AWS_SECRET_ACCESS_KEY"] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
os.environ.pop("AWS_SESSION_TOKEN", None)
os.environ.pop("AWS_PROFILE", None)
os.environ["AWS_CONFIG_FILE"] = os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent"

import botocore.session  # noqa: E402
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from botocore.eventstream import EventStreamBuffer  # noqa: E402
from botocore.exceptions import ClientError, EventStreamError  # noqa: E402

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


def admin(port, path, body=None):
    data = body.encode() if isinstance(body, str) else (json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), data) as r:
        return json.loads(r.read())


def put(port, events):
    admin(port, "/__admin/put", "\n".join(json.dumps(e) for e in events))


def client(port, **cfg):
    s = botocore.session.get_session()
    return s.create_client("logs", region_name="eu-west-1", endpoint_url="http://127.0.0.1:%d" % port,
                           config=Config(inject_host_prefix=False, retries={"total_max_attempts": 1}, **cfg))


def updates(stream, until):
    """(arrival ms, update) for each sessionUpdate until until(update) says so."""
    for ev in stream:
        if "sessionUpdate" in ev:
            u = ev["sessionUpdate"]
            yield int(time.time() * 1000), u
            if until(u):
                return


def test_events(port):
    c = client(port)
    groups = [ARN % "/aws/lambda/a", ARN % "/aws/lambda/b"]
    r = c.start_live_tail(logGroupIdentifiers=groups)
    stream = r["responseStream"]
    first = next(iter(stream))
    check("sessionStart" in first, "the first event after initial-response is sessionStart: %r" % first)
    st = first.get("sessionStart", {})
    check(st.get("logGroupIdentifiers") == groups and st.get("sessionId"), "sessionStart names the session: %r" % st)
    now = int(time.time() * 1000)
    put(port, [{"logGroupName": "/aws/lambda/a", "logStreamName": "2026/12/03/[$LATEST]x", "timestamp": now - 5000,
                "message": "START RequestId: 1 Version: $LATEST\n"},
               {"logGroupName": "/aws/lambda/b", "logStreamName": "s2", "timestamp": now - 1, "message": "caf\u00e9"},
               {"logGroupName": "/aws/lambda/other", "logStreamName": "s3", "timestamp": now, "message": "not tailed"},
               {"logGroupName": "/aws/lambda/a", "logStreamName": "late", "timestamp": now - 60000,
                "ingestionTime": now + 1500, "message": "ingested late"}])
    got = []
    for at, u in updates(stream, lambda u: any(x["message"] == "ingested late" for x in u["sessionResults"])):
        check(u["sessionMetadata"]["sampled"] is False, "few events are not sampled")
        for x in u["sessionResults"]:
            got.append(x)
            if x["message"] == "ingested late":
                check(at >= x["ingestionTime"], "an event is sent once ingested, not before")
    stream.close()
    msgs = sorted(x["message"] for x in got)
    check(msgs == sorted(["START RequestId: 1 Version: $LATEST\n", "caf\u00e9", "ingested late"]),
          "the tailed groups' events, each once: %r" % msgs)
    a = [x for x in got if x["logStreamName"] == "2026/12/03/[$LATEST]x"]
    check(len(a) == 1 and a[0]["logGroupIdentifier"] == groups[0] and a[0]["timestamp"] == now - 5000
          and a[0]["ingestionTime"] >= now - 5000, "results carry stream, identifier, timestamp, ingestion: %r" % a)


def test_filters(port):
    c = client(port)
    r = c.start_live_tail(logGroupIdentifiers=[ARN % "/aws/lambda/f"], logStreamNamePrefixes=["keep"],
                          logEventFilterPattern="ERROR")
    stream = r["responseStream"]
    next(iter(stream))
    now = int(time.time() * 1000)
    put(port, [{"logGroupName": "/aws/lambda/f", "logStreamName": "keep-1", "timestamp": now, "message": "ERROR one"},
               {"logGroupName": "/aws/lambda/f", "logStreamName": "keep-1", "timestamp": now, "message": "INFO two"},
               {"logGroupName": "/aws/lambda/f", "logStreamName": "drop-1", "timestamp": now, "message": "ERROR 3"},
               {"logGroupName": "/aws/lambda/f", "logStreamName": "keep-2", "timestamp": now, "message": "ERROR end"}])
    got = []
    for _, u in updates(stream, lambda u: any(x["message"] == "ERROR end" for x in u["sessionResults"])):
        got += [x["message"] for x in u["sessionResults"]]
    stream.close()
    check(sorted(got) == ["ERROR end", "ERROR one"], "stream prefix and filter pattern apply: %r" % got)


def test_sampling(port):
    # this server samples above 20 events/s with updates every 0.5 s: 10 per update
    c = client(port)
    stream = c.start_live_tail(logGroupIdentifiers=[ARN % "/aws/lambda/busy"])["responseStream"]
    next(iter(stream))
    now = int(time.time() * 1000)
    put(port, [{"logGroupName": "/aws/lambda/busy", "logStreamName": "s", "timestamp": now, "message": "m%d" % i}
               for i in range(50)])
    seen = []
    for _, u in updates(stream, lambda u: u["sessionMetadata"]["sampled"]):
        seen.append(u)
    last = seen[-1]
    check(len(last["sessionResults"]) == 10, "a sampled update holds the rate's worth: %d" % len(last["sessionResults"]))
    check(len({x["message"] for x in last["sessionResults"]}) == 10, "a sample has no duplicates")
    put(port, [{"logGroupName": "/aws/lambda/busy", "logStreamName": "s", "timestamp": now, "message": "calm"}])
    for _, u in updates(stream, lambda u: bool(u["sessionResults"])):
        pass
    check(u["sessionMetadata"]["sampled"] is False and [x["message"] for x in u["sessionResults"]] == ["calm"],
          "below the rate again, nothing is sampled: %r" % u)
    stream.close()


def test_streaming_exception(port):
    c = client(port)
    stream = c.start_live_tail(logGroupIdentifiers=[ARN % "/aws/lambda/x"])["responseStream"]
    next(iter(stream))
    admin(port, "/__admin/faults", {"exception": "SessionStreamingException"})
    try:
        for ev in stream:
            check("sessionUpdate" in ev, "only updates before the exception")
        check(False, "SessionStreamingException ends the stream as an error")
    except EventStreamError as e:
        check(e.response["Error"]["Code"] == "SessionStreamingException", "modeled exception: %r" % e.response)


def test_timeout(port):
    # this server ends sessions after 1.5 s
    c = client(port)
    stream = c.start_live_tail(logGroupIdentifiers=[ARN % "/aws/lambda/x"])["responseStream"]
    n = 0
    try:
        for ev in stream:
            n += 1
        check(False, "the session ends with SessionTimeoutException")
    except EventStreamError as e:
        check(e.response["Error"]["Code"] == "SessionTimeoutException", "timeout: %r" % e.response)
    check(n >= 2, "sessionStart and updates came before the timeout: %d" % n)


def test_concurrency(port):
    # this server allows one session at a time
    c = client(port)
    stream = c.start_live_tail(logGroupIdentifiers=[ARN % "/aws/lambda/x"])["responseStream"]
    next(iter(stream))
    try:
        client(port).start_live_tail(logGroupIdentifiers=[ARN % "/aws/lambda/y"])
        check(False, "a second concurrent session is refused")
    except ClientError as e:
        check(e.response["Error"]["Code"] == "LimitExceededException", "quota: %r" % e.response["Error"])
    stream.close()


def test_start_errors(port):
    admin(port, "/__admin/faults", {"start_error": "ThrottlingException"})
    try:
        client(port).start_live_tail(logGroupIdentifiers=[ARN % "/aws/lambda/x"])
        check(False, "an injected start error refuses the session")
    except ClientError as e:
        check(e.response["Error"]["Code"] == "ThrottlingException", "throttled: %r" % e.response["Error"])
    try:
        client(port, parameter_validation=False).start_live_tail(
            logGroupIdentifiers=[ARN % ("/g%d" % i) for i in range(11)])
        check(False, "11 groups are refused")
    except ClientError as e:
        check(e.response["Error"]["Code"] == "InvalidParameterException", "11 groups: %r" % e.response["Error"])
    try:
        client(port).start_live_tail(logGroupIdentifiers=[ARN % "/a", ARN % "/b"], logStreamNames=["s"])
        check(False, "stream names with two groups are refused")
    except ClientError as e:
        check(e.response["Error"]["Code"] == "InvalidParameterException", "streams: %r" % e.response["Error"])
    s = botocore.session.get_session()
    s.set_credentials("AKIDEXAMPLE", "not-the-secret")
    bad = s.create_client("logs", region_name="eu-west-1", endpoint_url="http://127.0.0.1:%d" % port,
                          config=Config(inject_host_prefix=False, retries={"total_max_attempts": 1}))
    try:
        bad.start_live_tail(logGroupIdentifiers=[ARN % "/aws/lambda/x"])
        check(False, "a bad signature is refused")
    except ClientError as e:
        check(e.response["Error"]["Code"] == "InvalidSignatureException", "signature: %r" % e.response["Error"])


def test_cut(port):
    """Raw HTTP, so that what arrives before the cut can be inspected."""
    body = json.dumps({"logGroupIdentifiers": [ARN % "/aws/lambda/x"]}).encode()
    req = AWSRequest(method="POST", url="http://127.0.0.1:%d/" % port, data=body,
                     headers={"Content-Type": "application/x-amz-json-1.1",
                              "X-Amz-Target": "Logs_20140328.StartLiveTail"})
    SigV4Auth(Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]), "logs",
              "eu-west-1").add_auth(req)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/", body=body, headers=dict(req.headers.items()))
    resp = conn.getresponse()
    check(resp.status == 200 and resp.getheader("Content-Type") == "application/vnd.amazon.eventstream",
          "a session answers 200 with an event stream")
    sock = resp.fp
    buf = EventStreamBuffer()
    raw = b""
    threading.Timer(0.4, lambda: admin(port, "/__admin/faults", {"cut": True})).start()
    # read the chunked body by hand: a cut leaves a chunk unfinished
    while True:
        size_line = sock.readline()
        if not size_line:
            break
        size = int(size_line.strip() or b"0", 16)
        if size == 0:
            break
        data = sock.read(size)
        raw += data
        if len(data) < size:
            break
        sock.read(2)
    conn.close()
    buf.add_data(raw)
    msgs = list(buf)
    types = [m.headers.get(":event-type") for m in msgs]
    check(types[:2] == ["initial-response", "sessionStart"], "the frames before the cut decode: %r" % types)
    check(all(t == "sessionUpdate" for t in types[2:]), "then updates: %r" % types)
    check(len(buf._data) > 0, "the cut leaves an incomplete frame")


def main():
    if not hasattr(botocore.session.get_session().create_client(
            "logs", region_name="eu-west-1", endpoint_url="http://127.0.0.1:9"), "start_live_tail"):
        print("botocore cannot load the StartLiveTail model from", os.environ["AWS_DATA_PATH"])
        return 1
    p1, port1 = start_server("--update-interval", "0.5", "--sample-rate", "20")
    p2, port2 = start_server("--update-interval", "0.3", "--session-seconds", "1.5", "--max-sessions", "1")
    try:
        for t in (test_events, test_filters, test_sampling, test_streaming_exception, test_start_errors, test_cut):
            print("--", t.__name__, flush=True)
            t(port1)
        for t in (test_timeout, test_concurrency):
            print("--", t.__name__, flush=True)
            t(port2)
        st = admin(port1, "/__admin/stats")
        print("stats:", json.dumps(st, sort_keys=True))
        check(st.get("host:127.0.0.1:%d" % port1, 0) > 0, "requests went to the endpoint as given, no prefix")
        check(st.get("sampled_updates", 0) >= 1 and st.get("cuts", 0) == 1, "the fake counts what it did")
    finally:
        p1.kill()
        p2.kill()
        p1.wait()
        p2.wait()
    print("FAILED: %d" % len(failures) if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
