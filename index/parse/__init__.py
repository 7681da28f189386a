"""Turn a plan into items: an ordered registry of named layouts, the best reading wins.

Every table layout (index/parse/layouts.py) turns the source into Grids of cells for the one rows
back-end (index/parse/rows.py); the PDF text flow (table.py) and prose (prose.py) read text with
grammars of their own. The layouts come in tiers: tables whose cells are delimited (by the file's
format, pipes, tabs or labels), then tables delimited by whitespace alone (blank lines between cells,
or the text flow whose cells wrap over lines, which a PDF copy also spaces with blank lines), then
prose. Within a tier every layout whose shape is there reads the plan and the reading with the
most items naming a unit wins (then the most items, then the earlier layout); the next tier is tried
only when no reading of this one names a unit. So a plan that repeats its table as a numbered list
above it is read from the table. `layout=NAME` forces one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from index.errors import EmptyDocument, UnknownLayout
from index.models import Item
from index.parse import layouts
from index.parse.columns import is_header
from index.parse.prose import parse_prose
from index.parse.rows import Grid, grid_items
from index.parse.table import has_table, parse_table

Tables = list[list[list[str]]]
Reader = Callable[[str, Tables, str], list[Item]]


def _grids(adapter: Callable[[str], list[Grid]]) -> Reader:
    """A layout reading Grids from the text, through the rows back-end."""
    return lambda text, _tables, doc_id: _joined([grid_items(g, doc_id) for g in adapter(text)])


def _joined(parts: list[list[Item]]) -> list[Item]:
    """Items of several tables in order, positions renumbered (one table's are numbered already)."""
    items = [item for part in parts for item in part]
    return [item if item.position == position else replace(item, position=position)
            for position, item in enumerate(items, 1)]


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


TIERS: tuple[tuple[str, ...], ...] = (
    ("table rows", "pipe rows", "cell per line", "tab rows", "key/value blocks"),
    ("blank-line cells", "wrapped cells", "text table"),
    ("prose",),
)
LAYOUTS: dict[str, Reader] = {
    "table rows": _tables,
    "pipe rows": _grids(layouts.pipe_rows),
    "cell per line": _grids(layouts.cell_lines),
    "blank-line cells": _grids(layouts.blank_line_cells),
    "tab rows": _grids(layouts.tab_rows),
    "wrapped cells": _grids(layouts.wrapped_cells),
    "key/value blocks": _grids(layouts.key_values),
    "text table": _text_flow,  # a PDF text flow: cells wrapping over lines, no delimiters
    "prose": _prose,
}


def parse_plan(text: str, doc_id: str, path: str | None = None) -> list[Item]:
    """Items of a plan given as text, in any supported layout; errors name the file."""
    return parse_layout(text, [], doc_id, path)[1]


def parse_layout(
    text: str, tables: Tables, doc_id: str, path: str | None = None, layout: str | None = None
) -> tuple[str, list[Item]]:
    """(layout name, items) of a plan: the best reading among the layouts, or the one forced."""
    if not text.strip() and not tables:
        raise EmptyDocument("the file is empty", path)
    if layout is not None and layout not in LAYOUTS:
        raise UnknownLayout(f"no layout {layout!r} (known: {', '.join(LAYOUTS)})", path)
    readings: dict[str, list[Item]] = {}
    for tier in ((layout,),) if layout else TIERS:
        readings |= {name: _read(LAYOUTS[name], text, tables, doc_id) for name in tier}
        if any(map(_with_unit, readings.values())):
            break
    name = max(readings, key=lambda n: (_with_unit(readings[n]), len(readings[n])))
    if not readings[name]:
        message, line = _nothing_found(text)
        raise UnknownLayout(message, path, line)
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


def _nothing_found(text: str) -> tuple[str, int | None]:
    """What was looked for and the first lines seen, or the header that has no items under it."""
    all_lines = layouts.lines(text)
    header = next((n for n, line in enumerate(all_lines, 1) if is_header(re.split(r"[\s|｜]+", line.strip()))), None)
    if header is not None:
        return "a table header but no items under it", header
    seen = " / ".join(line.strip()[:30] for line in all_lines if line.strip())[:120]
    return (f"no items found: looked for a table ({', '.join(n for n in LAYOUTS if n != 'prose')}) "
            f"and numbered paragraphs (一、/（一）/1.); the file begins: {seen}"), None
