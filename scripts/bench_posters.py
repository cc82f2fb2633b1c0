#!/usr/bin/env python3
"""Posters in the background: 2,000 films whose posters are still to fetch, from a poster host on
loopback serving realistic originals (1200x1800 JPEGs of several hundred KB, made by
`marquee bench-posters --write-sources`). /vote is loaded by 8 members at once (wrk) first with
the host refusing (nothing is made), then while the server downloads and makes the posters; prints
/vote's p50/p99 both ways and how long the 2,000 posters took. Then the cost of one poster and the
bytes a phone moves, from `marquee bench-posters`.

  python3 scripts/bench_posters.py --binary target/marquee [--site target/site]

With --site (a built bundle), the phone profile (end2end/bench/phone.mjs) then opens /vote with its
20 proposals' posters made, and the poster bytes of its first screen are printed against the
originals a page that hotlinked them would have loaded.

Traffic goes to 127.0.0.1 only, bounded by --seconds.
"""
import argparse
import http.server
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from bench_suite import register, start_server, wrk  # noqa: E402


class Host(http.server.ThreadingHTTPServer):
    daemon_threads = True
    serving = False
    sources = []


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        m = re.match(r"^/img/(\d+)\.jpg$", self.path)
        if not m or not self.server.serving:
            self.send_response(503)
            self.end_headers()
            return
        body = self.server.sources[int(m.group(1)) % len(self.server.sources)]
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def count(port, state="stored"):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
    m = re.search(r'^posters\{state="%s"\} (\d+)' % state, text, re.M)
    return int(m.group(1)) if m else 0


def stored(port):
    return count(port, "stored")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--films", type=int, default=2000)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--windows", type=int, default=3, help="wrk runs in each state; their median p99 is compared")
    ap.add_argument("--site", help="a built bundle (LEPTOS_SITE_ROOT), for the phone profile's /vote")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="marquee-posters-")
    subprocess.run([args.binary, "bench-posters", "--count", "20", "--write-sources", f"{work}/src"], check=True,
                   stdout=subprocess.DEVNULL)
    host = Host(("127.0.0.1", 0), Handler)
    host.sources = [open(f"{work}/src/{i}.jpg", "rb").read() for i in range(20)]
    threading.Thread(target=host.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{host.server_address[1]}"
    db = f"{work}/club.db"
    env = dict(os.environ, DATABASE_URL=f"sqlite://{db}", MARQUEE_SEED_DEMO="false", RUST_LOG="warn",
               LEPTOS_SITE_ROOT=args.site or work, MARQUEE_IMDB_BASE_URL=base, MARQUEE_IMDB_REFRESH_INTERVAL_SECS="2")
    subprocess.run([args.binary, "gen-data", "--movies", str(args.films), "--seed", "42", "--members", "12",
                    "--proposals", "20"], env=env, check=True, stdout=subprocess.DEVNULL)
    with sqlite3.connect(db) as c:
        c.execute("UPDATE movies SET poster_url = ? || '/img/' || id || '.jpg'", (base,))
        c.execute("UPDATE proposals SET poster_url = (SELECT poster_url FROM movies m WHERE m.imdb_id = proposals.imdb_id)")
    server, port = start_server(args.binary, env)
    rows = []
    try:
        cookie = register(port, "looker")
        # The host refuses at first: every poster fails once and waits; nothing is being made.
        started = time.perf_counter()
        while count(port, "failed") < args.films and time.perf_counter() - started < 120:
            time.sleep(0.5)
        # One run is noisy at this scale (p99 of 2-4 ms): several in each state, medians compared.
        for _ in range(args.windows):
            rows.append(("no posters being made", wrk(port, "/vote", 8, args.seconds, cookie=cookie), stored(port)))
        host.serving = True
        subprocess.run([args.binary, "posters", "--failed"], env=env, check=True, stdout=subprocess.DEVNULL)
        started = time.perf_counter()
        while stored(port) == 0 and time.perf_counter() - started < 30:
            time.sleep(0.2)
        for _ in range(args.windows):
            if stored(port) >= args.films:
                break
            rows.append(("while posters are made", wrk(port, "/vote", 8, args.seconds, cookie=cookie), stored(port)))
        while stored(port) < args.films and time.perf_counter() - started < 3600:
            time.sleep(1)
        took = time.perf_counter() - started
        done = stored(port)
        phone = None
        if args.site:
            out = subprocess.run(["node", "bench/phone.mjs", f"http://127.0.0.1:{port}", cookie],
                                 cwd=os.path.join(os.path.dirname(__file__), "..", "end2end"),
                                 capture_output=True, text=True, timeout=900).stdout
            rows_ = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
            phone = next((r for r in rows_ if r["page"] == "/vote" and r["visit"] == "cold"), None)
    finally:
        server.terminate()
        server.wait(timeout=30)
        host.shutdown()
    print(f"\n/vote for a signed-in member, 8 connections, {args.seconds} s each; {args.films} films with posters "
          f"to fetch from a loopback host ({os.cpu_count()} cores):\n")
    print("| while | p50 | p99 | requests/s | non-2xx | posters stored at the end |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, r, n in rows:
        print(f"| {label} | {r['p50']:.2f} ms | {r['p99']:.2f} ms | {r['rps']:.0f} | {r['non2xx']} | {n:,} |")

    def median_p99(label):
        values = sorted(r["p99"] for row_label, r, _ in rows if row_label == label)
        return values[len(values) // 2]
    quiet_p99, busy_p99 = median_p99("no posters being made"), median_p99("while posters are made")
    print(f"\nmedian p99 while making posters / median p99 without: {busy_p99:.2f} ms / {quiet_p99:.2f} ms = "
          f"{busy_p99 / quiet_p99:.2f}")
    print(f"{done:,} of {args.films:,} posters stored in {took:.0f} s "
          f"({du(work + '/posters') / 1e6:.1f} MB on disk)\n")
    if phone:
        original = sum(len(s) for s in host.sources) / len(host.sources)
        print(f"/vote (20 proposals) on the phone profile, first screen: {phone['images']} posters, "
              f"{phone['image_bytes']:,} bytes from Marquee; the same posters hotlinked as originals: "
              f"{phone['images'] * original:,.0f} bytes; the whole first visit {phone['bytes']:,} bytes, "
              f"interactive at {phone['hydrated_ms'] / 1000:.2f} s\n")
    subprocess.run([args.binary, "bench-posters", "--count", "20"], check=True)


def du(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


if __name__ == "__main__":
    main()
