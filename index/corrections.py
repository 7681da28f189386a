"""Staff corrections to what the reader took from a plan, and the review that finds what needs one.

corpus/corrections.toml holds one table per item, keyed by document id and item number as printed:

    [zhanjiang-2021.26]
    units = "市政府办公室牵头，市司法局"     # a whole unit cell, split as the reader splits one
    [zhanjiang-2021."7"]
    lead = ["市财政局"]                        # or the bodies by role: lead and/or others
    others = ["市直各单位"]
    deadline = "2021年12月前"

Corrections are applied whenever a plan is read (every ingest, every front end), and the items
they change say so (Item.corrected). A correction naming an item the plan no longer has is reported.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from statistics import median

from index.errors import CorrectionsError
from index.models import LEAD, OTHER, Item, Units
from index.units import split_units, unit_from_name

try:
    from index.units import is_body_name
except ImportError:  # the unit recognizer of issue 9 has not landed yet: the same test, by its word list
    import re

    from index.lexicon import words

    def is_body_name(name: str) -> bool:
        """Whether a name ends like a responsible body, a bracketed aside aside."""
        return re.sub(r"[（(][^（()）]*[）)]$", "", name).endswith(words("unit_body_endings.txt"))


CORRECTIONS = "corrections.toml"
_FIELDS = ("units", "lead", "others", "deadline", "note")
LONG_CELL = 3  # a unit cell with this many times the document's usual characters per body named …
LONG_CELL_MIN = 30  # … and at least this long is doubtful: a sentence read as a unit, say


@dataclass(frozen=True)
class Correction:
    """What a person says one item's units and deadline are (None: leave as read)."""

    doc: str
    number: str
    units: str | None = None
    lead: tuple[str, ...] | None = None
    others: tuple[str, ...] | None = None
    deadline: str | None = None


@dataclass(frozen=True)
class Corrections:
    """Every correction in a corrections file, by document id and item number."""

    path: str = ""
    by_doc: tuple[tuple[str, tuple[Correction, ...]], ...] = ()

    def of(self, doc: str) -> tuple[Correction, ...]:
        """The corrections to one document."""
        return dict(self.by_doc).get(doc, ())


def load_corrections(path: Path) -> Corrections:
    """The corrections in a file (none when it does not exist); a malformed one is a CorrectionsError."""
    if not path.is_file():
        return Corrections(str(path))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CorrectionsError(f"{path}: {exc}") from None
    by_doc = []
    for doc, items in data.items():
        if not isinstance(items, dict):
            raise CorrectionsError(f"{path}: {doc!r} should be a table of items, as [{doc}.26]")
        by_doc.append((doc, tuple(_correction(path, doc, str(n), fields) for n, fields in items.items())))
    return Corrections(str(path), tuple(by_doc))


def _correction(path: Path, doc: str, number: str, fields: object) -> Correction:
    """One item's correction, its fields checked."""
    where = f"{path}: [{doc}.{number}]"
    if not isinstance(fields, dict):
        raise CorrectionsError(f"{where} should be a table (units, lead, others, deadline)")
    unknown = sorted(set(fields) - set(_FIELDS))
    if unknown:
        raise CorrectionsError(f"{where}: unknown field {unknown[0]!r} (fields: {', '.join(_FIELDS)})")
    if "units" in fields and ("lead" in fields or "others" in fields):
        raise CorrectionsError(f"{where}: give units (a whole cell) or lead/others (lists), not both")
    for key in ("lead", "others"):
        if key in fields and not (isinstance(fields[key], list) and all(isinstance(n, str) for n in fields[key])):
            raise CorrectionsError(f'{where}: {key} should be a list of names, as {key} = ["市财政局"]')
    for key in ("units", "deadline"):
        if key in fields and not isinstance(fields[key], str):
            raise CorrectionsError(f"{where}: {key} should be text in quotes")
    lists = {k: tuple(fields[k]) for k in ("lead", "others") if k in fields}
    return Correction(doc, number, fields.get("units"), deadline=fields.get("deadline"), **lists)


def apply_corrections(items: list[Item], corrections: tuple[Correction, ...]) -> tuple[list[Item], tuple[str, ...]]:
    """Items with their corrections applied, and the numbers of corrections naming no item."""
    wanted = {c.number: c for c in corrections}
    out = [_corrected(item, wanted[item.number]) if item.number in wanted else item for item in items]
    present = {item.number for item in items}
    return out, tuple(c.number for c in corrections if c.number not in present)


def _corrected(item: Item, correction: Correction) -> Item:
    """One item as the correction says."""
    units = item.units
    if correction.units is not None:
        units = split_units(correction.units)
    elif correction.lead is not None or correction.others is not None:
        lead = correction.lead if correction.lead is not None else units.lead
        others = correction.others if correction.others is not None else tuple(
            n for n in units.others if n not in lead)
        members = [unit_from_name(n, LEAD) for n in lead] + [unit_from_name(n, OTHER) for n in others]
        raw = "；".join(filter(None, ["、".join(lead) + ("牵头" if lead else ""), "、".join(others)]))
        units = Units(raw, tuple(members))
    deadline = correction.deadline if correction.deadline is not None else item.deadline
    return replace(item, units=units, deadline=deadline or None, corrected=True)


# --- review ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Doubt:
    """Why an item's units may be wrong: kind "no-unit", "not-a-body" (detail: the name) or "long-cell"."""

    kind: str
    detail: str = ""


def doubts(items: list[Item]) -> list[tuple[Item, tuple[Doubt, ...]]]:
    """Every item of a document with what makes its units doubtful (nothing: they look right)."""
    densities = [_per_body(i) for i in items if i.units.members]
    typical = median(densities) if densities else 0
    return [(item, tuple(_doubts(item, typical))) for item in items]


def _per_body(item: Item) -> float:
    """Characters of an item's unit cell per body it names (a long list of bodies is not long)."""
    return len(item.units.raw) / max(1, len(item.units.members))


def _doubts(item: Item, typical: float) -> list[Doubt]:
    """What is doubtful about one item's units, given the document's usual characters per body."""
    if not item.units.members:
        return [Doubt("no-unit")]
    found = [Doubt("not-a-body", u.name) for u in item.units.members if not is_body_name(u.name)]
    if len(item.units.raw) >= LONG_CELL_MIN and _per_body(item) >= LONG_CELL * typical:
        found.append(Doubt("long-cell", str(len(item.units.raw))))
    return found
