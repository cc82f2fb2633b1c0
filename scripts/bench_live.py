#!/usr/bin/env python3
"""Live counts and several servers, under bounded load on loopback.

1. One server (SQLite): 200 open event streams (/events) while 50 members vote. Delivery latency is
   the time from a vote's request to each stream hearing the new count (p50/p99 over every vote and
   stream); vote latency is compared with the same votes while no stream is open; the server's CPU
   time is sampled while the 200 streams wait.
2. With --postgres URL: two servers on one PostgreSQL behind a small round-robin proxy, against one
   server behind the same proxy, under the same load (wrk on /vote while members vote), and the
   delay of a vote on one server reaching a stream open on the other.

Prints one table per part and saves them to docs/benchmarks.md.
"""
import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_suite import free_port, register, save_section, start_server, wrk  # noqa: E402

PASSWORD = "bench password 1"
VOTES = re.compile(rb'data: ?\{"type":"votes","proposal":(\d+),"votes":(\d+),')


def streams_in_a_process(port, n, ready, stop, out):
    """`n` streams followed in a process of their own, so that reading them does not slow the voters;
    what each heard goes back through `out` (perf_counter is one clock for every process here)."""

    async def run():
        halt = asyncio.Event()
        streams = [Stream() for _ in range(n)]
        tasks = [asyncio.create_task(s.follow(port, halt)) for s in streams]
        await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in streams)), 30)
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.05)
        halt.set()
        await asyncio.gather(*tasks)
        return [s.heard for s in streams]

    out.send(asyncio.run(run()))


class StreamGroup:
    """Streams followed in child processes, beside the voters."""

    def __init__(self, port, n, processes=2):
        self.ready = [multiprocessing.Event() for _ in range(processes)]
        self.stop = multiprocessing.Event()
        self.pipes, self.procs = [], []
        for i in range(processes):
            parent, child = multiprocessing.Pipe()
            share = n // processes + (1 if i < n % processes else 0)
            proc = multiprocessing.Process(target=streams_in_a_process,
                                           args=(port, share, self.ready[i], self.stop, child))
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)
        for r in self.ready:
            if not r.wait(60):
                sys.exit("the streams did not open")

    def finish(self):
        """Stops following; what each stream heard."""
        self.stop.set()
        heard = []
        for pipe, proc in zip(self.pipes, self.procs):
            heard += pipe.recv()
            proc.join()
        return heard


async def http(port, method, path, body=None, cookie=None):
    """One request on a fresh connection: (status, body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\nAccept: application/json\r\n"
    if cookie:
        head += f"Cookie: marquee_session={cookie}\r\n"
    data = b""
    if body is not None:
        data = urllib.parse.urlencode(body).encode()
        head += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(data)}\r\n"
    writer.write(head.encode() + b"\r\n" + data)
    await writer.drain()
    raw = await reader.read()
    writer.close()
    status = int(raw.split(b" ", 2)[1])
    payload = raw.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in raw else b""
    if b"transfer-encoding: chunked" in raw.split(b"\r\n\r\n", 1)[0].lower():
        out, rest = b"", payload
        while rest:
            size, _, rest = rest.partition(b"\r\n")
            n = int(size, 16)
            if n == 0:
                break
            out, rest = out + rest[:n], rest[n + 2:]
        payload = out
    return status, payload


class Stream:
    """One open /events stream, noting when each vote count arrives."""

    def __init__(self):
        self.heard = {}  # (proposal, votes) -> first time heard
        self.ready = asyncio.Event()

    async def follow(self, port, stop):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /events HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n")
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            raise SystemExit(f"a stream was refused: {status!r}")
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        while not stop.is_set():
            try:
                line = await asyncio.wait_for(reader.readline(), 0.5)
            except asyncio.TimeoutError:
                continue
            if not line:
                break
            at = time.perf_counter()
            if not line.startswith(b"data:"):
                continue
            votes = VOTES.match(line)
            if votes:
                self.heard.setdefault((int(votes.group(1)), int(votes.group(2))), at)
            elif b'"type":"counts"' in line:
                self.ready.set()
        writer.close()


async def vote_all(port, voters, proposals, pace):
    """Every voter votes for every proposal in `proposals`, in a random order, `pace` seconds apart
    at most; returns [(proposal, resulting count, sent at, took)]."""
    done = []

    async def member(cookie):
        order = list(proposals)
        random.shuffle(order)
        for p in order:
            await asyncio.sleep(random.uniform(0, pace))
            t0 = time.perf_counter()
            status, body = await http(port, "POST", "/api/cast_vote", {"proposal_id": p, "vote": "true"}, cookie)
            if status != 200:
                raise SystemExit(f"a vote failed: {status} {body[:200]!r}")
            done.append((p, json.loads(body)["votes"], t0, time.perf_counter() - t0))

    await asyncio.gather(*(member(c) for c in voters))
    return done


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q / 100 * len(values)))] * 1000 if values else float("nan")


def delivery(votes, heard):
    """Per vote and stream: from the vote's request to the stream hearing its count."""
    out, missed = [], 0
    for p, count, t0, _ in votes:
        for h in heard:
            at = h.get((p, count))
            if at is None:
                missed += 1
            else:
                out.append(at - t0)
    return out, missed


async def streams_and_voters(port, pid, proposal_ids, n_streams, n_voters, pace):
    voters = [register(port, f"voter{i}_{random.randrange(10**9)}") for i in range(n_voters)]
    half = len(proposal_ids) // 2
    quiet = await vote_all(port, voters, proposal_ids[:half], pace)

    group = StreamGroup(port, n_streams)
    cpu0, t0 = cpu_seconds(pid), time.perf_counter()
    await asyncio.sleep(5)
    idle_cpu = (cpu_seconds(pid) - cpu0) / (time.perf_counter() - t0)
    started = time.perf_counter()
    busy = await vote_all(port, voters, proposal_ids[half:], pace)
    took = time.perf_counter() - started
    await asyncio.sleep(2)
    latencies, missed = delivery(busy, group.finish())
    return quiet, busy, latencies, missed, idle_cpu, took


async def proxy(listen, backends):
    """A round-robin TCP proxy: each new connection goes to the next backend."""
    turn = itertools.cycle(backends)

    async def pipe(r, w):
        try:
            while data := await r.read(65536):
                w.write(data)
                await w.drain()
        except ConnectionError:
            pass
        finally:
            w.close()

    async def handle(r, w):
        r2, w2 = await asyncio.open_connection("127.0.0.1", next(turn))
        await asyncio.gather(pipe(r, w2), pipe(r2, w))

    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    async with server:
        await server.serve_forever()


def start_proxy(backends):
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--proxy", str(port), *map(str, backends)])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    sys.exit("the proxy did not start")


async def proposal_ids(port, n):
    status, body = await http(port, "GET", f"/api/v1/proposals?limit={n}")
    return [p["id"] for p in json.loads(body)["items"]]


async def through(port, voters, ids, seconds):
    """wrk on /vote through `port` while members vote through it too (about 20 votes a second)."""
    stop = time.perf_counter() + seconds
    votes = []

    async def member(cookie):
        for p in itertools.cycle(ids):
            if time.perf_counter() > stop:
                return
            await asyncio.sleep(1.0)
            t0 = time.perf_counter()
            await http(port, "POST", "/api/cast_vote", {"proposal_id": p, "vote": "true"}, cookie)
            votes.append(time.perf_counter() - t0)
            await http(port, "POST", "/api/cast_vote", {"proposal_id": p, "vote": "false"}, cookie)

    load = asyncio.get_running_loop().run_in_executor(None, wrk, port, "/vote", 16, seconds)
    await asyncio.gather(*(member(c) for c in voters))
    return await load, votes


async def across(a, b, voters, ids, rounds):
    """Delay from a vote's request on `a` to a stream on `b` hearing it."""
    group = StreamGroup(b, 10, processes=1)
    votes = await vote_all(a, voters[:rounds], ids[:5], 1.0)
    await asyncio.sleep(1)
    return delivery(votes, group.finish())


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--proxy":
        asyncio.run(proxy(int(sys.argv[2]), [int(p) for p in sys.argv[3:]]))
        return
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--binary", default="target/marquee")
    ap.add_argument("--streams", type=int, default=200)
    ap.add_argument("--voters", type=int, default=50)
    ap.add_argument("--postgres", default=os.environ.get("MARQUEE_TEST_PG_URL"), help="a throwaway database")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--pace", type=float, default=2.0, help="longest pause between one member's votes")
    ap.add_argument("--output", default="docs/benchmarks.md")
    args = ap.parse_args()
    random.seed(42)

    work = tempfile.mkdtemp(prefix="marquee-live-")
    base = dict(os.environ, MARQUEE_SEED_DEMO="false", RUST_LOG="warn", LEPTOS_SITE_ROOT=work,
                MARQUEE_LIVE_STREAMS_PER_CLIENT="1000", MARQUEE_MAX_IN_FLIGHT="256")
    lines = []
    try:
        env = dict(base, DATABASE_URL=f"sqlite://{work}/club.db")
        subprocess.run([args.binary, "gen-data", "--movies", "1000", "--seed", "42", "--members", "12",
                        "--proposals", "20"], env=env, check=True, stdout=subprocess.DEVNULL)
        server, port = start_server(args.binary, env)
        try:
            ids = asyncio.run(proposal_ids(port, 20))
            quiet, busy, latencies, missed, idle_cpu, took = asyncio.run(
                streams_and_voters(port, server.pid, ids, args.streams, args.voters, args.pace))
        finally:
            server.terminate()
            server.wait(timeout=30)
        lines += [
            f"**Live counts** (one server, SQLite): {args.streams} open event streams while {args.voters} members "
            f"cast {len(busy)} votes in {took:.1f} s ({len(busy) / took:.0f} votes/s; each member votes on 10 "
            f"proposals, up to {args.pace} s apart). The streams are read by two processes of their own.",
            "",
            "| measure | p50 | p99 | max |",
            "|---|---:|---:|---:|",
            f"| vote heard on every stream (from the vote's request; {len(latencies):,} deliveries, {missed} missed) "
            f"| {pct(latencies, 50):.1f} ms | {pct(latencies, 99):.1f} ms | {max(latencies) * 1000:.1f} ms |",
            f"| vote request, {args.streams} streams open | {pct([v[3] for v in busy], 50):.1f} ms | "
            f"{pct([v[3] for v in busy], 99):.1f} ms | {max(v[3] for v in busy) * 1000:.1f} ms |",
            f"| vote request, no stream open | {pct([v[3] for v in quiet], 50):.1f} ms | "
            f"{pct([v[3] for v in quiet], 99):.1f} ms | {max(v[3] for v in quiet) * 1000:.1f} ms |",
            "",
            f"Server CPU while the {args.streams} streams waited (5 s, no votes): {idle_cpu * 100:.2f} % of one core.",
        ]

        if args.postgres:
            env = dict(base, DATABASE_URL=args.postgres, MARQUEE_IMDB_REFRESH_INTERVAL_SECS="3600")
            subprocess.run([args.binary, "gen-data", "--movies", "1000", "--seed", "42", "--members", "12",
                            "--proposals", "20"], env=env, check=True, stdout=subprocess.DEVNULL)
            a, a_port = start_server(args.binary, env)
            b, b_port = start_server(args.binary, env)
            procs = [a, b]
            try:
                ids = asyncio.run(proposal_ids(a_port, 20))
                voters = [register(a_port, f"pg{i}") for i in range(20)]
                rows = {}
                for label, backends in (("one server", [a_port]), ("two servers", [a_port, b_port])):
                    p, p_port = start_proxy(backends)
                    procs.append(p)
                    load, votes = asyncio.run(through(p_port, voters, ids, args.seconds))
                    rows[label] = (load, votes)
                    p.terminate()
                    p.wait()
                other, missed_b = asyncio.run(across(a_port, b_port, voters, ids, 20))
                same, missed_a = asyncio.run(across(a_port, a_port, voters[::-1], ids[5:], 20))
            finally:
                for proc in procs:
                    proc.terminate()
                    proc.wait(timeout=30)
            lines += [
                "",
                f"**Several servers** (PostgreSQL): wrk at 16 connections on /vote for {args.seconds} s through a "
                "small round-robin proxy (Python, one process), while 20 members vote and take the vote back "
                "through it once a second each; the same load on one server behind the same proxy.",
                "",
                "| behind the proxy | /vote p50 | /vote p99 | /vote req/s | vote request p50 | vote request p99 |",
                "|---|---:|---:|---:|---:|---:|",
            ]
            for label, (load, votes) in rows.items():
                bad = " (non-2xx!)" if load["non2xx"] else ""
                lines.append(f"| {label}{bad} | {load['p50']:.2f} ms | {load['p99']:.2f} ms | {load['rps']:.0f} | "
                             f"{pct(votes, 50):.1f} ms | {pct(votes, 99):.1f} ms |")
            lines += [
                "",
                "| a vote on server A heard on a stream | p50 | p99 | missed |",
                "|---|---:|---:|---:|",
                f"| open on server B (through NOTIFY) | {pct(other, 50):.1f} ms | {pct(other, 99):.1f} ms | {missed_b} |",
                f"| open on server A itself | {pct(same, 50):.1f} ms | {pct(same, 99):.1f} ms | {missed_a} |",
            ]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    table = "\n".join(lines)
    print(table)
    machine = f"{os.cpu_count()} cores, {os.uname().sysname} {os.uname().release}"
    section = ("## Live counts and several servers (`scripts/bench.sh`, `scripts/bench_live.py`)\n\n"
               f"Machine: {machine}. Release build, loopback; the load generator shares the machine's two cores "
               f"with the servers.\n\n{table}\n")
    save_section(args.output, "live-suite", section)


if __name__ == "__main__":
    main()
