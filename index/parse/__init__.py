"""Turn a plan into items; one module per layout family.

`parse_layout` picks the family: tables given as rows (from .docx/.html/.pdf, or pipe text with
one row or one cell per line) are read by rows; text with a table header (工作任务 / 具体要求 /
落实单位 …) by the text-flow table parser; anything else as a prose plan with 一、/（一） paragraphs.
"""

from __future__ import annotations

from index.errors import EmptyDocument, UnknownLayout
from index.models import Item
from index.parse.pipes import cell_rows, pipe_rows, strip_cell_pipes
from index.parse.prose import parse_prose
from index.parse.rows import find_header, parse_rows
from index.parse.table import has_table, parse_table


def parse_plan(text: str, doc_id: str, path: str | None = None) -> list[Item]:
    """Items of a plan given as text, in any supported layout; errors name the file."""
    return parse_layout(text, [], doc_id, path)[1]


def parse_layout(
    text: str, tables: list[list[list[str]]], doc_id: str, path: str | None = None
) -> tuple[str, list[Item]]:
    """(layout name, items) of a plan: its tables when they have a header row, else its text."""
    rows = [row for table in tables for row in table]
    if rows and find_header(rows) is not None:
        return "table rows", parse_rows(rows, doc_id, path)
    if not text.strip():
        raise EmptyDocument("the file is empty" if not rows else "no table with a 具体要求 header and no text", path)
    # A table copied cell by cell keeps the name "text table" it has had since table.py read it.
    for layout, piped in (("pipe table", pipe_rows(text)), ("text table", cell_rows(text))):
        if piped and find_header(piped.rows) is not None:
            return layout, parse_rows(piped.rows, doc_id, path, piped.lines)
    flow = strip_cell_pipes(text)
    if has_table(flow):
        return "text table", parse_table(flow, doc_id, path)
    try:
        return "prose", parse_prose(text, doc_id)
    except UnknownLayout as exc:
        raise UnknownLayout(
            "no numbered items found (neither a table with 具体要求/落实单位 columns "
            "nor 一、/（一） paragraphs)",
            path,
            exc.line,
        ) from None
