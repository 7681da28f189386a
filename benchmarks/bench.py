"""Ingest, load and query timings over the synthetic plans, plus the cold `policyqa ask`.

Prints numbers and never judges them. Each size needs benchmarks/out/synth-<N>/ from synth.py.
Ingest and cold ask run the installed `policyqa` as fresh processes; loading and querying run
in a worker process (this script with --worker) so that its memory is its own.

    .venv/bin/python benchmarks/bench.py [--sizes 1000 10000 100000 1000000] [--reference-all]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "benchmarks" / "out"
REFERENCE_LIMIT = 100_000  # rank-bm25 above this many items only with --reference-all
COLD_QUESTION = "谁负责规章集中公开？"
TEMPLATES = ("谁负责{c}？", "{c}由哪个单位落实？", "{c}的完成时限是什么？", "{r}{c}谁牵头？", "{c}")


# --- the API under construction: the only places that name it ------------------------------
# Typed Any on purpose: importing index at module level would stop the script when it moves.

def open_engine(db: Path) -> Any:
    """The query engine over an index file."""
    from index.engine import Engine

    return Engine.open(db)


def default_query(engine: Any) -> Callable[[str], object]:
    """One question through the engine's own segmenter and ranker."""
    return lambda q: engine.search(engine.segmenter.tokens(q), k=10)


def stored_tokens(engine: Any, db: Path) -> list[list[str]]:
    """Every item's stored search tokens, in index order."""
    return list(engine.store.all_tokens().values())


def reference_ranker() -> Callable[[list[list[str]]], object]:
    """The reference's constructor: rank-bm25's BM25Plus through index.rank.BM25, over token lists."""
    import rank_bm25  # noqa: F401  imported here so that the timed build excludes the import
    from index.rank import BM25

    return BM25


def reference_query(segmenter: Any, ranker: Any) -> Callable[[str], object]:
    """One question through the same segmenter and the reference ranker, top 10."""
    import numpy as np

    # The top 10 as the engine took it before the postings rewrite: a sort of every item's score.
    return lambda q: np.argsort(-np.asarray(ranker.scores(segmenter.tokens(q)), dtype=float), kind="stable")[:10]


# --- the worker: load once, query many times ------------------------------------------------

def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def latencies(ask: Callable[[str], object], questions: Sequence[str]) -> dict[str, float]:
    """p50 and p95 of one call per question, in ms, after a few untimed warm-up calls."""
    for q in questions[:5]:
        ask(q)
    times = []
    for q in questions:
        start = time.perf_counter()
        ask(q)
        times.append((time.perf_counter() - start) * 1000)
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "n": len(times)}


def worker(db: Path, questions: list[str], reference: bool) -> dict:
    """Load the engine, time the questions, then (optionally) the reference ranker."""
    start = time.perf_counter()
    engine = open_engine(db)
    result: dict = {"load_s": time.perf_counter() - start}
    result["default"] = latencies(default_query(engine), questions)
    result["query_mb"] = peak_mb()
    if reference:
        segmenter, corpus = engine.segmenter, stored_tokens(engine, db)
        del engine  # the reference should not pay for the engine's memory
        gc.collect()
        build = reference_ranker()
        start = time.perf_counter()
        ranker = build(corpus)
        result["reference_build_s"] = time.perf_counter() - start
        result["reference"] = latencies(reference_query(segmenter, ranker), questions)
        result["items"] = len(corpus)
    return result


# --- the parent: processes, questions, the table --------------------------------------------

@dataclass(frozen=True)
class Run:
    """A finished child process: wall time, its own peak memory, exit code and output."""

    seconds: float
    peak_mb: float  # the largest single process
    tree_mb: float  # the process and its workers together (sampled)
    code: int
    stdout: str
    stderr: str


def process_tree(root: int) -> list[list[str]]:
    """The /proc stat fields (after "pid (comm)") of a process and all its descendants now ([] once it is gone)."""
    stats: dict[int, list[str]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            stats[int(stat.parent.name)] = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError, ValueError):
            continue  # a process that ended while we looked
    tree, frontier = {root}, [root]
    while frontier:
        frontier = [pid for pid, fields in stats.items() if int(fields[1]) in frontier and pid not in tree]
        tree.update(frontier)
    return [stats[pid] for pid in tree if pid in stats]


def tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants now, in MB (0 once it is gone)."""
    return sum(int(fields[21]) for fields in process_tree(root)) * resource.getpagesize() / 2**20


def run_measured(cmd: Sequence[str | Path]) -> Run:
    """Run a command to the end, with its wall time and peak memory.

    wait4 gives the peak RSS of the largest single process (as /usr/bin/time -f %M does);
    a sampler adds up the process and its workers every 50 ms, for commands that fork.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=err, cwd=ROOT)
        done, tree_peak = threading.Event(), [0.0]

        def sample() -> None:
            while not done.wait(0.05):
                tree_peak[0] = max(tree_peak[0], tree_rss_mb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        return Run(seconds, usage.ru_maxrss / 1024, max(tree_peak[0], usage.ru_maxrss / 1024), proc.returncode,
                   out.read().decode(errors="replace"), err.read().decode(errors="replace"))


def tool(name: str) -> str:
    """A program of the project's virtual environment, else from PATH."""
    local = ROOT / ".venv" / "bin" / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: run `make setup` first")
    return found


def questions(count: int, seed: int) -> list[str]:
    """The dev questions, then questions made from random corpus clauses, count in all."""
    from synth import load_pools

    dev = [json.loads(line)["q"] for line in (ROOT / "tests" / "data" / "dev.jsonl").read_text("utf-8").splitlines()
           if line.strip()]
    pools = load_pools(ROOT / "corpus", made_up_regions=0)
    rng = random.Random(seed)
    made = [rng.choice(TEMPLATES).format(c=rng.choice(pools.clauses)[:24], r=rng.choice(pools.regions))
            for _ in range(max(0, count - len(dev)))]
    return dev + made


def last_line(text: str) -> str:
    """The last non-empty line of an output (an error's message)."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def ingest(folder: Path, db: Path) -> tuple[Run, int | None]:
    """Run `policyqa ingest` into a new database; also the number of items it reported."""
    db.unlink(missing_ok=True)
    run = run_measured([tool("policyqa"), "ingest", "--db", db, folder, "--replace-all"])
    found = re.search(r"indexed \d+ documents, (\d+) items", run.stderr)
    return run, int(found.group(1)) if found else None


def bench_size(size: int, work: Path, qfile: Path, reference: bool) -> dict[str, str]:
    """One row of the table: ingest, then load and query in a worker."""
    folder = OUT / f"synth-{size}"
    row = {"size": f"{size:,}"}
    db = work / f"synth-{size}.db"
    print(f"[{size:,}] ingest {folder.relative_to(ROOT)} …", file=sys.stderr, flush=True)
    run, items = ingest(folder, db)
    if run.code != 0:
        print(f"[{size:,}] ingest failed ({run.code}): {last_line(run.stderr)}", file=sys.stderr)
        return {**row, "ingest s": "failed"}
    if items != size:
        print(f"[{size:,}] warning: ingest reported {items} items", file=sys.stderr)
    row |= {"ingest s": f"{run.seconds:.1f}", "ingest µs/item": f"{run.seconds / size * 1e6:.0f}",
            "ingest peak MB": f"{run.peak_mb:.0f}",
            "ingest all procs MB": f"{run.tree_mb:.0f}"}
    print(f"[{size:,}] load and {'both rankers' if reference else 'default ranker'} …", file=sys.stderr, flush=True)
    cmd = [sys.executable, __file__, "--worker", db, "--questions-file", qfile]
    run = run_measured(cmd + (["--reference-all"] if reference else []))
    if run.code != 0:
        print(f"[{size:,}] worker failed: {last_line(run.stderr)}", file=sys.stderr)
        return {**row, "load s": "failed"}
    got = json.loads(run.stdout)
    row |= {"load s": f"{got['load_s']:.2f}", "query MB": f"{got['query_mb']:.0f}",
            "default p50/p95 ms": f"{got['default']['p50']:.1f} / {got['default']['p95']:.1f}"}
    if reference:
        row |= {"rank-bm25 build s": f"{got['reference_build_s']:.2f}",
                "rank-bm25 p50/p95 ms": f"{got['reference']['p50']:.1f} / {got['reference']['p95']:.1f}"}
    else:
        row |= {"rank-bm25 build s": "skipped: too slow", "rank-bm25 p50/p95 ms": "skipped: too slow"}
    print(f"[{size:,}] {row}", file=sys.stderr, flush=True)
    return row


def cold_ask(work: Path, runs: int) -> str:
    """Median and max wall time of `policyqa ask` as fresh processes on the bundled corpus."""
    db = work / "corpus.db"
    built, _ = ingest(ROOT / "corpus", db)
    if built.code != 0:
        return f"cold ask: corpus ingest failed: {last_line(built.stderr)}"
    times = []
    for _ in range(runs):
        run = run_measured([tool("policyqa"), "ask", "--db", db, COLD_QUESTION])
        if run.code != 0:
            return f"cold ask: failed ({run.code}): {last_line(run.stderr)}"
        times.append(run.seconds)
    return (f"cold `policyqa ask \"{COLD_QUESTION}\"` on the bundled corpus, {runs} fresh processes: "
            f"median {statistics.median(times):.2f} s, max {max(times):.2f} s")


COLUMNS = ("size", "ingest s", "ingest µs/item", "ingest peak MB", "ingest all procs MB", "load s", "query MB", "default p50/p95 ms",
           "rank-bm25 build s", "rank-bm25 p50/p95 ms")


def text_table(rows: list[dict[str, str]]) -> str:
    """The rows as an aligned plain-text table."""
    widths = [max(len(c), *(len(r.get(c, "")) for r in rows)) for c in COLUMNS]
    lines = ["  ".join(c.rjust(w) for c, w in zip(COLUMNS, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(r.get(c, "").rjust(w) for c, w in zip(COLUMNS, widths)) for r in rows]
    return "\n".join(lines)


def markdown(rows: list[dict[str, str]], cold: str, count: int) -> str:
    """The figures as Markdown, with when and where they were taken."""
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    head = [f"Taken {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC at {commit.stdout.strip() or '?'}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}; {count} questions per ranker.", ""]
    table = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    table += ["| " + " | ".join(r.get(c, "") for c in COLUMNS) + " |" for r in rows]
    return "\n".join(head + table + ["", cold, ""])


def main() -> None:
    """Benchmark each size, then the cold ask; print the table and write latest.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000, 100000])
    parser.add_argument("--reference-all", action="store_true", help=f"run rank-bm25 above {REFERENCE_LIMIT:,} items too")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--asks", type=int, default=10, help="fresh `policyqa ask` processes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="keep the databases in this folder (default: a temporary one)")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--questions-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        qs = json.loads(args.questions_file.read_text("utf-8"))
        print(json.dumps(worker(args.worker, qs, args.reference_all)))
        return
    missing = [s for s in args.sizes if not (OUT / f"synth-{s}" / "catalog.toml").exists()]
    if missing:
        raise SystemExit(f"no synthetic plans for {missing}: run .venv/bin/python benchmarks/synth.py "
                         + " ".join(map(str, missing)))
    with tempfile.TemporaryDirectory(prefix="policyqa-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        qs = questions(args.questions, args.seed)
        qfile = work / "questions.json"
        qfile.write_text(json.dumps(qs, ensure_ascii=False), "utf-8")
        rows = [bench_size(s, work, qfile, args.reference_all or s <= REFERENCE_LIMIT) for s in args.sizes]
        print("[cold ask] …", file=sys.stderr, flush=True)
        cold = cold_ask(work, args.asks)
    print(text_table(rows))
    print(cold)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "latest.md").write_text(markdown(rows, cold, len(qs)), "utf-8")
    print(f"written to {(OUT / 'latest.md').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
