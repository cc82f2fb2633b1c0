#!/usr/bin/env python3
"""Allocator comparison: the same release server built with the C library's allocator (the
default) and with mimalloc (`--features ssr,mimalloc`), on the same data, measured alternately with wrk (64 connections)
so that a noisy machine affects both alike. Prints one table.

    python3 scripts/bench_allocator.py --glibc PATH --mimalloc PATH
"""
import argparse
import os
import re
import shutil
import subprocess
import tempfile

from bench_suite import peak_mib, register, start_server


def wrk(port, path, cookie, seconds):
    cmd = ["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency", "-H", f"Cookie: marquee_session={cookie}",
           f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    return rps, p99


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--glibc", required=True)
    ap.add_argument("--mimalloc", required=True)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="marquee-alloc-")
    site = os.path.join(work, "site")
    shutil.copytree("target/site", site)
    env = dict(os.environ, DATABASE_URL=f"sqlite://{work}/bench.db", MARQUEE_SEED_DEMO="false", RUST_LOG="warn",
               LEPTOS_SITE_ROOT=site)
    subprocess.run([args.glibc, "gen-data", "--movies", "10000", "--seed", "42", "--members", "12",
                    "--proposals", "20"], env=env, check=True, stdout=subprocess.DEVNULL)
    results = {}
    cookie = None
    try:
        for r in range(args.rounds):
            for name, binary in (("glibc malloc", args.glibc), ("mimalloc", args.mimalloc)):
                proc, port = start_server(binary, env)
                try:
                    if cookie is None:
                        cookie = register(port, "allocbench")
                    for path in ("/vote", "/predictions"):
                        wrk(port, path, cookie, 2)  # warm-up
                        results.setdefault((name, path), []).append(wrk(port, path, cookie, args.seconds))
                    results.setdefault((name, "rss"), []).append(peak_mib(proc.pid))
                finally:
                    proc.terminate()
                    proc.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| allocator | signed-in /vote req/s (64 conns) | p99 | /predictions req/s | p99 | peak RSS |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in ("glibc malloc", "mimalloc"):
        vote = results[(name, "/vote")]
        pred = results[(name, "/predictions")]
        best = lambda rows: max(rows, key=lambda x: x[0])
        print(f"| {name} | {best(vote)[0]:.0f} | {best(vote)[1]} | {best(pred)[0]:.0f} | {best(pred)[1]} | "
              f"{max(results[(name, 'rss')])} MiB |")


if __name__ == "__main__":
    main()
