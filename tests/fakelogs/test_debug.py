#!/usr/bin/python3
"""--debug and [log] level = debug say what was done, never with what:
`query --debug` against the fake endpoint (throttling injected, temporary
credentials with a session token) logs every API call on stderr
(operation, log group, HTTP status, duration, attempt), the retries and
their waits, the credential source by name, and each webhook delivery
attempt with the URL as scheme://host:port; none of the secret key, the
session token, a SigV4 "Signature=" or the webhook's path and query
reaches stderr. [log] level = debug of --config does the same without the
flag; the daemon's `run --debug` logs its polls. `check-config` refuses
[log] level = bogus, naming the line.

usage: test_debug.py BUILD_DIR
"""
import http.server, json, os, re, signal, subprocess, sys, tempfile, threading, time, unittest, urllib.request

BIN = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "build", "lambdaward")
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
AKID, SECRET, TOKEN = "ASIAEXAMPLEDEBUG0001", "dEbUgSeCrEt/K7MDENG+bPxRfiCYzz9EXAMPLEKEY", "IQoJb3JpZ2luX2VjEDebugSessionToken" + "x" * 40
HOOK_SECRET = "hooksecretpath0123456789"
ENV = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "JOURNAL_STREAM"}
ENV.update(AWS_ACCESS_KEY_ID=AKID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_SESSION_TOKEN=TOKEN, AWS_REGION="us-east-1",
           HOME=tempfile.gettempdir())


class Hook(http.server.BaseHTTPRequestHandler):
    """A webhook receiver: the first delivery gets a 503, then 200."""
    hits = 0

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Hook.hits += 1
        self.send_response(503 if Hook.hits == 1 else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


class DebugTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.fake = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "server.py"), "--seed",
                                     os.path.join(DATA, "lifecycle.jsonl"), "--seed",
                                     os.path.join(DATA, "sensor-event-split.jsonl"), "--page-events", "5",
                                     "--key", "%s:%s:%s" % (AKID, SECRET, TOKEN), "--max-seconds", "120"],
                                    stdout=subprocess.PIPE, text=True)
        cls.api = "http://127.0.0.1:%d" % int(cls.fake.stdout.readline().split()[1])
        urllib.request.urlopen(urllib.request.Request(cls.api + "/__admin/faults", method="POST",
                                                      data=json.dumps({"throttle": 0.3}).encode()), timeout=10)
        cls.hook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
        threading.Thread(target=cls.hook.serve_forever, daemon=True).start()
        cls.conf = os.path.join(cls.tmp, "lw.conf")
        with open(cls.conf, "w") as f:
            f.write("[aws]\nendpoint_url = %s\n[webhook ops]\nurl = http://127.0.0.1:%d/hook/%s?token=%s\n"
                    % (cls.api, cls.hook.server_address[1], HOOK_SECRET, HOOK_SECRET))
        os.chmod(cls.conf, 0o600)

    @classmethod
    def tearDownClass(cls):
        cls.hook.shutdown()
        cls.fake.kill()
        cls.fake.wait()
        cls.fake.stdout.close()

    def assert_no_secret(self, err):
        for s in (SECRET, TOKEN, "Signature=", "Authorization", HOOK_SECRET, "token="):
            self.assertNotIn(s, err, "a secret reached stderr: %s" % s)

    def query(self, *args, conf=None):
        argv = [BIN, "query", "--log-group-prefix", "/aws/lambda/", "--start", "2026-03-08T00:00:00Z",
                "--end", "2026-03-09T00:00:00Z", "--tps", "50", "-o", "json", "--config", conf or self.conf]
        r = subprocess.run(argv + list(args), capture_output=True, text=True, env=ENV, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stderr

    def test_query_debug(self):
        err = self.query("--debug", "--webhook", "ops")
        # Every call: DescribeLogGroups for the prefix, FilterLogEvents per group.
        self.assertRegex(err, r"AWS DescribeLogGroups prefix /aws/lambda/: HTTP 200 in \d+ ms")
        for group in ("/aws/lambda/shop", "/aws/lambda/hello-world"):
            self.assertRegex(err, r"AWS FilterLogEvents %s: HTTP 200 in \d+ ms, \d+ bytes \(attempt \d+"
                             % re.escape(group))
        # 5-event pages: pagination shows as further calls.
        self.assertIn("next page", err)
        # The injected throttling: answered 400 and retried after a wait.
        self.assertRegex(err, r"HTTP 400 in \d+ ms")
        self.assertRegex(err, r"retry \d+ of \d+ in [0-9.]+ s \(backoff with jitter\): ThrottlingException")
        self.assertIn("AWS credentials from environment", err)
        # The webhook: each attempt, the URL as its origin only, the 503 retried.
        port = self.hook.server_address[1]
        self.assertIn("webhook ops: POST http://127.0.0.1:%d finding" % port, err)
        self.assertIn("webhook ops: HTTP 503 after", err)
        self.assertRegex(err, r"webhook ops: finding \w+: try 2 of 3 in [0-9.]+ s")
        self.assertIn("webhook ops: HTTP 200 after", err)
        self.assert_no_secret(err)

    def test_level_debug_in_config(self):
        conf = os.path.join(self.tmp, "debug.conf")
        with open(self.conf) as f, open(conf, "w") as g:
            g.write(f.read() + "[log]\nlevel = debug\n")
        os.chmod(conf, 0o600)
        err = self.query(conf=conf)
        self.assertRegex(err, r"AWS FilterLogEvents /aws/lambda/shop: HTTP 200")
        self.assert_no_secret(err)
        # Without either, none of it.
        self.assertNotIn("AWS FilterLogEvents", self.query())

    def test_daemon_debug(self):
        state = os.path.join(self.tmp, "state.db")
        conf = os.path.join(self.tmp, "run.conf")
        with open(conf, "w") as f:
            f.write("[aws]\nendpoint_url = %s\nfilter_tps = 20\n[watch all]\nlog_group_prefix = /aws/lambda/\n"
                    "poll_interval = 1s\n[state]\npath = %s\n" % (self.api, state))
        log_path = os.path.join(self.tmp, "run.log")
        with open(log_path, "w+") as log:
            p = subprocess.Popen([BIN, "run", "--debug", "--config", conf], stderr=log, env=ENV)
            text = ""
            for _ in range(300):  # until the first poll is logged (or 30 s), not a timing assertion
                log.seek(0)
                text = log.read()
                if re.search(r"AWS FilterLogEvents /aws/lambda/\S+: HTTP 200", text):
                    break
                time.sleep(0.1)
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=30)
            log.seek(0)
            text = log.read()
        self.assertRegex(text, r"debug: AWS DescribeLogGroups prefix /aws/lambda/: HTTP 200")
        self.assertRegex(text, r"debug: AWS FilterLogEvents /aws/lambda/\S+: HTTP 200")
        self.assert_no_secret(text)

    def test_check_config_level(self):
        conf = os.path.join(self.tmp, "bogus.conf")
        with open(conf, "w") as f:
            f.write("[log]\nlevel = bogus\n")
        r = subprocess.run([BIN, "check-config", conf], capture_output=True, text=True, env=ENV)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("%s:2: [log] level = bogus: must be one of" % conf, r.stdout + r.stderr)
        with open(conf, "w") as f:
            f.write("[log]\nlevel = debug\n")
        r = subprocess.run([BIN, "check-config", conf], capture_output=True, text=True, env=ENV)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
