"""The one grammar of chapter and item markers: 一、 / （一） / 1. / （1） / ① / ●, shared by every layout."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from index.text import squash

NUMERAL = "一二三四五六七八九十百"  # Chinese numerals of chapters: 一、 十一、
BULLETS = "●•◆■▪"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
ARABIC_ITEM = r"\d{1,5}\s*[.．、](?!\d)"  # 1. 2、
PAREN_ARABIC = r"[（(]\d{1,5}[）)]"  # （1）
PAREN_CHINESE = rf"[（(][{NUMERAL}]+[）)]"  # （一）

# A chapter number opening a task or section cell: 一、做好… (group 1 is the numeral).
SECTION = re.compile(rf"^\s*([{NUMERAL}]+)\s*[、.．]")

# Marker levels, outermost first: (pattern, label form); the level is the place in the list.
CHAPTER, PART, POINT, SUBPOINT, CIRCLE, BULLET = range(6)
_MARKERS = (
    (rf"\s*([{NUMERAL}]+)\s*[、.．]", "{}、"),
    (rf"\s*[（(]([{NUMERAL}]+)[）)]\s*", "（{}）"),
    (r"\s*(\d{1,5})\s*[.．、](?!\d)\s*", "{}"),
    (r"\s*[（(](\d{1,5})[）)]\s*", "（{}）"),
    (rf"\s*([{CIRCLED}])\s*", "{}"),
    (rf"\s*([{BULLETS}])\s*", ""),
)
# One pattern trying the levels in order (one match instead of one per level: markers are asked of
# every cell); the group that took part is the level's.
_MARKER = re.compile("|".join(f"(?:{pattern})" for pattern, _ in _MARKERS))


class Marker(NamedTuple):
    """A marker opening a text: its level, its label as printed (一、, （一）, 1, ①) and where the text starts."""

    level: int
    label: str
    end: int


def marker(text: str) -> Marker | None:
    """The chapter or item marker a text opens with, or None."""
    found = _MARKER.match(text)
    if found is None:
        return None
    level = found.lastindex - 1
    return Marker(level, _MARKERS[level][1].format(found.group(found.lastindex)), found.end())


READINGS_KEPT = 1 << 14  # texts whose reading is remembered: a plan's numbers, tasks, units and deadlines repeat


@lru_cache(maxsize=READINGS_KEPT)
def flat_marker(text: str) -> tuple[str, Marker | None]:
    """A text without whitespace and the marker it opens with: a cell's reading, asked for when the
    cell is made and again for its kind (from its text alone, so remembered)."""
    flat = squash(text)
    return flat, marker(flat)


def is_chapter_level(found: Marker | None) -> bool:
    """True for the markers of chapters and their parts (一、 and （一）), which head groups of items."""
    return found is not None and heads_group(found.level)


def heads_group(level: int | None) -> bool:
    """True for the levels of chapters and their parts (None: no marker)."""
    return level is not None and level <= PART
