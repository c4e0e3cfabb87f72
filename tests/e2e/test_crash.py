#!/usr/bin/python3
"""Crash consistency: SIGKILL at random instants changes no finding.

One scenario whose findings depend on state built across many batches (a
duration baseline and its shift, an invocation storm against its usual
rate, an X-Ray chain looping over a minute, bursts of blocked attacks, an
unblocked attack whose sensor record is split over events of several
batches, a leaked token printed twice) is delivered twice into a fresh
daemon: once without interruption, once with the daemon SIGKILLed at random
instants (mid-request, mid-page, mid-commit, mid-replay) and restarted, as
Firehose retries what was not acknowledged (and some of what was) and the
poller re-reads what was not checkpointed. The findings must be equal, by
id. Both for Firehose pushes and for FilterLogEvents polling (the fake
endpoint, tests/fakelogs/server.py).

The events are two hours old (a backlog): the daemon's event-time clock
then moves with the wall clock, and each run waits until every window a
silent function holds has closed before it stops, so both runs end in the
same place.

usage: test_crash.py BUILD_DIR
"""
import base64, gzip, http.client, json, os, random, signal, socket, sqlite3, subprocess, sys, tempfile, threading
import time, unittest

BIN = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "build", "lambdaward")
HERE = os.path.dirname(os.path.abspath(__file__))
KEY = "firehose-crash-key-0123456789"
ENV = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
           AWS_REGION="us-east-1", HOME=tempfile.gettempdir(), LW_FIREHOSE_KEY=KEY)
for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_SESSION_TOKEN"):
    ENV.pop(k, None)
# Short windows, so that the runs settle in seconds.
DETECTORS = ("[detector invocation_storm]\nwindow_s = 10\nlateness_s = 2\nwarmup_windows = 3\nmin_count = 20\n"
             "factor = 4\n[detector attack]\nwindow_s = 10\n")
SETTLE_S = 16  # > every silent window's close: storm 10 + 2, attack bursts 10
KILLS = 11     # per source: 22 in all


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def sensor_lines(n, ip, blocked, base_ms):
    rec = {"rule_id": "1005936", "event_type": "security_engine/IPSEvent",
           "sensor_event": {"id": "sensor-%d" % n, "blocked": blocked, "host_agent_version": "4.5.0"},
           "payload": "GET /?file=/etc/passwd HTTP/1.1\r\nx-forwarded-for: %s\r\n\r\n" % ip,
           "transaction": {"initiator": {"lambda_invocation": {"function_name": "web", "aws_request_id": "req-%d" % n}}}}
    hdr = "%s - defence-json (x.lua:1) - PID 8 - thread 1 - WARN: SensorEvent: " % time.strftime(
        "%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime(base_ms / 1000))
    return hdr, json.dumps(rec, indent=4)


def scenario(base):
    """The events, in time order: dicts with group, stream, id, timestamp, message."""
    rng = random.Random(14)
    out = []

    def ev(fn, ts, msg, stream="s1"):
        out.append({"group": "/aws/lambda/" + fn, "stream": "2026/12/03/[$LATEST]" + stream, "timestamp": int(ts),
                    "message": msg})

    def invoke(fn, ts, dur, trace=None, stream="s1"):
        r = "%08x-0000-4000-8000-%012x" % (rng.getrandbits(32), rng.getrandbits(48))
        ev(fn, ts, "START RequestId: %s Version: $LATEST\n" % r, stream)
        rep = ("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: 128 MB\t"
               "Max Memory Used: 70 MB\t" % (r, dur, int(dur) + 1))
        if trace:
            rep += "\nXRAY TraceId: %s\tSegmentId: 1a2b3c4d5e6f7a8b\tSampled: true" % trace
        ev(fn, ts + dur, "END RequestId: %s\n" % r, stream)
        ev(fn, ts + dur, rep + "\n", stream)

    span = 240000
    for i in range(span // 400):  # api: a steady baseline, one outlier, then a sustained shift
        t = i * 400
        dur = 3000.0 if i == 300 else rng.gauss(320, 8) if t > 200000 else rng.gauss(100, 4)
        invoke("api", base + t, max(dur, 5))
    for i in range(span // 10000):  # fanout: one X-Ray chain loops for a minute
        trace = "1-5f000000-%024x" % (0xabc if i < 6 else 0x1000 + i)
        invoke("fanout", base + i * 10000 + 3, 40, trace)
    t = 0
    while t < span:  # storm: 1 every 3 s, 150 in 30 s after three minutes
        invoke("storm", base + t, 20, stream="s%d" % (t // 60000))
        t += 200 if 180000 <= t < 210000 else 3000
    for i in range(30):  # web: blocked attacks from two sources, bursts cut by the windows
        hdr, js = sensor_lines(i, "203.0.113.7" if i % 3 else "198.51.100.4", True, base + i * 4000)
        ev("web", base + 10000 + i * 4000, hdr + js + "\n")
    hdr, js = sensor_lines(99, "192.0.2.66", False, base + 100000)
    ev("web", base + 100000, hdr + "{\n", "s2")  # the unblocked one, one event per line over 4 s
    for k, line in enumerate(js.split("\n")[1:]):
        ev("web", base + 100000 + 100 * (k + 1), line + "\n", "s2")
    token = "ghp_" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                             for _ in range(36))
    for t in (50000, 150000):  # leaky: the same token twice: one finding
        invoke("leaky", base + t, 30)
        ev("leaky", base + t + 5, "INFO\tcloning with https://x-access-token:%s@github.com/acme/app\n" % token)
    out.sort(key=lambda e: e["timestamp"])
    for i, e in enumerate(out):
        e["id"] = "%056d" % (i + 1)
    return out


def requests_of(events, rng):
    """Firehose deliveries: 5 to 40 events each, one subscription record per
    (group, stream) in it."""
    reqs, i = [], 0
    while i < len(events):
        n = rng.randint(5, 40)
        chunk, i = events[i:i + n], i + n
        by = {}
        for e in chunk:
            by.setdefault((e["group"], e["stream"]), []).append(
                {"id": e["id"], "timestamp": e["timestamp"], "message": e["message"]})
        recs = [{"data": base64.b64encode(gzip.compress(json.dumps(
            {"messageType": "DATA_MESSAGE", "owner": "111122223333", "logGroup": g, "logStream": s,
             "subscriptionFilters": ["lw"], "logEvents": evs}).encode())).decode()} for (g, s), evs in by.items()]
        rid = "crash-%05d" % len(reqs)
        reqs.append((rid, json.dumps({"requestId": rid, "timestamp": 1, "records": recs}).encode()))
    return reqs


class Daemon:
    def __init__(self, tmp, extra):
        self.db = os.path.join(tmp, "state.db")
        self.conf = os.path.join(tmp, "lw.conf")
        with open(self.conf, "w") as f:
            f.write("[state]\npath = %s\n%s%s" % (self.db, extra, DETECTORS))
        os.chmod(self.conf, 0o600)
        self.log = open(os.path.join(tmp, "daemon.log"), "ab")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([BIN, "run", "--config", self.conf], stderr=self.log, env=ENV)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def close(self):
        if self.alive():
            self.kill()
        self.log.close()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(60)

    def query(self, sql):
        for _ in range(50):
            try:
                db = sqlite3.connect(self.db, timeout=10)
                try:
                    return db.execute(sql).fetchall()
                finally:
                    db.close()
            except sqlite3.OperationalError:  # not created yet
                time.sleep(0.1)
        raise AssertionError("state file unreadable: " + self.db)

    def findings(self):
        """id -> the finding as stored: its count, evidence and severity, so a
        detector that lost or doubled state shows even when it still fires."""
        return {r[0]: json.loads(r[1]) for r in self.query("select id, json from findings")}

    def settle(self):
        """Waits until the findings have not changed for SETTLE_S."""
        last, since = None, time.time()
        while time.time() - since < SETTLE_S:
            time.sleep(1)
            now = self.findings()
            if now != last:
                last, since = now, time.time()
        return last


class Killer(threading.Thread):
    """SIGKILLs the daemon at random instants, `n` times, restarting it at
    once after each kill, so that kills land mid-request, mid-page,
    mid-commit and mid-replay alike."""

    def __init__(self, d, n, rng, lo, hi):
        super().__init__(daemon=True)
        self.d, self.n, self.rng, self.lo, self.hi, self.kills = d, n, rng, lo, hi, 0

    def run(self):
        while self.kills < self.n:
            time.sleep(self.rng.uniform(self.lo, self.hi))
            self.d.kill()
            self.kills += 1
            self.d.start()

    def finish(self):
        if self.n:
            self.join()


class CrashTest(unittest.TestCase):
    def setUp(self):
        self.base = (int(time.time()) - 7200) * 1000
        self.events = scenario(self.base)

    def check(self, clean, crashed, kills):
        by_det = {}
        for f in clean.values():
            by_det[f["detector"]] = by_det.get(f["detector"], 0) + 1
        print("%d findings %s, %d kills" % (len(clean), sorted(by_det.items()), kills))
        # the scenario reaches the detectors whose state spans batches
        for det in ("attack", "recursion", "duration_anomaly", "invocation_storm", "secret_leak"):
            self.assertIn(det, by_det, clean)
        self.assertEqual(by_det["secret_leak"], 1)  # the repeated token: once
        self.assertEqual(sorted(crashed), sorted(clean), "missing %s, extra %s" % (
            [clean[k] for k in clean if k not in crashed], [crashed[k] for k in crashed if k not in clean]))
        for k in clean:
            self.assertEqual(crashed[k], clean[k])
        self.assertGreaterEqual(kills, KILLS)

    # ---- Firehose ----------------------------------------------------------

    def push_run(self, tmp, kills):
        port = free_port()
        d = Daemon(tmp, "[ingest firehose]\nbind = 127.0.0.1\nport = %d\naccess_key_env = LW_FIREHOSE_KEY\n" % port)
        rng = random.Random(3)
        reqs = requests_of(self.events, rng)
        d.start()
        killer = Killer(d, kills, random.Random(8), 0.1, 0.8)
        if kills:
            killer.start()

        def post(rid, body):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("POST", "/", body=body, headers={
                    "Content-Type": "application/json", "X-Amz-Firehose-Protocol-Version": "1.0",
                    "X-Amz-Firehose-Request-Id": rid, "X-Amz-Firehose-Access-Key": KEY})
                st = c.getresponse().status
                c.close()
                return st
            except OSError:
                return None
        try:
            for rid, body in reqs:
                while True:  # Firehose retries until acknowledged
                    st = post(rid, body)
                    if st == 200:
                        break
                    time.sleep(0.05)
                if rng.random() < 0.1:  # ... and resends some that were
                    post(rid, body)
                time.sleep(0.03)  # spread the deliveries over the kills
            killer.finish()
            got = d.settle()
            self.assertEqual(d.stop(), 0)
            return got, killer.kills
        finally:
            killer.finish()
            d.close()

    def test_push(self):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            clean, _ = self.push_run(a, 0)
            crashed, kills = self.push_run(b, KILLS)
            self.check(clean, crashed, kills)

    # ---- polling -----------------------------------------------------------

    def poll_run(self, tmp, kills):
        seed = os.path.join(tmp, "seed.jsonl")
        with open(seed, "w") as f:
            for e in self.events:
                f.write(json.dumps({"logGroupName": e["group"], "logStreamName": e["stream"], "eventId": e["id"],
                                    "timestamp": e["timestamp"], "ingestionTime": e["timestamp"] + 500,
                                    "message": e["message"]}) + "\n")
        fake = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "..", "fakelogs", "server.py"), "--seed", seed,
                                 "--page-events", "25", "--max-seconds", "400"], stdout=subprocess.PIPE, text=True)
        port = int(fake.stdout.readline().split()[1])
        fake.stdout.close()
        d = Daemon(tmp, "[aws]\nendpoint_url = http://127.0.0.1:%d\nfilter_tps = 50\ndescribe_tps = 50\n"
                        "[watch all]\nlog_group_prefix = /aws/lambda/\npoll_interval = 1s\nlookback = 3h\n"
                        "quick_lookback = 3h\n" % port)
        total = len(self.events)
        d.start()
        killer = Killer(d, kills, random.Random(9), 0.2, 1.2)
        if kills:
            killer.start()
        try:
            deadline = time.time() + 240
            while time.time() < deadline:
                n = d.query("select coalesce(sum(events), 0) from groups")[0][0]
                if n >= total and killer.kills >= kills:
                    break
                time.sleep(0.3)
            killer.finish()
            got = d.settle()
            self.assertEqual(d.query("select sum(events) from groups")[0][0], total)  # each once, none lost
            self.assertEqual(d.stop(), 0)
            return got, killer.kills
        finally:
            killer.finish()
            d.close()
            fake.kill()
            fake.wait()

    def test_poll(self):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            clean, _ = self.poll_run(a, 0)
            crashed, kills = self.poll_run(b, KILLS)
            self.check(clean, crashed, kills)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[2:], verbosity=2)
