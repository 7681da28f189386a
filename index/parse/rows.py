"""The one back-end that turns table rows into items, whatever layout the rows were read from.

A layout adapter gives a Grid: rows of cells as printed (a .docx/.html/.pdf/.xlsx table, pipe rows,
tab-separated lines), or one run of cells whose row breaks are unknown (a table copied one cell per
line or per paragraph). Here the header (if any) is found, each column gets its role from its header
words and its cells' kinds (index/parse/columns.py), and every row is aligned: a full row by position,
and so a row printed as wide as the header with its last cells empty (unless its cells fit the columns
better moved right); any other short one (merged cells left out, cells shifted) by its cells' kinds.
A cell stream is cut into rows where a cell can only belong to a column left of the last one filled.
Rows holding only headings are section rows; merged heading cells repeat over the rows below; a unit
cell printed once for several rows (merged) covers its group. Items are numbered as printed (the
requirement's own marker, the 序号 column, or a numbered heading of the row's own), else by position;
several numbered requirements in one cell are several items sharing the row's units.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from index.models import LEAD, OTHER, Item, Units
from index.parse import numbering
from index.parse.columns import (
    ACCEPTS, DEADLINE, NOTE, SEQ, TASK, TEXT, UNIT_ROLES, decide, header_role, is_header,
)
from index.parse.kinds import Kind, kind
from index.text import join_wrapped, squash
from index.units import units_from_cells

_ROLE_OF = {"lead_unit": LEAD, "other_unit": OTHER}
_PARTS = re.compile(
    rf"(?m)(?:^|(?<=[。；;]))\s*(?=(?:{numbering.ARABIC_ITEM}|{numbering.PAREN_ARABIC}|{numbering.PAREN_CHINESE}"
    rf"|[{numbering.CIRCLED}{numbering.BULLETS}]))"
)
UNNUMBERED = 99  # section level of a heading without a marker: the innermost
_ITEM_ROLES = (TEXT, *UNIT_ROLES, SEQ)  # a row with none of these is headings only


@dataclass(slots=True)
class Cell:
    """One cell as printed and the source line it starts on; its flat text and marker, which every
    row pass and every column tried asks for, are read once (its kind is remembered by kinds.kind).
    Never changed once made, but not frozen: a frozen dataclass is made at twice the cost, and a
    plan has a cell for every column of every row in each layout read (so its __init__ is written
    out, one call rather than the generated one and __post_init__)."""

    text: str
    line: int
    flat: str = field(init=False, repr=False, compare=False)  # the text without whitespace
    marker: numbering.Marker | None = field(init=False, repr=False, compare=False)

    def __init__(self, text: str, line: int) -> None:
        self.text = text
        self.line = line
        self.flat, self.marker = numbering.flat_marker(text)


@dataclass(frozen=True)
class Grid:
    """Rows of cells as printed; `stream` when it is one run of cells whose row breaks are unknown."""

    rows: list[list[Cell]]
    stream: bool = False


@dataclass(slots=True)
class _Placed:
    """A row with its cells put in columns; `full` when every column was printed (missing = empty)."""

    cells: dict[int, list[Cell]] = field(default_factory=dict)
    empty: set[int] = field(default_factory=set)  # columns printed empty (not merged away)
    full: bool = False
    section: Cell | None = None  # a heading that fits no column: the row is a section row

    def add(self, column: int, cell: Cell) -> None:
        self.cells.setdefault(column, []).append(cell)


@dataclass(slots=True)
class _Record:
    """A body row ready to become items: its headings (outermost first), cells by role, units."""

    headings: list[Cell]
    row: _Placed
    units: Units | None
    line: int


def grid_items(grid: Grid, doc_id: str) -> list[Item]:
    """Items of a table grid; [] when it holds no body rows."""
    if grid.stream:
        header, placed, roles = _read_stream(grid.rows[0] if grid.rows else [])
    else:
        header, placed, roles = _read_rows(grid.rows)
    if not header and not set(roles) & set(UNIT_ROLES):
        return []  # a table with neither a header nor a column of bodies is not a plan's table
    records = _records(placed, roles)
    _spread_units(records, roles)
    return _items(records, roles, doc_id)


# --- header and columns ---------------------------------------------------------------------------

def _trimmed(row: Sequence[Cell]) -> list[Cell]:
    """A row without its trailing empty cells."""
    row = list(row)
    while row and not row[-1].flat:
        row.pop()
    return row


def _read_rows(rows: list[list[Cell]]) -> tuple[list[str], list[_Placed], list[str]]:
    """Header, placed body rows and column roles of a grid whose rows are known."""
    trimmed = [_trimmed(r) for r in rows]
    at = next((i for i, r in enumerate(trimmed) if is_header([c.text for c in r])), None)
    header = [c.text for c in trimmed[at]] if at is not None else []
    start = at + 1 if at is not None else 0
    kept = [(r, len(printed)) for printed, r in zip(rows[start:], trimmed[start:])
            if r and (len(r) != len(header) or [c.text for c in r] != header)]  # a repeated header row left out
    body = [r for r, _ in kept]
    width = max([len(header), *map(len, body)], default=0)
    hinted = ("",) * (width - len(header)) + tuple(header_role(name) for name in header)  # merged headings lead
    # placed by column: a full row, and a row printed with as many cells as the header row (its empty
    # last cells between delimiters) unless its cells fit the columns better moved right
    printed = len(rows[at]) if header and width == len(header) else -1
    by_column = [len(r) == width or (n == printed and _lines_up(r, hinted)) for r, n in kept]
    full = [r for r, up in zip(body, by_column) if up] or body
    kinds = [[kind(r[j].text) for r in full if j < len(r)] for j in range(width)]
    lengths = [_mean([len(r[j].flat) for r in full if j < len(r)]) for j in range(width)]
    roles = decide(list(hinted), kinds, lengths)
    levels = _column_levels(full, roles)
    return header, [_place(r, roles, levels, up) for r, up in zip(body, by_column)], roles


def _read_stream(cells: list[Cell]) -> tuple[list[str], list[_Placed], list[str]]:
    """Header, rows and column roles of one run of cells: the header's width cuts it into rows."""
    count = _header_run(cells)
    header = [c.text for c in cells[:count]]
    hinted = [header_role(name) for name in header]
    if TEXT not in hinted and TASK in hinted:
        hinted[hinted.index(TASK)] = TEXT
    body = cells[count:]
    while body and not body[0].flat:  # the empty cells closing the header row
        body = body[1:]
    placed = _cut(body, hinted)
    width = len(hinted)
    kinds = [[kind(c.text) for p in placed for c in p.cells.get(j, [])] for j in range(width)]
    lengths = [_mean([len(c.flat) for p in placed for c in p.cells.get(j, [])]) for j in range(width)]
    return header, placed, decide(hinted, kinds, lengths)


def _header_run(cells: list[Cell]) -> int:
    """How many cells at the start of a stream are its header (the adapter starts it at the header)."""
    count = 0
    while count < len(cells) and header_role(cells[count].text):
        count += 1
    return count


def _mean(values: list[int]) -> float:
    """Average, 0 for none."""
    return sum(values) / len(values) if values else 0.0


Levels = frozenset[tuple[int, int]]  # (column, marker level) pairs


def _column_levels(rows: list[list[Cell]], roles: list[str]) -> Levels:
    """The marker levels seen in each task column (一、 in one, （一） in the next)."""
    task_columns = [j for j, role in enumerate(roles) if role == TASK]
    return frozenset((j, row[j].marker.level) for row in rows for j in task_columns if j < len(row) and row[j].marker)


# --- placing cells in columns ---------------------------------------------------------------------

def _lines_up(row: list[Cell], roles: tuple[str, ...]) -> bool:
    """True when a row short of the columns fits them as printed at least as well as moved right
    (a row copied with its merged cells left out and its cells moved left fits better moved)."""
    return _kinds_line_up(tuple([kind(c.text) for c in row]), roles)


@lru_cache(maxsize=1 << 12)  # a table's rows repeat a few shapes of kinds: worked out once for each
def _kinds_line_up(kinds: tuple[Kind, ...], roles: tuple[str, ...]) -> bool:
    """_lines_up for a row whose cells are of these kinds."""
    as_printed = _fitting(kinds, roles)
    return all(_fitting(kinds, roles[shift:]) <= as_printed for shift in range(1, len(roles) - len(kinds) + 1))


def _fitting(kinds: Sequence[Kind], roles: Sequence[str]) -> int:
    """How many cells land in a column that takes their kind."""
    return sum(1 for k, role in zip(kinds, roles) if k in ACCEPTS.get(role, ()))


def _place(row: list[Cell], roles: list[str], levels: Levels, by_column: bool) -> _Placed:
    """A row of a known grid in its columns: by position when `by_column`, else by its cells' kinds."""
    filled = [c for c in row if c.flat]
    if len(filled) == 1 and len(roles) > 2 and kind(filled[0].text) in (Kind.HEADING, Kind.SHORT) and (
            numbering.is_chapter_level(filled[0].marker) or row[0] is filled[0]):
        return _Placed(section=filled[0])  # one heading alone in its row: merged across the table
    if by_column:
        cells = {j: [cell] for j, cell in enumerate(row) if cell.flat}
        if len(row) == len(roles):
            return _Placed(cells, full=True)
        # a short row: its empty last cells count as not printed (a merged unit cell covers them) and
        # the empty cells after a printed one hold their columns, as when placed by kinds
        return _Placed(cells, set(range(min(cells), len(row))) - set(cells))
    placed = _Placed()
    last = -1
    for cell, following in zip(row, _following(row)):
        if not cell.flat:
            if last >= 0 and last + 1 < len(roles):  # an empty cell after a printed one holds its column
                last += 1
                placed.empty.add(last)
            continue
        column = _column(cell, roles, last, levels, following)
        if column is None and len(filled) == 1 and kind(cell.text) in (Kind.HEADING, Kind.SHORT):
            return _Placed(section=cell)  # a heading merged across the table
        if column is None:
            column = last + 1 if last + 1 < len(roles) else None
        if column is None:
            continue
        placed.add(column, cell)
        last = column
    return placed


def _cut(cells: list[Cell], roles: list[str]) -> list[_Placed]:
    """A stream of cells cut into rows: a cell that fits no column right of the last one starts a row."""
    rows: list[_Placed] = []
    current = _Placed()
    last = -1
    for cell, following in zip(cells, _following(cells)):
        if not cell.flat:  # an empty cell holds the next column, or opens the next row
            if last + 1 >= len(roles):
                rows.append(current)
                current, last = _Placed(), -1
            last += 1
            current.empty.add(last)
            continue
        cell_kind = kind(cell.text)
        column = _column(cell, roles, last, frozenset(), following)
        if column is None and cell_kind is Kind.UNIT and last >= 0 and roles[last] in UNIT_ROLES:
            current.add(last, cell)  # a second unit block under the same row (市直 …, then 各镇 …)
            continue
        if column is None:
            rows.append(current)
            current, last = _Placed(), -1
            column = _column(cell, roles, last, frozenset(), following)
        if column is None:
            if cell_kind is Kind.HEADING or cell_kind is Kind.SHORT:
                rows.append(_Placed(section=cell))
            continue
        current.add(column, cell)
        last = column
    rows.append(current)
    return [r for r in rows if r.cells or r.section]


def _following(cells: list[Cell]) -> list[Kind]:
    """For each cell, the kind of the next non-empty cell after it (EMPTY at the end)."""
    after: list[Kind] = []
    next_kind = Kind.EMPTY
    for cell in reversed(cells):
        after.append(next_kind)
        if cell.flat:
            next_kind = kind(cell.text)
    return after[::-1]


def _column(cell: Cell, roles: list[str], last: int, levels: Levels, following: Kind) -> int | None:
    """The first column right of `last` that takes this cell's kind (a note column only as a last resort)."""
    return _fit(kind(cell.text), cell.marker.level if cell.marker else None, tuple(roles), last, levels, following)


@lru_cache(maxsize=1 << 12)  # a table's rows repeat a few shapes: worked out once for each
def _fit(cell_kind: Kind, level: int | None, roles: tuple[str, ...], last: int, levels: Levels,
         following: Kind) -> int | None:
    """_column for a cell of this kind whose number marker is of this level (None: no marker)."""
    chapter = numbering.heads_group(level)
    candidates = [j for j in range(last + 1, len(roles)) if cell_kind in ACCEPTS.get(roles[j], set())]
    if roles and TEXT in roles and cell_kind in (Kind.HEADING, Kind.SHORT):
        # a heading goes to the text column only when no requirement follows it to fill that column
        if chapter or following is Kind.TEXT or any(roles[j] == TASK for j in candidates):
            candidates = [j for j in candidates if roles[j] != TEXT] or (
                [] if chapter or following is Kind.TEXT else candidates)
    proper = [j for j in candidates if roles[j] != NOTE]
    if level is not None and levels:
        matching = [j for j in proper if (j, level) in levels]
        proper = matching or proper
    if proper:
        return proper[0]
    return candidates[0] if candidates else None


# --- records: headings, merged cells, section rows ------------------------------------------------

def _is_section(row: _Placed, heading_columns: set[int]) -> bool:
    """A row with headings only (cells in task and note columns): no requirement, no unit, no number of its own."""
    if row.section is not None:
        return True
    return not row.full and bool(row.cells) and heading_columns.issuperset(row.cells)


def _level(cell: Cell) -> int:
    """The nesting level of a heading by its marker (一、 outermost); unnumbered headings innermost."""
    found = cell.marker
    return found.level if found else UNNUMBERED


def _records(placed: list[_Placed], roles: list[str]) -> list[_Record]:
    """Body rows with their headings: section rows nest by marker, merged task cells repeat below."""
    sections: list[Cell] = []
    tasks: dict[int, Cell] = {}
    # the columns of each role, found once for all the rows
    task_columns = [j for j, r in enumerate(roles) if r == TASK]
    heading_columns = {j for j, r in enumerate(roles) if r in (TASK, NOTE)}
    item_columns = {j for j, r in enumerate(roles) if r in _ITEM_ROLES}
    unit_columns = [(j, _ROLE_OF.get(r)) for j, r in enumerate(roles) if r in UNIT_ROLES]
    records = []
    for row in placed:
        if _is_section(row, heading_columns):
            heading = row.section or row.cells[min(row.cells)][0]
            sections = [c for c in sections if _level(c) < _level(heading)] + [heading]
            tasks = {}
            continue
        own = {j: row.cells[j][0] for j in task_columns if j in row.cells}
        if own:
            first = min(own)
            tasks = {j: c for j, c in tasks.items() if j < first}  # a new outer heading restarts inner ones
        if row.full:
            tasks = {j: c for j, c in tasks.items() if j in own}
        tasks.update(own)
        headings = sections + [tasks[j] for j in sorted(tasks)]
        if item_columns.isdisjoint(row.cells):
            continue
        units = _units(row, unit_columns)
        line = min([c.line for cells in row.cells.values() for c in cells])
        records.append(_Record(headings, row, units, line))
    return records


def _units(row: _Placed, unit_columns: list[tuple[int, str | None]]) -> Units | None:
    """The row's units from every unit column (its index and the role it gives), lead and other
    columns giving their role; None if absent."""
    cells = tuple([(c.text, role) for j, role in unit_columns if j in row.cells for c in row.cells[j]])
    if not cells:
        return None
    return units_from_cells(cells)


def _spread_units(records: list[_Record], roles: list[str]) -> None:
    """Rows missing their unit cell (merged, printed once for a group) take the group's printed one."""
    groups: dict[tuple[int, ...], list[_Record]] = {}
    for record in records:
        groups.setdefault(tuple(map(id, record.headings)), []).append(record)
    for group in groups.values():
        have = [i for i, r in enumerate(group) if r.units is not None]
        if not have or len(have) == len(group):
            continue
        after = group[-1].units is not None and group[0].units is None  # printed on the group's last row
        for i, record in enumerate(group):
            printed = record.row.full or any(roles[j] in UNIT_ROLES for j in record.row.empty)
            if record.units is not None or printed:
                continue
            later = [k for k in have if k > i]
            earlier = [k for k in have if k < i]
            source = (later[0] if later else earlier[-1]) if after else (earlier[-1] if earlier else later[0])
            record.units = group[source].units


# --- items ----------------------------------------------------------------------------------------

class _Draft(NamedTuple):
    """An item before its final number."""

    label: str
    text: str
    record: _Record
    title: Cell | None


_NO_UNITS = Units("")


def _items(records: list[_Record], roles: list[str], doc_id: str) -> list[Item]:
    """Items from records: numbered as printed when every one is, else by position."""
    uses = Counter(id(c) for r in records for c in r.headings)
    text_columns, seq_columns, deadline_columns = ([j for j, r in enumerate(roles) if r == role]
                                                   for role in (TEXT, SEQ, DEADLINE))
    drafts = [d for r in records for d in _drafts(r, text_columns, seq_columns, uses)]
    labels = [d.label for d in drafts]
    printed = all(labels)
    restarts = printed and len(set(labels)) < len(labels)
    items = []
    for position, draft in enumerate(drafts, 1):
        number = draft.label if printed else str(position)
        if restarts and (chapter := _chapter(draft.record)):
            number = f"{chapter}{draft.label}"
        record = draft.record
        cells = record.row.cells
        deadline = "；".join([join_wrapped(c.text.split("\n")) for j in deadline_columns if j in cells for c in cells[j]])
        items.append(Item(
            doc=doc_id, number=number, task=_task(record, draft.title), text=draft.text,
            units=record.units or _NO_UNITS, deadline=deadline or None, line=record.line, position=position,
        ))
    return items


def _drafts(record: _Record, text_columns: list[int], seq_columns: list[int], uses: Counter) -> list[_Draft]:
    """The items of one record: one per numbered part of its requirement cell."""
    cells = record.row.cells
    texts = [c for j in text_columns if j in cells for c in cells[j]]
    # one requirement cell (most rows): its flat text and marker are read already
    whole = texts[0] if len(texts) == 1 else Cell("\n".join(c.text for c in texts), 0)
    seqs = [c.flat.strip(".．、") for j in seq_columns if j in cells for c in cells[j]]
    seq = seqs[0] if seqs else ""
    own = [c for c in record.headings if uses[id(c)] == 1 and c.marker]
    title = own[-1] if own and not seq else None
    parts = _split(whole)
    drafts = []
    for part, flat, found in parts:
        label = found.label if found else ""
        body = flat[found.end:] if found else part
        if seq:
            label = f"{seq}.{label}" if len(parts) > 1 and label else seq
        elif not label and title is not None:
            label = title.marker.label
        drafts.append(_Draft(label.rstrip("、"), join_wrapped(body.split("\n")), record, title))
    return drafts


def _split(cell: Cell) -> list[tuple[str, str, numbering.Marker | None]]:
    """A requirement cell cut before each numbered part, when it opens with one; else whole:
    (text, flat text, marker) of each part."""
    if not cell.marker:
        return [(cell.text, cell.flat, cell.marker)]
    texts = [p for p in _PARTS.split(cell.text) if p.strip()]
    parts = [(p, flat, numbering.marker(flat)) for p, flat in zip(texts, map(squash, texts))]
    same = all(m and m.level == cell.marker.level for _, _, m in parts)
    return parts if same else [(cell.text, cell.flat, cell.marker)]


def _chapter(record: _Record) -> str:
    """The 一、 label of the outermost chapter heading above a record, or ''."""
    for cell in record.headings:
        found = cell.marker
        if found and found.level == numbering.CHAPTER:
            return found.label
    return ""


def _task(record: _Record, title: Cell | None) -> str:
    """What the item falls under: its own heading (title), else the innermost heading; a chapter's 一、 and a final 。 removed."""
    chosen = title or (record.headings[-1] if record.headings else None)
    return _heading_name(chosen.text) if chosen is not None else ""


@lru_cache(maxsize=1 << 12)  # the same heading is over many items
def _heading_name(heading: str) -> str:
    """A heading's text without its chapter number (一、) or final 。."""
    return numbering.SECTION.sub("", join_wrapped(heading.split("\n"))).rstrip("。")
