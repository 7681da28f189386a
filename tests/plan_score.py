"""Score the plan reader against hand-checked gold (tests/data/plans, tests/data/plans-extra).

Every document is read as `policyqa ingest FILE --doc-id --title --region` would read it and compared
with its gold, field by field: found (an item whose text starts like the gold's), bodies (lead and
others as one set), lead/others, deadline, and the item count up to the excerpt's cut (items after
the last gold item are the cut-off tail). Run `python tests/plan_score.py [FOLDER]` for the table.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent))

from index.corpus import read_plan  # noqa: E402
from index.errors import InputError  # noqa: E402
from index.models import Item  # noqa: E402

DATA = Path(__file__).parent / "data"
FIELDS = ("found", "bodies", "lead", "deadline")


def norm(text: str | None) -> str:
    """Width-folded text without whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def key(text: str | None) -> str:
    """The start of a text without punctuation, to find an item by."""
    return norm(re.sub(r"[，,。；;：:、()（）\[\]【】]", "", text or ""))[:16]


@dataclass
class Score:
    """One document's result against its gold."""

    doc: str
    layout: str = ""
    gold: int = 0
    parsed: int = 0
    counted: int = 0  # parsed items up to the last one matched (the excerpt's cut)
    error: str = ""
    hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    misses: list[str] = field(default_factory=list)

    @property
    def count_exact(self) -> bool:
        return not self.error and self.counted == self.gold


def gold_of(folder: Path) -> list[tuple[dict, list[dict]]]:
    """(catalog row, gold items) for every document of a plans folder."""
    rows = list(csv.DictReader((folder / "catalog.tsv").open(encoding="utf-8"), delimiter="\t"))
    return [(r, [json.loads(line) for line in (folder / "gold" / f"{r['doc']}.jsonl").open(encoding="utf-8")
                 if line.strip()]) for r in rows]


def score(folder: Path, row: dict, gold: list[dict]) -> Score:
    """Read one document and compare it with its gold."""
    result = Score(row["doc"], gold=len(gold))
    given = {"id": row["doc"], "title": row["title"], "region": row["region"], "year": int(row["year"]) if row["year"] else None}
    try:
        parsed = read_plan(folder / "docs" / row["file"], given)
    except InputError as exc:
        result.error = str(exc)
        return result
    result.layout, result.parsed = parsed.layout, len(parsed.items)
    last = 0
    for g in gold:
        found = next((i for i, x in enumerate(parsed.items) if key(g["text"]) in key(x.text + x.task)
                      or key(g["text"]) in norm(x.text)), None)
        if found is None:
            result.misses.append(f"{g['item']}: not found ({g['text'][:20]})")
            continue
        last = max(last, found + 1)
        _compare(result, g, parsed.items[found])
    result.counted = last
    return result


def _compare(result: Score, g: dict, item: Item) -> None:
    """Add one gold item's field matches to the score."""
    bodies = {norm(b) for b in g["lead"] + g["others"]}
    got = {norm(b) for b in item.units.lead + item.units.others}
    lead_ok = (not g["others"] and bodies == got) or {norm(b) for b in g["lead"]} == {norm(b) for b in item.units.lead}
    deadline_ok = norm(g.get("deadline")) == norm(item.deadline)
    for name, ok in zip(FIELDS, (True, bodies == got, lead_ok and bodies == got, deadline_ok)):
        result.hits[name] += ok
    if not (bodies == got and lead_ok and deadline_ok):
        result.misses.append(f"{g['item']}: gold {g['lead']} {g['others']} {g.get('deadline')} | read "
                             f"{list(item.units.lead)} {list(item.units.others)} {item.deadline}")


def table(scores: list[Score]) -> str:
    """The per-document table and the totals."""
    lines = [f"{'document':30} {'layout':28} gold parsed found bodies lead deadline count"]
    for s in scores:
        if s.error:
            lines.append(f"{s.doc:30} FAILED: {s.error[:90]}")
            continue
        h = s.hits
        lines.append(f"{s.doc:30} {s.layout:28} {s.gold:4} {s.parsed:6} {h['found']:5} {h['bodies']:6} "
                     f"{h['lead']:4} {h['deadline']:8} {'exact' if s.count_exact else s.counted}")
    total = sum(s.gold for s in scores)
    shares = {f: sum(s.hits[f] for s in scores) / total for f in FIELDS}
    exact = sum(s.count_exact for s in scores)
    lines.append(f"{len(scores)} documents, {total} gold items: " + ", ".join(f"{f} {v:.2f}" for f, v in shares.items())
                 + f", item count exact {exact}/{len(scores)}, failed {sum(1 for s in scores if s.error)}")
    return "\n".join(lines)


def main() -> None:
    """Print the table for each folder named (default: both sets)."""
    folders = [Path(a) for a in sys.argv[1:] if not a.startswith("-")] or [DATA / "plans", DATA / "plans-extra"]
    for folder in folders:
        scores = [score(folder, row, gold) for row, gold in gold_of(folder)]
        print(folder)
        print(table(scores))
        if "-v" in sys.argv:
            for s in scores:
                for miss in s.misses:
                    print(f"  {s.doc}: {miss}")


if __name__ == "__main__":
    main()
