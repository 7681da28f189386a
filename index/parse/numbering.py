"""The one grammar of chapter and item markers: 一、 / （一） / 1. / （1） / ① / ●, shared by every layout."""

from __future__ import annotations

import re
from typing import NamedTuple

NUMERAL = "一二三四五六七八九十百"  # Chinese numerals of chapters: 一、 十一、
BULLETS = "●•◆■▪"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
ARABIC_ITEM = r"\d{1,5}\s*[.．、](?!\d)"  # 1. 2、
PAREN_ARABIC = r"[（(]\d{1,5}[）)]"  # （1）
PAREN_CHINESE = rf"[（(][{NUMERAL}]+[）)]"  # （一）

# A chapter number opening a task or section cell: 一、做好… (group 1 is the numeral).
SECTION = re.compile(rf"^\s*([{NUMERAL}]+)\s*[、.．]")

# Marker levels, outermost first.
CHAPTER, PART, POINT, SUBPOINT, CIRCLE, BULLET = range(6)
_MARKERS = (
    (CHAPTER, re.compile(rf"\s*([{NUMERAL}]+)\s*[、.．]"), "{}、"),
    (PART, re.compile(rf"\s*[（(]([{NUMERAL}]+)[）)]\s*"), "（{}）"),
    (POINT, re.compile(r"\s*(\d{1,5})\s*[.．、](?!\d)\s*"), "{}"),
    (SUBPOINT, re.compile(r"\s*[（(](\d{1,5})[）)]\s*"), "（{}）"),
    (CIRCLE, re.compile(rf"\s*([{CIRCLED}])\s*"), "{}"),
    (BULLET, re.compile(rf"\s*([{BULLETS}])\s*"), ""),
)


class Marker(NamedTuple):
    """A marker opening a text: its level, its label as printed (一、, （一）, 1, ①) and where the text starts."""

    level: int
    label: str
    end: int


def marker(text: str) -> Marker | None:
    """The chapter or item marker a text opens with, or None."""
    for level, pattern, form in _MARKERS:
        if found := pattern.match(text):
            return Marker(level, form.format(found.group(1)), found.end())
    return None


def is_chapter_level(found: Marker | None) -> bool:
    """True for the markers of chapters and their parts (一、 and （一）), which head groups of items."""
    return found is not None and found.level <= PART
