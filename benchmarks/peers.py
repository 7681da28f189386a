"""policyqa side by side with Tantivy and bm25s: the same items, the same jieba tokens, the same questions.

Prints numbers and never judges them. Needs benchmarks/out/synth-<N>/ from synth.py and the
peers, which are a benchmark extra, not something policyqa needs to run:

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/peers.py --size 10000 [--questions 500] [--k 10]

policyqa ingests the synthetic plans (`policyqa ingest`, a fresh process: its build time is all
of ingest, parsing and segmenting included). Tantivy (tantivy-py) and bm25s index the tokens
policyqa stored for each item, in their own processes, timed around the indexing alone. Each
engine then answers from a query process of its own that opens the index from disk; the
questions, cut once by policyqa's segmenter, go to the three processes in turn (question by
question, the order rotating) so that the machine's drift falls on all of them alike.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench import OUT, ROOT, ingest, questions, run_measured

ENGINES = ("policyqa", "Tantivy", "bm25s")
VARIANTS = {
    "policyqa": "BM25Plus k1 1.5, b 0.75, delta 1 (rank-bm25's), exact top k by MaxScore over ids + counts stored in "
                "SQLite (a count per item for common terms); time includes reading the hits' items",
    "Tantivy": "tantivy-py BM25 k1 1.2, b 0.75 (Lucene's idf), whitespace tokenizer over the stored tokens",
    "bm25s": "BM25+ k1 1.5, b 0.75, delta 1 (delta only on matched terms), float32, loaded without mmap",
}
WARM_UP = 5  # questions asked once, untimed, before the timed round


# --- building the peers' indexes (each in its own process) ---------------------------------------

def build_tantivy(items: list[tuple[int, list[str]]], folder: Path) -> Callable[[], None]:
    """A Tantivy index of the items: the id stored, the tokens as whitespace-separated text."""
    import tantivy

    texts = [(item_id, " ".join(tokens)) for item_id, tokens in items]

    def build() -> None:
        builder = tantivy.SchemaBuilder()
        builder.add_unsigned_field("id", stored=True)
        builder.add_text_field("text", tokenizer_name="whitespace", index_option="freq")
        writer = tantivy.Index(builder.build(), path=str(folder)).writer()
        for item_id, text in texts:
            doc = tantivy.Document()
            doc.add_unsigned("id", item_id)
            doc.add_text("text", text)
            writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()

    return build


def build_bm25s(items: list[tuple[int, list[str]]], folder: Path) -> Callable[[], None]:
    """A bm25s index of the tokens, saved with the item ids in index order."""
    import bm25s

    def build() -> None:
        retriever = bm25s.BM25(method="bm25+", k1=1.5, b=0.75, delta=1.0)
        retriever.index([tokens for _, tokens in items], show_progress=False)
        retriever.save(str(folder), show_progress=False)

    (folder / "ids.json").write_text(json.dumps([item_id for item_id, _ in items]))
    return build


BUILDERS = {"Tantivy": build_tantivy, "bm25s": build_bm25s}


def builder_process(engine: str, tokens_file: Path, folder: Path) -> None:
    """Read the stored tokens, build one peer's index; print the seconds of building and the peak memory."""
    same: dict[str, str] = {}  # one string per distinct token, as an index would hold them
    items = []
    with tokens_file.open(encoding="utf-8") as lines:
        for line in lines:
            item_id, tokens = json.loads(line)
            items.append((item_id, [same.setdefault(t, t) for t in tokens]))
    build = BUILDERS[engine](items, folder)
    start = time.perf_counter()
    build()
    print(json.dumps({"build_s": time.perf_counter() - start, "peak_mb": peak_mb()}))


# --- the query processes: open an index, then answer token lists read from stdin ----------------

def open_policyqa(db: Path) -> Callable[[list[str], int], list]:
    """policyqa's engine.search; the hits as [doc, position] pairs."""
    from index.engine import Engine

    engine = Engine.open(db)
    return lambda tokens, k: [[h.item.doc, h.item.position] for h in engine.search(tokens, k=k)]


def open_tantivy(folder: Path) -> Callable[[list[str], int], list]:
    """A Tantivy searcher: one should-clause per query token; the hits' stored ids."""
    import tantivy

    index = tantivy.Index.open(str(folder))
    index.reload()
    searcher, schema = index.searcher(), index.schema

    def search(tokens: list[str], k: int) -> list:
        query = tantivy.Query.boolean_query([(tantivy.Occur.Should, tantivy.Query.term_query(schema, "text", t))
                                             for t in tokens])
        return [searcher.doc(address)["id"][0] for _, address in searcher.search(query, k).hits]

    return search


def open_bm25s(folder: Path) -> Callable[[list[str], int], list]:
    """A bm25s retriever; the ids of the hits that match at all (bm25s pads with score 0)."""
    import bm25s

    retriever = bm25s.BM25.load(str(folder), show_progress=False)
    ids = json.loads((folder / "ids.json").read_text())
    size = len(ids)

    def search(tokens: list[str], k: int) -> list:
        found = retriever.retrieve([tokens], k=min(k, size), show_progress=False)
        return [ids[d] for d, s in zip(found.documents[0], found.scores[0]) if s > 0]

    return search


OPENERS = {"policyqa": open_policyqa, "Tantivy": open_tantivy, "bm25s": open_bm25s}


def query_process(engine: str, index: Path, k: int) -> None:
    """Answer one JSON token list per stdin line with {ms, hits}; at the end, the peak memory."""
    start = time.perf_counter()
    search = OPENERS[engine](index)
    print(json.dumps({"load_s": time.perf_counter() - start}), flush=True)
    for line in sys.stdin:
        tokens = json.loads(line)
        start = time.perf_counter()
        hits = search(tokens, k)
        ms = (time.perf_counter() - start) * 1000
        print(json.dumps({"ms": ms, "hits": hits}, ensure_ascii=False), flush=True)
    print(json.dumps({"peak_mb": peak_mb()}), flush=True)


def peak_mb() -> float:
    """Peak resident memory of this process since it started, in MB.

    From /proc (VmHWM) rather than getrusage, whose figure can carry over the parent's peak
    from before the exec.
    """
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024


# --- the parent: build, then interleave the questions over the three query processes ------------

def write_tokens(db: Path, path: Path) -> None:
    """[item id, tokens] of every item policyqa stored, one JSON line each."""
    from index.store import Store

    with path.open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(pair, ensure_ascii=False) + "\n" for pair in Store(db).all_tokens().items())


def item_keys(db: Path, ids: set[int]) -> dict[int, list]:
    """[doc, position] of items by id, to compare the peers' hits with policyqa's."""
    from index.store import Store

    return {i: [item.doc, item.position] for i, item in Store(db).items_by_id(sorted(ids)).items()}


def question_tokens(db: Path, texts: list[str]) -> list[list[str]]:
    """Each question cut by policyqa's query segmenter; questions with no token left out."""
    from index.engine import Engine

    segmenter = Engine.open(db).segmenter
    return [tokens for tokens in map(segmenter.tokens, texts) if tokens]


def build_peer(engine: str, tokens_file: Path, folder: Path) -> dict[str, float]:
    """Build one peer's index in a fresh process: seconds of indexing, peak memory of the process (tokens included)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    run = run_measured([sys.executable, __file__, "--build", engine, "--tokens", tokens_file, "--index", folder])
    if run.code != 0:
        raise SystemExit(f"{engine} build failed: {run.stderr.strip().splitlines()[-1:]}")
    built = json.loads(run.stdout)
    return {"build_s": built["build_s"], "build_mb": built["peak_mb"]}


def start_query_process(engine: str, index: Path, k: int) -> tuple[subprocess.Popen, float]:
    """A query process with its index open, and the seconds it took to open it."""
    process = subprocess.Popen([sys.executable, __file__, "--serve", engine, "--index", str(index), "--k", str(k)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8", cwd=ROOT)
    return process, json.loads(_reply(process, engine))["load_s"]


def _reply(process: subprocess.Popen, engine: str) -> str:
    """One line from a query process, or stop when it died."""
    line = process.stdout.readline() if process.stdout else ""
    if not line:
        raise SystemExit(f"the {engine} query process stopped (exit {process.wait()})")
    return line


def _ask(process: subprocess.Popen, engine: str, tokens: list[str]) -> dict[str, Any]:
    """Send one question, wait for its answer."""
    assert process.stdin is not None
    process.stdin.write(json.dumps(tokens, ensure_ascii=False) + "\n")
    process.stdin.flush()
    return json.loads(_reply(process, engine))


def interleave(indexes: dict[str, Path], tokens: list[list[str]], k: int) -> dict[str, dict[str, Any]]:
    """Every question to every engine in turn; per engine: load s, times, hits and peak memory."""
    processes = {engine: start_query_process(engine, index, k) for engine, index in indexes.items()}
    results = {e: {"load_s": load, "ms": [], "hits": []} for e, (_, load) in processes.items()}
    for n, query in enumerate([*tokens[:WARM_UP], *tokens]):
        order = ENGINES[n % 3:] + ENGINES[: n % 3]
        for engine in order:
            answer = _ask(processes[engine][0], engine, query)
            if n >= WARM_UP:
                results[engine]["ms"].append(answer["ms"])
                results[engine]["hits"].append(answer["hits"])
    for engine, (process, _) in processes.items():
        assert process.stdin is not None
        process.stdin.close()
        results[engine]["peak_mb"] = json.loads(_reply(process, engine))["peak_mb"]
        process.wait()
    return results


def overlap(ours: list[list], theirs: list[list]) -> float:
    """Mean share of policyqa's top k that the peer also returned (questions policyqa answers)."""
    shares = [len({tuple(h) for h in a} & {tuple(h) for h in b}) / len(a) for a, b in zip(ours, theirs) if a]
    return statistics.mean(shares) if shares else 0.0


def percentiles(times: list[float]) -> tuple[float, float, float]:
    """p50, p95 and p99 of the times."""
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def table(rows: dict[str, dict[str, Any]]) -> str:
    """The figures per engine, then policyqa's as a multiple of each peer's."""
    head = ("engine", "p50 ms", "p95 ms", "p99 ms", "query RSS MB", "load s", "build s", "build peak MB",
            "top-k overlap")
    lines = [head]
    for engine, r in rows.items():
        p50, p95, p99 = percentiles(r["ms"])
        lines.append((engine, f"{p50:.2f}", f"{p95:.2f}", f"{p99:.2f}", f"{r['peak_mb']:.0f}", f"{r['load_s']:.2f}",
                      _figure(r["build_s"], ".1f"), _figure(r["build_mb"], ".0f"), f"{r['overlap']:.2f}"))
    ours = rows["policyqa"]
    lines.append(("policyqa ÷", "p50", "p95", "p99", "query RSS", "", "build", "", ""))
    for engine, r in rows.items():
        if engine != "policyqa":
            ratios = [a / b for a, b in zip(percentiles(ours["ms"]), percentiles(r["ms"]))]
            lines.append((engine, *(f"{x:.2f}×" for x in ratios), f"{ours['peak_mb'] / r['peak_mb']:.2f}×", "",
                          _figure(ours["build_s"] / r["build_s"], ".1f", "×"), "", ""))
    return "\n".join("| " + " | ".join(line) + " |" for line in [lines[0], ("---",) * len(head), *lines[1:]])


def _figure(value: float, spec: str, unit: str = "") -> str:
    """A figure as printed, or "not timed" for one not measured in this run."""
    return "not timed" if value != value else f"{value:{spec}}{unit}"


def main() -> None:
    """Build the three indexes, interleave the questions, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="items: benchmarks/out/synth-<size>/")
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="keep the indexes in this folder (default: a temporary one)")
    parser.add_argument("--db", type=Path, help="policyqa's index of these items, built already (its build is not timed)")
    parser.add_argument("--build", choices=sorted(BUILDERS), help=argparse.SUPPRESS)
    parser.add_argument("--serve", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--tokens", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        return builder_process(args.build, args.tokens, args.index)
    if args.serve:
        return query_process(args.serve, args.index, args.k)
    folder = OUT / f"synth-{args.size}"
    if not (folder / "catalog.toml").exists():
        raise SystemExit(f"no synthetic plans in {folder}: run .venv/bin/python benchmarks/synth.py {args.size}")
    with tempfile.TemporaryDirectory(prefix="policyqa-peers-") as tmp:
        work = (args.keep or Path(tmp)).resolve()
        work.mkdir(parents=True, exist_ok=True)
        if args.db:  # an index built before (by bench.py --keep, say): its build is not timed here
            from index.store import Store

            db, items = args.db.resolve(), Store(args.db).size()
            builds = {"policyqa": {"build_s": float("nan"), "build_mb": float("nan")}}
        else:
            db = work / f"synth-{args.size}.db"
            print(f"[policyqa] ingest {folder.relative_to(ROOT)} …", file=sys.stderr, flush=True)
            run, items = ingest(folder, db)
            if run.code != 0:
                raise SystemExit(f"policyqa ingest failed: {run.stderr.strip().splitlines()[-1:]}")
            builds = {"policyqa": {"build_s": run.seconds, "build_mb": run.peak_mb}}
        tokens_file = work / "tokens.jsonl"
        write_tokens(db, tokens_file)
        indexes = {"policyqa": db}
        for engine in BUILDERS:
            print(f"[{engine}] build …", file=sys.stderr, flush=True)
            indexes[engine] = work / engine.lower()
            builds[engine] = build_peer(engine, tokens_file, indexes[engine])
        texts = questions(args.questions, args.seed)
        tokens = question_tokens(db, texts)
        print(f"[all] {len(tokens)} questions, interleaved …", file=sys.stderr, flush=True)
        results = interleave(indexes, tokens, args.k)
        peer_ids = {i for e in BUILDERS for hits in results[e]["hits"] for i in hits}
        keys = item_keys(db, peer_ids)
        for engine in BUILDERS:
            results[engine]["hits"] = [[keys[i] for i in hits] for hits in results[engine]["hits"]]
        rows = {e: {**results[e], **builds[e], "overlap": overlap(results["policyqa"]["hits"], results[e]["hits"])}
                for e in ENGINES}
    commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    print(f"{items:,} items, {len(tokens)} questions ({len(texts) - len(tokens)} with no token left out), top {args.k}; "
          f"taken {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC at {commit.stdout.strip() or '?'}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    print(table(rows))
    for engine, variant in VARIANTS.items():
        print(f"- {engine}: {variant}")


if __name__ == "__main__":
    main()
