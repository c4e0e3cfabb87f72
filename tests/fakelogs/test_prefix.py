#!/usr/bin/python3
"""A log group prefix that matches no log group, against the fake endpoint:

- `query --log-group-prefix P` exits 2 with a message naming P; with a
  second prefix that matches, that one is still read and its findings
  printed (exit 2 all the same); `--function 'nope-*'` (the prefix
  /aws/lambda/nope-) likewise.
- the daemon's [watch] log_group_prefix that matches nothing is a warning
  naming it, once (not at every discovery round), and the daemon keeps
  running and polling the other watch; `status --config` names the prefix,
  and not the one that matched.

usage: test_prefix.py BUILD_DIR
"""
import json, os, re, signal, subprocess, sys, tempfile, time, unittest

BIN = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "build", "lambdaward")
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
ENV = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k not in ("JOURNAL_STREAM", "COLUMNS")}
ENV.update(AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
           AWS_REGION="us-east-1", HOME=tempfile.gettempdir())


class PrefixTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.fake = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "server.py"), "--seed",
                                     os.path.join(DATA, "lifecycle.jsonl"), "--max-seconds", "150"],
                                    stdout=subprocess.PIPE, text=True)
        cls.api = "http://127.0.0.1:%d" % int(cls.fake.stdout.readline().split()[1])

    @classmethod
    def tearDownClass(cls):
        cls.fake.kill()
        cls.fake.wait()
        cls.fake.stdout.close()

    def query(self, *args):
        argv = [BIN, "query", "--start", "2026-03-08T00:00:00Z", "--end", "2026-03-09T00:00:00Z",
                "--endpoint-url", self.api, "-o", "json"] + list(args)
        return subprocess.run(argv, capture_output=True, text=True, env=ENV, timeout=60)

    def test_query_prefix_matching_nothing(self):
        r = self.query("--log-group-prefix", "/aws/lambda/nope")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("no log group name starts with '/aws/lambda/nope'", r.stderr)
        self.assertEqual(r.stdout.strip(), "")

        r = self.query("--log-group-prefix", "/aws/lambda/nope", "--log-group-prefix", "/aws/lambda/sh")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("'/aws/lambda/nope'", r.stderr)
        self.assertNotIn("'/aws/lambda/sh'", r.stderr)
        kinds = [json.loads(l) for l in r.stdout.splitlines()]
        self.assertTrue(any(k["kind"] == "finding" and k["function"] == "shop" for k in kinds),
                        "the prefix that matches is still read")

        r = self.query("--function", "nope-*")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("'/aws/lambda/nope-'", r.stderr)

        r = self.query("--log-group-prefix", "/aws/lambda/sh")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_daemon_watch_prefix_matching_nothing(self):
        state = os.path.join(self.tmp, "state.db")
        conf = os.path.join(self.tmp, "run.conf")
        with open(conf, "w") as f:
            f.write("[aws]\nendpoint_url = %s\nfilter_tps = 20\n"
                    "[watch typo]\nlog_group_prefix = /aws/lambda/nope\ndiscovery_interval = 10s\n"
                    "[watch shop]\nlog_group_prefix = /aws/lambda/sh\npoll_interval = 1s\ndiscovery_interval = 10s\n"
                    "[state]\npath = %s\n" % (self.api, state))
        listed = re.compile(r"AWS DescribeLogGroups prefix /aws/lambda/nope: HTTP 200")
        with open(os.path.join(self.tmp, "run.log"), "w+") as log:
            p = subprocess.Popen([BIN, "run", "--debug", "--config", conf], stderr=log, env=ENV)
            text = ""
            # Until the typo's prefix was listed twice (two discovery rounds,
            # 10 s apart) and the other group polled; readiness, not timing.
            for _ in range(400):
                log.seek(0)
                text = log.read()
                if len(listed.findall(text)) >= 2 and re.search(r"FilterLogEvents /aws/lambda/shop: HTTP 200", text):
                    break
                time.sleep(0.1)
            self.assertIsNone(p.poll(), "the daemon keeps running")
            self.assertGreaterEqual(len(listed.findall(text)), 2, text[-2000:])
            warnings = re.findall(r"warning: tailer: log_group_prefix /aws/lambda/nope matches no log group", text)
            self.assertEqual(len(warnings), 1, "warned once, not at every round")
            self.assertNotIn("log_group_prefix /aws/lambda/sh matches no", text)
            for _ in range(100):  # the shop group's checkpoint reaches the state file
                st = subprocess.run([BIN, "status", "--config", conf], capture_output=True, text=True, env=ENV)
                if "/aws/lambda/shop" in st.stdout:
                    break
                time.sleep(0.1)
            p.send_signal(signal.SIGTERM)
            self.assertEqual(p.wait(timeout=30), 0)
        self.assertEqual(st.returncode, 0, st.stderr)
        self.assertIn("/aws/lambda/shop", st.stdout)
        self.assertIn("[watch typo] log_group_prefix /aws/lambda/nope: no log group recorded", st.stdout)
        self.assertNotIn("log_group_prefix /aws/lambda/sh:", st.stdout)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
