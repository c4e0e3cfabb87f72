#!/usr/bin/python3
"""End-to-end tests of the Firehose ingest endpoint of `lambdaward run`.

Speaks Firehose's HTTP endpoint delivery protocol (AWS's "HTTP endpoint
delivery request and response specifications": X-Amz-Firehose-* headers,
JSON answers with requestId, timestamp and errorMessage) over loopback:
valid deliveries (plain and gzip), a wrong key (refused from the headers),
a retried request id, event ids under a new request id, unreadable records
(refused whole, retryably), a gzip bomb, limits, slow clients, floods of
key-less and of idle connections, pruning, and SIGKILL during ingestion
followed by Firehose-style retries, after which every finding must be
recorded exactly once.

usage: test_ingest.py BUILD_DIR
"""
import base64, gzip, json, os, random, signal, socket, sqlite3, subprocess, sys, tempfile, time, unittest
import http.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prom_text import exposition_problems, value  # noqa: E402

BIN = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "build", "lambdaward")
KEY = "firehose-test-key-0123456789"
with open(BIN, "rb") as _f:
    SANITIZED = b"__asan_init" in _f.read()  # built with -DLW_SANITIZE=ON


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

    def __init__(self, tmp, port, metrics_extra="", **ingest):
        """ingest: [ingest firehose] options; none given = the defaults."""
        self.conf = os.path.join(tmp, "lw.conf")
        self.db = os.path.join(tmp, "state.db")
        self.metrics_port = free_port()
        opts = "".join("%s = %s\n" % kv for kv in ingest.items())
        with open(self.conf, "w") as f:
            f.write("[ingest firehose]\nbind = 127.0.0.1\nport = %d\naccess_key_env = LW_FIREHOSE_KEY\n%s"
                    "[state]\npath = %s\n[metrics]\nport = %d\n%s"
                    % (port, opts, self.db, self.metrics_port, metrics_extra))
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

    def post(self, body, key=KEY, request_id=None, gz=False, headers=None, method="POST", full=False):
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
        c.request(method, "/", body=body, headers=h)
        r = c.getresponse()
        out = (r.status, r.read())
        ctype = r.getheader("Content-Type")
        c.close()
        return out + (ctype,) if full else out

    def rss_kb(self):
        for line in read("/proc/%d/status" % self.proc.pid).splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

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
        self.d = Daemon(self.tmp, free_port(), timeout="2s", header_timeout="1s", max_body="1M",
                        max_decompressed="8M", max_record_decompressed="1M", max_connections=64,
                        max_connections_per_client=8)
        self.d.start()

    def tearDown(self):
        if self.d.proc and self.d.proc.poll() is None:
            self.assertEqual(self.d.stop(), 0)
        subprocess.call(["rm", "-rf", self.tmp])

    def assertAnswer(self, got, status, request_id, error=True):
        """The spec's answer: the status, Content-Type application/json, and
        {"requestId": echoed, "timestamp": ms, "errorMessage": on errors}."""
        st, body, ctype = got
        self.assertEqual(st, status, body)
        self.assertEqual(ctype, "application/json")
        a = json.loads(body)
        self.assertEqual(a["requestId"], request_id)
        self.assertIsInstance(a["timestamp"], int)
        self.assertLess(abs(a["timestamp"] - time.time() * 1000), 600000)
        if error:
            self.assertIsInstance(a["errorMessage"], str)
            self.assertTrue(a["errorMessage"])
        else:
            self.assertNotIn("errorMessage", a)
        return a

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
        self.assertAnswer(self.d.post(body[:-10], request_id="req-t", headers={"Content-Encoding": "gzip"},
                                      full=True), 400, "req-t")
        bomb = gzip.compress(b" " * (9 << 20))  # 9 MB of spaces: ~9 KB compressed, over max_decompressed
        self.assertAnswer(self.d.post(bomb, request_id="req-b", headers={"Content-Encoding": "gzip"}, full=True),
                          413, "req-b")
        self.assertEqual(self.d.metric("lambdaward_ingest_decompression_refusals_total"), 1)

    def test_body_over_limit(self):
        # refused from its Content-Length (max_body 1M here), before the body
        self.assertAnswer(self.raw(b"POST / HTTP/1.1\r\nX-Amz-Firehose-Access-Key: " + KEY.encode() +
                                   b"\r\nX-Amz-Firehose-Request-Id: req-big\r\nContent-Length: 1100000\r\n\r\n"),
                          413, "req-big")
        self.assertEqual(self.d.metric("lambdaward_ingest_http_refused_too_large_total"), 1)
        many = delivery("req-many", [{"data": ""}] * 10001)
        self.assertAnswer(self.d.post(many, request_id="req-many", full=True), 413, "req-many")

    def test_unreadable_record_refuses_the_whole_request_retryably(self):
        """Any record that cannot be read: 500 (Firehose retries, then backs
        the request up to S3), nothing of the request analysed, and a retry
        under the same request id is refused again, never acknowledged."""
        good = record(payload("/aws/lambda/fn", "s", [attack(8)], "g"))
        gz = lambda b: {"data": base64.b64encode(gzip.compress(b)).decode()}
        cases = {
            "bad-base64": {"data": "!!not base64!!"},
            "garbage-gzip": {"data": base64.b64encode(b"\x1f\x8b\x08\x00garbage, not deflate").decode()},
            "inner-bomb": gz(b"{" + b" " * (2 << 20)),  # past max_record_decompressed (1M here)
            "plain-text": gz(b"just a line of text\n"),
            "not-subscription": gz(json.dumps({"hello": "world"}).encode()),
            "event-without-message": gz(json.dumps(dict(payload("/aws/lambda/fn", "s", [], "x"),
                                                        logEvents=[{"id": "1", "timestamp": 1}])).encode()),
            "no-data": {"nodata": 1},
        }
        for i, (name, bad) in enumerate(cases.items()):
            rid = "req-bad-%s" % name
            for attempt in range(2):
                a = self.assertAnswer(self.d.post(delivery(rid, [good, bad]), request_id=rid, gz=attempt == 1,
                                                  full=True), 500, rid)
                self.assertIn("record 1", a["errorMessage"], name)
        self.assertEqual(self.d.findings(), [])
        self.assertEqual(self.d.metric("lambdaward_ingest_events_total"), 0)
        self.assertEqual(self.d.metric("lambdaward_events_total"), 0)
        self.assertEqual(self.d.metric("lambdaward_ingest_unreadable_requests_total"), 2 * len(cases))
        # the readable record alone, under a new request id, is analysed once
        self.assertAnswer(self.d.post(delivery("req-good", [good]), request_id="req-good", full=True),
                          200, "req-good", error=False)
        self.assertEqual(len(self.d.findings()), 1)

    def test_control_message_among_data_is_read_and_ignored(self):
        ctrl = {"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "",
                "subscriptionFilters": [], "logEvents": [{"id": "", "timestamp": 1, "message": "CWL CONTROL MESSAGE"}]}
        good = record(payload("/aws/lambda/fn", "s", [attack(9)], "cg"))
        self.assertAnswer(self.d.post(delivery("req-cd", [record(ctrl), good]), request_id="req-cd", full=True),
                          200, "req-cd", error=False)
        self.assertEqual(self.d.metric("lambdaward_ingest_control_messages_total"), 1)
        self.assertEqual(self.d.metric("lambdaward_ingest_events_total"), 1)

    def test_every_http_layer_answer_is_firehose_json(self):
        body = delivery("req-h", [record(payload("/aws/lambda/fn", "s", [attack(10)], "h"))])
        self.assertAnswer(self.d.post(body, key="wrong", request_id="req-h", full=True), 401, "req-h")
        self.assertAnswer(self.d.post(None, request_id="req-g", method="GET", full=True), 404, "req-g")
        self.assertAnswer(self.d.post(body, request_id="req-p", method="PUT", full=True), 405, "req-p")
        self.assertAnswer(self.d.post(b"{not json", request_id="req-j", full=True), 400, "req-j")
        self.assertAnswer(self.d.post(b'{"requestId":"x"}', request_id="req-j2", full=True), 400, "req-j2")
        self.assertAnswer(self.d.post(body, headers={"Content-Encoding": "br"}, request_id="req-e", full=True),
                          415, "req-e")
        # the parser's own 400, with the request id it had read
        self.assertAnswer(self.raw(b"POST / HTTP/1.1\r\nX-Amz-Firehose-Request-Id: req-x\r\n"
                                   b"Content-Length: zz\r\n\r\n"), 400, "req-x")

    def raw(self, data, source="127.0.0.1", wait=10):
        """Sends data on a new connection and parses the one answer."""
        s = socket.create_connection(("127.0.0.1", self.d.port), source_address=(source, 0))
        s.settimeout(wait)
        s.sendall(data)
        got = b""
        while b"\r\n\r\n" not in got or len(got.split(b"\r\n\r\n", 1)[1]) < self.clen(got):
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        s.close()
        head, _, body = got.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        hdrs = dict((k.lower(), v.strip()) for k, _, v in (x.partition(":") for x in lines[1:]))
        return int(lines[0].split()[1]), body, hdrs.get("content-type")

    @staticmethod
    def clen(got):
        for line in got.split(b"\r\n\r\n")[0].split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                return int(line.split(b":")[1])
        return 0

    def test_slow_clients_get_408(self):
        # the body too slow (timeout 2s here)
        self.assertAnswer(self.raw(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Firehose-Access-Key: " + KEY.encode() +
                                   b"\r\nX-Amz-Firehose-Request-Id: req-slow\r\nContent-Length: 100\r\n\r\n"
                                   b"{\"records\":"), 408, "req-slow")
        # the headers too slow (header_timeout 1s here)
        self.assertAnswer(self.raw(b"POST / HTTP/1.1\r\nX-Amz-Firehose-Request-Id: req-slowh\r\nHost: x"),
                          408, "req-slowh")
        self.assertEqual(self.d.metric("lambdaward_ingest_http_timeouts_total"), 2)

    def test_key_checked_before_the_body(self):
        """A request without the key is answered 401 from its headers: no
        body byte is sent, and the connection is closed after the answer."""
        s = socket.create_connection(("127.0.0.1", self.d.port))
        s.settimeout(10)
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Firehose-Request-Id: req-nokey\r\n"
                  b"Content-Length: 900000\r\n\r\n")
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break  # closed by the daemon
            got += chunk
        s.close()
        self.assertTrue(got.startswith(b"HTTP/1.1 401 "), got)
        self.assertEqual(json.loads(got.split(b"\r\n\r\n", 1)[1])["requestId"], "req-nokey")
        self.assertIn(b"Connection: close", got)

    def test_event_ids_dedupe_behind_the_request_id(self):
        """The same log events under a new request id (Firehose keeps ids the
        same across retries only best effort) are not analysed again."""
        rec = record(payload("/aws/lambda/fn", "s", [attack(11), attack(12)], "ev"))
        self.assertEqual(self.d.post(delivery("req-e1", [rec]), request_id="req-e1")[0], 200)
        self.assertEqual(self.d.post(delivery("req-e2", [rec]), request_id="req-e2")[0], 200)
        self.assertEqual(self.d.metric("lambdaward_ingest_events_total"), 2)
        self.assertEqual(self.d.metric("lambdaward_ingest_duplicate_events_total"), 2)
        self.assertEqual(len(self.d.findings()), 2)

    def test_per_group_counts(self):
        recs = [record(payload("/aws/lambda/a", "s", [attack(20), attack(21)], "ga")),
                record(payload("/aws/lambda/b", "s", [attack(22)], "gb"))]
        self.assertEqual(self.d.post(delivery("req-grp", recs), request_id="req-grp")[0], 200)
        text = self.d.scrape()
        self.assertEqual(exposition_problems(text), [], text)
        self.assertEqual(value(text, 'lambdaward_ingest_group_events_total{log_group="/aws/lambda/a"}'), 2)
        self.assertEqual(value(text, 'lambdaward_ingest_group_events_total{log_group="/aws/lambda/b"}'), 1)
        db = sqlite3.connect(self.d.db)
        rows = db.execute("select name, events from firehose_groups order by name").fetchall()
        db.close()
        self.assertEqual(rows, [("/aws/lambda/a", 2), ("/aws/lambda/b", 1)])
        # `status` shows the pushed groups, read-only beside the running daemon
        st = subprocess.run([BIN, "status", "--state", self.d.db], capture_output=True, text=True, timeout=30)
        self.assertEqual(st.returncode, 0, st.stderr)
        pushed = st.stdout.split("PUSHED LOG GROUP", 1)
        self.assertEqual(len(pushed), 2, st.stdout)
        self.assertEqual([l.split()[0::2] for l in pushed[1].splitlines()[1:3]],
                         [["/aws/lambda/a", "2"], ["/aws/lambda/b", "1"]], st.stdout)
        # all time, from the state: the same after a restart
        self.assertEqual(self.d.stop(), 0)
        self.d.start()
        self.assertEqual(self.d.metric('lambdaward_ingest_group_events_total{log_group="/aws/lambda/a"}'), 2)

    def test_ids_pruned_after_their_retention(self):
        self.assertEqual(self.d.stop(), 0)
        db = sqlite3.connect(self.d.db)
        now = int(time.time() * 1000)
        db.execute("insert into firehose_requests values ('old', ?), ('fresh', ?)", (now - 25 * 3600000, now))
        db.execute("insert into firehose_events values (x'00', ?), (x'01', ?)", (now - 4 * 3600000, now))
        db.commit()
        db.close()
        self.d.start()
        for _ in range(100):  # the first prune runs a second after start
            if self.d.metric("lambdaward_ingest_pruned_ids_total") >= 2:
                break
            time.sleep(0.1)
        db = sqlite3.connect(self.d.db)
        self.assertEqual(db.execute("select request_id from firehose_requests").fetchall(), [("fresh",)])
        self.assertEqual(db.execute("select hex(key) from firehose_events").fetchall(), [("01",)])
        db.close()
        # a retention shorter than Firehose's longest retry (2 h) is refused
        with open(self.d.conf, "a") as f:
            f.write("[ingest firehose]\nrequest_retention = 1h\n")
        r = subprocess.run([BIN, "check-config", self.d.conf], capture_output=True, text=True,
                           env=dict(os.environ, LW_FIREHOSE_KEY=KEY))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("request_retention", r.stderr)

    def valid_delivery_served(self, rid):
        """A valid delivery from 127.0.0.1, answered 200 before a generous
        deadline (http.client's timeout) while the flood is held open."""
        body = delivery(rid, [record(payload("/aws/lambda/fn", "s", [attack(30)], rid))])
        st, out = self.d.post(body, request_id=rid)
        self.assertEqual(st, 200, out)

    def test_keyless_flood_leaves_firehose_served(self):
        """60 connections (from 127.0.0.2-11) announcing 900 KB bodies without
        a key: each is answered 401 and closed from its headers, whatever
        the client holds open, and a real delivery is served."""
        flood = []
        try:
            for i in range(60):  # 6 from each of 10 addresses: under max_connections_per_client
                s = socket.create_connection(("127.0.0.1", self.d.port),
                                             source_address=("127.0.0.%d" % (2 + i % 10), 0))
                s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 900000\r\n\r\n" + b"x" * 1000)
                flood.append(s)
            self.valid_delivery_served("req-after-keyless")
            for s in flood:
                s.settimeout(10)
                self.assertTrue(s.recv(64).startswith(b"HTTP/1.1 401 "))
        finally:
            for s in flood:
                s.close()
        self.assertGreaterEqual(self.d.metric("lambdaward_ingest_auth_failures_total"), 60)

    def test_idle_flood_leaves_firehose_served(self):
        """Idle connections past max_connections (64 here), from many
        addresses, and past max_connections_per_client (8) from one: a real
        delivery is still served while they are held open, long before any
        timeout would free them."""
        flood = []
        try:
            for i in range(100):  # 20 addresses x 5: over max_connections
                flood.append(socket.create_connection(("127.0.0.1", self.d.port),
                                                      source_address=("127.0.%d.2" % (1 + i % 20), 0)))
            for i in range(20):  # and one address over its limit
                flood.append(socket.create_connection(("127.0.0.1", self.d.port), source_address=("127.0.0.7", 0)))
            self.valid_delivery_served("req-after-idle")
            self.assertGreater(self.d.metric("lambdaward_ingest_http_evicted_idle_total"), 0)
            self.assertGreater(self.d.metric("lambdaward_ingest_http_refused_per_client_total"), 0)
        finally:
            for s in flood:
                s.close()
        # a refusal for the address's limit is the JSON answer too
        held = [socket.create_connection(("127.0.0.1", self.d.port), source_address=("127.0.0.9", 0))
                for _ in range(8)]
        try:
            self.assertAnswer(self.raw(b"", source="127.0.0.9"), 503, "")
        finally:
            for s in held:
                s.close()

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


class DefaultsTest(unittest.TestCase):
    """Under the defaults, Firehose's largest deliveries are accepted: a 64 MiB
    body, 10,000 records, records of 1,000 KiB (a 413 would be final)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.d = Daemon(self.tmp, free_port())
        self.d.start()

    def tearDown(self):
        if self.d.proc and self.d.proc.poll() is None:
            self.assertEqual(self.d.stop(), 0)
        subprocess.call(["rm", "-rf", self.tmp])

    def test_firehose_maximums_accepted_and_memory_bounded(self):
        rng = random.Random(5)

        # 1,000 KiB records of barely compressible text: 66 of them make a
        # body just under 64 MiB once base64-encoded
        def big_record(n):
            msg = base64.b64encode(rng.randbytes(700 << 10)).decode()
            rec = payload("/aws/lambda/big", "s", [msg], "big%d" % n)
            data = gzip.compress(json.dumps(rec).encode(), compresslevel=1)
            self.assertLessEqual(len(data), 1000 << 10)
            return {"data": base64.b64encode(data).decode()}
        body = delivery("req-max", [big_record(n) for n in range(66)])
        self.assertGreater(len(body), 60 << 20)
        self.assertLessEqual(len(body), 64 << 20)
        before = self.d.rss_kb()
        st, out = self.d.post(body, request_id="req-max")
        self.assertEqual(st, 200, out)
        after = self.d.rss_kb()
        st, out = self.d.post(delivery("req-max2", [big_record(n + 66) for n in range(66)]), request_id="req-max2")
        self.assertEqual(st, 200, out)
        again = self.d.rss_kb()
        sys.stderr.write("\nRSS around %d MiB requests: %d KiB before, %d KiB after one, %d KiB after two\n"
                         % (len(body) >> 20, before, after, again))
        # the scratch of a spike (body, records, tokens: over 128 MiB at its
        # peak) is returned before the answer, so never piles up. Not under
        # ASan: its allocator holds freed memory in quarantine by design.
        if not SANITIZED:
            self.assertLess(after - before, 32 << 10)
            self.assertLess(again - before, 32 << 10)
        many = delivery("req-10k", [record(payload("/aws/lambda/many", "s", ["line %d" % i], "m%d" % i))
                                    for i in range(10000)])
        self.assertEqual(self.d.post(many, request_id="req-10k", gz=True)[0], 200)
        self.assertEqual(self.d.metric("lambdaward_ingest_events_total"), 2 * 66 + 10000)


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
