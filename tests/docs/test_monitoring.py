#!/usr/bin/python3
"""The contrib monitoring files use what the daemon really exports.

Starts the real daemon against the fake CloudWatch Logs endpoint with
[metrics], [ingest firehose], a webhook nobody answers and a watched
group holding one timeout REPORT, waits for its finding, scrapes /metrics, and holds
contrib/prometheus/lambdaward.rules.yml and contrib/grafana/lambdaward.json
to it: every lambdaward_* name in an alert expression, a panel target or a
template query has its family (# TYPE) and at least one series in the
scrape, every label a selector or a `by (...)` names is on that family's
series, and every label value a selector asks for equality with is one the
daemon exports. `up` is Prometheus's own. Also the shape Prometheus and
Grafana need: each rule has an alert name, an expression with balanced
brackets, a severity and a summary; the dashboard's datasource is an input
variable that every panel and target uses.

usage: test_monitoring.py BUILD_DIR SOURCE_DIR
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

build, src = sys.argv[1], sys.argv[2]
BIN = os.path.join(build, "lambdaward")
sys.path.insert(0, os.path.join(src, "tests", "e2e"))
from prom_text import exposition_problems  # noqa: E402

failures, checks = [], 0


def check(what, ok):
    global checks
    checks += 1
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def balanced(expr):
    pairs, stack = {")": "(", "]": "[", "}": "{"}, []
    for c in re.sub(r'"[^"]*"', '""', expr):
        if c in "([{":
            stack.append(c)
        elif c in pairs and (not stack or stack.pop() != pairs[c]):
            return False
    return not stack


# --- the files, as Prometheus and Grafana load them ---------------------------
with open(os.path.join(src, "contrib", "prometheus", "lambdaward.rules.yml")) as f:
    rules = yaml.safe_load(f)
exprs = []  # (where, expression)
for g in rules["groups"]:
    check("a rule group has a name", bool(g.get("name")))
    for r in g["rules"]:
        a = r.get("alert", "?")
        check(f"{a}: is an alert with a CamelCase name", re.fullmatch(r"[A-Z][A-Za-z]+", a or "") is not None)
        check(f"{a}: has an expression with balanced brackets", bool(r.get("expr")) and balanced(r["expr"]))
        check(f"{a}: severity is critical, warning or info", r.get("labels", {}).get("severity") in
              ("critical", "warning", "info"))
        check(f"{a}: has a summary and a description",
              bool(r.get("annotations", {}).get("summary")) and bool(r.get("annotations", {}).get("description")))
        if "for" in r:
            check(f"{a}: for is a duration", re.fullmatch(r"\d+[smhd]", str(r["for"])) is not None)
        exprs.append((a, r["expr"]))
alerts = [r["alert"] for g in rules["groups"] for r in g["rules"]]
check("alert names are unique", len(alerts) == len(set(alerts)))

with open(os.path.join(src, "contrib", "grafana", "lambdaward.json")) as f:
    dash = json.load(f)
inputs = [i for i in dash.get("__inputs", []) if i.get("type") == "datasource" and i.get("pluginId") == "prometheus"]
check("the dashboard's datasource is an input variable", len(inputs) == 1)
ds_uid = "${%s}" % inputs[0]["name"] if inputs else None
ids = []
for p in dash["panels"]:
    ids.append(p["id"])
    if p["type"] == "row":
        continue
    check(f"panel {p['title']}: uses the input datasource", p.get("datasource", {}).get("uid") == ds_uid)
    check(f"panel {p['title']}: has targets", len(p.get("targets", [])) > 0)
    for t in p.get("targets", []):
        check(f"panel {p['title']} {t.get('refId')}: the input datasource", t.get("datasource", {}).get("uid") == ds_uid)
        check(f"panel {p['title']} {t.get('refId')}: balanced brackets", balanced(t["expr"]))
        exprs.append((f"panel {p['title']}", t["expr"]))
check("panel ids are unique", len(ids) == len(set(ids)))
for v in dash.get("templating", {}).get("list", []):
    check(f"variable {v['name']}: the input datasource", v.get("datasource", {}).get("uid") == ds_uid)
    exprs.append((f"variable {v['name']}", v["query"]["query"] if isinstance(v["query"], dict) else v["query"]))
check("the dashboard names no datasource of this machine",
      not re.search(r'"datasource":\s*"(?!\$)', json.dumps(dash)))

# --- a real scrape ---------------------------------------------------------------
tmp = tempfile.mkdtemp()
env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
           AWS_REGION="us-east-1", HOME=tmp, LW_TEST_FIREHOSE_KEY="test-access-key-0123456789")
for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "AWS_SESSION_TOKEN"):
    env.pop(k, None)
fake = subprocess.Popen(["/usr/bin/python3", os.path.join(src, "tests", "fakelogs", "server.py"), "--max-seconds", "120"],
                        stdout=subprocess.PIPE, text=True)
daemon = None
scrape = ""
try:
    api = "http://127.0.0.1:%d" % int(fake.stdout.readline().split()[1])
    now = int(time.time() * 1000)
    event = {"logGroupName": "/aws/lambda/alpha", "logStreamName": "2026/12/03/[$LATEST]s1", "timestamp": now - 5000,
             "message": "REPORT RequestId: 00000000-0000-4000-8000-000000000001\tDuration: 3000.00 ms\t"
                        "Billed Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\tStatus: timeout\n"}
    urllib.request.urlopen(urllib.request.Request(api + "/__admin/put", data=json.dumps(event).encode(),
                                                  method="POST"), timeout=10).read()
    metrics_port = free_port()
    conf = os.path.join(tmp, "c.conf")
    with open(conf, "w") as f:
        f.write(f"[aws]\nendpoint_url = {api}\n[watch all]\nlog_group_prefix = /aws/lambda/\npoll_interval = 1s\n"
                f"lookback = 60s\n[ingest firehose]\nport = {free_port()}\naccess_key_env = LW_TEST_FIREHOSE_KEY\n"
                f"[metrics]\nport = {metrics_port}\n[state]\npath = {tmp}/state.db\n"
                # Nothing listens there: attempts fail and are retried, as for a receiver that is down.
                f"[webhook down]\nurl = http://127.0.0.1:{free_port()}/hook\nretry_base = 100ms\n")
    os.chmod(conf, 0o600)
    log = open(os.path.join(tmp, "daemon.log"), "w")
    daemon = subprocess.Popen([BIN, "run", "--config", conf], stderr=log, env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        time.sleep(0.5)
        try:
            scrape = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
        except OSError:
            continue
        if 'lambdaward_findings_by_detector_total{detector="timeout"} 1' in scrape and \
                "lambdaward_group_lag_seconds{" in scrape:
            break
    daemon.send_signal(signal.SIGTERM)
    check("the daemon stops cleanly", daemon.wait(30) == 0)
finally:
    if daemon and daemon.poll() is None:
        daemon.kill()
    fake.kill()
    fake.wait()
if failures and not scrape:
    print(open(os.path.join(tmp, "daemon.log")).read())
subprocess.call(["rm", "-rf", tmp])

check("the scrape is well-formed", exposition_problems(scrape) == [])
check("the scenario happened: one timeout finding",
      'lambdaward_findings_by_detector_total{detector="timeout"} 1' in scrape)
families = set(re.findall(r"^# TYPE (\S+) ", scrape, re.M))
series = {}  # name -> list of {label: value}
for line in scrape.splitlines():
    m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+$', line)
    if m:
        series.setdefault(m.group(1), []).append(dict(re.findall(r'([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"', m.group(2) or "")))

# --- the names, labels and values used, against it -------------------------------
PROMETHEUS_OWN = {"up"}   # set by Prometheus per target
TARGET_LABELS = {"job", "instance"}  # added by Prometheus at scrape time
used = set()
for where, e in exprs:
    for name in set(re.findall(r"\b(lambdaward_[a-z0-9_]+)\b", e)):
        used.add(name)
        check(f"{where}: {name} is a family of /metrics", name in families)
        check(f"{where}: {name} has series in the scrape", len(series.get(name, [])) > 0)
        labels = set().union(*[set(s) for s in series.get(name, [])] or [set()])
        for sel in re.findall(rf"\b{name}\{{([^}}]*)\}}", e):
            for lab, op, val in re.findall(r'([a-zA-Z_]\w*)\s*(=~|!=|!~|=)\s*"([^"]*)"', sel):
                if lab in TARGET_LABELS:
                    continue
                check(f"{where}: {name} has the label {lab}", lab in labels)
                vals = {s.get(lab) for s in series.get(name, [])}
                if op == "=":
                    check(f"{where}: {name}{{{lab}=\"{val}\"}} is exported", val in vals)
                elif op == "=~":
                    check(f"{where}: {name}{{{lab}=~\"{val}\"}} matches exported values",
                          any(re.fullmatch(val, v or "") for v in vals))
    # `by (a, b) (... name ...)`: the labels kept must be on the name aggregated.
    for by, inner in re.findall(r"\bby \(([^)]*)\)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)", e):
        for name in re.findall(r"\b(lambdaward_[a-z0-9_]+)\b", inner):
            labels = set().union(*[set(s) for s in series.get(name, [])] or [set()])
            for lab in [x.strip() for x in by.split(",") if x.strip()]:
                if lab not in TARGET_LABELS:
                    check(f"{where}: by ({lab}) is a label of {name}", lab in labels)
    for name in set(re.findall(r"(?<![\w$])([a-z_]+)\{", e)) - {n for n in used} - PROMETHEUS_OWN:
        check(f"{where}: {name} is a metric lambdaward exports", name.startswith("lambdaward_"))
check("the files use a fair share of what is exported", len(used) >= 25)
print(f"test_monitoring: {len(used)} metric names used, {len(families)} families exported, "
      f"{checks - len(failures)} of {checks} checks passed")
sys.exit(1 if failures else 0)
