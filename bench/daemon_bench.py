#!/usr/bin/python3
"""The daemon at scale: `lambdaward run` tails many log groups of the fake
CloudWatch Logs endpoint while a producer writes events at a steady rate
with late ingestion; `aws logs tail --follow` follows some of the same
groups side by side. Prints, for lambdaward: peak RSS, CPU share of one
core, API calls per minute, detection lag (event visible -> finding
recorded) p50/p99, and events missed or analysed twice against the fake's
ground truth; for aws logs tail: events it missed on the groups it
followed.

usage: bench/daemon_bench.py BUILD_DIR [--groups 500] [--rate 1000]
       [--seconds 300] [--tail-groups 10]

Events: invocations (START, application lines, END, REPORT) spread over
the groups with Zipf weights (a few busy groups, a long quiet tail), on
2-3 streams per group. Twice a second one invocation times out: its
REPORT is the marker whose finding gives the detection lag. Markers
alternate between a group drawn like the traffic (the lag an event sees)
and a group drawn uniformly (the lag a quiet group sees). Each event becomes visible after a delay: 80 % within
0.3-3 s, 15 % within 3-15 s, 5 % within 15-60 s (CloudWatch's ingestion lag
has such a tail). The daemon runs with its defaults (5 FilterLogEvents
calls per second, AWS's hard limit, 5 min lookback, 30 s poll interval).
"""
import argparse, bisect, json, os, random, signal, socket, sqlite3, subprocess, sys, tempfile, threading, time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "..", "tests", "fakelogs", "server.py")
CREDS = dict(AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
             AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def post(url, data):
    return urllib.request.urlopen(urllib.request.Request(url, data=data.encode(), method="POST"), timeout=30).read()


def get(url):
    return urllib.request.urlopen(url, timeout=60).read()


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def vm(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def private_kb(pid):
    """Private (unshared) resident memory: what the process costs beyond the
    shared library pages every process using libc, OpenSSL, curl... shares."""
    kb = 0
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                kb += int(line.split()[1])
    return kb


def metric(text, prefix):
    return sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines() if l.startswith(prefix))


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p / 100 * len(v)))] if v else float("nan")


def delay_ms(rng):
    r = rng.random()
    if r < 0.80:
        return rng.randint(300, 3000)
    if r < 0.95:
        return rng.randint(3000, 15000)
    return rng.randint(15000, 60000)


class Producer(threading.Thread):
    def __init__(self, api, groups, rate, seconds, seed=7):
        super().__init__(daemon=True)
        self.api, self.groups, self.rate, self.seconds = api, groups, rate, seconds
        self.rng = random.Random(seed)
        w = [1.0 / (i + 1) for i in range(len(groups))]
        tot = sum(w)
        self.cum = []
        acc = 0
        for x in w:
            acc += x / tot
            self.cum.append(acc)
        self.markers = {}     # request id -> (group, visible ms)
        self.messages = {}    # group -> set of messages (for the aws logs tail comparison)
        self.sent = 0
        self.seq = 0

    def pick(self):
        return self.groups[min(bisect.bisect_left(self.cum, self.rng.random()), len(self.groups) - 1)]

    def invocation(self, group, now, timeout):
        self.seq += 1
        rid = "%08x-0000-4000-8000-%012d" % (self.rng.getrandbits(32), self.seq)
        stream = "2026/12/01/[$LATEST]%032x" % (hash((group, self.seq % 3)) & (2 ** 128 - 1))
        dur = 3000.0 if timeout else self.rng.uniform(20, 400)
        lines = ["START RequestId: %s Version: $LATEST\n" % rid,
                 "[INFO]\t2026-12-01T00:00:00.000Z\t%s\tprocessed order %d\n" % (rid, self.seq),
                 "END RequestId: %s\n" % rid,
                 "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: 128 MB\t"
                 "Max Memory Used: %d MB%s\n" % (rid, dur, int(dur) + 1, self.rng.randint(50, 70),
                                                 "\tStatus: timeout" if timeout else "")]
        out = []
        for i, m in enumerate(lines):
            ts = now + i
            vis = ts + delay_ms(self.rng)
            out.append({"logGroupName": group, "logStreamName": stream, "timestamp": ts, "ingestionTime": vis,
                        "message": m})
            self.messages.setdefault(group, set()).add(m)
        if timeout:
            self.markers[rid] = (group, out[-1]["ingestionTime"], timeout)
        return out

    def run(self):
        start = time.time()
        tick, k = 0.1, 0
        while time.time() - start < self.seconds:
            k += 1
            now = int(time.time() * 1000)
            batch = []
            for _ in range(int(self.rate * tick / 4)):  # 4 events per invocation
                batch += self.invocation(self.pick(), now, False)
            if k % 10 == 0:
                batch += self.invocation(self.pick(), now, "traffic")
            elif k % 10 == 5:
                batch += self.invocation(self.rng.choice(self.groups), now, "uniform")
            post(self.api + "/__admin/put", "\n".join(json.dumps(e) for e in batch))
            self.sent += len(batch)
            time.sleep(max(0.0, start + k * tick - time.time()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("--groups", type=int, default=500)
    ap.add_argument("--rate", type=int, default=1000, help="events per second in total")
    ap.add_argument("--seconds", type=int, default=300, help="how long the producer runs")
    ap.add_argument("--tail-groups", type=int, default=10, help="groups followed by aws logs tail (0 = none)")
    ap.add_argument("--drain", type=int, default=240, help="seconds to wait for the last events after producing")
    args = ap.parse_args()
    binary = os.path.join(args.build, "lambdaward")
    tmp = tempfile.mkdtemp(prefix="lw-bench-")
    env = dict(os.environ, HOME=tmp, **CREDS)
    for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_SESSION_TOKEN"):
        env.pop(k, None)
    total = args.seconds + args.drain + 300
    fake = subprocess.Popen(["/usr/bin/python3", FAKE, "--max-seconds", str(total), "--max-requests", "10000000"],
                            stdout=subprocess.PIPE, text=True)
    api = "http://127.0.0.1:%d" % int(fake.stdout.readline().split()[1])
    post(api + "/__admin/faults", json.dumps({"empty_page": 0.0}))
    groups = ["/aws/lambda/bench-%03d" % i for i in range(args.groups)]
    now = int(time.time() * 1000)
    # Every group exists before the daemon starts (discovery is not measured).
    post(api + "/__admin/put", "\n".join(json.dumps({"logGroupName": g, "logStreamName": "init", "timestamp": now - 1000,
                                                      "ingestionTime": now - 1000, "message": "init\n"}) for g in groups))
    mport = free_port()
    conf = os.path.join(tmp, "bench.conf")
    with open(conf, "w") as f:
        f.write("[aws]\nendpoint_url = %s\n[watch bench]\nlog_group_prefix = /aws/lambda/bench-\n"
                "[metrics]\nport = %d\n[state]\npath = %s/state.db\n[log]\nlevel = warning\n" % (api, mport, tmp))
    os.chmod(conf, 0o600)
    daemon = subprocess.Popen([binary, "run", "--config", conf], stderr=open(os.path.join(tmp, "daemon.log"), "w"),
                              env=env)
    tails = []
    tail_groups = groups[:args.tail_groups // 2] + random.Random(3).sample(groups[args.tail_groups // 2:],
                                                                         args.tail_groups - args.tail_groups // 2)
    for g in tail_groups if args.tail_groups else []:
        out = open(os.path.join(tmp, "tail-%s.out" % g.rsplit("-", 1)[1]), "w")
        tails.append((g, out.name, subprocess.Popen(
            ["/usr/bin/aws", "logs", "tail", g, "--follow", "--since", "1m", "--format", "short",
             "--endpoint-url", api], stdout=out, stderr=subprocess.DEVNULL, env=env)))
    prod = Producer(api, groups, args.rate, args.seconds)
    try:
        time.sleep(5)
        mtext = get("http://127.0.0.1:%d/metrics" % mport).decode()
        calls0, cpu0, t0 = metric(mtext, "lambdaward_api_calls_total"), cpu_s(daemon.pid), time.time()
        prod.start()
        prod.join()
        cpu1, t1 = cpu_s(daemon.pid), time.time()
        mtext = get("http://127.0.0.1:%d/metrics" % mport).decode()
        calls1 = metric(mtext, "lambdaward_api_calls_total")
        # Drain: wait until every event is analysed (or give up).
        deadline = time.time() + args.drain
        truth = len(prod.groups) + prod.sent
        while time.time() < deadline:
            m = get("http://127.0.0.1:%d/metrics" % mport).decode()
            if metric(m, "lambdaward_events_total ") >= truth:
                break
            time.sleep(5)
        time.sleep(10)  # the aws tails' last polls
        mtext = get("http://127.0.0.1:%d/metrics" % mport).decode()
        hwm, rss, priv = vm(daemon.pid, "VmHWM"), vm(daemon.pid, "VmRSS"), private_kb(daemon.pid)
        db = sqlite3.connect(os.path.join(tmp, "state.db"))
        rows = db.execute("select json, created_ms from findings where detector = 'timeout'").fetchall()
        db.close()
        lags = {"traffic": [], "uniform": []}
        found = set()
        for js, created in rows:
            rid = json.loads(js).get("request_id")
            if rid in prod.markers:
                found.add(rid)
                lags[prod.markers[rid][2]].append((created - prod.markers[rid][1]) / 1000)
        truth = len(json.loads(get(api + "/__admin/events")))
        analysed = metric(mtext, "lambdaward_events_total ")
        dups = metric(mtext, "lambdaward_duplicate_events_total")
        window = t1 - t0
        print("lambdaward run: %d log groups, %d events/s for %d s (%d events; %d in the fake with the seed events)"
              % (args.groups, args.rate, args.seconds, prod.sent, truth))
        print("  peak RSS            %.1f MB (now %.1f MB, of which %.1f MB private; the rest is shared library pages)"
              % (hwm / 1024, rss / 1024, priv / 1024))
        print("  CPU                 %.2f %% of one core while producing" % (100 * (cpu1 - cpu0) / window))
        print("  API calls           %.0f per minute (%s)" % ((calls1 - calls0) * 60 / window, " ".join(
            l.split("operation=")[1].replace('"}', "=") for l in mtext.splitlines()
            if l.startswith("lambdaward_api_calls_total{") and not l.endswith(" 0"))))
        for kind, v in lags.items():
            print("  detection lag       p50 %.1f s, p99 %.1f s, max %.1f s (markers in groups drawn %s)" % (
                pct(v, 50), pct(v, 99), max(v) if v else float("nan"), "like the traffic" if kind == "traffic"
                else "uniformly"))
        print("  markers             %d of %d found" % (len(found), len(prod.markers)))
        print("  polls               %d full, %d quick; %d API errors (%d throttled)" % (
            metric(mtext, 'lambdaward_polls_total{kind="full"}'), metric(mtext, 'lambdaward_polls_total{kind="quick"}'),
            metric(mtext, "lambdaward_api_errors_total"), metric(mtext, 'lambdaward_api_errors_total{type="throttling"}')))
        print("  events analysed     %d of %d (%d missed), %d re-read inside the lookback and dropped" % (
            analysed, truth, truth - analysed, dups))
        if tails:
            missed_aws = sent_aws = 0
            for g, path, p in tails:
                p.send_signal(signal.SIGINT)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                # --format short prints "<time> <message>"
                with open(path, errors="replace") as f:
                    seen = {line.rstrip("\n").split(" ", 1)[-1] for line in f}
                want = prod.messages.get(g, set())
                got = sum(1 for m in want if m.rstrip("\n") in seen)
                sent_aws += len(want)
                missed_aws += len(want) - got
            print("aws logs tail --follow on %d of those groups (%d events written there): %d missed (%.1f %%)" % (
                len(tails), sent_aws, missed_aws, 100 * missed_aws / max(1, sent_aws)))
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(30)
        except subprocess.TimeoutExpired:
            daemon.kill()
        for _, _, p in tails:
            if p.poll() is None:
                p.kill()
        fake.kill()
        print("(state and logs kept in %s)" % tmp)


if __name__ == "__main__":
    main()
