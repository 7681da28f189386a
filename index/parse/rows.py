"""Parse a table given as rows of cells (.docx, .html, .pdf tables, pipe-delimited text) into items.

The header row names the columns (index/data/table_layout.toml). A row with fewer cells than
the header lost its leading merged cells (a group's task printed only on its first row), so
it is aligned to the right and the missing cells repeat the row above. A 具体要求 cell may hold
several numbered items, which share the row's unit and deadline cells. Rows with no number
at all are numbered by position. When numbers restart per section (1. 2. under 一、 and again
under 二、), each is labelled with its section: "二、1".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.errors import UnknownLayout
from index.models import Item
from index.parse import cells
from index.text import join_wrapped
from index.units import split_units

_NUMBER = re.compile(r"^\s*(?:(\d{1,3})\s*[.．、]|[（(](\d{1,3})[）)]|([一二三四五六七八九十]+)\s*[、.．]|[（(]([一二三四五六七八九十]+)[）)])\s*")
_BULLET = re.compile(r"^\s*[●•◆■▪]\s*")
_SECTION = re.compile(r"^\s*([一二三四五六七八九十百]+)\s*[、.．]")
# Where a 具体要求 cell starts another numbered item: at a line start, or right after a sentence.
_NUMBERED_LINE = re.compile(r"(?m)(?:^|(?<=[。；;]))\s*(?=(?:\d{1,3}\s*[.．、](?!\d)|[（(]\d{1,3}[）)]|[●•◆■▪]))")


@dataclass(frozen=True)
class _Row:
    """One body row, cells by column role."""

    task: str
    text: str
    seq: str
    lead: str
    unit: str
    other: str
    deadline: str
    line: int


def find_header(rows: list[list[str]]) -> tuple[int, list[str]] | None:
    """Index of the header row and its column roles ('' for an unknown column)."""
    known = cells.column_roles()
    for index, row in enumerate(rows):
        names = [_flat(c) for c in row]
        roles = [known.get(n, "") for n in names]
        if sum(1 for r in roles if r) >= 2 and "text" in roles and {"unit", "lead_unit", "task"} & set(roles):
            return index, roles
    return None


def parse_rows(rows: list[list[str]], doc_id: str, path: str | None = None) -> list[Item]:
    """Items of a table given as rows; raises UnknownLayout when no header row is found."""
    found = find_header(rows)
    if found is None:
        raise UnknownLayout("no table header row (具体要求 / 落实单位 …) found", path)
    start, roles = found
    body = _aligned(rows[start + 1 :], roles, start + 2)
    drafts = [d for row in body for d in _split_items(row)]
    if not drafts:
        raise UnknownLayout("a table header but no rows under it", path, start + 1)
    return _numbered(drafts, doc_id)


def _flat(cell: str | None) -> str:
    """A cell without any whitespace."""
    return re.sub(r"\s+", "", cell or "")


def _fill_merged(row: list[str | None], roles: list[str]) -> list[str | None]:
    """A short row with its merged cells put back as None: at the task column, else at the start."""
    missing = len(roles) - len(row)
    if missing <= 0:
        return row
    at = roles.index("task") if "task" in roles else 0
    if at > 0 and not all(_flat(c).rstrip(".．、").isdigit() for c in row[:at]):
        at = 0
    return row[:at] + [None] * missing + row[at:]


def _aligned(rows: list[list[str]], roles: list[str], first_line: int) -> list[_Row]:
    """Body rows by column role: header repeats and empty rows dropped, short rows right-aligned."""
    header = [r for r in roles]
    previous: list[str] = [""] * len(roles)
    out = []
    for offset, raw in enumerate(rows):
        if not any(_flat(c) for c in raw) or [cells.column_roles().get(_flat(c), "") for c in raw] == header:
            continue
        row = _fill_merged(list(raw[: len(roles)]), roles)
        row = [c if c is not None else p for c, p in zip(row, previous)]
        if "task" in roles and not _flat(row[roles.index("task")]):  # a merged task cell left blank
            row[roles.index("task")] = previous[roles.index("task")]
        previous = row
        by = {role: cell for role, cell in zip(roles, row) if role}
        out.append(_Row(
            task=by.get("task", ""), text=by.get("text", ""), seq=_flat(by.get("seq", "")),
            lead=by.get("lead_unit", ""), unit=by.get("unit", ""), other=by.get("other_unit", ""), deadline=by.get("deadline", ""),
            line=first_line + offset,
        ))
    return out


@dataclass(frozen=True)
class _Draft:
    """An item before numbering."""

    label: str  # as printed in the cell or the 序号 column ('' when none)
    section: str
    row: _Row
    text: str


def _split_items(row: _Row) -> list[_Draft]:
    """The items of one row: one per numbered part of its 具体要求 cell."""
    section = _section(row.task)
    parts = [p for p in _NUMBERED_LINE.split(row.text) if p.strip()] or [row.text]
    seq = row.seq.rstrip(".．、")
    drafts = []
    for part in parts:
        match = _NUMBER.match(part) or _BULLET.match(part)
        label = next((g for g in match.groups() if g), "") if match and match.groups() else ""
        if seq:
            label = f"{seq}.{label}" if len(parts) > 1 and label else seq
        body = part[match.end():] if match else part
        drafts.append(_Draft(label, section, row, join_wrapped(body.splitlines())))
    return drafts


def _section(task: str) -> str:
    """The chapter numeral of a task cell (一 for '一、做好…'), or ''."""
    match = _SECTION.match(task)
    return match.group(1) if match else ""


def _numbered(drafts: list[_Draft], doc_id: str) -> list[Item]:
    """Items with final numbers: as printed, by section when they restart, else by position."""
    labels = [d.label for d in drafts]
    printed = all(labels)
    restarts = printed and len(set(labels)) < len(labels)
    items = []
    for position, draft in enumerate(drafts, 1):
        if not printed:
            number = str(position)
        elif restarts and draft.section:
            number = f"{draft.section}、{draft.label}"
        else:
            number = draft.label
        items.append(Item(
            doc=doc_id, number=number, task=_task(draft.row.task), text=draft.text,
            units=split_units(_unit_cell(draft.row)), deadline=join_wrapped(draft.row.deadline.splitlines()) or None,
            line=draft.row.line, position=position,
        ))
    return items


def _task(cell: str) -> str:
    """A task cell without its numbering or final 。."""
    return _SECTION.sub("", join_wrapped(cell.splitlines())).rstrip("。")


def _unit_cell(row: _Row) -> str:
    """The unit cell; 牵头单位 / 配合单位 columns become one labelled cell."""
    lead, unit, other = (join_wrapped(c.splitlines()) for c in (row.lead, row.unit, row.other))
    parts = [f"牵头单位：{lead}" if lead else "", unit, f"配合单位：{other}" if other else ""]
    return "；".join(p for p in parts if p)
