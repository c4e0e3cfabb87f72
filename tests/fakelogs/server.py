#!/usr/bin/python3
"""A fake CloudWatch Logs endpoint that speaks the real protocol (AWS JSON
1.1, SigV4), for tests and the demo. Python standard library only.

Operations: DescribeLogGroups (logGroupNamePrefix / logGroupNamePattern,
limit, nextToken), DescribeLogStreams, FilterLogEvents (startTime,
endTime, logStreamNames, logStreamNamePrefix, filterPattern subset,
limit, nextToken; pages capped at `--page-events` and 1 MB; a page may be
empty and still carry a token), GetLogEvents (forward tokens; the same
token comes back at the end of the stream).

Real behaviour it reproduces: late ingestion (an event is visible only once
the clock passes its ingestionTime), eventIds, error bodies
{"__type": ..., "message": ...} with the real status codes, SigV4
verification (InvalidSignatureException / UnrecognizedClientException).
Fault injection (seeded): throttling, 5xx, connection resets, slow answers,
truncated bodies, expired tokens, each a rate per request.

Accepted credentials: AKIDEXAMPLE with the AWS documentation's example
secret, or, when given, only the `--key AKID:SECRET[:TOKEN[:LIFETIME_S]]`
ones: a TOKEN must come as a signed X-Amz-Security-Token, and a key with a
LIFETIME_S is refused with ExpiredTokenException once that many seconds
have passed since its first use (for credential-refresh tests). Requests
are counted per key in the stats ("key:AKID").

Admin API (paths AWS never uses): POST /__admin/put (JSON Lines of events
{logGroupName, logStreamName, timestamp, message, ingestionTime?}),
POST /__admin/faults ({"throttle": 0.1, ...}), POST /__admin/keys
(AKID:SECRET:TOKEN:LIFETIME_S lines, as --key: keys a fake STS issued),
GET /__admin/stats,
GET /__admin/events (every eventId stored, for ground truth),
GET /__admin/polls (every FilterLogEvents answered without a nextToken,
that is every poll's first call, in order: {logGroupName, startTime, n}).

Requests are also counted per SigV4 signing region ("region:eu-west-1").
With --tls CERT KEY it serves HTTPS (for CA bundle tests).

It prints "LISTENING <port>" first and exits after --max-seconds or
--max-requests, so no test can leave it running.
"""
import argparse, base64, bisect, datetime, hashlib, hmac, json, random, socket, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEYS = {"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
TOKENS = {}      # akid -> the session token it must come with
LIFETIMES = {}   # akid -> seconds after first use when it expires
FIRST_USE = {}   # akid -> time of first use


class Store:
    def __init__(self, delay_ms, seed):
        self.lock = threading.RLock()
        self.groups = {}  # name -> {stream: [event, ...]}
        self.seq = 0
        self.rng = random.Random(seed)
        self.delay_ms = delay_ms
        self.faults = {}
        self.stats = {}
        self.polls = []   # first pages of FilterLogEvents answered, in order

    def put(self, ev):
        with self.lock:
            g = self.groups.setdefault(ev["logGroupName"], {})
            s = g.setdefault(ev["logStreamName"], [])
            self.seq += 1
            ts = int(ev["timestamp"])
            ing = int(ev.get("ingestionTime") or ts + self.rng.randint(*self.delay_ms))
            bisect.insort(s, {"logStreamName": ev["logStreamName"], "timestamp": ts, "message": ev["message"],
                              "ingestionTime": ing, "eventId": "%056d" % self.seq},
                          key=lambda e: (e["timestamp"], e["eventId"]))

    def count(self, what):
        with self.lock:
            self.stats[what] = self.stats.get(what, 0) + 1


def now_ms():
    return int(time.time() * 1000)


def tok(obj):
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode()


def untok(s):
    try:
        return json.loads(base64.urlsafe_b64decode(s.encode()))
    except Exception:
        return None


class ApiError(Exception):
    def __init__(self, status, typ, msg):
        self.status, self.typ, self.msg = status, typ, msg


def matches(pattern, message):
    """Subset of the filter-pattern syntax: terms (all must appear), quoted
    phrases, ?alternatives (any must appear). Empty matches everything."""
    if not pattern:
        return True
    alts = [p[1:] for p in pattern.split() if p.startswith("?")]
    if alts:
        return any(a.strip('"') in message for a in alts)
    terms, cur, quoted = [], "", False
    for ch in pattern:
        if ch == '"':
            quoted = not quoted
        elif ch == " " and not quoted:
            terms.append(cur)
            cur = ""
        else:
            cur += ch
    terms.append(cur)
    return all(t in message for t in terms if t)


class Api:
    def __init__(self, store, page_events):
        self.s, self.page_events = store, page_events

    def group(self, req):
        name = req.get("logGroupName") or req.get("logGroupIdentifier")
        if not name or name not in self.s.groups:
            raise ApiError(400, "ResourceNotFoundException", "The specified log group does not exist.")
        return name, self.s.groups[name]

    def DescribeLogGroups(self, req):
        limit = min(int(req.get("limit", 50)), 50)
        prefix, pattern = req.get("logGroupNamePrefix"), req.get("logGroupNamePattern")
        if prefix and pattern:
            raise ApiError(400, "InvalidParameterException", "LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive.")
        names = sorted(n for n in self.s.groups if (not prefix or n.startswith(prefix))
                       and (not pattern or pattern.lower() in n.lower()))
        start = self.offset(req)
        out = {"logGroups": [{"logGroupName": n, "creationTime": 1, "storedBytes": 0,
                              "arn": "arn:aws:logs:us-east-1:123456789012:log-group:%s:*" % n,
                              "logGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:%s" % n}
                             for n in names[start:start + limit]]}
        if start + limit < len(names):
            out["nextToken"] = tok({"o": start + limit})
        return out

    def offset(self, req):
        if "nextToken" not in req:
            return 0
        t = untok(req["nextToken"])
        if not isinstance(t, dict) or "o" not in t:
            raise ApiError(400, "InvalidParameterException", "The specified nextToken is invalid.")
        return t["o"]

    def DescribeLogStreams(self, req):
        _, g = self.group(req)
        limit = min(int(req.get("limit", 50)), 50)
        prefix = req.get("logStreamNamePrefix", "")
        vis = now_ms()
        rows = []
        for name, evs in g.items():
            if not name.startswith(prefix):
                continue
            seen = [e for e in evs if e["ingestionTime"] <= vis]
            rows.append({"logStreamName": name, "creationTime": 1,
                         "firstEventTimestamp": seen[0]["timestamp"] if seen else None,
                         # eventually consistent, as AWS documents: lags behind
                         "lastEventTimestamp": seen[max(0, len(seen) - 3)]["timestamp"] if seen else None,
                         "lastIngestionTime": seen[-1]["ingestionTime"] if seen else None,
                         "arn": "arn:aws:logs:x:1:log-group:g:log-stream:" + name, "storedBytes": 0})
        if req.get("orderBy") == "LastEventTime":
            rows.sort(key=lambda r: r["lastEventTimestamp"] or 0, reverse=bool(req.get("descending")))
        else:
            rows.sort(key=lambda r: r["logStreamName"], reverse=bool(req.get("descending")))
        start = self.offset(req)
        out = {"logStreams": [{k: v for k, v in r.items() if v is not None} for r in rows[start:start + limit]]}
        if start + limit < len(rows):
            out["nextToken"] = tok({"o": start + limit})
        return out

    def FilterLogEvents(self, req):
        name, g = self.group(req)
        if "nextToken" not in req:
            self.s.polls.append({"logGroupName": name, "startTime": req.get("startTime", 0),
                                 "n": len(self.s.polls)})
        start, end = req.get("startTime", 0), req.get("endTime", 2 ** 62)
        limit = min(int(req.get("limit", self.page_events)), 10000, self.page_events)
        streams = req.get("logStreamNames")
        prefix = req.get("logStreamNamePrefix", "")
        vis = now_ms()
        # Streams are sorted by time: slice the [start, end] range out of
        # each instead of scanning it all (benchmarks keep 100k+ events).
        ts = lambda e: e["timestamp"]
        cand = [e for s, evs in g.items() if (not streams or s in streams) and s.startswith(prefix)
                for e in evs[bisect.bisect_left(evs, start, key=ts):bisect.bisect_right(evs, end, key=ts)]
                if e["ingestionTime"] <= vis and matches(req.get("filterPattern", ""), e["message"])]
        cand.sort(key=lambda e: (e["timestamp"], e["eventId"]))
        after, was_empty = None, False
        if "nextToken" in req:
            t = untok(req["nextToken"])
            if not isinstance(t, dict) or "after" not in t:
                raise ApiError(400, "InvalidParameterException", "The specified nextToken is invalid.")
            after, was_empty = t["after"], bool(t.get("empty"))
        if after is not None:
            cand = [e for e in cand if (e["timestamp"], e["eventId"]) > tuple(after)]
        # AWS may answer an empty page that still carries a token while it
        # searches on: do that sometimes, resuming exactly where this page
        # would have started (never twice in a row).
        if cand and not was_empty and self.s.rng.random() < self.s.faults.get("empty_page", 0.15):
            return {"events": [], "searchedLogStreams": [], "nextToken": tok({"after": after, "empty": True})}
        page, size = [], 0
        for e in cand:
            b = len(json.dumps(e))
            if len(page) >= limit or size + b > 1048576:
                break
            page.append(e)
            size += b
        out = {"events": page, "searchedLogStreams": []}
        if len(page) < len(cand):
            out["nextToken"] = tok({"after": [page[-1]["timestamp"], page[-1]["eventId"]]})
        return out

    def GetLogEvents(self, req):
        _, g = self.group(req)
        stream = req.get("logStreamName")
        if stream not in g:
            raise ApiError(400, "ResourceNotFoundException", "The specified log stream does not exist.")
        vis = now_ms()
        evs = [e for e in g[stream] if e["ingestionTime"] <= vis and req.get("startTime", 0) <= e["timestamp"]]
        limit = min(int(req.get("limit", 10000)), 10000)
        pos = 0
        if "nextToken" in req:
            t = req["nextToken"]
            if not t.startswith("f/"):
                raise ApiError(400, "InvalidParameterException", "The specified nextToken is invalid.")
            pos = int(t[2:])
        page = evs[pos:pos + limit]
        nxt = pos + len(page)
        return {"events": [{"timestamp": e["timestamp"], "message": e["message"], "ingestionTime": e["ingestionTime"]}
                           for e in page],
                "nextForwardToken": "f/%020d" % nxt if nxt != pos or "nextToken" not in req else req["nextToken"],
                "nextBackwardToken": "b/%020d" % pos}


def verify_sigv4(method, path, headers, body):
    """Recomputes the signature as the service does; returns None or an ApiError."""
    auth = headers.get("authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return ApiError(400, "MissingAuthenticationTokenException", "Missing Authentication Token")
    parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    akid, date, region, service, _ = parts["Credential"].split("/")
    if akid not in KEYS:
        return ApiError(400, "UnrecognizedClientException", "The security token included in the request is invalid.")
    signed = parts["SignedHeaders"].split(";")
    if akid in TOKENS and (headers.get("x-amz-security-token") != TOKENS[akid] or
                           "x-amz-security-token" not in signed):
        return ApiError(400, "UnrecognizedClientException", "The security token included in the request is invalid.")
    amz_date = headers.get("x-amz-date", "")
    canon_headers = "".join("%s:%s\n" % (h, " ".join(headers.get(h, "").split())) for h in signed)
    creq = "\n".join([method, path, "", canon_headers, ";".join(signed), hashlib.sha256(body).hexdigest()])
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, "/".join([date, region, service, "aws4_request"]),
                     hashlib.sha256(creq.encode()).hexdigest()])
    k = ("AWS4" + KEYS[akid]).encode()
    for part in (date, region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    want = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, parts.get("Signature", "")):
        return ApiError(403, "InvalidSignatureException",
                        "The request signature we calculated does not match the signature you provided. "
                        "Check your AWS Secret Access Key and signing method. Consult the service documentation "
                        "for details.")
    return None


def add_key(spec):
    """AKID:SECRET[:TOKEN[:LIFETIME_S]], as --key takes it."""
    f = spec.split(":")
    KEYS[f[0]] = f[1]
    if len(f) > 2 and f[2]:
        TOKENS[f[0]] = f[2]
    if len(f) > 3 and f[3]:
        LIFETIMES[f[0]] = float(f[3])


def make_handler(store, api, args):
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def answer(self, status, obj, ctype="application/x-amz-json-1.1", raw=None):
            body = raw if raw is not None else json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-amzn-RequestId", "%032x" % store.rng.getrandbits(128))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/__admin/stats":
                with store.lock:
                    return self.answer(200, store.stats, "application/json")
            if self.path == "/__admin/polls":
                with store.lock:
                    return self.answer(200, store.polls, "application/json")
            if self.path == "/__admin/events":
                with store.lock:
                    evs = [{"logGroupName": g, "eventId": e["eventId"], "timestamp": e["timestamp"],
                            "ingestionTime": e["ingestionTime"]} for g, ss in store.groups.items()
                           for evs in ss.values() for e in evs]
                return self.answer(200, evs, "application/json")
            self.answer(404, {"message": "not found"}, "application/json")

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path == "/__admin/put":
                for line in body.decode().splitlines():
                    if line.strip():
                        store.put(json.loads(line))
                return self.answer(200, {"ok": True}, "application/json")
            if self.path == "/__admin/keys":
                with store.lock:
                    for line in body.decode().splitlines():
                        if line.strip():
                            add_key(line.strip())
                return self.answer(200, {"ok": True}, "application/json")
            if self.path == "/__admin/faults":
                with store.lock:
                    store.faults.update(json.loads(body))
                return self.answer(200, store.faults, "application/json")
            target = self.headers.get("X-Amz-Target", "")
            op = target.split(".")[-1]
            store.count("requests")
            store.count(op)
            f = store.faults
            r = store.rng.random
            try:
                if not args.no_verify:
                    err = verify_sigv4("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    if err:
                        raise err
                    scope = self.headers.get("Authorization", "").split("Credential=")[-1].split("/")
                    akid = scope[0]
                    store.count("key:" + akid)
                    store.count("region:" + (scope[2] if len(scope) > 2 else ""))
                    if akid in LIFETIMES:
                        with store.lock:
                            first = FIRST_USE.setdefault(akid, time.time())
                        if time.time() - first > LIFETIMES[akid]:
                            store.count("expired_key")
                            raise ApiError(400, "ExpiredTokenException",
                                           "The security token included in the request is expired")
                if r() < f.get("reset", 0):
                    store.count("fault_reset")
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if r() < f.get("slow", 0):
                    store.count("fault_slow")
                    time.sleep(f.get("slow_s", 2))
                if r() < f.get("throttle", 0):
                    store.count("fault_throttle")
                    raise ApiError(400, "ThrottlingException", "Rate exceeded")
                if r() < f.get("server_error", 0):
                    store.count("fault_5xx")
                    raise ApiError(503, "ServiceUnavailableException", "The service is unavailable. Please try again shortly.")
                if r() < f.get("expired", 0):
                    store.count("fault_expired")
                    raise ApiError(400, "ExpiredTokenException", "The security token included in the request is expired")
                if not hasattr(api, op) or op.startswith("_"):
                    raise ApiError(400, "UnknownOperationException", "Unknown operation %s" % target)
                req = json.loads(body or b"{}")
                with store.lock:
                    out = getattr(api, op)(req)
                if r() < f.get("truncate", 0):
                    store.count("fault_truncate")
                    raw = json.dumps(out).encode()
                    return self.answer(200, None, raw=raw[:max(1, len(raw) // 2)])
                self.answer(200, out)
            except ApiError as e:
                self.answer(e.status, {"__type": "com.amazonaws.logs#" + e.typ, "message": e.msg})
    return H


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client closing its keep-alive connection is normal, not news.
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--seed", action="append", default=[], help="JSON Lines file of events (repeatable)")
    ap.add_argument("--ingest-delay-ms", default="0:0", help="MIN:MAX visibility delay after each timestamp")
    ap.add_argument("--page-events", type=int, default=10000)
    ap.add_argument("--rng-seed", type=int, default=1)
    ap.add_argument("--no-verify", action="store_true", help="accept any signature")
    ap.add_argument("--key", action="append", default=[],
                    help="AKID:SECRET[:TOKEN[:LIFETIME_S]] accepted instead of AKIDEXAMPLE (repeatable)")
    ap.add_argument("--only-registered", action="store_true",
                    help="accept no key until POST /__admin/keys registers one (keys a fake STS issues)")
    ap.add_argument("--max-seconds", type=float, default=600)
    ap.add_argument("--max-requests", type=int, default=1000000)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve HTTPS with this certificate")
    ap.add_argument("--shift-to-now", action="store_true",
                    help="move seeded timestamps so the newest one is now (old samples look live)")
    a = ap.parse_args()
    if a.key or a.only_registered:
        KEYS.clear()
        for k in a.key:
            add_key(k)
    lo, hi = (int(x) for x in a.ingest_delay_ms.split(":"))
    store = Store((lo, hi), a.rng_seed)
    seeded = []
    for path in a.seed:
        with open(path) as f:
            seeded += [json.loads(line) for line in f if line.strip()]
    shift = now_ms() - max(int(e["timestamp"]) for e in seeded) if a.shift_to_now and seeded else 0
    for ev in seeded:
        ev.setdefault("logGroupName", "/aws/lambda/seeded")
        ev["timestamp"] = int(ev["timestamp"]) + shift
        if "ingestionTime" in ev:
            ev["ingestionTime"] = int(ev["ingestionTime"]) + shift
        store.put(ev)
    srv = Server(("127.0.0.1", a.port), make_handler(store, Api(store, a.page_events), a))
    if a.tls:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        # a client refusing the certificate fails the accept: an OSError
        # the server shrugs off, and it keeps serving
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("LISTENING %d" % srv.server_address[1], flush=True)
    deadline = time.time() + a.max_seconds

    def watchdog():
        while time.time() < deadline and store.stats.get("requests", 0) < a.max_requests:
            time.sleep(0.2)
        srv.shutdown()
    threading.Thread(target=watchdog, daemon=True).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
