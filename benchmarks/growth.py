"""Answer rate and latency as the corpus grows with copies of the same tasks (issue: answers that hold).

The five bundled plans, then copies of the city plans under other places' names (tests/grown.py),
indexed at each size; every question of a set is asked and timed. Prints, per number of plans:
the share of answerable questions answered, the share answered from the same task as at five
plans, the share of out-of-scope questions refused, and the per-question latency.

    .venv/bin/python benchmarks/growth.py                      # 5, 10, 20 plans, dev questions
    .venv/bin/python benchmarks/growth.py --sizes 5 50 --questions tests/data/heldout.jsonl
    .venv/bin/python benchmarks/growth.py --similarity         # where NEAR_SAME comes from
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # run as a script, with or without an install

from bot.answer import Answer, Answerer  # noqa: E402
from bot.tasks import similarity  # noqa: E402
from grown import CORPUS, grow  # noqa: E402
from index.engine import Engine, build_index  # noqa: E402
from index.store import Store  # noqa: E402


def origin(answer: Answer, sources: dict[str, str]) -> set[tuple[str, str]]:
    """(plan, item number) of every item of an answer, a copy counted as the plan it copies."""
    return {(sources.get(h.item.doc, h.item.doc), h.item.number) for h in answer.hits}


def best_of(answer: Answer, sources: dict[str, str]) -> set[tuple[str, str]]:
    """The item an answer leads with (every listed item for a listing), copies as their source."""
    hits = [answer.best] if answer.best else [h for h in answer.hits]
    return {(sources.get(h.item.doc, h.item.doc), h.item.number) for h in hits}


def run(sizes: list[int], records: list[dict], folder: Path) -> None:
    """Index each size, ask every question, print one row per size."""
    print(f"{'plans':>5} {'items':>6} {'index s':>8} {'answered':>9} {'same task':>10} {'refused':>8} "
          f"{'mean ms':>8} {'p50 ms':>7} {'p95 ms':>7}")
    baseline: dict[str, Answer] = {}
    for size in sizes:
        copies = folder / f"copies{size}"
        sources = grow(copies, size) if size > 5 else {}
        db = folder / f"index{size}.db"
        started = time.perf_counter()
        build_index(Store(db), [CORPUS, copies] if sources else [CORPUS])
        built = time.perf_counter() - started
        answerer = Answerer(Engine.open(db)).warm()
        answered = same = refused = answerable = out_of_scope = 0
        times = []
        for record in records:
            started = time.perf_counter()
            answer = answerer.ask(record["q"])
            times.append((time.perf_counter() - started) * 1000)
            if record["kind"] == "none":
                out_of_scope += 1
                refused += answer.no_answer
                continue
            answerable += 1
            answered += not answer.no_answer
            if size == sizes[0]:
                baseline[record["q"]] = answer
            small = baseline.get(record["q"])
            if small is not None and not small.no_answer and not answer.no_answer:
                same += best_of(answer, sources) <= origin(small, {})
        times.sort()
        print(f"{size:>5} {answerer.engine.size:>6} {built:>8.1f} {answered / answerable:>9.1%} "
              f"{same / answerable:>10.1%} {refused / max(out_of_scope, 1):>8.1%} {statistics.mean(times):>8.1f} "
              f"{times[len(times) // 2]:>7.1f} {times[int(len(times) * 0.95)]:>7.1f}")


def show_similarity() -> None:
    """Bigram Jaccard of item pairs in the bundled plans: within a plan (distinct tasks) and across."""
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "index.db"
        build_index(Store(db), [CORPUS])
        items = [item for item, _ in Store(db).items(None)]
    same_plan = sorted(similarity(a.text, b.text) for a, b in itertools.combinations(items, 2) if a.doc == b.doc)
    across = [similarity(a.text, b.text) for a, b in itertools.combinations(items, 2) if a.doc != b.doc]
    print(f"same-plan pairs (distinct tasks): {len(same_plan)}, highest five {[round(x, 2) for x in same_plan[-5:]]}")
    for low in (0.5, 0.6, 0.7, 0.8, 0.9):
        print(f"  pairs of different plans at >= {low}: {sum(x >= low for x in across)}; same plan: {sum(x >= low for x in same_plan)}")


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 10, 20], help="numbers of plans (5 = the bundled ones)")
    parser.add_argument("--questions", type=Path, default=ROOT / "tests" / "data" / "dev.jsonl")
    parser.add_argument("--similarity", action="store_true", help="print the item-similarity figures behind NEAR_SAME")
    args = parser.parse_args()
    if args.similarity:
        show_similarity()
        return
    records = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as folder:
        run(sorted(args.sizes), records, Path(folder))


if __name__ == "__main__":
    main()
