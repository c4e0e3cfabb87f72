#!/usr/bin/python3
"""End-to-end tests of the Firehose ingest endpoint of `lambdaward run`.

Speaks Firehose's HTTP endpoint delivery protocol over loopback: valid
deliveries (plain and gzip), a wrong key, a retried request id, a truncated
gzip, a gzip bomb, an oversized body, bad base64 and JSON, a slow client,
and SIGKILL during ingestion followed by Firehose-style retries, after which
every finding must be recorded exactly once.

usage: test_ingest.py BUILD_DIR
"""
import base64, gzip, json, os, random, signal, socket, sqlite3, subprocess, sys, tempfile, time, unittest
import http.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prom_text import exposition_problems, value  # noqa: E402

BIN = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "build", "lambdaward")
KEY = "firehose-test-key-0123456789"


def read(path):
    with open(path) as f:
        return f.read()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def payload(group, stream, messages, base_id):
    return {"messageType": "DATA_MESSAGE", "owner": "111122223333", "logGroup": group, "logStream": stream,
            "subscriptionFilters": ["lambdaward"],
            "logEvents": [{"id": "%s-%d" % (base_id, i), "timestamp": 1772979866000 + i, "message": m}
                          for i, m in enumerate(messages)]}


def attack(n, blocked=False):
    hdr = "2026-03-08T14:24:26.649+0000 - defence-json (x.lua:1) - PID 8 - thread 1 - WARN: SensorEvent: "
    rec = {"rule_id": "1005936", "event_type": "security_engine/IPSEvent",
           "sensor_event": {"id": "sensor-%d" % n, "blocked": blocked},
           "payload": "GET /?file=/etc/passwd HTTP/1.1\r\nx-forwarded-for: 203.0.113.%d\r\n\r\n" % (n % 250 + 1),
           "transaction": {"initiator": {"lambda_invocation": {"function_name": "fn", "aws_request_id": "req-%d" % n}}}}
    return hdr + json.dumps(rec)


def record(obj):
    return {"data": base64.b64encode(gzip.compress(json.dumps(obj).encode())).decode()}


def delivery(request_id, records):
    return json.dumps({"requestId": request_id, "timestamp": int(time.time() * 1000), "records": records}).encode()


class Daemon:
    """`lambdaward run` with the Firehose port and, beside it, the metrics
    listener (the only one serving /metrics); metrics_extra is appended to
    its [metrics] section."""

    def __init__(self, tmp, port, timeout="2s", max_body="64k", max_decompressed="1M", metrics_extra=""):
        self.conf = os.path.join(tmp, "lw.conf")
        self.db = os.path.join(tmp, "state.db")
        self.metrics_port = free_port()
        with open(self.conf, "w") as f:
            f.write("[ingest firehose]\nbind = 127.0.0.1\nport = %d\naccess_key_env = LW_FIREHOSE_KEY\n"
                    "timeout = %s\nmax_body = %s\nmax_decompressed = %s\n[state]\npath = %s\n"
                    "[metrics]\nport = %d\n%s"
                    % (port, timeout, max_body, max_decompressed, self.db, self.metrics_port, metrics_extra))
        os.chmod(self.conf, 0o600)
        self.port, self.log = port, os.path.join(tmp, "daemon.log")
        self.proc = None

    def start(self):
        env = dict(os.environ, LW_FIREHOSE_KEY=KEY)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([BIN, "run", "--config", self.conf], stderr=log, env=env)
        for port in (self.port, self.metrics_port):
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            else:
                raise RuntimeError("daemon did not listen on %d: %s" % (port, open(self.log).read()))

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        return self.proc.wait(10)

    def post(self, body, key=KEY, request_id=None, gz=False, headers=None):
        h = {"Content-Type": "application/json", "X-Amz-Firehose-Protocol-Version": "1.0",
             "X-Amz-Firehose-Source-Arn": "arn:aws:firehose:eu-central-1:111122223333:deliverystream/lw"}
        if key is not None:
            h["X-Amz-Firehose-Access-Key"] = key
        if request_id:
            h["X-Amz-Firehose-Request-Id"] = request_id
        if gz:
            body = gzip.compress(body)
            h["Content-Encoding"] = "gzip"
        h.update(headers or {})
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request("POST", "/", body=body, headers=h)
        r = c.getresponse()
        out = (r.status, r.read())
        c.close()
        return out

    def get(self, port, path, headers=None, method="GET"):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request(method, path, headers=headers or {})
        r = c.getresponse()
        out = (r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read().decode())
        c.close()
        return out

    def scrape(self, headers=None):
        st, h, text = self.get(self.metrics_port, "/metrics", headers)
        assert st == 200, (st, text)
        assert h["content-type"] == "text/plain; version=0.0.4", h
        return text

    def metric(self, name):
        return value(self.scrape(), name)

    def findings(self):
        db = sqlite3.connect(self.db)
        rows = [r[0] for r in db.execute("select id from findings")]
        db.close()
        return rows


class IngestTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.d = Daemon(self.tmp, free_port())
        self.d.start()

    def tearDown(self):
        if self.d.proc and self.d.proc.poll() is None:
            self.assertEqual(self.d.stop(), 0)
        subprocess.call(["rm", "-rf", self.tmp])

    def test_valid_plain_and_gzip(self):
        body = delivery("req-1", [record(payload("/aws/lambda/fn", "s1", [attack(1)], "e1"))])
        st, out = self.d.post(body, request_id="req-1")
        self.assertEqual(st, 200, out)
        answer = json.loads(out)
        self.assertEqual(answer["requestId"], "req-1")
        self.assertIsInstance(answer["timestamp"], int)
        st, _ = self.d.post(delivery("req-2", [record(payload("/aws/lambda/fn", "s1", [attack(2)], "e2"))]),
                            request_id="req-2", gz=True)
        self.assertEqual(st, 200)
        self.assertEqual(len(self.d.findings()), 2)
        self.assertEqual(self.d.metric("lambdaward_ingest_events_total"), 2)

    def test_metrics_only_on_the_metrics_listener(self):
        """The Firehose port sits behind a public TLS terminator: it answers
        /metrics (and every other GET) 404, and the text is nowhere in it."""
        for path in ("/metrics", "/", "/metrics?x=1"):
            st, _, body = self.d.get(self.d.port, path)
            self.assertEqual(st, 404, (path, body))
            self.assertNotIn("lambdaward_", body)
        self.assertEqual(self.d.get(self.d.port, "/metrics", method="HEAD")[0], 404)
        st, _, text = self.d.get(self.d.metrics_port, "/metrics")
        self.assertEqual(st, 200)
        self.assertIn("lambdaward_ingest_requests_total", text)
        # The listener is bound to loopback by default: only 127.0.0.1 has it.
        addrs = [line.split()[1].split(":")[0] for line in read("/proc/net/tcp").splitlines()[1:]
                 if line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == self.d.metrics_port]
        self.assertEqual(addrs, ["0100007F"])  # LISTEN on 127.0.0.1 only
        self.assertNotIn(":%04X " % self.d.metrics_port, read("/proc/net/tcp6"))
        self.assertNotIn("is not a loopback address", read(self.d.log))

    def test_metrics_exposition(self):
        """The metrics listener's /metrics: every family with HELP and TYPE,
        and the counters say what happened."""
        body = delivery("req-m", [record(payload("/aws/lambda/fn", "s1", [attack(1)], "m"))])
        self.assertEqual(self.d.post(body, request_id="req-m")[0], 200)
        self.assertEqual(self.d.post(body, key="wrong", request_id="req-m2")[0], 401)
        text = self.d.scrape()
        self.assertEqual(exposition_problems(text), [], text)
        self.assertEqual(value(text, "lambdaward_ingest_requests_total"), 2)
        self.assertEqual(value(text, "lambdaward_ingest_auth_failures_total"), 1)
        self.assertEqual(value(text, "lambdaward_events_total"), 1)
        self.assertEqual(value(text, 'lambdaward_findings_by_detector_total{detector="attack"}'), 1)

    def test_control_message_skipped(self):
        ctrl = {"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "",
                "subscriptionFilters": [], "logEvents": [{"id": "", "timestamp": 1, "message": "CWL CONTROL MESSAGE"}]}
        st, _ = self.d.post(delivery("req-c", [record(ctrl)]), request_id="req-c")
        self.assertEqual(st, 200)
        self.assertEqual(self.d.metric("lambdaward_ingest_control_messages_total"), 1)
        self.assertEqual(self.d.metric("lambdaward_ingest_events_total"), 0)

    def test_wrong_and_missing_key(self):
        body = delivery("req-k", [record(payload("/aws/lambda/fn", "s", [attack(3)], "k"))])
        self.assertEqual(self.d.post(body, key="wrong", request_id="req-k")[0], 401)
        self.assertEqual(self.d.post(body, key=None, request_id="req-k")[0], 401)
        self.assertEqual(self.d.findings(), [])
        self.assertEqual(self.d.metric("lambdaward_ingest_auth_failures_total"), 2)

    def test_retried_request_is_not_analysed_twice(self):
        body = delivery("req-r", [record(payload("/aws/lambda/fn", "s", [attack(4), attack(5)], "r"))])
        self.assertEqual(self.d.post(body, request_id="req-r")[0], 200)
        self.assertEqual(self.d.post(body, request_id="req-r")[0], 200)
        self.assertEqual(self.d.metric("lambdaward_ingest_events_total"), 2)
        self.assertEqual(self.d.metric("lambdaward_ingest_duplicate_requests_total"), 1)
        self.assertEqual(len(self.d.findings()), 2)

    def test_truncated_gzip_and_bomb(self):
        body = gzip.compress(delivery("req-t", [record(payload("/aws/lambda/fn", "s", [attack(6)], "t"))]))
        st, out = self.d.post(body[:-10], request_id="req-t", headers={"Content-Encoding": "gzip"})
        self.assertEqual(st, 400, out)
        bomb = gzip.compress(b" " * (5 << 20))  # 5 MB of spaces: ~5 KB compressed, over max_decompressed
        st, out = self.d.post(bomb, request_id="req-b", headers={"Content-Encoding": "gzip"})
        self.assertEqual(st, 413, out)
        # a bomb inside one record: that record is refused, the rest analysed
        rec_bomb = {"data": base64.b64encode(gzip.compress(b"{" + b" " * (5 << 20))).decode()}
        ok = record(payload("/aws/lambda/fn", "s", [attack(7)], "b2"))
        st, _ = self.d.post(delivery("req-b2", [rec_bomb, ok]), request_id="req-b2", gz=True)
        self.assertEqual(st, 200)
        self.assertEqual(len(self.d.findings()), 1)
        self.assertEqual(self.d.metric("lambdaward_ingest_decompression_refusals_total"), 2)

    def test_body_over_limit(self):
        big = delivery("req-big", [{"data": "A" * (100 << 10)}])
        self.assertEqual(self.d.post(big, request_id="req-big")[0], 413)
        self.assertEqual(self.d.metric("lambdaward_ingest_http_refused_too_large_total"), 1)

    def test_bad_base64_and_json(self):
        good = record(payload("/aws/lambda/fn", "s", [attack(8)], "g"))
        st, _ = self.d.post(delivery("req-64", [{"data": "!!not base64!!"}, good]), request_id="req-64")
        self.assertEqual(st, 200)
        self.assertEqual(self.d.metric("lambdaward_ingest_bad_records_total"), 1)
        self.assertEqual(len(self.d.findings()), 1)
        self.assertEqual(self.d.post(b"{not json", request_id="req-j")[0], 400)
        self.assertEqual(self.d.post(b'{"requestId":"x"}', request_id="req-j2")[0], 400)

    def test_slow_client_gets_408(self):
        s = socket.create_connection(("127.0.0.1", self.d.port))
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"records\":")
        s.settimeout(10)
        reply = s.recv(200)
        s.close()
        self.assertIn(b"408", reply)
        self.assertEqual(self.d.metric("lambdaward_ingest_http_timeouts_total"), 1)

    def test_sigkill_then_retries_give_every_finding_once(self):
        rng = random.Random(11)
        requests = []
        for r in range(30):
            msgs = [attack(1000 + r * 5 + k, blocked=False) for k in range(5)]
            requests.append(("kill-%d" % r, delivery("kill-%d" % r, [record(payload("/aws/lambda/fn", "s%d" % r, msgs, "kr%d" % r))])))
        expected = None
        acked = set()
        for kill_round in range(4):
            pending = [q for q in requests if q[0] not in acked]
            killer_at = rng.randrange(len(pending)) if pending else 0
            for i, (rid, body) in enumerate(pending):
                if i == killer_at:
                    self.d.proc.send_signal(signal.SIGKILL)  # mid-stream, as a crash would
                    self.d.proc.wait()
                    break
                try:
                    st, _ = self.d.post(body, request_id=rid)
                except OSError:
                    break
                if st == 200:
                    acked.add(rid)
            if self.d.proc.poll() is not None:
                self.d.start()
        # Firehose retries everything not acknowledged, and may resend some that were
        for rid, body in requests:
            if rid not in acked or rng.random() < 0.3:
                self.assertEqual(self.d.post(body, request_id=rid)[0], 200)
        got = self.d.findings()
        self.assertEqual(len(got), len(set(got)))
        self.assertEqual(len(got), 150)  # 30 requests x 5 unblocked attacks, each once


class MetricsTokenTest(unittest.TestCase):
    """[metrics] token: a scrape needs Authorization: Bearer TOKEN."""
    TOKEN = "scrape-token-0123456789abcdef"

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        with open(os.path.join(self.tmp, "token"), "w") as f:
            f.write(self.TOKEN + "\n")
        self.d = Daemon(self.tmp, free_port(),
                        metrics_extra="token_file = %s\n" % os.path.join(self.tmp, "token"))
        self.d.start()

    def tearDown(self):
        if self.d.proc and self.d.proc.poll() is None:
            self.assertEqual(self.d.stop(), 0)
        subprocess.call(["rm", "-rf", self.tmp])

    def test_bearer_token(self):
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer " + self.TOKEN[:-1]},
                        {"Authorization": "Bearer " + self.TOKEN + "x"}, {"Authorization": "Basic " + self.TOKEN},
                        {"Authorization": self.TOKEN}):
            st, h, body = self.d.get(self.d.metrics_port, "/metrics", headers)
            self.assertEqual(st, 401, headers)
            self.assertTrue(h.get("www-authenticate", "").startswith("Bearer"), h)
            self.assertNotIn("lambdaward_", body)
        text = self.d.scrape({"Authorization": "Bearer " + self.TOKEN})
        self.assertEqual(exposition_problems(text), [], text)
        self.assertIn("lambdaward_events_total", text)
        self.assertEqual(self.d.get(self.d.metrics_port, "/metrics", {"Authorization": "bearer " + self.TOKEN})[0], 200)
        # A token set: no warning about an open listener, and never the token in the log.
        log = read(self.d.log)
        self.assertNotIn("is not a loopback address", log)
        self.assertNotIn(self.TOKEN, log)


class MetricsOpenWarningTest(unittest.TestCase):
    def test_warns_when_bound_beyond_loopback_without_token(self):
        """Said by check-config and at start. Nothing may listen beyond
        loopback in a test: 192.0.2.1 (TEST-NET-1) is no address of this
        machine, so the daemon warns, then fails to bind and exits."""
        tmp = tempfile.mkdtemp()
        try:
            d = Daemon(tmp, free_port(), metrics_extra="bind = 192.0.2.1\n")
            env = dict(os.environ, LW_FIREHOSE_KEY=KEY)
            r = subprocess.run([BIN, "check-config", d.conf], capture_output=True, text=True, env=env)
            warning = "bind = 192.0.2.1 is not a loopback address and no token is set"
            self.assertIn(warning, r.stderr)
            r = subprocess.run([BIN, "run", "--config", d.conf], capture_output=True, text=True, env=env, timeout=30)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(warning, r.stderr)
            with open(d.conf, "a") as f:
                f.write("token = abc-DEF_123.~+/==\n")
            r = subprocess.run([BIN, "check-config", d.conf], capture_output=True, text=True, env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertNotIn("loopback", r.stderr)
            with open(d.conf, "a") as f:
                f.write("token = two words\n")
            r = subprocess.run([BIN, "check-config", d.conf], capture_output=True, text=True, env=env)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("[metrics] token", r.stderr)
            self.assertNotIn("two words", r.stderr)
        finally:
            subprocess.call(["rm", "-rf", tmp])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
