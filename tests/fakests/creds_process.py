#!/usr/bin/python3
"""A credential_process for tests: prints the JSON of AWS's "Sourcing
credentials with an external process" for the key given.
usage: creds_process.py AKID SECRET [--token T] [--ttl S] [--sleep S]
       [--exit N] [--garbage] [--flood] [--count FILE]
--count appends one line per run to FILE (how often it was run)."""
import argparse, datetime, json, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("akid")
ap.add_argument("secret")
ap.add_argument("--token", default="")
ap.add_argument("--ttl", type=float, default=0)
ap.add_argument("--sleep", type=float, default=0)
ap.add_argument("--exit", type=int, default=0)
ap.add_argument("--garbage", action="store_true")
ap.add_argument("--flood", action="store_true")
ap.add_argument("--count", default="")
a = ap.parse_args()
if a.count:
    with open(a.count, "a") as f:
        f.write("run\n")
time.sleep(a.sleep)
if a.flood:
    sys.stdout.write("x" * (1 << 20))
    sys.exit(0)
if a.garbage:
    print("not json at all")
    sys.exit(0)
out = {"Version": 1, "AccessKeyId": a.akid, "SecretAccessKey": a.secret}
if a.token:
    out["SessionToken"] = a.token
if a.ttl:
    out["Expiration"] = (datetime.datetime.now(datetime.timezone.utc) +
                         datetime.timedelta(seconds=a.ttl)).strftime("%Y-%m-%dT%H:%M:%SZ")
print(json.dumps(out))
sys.exit(a.exit)
