#!/usr/bin/python3
"""A fake EC2 instance metadata service (IMDSv2) and container credentials
endpoint, for credential-chain tests. Python standard library only.

IMDSv2: PUT /latest/api/token needs X-aws-ec2-metadata-token-ttl-seconds
and answers a session token; GET /latest/meta-data/iam/security-credentials/
(the role name) and .../ROLE (the credentials, with "Code": "Success") need
X-aws-ec2-metadata-token with that token, else 401, as IMDS does when v1 is
off. Container: GET on --container-path needs Authorization equal to
--auth-token (when given), else 401; the answer has no Code, as the ECS and
EKS agents answer.

Every credentials answer is a new generation n = 1, 2, ...: AccessKeyId
PREFIXn, SecretAccessKey fake-secret-PREFIXn, Token fake-token-PREFIXn
(PREFIX is --prefix); Expiration is now + --first-ttl for n = 1 and now +
--ttl after. GET /__stats counts what was asked. It prints "LISTENING <port>"
first and exits after --max-seconds or --max-requests.
"""
import argparse, datetime, json, secrets, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROLE = "lambdaward-test-role"


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--prefix", default="ASIAFAKE")
    ap.add_argument("--auth-token", default="")
    ap.add_argument("--container-path", default="/v2/credentials/task")
    ap.add_argument("--first-ttl", type=float, default=3600)
    ap.add_argument("--ttl", type=float, default=3600)
    ap.add_argument("--max-seconds", type=float, default=120)
    ap.add_argument("--max-requests", type=int, default=1000)
    a = ap.parse_args()
    lock = threading.Lock()
    stats = {"requests": 0, "generation": 0}
    tokens = set()

    def count(k):
        with lock:
            stats[k] = stats.get(k, 0) + 1

    def credentials(code):
        with lock:
            stats["generation"] += 1
            n = stats["generation"]
        ttl = a.first_ttl if n == 1 else a.ttl
        c = {"AccessKeyId": "%s%d" % (a.prefix, n), "SecretAccessKey": "fake-secret-%s%d" % (a.prefix, n),
             "Token": "fake-token-%s%d" % (a.prefix, n), "Expiration": iso(time.time() + ttl)}
        if code:
            c = dict({"Code": "Success", "LastUpdated": iso(time.time()), "Type": "AWS-HMAC"}, **c)
        return c

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def answer(self, status, body, ctype="text/plain"):
            if not isinstance(body, bytes):
                body = (json.dumps(body, indent=2) if ctype == "application/json" else body).encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_PUT(self):
            count("requests")
            self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
            if self.path != "/latest/api/token":
                return self.answer(404, "not found")
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", "")
            if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
                count("token_bad_ttl")
                return self.answer(400, "bad ttl")
            tok = secrets.token_urlsafe(32)
            with lock:
                tokens.add(tok)
            count("token_put")
            self.answer(200, tok)

        def do_GET(self):
            if self.path == "/__stats":
                with lock:
                    return self.answer(200, dict(stats), "application/json")
            count("requests")
            if self.path == a.container_path:
                count("container_get")
                if a.auth_token and self.headers.get("Authorization") != a.auth_token:
                    count("unauthorized")
                    return self.answer(401, {"message": "unauthorized"}, "application/json")
                return self.answer(200, credentials(False), "application/json")
            base = "/latest/meta-data/iam/security-credentials/"
            if not self.path.startswith(base):
                return self.answer(404, "not found")
            with lock:
                ok = self.headers.get("X-aws-ec2-metadata-token") in tokens
            if not ok:
                count("unauthorized")
                return self.answer(401, "")
            if self.path == base:
                count("role_get")
                return self.answer(200, ROLE)
            if self.path == base + ROLE:
                count("creds_get")
                return self.answer(200, credentials(True), "application/json")
            return self.answer(404, "not found")

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    print("LISTENING %d" % srv.server_address[1], flush=True)
    deadline = time.time() + a.max_seconds

    def watchdog():
        while time.time() < deadline and stats["requests"] < a.max_requests:
            time.sleep(0.2)
        srv.shutdown()
    threading.Thread(target=watchdog, daemon=True).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
