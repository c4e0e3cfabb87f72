#!/usr/bin/python3
"""The tables a person reads (query, findings, status), as lambdaward(1)
says they look:

- width: a pipe takes COLUMNS when set (80 and 200 here), else no limit; a
  terminal its own size (TIOCGWINSZ), whatever COLUMNS says. Every line
  fits, except a name wider than the whole line (none here).
- names are never cut: functions and log groups that share a long prefix
  (billing-api-production-handler-eu / -us) each print whole, once per
  row, and no two different names print the same;
- times carry their zone (a trailing Z);
- colour: none on a pipe; ESC sequences on a terminal, none there with
  NO_COLOR=1 (an empty NO_COLOR does not count), --color=always colours
  even a pipe and wins over NO_COLOR, --color=never never colours.

usage: test_table.py BUILD_DIR
"""
import fcntl, json, os, pty, re, select, signal, sqlite3, struct, subprocess, sys, tempfile, termios, time, unittest

BIN = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "build", "lambdaward")
ENV = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR", "JOURNAL_STREAM")}

# Names that a cut would collide: the same 30-character prefix, different
# tails; and the longest Lambda allows (64 characters).
FUNCTIONS = [
    "billing-api-production-handler-eu",
    "billing-api-production-handler-us",
    "orders-service-production-eu-west-1-worker-queue-consumer-00001",
    "orders-service-production-eu-west-1-worker-queue-consumer-00002",
    "api",
]
SEVERITIES = ("INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL")
T0 = 1772979800000  # 2026-03-08T14:23:20Z


def events():
    """One timed-out invocation per function: a timeout finding each, and
    a summary row each."""
    out, n = [], 0
    for i, fn in enumerate(FUNCTIONS):
        rid = "11111111-0000-4000-8000-%012d" % i
        t = T0 + i * 1000
        for msg in ("START RequestId: %s Version: $LATEST\n" % rid,
                    "END RequestId: %s\n" % rid,
                    "REPORT RequestId: %s\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\t"
                    "Max Memory Used: 70 MB\tStatus: timeout\n" % rid):
            n += 1
            out.append(json.dumps({"logGroupName": "/aws/lambda/" + fn, "logStreamName": "s", "timestamp": t,
                                   "eventId": str(n), "message": msg}))
    return "\n".join(out) + "\n"


def on_pty(argv, env, cols=None):
    """Runs argv with stdout on a new pseudo-terminal (of cols columns when
    given); returns what it printed there."""
    master, slave = pty.openpty()
    if cols:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, cols, 0, 0))
    p = subprocess.Popen(argv, stdout=slave, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    data = b""
    while True:
        r, _, _ = select.select([master], [], [], 30)
        if not r:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the slave side closed
            break
        if not chunk:
            break
        data += chunk
    os.close(master)
    p.wait(timeout=30)
    return data.replace(b"\r\n", b"\n")


def finding_names(text):
    """Each finding row's function, as printed: after the time on the row's
    first line, or alone on the next line when it did not fit there."""
    lines = text.splitlines()
    names = []
    for i, line in enumerate(lines):
        words = line.split()
        if words and words[0] in SEVERITIES:
            m = re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ(?: (\S.*))?$", line)
            assert m, "a finding row whose time has no zone: %r" % line
            names.append(m.group(1) if m.group(1) else lines[i + 1].strip())
    return names


def summary_names(text):
    """Each summary row's function: the first word of a row of numbers, or
    a line of its own before one that starts with spaces."""
    lines = text.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("FUNCTION "))
    names = []
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.startswith("TOTAL") or not line.strip():
            break
        if line.startswith(" "):
            continue  # the numbers of a name printed on the line above
        words = line.split()
        names.append(words[0])
    return names


class TableTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.input = os.path.join(cls.tmp, "export.jsonl")
        with open(cls.input, "w") as f:
            f.write(events())

    def query(self, *args, env=None):
        r = subprocess.run([BIN, "query", "-o", "table", self.input] + list(args), capture_output=True,
                           env=env or ENV, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def check_fits(self, text, width):
        for line in text.splitlines():
            self.assertLessEqual(len(line), width, "line wider than %d: %r" % (width, line))

    def check_names(self, text, what):
        for names in (finding_names(text), summary_names(text)):
            self.assertEqual(sorted(names), sorted(FUNCTIONS), "%s: every name whole, once" % what)
            self.assertEqual(len(set(names)), len(FUNCTIONS), "%s: no two names print the same" % what)

    def test_query_widths(self):
        for width in (80, 200):
            out = self.query(env=dict(ENV, COLUMNS=str(width))).decode()
            self.check_fits(out, width)
            self.check_names(out, "COLUMNS=%d" % width)
        # At 200 columns even the longest name fits on its row.
        wide = self.query(env=dict(ENV, COLUMNS="200")).decode()
        for fn in FUNCTIONS:
            self.assertRegex(wide, r"(?m)^MEDIUM +timeout +\S+Z %s$" % re.escape(fn))
        # At 80 the two 63-character names go on a line of their own.
        narrow = self.query(env=dict(ENV, COLUMNS="80")).decode()
        self.assertIn("\n  %s\n" % FUNCTIONS[2], narrow)
        # A pipe without COLUMNS: no limit, nothing moved or cut.
        whole = self.query().decode()
        self.assertEqual(finding_names(whole), finding_names(wide))
        self.assertNotIn("~", whole)

    def test_query_terminal_width(self):
        # The terminal's own size wins over COLUMNS.
        out = on_pty([BIN, "query", "-o", "table", "--color", "never", self.input], dict(ENV, COLUMNS="200"),
                     cols=100).decode()
        self.check_fits(out, 100)
        self.check_names(out, "a 100-column terminal")
        self.assertIn("\n  %s\n" % FUNCTIONS[2], out)

    def test_colour(self):
        esc = b"\x1b["
        self.assertNotIn(b"\x1b", self.query(), "a pipe: no colour by default")
        self.assertNotIn(b"\x1b", self.query("--color", "auto"))
        self.assertIn(esc, self.query("--color", "always"), "--color=always colours a pipe")
        self.assertIn(esc, self.query("--color=always", env=dict(ENV, NO_COLOR="1")), "always wins over NO_COLOR")
        self.assertIn(b"\x1b[33mMEDIUM\x1b[0m", self.query("--color", "always"), "medium is yellow")
        argv = [BIN, "query", "-o", "table", self.input]
        self.assertIn(esc, on_pty(argv, ENV, cols=80), "a terminal: colour by default")
        self.assertNotIn(b"\x1b", on_pty(argv, dict(ENV, NO_COLOR="1"), cols=80), "NO_COLOR=1: none")
        self.assertIn(esc, on_pty(argv, dict(ENV, NO_COLOR=""), cols=80), "an empty NO_COLOR does not count")
        self.assertNotIn(b"\x1b", on_pty(argv + ["--color", "never"], ENV, cols=80))
        self.assertNotIn(b"\x1b", self.query("--color", "always", "-o", "json"), "JSON is never coloured")
        r = subprocess.run([BIN, "query", "--color", "sometimes", self.input], capture_output=True, env=ENV)
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"auto, always, never", r.stderr)

    def state(self):
        """A state file the daemon made, with findings and checkpoints of
        the long names added as the daemon records them."""
        d = tempfile.mkdtemp(dir=self.tmp)
        db = os.path.join(d, "state.db")
        conf = os.path.join(d, "run.conf")
        with open(conf, "w") as f:
            f.write("[state]\npath = %s\n" % db)
        with open(os.path.join(d, "log"), "w+") as log:
            p = subprocess.Popen([BIN, "run", "--config", conf], stderr=log, env=ENV)
            for _ in range(100):  # readiness, not a timing assertion
                log.seek(0)
                if "started" in log.read():
                    break
                time.sleep(0.1)
            p.send_signal(signal.SIGTERM)
            self.assertEqual(p.wait(timeout=30), 0)
        c = sqlite3.connect(db)
        for i, fn in enumerate(FUNCTIONS):
            t = T0 + i * 1000
            fid = "%016x" % (i + 1)
            c.execute("INSERT INTO findings(id, detector, severity, function, time_ms, json, created_ms) "
                      "VALUES (?, 'timeout', 2, ?, ?, ?, ?)",
                      (fid, fn, t, json.dumps({"kind": "finding", "id": fid, "detector": "timeout",
                                               "severity": "medium", "function": fn,
                                               "title": "Invocation timed out after 3000 ms", "count": 1}), t))
            c.execute("INSERT INTO groups(name, watermark_ms, last_poll_ms, events, last_error) VALUES (?, ?, ?, 3, ?)",
                      ("/aws/lambda/" + fn, t, t, "ThrottlingException: Rate exceeded " * 3 if i == 0 else None))
        c.commit()
        c.close()
        return db

    def test_findings_and_status(self):
        db = self.state()
        for width in (80, 200):
            env = dict(ENV, COLUMNS=str(width))
            r = subprocess.run([BIN, "findings", "--state", db], capture_output=True, env=env, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            out = r.stdout.decode()
            self.check_fits(out, width)
            self.assertEqual(sorted(finding_names(out)), sorted(FUNCTIONS), "findings, COLUMNS=%d" % width)
            self.assertNotIn("\x1b", out)
            r = subprocess.run([BIN, "findings", "--state", db, "--color", "always"], capture_output=True, env=env)
            self.assertIn(b"\x1b[33mMEDIUM\x1b[0m", r.stdout)

            r = subprocess.run([BIN, "status", "--state", db], capture_output=True, env=env, timeout=30)
            self.assertEqual(r.returncode, 0, r.stderr)
            out = r.stdout.decode()
            self.check_fits(out, width)
            lines = out.splitlines()
            start = lines.index(next(l for l in lines if l.startswith("LOG GROUP")))
            groups = []
            for line in lines[start + 1:]:
                if not line.strip():
                    break
                if not line.startswith(" "):
                    groups.append(line.split()[0])
            self.assertEqual(sorted(groups), sorted("/aws/lambda/" + f for f in FUNCTIONS), "status, COLUMNS=%d" % width)
        self.assertNotIn(b"\x1b", on_pty([BIN, "findings", "--state", db], dict(ENV, NO_COLOR="1"), cols=80))
        self.assertIn(b"\x1b[", on_pty([BIN, "findings", "--state", db], ENV, cols=80))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
