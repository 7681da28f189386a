"""Answers per second through POST /api/ask with N concurrent clients, and their p50/p95 latency.

Starts `policyqa web` on a free port on 127.0.0.1 over an index of the bundled corpus (built in a
temporary folder unless --db names one), then, for each N in --clients, runs N clients that each
send --requests questions (the dev questions, in turn; each client keeps its own session, as a
browser does). Bounded in count and in time (--seconds per N); prints numbers, never judges them.
The clients share the machine's cores with the server: on 2 cores the figures are a floor.

    .venv/bin/python benchmarks/web_load.py [--clients 1 4 16] [--requests 50] [--db policyqa.db]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "dev.jsonl"
POLICYQA = Path(sys.executable).parent / "policyqa"


def free_port() -> int:
    """A port nothing listens on now, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(db: Path, port: int) -> subprocess.Popen:
    """`policyqa web` on 127.0.0.1:port, its rate limit out of the way; returns once /healthz answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
    env |= {"POLICYQA_WEB_RATE_LIMIT": "1000000", "POLICYQA_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([str(POLICYQA), "web", "--host", "127.0.0.1", "--port", str(port), "--db", str(db)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"policyqa web exited: {server.stderr.read() if server.stderr else ''}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.3)
    server.terminate()
    sys.exit("policyqa web did not answer /healthz within 120 s")


async def client(base: str, questions: list[str], start: int, count: int, stop: float) -> tuple[list[float], int]:
    """One client: count questions in turn from questions[start], one at a time; (latencies in s, errors)."""
    latencies: list[float] = []
    errors = 0
    session = None
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        for i in range(count):
            if time.monotonic() > stop:
                break
            body = {"q": questions[(start + i) % len(questions)], "session": session}
            began = time.perf_counter()
            response = await http.post("/api/ask", json=body)
            latencies.append(time.perf_counter() - began)
            if response.status_code == 200:
                session = response.json()["session"]
            else:
                errors += 1
    return latencies, errors


async def run(base: str, questions: list[str], clients: int, requests: int, seconds: float) -> dict[str, float]:
    """N clients at once; answers per second over the wall time, and latency percentiles."""
    stop = time.monotonic() + seconds
    began = time.perf_counter()
    results = await asyncio.gather(*(client(base, questions, n * 7, requests, stop) for n in range(clients)))
    wall = time.perf_counter() - began
    latencies = sorted(t for times, _ in results for t in times)
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {"clients": clients, "answers": len(latencies), "errors": sum(e for _, e in results),
            "per_second": len(latencies) / wall, "p50_ms": cuts[49] * 1000, "p95_ms": cuts[94] * 1000}


def main() -> None:
    """Parse the options, build the index if needed, serve it and load it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16], help="concurrent clients, one run each")
    parser.add_argument("--requests", type=int, default=50, help="questions each client sends")
    parser.add_argument("--seconds", type=float, default=60.0, help="time limit of each run")
    parser.add_argument("--db", type=Path, help="an index to serve (default: the bundled corpus, built afresh)")
    args = parser.parse_args()
    questions = [json.loads(line)["q"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as folder:
        db = args.db or Path(folder) / "policyqa.db"
        if args.db is None:
            subprocess.run([str(POLICYQA), "ingest", "--db", str(db), str(ROOT / "corpus")], check=True,
                           stderr=subprocess.DEVNULL)
        port = free_port()
        server = start_server(db, port)
        try:
            print(f"POST /api/ask on 127.0.0.1, {len(questions)} dev questions in turn, {args.requests} per client")
            print(f"{'clients':>7} {'answers':>7} {'errors':>6} {'answers/s':>9} {'p50 ms':>7} {'p95 ms':>7}")
            for clients in args.clients:
                row = asyncio.run(run(f"http://127.0.0.1:{port}", questions, clients, args.requests, args.seconds))
                print(f"{row['clients']:>7} {row['answers']:>7} {row['errors']:>6} {row['per_second']:>9.1f} "
                      f"{row['p50_ms']:>7.1f} {row['p95_ms']:>7.1f}")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
