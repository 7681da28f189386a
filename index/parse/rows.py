"""Parse a table given as rows of cells (.docx, .html, .pdf tables, pipe-delimited text) into items.

The header row names the columns (index/data/table_layout.toml). A row with fewer cells than
the header lost its leading merged cells (a group's task printed only on its first row), so
it is aligned to the right and the missing cells repeat the row above. A 具体要求 cell may hold
several numbered items, which share the row's unit and deadline cells. Rows with no number
at all are numbered by position. When numbers restart per section (1. 2. under 一、 and again
under 二、), each is labelled with its section: "二、1". The section is the 一、 of the task cell,
or of a section row above: a row whose only cell (merged across the table) heads the rows below.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from index.errors import UnknownLayout
from index.models import Item
from index.parse import cells
from index.parse.numbering import ARABIC_ITEM, BULLETS, NUMERAL, PAREN_ARABIC, PAREN_CHINESE, SECTION
from index.text import join_wrapped
from index.units import split_units

_NUMBER = re.compile(rf"^\s*(?:(\d{{1,3}})\s*[.．、]|[（(](\d{{1,3}})[）)]|([{NUMERAL}]+)\s*[、.．]|[（(]([{NUMERAL}]+)[）)])\s*")
_BULLET = re.compile(rf"^\s*[{BULLETS}]\s*")
# Where a 具体要求 cell starts another numbered item: at a line start, or right after a sentence.
_NUMBERED_LINE = re.compile(rf"(?m)(?:^|(?<=[。；;]))\s*(?=(?:{ARABIC_ITEM}|{PAREN_ARABIC}|[{BULLETS}]))")
# A cell that opens with （一） numbers its items that way (1. lines inside stay with their item).
_CHINESE_ITEM = re.compile(rf"\s*{PAREN_CHINESE}")
_CHINESE_LINE = re.compile(rf"(?m)(?:^|(?<=[。；;]))(?=\s*{PAREN_CHINESE})")
_ITEM_START = re.compile(rf"^\s*(?:\d|[{BULLETS}])")
Cells = Sequence[str | None]  # a row; None is a merged cell that repeats the row above


@dataclass(frozen=True)
class _Row:
    """One body row, cells by column role."""

    task: str
    section: str  # chapter numeral (一) from the task cell or the section row above, or ''
    text: str
    seq: str
    lead: str
    unit: str
    other: str
    deadline: str
    line: int


def find_header(rows: Sequence[Cells]) -> tuple[int, list[str]] | None:
    """Index of the header row and its column roles ('' for an unknown column)."""
    for index, row in enumerate(rows):
        roles = [cells.column_role(c or "") for c in row]
        if sum(1 for r in roles if r) >= 2 and "text" in roles and {"unit", "lead_unit", "task"} & set(roles):
            return index, roles
    return None


def parse_rows(
    rows: Sequence[Cells], doc_id: str, path: str | None = None, lines: Sequence[int] | None = None
) -> list[Item]:
    """Items of a table given as rows (lines: each row's source line, else its position)."""
    found = find_header(rows)
    lines = lines or range(1, len(rows) + 1)
    if found is None:
        raise UnknownLayout("no table header row (具体要求 / 落实单位 …) found", path)
    start, roles = found
    body = _aligned(rows[start + 1 :], roles, lines[start + 1 :])
    drafts = [d for row in body for d in _split_items(row)]
    if not drafts:
        raise UnknownLayout("a table header but no rows under it", path, lines[start])
    return _numbered(drafts, doc_id)


def _flat(cell: str | None) -> str:
    """A cell without any whitespace."""
    return re.sub(r"\s+", "", cell or "")


def _section_title(row: Cells) -> str:
    """The text of a section row (one cell merged across the table, or 一、… and empty cells), else ''."""
    first = (row[0] or "") if row else ""
    if sum(1 for c in row if _flat(c)) != 1 or not _flat(first) or _ITEM_START.match(first):
        return ""
    return first if len(row) == 1 or SECTION.match(first) else ""


def _fill_merged(row: list[str | None], roles: list[str]) -> list[str | None]:
    """A short row with its merged cells put back as None: at the task column, else at the start."""
    missing = len(roles) - len(row)
    if missing <= 0:
        return row
    at = roles.index("task") if "task" in roles else 0
    if at > 0 and not all(_flat(c).rstrip(".．、").isdigit() for c in row[:at]):
        at = 0
    return row[:at] + [None] * missing + row[at:]


def _aligned(rows: Sequence[Cells], roles: list[str], lines: Sequence[int]) -> list[_Row]:
    """Body rows by column role: header repeats and empty rows dropped, short rows right-aligned."""
    previous: list[str] = [""] * len(roles)
    title = ""  # of the section row above, if any
    out = []
    for raw, line in zip(rows, lines):
        if not any(_flat(c) for c in raw) or [cells.column_role(c or "") for c in raw] == roles:
            continue
        if heading := _section_title(raw):
            title = heading
            previous = [title if role == "task" else "" for role in roles]
            continue
        row = _fill_merged(list(raw[: len(roles)]), roles)
        row = [c if c is not None else p for c, p in zip(row, previous)]
        if "task" in roles and not _flat(row[roles.index("task")]):  # a merged task cell left blank
            row[roles.index("task")] = previous[roles.index("task")]
        previous = row
        by = {role: cell for role, cell in zip(roles, row) if role}
        task = by.get("task", title)
        out.append(_Row(
            task=task, section=_section(task) or _section(title), text=by.get("text", ""), seq=_flat(by.get("seq", "")),
            lead=by.get("lead_unit", ""), unit=by.get("unit", ""), other=by.get("other_unit", ""), deadline=by.get("deadline", ""),
            line=line,
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
    splitter = _CHINESE_LINE if _CHINESE_ITEM.match(row.text) else _NUMBERED_LINE
    parts = [p for p in splitter.split(row.text) if p.strip()] or [row.text]
    seq = row.seq.rstrip(".．、")
    drafts = []
    for part in parts:
        match = _NUMBER.match(part) or _BULLET.match(part)
        label = next((g for g in match.groups() if g), "") if match and match.groups() else ""
        if seq:
            label = f"{seq}.{label}" if len(parts) > 1 and label else seq
        body = part[match.end():] if match else part
        drafts.append(_Draft(label, row.section, row, join_wrapped(body.splitlines())))
    return drafts


def _section(task: str) -> str:
    """The chapter numeral of a task cell (一 for '一、做好…'), or ''."""
    match = SECTION.match(task)
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
    return SECTION.sub("", join_wrapped(cell.splitlines())).rstrip("。")


def _unit_cell(row: _Row) -> str:
    """The unit cell; 牵头单位 / 配合单位 columns become one labelled cell."""
    lead, unit, other = (join_wrapped(c.splitlines()) for c in (row.lead, row.unit, row.other))
    parts = [f"牵头单位：{lead}" if lead else "", unit, f"配合单位：{other}" if other else ""]
    return "；".join(p for p in parts if p)
