"""Concurrent load for POST /v1/usage/batch (driven by bench/ingest/run.sh).

Sends EVENTS events to one customer's metered feature in requests of BATCH events, each event
with its own idempotency key, from CONCURRENCY requests in flight at once. Every body is built
before the clock starts, so the timing is the server's, not Python's JSON encoding.

Prints one JSON object on stdout: events, accepted (201 results), seconds (first request sent to
last answer read), events_per_s, p50_ms / p99_ms / max_ms per request. Exits non-zero when a
request does not answer 200 or an event is not answered 201.
"""

import argparse
import asyncio
import json
import math
import os
import sys
import time

import aiohttp


def bodies(customer, feature, events, batch, nonce):
    out = []
    for start in range(0, events, batch):
        n = min(batch, events - start)
        evs = [
            {
                "customer": customer,
                "feature": feature,
                "quantity": 1,
                "idempotency_key": f"ingest-{nonce}-{start + i}",
            }
            for i in range(n)
        ]
        out.append((n, json.dumps({"events": evs}, separators=(",", ":")).encode()))
    return out


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    # Nearest rank.
    k = max(0, min(len(sorted_values) - 1, math.ceil(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


async def run(args):
    todo = bodies(args.customer, args.feature, args.events, args.batch, args.nonce)
    headers = {"Authorization": f"Bearer {args.key}", "Content-Type": "application/json"}
    latencies = []
    accepted = 0
    failures = []
    next_index = 0
    url = f"{args.base}/v1/usage/batch"
    timeout = aiohttp.ClientTimeout(total=args.timeout)
    connector = aiohttp.TCPConnector(limit=args.concurrency)

    async def worker(session):
        nonlocal next_index, accepted
        while next_index < len(todo) and not failures:
            n, body = todo[next_index]
            next_index += 1
            t0 = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as res:
                text = await res.read()
            latencies.append(time.perf_counter() - t0)
            if res.status != 200:
                failures.append(f"HTTP {res.status}: {text[:300]!r}")
                return
            results = json.loads(text)["results"]
            ok = sum(1 for r in results if r["status"] == 201)
            if ok != n or len(results) != n:
                bad = next(r for r in results if r["status"] != 201)
                failures.append(f"{n - ok} of {n} events not created, e.g. {bad}")
                return
            accepted += ok

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        start = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(args.concurrency)))
        seconds = time.perf_counter() - start

    latencies.sort()
    summary = {
        "events": args.events,
        "accepted": accepted,
        "requests": len(latencies),
        "seconds": round(seconds, 3),
        "events_per_s": round(accepted / seconds, 1) if seconds else 0,
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1) if latencies else 0,
    }
    print(json.dumps(summary))
    if failures:
        print("load failed: " + failures[0], file=sys.stderr)
        return 1
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", required=True)
    p.add_argument("--key", default=os.environ.get("TG_KEY"))
    p.add_argument("--customer", required=True)
    p.add_argument("--feature", default="api_calls")
    p.add_argument("--events", type=int, default=200_000)
    p.add_argument("--batch", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--timeout", type=float, default=900, help="seconds per request")
    p.add_argument("--nonce", default=str(os.getpid()))
    args = p.parse_args()
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
