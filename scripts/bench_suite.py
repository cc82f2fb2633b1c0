#!/usr/bin/env python3
"""Load benchmark: generates a catalogue, starts the release server on loopback, drives bounded load
with wrk (1 and 64 connections, a few seconds each), stops everything and prints one table.

Throughput is also shown as a share of a ceiling: a static file of the same size as the predictions
page, served by the same server, so results compare across noisy machines.
"""
import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import json


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def first_byte_ms(port, path):
    """Milliseconds to the first body byte and to the last, over a fresh connection."""
    t0 = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\nConnection: close\r\n\r\n".encode())
    buf, first = b"", None
    while True:
        d = s.recv(65536)
        if not d:
            break
        buf += d
        if first is None and b"\r\n\r\n" in buf and len(buf) > buf.index(b"\r\n\r\n") + 4:
            first = time.perf_counter() - t0
    total = time.perf_counter() - t0
    s.close()
    return (first or total) * 1000, total * 1000


def parse_wrk(out):
    def to_ms(v):
        m = re.match(r"([\d.]+)(us|ms|s)", v)
        n, unit = float(m.group(1)), m.group(2)
        return n / 1000 if unit == "us" else n * 1000 if unit == "s" else n

    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "p50": to_ms(lat["50"]) if "50" in lat else float("nan"),
        "p99": to_ms(lat["99"]) if "99" in lat else float("nan"),
        "rps": float(rps.group(1)) if rps else 0.0,
        "non2xx": int(errors.group(1)) if errors else 0,
    }


def wrk(port, path, connections, seconds, script=None):
    threads = 1 if connections == 1 else 2
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", script]
    cmd.append(f"http://127.0.0.1:{port}{path}")
    return parse_wrk(subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout)


CUSTOM_WEIGHTS_LUA = """
math.randomseed(7)
request = function()
  local a, b, c, d = math.random(0, 25), math.random(0, 25), math.random(0, 25), math.random(0, 25)
  local e = 100 - a - b - c - d
  return wrk.format("GET", "/api/predictions?set=Candidates&offset=0&limit=25&deferred=false&w="
    .. a .. "," .. b .. "," .. c .. "," .. d .. "," .. e)
end
"""


def phone_profile(port):
    """The phone benchmark (end2end/bench/phone.mjs) against the running server, as a signed-in member."""
    if not os.path.isdir("end2end/node_modules/@playwright/test") or not shutil.which("chromium"):
        print("  phone profile skipped: run scripts/setup.sh --test for Chromium and Playwright", file=sys.stderr)
        return []
    body = urllib.parse.urlencode({"username": "phonebench", "password": "phone bench password"}).encode()
    res = urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/api/register", data=body))
    cookie = re.search(r"marquee_session=([0-9a-f]{64})", res.headers.get("set-cookie", "")).group(1)
    out = subprocess.run(["node", "bench/phone.mjs", f"http://127.0.0.1:{port}", cookie], cwd="end2end",
                         capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        print(f"  phone profile failed: {out.stderr[-2000:]}", file=sys.stderr)
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    print(f"  measured the phone profile ({len(rows)} rows)", file=sys.stderr)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--binary", default="target/release/marquee")
    ap.add_argument("--movies", type=int, default=100_000)
    ap.add_argument("--members", type=int, default=1_000)
    ap.add_argument("--proposals", type=int, default=2_000)
    ap.add_argument("--seconds", type=int, default=5, help="wrk duration per run")
    ap.add_argument("--output", default="docs/benchmarks.md")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="marquee-bench-")
    site = os.path.join(work, "site")
    if os.path.isdir("target/site"):
        shutil.copytree("target/site", site)
    else:
        os.makedirs(site)
    env = dict(os.environ, DATABASE_URL=f"sqlite://{work}/bench.db", MARQUEE_SEED_DEMO="false", RUST_LOG="warn",
               LEPTOS_SITE_ROOT=site)
    t = time.time()
    subprocess.run([args.binary, "gen-data", "--movies", str(args.movies), "--seed", "42",
                    "--members", str(args.members), "--proposals", str(args.proposals)],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"generated {args.movies} films, {args.members} members, {args.proposals} proposals in {time.time() - t:.0f} s",
          file=sys.stderr)

    port = free_port()
    env["MARQUEE_SITE_ADDR"] = f"127.0.0.1:{port}"
    server = subprocess.Popen([args.binary, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        else:
            sys.exit("the server did not start")

        endpoints = [
            ("/predictions", "/predictions", None),
            ("infinite-scroll page (ranks 101-125)", "/api/predictions?set=Candidates&offset=100&limit=25&deferred=false", None),
            ("custom-weights re-rank (new weights each request)", "/api/predictions", "custom"),
            ("/vote", "/vote", None),
            ("/vote, proposals 1001-1020 (server function)", "/api/list_proposals?offset=1000&limit=20", None),
            ("/movies", "/movies", None),
            ("/movies/:id (film page)", "/movies/1", None),
            ("/api/v1/movies (genre filter)", "/api/v1/movies?genre=Drama&sort=rating", None),
            ("/api/v1/movies/:id", "/api/v1/movies/1", None),
            ("/dashboard", "/dashboard", None),
            ("/healthz", "/healthz", None),
        ]
        # Cold: the first request to each page after start-up (prediction caches are warmed at start-up).
        cold = {}
        for name, path, script in endpoints:
            p = path if script is None else "/api/predictions?set=Candidates&offset=0&limit=25&deferred=false&w=13,27,20,30,10"
            cold[name] = first_byte_ms(port, p)[1]

        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/predictions").read()
        with open(os.path.join(site, "ceiling.html"), "wb") as f:
            f.write(b"x" * len(page))
        endpoints.append((f"ceiling: static file of {len(page) // 1024} KiB", "/ceiling.html", None))
        cold[endpoints[-1][0]] = first_byte_ms(port, "/ceiling.html")[1]

        first_bytes = [first_byte_ms(port, "/predictions") for _ in range(30)]
        lua = os.path.join(work, "custom.lua")
        with open(lua, "w") as f:
            f.write(CUSTOM_WEIGHTS_LUA)

        results = {}
        for name, path, script in endpoints:
            results[name] = {c: wrk(port, path, c, args.seconds, lua if script else None) for c in (1, 64)}
            print(f"  measured {name}", file=sys.stderr)

        phone = phone_profile(port)

        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
        sums = dict(re.findall(r'^http_request_sql_queries_sum\{route="([^"]+)"\} (\S+)', metrics, re.M))
        counts = dict(re.findall(r'^http_request_sql_queries_count\{route="([^"]+)"\} (\S+)', metrics, re.M))
        with open(f"/proc/{server.pid}/status") as f:
            peak = int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1)) // 1024
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    ceiling = results[endpoints[-1][0]][64]["rps"] or 1.0

    def sql_per_request(path):
        route = path.split("?")[0]
        if route in sums and float(counts.get(route, 0)) > 0:
            return f"{float(sums[route]) / float(counts[route]):.1f}"
        return "0" if route == "/ceiling.html" else "n/a"

    lines = [
        "| page or API | cold (first request) | 1 conn p50 | 1 conn p99 | 1 conn req/s | 64 conn p50 | 64 conn p99 | 64 conn req/s | share of ceiling (64) | SQL per request |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, path, _ in endpoints:
        one, many = results[name][1], results[name][64]
        bad = " (non-2xx!)" if one["non2xx"] or many["non2xx"] else ""
        lines.append(
            f"| {name}{bad} | {cold[name]:.1f} ms | {one['p50']:.2f} ms | {one['p99']:.2f} ms | {one['rps']:.0f} | "
            f"{many['p50']:.2f} ms | {many['p99']:.2f} ms | {many['rps']:.0f} | {100 * many['rps'] / ceiling:.0f} % | "
            f"{sql_per_request(path)} |"
        )
    fb = statistics.median(f for f, _ in first_bytes)
    lb = statistics.median(t for _, t in first_bytes)
    summary = (f"/predictions first byte {fb:.2f} ms, last byte {lb:.2f} ms (median of 30, warm, one connection). "
               f"Peak server memory (VmHWM): {peak} MiB.")
    table = "\n".join(lines)
    if phone:
        targets = {("cold", "content"): 1500, ("cold", "hydrated"): 3500, ("repeat", "hydrated"): 1000}
        table += ("\n\n**Phone profile** (Chromium 390×844, 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip, CPU 4× "
                  "slower; signed in for /vote). Targets: cold top content ≤ 1.5 s, hydrated ≤ 3.5 s, ≤ 500 KB for "
                  "/predictions; repeat visit hydrated ≤ 1.0 s.\n\n"
                  "| page | visit | top content on screen | hydrated | bytes transferred |\n|---|---|---:|---:|---:|")
        for r in phone:
            def mark(kind, value):
                limit = targets.get((r["visit"], kind))
                return f"{value / 1000:.2f} s" + ("" if limit is None else (" ✓" if value <= limit else " ✗"))
            table += (f"\n| {r['page']} | {r['visit']} | {mark('content', r['content_ms'])} | "
                      f"{mark('hydrated', r['hydrated_ms'])} | {r['bytes']:,} |")
    print(table)
    print()
    print(summary)

    machine = f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') // 2**30} GiB, {os.uname().sysname} {os.uname().release}"
    section = (
        "<!-- load-suite:start -->\n"
        f"## Load suite (`scripts/bench.sh`)\n\n"
        f"Machine: {machine}. Data: {args.movies} generated films, {args.members} members, {args.proposals} proposals "
        f"with up to ten votes each, SQLite. wrk runs {args.seconds} s per row and connection count, on loopback.\n\n"
        f"{table}\n\n{summary}\n<!-- load-suite:end -->\n"
    )
    text = open(args.output).read() if os.path.exists(args.output) else "# Benchmarks\n"
    if "<!-- load-suite:start -->" in text:
        text = re.sub(r"<!-- load-suite:start -->.*<!-- load-suite:end -->\n", lambda _: section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(args.output, "w") as f:
        f.write(text)
    print(f"\nsaved to {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
