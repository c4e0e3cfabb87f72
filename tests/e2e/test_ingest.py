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
    def __init__(self, tmp, port, timeout="2s", max_body="64k", max_decompressed="1M"):
        self.conf = os.path.join(tmp, "lw.conf")
        self.db = os.path.join(tmp, "state.db")
        with open(self.conf, "w") as f:
            f.write("[ingest firehose]\nbind = 127.0.0.1\nport = %d\naccess_key_env = LW_FIREHOSE_KEY\n"
                    "timeout = %s\nmax_body = %s\nmax_decompressed = %s\n[state]\npath = %s\n"
                    % (port, timeout, max_body, max_decompressed, self.db))
        os.chmod(self.conf, 0o600)
        self.port, self.log = port, os.path.join(tmp, "daemon.log")
        self.proc = None

    def start(self):
        env = dict(os.environ, LW_FIREHOSE_KEY=KEY)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([BIN, "run", "--config", self.conf], stderr=log, env=env)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("daemon did not listen: " + open(self.log).read())

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

    def scrape(self, port=None):
        c = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=10)
        c.request("GET", "/metrics")
        r = c.getresponse()
        text, ctype = r.read().decode(), r.getheader("Content-Type")
        c.close()
        assert ctype == "text/plain; version=0.0.4", ctype
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

    def test_metrics_exposition(self):
        """The Firehose port's /metrics: every family with HELP and TYPE, and
        the counters say what happened."""
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


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
