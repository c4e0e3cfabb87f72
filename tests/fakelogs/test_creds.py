#!/usr/bin/python3
"""lambdaward query over the API with credentials from the container
endpoint and from IMDSv2 (fakes on 127.0.0.1: creds_server.py and the fake
CloudWatch Logs endpoint accepting only the keys the fake hands out), with
no AWS_* credentials in the environment and an empty HOME. Also: credentials
refreshed when the service says ExpiredTokenException and before they
expire, clear errors when the chain finds nothing, and no secret in any
output. A profile named (--profile, [aws] profile, AWS_PROFILE) that is
missing or unusable (a role whose source profile has no keys) is an error naming it, and neither
`query` nor the daemon then contacts the container endpoint or IMDS (the
fake counts every request) or signs with the environment's keys.
usage: test_creds.py BUILD_DIR
"""
import json, os, subprocess, sys, tempfile, time, urllib.request

BUILD = sys.argv[1]
BIN = os.path.join(BUILD, "lambdaward")
HERE = os.path.dirname(os.path.abspath(__file__))
GROUP = "/aws/lambda/credtest"
T0 = 1772900000000
failures = []
procs = []


def check(what, cond, detail=""):
    print("%s: %s%s" % ("ok" if cond else "FAIL", what, "" if cond else " " + str(detail)[:2000]))
    if not cond:
        failures.append(what)


def start(cmd):
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    procs.append(p)
    line = p.stdout.readline()
    assert line.startswith("LISTENING"), line
    return p, int(line.split()[1])


def stats(port, path):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as r:
        return json.loads(r.read())


def fake_logs(events, keys, prefix_gens=5):
    cmd = ["/usr/bin/python3", os.path.join(HERE, "server.py"), "--seed", events, "--page-events", "50",
           "--max-seconds", "120"]
    for k in keys:
        cmd += ["--key", k]
    return start(cmd)


def keys_for(prefix, lifetime_first=""):
    """The keys creds_server.py hands out with --prefix, generations 1..6."""
    return ["%s%d:fake-secret-%s%d:fake-token-%s%d:%s" % (prefix, n, prefix, n, prefix, n,
                                                         lifetime_first if n == 1 else "") for n in range(1, 7)]


def creds_server(*args):
    return start(["/usr/bin/python3", os.path.join(HERE, "creds_server.py"), "--max-seconds", "120"] + list(args))


def base_env(home):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k.lower() not in
           ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    env.update(HOME=home, AWS_REGION="us-east-1")
    return env


def query(env, port, tps=50):
    r = subprocess.run([BIN, "query", "--log-group", GROUP, "--start", "2026-03-01T00:00:00Z", "--tps", str(tps),
                        "--endpoint-url", "http://127.0.0.1:%d" % port, "-o", "json"],
                       env=env, capture_output=True, text=True, timeout=90)
    return r


def named_profile_never_falls_back(home, tmp, lport):
    """A fake serving both the container endpoint and IMDS, the environment's
    keys set as well: none of it may stand in for a named profile."""
    cs, cport = creds_server("--prefix", "ASIAFALLBACK")
    aws = os.path.join(tmp, "aws")
    os.makedirs(aws, exist_ok=True)
    with open(os.path.join(aws, "config"), "w") as f:
        f.write("[default]\nregion = us-east-1\n[profile assume]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
                "source_profile = default\n")
    with open(os.path.join(aws, "credentials"), "w") as f:
        f.write("[static]\naws_access_key_id = AKIASTATICPROFILE001\naws_secret_access_key = static-secret\n")
    env = base_env(home)
    env.update(AWS_CONFIG_FILE=os.path.join(aws, "config"), AWS_SHARED_CREDENTIALS_FILE=os.path.join(aws, "credentials"),
               AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:%d/v2/credentials/task" % cport,
               AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:%d" % cport,
               AWS_ACCESS_KEY_ID="AKIAENVIRONMENT00001", AWS_SECRET_ACCESS_KEY="env-secret")

    def query_with(extra_env, *args):
        return subprocess.run([BIN, "query", "--log-group", GROUP, "--start", "2026-03-01T00:00:00Z",
                               "--endpoint-url", "http://127.0.0.1:%d" % lport, "-o", "json"] + list(args),
                              env=dict(env, **extra_env), capture_output=True, text=True, timeout=60)
    before = stats(lport, "/__admin/stats")
    for what, extra, args, must in [
            ("--profile missing", {}, ["--profile", "missing"], ["'missing'", "--profile", aws]),
            ("AWS_PROFILE missing", {"AWS_PROFILE": "missing"}, [], ["'missing'", "AWS_PROFILE"]),
            ("--profile of an assume-role profile whose source has no keys", {}, ["--profile", "assume"],
             ["'assume'", "'default'", "no credentials"])]:
        r = query_with(extra, *args)
        check(what + ": fails", r.returncode != 0, r.returncode)
        check(what + ": the error names the profile and what is wrong", all(m in r.stderr for m in must), r.stderr)
        no_secrets(what, r.stdout + r.stderr, "")
    # The daemon: [aws] profile = missing is a configuration error, as the
    # AWS CLI makes it: the daemon says so at start and exits, never polling
    # with other credentials.
    conf = os.path.join(tmp, "missing-profile.conf")
    with open(conf, "w") as f:
        f.write("[aws]\nprofile = missing\nendpoint_url = http://127.0.0.1:%d\n[watch w]\nlog_group = %s\n"
                "poll_interval = 1s\n[state]\npath = %s/missing-profile.db\n" % (lport, GROUP, tmp))
    log = os.path.join(tmp, "missing-profile.log")
    with open(log, "w") as lf:
        d = subprocess.Popen([BIN, "run", "--config", conf], stderr=lf, env=env)
    procs.append(d)
    text = ""
    for _ in range(100):
        time.sleep(0.1)
        text = open(log).read()
        if "'missing'" in text or d.poll() is not None:
            break
    try:
        rc = d.wait(10)
    except subprocess.TimeoutExpired:
        d.terminate()
        rc = d.wait(10)
        rc = "still running after 10 s"
    text = open(log).read()
    check("daemon, [aws] profile = missing: exits at start with an error", rc not in (0, -15) and
          isinstance(rc, int), rc)
    check("daemon, [aws] profile = missing: the log names the profile", "'missing'" in text and
          "neither" in text, text[-2000:])
    s, after = stats(cport, "/__stats"), stats(lport, "/__admin/stats")
    check("named profile unusable: the container endpoint and IMDS were never contacted",
          s.get("requests", 0) == 0, s)
    check("named profile unusable: no call reached CloudWatch Logs (signed with any other key)",
          after.get("requests", 0) == before.get("requests", 0), (before, after))
    # The control: the same fakes do answer when nothing is named.
    r = query_with({"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
                    "AWS_CONFIG_FILE": os.path.join(tmp, "none"), "AWS_SHARED_CREDENTIALS_FILE": os.path.join(tmp, "none")})
    check("control: with no profile named the container endpoint is used", stats(cport, "/__stats").get(
        "container_get", 0) == 1, (r.stderr[-500:], stats(cport, "/__stats")))


def no_secrets(what, text, prefix):
    check(what + ": no secret or token in the output",
          "fake-secret-" not in text and "fake-token-" not in text and "s3cr3t-auth" not in text, text)


def main():
    tmp = tempfile.mkdtemp()
    home = os.path.join(tmp, "home")
    os.mkdir(home)
    events = os.path.join(tmp, "events.jsonl")
    with open(events, "w") as f:
        for i in range(1500):
            ts = T0 + i * 1000
            rid = "11111111-0000-4000-8000-%012d" % i
            for j, msg in enumerate(["START RequestId: %s Version: $LATEST\n" % rid, "END RequestId: %s\n" % rid,
                                     "REPORT RequestId: %s\tDuration: %d.00 ms\tBilled Duration: %d ms\t"
                                     "Memory Size: 128 MB\tMax Memory Used: 70 MB\t\n" % (rid, 100 + i % 7,
                                                                                          100 + i % 7)]):
                f.write(json.dumps({"logGroupName": GROUP, "logStreamName": "s1", "timestamp": ts + j,
                                    "ingestionTime": ts + j, "message": msg}) + "\n")
    want = subprocess.run([BIN, "query", "--file", events, "-o", "json"], capture_output=True, text=True,
                          env=base_env(home))
    want_summary = [l for l in want.stdout.splitlines() if '"kind":"summary"' in l]
    check("the file query gives a summary", len(want_summary) == 1, want.stdout[-500:])

    def same_as_file(what, r):
        got = [l for l in r.stdout.splitlines() if '"kind":"summary"' in l]
        check(what + ": exits 0", r.returncode == 0, r.stderr[-1500:])
        check(what + ": same summary as the file query", got == want_summary, (got, want_summary))

    # (a) IMDSv2.
    cs, cport = creds_server("--prefix", "ASIAIMDS")
    fl, lport = fake_logs(events, keys_for("ASIAIMDS"))
    env = base_env(home)
    env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:%d/" % cport
    r = query(env, lport)
    same_as_file("IMDSv2", r)
    no_secrets("IMDSv2", r.stdout + r.stderr, "ASIAIMDS")
    s, ls = stats(cport, "/__stats"), stats(lport, "/__admin/stats")
    check("IMDSv2: a session token was asked for", s.get("token_put", 0) >= 1, s)
    check("IMDSv2: role and credentials read with the token", s.get("role_get") == 1 and s.get("creds_get") == 1, s)
    check("IMDSv2: never refused", s.get("unauthorized", 0) == 0, s)
    check("IMDSv2: the logs were read with the instance credentials", ls.get("key:ASIAIMDS1", 0) >= 1, ls)
    try:
        urllib.request.urlopen("http://127.0.0.1:%d/latest/meta-data/iam/security-credentials/" % cport, timeout=5)
        code = 200
    except urllib.error.HTTPError as e:
        code = e.code
    check("the fake IMDS refuses a GET without the token (401)", code == 401, code)

    # IMDS before-expiry refresh: generation 1 expires 7 s after it is handed
    # out (inside the 5 s margin after 2 s), and the query takes longer.
    cs2, cport2 = creds_server("--prefix", "ASIAEXP", "--first-ttl", "7")
    fl2, lport2 = fake_logs(events, keys_for("ASIAEXP"))
    env2 = base_env(home)
    env2["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:%d" % cport2
    t = time.time()
    r = query(env2, lport2, tps=15)
    same_as_file("IMDSv2, credentials expiring mid-query", r)
    s, ls = stats(cport2, "/__stats"), stats(lport2, "/__admin/stats")
    check("expiring credentials were fetched again before they expired (%.1f s query)" % (time.time() - t),
          s.get("creds_get", 0) >= 2 and ls.get("key:ASIAEXP2", 0) >= 1, (s, ls))
    check("...without the service ever saying they expired", ls.get("ExpiredTokenException", 0) == 0 and
          ls.get("expired_key", 0) == 0, ls)

    # (b) Container, token in the environment.
    cs3, cport3 = creds_server("--prefix", "ASIACONT", "--auth-token", "s3cr3t-auth-token")
    fl3, lport3 = fake_logs(events, keys_for("ASIACONT"))
    env3 = base_env(home)
    env3.update(AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:%d/v2/credentials/task" % cport3,
                AWS_CONTAINER_AUTHORIZATION_TOKEN="s3cr3t-auth-token", AWS_EC2_METADATA_DISABLED="true")
    r = query(env3, lport3)
    same_as_file("container (token from the environment)", r)
    no_secrets("container", r.stdout + r.stderr, "ASIACONT")
    s, ls = stats(cport3, "/__stats"), stats(lport3, "/__admin/stats")
    check("container: asked once, with the right token", s.get("container_get") == 1 and
          s.get("unauthorized", 0) == 0, s)
    check("container: the logs were read with the container credentials", ls.get("key:ASIACONT1", 0) >= 1, ls)

    # Container, token from a file (read at each fetch), and localhost.
    tokfile = os.path.join(tmp, "token")
    with open(tokfile, "w") as f:
        f.write("s3cr3t-auth-token\n")
    env4 = dict(env3)
    del env4["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    env4.update(AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=tokfile,
                AWS_CONTAINER_CREDENTIALS_FULL_URI="http://localhost:%d/v2/credentials/task" % cport3)
    r = query(env4, lport3)
    same_as_file("container (token file)", r)
    s = stats(cport3, "/__stats")
    check("container: token file accepted", s.get("container_get") == 2 and s.get("unauthorized", 0) == 0, s)

    # Container: a wrong token is a clear error, without the token.
    env5 = dict(env3, AWS_CONTAINER_AUTHORIZATION_TOKEN="wrong-s3cr3t-auth")
    r = query(env5, lport3)
    check("container, wrong token: fails", r.returncode != 0, r.returncode)
    check("container, wrong token: says HTTP 401 from the container endpoint",
          "no AWS credentials" in r.stderr and "container (http://127.0.0.1:%d/v2/credentials/task: HTTP 401)" % cport3
          in r.stderr, r.stderr)
    no_secrets("container, wrong token", r.stdout + r.stderr, "")

    # Container: ExpiredTokenException from the service -> the chain runs
    # again and the query completes with the next generation.
    cs6, cport6 = creds_server("--prefix", "ASIAREV", "--auth-token", "s3cr3t-auth-token")
    fl6, lport6 = fake_logs(events, keys_for("ASIAREV", lifetime_first="1"))
    env6 = dict(env3, AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:%d/v2/credentials/task" % cport6)
    r = query(env6, lport6, tps=15)
    same_as_file("container, ExpiredTokenException mid-query", r)
    s, ls = stats(cport6, "/__stats"), stats(lport6, "/__admin/stats")
    check("ExpiredTokenException was answered and credentials fetched again",
          ls.get("expired_key", 0) >= 1 and s.get("container_get", 0) >= 2 and ls.get("key:ASIAREV2", 0) >= 1,
          (s, ls))

    # Nothing anywhere: the message names every source tried.
    env7 = base_env(home)
    env7["AWS_EC2_METADATA_DISABLED"] = "true"
    r = query(env7, lport)
    check("no credentials: fails", r.returncode != 0, r.returncode)
    check("no credentials: names every source",
          "no AWS credentials; tried environment, shared files (profile default)" in r.stderr and
          "container (not configured)" in r.stderr and "instance metadata (disabled by AWS_EC2_METADATA_DISABLED)"
          in r.stderr, r.stderr)

    # IMDS not answering: a prompt error (closed port).
    env8 = base_env(home)
    env8["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:9"
    t = time.time()
    r = query(env8, lport)
    check("IMDS unreachable: fails promptly (%.1f s)" % (time.time() - t), r.returncode != 0 and
          time.time() - t < 20, r.returncode)
    check("IMDS unreachable: says so", "instance metadata (http://127.0.0.1:9: asking for a session token failed:" in r.stderr,
          r.stderr)

    # A FULL_URI over plain http to a host that is not allowed is refused.
    env9 = base_env(home)
    env9["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://example.com/creds"
    r = query(env9, lport)
    check("FULL_URI to a non-loopback http host: refused", r.returncode != 0 and
          "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https" in r.stderr, r.stderr)

    named_profile_never_falls_back(home, tmp, lport)

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
