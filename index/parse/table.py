"""Parse a plan table from extracted text (PDF or DOCX text flow) into items.

The text flow of a table prints, row after row, the lines of each column in turn:
task lines, the numbered requirement(s), the unit cell, the deadline cell. Cells wrap to
their column's width, a page break may cut any of them, and a vertically merged unit cell
is printed once, either after the last item of its group or after the first. The scanner
below reads the lines in order and assigns each to a column using only general cues:
item numbers in sequence, sentence ends, the width of a line against the text column,
and whether a fragment reads as a unit cell or a deadline (words in index/data/).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from index.errors import UnknownLayout
from index.models import Item
from index.parse import cells
from index.parse.numbering import SECTION
from index.text import clean_line, join_wrapped, width
from index.units import split_units

TASK, TEXT, UNIT, DEADLINE = "task", "text", "unit", "deadline"
_ITEM_START = re.compile(r"^(?P<prefix>\S*?)(?P<num>\d{1,5})\s*[.．、](?!\d+[.．、])")
_PAGE_NUMBER = re.compile(r"^(?:[-—–－]\s*\d+\s*[-—–－]|第\s*\d+\s*页.*)$")
_GAP = re.compile(r"(?<=[^\sA-Za-z0-9])\s+(?=[\u4e00-\u9fff])")
WIDE = 0.75  # a line this close to the text column's width belongs to the text column
FULL = 0.8  # a cell line this close to its column's widest line is not the cell's last


@dataclass
class _Cell:
    """A unit or deadline cell being read, anchored to the item it was printed after."""

    anchor: int
    parts: list[str] = field(default_factory=list)
    widest: float = 0.0

    def add(self, text: str) -> None:
        """Append one line of the cell."""
        self.parts.append(text)

    @property
    def text(self) -> str:
        """The cell so far, wrapping removed."""
        return join_wrapped(self.parts)


@dataclass
class _Draft:
    """An item being read."""

    number: str
    line: int
    task: int
    parts: list[str] = field(default_factory=list)


@dataclass
class _Table:
    """Everything read from one table."""

    columns: list[str]
    items: list[_Draft] = field(default_factory=list)
    tasks: list[list[str]] = field(default_factory=list)
    units: dict[int, _Cell] = field(default_factory=dict)
    deadlines: dict[int, _Cell] = field(default_factory=dict)


def find_header(lines: list[tuple[int, str]]) -> tuple[int, list[str]] | None:
    """Index just past the first table header and its column roles (one or several lines)."""
    for i, (_, text) in enumerate(lines):
        roles = cells.header_roles(text)
        if roles:
            return i + 1, roles
        j, names = i, []
        while j < len(lines) and cells.column_roles().get(lines[j][1]):
            names.append(lines[j][1])
            j += 1
        roles = cells.header_roles(" ".join(names)) if len(names) > 1 else None
        if roles:
            return j, roles
    return None


def _lines(text: str) -> list[tuple[int, str]]:
    """Non-empty cleaned lines with their 1-based numbers, page numbers dropped."""
    lines = [(n, clean_line(raw)) for n, raw in enumerate(text.splitlines(), 1)]
    return [(n, t) for n, t in lines if t and not _PAGE_NUMBER.match(t)]


def has_table(text: str) -> bool:
    """True when text holds a table header."""
    return find_header(_lines(text)) is not None


def parse_table(text: str, doc_id: str, path: str | None = None) -> list[Item]:
    """Items of the first table in text; raises UnknownLayout when there is none."""
    lines = _lines(text)
    found = find_header(lines)
    if not found:
        raise UnknownLayout("no table header (工作任务 / 具体要求 / 落实单位 …) found", path)
    start, columns = found
    body = _body(lines[start:], columns)
    scanner = _Scanner(_Table(columns), _text_width(body, columns), [text for _, text in body])
    for index, (number, line) in enumerate(body):
        scanner.feed(index, number, line)
    if not scanner.table.items:
        raise UnknownLayout("a table header but no numbered items under it", path, lines[start - 1][0])
    return _build(scanner.table, doc_id)


def _body(lines: list[tuple[int, str]], columns: list[str]) -> list[tuple[int, str]]:
    """Table lines after the header: repeated page headers dropped, stopped at the trailer."""
    body = []
    for number, text in lines:
        if cells.is_trailer(text):
            break
        if cells.header_roles(text) == columns or cells.column_roles().get(text):
            continue
        body.append((number, text))
    return body


def _text_width(body: list[tuple[int, str]], columns: list[str]) -> float:
    """The requirement column's width: a high quantile of the widths of item first lines."""
    expected, widths = 1, []
    for _, text in body:
        match = _ITEM_START.match(text)
        if match and int(match["num"]) == expected:
            widths.append(width(_split_side(text, columns)[0]))
            expected += 1
    if len(widths) < 2:
        return max(widths, default=40.0)
    return statistics.quantiles(widths, n=4)[2]


def _split_side(text: str, columns: list[str]) -> tuple[str, str | None, str | None]:
    """Split a line where two columns were printed side by side: (left, right, right's column)."""
    for gap in reversed(list(_GAP.finditer(text))):
        left, right = text[: gap.start()], text[gap.end() :]
        if cells.is_unit_cell(right) or cells.is_role_only(right):
            return left, right, UNIT
        if DEADLINE in columns and cells.is_deadline_start(right) and cells.is_unit_cell(left):
            return left, right, DEADLINE
    return text, None, None


class _Scanner:
    """Assigns each body line to a column and builds the table."""

    def __init__(self, table: _Table, text_width: float, lines: list[str]) -> None:
        self.table = table
        self.text_width = text_width
        self.lines = lines
        self.index = 0
        self.unit_width = 0.0
        self.phase = TASK
        self.pending_task: list[str] = []
        self.deadline_width = 0.0

    # --- reading -------------------------------------------------------------------------

    def feed(self, index: int, number: int, line: str) -> None:
        """Read one body line (index: its place in the body, for looking ahead)."""
        self.index = index
        left, right, right_column = _split_side(line, self.table.columns)
        if right_column is not None:
            self._place(number, left, TEXT if right_column == UNIT else UNIT)
            self._place(number, right, right_column)
        else:
            self._place(number, left, None)

    def _place(self, number: int, text: str, forced: str | None) -> None:
        """Put a line (or one side of it) into its column."""
        match = _ITEM_START.match(text)
        if match and self._is_next_item(match):
            if match["prefix"]:
                self._add(match["prefix"], UNIT)
            self._start_item(number, match["num"], text[match.end() :])
            return
        self._add(text, forced or self._classify(text))

    def _is_next_item(self, match: re.Match[str]) -> bool:
        """True when the number continues the sequence and any glued prefix is a unit cell."""
        expected = len(self.table.items) + 1
        prefix_ok = not match["prefix"] or cells.is_unit_cell(match["prefix"])
        return int(match["num"]) == expected and prefix_ok

    def _start_item(self, number: int, label: str, rest: str) -> None:
        """Open a new item, closing the task lines read before it."""
        if self.pending_task or not self.table.tasks:
            self.table.tasks.append(self.pending_task)
            self.pending_task = []
        draft = _Draft(label, number, len(self.table.tasks) - 1)
        self.table.items.append(draft)
        self.phase = TEXT
        if rest.strip():
            draft.parts.append(rest)

    def _add(self, text: str, column: str) -> None:
        """Append text to the column it was assigned to."""
        items = self.table.items
        if column == TEXT and items:
            if self.pending_task:
                self.table.tasks[items[-1].task].extend(self.pending_task)
                self.pending_task = []
            items[-1].parts.append(text)
        elif column == UNIT and items:
            self._cell(self.table.units).add(text)
            self.unit_width = max(self.unit_width, width(text))
        elif column == DEADLINE and items:
            cell = self._cell(self.table.deadlines)
            cell.add(text)
            cell.widest = max(cell.widest, width(text))
            self.deadline_width = max(self.deadline_width, width(text))
        else:
            self.pending_task.append(text)
            column = TASK
        self.phase = column
        self.last_width = width(text)

    def _cell(self, cells_by_item: dict[int, _Cell]) -> _Cell:
        """The cell of that kind anchored to the current item, created on first use."""
        anchor = len(self.table.items) - 1
        return cells_by_item.setdefault(anchor, _Cell(anchor))

    # --- deciding ------------------------------------------------------------------------

    def _classify(self, text: str) -> str:
        """The column of a line that is not an item start, from the phase and the line itself."""
        wide = width(text) >= WIDE * self.text_width
        if self.phase == TEXT:
            return self._after_text(text, wide)
        if self.phase == UNIT:
            return self._after_unit(text, wide)
        if wide and self.table.items and not cells.is_unit_cell(text):
            return TEXT
        if self.phase == DEADLINE and self._deadline_open():
            return DEADLINE
        return UNIT if self._open_unit() else TASK

    def _after_text(self, text: str, wide: bool) -> str:
        """Column of a line read while in the requirement text."""
        if not wide and self._open_unit() and self._completes_unit(text):
            return UNIT
        last = self.table.items[-1].parts[-1] if self.table.items[-1].parts else ""
        if last and not cells.is_terminated(last):
            if wide or cells.is_terminated(text) or not (self._is_deadline(text) or self._unit_cell_ahead()):
                return TEXT
            return self._unit_or_deadline(text)
        if wide and not cells.is_unit_cell(text):
            return TEXT
        if cells.is_terminated(text) and not cells.is_unit_cell(text):
            return TEXT
        anchor = len(self.table.items) - 1
        if self._is_deadline(text):
            return DEADLINE
        if anchor in self.table.units or SECTION.match(text) or not self._unit_cell_ahead():
            return TASK
        return UNIT

    def _unit_cell_ahead(self) -> bool:
        """True when the lines from here on, up to the next item or deadline, start with a whole unit cell."""
        parts: list[str] = []
        for line in self.lines[self.index :]:
            match = _ITEM_START.match(line)
            if (match and int(match["num"]) == len(self.table.items) + 1) or self._is_deadline(line):
                break
            parts.append(_split_side(line, self.table.columns)[0])
            if cells.is_unit_cell(join_wrapped(parts)):
                return True
        return False

    def _after_unit(self, text: str, wide: bool) -> str:
        """Column of a line read while in a unit cell."""
        if self._is_deadline(text):
            return DEADLINE
        if wide and not cells.is_unit_cell(text):
            return TEXT
        if not cells.unit_cell_closed(self._current(self.table.units)) or cells.continues_cell(text):
            return UNIT
        full = self.last_width >= FULL * self.unit_width
        return UNIT if full and cells.is_unit_cell(text) else TASK

    def _deadline_open(self) -> bool:
        """True when the deadline cell being read goes on (its last line filled the column)."""
        cell = self._current(self.table.deadlines)
        short = self.last_width < FULL * self.deadline_width
        return not short and not cells.deadline_cell_closed(cell)

    def _unit_or_deadline(self, text: str) -> str:
        """A line after the requirement text: the deadline if it reads as one, else the unit cell."""
        return DEADLINE if self._is_deadline(text) else UNIT

    def _is_deadline(self, text: str) -> bool:
        """True when the table has a deadline column and text opens a deadline."""
        return DEADLINE in self.table.columns and cells.is_deadline_start(text)

    def _current(self, cells_by_item: dict[int, _Cell]) -> str:
        """Text of the current item's cell of that kind ('' when none)."""
        cell = cells_by_item.get(len(self.table.items) - 1)
        return cell.text if cell else ""

    def _completes_unit(self, text: str) -> bool:
        """True when text finishes the current item's cut-off unit cell."""
        joined = join_wrapped([self._current(self.table.units), text])
        return cells.unit_cell_closed(joined) and cells.is_unit_cell(joined)

    def _open_unit(self) -> bool:
        """True when the current item's unit cell was cut off mid-name (a page break)."""
        current = self._current(self.table.units)
        return bool(current) and not cells.unit_cell_closed(current)


# --- assembling ------------------------------------------------------------------------------


def _build(table: _Table, doc_id: str) -> list[Item]:
    """Items with their unit and deadline cells, merged cells spread over their group."""
    owner = _cell_owners(table)
    items = []
    for index, draft in enumerate(table.items):
        source = owner.get(index)
        unit = table.units.get(source) if source is not None else None
        deadline = table.deadlines.get(source) if source is not None else None
        items.append(
            Item(
                doc=doc_id,
                number=draft.number,
                task=_task_name(table.tasks[draft.task]),
                text=join_wrapped(draft.parts),
                units=split_units(unit.text if unit else ""),
                deadline=deadline.text if deadline else None,
                line=draft.line,
                position=index + 1,
            )
        )
    return items


def _task_name(parts: list[str]) -> str:
    """A task cell without its own numbering (一、) or final 。."""
    return SECTION.sub("", join_wrapped(parts)).rstrip("。")


def _cell_owners(table: _Table) -> dict[int, int]:
    """For each item, the item whose unit cell covers it.

    A merged cell is printed after the last item of its group in some tables and after the
    first in others; the direction that leaves fewer items without a cell inside their task
    group is taken for the whole table, the other one serves as a fallback.
    """
    groups: dict[int, list[int]] = {}
    for index, draft in enumerate(table.items):
        groups.setdefault(draft.task, []).append(index)
    has = set(table.units)
    backward = sum(1 for g in groups.values() for i in g if not any(j in has for j in g if j >= i))
    forward = sum(1 for g in groups.values() for i in g if not any(j in has for j in g if j <= i))
    order = ("next", "previous") if backward <= forward else ("previous", "next")
    owners = {}
    for group in groups.values():
        for i in group:
            owner = _nearest(i, group, has, order)
            if owner is not None:
                owners[i] = owner
    return owners


def _nearest(i: int, group: list[int], has: set[int], order: tuple[str, str]) -> int | None:
    """The item with a cell that covers item i, looking in the preferred direction first."""
    if i in has:
        return i
    for direction in order:
        candidates = [j for j in group if j in has and (j > i if direction == "next" else j < i)]
        if candidates:
            return min(candidates) if direction == "next" else max(candidates)
    return None
