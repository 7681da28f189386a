"""Turn a plan into items: an ordered registry of named layouts, the best reading wins.

Every table layout (index/parse/layouts.py) turns the source into Grids of cells for the one rows
back-end (index/parse/rows.py); the PDF text flow (table.py) and prose (prose.py) read text with
grammars of their own. Each layout whose shape is there reads the plan; the reading with the most
items that name a unit wins (then the most items; then the earlier layout). Prose is tried only
when no table reading names a unit, so a plan that repeats its table as a numbered list above it
is read from the table. `layout=NAME` forces one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from index.errors import EmptyDocument, UnknownLayout
from index.models import Item
from index.parse import layouts
from index.parse.prose import parse_prose
from index.parse.rows import Grid, grid_items
from index.parse.table import has_table, parse_table

Tables = list[list[list[str]]]
Reader = Callable[[str, Tables, str], list[Item]]


def _grids(adapter: Callable[[str], list[Grid]]) -> Reader:
    """A layout reading Grids from the text, through the rows back-end."""
    return lambda text, _tables, doc_id: _joined([grid_items(g, doc_id) for g in adapter(text)])


def _joined(parts: list[list[Item]]) -> list[Item]:
    """Items of several tables in order, positions renumbered."""
    items = [item for part in parts for item in part]
    return [replace(item, position=position) for position, item in enumerate(items, 1)]


def _tables(_text: str, tables: Tables, doc_id: str) -> list[Item]:
    """Tables read from .docx/.html/.pdf/.xlsx."""
    return _joined([grid_items(g, doc_id) for g in layouts.from_tables(tables)])


def _text_flow(text: str, _tables: Tables, doc_id: str) -> list[Item]:
    """A PDF text-flow table (cells wrapping over lines)."""
    flow = layouts.strip_cell_pipes(text)
    return parse_table(flow, doc_id) if has_table(flow) else []


def _prose(text: str, _tables: Tables, doc_id: str) -> list[Item]:
    """A prose plan of numbered paragraphs."""
    try:
        return parse_prose(text, doc_id)
    except UnknownLayout:
        return []


LAYOUTS: dict[str, Reader] = {
    "tables": _tables,
    "pipe rows": _grids(layouts.pipe_rows),
    "cell per line": _grids(layouts.cell_lines),
    "blank-line cells": _grids(layouts.blank_line_cells),
    "tab rows": _grids(layouts.tab_rows),
    "key/value blocks": _grids(layouts.key_values),
    "text flow": _text_flow,
    "prose": _prose,
}
PROSE = "prose"


def parse_plan(text: str, doc_id: str, path: str | None = None) -> list[Item]:
    """Items of a plan given as text, in any supported layout; errors name the file."""
    return parse_layout(text, [], doc_id, path)[1]


def parse_layout(
    text: str, tables: Tables, doc_id: str, path: str | None = None, layout: str | None = None
) -> tuple[str, list[Item]]:
    """(layout name, items) of a plan: the best reading among the layouts, or the one forced."""
    if not text.strip() and not tables:
        raise EmptyDocument("the file is empty", path)
    if layout is not None:
        if layout not in LAYOUTS:
            raise UnknownLayout(f"no layout {layout!r} (known: {', '.join(LAYOUTS)})", path)
        readings = {layout: _read(LAYOUTS[layout], text, tables, doc_id)}
    else:
        readings = {name: _read(read, text, tables, doc_id) for name, read in LAYOUTS.items() if name != PROSE}
        if not any(_with_unit(items) for items in readings.values()):
            readings[PROSE] = _prose(text, tables, doc_id)
    name = max(readings, key=lambda n: (_with_unit(readings[n]), len(readings[n])))
    if not readings[name]:
        raise UnknownLayout(_nothing_found(text), path)
    return name, readings[name]


def _read(read: Reader, text: str, tables: Tables, doc_id: str) -> list[Item]:
    """One layout's reading; a layout whose shape is not there reads nothing."""
    try:
        return read(text, tables, doc_id)
    except UnknownLayout:
        return []


def _with_unit(items: list[Item]) -> int:
    """How many items name a unit."""
    return sum(1 for item in items if item.units.members)


def _nothing_found(text: str) -> str:
    """What was looked for, and the first lines seen."""
    seen = " / ".join(line.strip()[:30] for line in layouts.lines(text) if line.strip())[:120]
    return (f"no items found: looked for a table ({', '.join(n for n in LAYOUTS if n != PROSE)}) "
            f"and numbered paragraphs (一、/（一）/1.); the file begins: {seen}")
