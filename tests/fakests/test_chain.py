#!/usr/bin/python3
"""lambdaward query over the API with credentials from the whole shared-config
chain, against the fake STS / SSO portal (tests/fakests/server.py) and a fake
CloudWatch Logs that accepts ONLY the keys the fake STS issued (plus the
static key a credential_process prints): a profile with role_arn +
source_profile, a chain of two roles with an external id, credential_process
(directly and as a role's source), web identity from the EKS IRSA variables,
IAM Identity Center with the token cache `aws sso login` writes, credentials
expiring mid-query (fetched again), and clear errors that name the role ARN
(AccessDenied), the expired SSO token ("aws sso login") and a failing
process, with no secret in any output.
usage: test_chain.py BUILD_DIR
"""
import hashlib, json, os, subprocess, sys, tempfile, time, urllib.request

BUILD = sys.argv[1]
BIN = os.path.join(BUILD, "lambdaward")
HERE = os.path.dirname(os.path.abspath(__file__))
FAKELOGS = os.path.join(HERE, "..", "fakelogs", "server.py")
PROCESS = os.path.join(HERE, "creds_process.py")
GROUP = "/aws/lambda/chaintest"
T0 = 1772900000000
READER = "arn:aws:iam::111111111111:role/reader"
CHAINED = "arn:aws:iam::222222222222:role/chained"
IRSA = "arn:aws:iam::333333333333:role/irsa"
DENIED = "arn:aws:iam::999999999999:role/nope"
# (the source key id too: no message of ours names a key)
SECRETS = ["AKIASOURCE00000001", "src-secret-value", "proc-secret-value", "procsrc-secret-value", "sso-bearer-ok",
           "eyJirsa.token.sig"]
failures = []
procs = []


def check(what, cond, detail=""):
    print("%s: %s%s" % ("ok" if cond else "FAIL", what, "" if cond else " " + str(detail)[:2500]))
    if not cond:
        failures.append(what)


def start(cmd):
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    procs.append(p)
    line = p.stdout.readline()
    assert line.startswith("LISTENING"), line
    return int(line.split()[1])


def get(port, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as r:
        return json.loads(r.read())


def no_secrets(what, text):
    check(what + ": no secret or token in the output", not any(s in text for s in SECRETS), text[-1500:])


def daemon_runs(tmp, env, trust):
    """lambdaward run with [aws] profile = reader, role credentials living
    7 s: every live event is analysed exactly once (one timeout finding
    each) while the role is assumed again and again; and a daemon whose
    role cannot be assumed keeps running and logs the role ARN."""
    lport = start(["/usr/bin/python3", FAKELOGS, "--max-seconds", "240", "--only-registered"])
    sport = start(["/usr/bin/python3", os.path.join(HERE, "server.py"), "--trust", trust, "--max-seconds", "240",
                   "--register", "http://127.0.0.1:%d" % lport, "--lifetime", "7"])
    denv = dict(env, AWS_ENDPOINT_URL_STS="http://127.0.0.1:%d" % sport)

    def daemon(name, profile):
        conf = os.path.join(tmp, name + ".conf")
        with open(conf, "w") as f:
            f.write("[aws]\nprofile = %s\nendpoint_url = http://127.0.0.1:%d\n[watch all]\n"
                    "log_group_prefix = /aws/lambda/\npoll_interval = 1s\nlookback = 60s\ndiscovery_interval = 10s\n"
                    "[state]\npath = %s/%s.db\n" % (profile, lport, tmp, name))
        os.chmod(conf, 0o600)
        log = os.path.join(tmp, name + ".log")
        d = subprocess.Popen([BIN, "run", "--config", conf], stderr=open(log, "w"), env=denv)
        procs.append(d)
        return d, log

    d, log = daemon("reader", "reader")
    sent = 0
    start_t = time.time()
    while time.time() - start_t < 16:
        batch = []
        for _ in range(3):
            sent += 1
            batch.append(json.dumps({"logGroupName": "/aws/lambda/live", "logStreamName": "2026/12/03/[$LATEST]a",
                                     "timestamp": int(time.time() * 1000), "message":
                                     "REPORT RequestId: 33333333-0000-4000-8000-%012d\tDuration: 3000.00 ms\t"
                                     "Billed Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t"
                                     "Status: timeout\n" % sent}))
        urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%d/__admin/put" % lport,
                                                      data="\n".join(batch).encode(), method="POST"), timeout=5).read()
        time.sleep(0.5)
    import sqlite3
    found = 0
    for _ in range(40):
        time.sleep(1)
        try:
            db = sqlite3.connect(os.path.join(tmp, "reader.db"))
            found = db.execute("select count(*) from findings where detector = 'timeout'").fetchone()[0]
            db.close()
        except sqlite3.OperationalError:
            found = 0  # not created yet
        if found >= sent:
            break
    d.send_signal(15)
    d.wait(20)
    got = [i for i in get(sport, "/__admin/issued") if i["RoleArn"] == READER]
    ls = get(lport, "/__admin/stats")
    text = open(log).read()
    check("daemon, role credentials living 7 s: every event analysed exactly once (%d of %d)" % (found, sent),
          found == sent, text[-2000:])
    check("daemon: the role was assumed again as its credentials ran out (%d times)" % len(got), len(got) >= 3, got)
    check("daemon: CloudWatch Logs never saw an expired key", ls.get("expired_key", 0) == 0, ls)
    no_secrets("daemon log", text)

    d, log = daemon("denied", "denied")
    text = ""
    for _ in range(100):
        time.sleep(0.1)
        text = open(log).read()
        if DENIED in text:
            break
    check("daemon, a role that cannot be assumed: logs the role ARN and AccessDenied", DENIED in text and
          "AccessDenied" in text, text[-2000:])
    check("...and keeps running", d.poll() is None, d.returncode)
    d.send_signal(15)
    d.wait(20)
    no_secrets("daemon log (denied)", text)


def main():
    tmp = tempfile.mkdtemp()
    home = os.path.join(tmp, "home")
    os.makedirs(os.path.join(home, ".aws", "sso", "cache"))
    events = os.path.join(tmp, "events.jsonl")
    with open(events, "w") as f:
        for i in range(600):
            ts = T0 + i * 1000
            rid = "22222222-0000-4000-8000-%012d" % i
            for j, msg in enumerate(["START RequestId: %s Version: $LATEST\n" % rid, "END RequestId: %s\n" % rid,
                                     "REPORT RequestId: %s\tDuration: %d.00 ms\tBilled Duration: %d ms\t"
                                     "Memory Size: 128 MB\tMax Memory Used: 70 MB\t\n" % (rid, 100 + i % 7,
                                                                                          100 + i % 7)]):
                f.write(json.dumps({"logGroupName": GROUP, "logStreamName": "s1", "timestamp": ts + j,
                                    "ingestionTime": ts + j, "message": msg}) + "\n")
    trust = os.path.join(tmp, "trust.json")
    with open(trust, "w") as f:
        json.dump({"callers": {"AKIASOURCE00000001": {"secret": "src-secret-value"},
                               "AKIAPROCSRC0000001": {"secret": "procsrc-secret-value"}},
                   "roles": {READER: {"principals": ["AKIASOURCE00000001", "AKIAPROCSRC0000001"]},
                             CHAINED: {"principals": [READER], "external_id": "ext-42"},
                             IRSA: {"web_identity_tokens": ["eyJirsa.token.sig"]}},
                   "sso": {"tokens": ["sso-bearer-ok"], "roles": {"444444444444/Audit": {}}}}, f)
    lport = start(["/usr/bin/python3", FAKELOGS, "--seed", events, "--page-events", "50", "--max-seconds", "240",
                   "--only-registered", "--key", "AKIAPROCESS0000001:proc-secret-value"])
    sport = start(["/usr/bin/python3", os.path.join(HERE, "server.py"), "--trust", trust, "--max-seconds", "240",
                   "--register", "http://127.0.0.1:%d" % lport])
    count = os.path.join(tmp, "process-runs")
    proc = "/usr/bin/python3 '%s'" % PROCESS
    cfg, creds = os.path.join(tmp, "config"), os.path.join(tmp, "credentials")
    with open(cfg, "w") as f:
        f.write("[profile reader]\nrole_arn = %s\nsource_profile = src\nrole_session_name = lw-e2e\n"
                "duration_seconds = 900\n" % READER)
        f.write("[profile chained]\nrole_arn = %s\nsource_profile = reader\nexternal_id = ext-42\n" % CHAINED)
        f.write("[profile chained-no-ext]\nrole_arn = %s\nsource_profile = reader\n" % CHAINED)
        f.write("[profile denied]\nrole_arn = %s\nsource_profile = src\n" % DENIED)
        f.write("[profile proc]\ncredential_process = %s AKIAPROCESS0000001 proc-secret-value --count %s\n"
                % (proc, count))
        f.write("[profile proc-ttl]\ncredential_process = %s AKIAPROCESS0000001 proc-secret-value --ttl 7 "
                "--count %s-ttl\n" % (proc, count))
        f.write("[profile procsrc]\ncredential_process = %s AKIAPROCSRC0000001 procsrc-secret-value --ttl 3600\n" % proc)
        f.write("[profile procrole]\nrole_arn = %s\nsource_profile = procsrc\n" % READER)
        f.write("[profile proc-exit]\ncredential_process = %s AKIAPROCESS0000001 proc-secret-value --exit 3\n" % proc)
        f.write("[profile proc-garbage]\ncredential_process = %s A S --garbage\n" % proc)
        f.write("[profile proc-flood]\ncredential_process = %s A S --flood\n" % proc)
        f.write("[profile proc-missing]\ncredential_process = /nonexistent/get-creds --secret-arg\n")
        f.write("[profile sso]\nsso_session = corp\nsso_account_id = 444444444444\nsso_role_name = Audit\n"
                "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n")
        f.write("[profile sso-legacy]\nsso_start_url = https://legacy.awsapps.com/start\nsso_region = eu-west-1\n"
                "sso_account_id = 444444444444\nsso_role_name = Audit\n")
    with open(creds, "w") as f:
        f.write("[src]\naws_access_key_id = AKIASOURCE00000001\naws_secret_access_key = src-secret-value\n")

    def cache(key, token, expires):
        with open(os.path.join(home, ".aws", "sso", "cache", hashlib.sha1(key.encode()).hexdigest() + ".json"),
                  "w") as f:
            json.dump({"startUrl": "https://x", "region": "eu-west-1", "accessToken": token, "expiresAt": expires}, f)
    cache("corp", "sso-bearer-ok", "2099-01-01T00:00:00Z")
    cache("https://legacy.awsapps.com/start", "sso-bearer-ok", "2020-01-01T00:00:00Z")

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k.lower() not in
           ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    env.update(HOME=home, AWS_REGION="eu-central-1", AWS_CONFIG_FILE=cfg, AWS_SHARED_CREDENTIALS_FILE=creds,
               AWS_EC2_METADATA_DISABLED="true", AWS_ENDPOINT_URL_STS="http://127.0.0.1:%d" % sport,
               AWS_ENDPOINT_URL_SSO="http://127.0.0.1:%d" % sport)

    def query(profile, extra=None, tps=50, port=None):
        args = [BIN, "query", "--log-group", GROUP, "--start", "2026-03-01T00:00:00Z", "--tps", str(tps),
                "--endpoint-url", "http://127.0.0.1:%d" % (port or lport), "-o", "json"]
        if profile:
            args += ["--profile", profile]
        return subprocess.run(args, env=dict(env, **(extra or {})), capture_output=True, text=True, timeout=120)

    want = subprocess.run([BIN, "query", "--file", events, "-o", "json"], capture_output=True, text=True, env=env)
    want_summary = [l for l in want.stdout.splitlines() if '"kind":"summary"' in l]
    check("the file query gives a summary", len(want_summary) == 1, want.stdout[-500:])

    def same_as_file(what, r):
        got = [l for l in r.stdout.splitlines() if '"kind":"summary"' in l]
        check(what + ": exits 0", r.returncode == 0, r.stderr[-1500:])
        check(what + ": same summary as the file query", got == want_summary, (got, want_summary))
        no_secrets(what, r.stdout + r.stderr)

    def issued(role):
        return [i for i in get(sport, "/__admin/issued") if i["RoleArn"] == role]

    def used(akid):
        return get(lport, "/__admin/stats").get("key:" + akid, 0)

    # role_arn + source_profile with static keys.
    r = query("reader")
    same_as_file("role_arn + source_profile", r)
    got = issued(READER)
    check("role_arn: assumed once, with the profile's session name, signed by the source profile's key",
          len(got) == 1 and got[0]["RoleSessionName"] == "lw-e2e" and got[0]["Source"] == "AKIASOURCE00000001", got)
    check("role_arn: the logs were read with the role's credentials", got and used(got[0]["AccessKeyId"]) >= 1,
          get(lport, "/__admin/stats"))
    check("role_arn: STS was signed for the configured region (regional endpoint)",
          get(sport, "/__admin/stats").get("region:eu-central-1", 0) >= 1, get(sport, "/__admin/stats"))

    # A chain of two roles, the second with an external id.
    r = query("chained")
    same_as_file("role chain with external_id", r)
    got, readers = issued(CHAINED), [i["AccessKeyId"] for i in issued(READER)]
    check("role chain: the second role was assumed with a session of the first",
          len(got) == 1 and got[0]["Source"] in readers, (got, readers))
    r = query("chained-no-ext")
    check("role chain without the required external id: fails naming the role ARN", r.returncode != 0 and
          CHAINED in r.stderr and "AccessDenied" in r.stderr and "'chained-no-ext'" in r.stderr, r.stderr)

    # A role that cannot be assumed.
    before = get(lport, "/__admin/stats").get("requests", 0)
    r = query("denied")
    check("a role that cannot be assumed: fails", r.returncode != 0, r.returncode)
    check("...with an error naming the role ARN and AWS's code", DENIED in r.stderr and "AccessDenied" in r.stderr,
          r.stderr)
    check("...and nothing else was tried against CloudWatch Logs",
          get(lport, "/__admin/stats").get("requests", 0) == before, get(lport, "/__admin/stats"))
    no_secrets("denied role", r.stdout + r.stderr)

    # credential_process.
    r = query("proc")
    same_as_file("credential_process", r)
    check("credential_process: run once", open(count).read().count("run") == 1, open(count).read())
    check("credential_process: its key read the logs", used("AKIAPROCESS0000001") >= 1, get(lport, "/__admin/stats"))
    # Expiring process credentials: the process is run again before they expire.
    r = query("proc-ttl", tps=6)
    same_as_file("credential_process with a 7 s Expiration", r)
    check("credential_process: run again as its credentials ran out",
          open(count + "-ttl").read().count("run") >= 2, open(count + "-ttl").read())
    r = query("procrole")
    same_as_file("role_arn whose source profile has a credential_process", r)
    check("...the role was assumed with the process's key",
          any(i["Source"] == "AKIAPROCSRC0000001" for i in issued(READER)), issued(READER))
    for prof, must in [("proc-exit", "exited with status 3"), ("proc-garbage", "output of /usr/bin/python3"),
                       ("proc-flood", "more than 64 KiB"), ("proc-missing", "cannot run /nonexistent/get-creds")]:
        r = query(prof)
        check("credential_process %s: a clear error" % prof, r.returncode != 0 and must in r.stderr and
              ("'%s'" % prof in r.stderr or "profile %s" % prof in r.stderr), r.stderr)
        check("credential_process %s: the arguments are not shown" % prof, "--secret-arg" not in r.stderr and
              "proc-secret-value" not in r.stderr, r.stderr)

    # Web identity from the environment (EKS IRSA), no profile named.
    tok = os.path.join(tmp, "irsa-token")
    with open(tok, "w") as f:
        f.write("eyJirsa.token.sig\n")
    irsa = {"AWS_WEB_IDENTITY_TOKEN_FILE": tok, "AWS_ROLE_ARN": IRSA, "AWS_ROLE_SESSION_NAME": "pod-1"}
    r = query(None, irsa)
    same_as_file("web identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)", r)
    got = issued(IRSA)
    check("web identity: AssumeRoleWithWebIdentity with the session name", len(got) == 1 and
          got[0]["RoleSessionName"] == "pod-1" and got[0]["Source"] == "web identity", got)
    with open(tok, "w") as f:
        f.write("eyJ.some.other\n")
    r = query(None, irsa)
    check("web identity, a token STS refuses: a clear error", r.returncode != 0 and "InvalidIdentityToken" in r.stderr
          and IRSA in r.stderr, r.stderr)
    no_secrets("web identity refused", r.stdout + r.stderr)

    # IAM Identity Center.
    r = query("sso")
    same_as_file("IAM Identity Center (sso_session)", r)
    check("sso: GetRoleCredentials was asked", get(sport, "/__admin/stats").get("GetRoleCredentials", 0) == 1,
          get(sport, "/__admin/stats"))
    r = query("sso-legacy")
    check("sso, expired cached token: says to run aws sso login", r.returncode != 0 and "expired" in r.stderr and
          "aws sso login --profile sso-legacy" in r.stderr, r.stderr)
    cache("corp", "revoked-token", "2099-01-01T00:00:00Z")
    r = query("sso")
    check("sso, a token the portal refuses: HTTP 401 and aws sso login", r.returncode != 0 and "HTTP 401" in r.stderr
          and "aws sso login" in r.stderr and "revoked-token" not in r.stderr, r.stderr)

    # Credentials expiring mid-query: a second STS issuing 7 s credentials
    # (inside the 5 s margin after 2 s); the query takes longer.
    lport2 = start(["/usr/bin/python3", FAKELOGS, "--seed", events, "--page-events", "50", "--max-seconds", "240",
                    "--only-registered"])
    sport2 = start(["/usr/bin/python3", os.path.join(HERE, "server.py"), "--trust", trust, "--max-seconds", "240",
                    "--register", "http://127.0.0.1:%d" % lport2, "--lifetime", "7"])
    t = time.time()
    r = query("reader", {"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:%d" % sport2}, tps=6, port=lport2)
    same_as_file("role credentials expiring mid-query", r)
    got = [i for i in get(sport2, "/__admin/issued") if i["RoleArn"] == READER]
    ls = get(lport2, "/__admin/stats")
    check("expiring role credentials were assumed again (%.1f s query)" % (time.time() - t), len(got) >= 2 and
          all(ls.get("key:" + i["AccessKeyId"], 0) >= 1 for i in got[:2]), (got, ls))
    check("...before the service said they expired", ls.get("expired_key", 0) == 0, ls)

    daemon_runs(tmp, env, trust)

    for p in procs:
        p.kill()
        p.wait()
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
