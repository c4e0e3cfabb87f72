#!/usr/bin/python3
"""Firehose load generator for lambdaward's ingest endpoint.

Builds Firehose HTTP endpoint deliveries (base64 gzip CloudWatch Logs
subscription payloads, like a real stream with a subscription filter
produces) from a JSON Lines corpus, posts them over keep-alive connections
to 127.0.0.1, and reports sustained events/s, request latency percentiles
and how many requests were refused. Bounded: it stops after --requests or
--seconds, whichever comes first.

usage: firehose_load.py --port P --key K --corpus FILE [--requests N]
       [--events-per-record 100] [--records 50] [--connections 4] [--seconds 60]
"""
import argparse, base64, gzip, http.client, json, threading, time


def build(corpus, per_record, records, limit):
    """Prebuilt request bodies: per stream batches, like CloudWatch sends."""
    bodies, batch, recs, events = [], {}, [], 0
    with open(corpus) as f:
        for line in f:
            e = json.loads(line)
            key = (e.get("logGroupName", "/aws/lambda/bench"), e["logStreamName"])
            b = batch.setdefault(key, [])
            b.append({"id": e.get("eventId", str(events)), "timestamp": e["timestamp"], "message": e["message"]})
            events += 1
            # A stream's batch goes out when full; short-lived streams go out
            # when too many are pending, as CloudWatch flushes on time too.
            ready = [key] if len(b) >= per_record else []
            if len(batch) > 256:
                ready = list(batch)
            for k in ready:
                if not batch.get(k):
                    continue
                payload = {"messageType": "DATA_MESSAGE", "owner": "111122223333", "logGroup": k[0],
                           "logStream": k[1], "subscriptionFilters": ["lambdaward"], "logEvents": batch.pop(k)}
                recs.append({"data": base64.b64encode(gzip.compress(json.dumps(payload).encode(), 1)).decode(),
                             "n": len(payload["logEvents"])})
            if len(recs) >= records:
                if True:
                    rid = "bench-%d" % len(bodies)
                    n = sum(r.pop("n") for r in recs)
                    bodies.append((rid, json.dumps({"requestId": rid, "timestamp": 0, "records": recs}).encode(), n))
                    recs = []
                    if len(bodies) >= limit:
                        break
    return bodies


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--events-per-record", type=int, default=100)
    ap.add_argument("--records", type=int, default=50)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=60)
    a = ap.parse_args()
    t0 = time.time()
    bodies = build(a.corpus, a.events_per_record, a.records, a.requests)
    print("built %d requests (%d events) in %.1fs" % (len(bodies), sum(b[2] for b in bodies), time.time() - t0))
    lock, lat, refused, sent = threading.Lock(), [], [0], [0]
    queue = list(enumerate(bodies))
    deadline = time.time() + a.seconds

    def worker():
        c = http.client.HTTPConnection("127.0.0.1", a.port, timeout=60)
        while time.time() < deadline:
            with lock:
                if not queue:
                    return
                _, (rid, body, n) = queue.pop(0)
            t = time.perf_counter()
            c.request("POST", "/", body=body, headers={"Content-Type": "application/json",
                      "X-Amz-Firehose-Protocol-Version": "1.0", "X-Amz-Firehose-Request-Id": rid,
                      "X-Amz-Firehose-Access-Key": a.key})
            r = c.getresponse()
            r.read()
            dt = time.perf_counter() - t
            with lock:
                lat.append(dt)
                if r.status == 200:
                    sent[0] += n
                else:
                    refused[0] += 1

    start = time.time()
    threads = [threading.Thread(target=worker) for _ in range(a.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.time() - start
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000 if lat else 0
    print("requests %d, refused %d, events %d in %.2fs: %.0f events/s; latency ms p50 %.1f p99 %.1f max %.1f"
          % (len(lat), refused[0], sent[0], wall, sent[0] / wall if wall else 0, q(0.5), q(0.99), q(1.0)))


if __name__ == "__main__":
    main()
