#!/usr/bin/python3
"""`lambdaward findings` and [suppress NAME] through a real daemon run
against the fake endpoint: every event is a timeout REPORT of its own
request (one finding each); a [suppress nightly] mutes batch-* functions.
The muted findings are recorded but never queued for the webhook, counted
in lambdaward_findings_suppressed_total, and listed by
`findings --suppressed` only; the filters select what the recorded JSON
says they should.

usage: test_findings.py BUILD_DIR
"""
import json, os, signal, socket, sqlite3, subprocess, sys, tempfile, time, unittest, urllib.request

BIN = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "build", "lambdaward")
HERE = os.path.dirname(os.path.abspath(__file__))
ENV = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
           AWS_REGION="us-east-1", HOME=tempfile.gettempdir())
for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_SESSION_TOKEN"):
    ENV.pop(k, None)
SEV = ["info", "low", "medium", "high", "critical"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def post(url, data):
    return urllib.request.urlopen(urllib.request.Request(url, data=data.encode(), method="POST"), timeout=10).read()


class FindingsTest(unittest.TestCase):
    def findings(self, state, *args):
        r = subprocess.run([BIN, "findings", "--state", state] + list(args), capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def jsons(self, state, *args):
        return [json.loads(l) for l in self.findings(state, "--json", *args).splitlines() if l.strip()]

    def test_findings_filters_and_suppressions(self):
        tmp = tempfile.mkdtemp()
        fake = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "server.py"), "--max-seconds", "200"],
                                stdout=subprocess.PIPE, text=True)
        port = int(fake.stdout.readline().split()[1])
        api = "http://127.0.0.1:%d" % port
        metrics_port = free_port()
        state = os.path.join(tmp, "state.db")
        conf = os.path.join(tmp, "c.conf")
        with open(conf, "w") as f:
            f.write("[aws]\nendpoint_url = %s\nfilter_tps = 20\n[watch all]\nlog_group_prefix = /aws/lambda/\n"
                    "poll_interval = 1s\nlookback = 60s\ndiscovery_interval = 10s\n"
                    "[webhook ops]\nurl = http://127.0.0.1:%d/hook\n"
                    "[suppress nightly]\ndetector = timeout\nfunction = batch-*\nexpires = 2099-01-01\n"
                    "[suppress expired]\ndetector = *\nexpires = 2020-01-01\n"
                    "[metrics]\nport = %d\n[state]\npath = %s\n" % (api, free_port(), metrics_port, state))
        os.chmod(conf, 0o600)
        r = subprocess.run([BIN, "check-config", conf], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        sent = {"api": 0, "batch-export": 0}
        now = int(time.time() * 1000)
        batch, n = [], 0
        for fn in sent:
            for i in range(5):
                n += 1
                sent[fn] += 1
                rid = "00000000-0000-4000-8000-%012d" % n
                batch.append(json.dumps({"logGroupName": "/aws/lambda/" + fn, "logStreamName": "s0",
                                         "timestamp": now - 30000 + n * 1000, "message":
                                         "REPORT RequestId: %s\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\t"
                                         "Memory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: timeout\n" % rid}))
        post(api + "/__admin/put", "\n".join(batch))
        log = open(os.path.join(tmp, "daemon.log"), "w")
        daemon = subprocess.Popen([BIN, "run", "--config", conf], stderr=log, env=ENV)
        try:
            deadline = time.time() + 90  # a bound against a hang only
            found = 0
            while time.time() < deadline and found < n:
                time.sleep(1)
                if os.path.exists(state):
                    db = sqlite3.connect(state)
                    try:
                        found = db.execute("select count(*) from findings where detector = 'timeout'").fetchone()[0]
                    except sqlite3.OperationalError:
                        pass
                    db.close()
            self.assertEqual(found, n)
            metrics = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % metrics_port, timeout=10).read().decode()
            self.assertIn('lambdaward_findings_suppressed_total{detector="timeout"} %d' % sent["batch-export"],
                          metrics)
            self.assertIn("lambdaward_findings_total %d" % sent["api"], metrics)
            daemon.send_signal(signal.SIGTERM)
            self.assertEqual(daemon.wait(30), 0)

            shown = self.jsons(state)
            self.assertEqual(sorted(f["function"] for f in shown), ["api"] * sent["api"])
            muted = self.jsons(state, "--suppressed")
            self.assertEqual(sorted(f["function"] for f in muted), ["batch-export"] * sent["batch-export"])
            times = [f["time"] for f in shown]
            self.assertEqual(times, sorted(times))  # oldest event time first
            # never queued for the webhook; the others are
            db = sqlite3.connect(state)
            queued = {r[0] for r in db.execute("select finding_id from outbox")}
            db.close()
            self.assertEqual(queued, {f["id"] for f in shown})
            table = self.findings(state, "--suppressed")
            self.assertEqual(table.count("suppressed by [suppress nightly]"), sent["batch-export"])
            # filters: what the recorded JSON says
            sev = SEV.index(shown[0]["severity"])
            self.assertEqual(len(self.jsons(state, "--severity", SEV[sev])), sent["api"])
            if sev < 4:
                self.assertEqual(self.jsons(state, "--severity", SEV[sev + 1]), [])
            self.assertEqual(len(self.jsons(state, "--detector", "timeout")), sent["api"])
            self.assertEqual(self.jsons(state, "--detector", "attack"), [])
            self.assertEqual(len(self.jsons(state, "--function", "a*")), sent["api"])
            self.assertEqual(self.jsons(state, "--function", "batch-*"), [])
            self.assertEqual(len(self.jsons(state, "--suppressed", "--function", "batch-*")), sent["batch-export"])
            self.assertEqual(len(self.jsons(state, "--since", "1h")), sent["api"])
            self.assertEqual(len(self.jsons(state, "--since", str(now - 3600000))), sent["api"])
            mid = shown[2]["time"]
            self.assertEqual([f["time"] for f in self.jsons(state, "--since", mid)], [t for t in times if t >= mid])
            self.assertIn("No findings.", self.findings(state, "--since", "2099-01-01"))
            r = subprocess.run([BIN, "findings", "--state", state, "--since", "soon"], capture_output=True, text=True)
            self.assertEqual(r.returncode, 2)
        finally:
            if daemon.poll() is None:
                daemon.kill()
            fake.kill()
            fake.wait()
            fake.stdout.close()
            log.close()
            subprocess.call(["rm", "-rf", tmp])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
