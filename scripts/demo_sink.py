#!/usr/bin/python3
"""The demo's webhook receiver: checks each delivery's signature and prints
the finding as it arrives. Stops after --max-seconds.
usage: demo_sink.py PORT SECRET [--max-seconds 120]"""
import hashlib, hmac, http.server, json, sys, threading, time

port, secret = int(sys.argv[1]), sys.argv[2].encode()
limit = float(sys.argv[4]) if len(sys.argv) > 4 else 120
COLOR = {"critical": "\033[1;31m", "high": "\033[31m", "medium": "\033[33m", "low": "\033[36m", "info": ""}
tty = sys.stdout.isatty()


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        ts = self.headers.get("X-Lambdaward-Timestamp", "")
        want = "sha256=" + hmac.new(secret, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(want, self.headers.get("X-Lambdaward-Signature", ""))
        f = json.loads(body)
        sev = f["severity"]
        c, r = (COLOR.get(sev, ""), "\033[0m") if tty else ("", "")
        print("webhook <- %s%-8s%s %-16s %-12s %s  [signature %s]" % (c, sev.upper(), r, f["detector"], f["function"],
              f["title"], "ok" if ok else "BAD"), flush=True)
        self.send_response(200 if ok else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()


srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
threading.Thread(target=lambda: (time.sleep(limit), srv.shutdown()), daemon=True).start()
srv.serve_forever()
