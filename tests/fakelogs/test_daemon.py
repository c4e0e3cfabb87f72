#!/usr/bin/python3
"""lambdaward run against the fake endpoint: events become visible up to 60 s
after their timestamp, a log group and new streams appear mid-run, 10 % of
calls are throttled and 10 % get a 5xx. Every event is a timeout REPORT of
its own request, so each one analysed yields exactly one finding: the
findings recorded must be exactly the fake's events, and the daemon's count
of analysed events must equal them (nothing missed, nothing twice).

usage: test_daemon.py BUILD_DIR
"""
import json, os, signal, socket, sqlite3, subprocess, sys, tempfile, time, unittest, urllib.request

BIN = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "build", "lambdaward")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from prom_text import exposition_problems  # noqa: E402
ENV = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
           AWS_REGION="us-east-1", HOME=tempfile.gettempdir())
for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_SESSION_TOKEN"):
    ENV.pop(k, None)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def post(url, data):
    return urllib.request.urlopen(urllib.request.Request(url, data=data.encode(), method="POST"), timeout=10).read()


class DaemonTest(unittest.TestCase):
    def test_late_new_groups_faults_exactly_once(self):
        tmp = tempfile.mkdtemp()
        fake = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "server.py"), "--ingest-delay-ms", "0:60000",
                                 "--max-seconds", "240", "--page-events", "50"], stdout=subprocess.PIPE, text=True)
        port = int(fake.stdout.readline().split()[1])
        api = "http://127.0.0.1:%d" % port
        post(api + "/__admin/faults", json.dumps({"throttle": 0.1, "server_error": 0.1}))
        metrics_port = free_port()
        conf = os.path.join(tmp, "c.conf")
        with open(conf, "w") as f:
            f.write("[aws]\nendpoint_url = %s\nfilter_tps = 20\ndescribe_tps = 20\n[watch all]\n"
                    "log_group_prefix = /aws/lambda/\npoll_interval = 2s\nlookback = 90s\ndiscovery_interval = 10s\n"
                    "[metrics]\nport = %d\n[state]\npath = %s/state.db\n"
                    % (api, metrics_port, tmp))
        os.chmod(conf, 0o600)
        log = open(os.path.join(tmp, "daemon.log"), "w")
        daemon = subprocess.Popen([BIN, "run", "--config", conf], stderr=log, env=ENV)
        sent = 0
        try:
            start = time.time()
            groups = ["/aws/lambda/alpha", "/aws/lambda/beta"]
            while time.time() - start < 40:
                if time.time() - start > 12 and "/aws/lambda/gamma" not in groups:
                    groups.append("/aws/lambda/gamma")  # a new group mid-run
                batch = []
                for g in groups:
                    for s in range(2 + int(time.time() - start) // 15):  # and new streams
                        sent += 1
                        rid = "00000000-0000-4000-8000-%012d" % sent
                        batch.append(json.dumps({"logGroupName": g, "logStreamName": "2026/11/22/[$LATEST]s%d" % s,
                                                 "timestamp": int(time.time() * 1000), "message":
                                                 "REPORT RequestId: %s\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\t"
                                                 "Memory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: timeout\n" % rid}))
                post(api + "/__admin/put", "\n".join(batch))
                time.sleep(0.5)
            # every event visible 60 s after its timestamp at the latest: wait for them
            deadline = time.time() + 120
            found = 0
            while time.time() < deadline:
                time.sleep(3)
                db = sqlite3.connect(os.path.join(tmp, "state.db"))
                found = db.execute("select count(*) from findings where detector = 'timeout'").fetchone()[0]
                db.close()
                if found >= sent:
                    break
            metrics = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % metrics_port, timeout=10).read().decode()
            analysed = int(float([l.split()[1] for l in metrics.splitlines() if l.startswith("lambdaward_events_total ")][0]))
            stats = json.loads(urllib.request.urlopen(api + "/__admin/stats", timeout=10).read())
            print("events %d, findings %d, analysed %d, duplicates dropped %s, api %s" % (
                sent, found, analysed,
                [l for l in metrics.splitlines() if l.startswith("lambdaward_duplicate_events_total")],
                {k: v for k, v in stats.items() if k.startswith(("fault", "requests"))}))
            self.assertEqual(exposition_problems(metrics), [], metrics)
            self.assertEqual(found, sent)      # every event analysed
            self.assertEqual(analysed, sent)   # ...and none twice
            by_det = [l for l in metrics.splitlines() if l.startswith("lambdaward_findings_by_detector_total{")]
            self.assertIn('lambdaward_findings_by_detector_total{detector="timeout"} %d' % sent, by_det)
            self.assertTrue(any(l.startswith('lambdaward_api_calls_total{operation="FilterLogEvents"}')
                                for l in metrics.splitlines()))
            self.assertTrue(any(l.startswith("lambdaward_group_lag_seconds{log_group=\"/aws/lambda/gamma\"}")
                                for l in metrics.splitlines()))
            self.assertGreater(stats.get("fault_throttle", 0), 0)
            self.assertGreater(stats.get("fault_5xx", 0), 0)
            daemon.send_signal(signal.SIGTERM)
            self.assertEqual(daemon.wait(30), 0)
        finally:
            if daemon.poll() is None:
                daemon.kill()
            fake.kill()
            subprocess.call(["rm", "-rf", tmp])

    def test_sigkill_at_random_moments(self):
        """20+ SIGKILLs while the fake keeps producing: after a final run,
        the findings are exactly the events, none lost, none twice."""
        import random
        rng = random.Random(5)
        tmp = tempfile.mkdtemp()
        fake = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "server.py"), "--ingest-delay-ms", "0:3000",
                                 "--max-seconds", "300", "--page-events", "20"], stdout=subprocess.PIPE, text=True)
        port = int(fake.stdout.readline().split()[1])
        api = "http://127.0.0.1:%d" % port
        conf = os.path.join(tmp, "c.conf")
        with open(conf, "w") as f:
            f.write("[aws]\nendpoint_url = %s\nfilter_tps = 50\ndescribe_tps = 50\n[watch all]\n"
                    "log_group_prefix = /aws/lambda/\npoll_interval = 1s\nlookback = 60s\ndiscovery_interval = 10s\n"
                    "[state]\npath = %s/state.db\n" % (api, tmp))
        sent, kills, daemon = 0, 0, None
        log = open(os.path.join(tmp, "daemon.log"), "w")
        try:
            start = time.time()
            while kills < 22:
                if daemon is None or daemon.poll() is not None:
                    daemon = subprocess.Popen([BIN, "run", "--config", conf], stderr=log, env=ENV)
                batch = []
                for g in ("/aws/lambda/k1", "/aws/lambda/k2"):
                    for _ in range(rng.randint(1, 6)):
                        sent += 1
                        rid = "00000000-0000-4000-9000-%012d" % sent
                        batch.append(json.dumps({"logGroupName": g, "logStreamName": "s%d" % (sent % 3),
                                                 "timestamp": int(time.time() * 1000), "message":
                                                 "REPORT RequestId: %s\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\t"
                                                 "Memory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: timeout\n" % rid}))
                post(api + "/__admin/put", "\n".join(batch))
                time.sleep(rng.uniform(0.2, 1.5))
                daemon.send_signal(signal.SIGKILL)  # wherever it is: mid-page, mid-commit, idle
                daemon.wait()
                kills += 1
            daemon = subprocess.Popen([BIN, "run", "--config", conf], stderr=log, env=ENV)
            deadline = time.time() + 60
            found = 0
            while time.time() < deadline:
                time.sleep(2)
                db = sqlite3.connect(os.path.join(tmp, "state.db"))
                found = db.execute("select count(*) from findings where detector = 'timeout'").fetchone()[0]
                db.close()
                if found >= sent:
                    break
            time.sleep(3)
            db = sqlite3.connect(os.path.join(tmp, "state.db"))
            found = db.execute("select count(*) from findings where detector = 'timeout'").fetchone()[0]
            db.close()
            print("kills %d, events %d, findings %d, %.0f s" % (kills, sent, found, time.time() - start))
            self.assertGreaterEqual(kills, 20)
            self.assertEqual(found, sent)  # the findings table's key makes a duplicate impossible to record
            daemon.send_signal(signal.SIGTERM)
            self.assertEqual(daemon.wait(30), 0)
        finally:
            if daemon and daemon.poll() is None:
                daemon.kill()
            fake.kill()
            subprocess.call(["rm", "-rf", tmp])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
