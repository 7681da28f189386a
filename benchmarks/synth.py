"""Synthetic plans for the benchmarks, recombined from the real corpus (seeded, streamed to disk).

Each item joins 2–5 clauses cut from real 具体要求 texts (at ，；。) under a real 工作任务, with
a real 落实单位 cell and a real 完成时限 (empty as often as in the corpus). Items are written
1,000 to a file as a row-per-line pipe table, with a catalog.toml giving each file a region:
one of the corpus's regions or a made-up "synth-区01" …

    .venv/bin/python benchmarks/synth.py 1000 10000 100000 [1000000]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere, with or without an install

from index.corpus import ingest  # noqa: E402
from index.parse import parse_plan  # noqa: E402

PER_FILE = 1000
HEADER = "序号 | 工作任务 | 具体要求 | 落实单位 | 完成时限 |"
_CLAUSE_END = re.compile(r"[，；。]")
# A clause must not open like an item number, or the parser would split the cell there.
_LEADING_NUMBER = re.compile(r"^\s*(?:\d{1,3}\s*[.．、]|[（(][\d一二三四五六七八九十]{1,3}[）)]|[一二三四五六七八九十]+、|[●•◆■▪])\s*")
_CELL_BREAKS = re.compile(r"[|｜\r\n]+")


@dataclass(frozen=True)
class Pools:
    """What synthetic items are drawn from, all taken from the real corpus."""

    clauses: list[str]
    tasks: list[str]
    units: list[str]
    deadlines: list[str]  # "" for an item without one, as often as in the corpus
    regions: list[str]
    years: list[int]


def _cell(text: str) -> str:
    """Text safe inside one pipe-table cell."""
    return _CELL_BREAKS.sub(" ", text).strip()


def clauses_of(text: str) -> list[str]:
    """The clauses of a requirement, numbering and punctuation removed."""
    parts = (_LEADING_NUMBER.sub("", _cell(p)) for p in _CLAUSE_END.split(text))
    return [p for p in parts if len(p) >= 4]


def load_pools(corpus: Path, made_up_regions: int) -> Pools:
    """Clauses, tasks, unit cells, deadlines, regions and years of the real plans."""
    result = ingest([corpus])
    items = [i for p in result.parsed for i in p.items]
    if not items:
        raise SystemExit(f"no items read from {corpus}: {[str(e) for e in result.errors]}")
    real_regions = sorted({p.document.region for p in result.parsed if p.document.region})
    return Pools(
        clauses=[c for i in items for c in clauses_of(i.text)],
        tasks=sorted({_cell(i.task) for i in items if i.task.strip()}),
        units=[_cell(i.units.raw) for i in items if i.units.members],
        deadlines=[_cell(i.deadline or "") for i in items],
        regions=real_regions + [f"synth-区{k:02d}" for k in range(1, made_up_regions + 1)],
        years=sorted({p.document.year for p in result.parsed if p.document.year}) or [2021],
    )


def item_row(number: int, pools: Pools, rng: random.Random) -> str:
    """One table row: a task, 2–5 recombined clauses, a unit cell and a deadline."""
    text = "，".join(rng.choice(pools.clauses) for _ in range(rng.randint(2, 5))) + "。"
    return f"{number} | {rng.choice(pools.tasks)} | {text} | {rng.choice(pools.units)} | {rng.choice(pools.deadlines)} |"


def file_sizes(total: int) -> Iterator[int]:
    """Items per file: PER_FILE each, the rest in the last."""
    for start in range(0, total, PER_FILE):
        yield min(PER_FILE, total - start)


def catalog_entry(doc_id: str, file: str, title: str, region: str, year: int) -> str:
    """One [[document]] table of catalog.toml."""
    values = {"id": doc_id, "file": file, "title": title, "region": region}
    # A JSON string of plain text is a valid TOML basic string.
    lines = [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in values.items()]
    return "[[document]]\n" + "\n".join(lines) + f"\nyear = {year}\n\n"


def generate(total: int, out: Path, pools: Pools, seed: int) -> list[Path]:
    """Write total items as plan files plus catalog.toml into out, one file at a time."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in [*out.glob("synth*-*.txt"), out / "catalog.toml"]:  # ours, from an earlier run
        stale.unlink(missing_ok=True)
    rng = random.Random(f"{seed}-{total}")
    paths = []
    with (out / "catalog.toml").open("w", encoding="utf-8") as catalog:
        catalog.write("# Synthetic plans made by benchmarks/synth.py from the corpus; not real documents.\n\n")
        for k, count in enumerate(file_sizes(total), start=1):
            doc_id = f"synth{total}-{k:04d}"
            region, year = rng.choice(pools.regions), rng.choice(pools.years)
            path = out / f"{doc_id}.txt"
            with path.open("w", encoding="utf-8") as plan:
                plan.write(HEADER + "\n")
                for number in range(1, count + 1):
                    plan.write(item_row(number, pools, rng) + "\n")
            title = f"{region}{year}年政务公开工作要点分工方案（合成第{k}号）"
            catalog.write(catalog_entry(doc_id, path.name, title, region, year))
            paths.append(path)
    return paths


def check(path: Path, expected: int) -> bool:
    """Parse a generated file back and print one line on what it gave."""
    items = parse_plan(path.read_text(encoding="utf-8"), path.stem, str(path))
    with_units = sum(1 for i in items if i.units.members)
    with_deadline = sum(1 for i in items if i.deadline)
    ok = len(items) == expected and with_units == expected
    verdict = "ok" if ok else f"FAILED (expected {expected} items, all with units)"
    print(f"check {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
          f"{len(items)} items, {with_units} with units, {with_deadline} with a deadline: {verdict}")
    return ok


def main() -> None:
    """Generate each size asked for."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sizes", nargs="+", type=int, help="numbers of items, e.g. 1000 10000 100000")
    parser.add_argument("--out", type=Path, help="output folder (one size only; default benchmarks/out/synth-<N>/)")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="the real plans to draw from")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--regions", type=int, default=50, help="how many made-up regions besides the real ones")
    args = parser.parse_args()
    if args.out and len(args.sizes) != 1:
        parser.error("--out names the folder of one size: give exactly one")
    pools = load_pools(args.corpus, args.regions)
    print(f"pools: {len(pools.clauses)} clauses, {len(pools.tasks)} tasks, {len(pools.units)} unit cells, "
          f"{len(pools.regions)} regions")
    failed = False
    for total in args.sizes:
        out = args.out or ROOT / "benchmarks" / "out" / f"synth-{total}"
        paths = generate(total, out, pools, args.seed)
        print(f"wrote {total} items in {len(paths)} files to {out}")
        failed |= not check(paths[0], next(file_sizes(total)))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
