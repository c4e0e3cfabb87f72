#!/usr/bin/python3
"""Scheduling under a saturated API budget, against the fake endpoint.

Six busy groups (20 events/s each) and four quiet ones share 2
FilterLogEvents/s, far less than the busy groups want (a poll every second
each). A seventh busy group appears mid-run with a minute of history: its
first poll must teach the scheduler its rate, so its second poll comes
within a couple of rounds of the others; with a rate left at 0 it would
wait half a lookback (150 s, some 300 polls of the others). Then the
daemon is stopped: the state file keeps each group's rate and lateness,
and after a restart the busy groups are polled before the quiet ones (a
scheduler that forgot the rates would order them by age alone, and the
quiet groups, starved for a while, would go first).

Assertions are on the order and counts of polls the fake answered
(GET /__admin/polls) and on the state file, never on elapsed time.

usage: test_schedule.py BUILD_DIR
"""
import json, os, signal, sqlite3, subprocess, sys, tempfile, threading, time, unittest, urllib.request

BIN = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "build", "lambdaward")
HERE = os.path.dirname(os.path.abspath(__file__))
ENV = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
           AWS_REGION="us-east-1", HOME=tempfile.gettempdir())
for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_SESSION_TOKEN"):
    ENV.pop(k, None)

BUSY = ["/aws/lambda/busy%d" % i for i in range(6)]
QUIET = ["/aws/lambda/quiet%d" % i for i in range(4)]
NEW = "/aws/lambda/newbusy"
PER_TICK, TICK_S = 5, 0.25         # 20 events/s per busy group
DELAY = (2000, 4000)               # the fake's ingestion delay range, ms
LOOKBACK_S = 300


def post(url, data):
    return urllib.request.urlopen(urllib.request.Request(url, data=data.encode(), method="POST"), timeout=10).read()


def get(url):
    return json.loads(urllib.request.urlopen(url, timeout=10).read())


def event(group, ts, n):
    return json.dumps({"logGroupName": group, "logStreamName": "2026/12/03/[$LATEST]s0", "timestamp": ts,
                       "message": "INFO handled request %d\n" % n})


class Feeder(threading.Thread):
    """Puts PER_TICK events per busy group every TICK_S; counts them."""

    def __init__(self, api):
        super().__init__(daemon=True)
        self.api, self.groups, self.sent, self.stop = api, list(BUSY), {}, threading.Event()
        self.started = time.time()

    def run(self):
        n = 0
        while not self.stop.is_set():
            now = int(time.time() * 1000)
            batch = []
            for g in list(self.groups):
                for _ in range(PER_TICK):
                    n += 1
                    batch.append(event(g, now, n))
                    self.sent[g] = self.sent.get(g, 0) + 1
            post(self.api + "/__admin/put", "\n".join(batch))
            self.stop.wait(TICK_S)


class ScheduleTest(unittest.TestCase):
    def test_first_poll_teaches_the_rate_and_a_restart_keeps_it(self):
        tmp = tempfile.mkdtemp()
        fake = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "server.py"), "--ingest-delay-ms",
                                 "%d:%d" % DELAY, "--max-seconds", "280", "--page-events", "1000"],
                                stdout=subprocess.PIPE, text=True)
        port = int(fake.stdout.readline().split()[1])
        api = "http://127.0.0.1:%d" % port
        state = os.path.join(tmp, "state.db")
        conf = os.path.join(tmp, "c.conf")
        with open(conf, "w") as f:
            f.write("[aws]\nendpoint_url = %s\nfilter_tps = 2\ndescribe_tps = 5\n[watch all]\n"
                    "log_group_prefix = /aws/lambda/\npoll_interval = 4s\nlookback = %ds\ndiscovery_interval = 10s\n"
                    "[state]\npath = %s\n" % (api, LOOKBACK_S, state))
        os.chmod(conf, 0o600)
        # quiet groups: one event each, older than the lookback, so polls read nothing
        old = int(time.time() * 1000) - 3600 * 1000
        post(api + "/__admin/put", "\n".join(event(g, old, 0) for g in QUIET))
        feeder = Feeder(api)
        feeder.start()
        log = open(os.path.join(tmp, "daemon.log"), "w")
        daemon = None
        try:
            time.sleep(DELAY[1] / 1000 + 1)  # the first polls find visible events
            daemon = subprocess.Popen([BIN, "run", "--config", conf], stderr=log, env=ENV)

            def polls():
                return [p["logGroupName"] for p in get(api + "/__admin/polls")]

            def wait_for(cond, limit_s):
                end = time.time() + limit_s  # a bound against a hang only, not what is tested
                while time.time() < end:
                    p = polls()
                    if cond(p):
                        return p
                    time.sleep(0.2)
                self.fail("gave up waiting; polls so far: %s" % polls())

            wait_for(lambda p: all(p.count(g) >= 3 for g in BUSY), 90)
            # A new busy group with a minute of history, then fed like the others.
            now = int(time.time() * 1000)
            history = [event(NEW, now - 60000 + i * 50, i) for i in range(1200)]
            post(api + "/__admin/put", "\n".join(history))
            feeder.sent[NEW] = len(history)
            feeder.groups.append(NEW)
            p = wait_for(lambda p: NEW in p, 60)
            first = p.index(NEW)
            rounds = len(BUSY) + len(QUIET) + 1
            p = wait_for(lambda p: p.count(NEW) >= 2 or len(p) - first > 3 * rounds, 240)
            between = [g for g in p[first + 1:] if g != NEW]
            second = p.index(NEW, first + 1) if p.count(NEW) >= 2 else None
            if second is not None:
                between = [g for g in p[first + 1:second]]
            print("polls between %s's first and second: %d (%s)" % (NEW, len(between), between))
            self.assertIsNotNone(second, "no second poll of %s in %d others" % (NEW, len(between)))
            self.assertLessEqual(len(between), 2 * rounds)

            # Stop: the estimates are in the state file.
            daemon.send_signal(signal.SIGTERM)
            self.assertEqual(daemon.wait(30), 0)
            elapsed = time.time() - feeder.started
            db = sqlite3.connect(state)
            rows = {r[0]: r[1:] for r in db.execute("select name, rate_eps, late_prev_ms, late_cur_ms from groups")}
            version = db.execute("pragma user_version").fetchone()[0]
            db.close()
            print("state (version %d): %s" % (version, rows))
            self.assertGreaterEqual(version, 2)
            fed = PER_TICK / TICK_S
            for g in BUSY + [NEW]:
                rate, late_prev, late_cur = rows[g]
                # the feeder's real rate, within the smoothing's noise
                real = feeder.sent[g] / elapsed if g != NEW else fed
                self.assertGreater(rate, min(real, fed) / 4, g)
                self.assertLess(rate, max(real, fed) * 4, g)
                # lateness: what the fake delays events by, as seen by the polls
                self.assertGreaterEqual(max(late_prev, late_cur), DELAY[0], g)
                self.assertLessEqual(max(late_prev, late_cur), DELAY[1], g)
            for g in QUIET:
                self.assertEqual(rows[g][0], 0.0, g)

            # Restart: the busy groups, whose rates were kept, go first.
            before = len(polls())
            daemon = subprocess.Popen([BIN, "run", "--config", conf], stderr=log, env=ENV)
            p = wait_for(lambda p: len(p) >= before + len(BUSY) + 1, 60)
            after = p[before:before + len(BUSY) + 1]
            print("first polls after the restart: %s" % after)
            self.assertEqual(sorted(after), sorted(BUSY + [NEW]))
            daemon.send_signal(signal.SIGTERM)
            self.assertEqual(daemon.wait(30), 0)
        finally:
            feeder.stop.set()
            if daemon and daemon.poll() is None:
                daemon.kill()
            fake.kill()
            fake.wait()
            fake.stdout.close()
            log.close()
            if os.environ.get("KEEP_TMP"):
                print("kept", tmp)
            else:
                subprocess.call(["rm", "-rf", tmp])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
