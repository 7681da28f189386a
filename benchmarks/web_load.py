"""Answers per second through POST /api/ask with N concurrent clients, and their p50/p95 latency.

Starts `policyqa web --workers W` on a free port on 127.0.0.1 over an index of the bundled corpus
(built in a temporary folder unless --db names one), then, for each N in --clients, runs N clients,
each asking the dev questions in turn in its own session (follow-ups and all, as a browser does).
Prints numbers, never judges them; every row names the driver that produced it:

- wrk (Debian's `wrk`, used when installed): N threads of one connection each for --seconds, a Lua
  script keeping each one's session; a C client, so it takes little of the cores it shares.
- httpx (always there): N asyncio clients in this Python process, each sending --requests
  questions or stopping at --seconds; it takes a core's worth of CPU itself.

The clients share the machine's cores with the server: on 2 cores the figures are a floor. The last
column, the CPU time the server's processes used during the run per answer (from /proc), moves less
with other load on the machine than answers per second do.

    .venv/bin/python benchmarks/web_load.py [--clients 1 4 8] [--workers 2] [--driver auto|wrk|httpx]
                                            [--requests 50] [--seconds 15] [--db policyqa.db]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench import ROOT, process_tree

QUESTIONS = ROOT / "tests" / "data" / "dev.jsonl"
POLICYQA = Path(sys.executable).parent / "policyqa"


def tree_cpu(root: int) -> float:
    """CPU seconds (user + system) used so far by a process and its descendants, from /proc (0.0 elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    return sum(int(fields[11]) + int(fields[12]) for fields in process_tree(root)) / tick


def free_port() -> int:
    """A port nothing listens on now, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(db: Path, port: int, workers: int) -> subprocess.Popen:
    """`policyqa web` on 127.0.0.1:port, its rate limit out of the way; returns once /healthz answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
    env |= {"POLICYQA_WEB_RATE_LIMIT": "1000000", "POLICYQA_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen([str(POLICYQA), "web", "--host", "127.0.0.1", "--port", str(port), "--db", str(db),
                               "--workers", str(workers)],
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


# Each wrk thread holds one connection and one session: it asks the questions in turn from its own
# offset, and takes the session id from each answer for the next question.
WRK_SCRIPT = r"""
local threads = 0
function setup(thread)
  thread:set("offset", threads * 7)
  threads = threads + 1
end
function init(args)
  questions = {}
  for line in io.lines(args[1]) do
    questions[#questions + 1] = line:gsub("\\", "\\\\"):gsub('"', '\\"')
  end
  asked = 0
  session = nil
end
function request()
  local q = questions[((offset + asked) % #questions) + 1]
  asked = asked + 1
  local given = session and ('"' .. session .. '"') or "null"
  return wrk.format("POST", "/api/ask", {["Content-Type"] = "application/json"},
                    '{"q": "' .. q .. '", "session": ' .. given .. '}')
end
function response(status, headers, body)
  if status == 200 then
    session = body:match('"session":"([^"]+)"') or session
  end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %.1f %.1f\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout + e.status, latency:percentile(50), latency:percentile(95)))
end
"""


def run_wrk(base: str, questions: list[str], clients: int, seconds: float, folder: Path) -> dict[str, float]:
    """N wrk threads of one connection each for the given time; the same figures as run()."""
    script, listed = folder / "ask.lua", folder / "questions.txt"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    listed.write_text("".join(f"{q}\n" for q in questions), encoding="utf-8")
    done = subprocess.run(["wrk", "-t", str(clients), "-c", str(clients), "-d", f"{max(1, round(seconds))}s",
                           "--timeout", "60s", "-s", str(script), base, "--", str(listed)],
                          capture_output=True, text=True, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    answers, micros, errors, p50, p95 = (float(x) for x in line.split()[1:])
    return {"clients": clients, "answers": int(answers), "errors": int(errors), "per_second": answers / (micros / 1e6),
            "p50_ms": p50 / 1000, "p95_ms": p95 / 1000}


def main() -> None:
    """Parse the options, build the index if needed, serve it and load it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 8], help="concurrent clients, one run each")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes of the server")
    parser.add_argument("--driver", choices=["auto", "wrk", "httpx"], default="auto",
                        help="the load client (auto: wrk when installed, else httpx)")
    parser.add_argument("--requests", type=int, default=50, help="questions each httpx client sends")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of a wrk run; time limit of an httpx run")
    parser.add_argument("--db", type=Path, help="an index to serve (default: the bundled corpus, built afresh)")
    args = parser.parse_args()
    driver = ("wrk" if shutil.which("wrk") else "httpx") if args.driver == "auto" else args.driver
    if driver == "wrk" and not shutil.which("wrk"):
        sys.exit("--driver wrk: no wrk command (apt-get install wrk)")
    questions = [json.loads(line)["q"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as folder:
        db = args.db or Path(folder) / "policyqa.db"
        if args.db is None:
            subprocess.run([str(POLICYQA), "ingest", "--db", str(db), str(ROOT / "corpus")], check=True,
                           stderr=subprocess.DEVNULL)
        port = free_port()
        server = start_server(db, port, args.workers)
        base = f"http://127.0.0.1:{port}"
        try:
            bound = f"{args.seconds:g} s per run" if driver == "wrk" else f"{args.requests} per client"
            print(f"POST /api/ask on 127.0.0.1, {args.workers} server workers, {len(questions)} dev questions in turn "
                  f"({bound}), load: {os.getloadavg()[0]:.2f}")
            print(f"{'driver':>6} {'clients':>7} {'answers':>7} {'errors':>6} {'answers/s':>9} {'p50 ms':>7} {'p95 ms':>7}"
                  f" {'server CPU ms/answer':>20}")
            for clients in args.clients:
                cpu = tree_cpu(server.pid)
                if driver == "wrk":
                    row = run_wrk(base, questions, clients, args.seconds, Path(folder))
                else:
                    row = asyncio.run(run(base, questions, clients, args.requests, args.seconds))
                per_answer = (tree_cpu(server.pid) - cpu) * 1000 / max(1, row["answers"])
                print(f"{driver:>6} {row['clients']:>7} {row['answers']:>7} {row['errors']:>6} {row['per_second']:>9.1f} "
                      f"{row['p50_ms']:>7.1f} {row['p95_ms']:>7.1f} {per_answer:>20.2f}")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
