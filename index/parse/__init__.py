"""Turn a plan's text into items; one module per layout family.

`parse_plan` picks the family: a text with a table header (工作任务 / 具体要求 / 落实单位 …)
is read as a table, anything else as a prose plan with 一、/（一） paragraphs.
"""

from __future__ import annotations

from index.errors import EmptyDocument, UnknownLayout
from index.models import Item
from index.parse.prose import parse_prose
from index.parse.table import has_table, parse_table


def parse_plan(text: str, doc_id: str, path: str | None = None) -> list[Item]:
    """Items of a plan in any supported text layout; errors name the file."""
    if not text.strip():
        raise EmptyDocument("the file is empty", path)
    if has_table(text):
        return parse_table(text, doc_id, path)
    try:
        return parse_prose(text, doc_id)
    except UnknownLayout as exc:
        raise UnknownLayout(
            "no numbered items found (neither a table with 具体要求/落实单位 columns "
            "nor 一、/（一） paragraphs)",
            path,
            exc.line,
        ) from None
