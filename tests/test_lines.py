"""Line numbers as an editor shows them: only "\n" (and "\r\n") ends a line, never U+2029."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.corpus import read_plan
from index.text import lines

ZHANJIANG = Path(__file__).parent.parent / "corpus" / "zhanjiang-2021.txt"


def test_lines_split_only_at_newlines() -> None:
    """CRLF is one break; U+2029, U+2028, form feed and a lone CR are not breaks."""
    assert lines("一\r\n二\u2029三\n四\u2028五\x0c六\r七\n") == ["一", "二 三", "四 五 六 七", ""]


@pytest.mark.parametrize(("number", "line"), [("1", 75), ("5", 153), ("26", 573), ("50", 1086)])
def test_zhanjiang_items_cite_the_line_an_editor_shows(number: str, line: int) -> None:
    """湛江's file holds U+2029 characters; the cited line is still where the item starts."""
    items = {item.number: item for item in read_plan(ZHANJIANG, {}).items}
    assert items[number].line == line
    assert lines(ZHANJIANG.read_text(encoding="utf-8"))[line - 1].startswith(f"{number}.")
