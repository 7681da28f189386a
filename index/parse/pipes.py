"""Text tables copied from web pages, where cells are separated by "|".

Two shapes, both turned into rows for the row parser: one row per line ("工作任务 | 具体要求 |
责任单位 |", a markdown |---| rule dropped); and one cell per line (lines ending in " |", or cells
between lone "|" lines). A cell-per-line table is cut into rows by its header's column count;
where merged cells make that count slip, an item number re-synchronises the rows: a 具体要求
cell opening with "1." or a bare 序号 number starts its column, the cells skipped become None
(merged: they repeat the row above).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from index.parse import cells
from index.parse.numbering import ARABIC_ITEM, PAREN_ARABIC, SECTION

_CELL_END = re.compile(r"\s*[|｜]\s*$")
_LONE_PIPE = re.compile(r"^\s*[|｜]\s*$")
_ENCLOSED = re.compile(r"^\s*[|｜].*[|｜]\s*$")
_RULE_CELL = re.compile(r"^[-:=\s]*[-=][-:=\s]*$")
_TEXT_NUMBER = re.compile(rf"^\s*(?:{ARABIC_ITEM}|{PAREN_ARABIC})")
_SEQ_NUMBER = re.compile(r"^\s*\d{1,3}\s*[.．、]?\s*$")
MIN_ROW_LINES = 0.5  # share of non-empty lines that must hold inner pipes for a row-per-line table


class TextRows(NamedTuple):
    """Rows of cells read from text, with the source line of each row."""

    rows: list[Sequence[str | None]]
    lines: list[int]


class _Cell(NamedTuple):
    """One cell of a cell-per-line table and the line it starts on."""

    text: str
    line: int


def pipe_rows(text: str) -> TextRows | None:
    """Rows of a row-per-line pipe table, or None when the text is not one."""
    numbered = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    rows = [(n, _cells(line), bool(_ENCLOSED.match(line))) for n, line in numbered]
    if not numbered or sum(1 for _, r, _ in rows if len(r) >= 2) < MIN_ROW_LINES * len(numbered):
        return None
    kept = [(n, r) for n, r, enclosed in rows if (len(r) >= 2 or enclosed) and not _is_rule(r)]
    return TextRows([r for _, r in kept], [n for n, _ in kept])


def _cells(line: str) -> list[str]:
    """The cells of one line (outer pipes dropped)."""
    inner = re.sub(r"^[|｜]|[|｜]$", "", line.strip())
    return [c.strip() for c in re.split(r"[|｜]", inner)] if re.search(r"[|｜]", inner) else [inner]


def _is_rule(row: list[str]) -> bool:
    """True for a markdown rule row under the header (|---|:---:|)."""
    return all(_RULE_CELL.match(c) or not c.strip() for c in row) and any(_RULE_CELL.match(c) for c in row)


def cell_rows(text: str) -> TextRows | None:
    """Rows of a one-cell-per-line pipe table, or None when the text is not one."""
    found = _split_cells(text.splitlines())
    header = []
    for cell in found:
        if not cells.column_role(cell.text):
            break
        header.append(cell.text)
    if len(header) < 2:
        return None
    roles = [cells.column_role(name) for name in header]
    cut = _cut(found[len(header):], roles)
    return TextRows([header] + [row for row, _ in cut], [found[0].line] + [line for _, line in cut])


def _split_cells(lines: list[str]) -> list[_Cell]:
    """The cells from the first header name on: each ends at a pipe, the table at its trailer."""
    ended = sum(1 for line in lines if _CELL_END.search(line) and not _LONE_PIPE.match(line))
    lone = sum(1 for line in lines if _LONE_PIPE.match(line))
    if not ended + lone:
        return []
    start = next((i for i, line in enumerate(lines) if cells.column_role(_CELL_END.sub("", line))), len(lines))
    found: list[_Cell] = []
    buffer: list[tuple[int, str]] = []
    for number, line in enumerate(lines[start:], start + 1):
        if cells.is_trailer(line.strip()):
            break
        content = _CELL_END.sub("", line).strip()
        if content:
            buffer.append((number, content))
        if _CELL_END.search(line):
            found.append(_Cell("\n".join(t for _, t in buffer), buffer[0][0] if buffer else number))
            buffer = []
    if buffer and lone > ended:  # between lone pipes the last cell has no pipe after it
        found.append(_Cell("\n".join(t for _, t in buffer), buffer[0][0]))
    return found


def _anchor(text: str, roles: list[str]) -> int | None:
    """The column a cell must sit in by its item number (具体要求 "1." / bare 序号), or None."""
    if "text" in roles and _TEXT_NUMBER.match(text):
        return roles.index("text")
    if "seq" in roles and _SEQ_NUMBER.match(text):
        return roles.index("seq")
    return None


def _cut(found: list[_Cell], roles: list[str]) -> list[tuple[list[str | None], int]]:
    """Body cells grouped into rows of the header's width, re-synchronised at item numbers."""
    width = len(roles)
    rows: list[list[_Cell | None]] = []
    row: list[_Cell | None] = []
    for cell in found:
        column = _anchor(cell.text, roles)
        if column is not None and column < len(row):  # the row above ended early: a new row starts
            head, row = _split_early(row, column)
            rows.append(head)
        if column is not None and column > len(row):  # cells before the anchor were merged away
            row += [None] * (column - len(row))
        row.append(cell)
        if len(row) == width:
            rows.append(row)
            row = []
    rows.append(row)
    return [_texts(r, width) for r in rows if any(r)]


def _split_early(row: list[_Cell | None], column: int) -> tuple[list[_Cell | None], list[_Cell | None]]:
    """A row cut short by an item number for `column`, and the cells that lead the next row.

    Normally the whole row stays (its last cells were merged away); but a lone 一、 heading
    followed by exactly the cells the next row needs before its anchor is a section row.
    """
    head, lead = row[: len(row) - column], row[len(row) - column :]
    if column and len(head) == 1 and head[0] and SECTION.match(head[0].text) and None not in lead:
        return head, lead
    return row, []


def _texts(row: list[_Cell | None], width: int) -> tuple[list[str | None], int]:
    """A row's cell texts (None for merged cells, a lone heading kept alone) and its first line."""
    line = next(c.line for c in row if c)
    if len(row) == 1 and row[0] and SECTION.match(row[0].text):
        return [row[0].text], line
    return [c.text if c else None for c in row] + [None] * (width - len(row)), line


def strip_cell_pipes(text: str) -> str:
    """Text with cell-ending pipes and lone pipe lines removed (line numbers kept)."""
    return "\n".join("" if _LONE_PIPE.match(line) else _CELL_END.sub("", line) for line in text.splitlines())
