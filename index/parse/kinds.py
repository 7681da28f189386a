"""What a table cell reads as, from its content alone: a sequence number, a heading, a requirement,
responsible bodies, a deadline, or a short phrase. Rows are aligned and columns given roles by these
kinds, so a table is read whatever its header says."""

from __future__ import annotations

import re
from enum import Enum
from functools import cache, lru_cache

from index.lexicon import table
from index.parse.numbering import flat_marker, is_chapter_level
from index.text import simplified, squash
from index.units import flat_reads_as_units

_SEQ = re.compile(r"(?:\d{1,5}[.．、]?|[（(]\d{1,5}[）)]|#\d+)")
_DATE = re.compile(
    r"(?:\d{4}年)?(?:\d{1,2}月(?:\d{1,2}日)?|[一二三四1-4]季度|年底|年中|上半年|下半年|全年|年内)"
    r"(?:底|中旬|上旬|下旬|末)?(?:前|之前|以前|底前|内|完成|止|为止)?"
)
MAX_HEADING = 40  # characters: a numbered cell longer than this is a requirement, not a heading
MAX_SHORT = 25  # characters: an unnumbered cell without a sentence stop up to this is a phrase
MAX_DEADLINE = 24
MAX_DEADLINE_PART = 12  # 长期坚持, 2021年2月公布预算: a longer piece is a sentence, not a deadline
MAX_TITLE = 20  # characters after a 1. marker: a longer numbered cell, or one with commas, is a requirement


class Kind(Enum):
    """What a cell reads as."""

    EMPTY = "empty"
    SEQ = "seq"  # 1 / 2. / （3）
    HEADING = "heading"  # 一、… / （一）… / 1.… short and numbered
    SHORT = "short"  # a phrase: a task name, a category
    TEXT = "text"  # a requirement: long, or sentences
    UNIT = "unit"  # responsible bodies (the unit recognizer)
    DEADLINE = "deadline"  # 2021年9月前 / 全年 / 长期坚持

    # Kinds are looked up in sets, counted and keyed on for every cell of every row. Enum hashes a
    # member by its name in Python code; a member is a singleton, so hashing it by identity finds the
    # same entries at C speed (no set or dict of kinds is iterated in hash order).
    __hash__ = object.__hash__


@cache
def _deadline_words() -> tuple[str, ...]:
    """Words a deadline cell opens with (index/data/table_layout.toml [deadline] starts)."""
    return tuple(table("table_layout.toml")["deadline"]["starts"])


def is_deadline(text: str) -> bool:
    """True when a short text reads as a deadline: dates, quarters, 年底/全年, 长期/持续/每年 …."""
    return _flat_is_deadline(squash(text))


def _flat_is_deadline(flat: str) -> bool:
    """is_deadline of a text without whitespace (a cell's kind is read from it so already)."""
    flat = flat.rstrip("。；;")
    if not flat or len(flat) > MAX_DEADLINE:
        return False  # before the conversion: simplified() changes ideographs only, one for one
    flat = simplified(flat)
    parts = [p for p in re.split(r"[,，、;；]", flat) if p]
    return all(_deadline_part(p) for p in parts)


def _deadline_part(part: str) -> bool:
    """One piece of a deadline cell: a date, or a date or deadline word opening a few characters."""
    if _DATE.fullmatch(part):
        return True
    opened = _DATE.match(part) or part.startswith(_deadline_words())
    return bool(opened) and len(part) <= MAX_DEADLINE_PART


KINDS_KEPT = 1 << 16  # cells whose kind is remembered: every layout and row pass asks again for the same cells


@lru_cache(maxsize=KINDS_KEPT)
def kind(text: str) -> Kind:
    """The kind of one cell (from its text alone, so remembered)."""
    flat, found = flat_marker(text)  # the cell's reading, made with it
    if not flat:
        return Kind.EMPTY
    if _SEQ.fullmatch(flat):
        return Kind.SEQ
    rest = flat[found.end :] if found else flat
    if _flat_is_deadline(flat):
        return Kind.DEADLINE
    if not found and flat_reads_as_units(flat):
        return Kind.UNIT
    if found and not _sentences(rest) and (is_chapter_level(found) and len(rest) <= MAX_HEADING or _title(rest)):
        return Kind.HEADING
    if len(flat) <= MAX_SHORT and not _sentences(flat) and not flat.endswith(("。", "；", ";")):
        return Kind.SHORT  # a phrase; an unnumbered one ending a sentence is a short requirement
    return Kind.TEXT


def _title(text: str) -> bool:
    """True when a numbered text reads as an item's title: short, no clause breaks."""
    return len(text) <= MAX_TITLE and not any(mark in text for mark in ",，：:") and not text.endswith(("。", "；", ";"))


def _sentences(text: str) -> bool:
    """True when a text holds a sentence stop before its end (more than a title)."""
    return any(stop in text.rstrip("。；;") for stop in "。；;") or len(text) > 2 * MAX_HEADING
