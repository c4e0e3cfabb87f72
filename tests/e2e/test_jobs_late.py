#!/usr/bin/python3
"""query --jobs reports the same late events as one thread.

A JSON Lines file large enough to be split (over 32 MB) holds eight busy
functions and, now and then, a log line an hour older than its function's
newest event: too late for the window detectors (lateness 2 minutes), so
they count it rather than put it in a closed window. The count reported
({"kind":"late_events"} in JSON, the note under the table) is the same
with --jobs 1, 2 and 4, and not zero. (Each late line directly follows
its function's newer events, so no cut between the ranges separates them;
lambdaward(1) says what a cut does to an event made late only by events
before it.)

usage: test_jobs_late.py BUILD_DIR
"""
import json, os, re, subprocess, sys, tempfile, unittest

BIN = os.path.join(sys.argv[1] if len(sys.argv) > 1 else "build", "lambdaward")
ENV = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR")}
T0 = 1772979800000


def write_input(path, size=34 << 20):
    """Returns how many late lines were planted."""
    planted = n = i = 0
    pad = "x" * 120
    with open(path, "w") as out:
        while out.tell() < size:
            fn = "f%d" % (i % 8)
            rid = "11111111-0000-4000-8000-%012d" % i
            ts = T0 + i * 50
            for msg in ("START RequestId: %s Version: $LATEST\n" % rid, "working %s %s\n" % (rid, pad),
                        "END RequestId: %s\n" % rid,
                        "REPORT RequestId: %s\tDuration: 12.00 ms\tBilled Duration: 12 ms\tMemory Size: 128 MB\t"
                        "Max Memory Used: 70 MB\n" % rid):
                n += 1
                out.write(json.dumps({"logGroupName": "/aws/lambda/" + fn, "logStreamName": "a", "timestamp": ts,
                                      "eventId": str(n), "message": msg}) + "\n")
            if i % 997 == 500:
                n += 1
                planted += 1
                out.write(json.dumps({"logGroupName": "/aws/lambda/" + fn, "logStreamName": "b",
                                      "timestamp": ts - 3600000, "eventId": str(n),
                                      "message": "a line from an hour ago\n"}) + "\n")
            i += 1
    return planted


class JobsLateTest(unittest.TestCase):
    def test_late_counts_equal(self):
        tmp = tempfile.mkdtemp()
        path = os.path.join(tmp, "big.jsonl")
        planted = write_input(path)
        self.assertGreater(os.path.getsize(path), 32 << 20, "large enough to be split")
        counts, notes, summaries = {}, {}, {}
        for jobs in (1, 2, 4):
            r = subprocess.run([BIN, "query", "--jobs", str(jobs), "-o", "json", path], capture_output=True,
                               text=True, env=ENV, timeout=300)
            self.assertEqual(r.returncode, 0, r.stderr)
            objs = [json.loads(l) for l in r.stdout.splitlines()]
            late = [o["count"] for o in objs if o["kind"] == "late_events"]
            self.assertEqual(len(late), 1, "--jobs %d: one late_events line" % jobs)
            counts[jobs] = late[0]
            summaries[jobs] = sorted((o["function"], o["invocations"]) for o in objs if o["kind"] == "summary")
            t = subprocess.run([BIN, "query", "--jobs", str(jobs), "-o", "table", path], capture_output=True,
                               text=True, env=ENV, timeout=300)
            m = re.search(r"^(\d+) events came later than", t.stdout, re.M)
            self.assertIsNotNone(m, "--jobs %d: the table says how many came late" % jobs)
            notes[jobs] = int(m.group(1))
        print("late events: planted %d, reported %s" % (planted, counts))
        self.assertGreater(counts[1], 0)
        self.assertGreaterEqual(counts[1], planted, "each planted line is late for at least one detector")
        self.assertEqual(counts[2], counts[1])
        self.assertEqual(counts[4], counts[1])
        self.assertEqual(notes, {j: counts[1] for j in notes}, "the table says the same")
        self.assertEqual(summaries[4], summaries[1], "and the invocations are the same")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
