#!/usr/bin/python3
"""End-to-end webhook delivery: lambdaward run (findings arrive through its
Firehose endpoint) delivering to a local sink that misbehaves on purpose.

The sink answers 2xx, 4xx, 5xx, 503 + Retry-After, stalls past the timeout,
resets connections, and is down for a while; the daemon is SIGKILLed with
deliveries pending. Every finding must arrive, signed (checked here with
Python's hmac, an independent implementation), and any repeat must carry
the same X-Lambdaward-Delivery id.

usage: test_webhooks.py BUILD_DIR
"""
import base64, gzip, hashlib, hmac, http.server, json, os, signal, socket, sqlite3, subprocess, sys, tempfile
import threading, time, unittest
import http.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_ingest import Daemon, KEY, attack, delivery, free_port, payload, record  # noqa: E402
from prom_text import exposition_problems, value  # noqa: E402

SECRET = "webhook-secret-for-tests"


class Sink:
    """A webhook receiver whose answers follow a script, then 200."""

    def __init__(self, port):
        self.port, self.script, self.got, self.lock = port, [], [], threading.Lock()
        sink = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with sink.lock:
                    action = sink.script.pop(0) if sink.script else 200
                if action == "reset":
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if action == "stall":
                    time.sleep(3)
                    action = 200
                with sink.lock:
                    sink.got.append((action, dict(self.headers), body, time.time()))
                status = action if isinstance(action, int) else int(action.split()[0])
                self.send_response(status)
                if isinstance(action, str) and "retry" in action:
                    self.send_header("Retry-After", "2")
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def delivered(self):
        with self.lock:
            return [g for g in self.got if isinstance(g[0], int) and 200 <= g[0] < 300]


def wait(pred, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.1)
    return False


class WebhookTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.sink_port = free_port()
        self.d = Daemon(self.tmp, free_port())
        with open(self.d.conf, "a") as f:
            f.write("[webhook sink]\nurl = http://127.0.0.1:%d/hook\nsecret_env = LW_WH_SECRET\n"
                    "min_severity = low\ntimeout = 1s\nretry_base = 200ms\nretry_max = 1s\nrate_limit = 0\n"
                    "header = X-Team: security\n" % self.sink_port)
        os.environ["LW_WH_SECRET"] = SECRET
        self.sink = None

    def tearDown(self):
        if self.d.proc and self.d.proc.poll() is None:
            self.d.stop()
        if self.sink:
            self.sink.stop()
        subprocess.call(["rm", "-rf", self.tmp])

    def push(self, n, first=0, rid="r"):
        msgs = [attack(first + i) for i in range(n)]
        st, _ = self.d.post(delivery(rid, [record(payload("/aws/lambda/fn", "s-" + rid, msgs, rid))]), request_id=rid)
        self.assertEqual(st, 200)

    def check_signed(self, headers, body):
        ts = headers["X-Lambdaward-Timestamp"]
        want = "sha256=" + hmac.new(SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        self.assertEqual(headers["X-Lambdaward-Signature"], want)
        finding = json.loads(body)
        self.assertEqual(headers["X-Lambdaward-Delivery"], finding["id"])
        self.assertEqual(headers["X-Team"], "security")
        self.assertNotIn(SECRET, json.dumps(headers) + body.decode())
        return finding["id"]

    def test_errors_timeouts_resets_and_retry_after(self):
        self.sink = Sink(self.sink_port)
        self.sink.script = [500, 404, "reset", "stall", "503 retry", 429]
        self.sink.start()
        self.d.start()
        self.push(6)
        self.assertTrue(wait(lambda: len({g[1]["X-Lambdaward-Delivery"] for g in self.sink.delivered()}) == 6))
        ids = [self.check_signed(h, b) for _, h, b, _ in self.sink.delivered()]
        self.assertEqual(len(set(ids)), 6)
        got = self.sink.got
        # after "503 + Retry-After: 2" that finding waited at least ~2 s
        retry_after = [g for g in got if g[0] == "503 retry"]
        self.assertEqual(len(retry_after), 1)
        rid = retry_after[0][1]["X-Lambdaward-Delivery"]
        later = [g for g in got if g[1]["X-Lambdaward-Delivery"] == rid and g[3] > retry_after[0][3]]
        self.assertTrue(later and later[0][3] - retry_after[0][3] >= 1.9)
        # /metrics on the [metrics] listener (the Firehose port has none)
        delivered = "lambdaward_webhook_deliveries_total"
        self.assertTrue(wait(lambda: value(self.d.scrape(), delivered) == 6))
        text = self.d.scrape()
        self.assertEqual(exposition_problems(text), [], text)
        self.assertGreaterEqual(value(text, "lambdaward_webhook_failed_attempts_total"), 6)

    def test_sink_down_then_up(self):
        self.d.start()
        self.push(5)
        time.sleep(3)  # several failed attempts while nothing listens
        db = sqlite3.connect(self.d.db)
        attempts = db.execute("select max(attempts) from outbox").fetchone()[0]
        db.close()
        self.assertGreaterEqual(attempts, 2)
        self.sink = Sink(self.sink_port)
        self.sink.start()
        self.assertTrue(wait(lambda: len(self.sink.delivered()) >= 5))
        ids = [self.check_signed(h, b) for _, h, b, _ in self.sink.delivered()]
        self.assertEqual(len(set(ids)), 5)

    def test_sigkill_with_deliveries_pending(self):
        self.sink = Sink(self.sink_port)
        self.sink.script = [503] * 40  # nothing gets through at first
        self.sink.start()
        self.d.start()
        self.push(8)
        self.assertTrue(wait(lambda: len(self.sink.got) >= 8))
        self.d.proc.send_signal(signal.SIGKILL)
        self.d.proc.wait()
        with self.sink.lock:
            self.sink.script = []
        self.d.start()
        self.assertTrue(wait(lambda: len({g[1]["X-Lambdaward-Delivery"] for g in self.sink.delivered()}) == 8))
        ids = [self.check_signed(h, b) for _, h, b, _ in self.sink.delivered()]
        # every finding arrived; a repeat is only ever under the same delivery id
        self.assertEqual(len(set(ids)), 8)
        self.assertLessEqual(len(ids), 8 + 1)
        db = sqlite3.connect(self.d.db)
        self.assertEqual(db.execute("select count(*) from outbox where delivered_ms is null").fetchone()[0], 0)
        db.close()

    def test_test_webhook_and_query_webhook(self):
        self.sink = Sink(self.sink_port)
        self.sink.start()
        env = dict(os.environ, LW_WH_SECRET=SECRET, LW_FIREHOSE_KEY=KEY)
        out = subprocess.run([BIN_, "test-webhook", "--config", self.d.conf, "sink"], env=env, capture_output=True,
                             text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("sink: HTTP 200", out.stdout)
        self.assertTrue(json.loads(self.sink.delivered()[0][2])["evidence"]["test"])
        self.check_signed(self.sink.delivered()[0][1], self.sink.delivered()[0][2])
        data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "sensor-event-split.jsonl")
        out = subprocess.run([BIN_, "query", "--file", data, "-o", "json", "--webhook", "sink", "--config",
                              self.d.conf], env=env, capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("webhook sink: 1 delivered, 0 failed", out.stderr)
        self.assertEqual(len(self.sink.delivered()), 2)
        self.check_signed(self.sink.delivered()[1][1], self.sink.delivered()[1][2])

    def test_query_webhook_parallel_delivers_what_one_thread_does(self):
        """query --jobs N cuts a large file into ranges analysed in threads;
        their findings must reach --webhook exactly as one thread's do."""
        self.sink = Sink(self.sink_port)
        self.sink.start()
        env = dict(os.environ, LW_WH_SECRET=SECRET, LW_FIREHOSE_KEY=KEY)
        data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "sensor-event-split.jsonl")
        big = os.path.join(self.tmp, "big.jsonl")
        with open(big, "w") as out, open(data) as src:
            pad = " " * 900
            line = '{"timestamp":1700000000000,"message":"filler%s","logStreamName":"s",' \
                   '"logGroupName":"/aws/lambda/filler"}\n' % pad
            out.write(line * (34 * 1024 * 1024 // len(line)))  # past the 32 MiB below which no thread is split off
            out.write(src.read())
        got = {}
        for jobs in ("1", "2"):
            before = len(self.sink.delivered())
            out = subprocess.run([BIN_, "query", "--file", big, "-o", "json", "--jobs", jobs, "--webhook", "sink",
                                  "--config", self.d.conf], env=env, capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stderr)
            got[jobs] = sorted(json.loads(d[2])["id"] for d in self.sink.delivered()[before:])
        self.assertGreaterEqual(len(got["1"]), 1)
        self.assertEqual(got["1"], got["2"])


BIN_ = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "build", "lambdaward")

if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
