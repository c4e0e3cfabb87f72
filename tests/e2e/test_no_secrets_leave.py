#!/usr/bin/python3
"""No planted secret leaves the daemon by any path (DESIGN.md: "Secrets
never leave"; the issue's done-when line).

The fake CloudWatch Logs endpoint serves log groups whose events carry 80+
credentials drawn at random this run (planted.py: AWS keys and tokens,
GitHub, GitLab, Slack, Stripe, OpenAI, Anthropic, Google, npm, PyPI,
SendGrid, Vault, Hugging Face, Shopify, Azure SAS, Twilio, JWT, PEM keys,
URL userinfo, curl -u, Authorization headers, cookies, API-key headers,
password/YAML/Go assignments) in app text and JSON lines, Lambda platform
text, defence-json sensor events (whole and split per line), error traces,
probes, a log flood and timeouts, with CR/LF/ESC in attacker-controlled
paths; more arrive through the Firehose endpoint. `lambdaward run` at log
level debug tails them and delivers to one loopback receiver per webhook
format the config accepts; `lambdaward query` analyses the same events as a
file in every output format, and `--webhook`s them; `lambdaward status`
reads the state. The daemon's own secrets (its AWS secret key and session
token, the webhook signing secret, the Firehose access key) are planted too.

Then, for every secret: neither it nor any 8-character window of its
non-public part (after "ghp_", "AKIA", ...) is in the daemon's stdout or
stderr, the state file, its -wal and -shm (copied while the daemon runs,
and again after SIGTERM), any webhook request (headers and body), any query
or status output, /metrics. No raw control character of the planted text reaches
stderr or table output. And the run must have done its job: at least one
secret_leak finding delivered to each webhook, every event analysed.

usage: test_no_secrets_leave.py BUILD_DIR [SEED]
"""
import base64, collections, gzip, http.client, http.server, json, os, random, re, shutil, signal, socket, sqlite3
import subprocess, sys, tempfile, threading, time, unittest, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import planted  # noqa: E402

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
BIN = os.path.join(BUILD, "lambdaward")
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else random.SystemRandom().randrange(1 << 32)
GRAM = 8          # a leaked window this long of a secret's private part is a leak
# ...except for all-hex secrets: 8 hex characters turn up by chance in the
# product's own hex (32-hex finding ids everywhere, 64-hex signatures) about
# once in 300 runs; 12 make that once in 10^8.
HEX_GRAM = 12
CONTEXT = 60      # characters of context shown around a leak (masked)
DEADLINE_S = 150  # for delivery; the run normally settles in ~10 s


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


# --- what the product accepts, read from the product at run time --------
def webhook_formats():
    """Every webhook format: config.c's formats[] and what check-config
    --reference lists, so a format added later is covered without an edit."""
    found = set()
    with open(os.path.join(SRC, "config", "config.c")) as f:
        m = re.search(r"\bformats\[\]\s*=\s*\{([^}]*)\}", f.read())
    if m:
        found |= set(re.findall(r'"([^"]+)"', m.group(1)))
    ref = subprocess.run([BIN, "check-config", "--reference"], capture_output=True, text=True).stdout
    sect = ref.split("[webhook NAME]", 1)[-1].split("\n[", 1)[0]
    m = re.search(r"^; one of (.+)$", sect, re.M)
    if m:
        found |= {w.strip() for w in m.group(1).split(",")}
    return sorted(found) or ["json"]


def output_formats():
    """Every `query -o` format, from the product's own refusal of a bad one."""
    r = subprocess.run([BIN, "query", "-o", "no-such-format", "--file", "/dev/null"], capture_output=True, text=True)
    m = re.search(r"--output must be (.+?), not", r.stderr)
    found = set(re.split(r",\s*|\s+or\s+", m.group(1))) if m else set()
    return sorted(found | {"json", "table"})


# --- the webhook receiver ------------------------------------------------
class Receiver:
    """Records every request: path, headers, body, and the phase of the test."""

    def __init__(self):
        self.got, self.lock, self.phase = [], threading.Lock(), "daemon"
        rec = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with rec.lock:
                    rec.got.append({"phase": rec.phase, "path": self.path, "headers": str(self.headers),
                                    "id": self.headers.get("X-Lambdaward-Delivery", ""), "body": body})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def requests(self, phase=None):
        with self.lock:
            return [g for g in self.got if phase is None or g["phase"] == phase]

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# --- finding secrets in bytes --------------------------------------------
class Scanner:
    def __init__(self, secrets):
        self.secrets = secrets
        self.grams = {}  # window -> secrets; windows of all-hex parts are HEX_GRAM long
        for i, s in enumerate(secrets):
            for part in s.private:
                b = part.encode()
                n = HEX_GRAM if set(part) <= set(planted.HEX) else GRAM
                for k in range(len(b) - n + 1):
                    self.grams.setdefault(b[k:k + n], set()).add(i)
        self.lengths = sorted({len(g) for g in self.grams})

    def hits(self, data):
        """{secret index: first offset} of every secret found whole or by a window."""
        found = {}
        for i, s in enumerate(self.secrets):
            at = data.find(s.value.encode())
            if at >= 0:
                found[i] = at
        grams = self.grams
        for n in self.lengths:
            for k in range(len(data) - n + 1):
                ids = grams.get(data[k:k + n])
                if ids:
                    for i in ids:
                        found.setdefault(i, k)
        return found

    def mask(self, data):
        """data with every byte inside a secret window replaced by '#' (the
        product's own masking shows as '*')."""
        out = bytearray(data)
        for n in self.lengths:
            for k in range(len(data) - n + 1):
                if data[k:k + n] in self.grams:
                    out[k:k + n] = b"#" * n
        return bytes(out)

    def context(self, data, at):
        lo, hi = max(0, at - CONTEXT), min(len(data), at + GRAM + CONTEXT)
        return ascii(self.mask(data[lo:hi]).decode("utf-8", "replace"))


def json_strings(obj):
    """Every string in a JSON value, decoded (so escaped spellings count)."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from json_strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from json_strings(v)


def decoded_view(data):
    """The strings of each JSON document (or JSON line) in data, or None."""
    out = []
    for doc in [data] + data.split(b"\n"):
        try:
            out.extend(json_strings(json.loads(doc)))
        except ValueError:
            continue
    return "\n".join(out).encode() if out else None


def sql_dump(db_path):
    """(where, text) of every row of every table of a state file copy (the
    raw bytes are scanned too: this only says which row holds a leak)."""
    rows = []
    db = sqlite3.connect(db_path)
    try:
        for (table,) in db.execute("select name from sqlite_master where type = 'table'"):
            for row in db.execute('select * from "%s"' % table):
                cells = [c if isinstance(c, (bytes, str)) else str(c) for c in row]
                text = b"\x1f".join(c if isinstance(c, bytes) else c.encode() for c in cells)
                where = "table %s" % table
                if table == "findings":
                    where += " (finding %s, detector %s)" % (row[0], row[1])
                rows.append((where, text))
    except sqlite3.Error as e:
        rows.append(("(unreadable: %s)" % e, b""))
    finally:
        db.close()
    return rows


class LeakTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="lw-leak-")
        self.procs = []
        self.artifacts = []   # (name, bytes)
        self.stream_out = []  # (name, bytes): stderr and table output, checked for control characters
        self.receiver = Receiver()

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.receiver.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- setup of the run -------------------------------------------------
    def plant(self):
        self.planter = planted.Planter(SEED)
        p = self.planter
        self.akid = "ASIA" + p.r(planted.UP + planted.DIG, 16)
        self.aws_secret = p.aws_secret("the daemon's own AWS_SECRET_ACCESS_KEY")
        self.aws_token = p.session_token("the daemon's own AWS_SESSION_TOKEN")
        self.wh_secret = p.opaque("the webhook signing secret (secret_env)", "webhook_secret", 40)
        self.fh_key = p.opaque("the Firehose access key (access_key_env)", "firehose_key", 40)
        start = int(time.time() * 1000) - 150_000
        self.corpus = planted.Corpus(p, start).build(flood_bytes=150_000)
        self.assertGreaterEqual(len({s.value for s in p.secrets}), 40)

    def start_fake(self):
        fake = subprocess.Popen(["/usr/bin/python3", os.path.join(SRC, "tests", "fakelogs", "server.py"),
                                 "--max-seconds", "500", "--key", "%s:%s:%s" % (self.akid, self.aws_secret,
                                                                                self.aws_token)],
                                stdout=subprocess.PIPE, text=True)
        self.procs.append(fake)
        self.api = "http://127.0.0.1:%d" % int(fake.stdout.readline().split()[1])
        lines = [json.dumps(dict(ev, ingestionTime=ev["timestamp"])) for ev in self.corpus.events]
        urllib.request.urlopen(urllib.request.Request(self.api + "/__admin/put", data="\n".join(lines).encode(),
                                                      method="POST"), timeout=30).read()

    def write_config(self, formats):
        self.ingest_port, self.metrics_port = free_port(), free_port()
        self.db = os.path.join(self.tmp, "state.db")
        hooks = "".join(
            "[webhook fmt_%s]\nurl = http://127.0.0.1:%d/hook/%s\nformat = %s\nsecret_env = LW_LEAK_WH_SECRET\n"
            "min_severity = info\nrate_limit = 0\ntimeout = 2s\nretry_base = 200ms\nretry_max = 1s\n"
            % (f, self.receiver.port, f, f) for f in formats)
        self.conf = os.path.join(self.tmp, "lw.conf")
        with open(self.conf, "w") as f:
            f.write("[aws]\nendpoint_url = %s\nfilter_tps = 20\ndescribe_tps = 20\n"
                    "[watch leak]\nlog_group_prefix = /aws/lambda/lt-\npoll_interval = 1s\nlookback = 10m\n"
                    "discovery_interval = 10s\n"
                    "[watch pushed]\nlog_group_prefix = /aws/lambda/lp-\npush = true\n"
                    "[ingest firehose]\nbind = 127.0.0.1\nport = %d\naccess_key_env = LW_LEAK_FH_KEY\n"
                    "[metrics]\nport = %d\n[state]\npath = %s\n[log]\nlevel = debug\n%s"
                    # a user rule that matches the lines carrying secrets: its evidence is one more way out
                    "[rule creds]\npattern = (?i)^(?!.*x-pad: )[\\s\\S]*?"
                    "(authorization|cookie|token|key|secret|password|dump)\nseverity = low\n"
                    "[detector rules]\nmax_per_window = 1000\n"
                    "[detector new_error_type]\nwarmup = 0\n"
                    "[detector log_flood]\nceiling_bytes = 64k\nmin_bytes = 64k\n"
                    % (self.api, self.ingest_port, self.metrics_port, self.db, hooks))
        os.chmod(self.conf, 0o600)
        self.env = dict(os.environ, AWS_ACCESS_KEY_ID=self.akid, AWS_SECRET_ACCESS_KEY=self.aws_secret,
                        AWS_SESSION_TOKEN=self.aws_token, AWS_REGION="us-east-1", HOME=self.tmp,
                        AWS_EC2_METADATA_DISABLED="true", LW_LEAK_WH_SECRET=self.wh_secret,
                        LW_LEAK_FH_KEY=self.fh_key)
        for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "JOURNAL_STREAM"):
            self.env.pop(k, None)

    def start_daemon(self):
        self.out_path, self.err_path = os.path.join(self.tmp, "daemon.out"), os.path.join(self.tmp, "daemon.err")
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.daemon = subprocess.Popen([BIN, "run", "--config", self.conf], stdout=out, stderr=err,
                                           env=self.env)
        self.procs.append(self.daemon)
        end = time.time() + 20
        while time.time() < end:
            try:
                socket.create_connection(("127.0.0.1", self.ingest_port), 0.2).close()
                return
            except OSError:
                self.assertIsNone(self.daemon.poll(), "daemon exited: " + self.stderr_tail())
                time.sleep(0.05)
        self.fail("the daemon never listened on its Firehose port")

    def push_firehose(self):
        ev = self.corpus.pushed
        data = {"messageType": "DATA_MESSAGE", "owner": "111122223333", "logGroup": ev[0]["logGroupName"],
                "logStream": ev[0]["logStreamName"], "subscriptionFilters": ["lambdaward"],
                "logEvents": [{"id": "%056d" % (i + 1), "timestamp": e["timestamp"], "message": e["message"]}
                              for i, e in enumerate(ev)]}
        rec = {"data": base64.b64encode(gzip.compress(json.dumps(data).encode())).decode()}
        body = json.dumps({"requestId": "leak-1", "timestamp": int(time.time() * 1000), "records": [rec]})
        c = http.client.HTTPConnection("127.0.0.1", self.ingest_port, timeout=30)
        c.request("POST", "/", body=body.encode(), headers={
            "Content-Type": "application/json", "X-Amz-Firehose-Protocol-Version": "1.0",
            "X-Amz-Firehose-Request-Id": "leak-1", "X-Amz-Firehose-Access-Key": self.fh_key,
            "X-Amz-Firehose-Source-Arn": "arn:aws:firehose:us-east-1:111122223333:deliverystream/lw"})
        r = c.getresponse()
        answer = r.read()
        c.close()
        self.artifacts.append(("Firehose endpoint response", answer))
        self.assertEqual(r.status, 200, "Firehose delivery refused: %d %r" % (r.status, answer[:300]))

    # --- waiting for the run to settle ------------------------------------
    def db_read(self, sql):
        db = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=5)
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()

    def progress(self, formats):
        """What is still missing, or [] once the run has done its job."""
        want = {}
        for ev in self.corpus.events:
            want[ev["logGroupName"]] = want.get(ev["logGroupName"], 0) + 1
        try:
            have = dict(self.db_read("select name, events from groups"))
            pending = self.db_read("select count(*) from outbox where delivered_ms is null")[0][0]
            leaks = {r[0] for r in self.db_read("select id from findings where detector = 'secret_leak'")}
        except sqlite3.Error as e:
            return ["state file not readable yet (%s)" % e]
        missing = ["%s: %d of %d events analysed" % (g, have.get(g, 0), n) for g, n in sorted(want.items())
                   if have.get(g, 0) < n]
        if pending:
            missing.append("%d webhook deliveries pending" % pending)
        got = self.receiver.requests("daemon")
        for f in formats:
            if not any(r["path"] == "/hook/" + f and r["id"] in leaks for r in got):
                missing.append("no secret_leak finding delivered to the %s webhook" % f)
        return missing

    def wait_delivered(self, formats):
        end, missing = time.time() + DEADLINE_S, ["nothing checked"]
        while time.time() < end:
            self.assertIsNone(self.daemon.poll(), "daemon died: " + self.stderr_tail())
            missing = self.progress(formats)
            if not missing:
                return
            time.sleep(0.5)
        self.fail("after %d s the run has not done its job (the test must not pass by the daemon doing nothing):"
                  "\n  %s\ndaemon stderr tail:\n%s" % (DEADLINE_S, "\n  ".join(missing), self.stderr_tail()))

    def stderr_tail(self):
        with open(self.err_path, "rb") as f:
            return ascii(f.read()[-3000:].decode("utf-8", "replace"))

    def copy_state(self, label):
        """The state file with its -wal and -shm, as they are on disk now."""
        d = os.path.join(self.tmp, "copy-" + label.split()[0])
        os.makedirs(d)
        for suffix in ("", "-wal", "-shm"):
            src = self.db + suffix
            if os.path.exists(src):
                with open(src, "rb") as f:
                    data = f.read()
                with open(os.path.join(d, "state.db" + suffix), "wb") as f:
                    f.write(data)
                self.artifacts.append(("state.db%s (%s)" % (suffix, label), data))
        return os.path.join(d, "state.db")

    def scrape_metrics(self):
        """/metrics on both ports: label values come from logs and errors."""
        for port, name in ((self.metrics_port, "[metrics] port"), (self.ingest_port, "Firehose port")):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("GET", "/metrics")
            r = c.getresponse()
            self.artifacts.append(("/metrics on the " + name, r.read()))
            c.close()

    # --- the other commands -------------------------------------------------
    def run_cmd(self, name, argv, table=False):
        r = subprocess.run([BIN] + argv, capture_output=True, env=self.env, timeout=120)
        self.artifacts += [(name + " stdout", r.stdout), (name + " stderr", r.stderr)]
        self.stream_out.append((name + " stderr", r.stderr))
        if table:
            self.stream_out.append((name + " stdout", r.stdout))
        return r

    def run_queries(self, formats):
        export = os.path.join(self.tmp, "export.jsonl")
        with open(export, "w") as f:
            for i, ev in enumerate(self.corpus.events + self.corpus.pushed):
                f.write(json.dumps(dict(ev, ingestionTime=ev["timestamp"], eventId="%056d" % (i + 1))) + "\n")
        for fmt in output_formats():
            r = self.run_cmd("query -o " + fmt, ["query", "--file", export, "-o", fmt, "--config", self.conf],
                             table=(fmt != "json"))
            self.assertIn(r.returncode, (0, 3), "query -o %s failed: %r" % (fmt, r.stderr[-500:]))
            self.assertIn(b"secret_leak", r.stdout, "query -o %s reported no secret_leak finding" % fmt)
        self.receiver.phase = "query --webhook"
        argv = ["query", "--file", export, "-o", "json", "--config", self.conf]
        for f in formats:
            argv += ["--webhook", "fmt_" + f]
        r = self.run_cmd("query --webhook", argv)
        self.assertEqual(r.returncode, 0, "query --webhook failed: %r" % r.stderr[-500:])

    # --- the checks ----------------------------------------------------------
    def webhook_artifacts(self, findings):
        for n, r in enumerate(self.receiver.requests()):
            det = findings.get(r["id"])
            if det is None:  # a finding of query's alone: the body names it
                m = re.search(rb'"detector":\s*"([^"]+)"|Detector:\*\s*([\w:.-]+)', r["body"])
                det = (m.group(1) or m.group(2)).decode() if m else "?"
            where = "webhook %s request #%d (%s, finding %s, detector %s)" % (r["path"], n, r["phase"], r["id"], det)
            self.artifacts.append((where + " headers", r["headers"].encode()))
            self.artifacts.append((where + " body", r["body"]))

    def leaks(self):
        scan = Scanner(self.planter.secrets)
        found = []
        for name, data in self.artifacts:
            hits = scan.hits(data)
            view = decoded_view(data) if data[:1] in (b"{", b"[") else None
            if view is not None:
                for i, at in scan.hits(view).items():
                    if i not in hits:
                        found.append((i, name + " (JSON-decoded)", scan.context(view, at)))
            for i, at in hits.items():
                found.append((i, name, scan.context(data, at)))
        return found

    def control_chars(self):
        bad = [c.encode() for c in planted.CONTROL if c != "\n"]
        # a newline inside a planted message followed by the text after it: a forged output line
        forged = set()
        for ev in self.corpus.events + self.corpus.pushed:
            for tail in ev["message"].rstrip("\n").split("\n")[1:]:
                if len(tail.strip()) >= 10:
                    forged.add(b"\n" + tail[:24].encode())
        found = []
        mask = Scanner(self.planter.secrets).mask
        for name, data in self.stream_out:
            for c in bad:
                at = data.find(c)
                if at >= 0:
                    found.append("%s: raw %s (%d times), first at byte %d: %s" % (
                        name, ascii(c.decode()), data.count(c), at,
                        ascii(mask(data[max(0, at - CONTEXT):at + CONTEXT]).decode("utf-8", "replace"))))
            for f in sorted(forged):
                at = data.find(f)
                if at >= 0:
                    found.append("%s: a newline from the logs starts a line: %s" % (name, ascii(
                        mask(data[max(0, at - CONTEXT):at + CONTEXT]).decode("utf-8", "replace"))))
        return found

    def report(self, leaks, controls):
        secrets = self.planter.secrets
        lines = ["run seed %d (rerun: %s %s %d); context: '#' = leaked secret bytes, '*' = the product's mask" % (
            SEED, sys.argv[0], BUILD, SEED)]
        if leaks:
            by_secret = {}
            for i, where, ctx in leaks:
                by_secret.setdefault(i, []).append((where, ctx))
            lines.append("%d of %d planted secrets leaked, %d places in all:" % (len(by_secret), len(secrets),
                                                                               len(leaks)))
            for i in sorted(by_secret):
                lines.append("  %s" % secrets[i].masked())
                for where, ctx in by_secret[i][:6]:
                    lines.append("      in %s: %s" % (where, ctx))
                if len(by_secret[i]) > 6:
                    lines.append("      ... and %d more places" % (len(by_secret[i]) - 6))
            places = {}
            for i, where, _ in leaks:
                key = re.sub(r" request #\d+ ", " ", re.sub(r"finding \w+, ", "", where))
                places.setdefault(key, set()).add(i)
            lines.append("by place (distinct secrets):")
            lines += ["  %3d  %s" % (len(v), k) for k, v in sorted(places.items(), key=lambda kv: -len(kv[1]))]
        if controls:
            lines.append("%d raw control characters from the logs in stderr/table output:" % len(controls))
            lines += ["  " + c for c in controls]
        return "\n".join(lines)

    def test_no_planted_secret_leaves(self):
        formats = webhook_formats()
        self.plant()
        self.start_fake()
        self.write_config(formats)
        self.start_daemon()
        self.push_firehose()
        self.wait_delivered(formats)
        live = self.copy_state("copied while the daemon runs")
        self.scrape_metrics()
        self.run_cmd("status (daemon running)", ["status", "--config", self.conf], table=True)
        self.daemon.send_signal(signal.SIGTERM)
        rc = self.daemon.wait(30)
        final = self.copy_state("after SIGTERM")
        for name, path in (("daemon stdout", self.out_path), ("daemon stderr", self.err_path)):
            with open(path, "rb") as f:
                data = f.read()
            self.artifacts.append((name, data))
            self.stream_out.append((name, data))
        self.run_cmd("status", ["status", "--config", self.conf], table=True)
        self.run_queries(formats)
        db = sqlite3.connect(final)
        findings = dict(db.execute("select id, detector from findings").fetchall())
        db.close()
        for label, path in (("copied while running", live), ("after SIGTERM", final)):
            for where, text in sql_dump(path):
                self.artifacts.append(("state.db (%s) %s" % (label, where), text))
        self.webhook_artifacts(findings)
        leaks, controls = self.leaks(), self.control_chars()
        print("seed %d: %d secrets planted, %d events polled + %d pushed, webhook formats %s, query formats %s, "
              "findings %s, %d webhook requests, state files %s, %d artifacts, %d bytes scanned" % (
                  SEED, len(self.planter.secrets), len(self.corpus.events), len(self.corpus.pushed), formats,
                  output_formats(), dict(collections.Counter(findings.values())), len(self.receiver.requests()),
                  [n for n, _ in self.artifacts if n.startswith("state.db") and " table " not in n],
                  len(self.artifacts), sum(len(d) for _, d in self.artifacts)))
        if leaks or controls:
            print(self.report(leaks, controls))
        self.assertEqual(rc, 0, "the daemon's exit status on SIGTERM")
        # under -DLW_SANITIZE=ON a report need not change an exit status
        reports = [n for n, d in self.stream_out if b"Sanitizer" in d or b"runtime error:" in d]
        self.assertEqual(reports, [], "sanitizer reports in these outputs")
        if leaks:
            self.fail("%d of %d planted secrets left the daemon, %d places (report above)" % (
                len({i for i, _, _ in leaks}), len(self.planter.secrets), len(leaks)))
        if controls:
            self.fail("%d raw control characters from the logs reached stderr/table output (report above)" %
                      len(controls))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
