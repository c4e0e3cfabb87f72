#!/usr/bin/python3
"""A fake CloudWatch Logs Live Tail endpoint (StartLiveTail), for tests.
Python standard library only; written from botocore's logs model and AWS's
event stream encoding docs.

StartLiveTail: POST / with X-Amz-Target Logs_20140328.StartLiveTail
(awsJson 1.1), SigV4 checked by the fake CloudWatch Logs server's own
verifier (tests/fakelogs/server.py, imported, not copied). The request is
checked as the model constrains it (1-10 logGroupIdentifiers, ARNs not
ending in '*', stream filters only with one group and not both kinds);
refusals are awsJson errors {"__type", "message"}. A 200 answer is a
chunked application/vnd.amazon.eventstream body of frames with real
CRC32s: initial-response, sessionStart {requestId, sessionId,
logGroupIdentifiers, ...}, then a sessionUpdate every --update-interval
seconds (empty ones too) with the events ingested since the last one:
{sessionMetadata: {sampled}, sessionResults: [{logStreamName,
logGroupIdentifier, message, timestamp, ingestionTime}]}. When more events
arrive than --sample-rate per second (AWS: 500), the update holds a
random sample of that many and says sampled: true. After --session-seconds
(AWS: 3 hours) the session ends with a SessionTimeoutException.

Events come from a feed (POST /__admin/put, JSON Lines {logGroupName,
logStreamName, timestamp, message, ingestionTime?}, as the fake
CloudWatch Logs server takes them): an event reaches the sessions that
tail its group (matched by name: the identifiers are ARNs) once the clock
passes its ingestionTime (default: now), whatever its timestamp, as Live
Tail shows what is being ingested. Results name the group by the
identifier the request gave.

Faults (POST /__admin/faults, JSON; each counted in the stats and used
once, unless said otherwise):
  {"start_error": "ThrottlingException"}   the next StartLiveTail is refused
                                            with this __type (AccessDenied,
                                            InvalidParameter, ResourceNotFound,
                                            LimitExceeded, InvalidOperation...)
  {"exception": "SessionStreamingException"} the next update of every open
                                            session is this exception instead
  {"cut": true}                             the next update of every open
                                            session is cut mid-frame and its
                                            connection closed
--max-sessions refuses concurrent sessions beyond it with
LimitExceededException, as the per-account quota does.

GET /__admin/stats: counters (requests, sessions_started, sessions_open,
updates, sampled_updates, events_sent, exceptions, cuts, key:AKID,
region:R, ...).

It prints "LISTENING <port>" first and exits after --max-seconds, so no
test can leave it running.
"""
import argparse, binascii, importlib.util, json, os, random, socket, struct, sys, threading, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("fakelogs_server", os.path.join(_here, "..", "fakelogs", "server.py"))
fakelogs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fakelogs)
ApiError = fakelogs.ApiError

TARGET = "Logs_20140328.StartLiveTail"


# --- event stream encoding ---------------------------------------------------

def _header(name, value):
    n = name.encode()
    v = value.encode()
    return struct.pack(">B", len(n)) + n + struct.pack(">BH", 7, len(v)) + v


def frame(headers, payload):
    """One message: prelude (total, headers length, CRC32), string headers,
    payload, CRC32 of everything before it."""
    h = b"".join(_header(k, v) for k, v in headers)
    total = 16 + len(h) + len(payload)
    prelude = struct.pack(">II", total, len(h))
    prelude += struct.pack(">I", binascii.crc32(prelude) & 0xFFFFFFFF)
    msg = prelude + h + payload
    return msg + struct.pack(">I", binascii.crc32(msg) & 0xFFFFFFFF)


def event_frame(event_type, obj):
    return frame([(":message-type", "event"), (":event-type", event_type), (":content-type", "application/json")],
                 json.dumps(obj).encode())


def exception_frame(typ, message):
    return frame([(":message-type", "exception"), (":exception-type", typ), (":content-type", "application/json")],
                 json.dumps({"message": message}).encode())


# --- the feed ------------------------------------------------------------------

def group_name(identifier):
    """The log group an identifier names: an ARN (…:log-group:NAME[:*]),
    ACCOUNT:NAME, or a name."""
    if identifier.startswith("arn:") and ":log-group:" in identifier:
        name = identifier.split(":log-group:", 1)[1]
        return name[:-2] if name.endswith(":*") else name
    head, _, rest = identifier.partition(":")
    if len(head) == 12 and head.isdigit() and rest:
        return rest
    return identifier


class Feed:
    def __init__(self, seed):
        self.lock = threading.Condition()
        self.events = []          # every event put, in order
        self.stats = {}
        self.faults = {}
        self.rng = random.Random(seed)
        self.open_sessions = set()
        self.fault_epoch = {"exception": 0, "cut": 0}

    def count(self, what, n=1):
        with self.lock:
            self.stats[what] = self.stats.get(what, 0) + n

    def put(self, ev):
        now = int(time.time() * 1000)
        e = {"logGroupName": ev["logGroupName"], "logStreamName": ev["logStreamName"],
             "timestamp": int(ev["timestamp"]), "message": ev["message"],
             "ingestionTime": int(ev.get("ingestionTime") or now)}
        with self.lock:
            self.events.append(e)
            self.stats["events_put"] = self.stats.get("events_put", 0) + 1


def check_request(req):
    groups = req.get("logGroupIdentifiers")
    if not isinstance(groups, list) or not 1 <= len(groups) <= 10:
        raise ApiError(400, "InvalidParameterException",
                       "1 validation error detected: Value at 'logGroupIdentifiers' failed to satisfy constraint: "
                       "Member must have length less than or equal to 10 and greater than or equal to 1")
    for g in groups:
        if not isinstance(g, str) or not g or g.endswith("*"):
            raise ApiError(400, "InvalidParameterException", "Log group identifier %r is not valid" % (g,))
    streams, prefixes = req.get("logStreamNames"), req.get("logStreamNamePrefixes")
    if (streams or prefixes) and len(groups) != 1:
        raise ApiError(400, "InvalidParameterException",
                       "logStreamNames and logStreamNamePrefixes are only allowed with one log group")
    if streams and prefixes:
        raise ApiError(400, "InvalidParameterException",
                       "logStreamNames and logStreamNamePrefixes cannot be specified together")
    return groups, streams or [], prefixes or [], req.get("logEventFilterPattern") or ""


def make_handler(feed, args):
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def answer(self, status, obj, ctype="application/x-amz-json-1.1"):
            body = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/__admin/stats":
                with feed.lock:
                    st = dict(feed.stats, sessions_open=len(feed.open_sessions))
                return self.answer(200, st, "application/json")
            self.answer(404, {"message": "not found"}, "application/json")

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path == "/__admin/put":
                for line in body.decode().splitlines():
                    if line.strip():
                        feed.put(json.loads(line))
                return self.answer(200, {"ok": True}, "application/json")
            if self.path == "/__admin/faults":
                f = json.loads(body)
                with feed.lock:
                    for k in ("exception", "cut"):
                        if f.get(k):
                            feed.faults[k] = f[k]
                            feed.fault_epoch[k] += 1
                    if f.get("start_error"):
                        feed.faults["start_error"] = f["start_error"]
                    return self.answer(200, feed.faults, "application/json")
            feed.count("requests")
            try:
                if not args.no_verify:
                    err = fakelogs.verify_sigv4("POST", self.path, {k.lower(): v for k, v in self.headers.items()},
                                                body)
                    if err:
                        raise err
                    scope = self.headers.get("Authorization", "").split("Credential=")[-1].split("/")
                    feed.count("key:" + scope[0])
                    feed.count("region:" + (scope[2] if len(scope) > 2 else ""))
                    feed.count("host:" + self.headers.get("Host", ""))
                target = self.headers.get("X-Amz-Target", "")
                if target != TARGET:
                    raise ApiError(400, "UnknownOperationException", "Unknown operation %s" % target)
                if self.headers.get("Content-Type") != "application/x-amz-json-1.1":
                    raise ApiError(400, "SerializationException", "wrong content type")
                try:
                    req = json.loads(body or b"{}")
                except ValueError:
                    raise ApiError(400, "SerializationException", "body is not JSON")
                groups, streams, prefixes, pattern = check_request(req)
                with feed.lock:
                    forced = feed.faults.pop("start_error", None)
                    if forced:
                        feed.stats["fault_start_error"] = feed.stats.get("fault_start_error", 0) + 1
                        raise ApiError(400, forced, "injected %s" % forced)
                    if len(feed.open_sessions) >= args.max_sessions:
                        raise ApiError(400, "LimitExceededException",
                                       "Maximum number of concurrent Live Tail sessions reached")
                    sid = str(uuid.UUID(int=feed.rng.getrandbits(128)))
                    feed.open_sessions.add(sid)
                    feed.stats["sessions_started"] = feed.stats.get("sessions_started", 0) + 1
                try:
                    self.session(sid, groups, streams, prefixes, pattern)
                finally:
                    with feed.lock:
                        feed.open_sessions.discard(sid)
            except ApiError as e:
                self.answer(e.status, {"__type": "com.amazonaws.logs#" + e.typ, "message": e.msg})

        def chunk(self, data):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        def session(self, sid, groups, streams, prefixes, pattern):
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.amazon.eventstream")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("x-amzn-RequestId", sid)
            self.end_headers()
            self.close_connection = True
            by_name = {group_name(g): g for g in groups}
            start = {"requestId": sid, "sessionId": sid, "logGroupIdentifiers": groups,
                     "logEventFilterPattern": pattern}
            if streams:
                start["logStreamNames"] = streams
            if prefixes:
                start["logStreamNamePrefixes"] = prefixes
            with feed.lock:
                cursor = len(feed.events)   # what is put from now on
                epoch = dict(feed.fault_epoch)
            pending = []
            began = time.time()
            try:
                self.chunk(event_frame("initial-response", {}))
                self.chunk(event_frame("sessionStart", start))
                tick = began
                while True:
                    tick += args.update_interval
                    time.sleep(max(0, tick - time.time()))
                    if time.time() - began >= args.session_seconds:
                        feed.count("exceptions")
                        feed.count("session_timeouts")
                        self.chunk(exception_frame("SessionTimeoutException",
                                                   "Live Tail session has timed out after %g seconds"
                                                   % args.session_seconds))
                        break
                    with feed.lock:
                        new = feed.events[cursor:]
                        cursor = len(feed.events)
                        fault = None
                        for k in ("cut", "exception"):
                            if feed.fault_epoch[k] != epoch[k]:
                                epoch[k] = feed.fault_epoch[k]
                                fault = (k, feed.faults.get(k))
                    pending += [e for e in new if e["logGroupName"] in by_name
                                and (not streams or e["logStreamName"] in streams)
                                and (not prefixes or any(e["logStreamName"].startswith(p) for p in prefixes))
                                and fakelogs.matches(pattern, e["message"])]
                    now = int(time.time() * 1000)
                    due = [e for e in pending if e["ingestionTime"] <= now]
                    pending = [e for e in pending if e["ingestionTime"] > now]
                    cap = max(1, int(args.sample_rate * args.update_interval))
                    sampled = len(due) > cap
                    if sampled:
                        with feed.lock:
                            keep = sorted(feed.rng.sample(range(len(due)), cap))
                        due = [due[i] for i in keep]
                    results = [{"logStreamName": e["logStreamName"], "logGroupIdentifier": by_name[e["logGroupName"]],
                                "message": e["message"], "timestamp": e["timestamp"],
                                "ingestionTime": e["ingestionTime"]} for e in due]
                    update = event_frame("sessionUpdate", {"sessionMetadata": {"sampled": sampled},
                                                           "sessionResults": results})
                    if fault and fault[0] == "cut":
                        feed.count("cuts")
                        # half a frame, then the connection goes: no chunk
                        # terminator, as a dropped TCP connection leaves it
                        half = update[:max(13, len(update) // 2)]
                        self.wfile.write(b"%x\r\n%s" % (len(update), half))
                        self.wfile.flush()
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    if fault and fault[0] == "exception":
                        feed.count("exceptions")
                        self.chunk(exception_frame(fault[1], "injected %s" % fault[1]))
                        break
                    self.chunk(update)
                    feed.count("updates")
                    feed.count("events_sent", len(results))
                    if sampled:
                        feed.count("sampled_updates")
                self.chunk(b"")   # the end of the chunked body
            except (BrokenPipeError, ConnectionResetError):
                feed.count("client_gone")
    return H


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--update-interval", type=float, default=1.0, help="seconds between sessionUpdates (AWS: 1)")
    ap.add_argument("--sample-rate", type=float, default=500, help="events/s above which updates are sampled")
    ap.add_argument("--session-seconds", type=float, default=3 * 3600, help="SessionTimeoutException after this")
    ap.add_argument("--max-sessions", type=int, default=15, help="concurrent sessions before LimitExceeded")
    ap.add_argument("--key", action="append", default=[], help="AKID:SECRET[:TOKEN] (as the fakelogs server)")
    ap.add_argument("--no-verify", action="store_true", help="accept any signature")
    ap.add_argument("--rng-seed", type=int, default=1)
    ap.add_argument("--max-seconds", type=float, default=300)
    a = ap.parse_args()
    if a.key:
        fakelogs.KEYS.clear()
        for k in a.key:
            f = k.split(":")
            fakelogs.KEYS[f[0]] = f[1]
            if len(f) > 2 and f[2]:
                fakelogs.TOKENS[f[0]] = f[2]
    feed = Feed(a.rng_seed)
    srv = Server(("127.0.0.1", a.port), make_handler(feed, a))
    print("LISTENING %d" % srv.server_address[1], flush=True)
    deadline = time.time() + a.max_seconds

    def watchdog():
        while time.time() < deadline:
            time.sleep(0.2)
        srv.shutdown()
    threading.Thread(target=watchdog, daemon=True).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
