#!/usr/bin/env python3
"""Load benchmark: generates a catalogue, starts the release server on loopback, drives bounded load
with wrk (1 and 64 connections, a few seconds each), stops everything and prints one table.

Throughput is also shown as a share of a ceiling: a static file of the same size as the page,
served by the same server, so results compare across noisy machines. A second server holds the club of
the side-by-side comparison with a cached Django page (20 proposals, ten votes each) for the signed-in
/vote row.
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


def first_byte_ms(port, path, cookie=None):
    """Milliseconds to the first body byte and to the last, over a fresh connection."""
    t0 = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port))
    session = f"Cookie: marquee_session={cookie}\r\n" if cookie else ""
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n{session}Connection: close\r\n\r\n".encode())
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


def wrk(port, path, connections, seconds, script=None, cookie=None):
    threads = 1 if connections == 1 else 2
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", script]
    if cookie:
        cmd += ["-H", f"Cookie: marquee_session={cookie}"]
    cmd.append(f"http://127.0.0.1:{port}{path}")
    return parse_wrk(subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout)


def start_server(binary, env):
    """`marquee serve` on a free loopback port, once /healthz answers."""
    port = free_port()
    server = subprocess.Popen([binary, "serve"], env=dict(env, MARQUEE_SITE_ADDR=f"127.0.0.1:{port}"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server, port
        except Exception:
            time.sleep(0.1)
    server.terminate()
    sys.exit("the server did not start")


def register(port, username):
    """A new member's session token."""
    body = urllib.parse.urlencode({"username": username, "password": "bench password 1"}).encode()
    res = urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/api/register", data=body))
    return re.search(r"marquee_session=([0-9a-f]{64})", res.headers.get("set-cookie", "")).group(1)


def fetch(port, path, cookie=None):
    headers = {"Cookie": f"marquee_session={cookie}"} if cookie else {}
    return urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)).read()


def save_section(output, name, section):
    """Puts `section` between `<!-- {name}:start -->` and `<!-- {name}:end -->` in `output`, in place
    of the last run's, or at the end."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    section = f"{start}\n{section}{end}\n"
    text = open(output).read() if os.path.exists(output) else "# Benchmarks\n"
    if start in text:
        text = re.sub(re.escape(start) + r".*" + re.escape(end) + r"\n", lambda _: section, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(output, "w") as f:
        f.write(text)
    print(f"\nsaved to {output}", file=sys.stderr)


def peak_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1)) // 1024


def hydration_share(html):
    """Bytes of hydration data (each resource's value as the page's script writes it) and the page's bytes."""
    data = sum(len(m.group(0)) for m in re.finditer(rb'__RESOLVED_RESOURCES\[\d+\] = "(?:[^"\\]|\\.)*"', html))
    return data, len(html)


CUSTOM_WEIGHTS_LUA = """
math.randomseed(7)
request = function()
  local a, b, c, d = math.random(0, 25), math.random(0, 25), math.random(0, 25), math.random(0, 25)
  local e = 100 - a - b - c - d
  return wrk.format("GET", "/api/predictions?set=Candidates&offset=0&limit=25&w="
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

    # The club of the side-by-side comparison: 20 proposals with ten votes each, 12 members.
    club_env = dict(env, DATABASE_URL=f"sqlite://{work}/club.db")
    subprocess.run([args.binary, "gen-data", "--movies", "1000", "--seed", "42", "--members", "12",
                    "--proposals", "20", "--votes", "10"], env=club_env, check=True, stdout=subprocess.DEVNULL)

    server, port = start_server(args.binary, env)
    club, club_port = start_server(args.binary, club_env)
    try:
        reader = register(club_port, "benchreader")
        # (row name, path, wrk script, port, session cookie)
        endpoints = [
            ("/predictions", "/predictions", None, port, None),
            ("infinite-scroll page (ranks 101-125)", "/api/predictions?set=Candidates&offset=100&limit=25", None, port, None),
            ("custom-weights re-rank (new weights each request)", "/api/predictions", "custom", port, None),
            ("/vote", "/vote", None, port, None),
            ("/vote, proposals 1001-1020 (server function)", "/api/list_proposals?offset=1000&limit=20", None, port, None),
            ("/movies", "/movies", None, port, None),
            ("/movies/:id (film page)", "/movies/1", None, port, None),
            ("/api/v1/movies (genre filter)", "/api/v1/movies?genre=Drama&sort=rating", None, port, None),
            ("/api/v1/movies/:id", "/api/v1/movies/1", None, port, None),
            ("/dashboard", "/dashboard", None, port, None),
            ("/healthz", "/healthz", None, port, None),
            ("/vote signed in, club of 20 proposals × 10 votes", "/vote", None, club_port, reader),
        ]
        # Cold: the first request to each page after start-up (prediction caches are warmed at start-up).
        cold = {}
        for name, path, script, at, cookie in endpoints:
            p = path if script is None else "/api/predictions?set=Candidates&offset=0&limit=25&w=13,27,20,30,10"
            cold[name] = first_byte_ms(at, p, cookie)[1]
        print(f"  after the cold requests: {peak_mib(server.pid)} MiB", file=sys.stderr)

        # Ceilings: the same server sending a static file of the page's size (no compression asked).
        pages = {"predictions": fetch(port, "/predictions"), "vote": fetch(club_port, "/vote", reader)}
        ceilings = {}
        for (kind, page), at in zip(pages.items(), (port, club_port)):
            with open(os.path.join(site, f"ceiling-{kind}.html"), "wb") as f:
                f.write(b"x" * len(page))
            name = f"ceiling: static file of {len(page) // 1024} KiB (/{kind}'s size)"
            endpoints.append((name, f"/ceiling-{kind}.html", None, at, None))
            cold[name] = first_byte_ms(at, f"/ceiling-{kind}.html")[1]
            ceilings[at] = name

        first_bytes = [first_byte_ms(port, "/predictions") for _ in range(30)]
        lua = os.path.join(work, "custom.lua")
        with open(lua, "w") as f:
            f.write(CUSTOM_WEIGHTS_LUA)

        results = {}
        for name, path, script, at, cookie in endpoints:
            results[name] = {c: wrk(at, path, c, args.seconds, lua if script else None, cookie) for c in (1, 64)}
            print(f"  measured {name} (main server's peak memory so far: {peak_mib(server.pid)} MiB)", file=sys.stderr)
        hydration = {"/predictions (visitor)": hydration_share(fetch(port, "/predictions")),
                     "/vote (signed in, club)": hydration_share(fetch(club_port, "/vote", reader))}

        print(f"  before the phone profile: {peak_mib(server.pid)} MiB", file=sys.stderr)
        phone = phone_profile(port)

        sums, counts = {}, {}
        for at in (port, club_port):
            metrics = fetch(at, "/metrics").decode()
            sums[at] = dict(re.findall(r'^http_request_sql_queries_sum\{route="([^"]+)"\} (\S+)', metrics, re.M))
            counts[at] = dict(re.findall(r'^http_request_sql_queries_count\{route="([^"]+)"\} (\S+)', metrics, re.M))
        peak = peak_mib(server.pid)
    finally:
        for proc in (server, club):
            proc.terminate()
            proc.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    def sql_per_request(path, at):
        route = path.split("?")[0]
        if route in sums[at] and float(counts[at].get(route, 0)) > 0:
            return f"{float(sums[at][route]) / float(counts[at][route]):.1f}"
        return "0" if route.startswith("/ceiling-") else "n/a"

    lines = [
        "| page or API | cold (first request) | 1 conn p50 | 1 conn p99 | 1 conn req/s | 64 conn p50 | 64 conn p99 | 64 conn req/s | share of ceiling (64) | SQL per request |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, path, _, at, _ in endpoints:
        one, many = results[name][1], results[name][64]
        ceiling = results[ceilings[at]][64]["rps"] or 1.0
        bad = " (non-2xx!)" if one["non2xx"] or many["non2xx"] else ""
        lines.append(
            f"| {name}{bad} | {cold[name]:.1f} ms | {one['p50']:.2f} ms | {one['p99']:.2f} ms | {one['rps']:.0f} | "
            f"{many['p50']:.2f} ms | {many['p99']:.2f} ms | {many['rps']:.0f} | {100 * many['rps'] / ceiling:.0f} % | "
            f"{sql_per_request(path, at)} |"
        )
    fb = statistics.median(f for f, _ in first_bytes)
    lb = statistics.median(t for _, t in first_bytes)
    summary = (f"/predictions first byte {fb:.2f} ms, last byte {lb:.2f} ms (median of 30, warm, one connection). "
               f"Peak server memory (VmHWM): {peak} MiB.")
    lines += ["", "Signed-in /vote at 64 connections against the cached Django page of the same club (2,445 req/s): "
              f"{results[endpoints[11][0]][64]['rps'] / 2444.7:.2f}×.", "",
              "| page | HTML bytes | hydration data | share (target ≤ 20 %) |", "|---|---:|---:|---:|"]
    for name, (data, total) in hydration.items():
        lines.append(f"| {name} | {total:,} | {data:,} | {100 * data / total:.1f} % {'✓' if data * 5 <= total else '✗'} |")
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
        f"## Load suite (`scripts/bench.sh`)\n\n"
        f"Machine: {machine}. Data: {args.movies} generated films, {args.members} members, {args.proposals} proposals "
        f"with up to ten votes each, SQLite; the last /vote row and its ceiling run on a second server with the club of "
        f"the side-by-side comparison (1,000 films, 12 members, 20 proposals with exactly ten votes each). Rows are "
        f"anonymous unless they say otherwise. wrk runs {args.seconds} s per row and connection count, on loopback, "
        f"asking for no compression; each share compares with the ceiling on the same server.\n\n"
        f"{table}\n\n{summary}\n"
    )
    save_section(args.output, "load-suite", section)


if __name__ == "__main__":
    main()
