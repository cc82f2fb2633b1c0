#!/usr/bin/env python3
"""Busy-evening benchmark: 200 members vote as fast as they can (a closed loop: each sends its next
request when the last one is answered) for a minute, with the default request limits in force. The
mix: votes and unvotes (70 %), the vote page (20 %), the proposals API (10 %). Prints, per backend,
every status counted and the latency of what was served: the goal is no 5xx at all.

  python3 scripts/bench_busy.py --binary target/marquee                     # SQLite
  scripts/with-postgres.sh python3 scripts/bench_busy.py --binary target/marquee --postgres

Traffic goes to 127.0.0.1 only, bounded by --seconds.
"""
import argparse
import collections
import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from bench_suite import register, start_server  # noqa: E402


def member_loop(port, cookie, proposals, until, seed, out):
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    voted = {}
    headers = {"Cookie": f"marquee_session={cookie}"}
    while time.perf_counter() < until:
        roll = rng.random()
        if roll < 0.7:
            p = rng.choice(proposals)
            vote = not voted.get(p, False)
            body = urllib.parse.urlencode({"proposal_id": p, "vote": str(vote).lower()})
            req = ("POST", "/api/cast_vote", body,
                   dict(headers, **{"Content-Type": "application/x-www-form-urlencoded"}), "vote")
        elif roll < 0.9:
            req = ("GET", "/vote", None, headers, "vote page")
        else:
            req = ("GET", "/api/v1/proposals?limit=20", None, headers, "proposals API")
        method, path, body, h, kind = req
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=h)
            res = conn.getresponse()
            res.read()
            status = res.status
            if res.getheader("connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        except Exception:
            status = 0
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        elapsed = (time.perf_counter() - started) * 1000
        if kind == "vote" and status == 200:
            voted[int(p)] = vote
        out.append((kind, status, elapsed))
    conn.close()


def run(binary, env, members, seconds, label):
    subprocess.run([binary, "gen-data", "--movies", "1000", "--seed", "42", "--members", "12",
                    "--proposals", "40"], env=env, check=True, stdout=subprocess.DEVNULL)
    server, port = start_server(binary, env)
    try:
        cookies = [register(port, f"busy{i}") for i in range(members)]
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("GET", "/api/v1/proposals?limit=100")
        ids = [int(x) for x in re.findall(r'"id":(\d+)', conn.getresponse().read().decode())]
        proposals = sorted(set(ids))[:40]
        results = [[] for _ in cookies]
        until = time.perf_counter() + seconds
        threads = [threading.Thread(target=member_loop, args=(port, c, proposals, until, i, results[i]))
                   for i, c in enumerate(cookies)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows = [r for rs in results for r in rs]
    by_status = collections.Counter(s for _, s, _ in rows)
    served = sorted(ms for _, s, ms in rows if 200 <= s < 500)
    kinds = collections.Counter(k for k, _, _ in rows)
    five = sum(n for s, n in by_status.items() if s >= 500)
    p = lambda q: served[min(len(served) - 1, int(q * len(served)))] if served else 0
    return (f"| {label} | {len(rows):,} | {kinds['vote']:,} / {kinds['vote page']:,} / {kinds['proposals API']:,} | "
            f"{', '.join(f'{s}: {n:,}' for s, n in sorted(by_status.items()))} | {five} | "
            f"{p(0.5):.0f} ms | {p(0.99):.0f} ms |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--members", type=int, default=200)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--postgres", action="store_true", help="also on MARQUEE_TEST_PG_URL's server")
    ap.add_argument("--compare-queue-ms", type=int, help="also with this queue timeout (the old default was 250)")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="marquee-busy-")
    base = dict(os.environ, MARQUEE_SEED_DEMO="false", RUST_LOG="warn", LEPTOS_SITE_ROOT=work)
    lines = ["| backend | requests | votes / vote pages / API lists | statuses | 5xx | p50 served | p99 served |",
             "|---|---|---|---|---|---|---|"]
    settings = [("", {})]
    if args.compare_queue_ms is not None:
        settings.append((f", {args.compare_queue_ms} ms queue", {"MARQUEE_QUEUE_TIMEOUT_MS": str(args.compare_queue_ms)}))
    for n, (suffix, extra) in enumerate(settings):
        lines.append(run(args.binary, dict(base, DATABASE_URL=f"sqlite://{work}/club{n}.db", **extra), args.members,
                         args.seconds, "SQLite" + suffix))
        if args.postgres:
            admin = os.environ["MARQUEE_TEST_PG_URL"]
            name = f"busy{os.getpid()}_{n}"
            subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
            url = admin.rsplit("/", 1)[0] + "/" + name
            lines.append(run(args.binary, dict(base, DATABASE_URL=url, **extra), args.members, args.seconds,
                             "PostgreSQL" + suffix))
    print(f"\n{args.members} members in a closed loop for {args.seconds} s, default limits "
          f"(64 in flight), {os.cpu_count()} cores:\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
