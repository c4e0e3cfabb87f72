#!/usr/bin/python3
"""AWS_CONTAINER_CREDENTIALS_FULL_URI's host is judged by parsing: plain
http only to loopback literals (and the ECS addresses, not tried here: not
loopback), never to a host that merely starts like one. Refused URIs fail
at once with the rule; allowed ones are tried (against closed loopback
ports, so they fail to connect instead). IMDS is disabled so nothing else
is contacted. usage: test_container_uri.py BUILD_DIR
"""
import os, subprocess, sys, tempfile

BIN = os.path.join(sys.argv[1], "lambdaward")
RULE = "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https"
REFUSED = ["http://localhost.evil.example:9/creds", "http://localhost@evil.example:9/creds",
           "http://127.0.0.1@evil.example:9/creds", "http://127.0.0.1.nip.io:9/creds", "http://0x7f.1:9/creds",
           "http://2130706433:9/creds", "http://example.com/creds", "ftp://127.0.0.1:9/creds",
           "file:///etc/passwd", "not a url"]
ALLOWED = ["http://127.0.0.1:9/creds", "http://127.5.6.7:9/creds", "http://[::1]:9/creds",
           "https://127.0.0.1:9/creds"]
failures = []


def run(uri, home):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k.lower() not in
           ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    env.update(HOME=home, AWS_REGION="us-east-1", AWS_CONTAINER_CREDENTIALS_FULL_URI=uri,
               AWS_EC2_METADATA_DISABLED="true", AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:9")
    return subprocess.run([BIN, "query", "--log-group", "/aws/lambda/x", "--since", "1h",
                           "--endpoint-url", "http://127.0.0.1:9", "-o", "json"],
                          env=env, capture_output=True, text=True, timeout=60)


def check(what, cond, detail):
    print("%s: %s%s" % ("ok" if cond else "FAIL", what, "" if cond else " " + detail[-1500:]))
    if not cond:
        failures.append(what)


def main():
    home = tempfile.mkdtemp()
    for uri in REFUSED:
        r = run(uri, home)
        check("refused: " + uri, r.returncode != 0 and RULE in r.stderr, r.stderr)
    for uri in ALLOWED:
        r = run(uri, home)
        check("tried: " + uri, r.returncode != 0 and RULE not in r.stderr and "container" in r.stderr, r.stderr)
    print("%d failed" % len(failures))
    return 1 if failures else 0


sys.exit(main())
