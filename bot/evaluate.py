"""Score answers against a question set (the metrics of the eval README)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.answer import Answer
from index.models import Item
from index.text import squash


@dataclass
class Report:
    """Metric counts and every miss."""

    top1: list[bool] = field(default_factory=list)
    cross: list[tuple[int, int]] = field(default_factory=list)  # (found, expected) per question
    unit: list[tuple[int, int, int]] = field(default_factory=list)  # (right, listed, expected)
    none_ok: list[bool] = field(default_factory=list)
    wrongly_none: int = 0
    answerable: int = 0
    misses: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        """The headline numbers, as shares in [0, 1]."""
        right, listed, expected = (sum(x) for x in zip(*self.unit)) if self.unit else (0, 0, 0)
        return {
            "top1": _share(sum(self.top1), len(self.top1)),
            "cross_region_recall": _share(sum(f for f, _ in self.cross), sum(e for _, e in self.cross)),
            "unit_recall": _share(right, expected),
            "unit_precision": _share(right, listed),
            "no_answer": _share(sum(self.none_ok), len(self.none_ok)),
            "wrongly_not_covered": float(self.wrongly_none),
        }


def _share(part: int, whole: int) -> float:
    """part / whole, 1.0 when there is nothing to count."""
    return part / whole if whole else 1.0


def matches(item: Item, expect: dict) -> bool:
    """True when an answer item is the one an expectation names."""
    if item.doc != expect["doc"]:
        return False
    if "contains" in expect:
        return squash(expect["contains"]) in squash(item.text)
    return item.number == expect["item"]


def evaluate(records: Iterable[dict], ask: Callable[[str], Answer]) -> Report:
    """Ask every question and score the answers."""
    report = Report()
    for record in records:
        answer = ask(record["q"])
        items = [h.item for h in answer.hits]
        expect = record.get("expect", [])
        label = f"{record.get('id', '?')} {record['q']}"
        if record["kind"] == "none":
            report.none_ok.append(answer.no_answer)
            if not answer.no_answer:
                report.misses.append(f"{label}: answered {items[0].doc} {items[0].number}, expected not covered")
            continue
        report.answerable += 1
        if answer.no_answer:
            report.wrongly_none += 1
        if record["kind"] == "unit":
            right = sum(1 for i in items if any(matches(i, e) for e in expect))
            found = sum(1 for e in expect if any(matches(i, e) for i in items))
            report.unit.append((right, len(items), len(expect)))
            if found < len(expect) or right < len(items):
                report.misses.append(f"{label}: listed {[f'{i.doc} {i.number}' for i in items]}")
            continue
        ok = bool(items) and any(matches(items[0], e) for e in expect)
        report.top1.append(ok)
        if not ok:
            got = f"{items[0].doc} {items[0].number}" if items else "not covered"
            report.misses.append(f"{label}: top-1 {got}, expected {_names(expect)}")
        if len({e["doc"] for e in expect}) > 1:
            found = sum(1 for e in expect if any(matches(i, e) for i in items))
            report.cross.append((found, len(expect)))
            if found < len(expect):
                missing = [e for e in expect if not any(matches(i, e) for i in items)]
                report.misses.append(f"{label}: other regions missing {_names(missing)}")
    return report


def _names(expect: list[dict]) -> str:
    """Expectations as short labels."""
    return ", ".join(f"{e['doc']} {e.get('item') or e.get('contains')}" for e in expect)
