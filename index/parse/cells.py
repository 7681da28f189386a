"""Classify fragments of extracted table text: unit cell, deadline cell, header, trailer."""

from __future__ import annotations

import re
from functools import cache

from index.lexicon import table, words
from index.text import simplified

_SEPARATOR_CHARS = "、，,；;"
_SEPARATORS = re.compile(f"[{_SEPARATOR_CHARS}]")
_BRACKETED = re.compile(r"（[^（）]*）|\([^()]*\)")
_TRAILING_ASIDE = re.compile(r"(?:（[^（）]*）|\([^()]*\))+$")
_YEAR = re.compile(r"^\d{4}\s*年")
_TERMINATORS = ("。", "；", "！", "？")


@cache
def _role_phrases() -> tuple[str, ...]:
    """Words of a unit cell that name no body (牵头, 按职责分工, 落实 …), longest first."""
    phrases = words("unit_lead_markers.txt") + words("unit_tail_phrases.txt")
    return tuple(sorted(phrases, key=len, reverse=True))


@cache
def _role_pattern() -> re.Pattern[str]:
    """Regex matching any role phrase, longest first."""
    return re.compile("|".join(map(re.escape, _role_phrases())))


@cache
def column_roles() -> dict[str, str]:
    """Header name -> column role (task, text, unit, other_unit, deadline, seq, note)."""
    return {name: role for role, names in table("table_layout.toml")["columns"].items() for name in names}


@cache
def _longest_header() -> int:
    """Characters in the longest column name (a longer cell cannot be a header)."""
    return max(map(len, column_roles()))


def column_role(name: str) -> str:
    """The role of a header cell, written in simplified or traditional characters ('' if unknown)."""
    name = re.sub(r"\s+", "", name)
    if len(name) > _longest_header():  # body cells are long; spare them the conversion
        return ""
    return column_roles().get(simplified(name), "")


def header_roles(line: str) -> list[str] | None:
    """The column roles of a table header line, or None when the line is not a header."""
    found = [column_role(c) for c in re.split(r"[\s|｜]+", line) if c]
    if len(found) < 2 or not all(found):
        return None
    return found if "text" in found and ({"unit", "lead_unit", "task"} & set(found)) else None


def is_trailer(line: str) -> bool:
    """True for the notice trailer after a table (公开方式：…, 抄送：…)."""
    return line.startswith(tuple(table("table_layout.toml")["trailer"]["starts"]))


def is_deadline_start(text: str) -> bool:
    """True when text opens a deadline cell (2021年…, 长期工作 …)."""
    return bool(_YEAR.match(text)) or text.startswith(tuple(table("table_layout.toml")["deadline"]["starts"]))


def deadline_cell_closed(text: str) -> bool:
    """True when a deadline cell reads as complete (…前, …长期工作)."""
    return re.sub(r"\s+", "", text).endswith(tuple(table("table_layout.toml")["deadline"]["ends"]))


def is_terminated(text: str) -> bool:
    """True when text ends a sentence (。；）…)."""
    return text.rstrip().endswith(_TERMINATORS)


def continues_cell(text: str) -> bool:
    """True when text can only be the rest of a unit cell: it opens with a separator or role word."""
    text = re.sub(r"\s+", "", text)
    if text[:1] in _SEPARATOR_CHARS:
        return True
    match = _role_pattern().match(text)
    return bool(match) and (match.end() == len(text) or text[match.end()] in _SEPARATOR_CHARS or continues_cell(text[match.end():]))


def strip_roles(text: str) -> str:
    """Text with every role phrase (牵头, 按职责分工落实 …) removed."""
    return _role_pattern().sub("", text)


def _names(text: str) -> list[str]:
    """The name-like pieces of a cell once role phrases and separators are removed."""
    flat = _BRACKETED.sub(lambda m: m.group(0).replace("、", "").replace("，", ""), text)
    return [p for p in _SEPARATORS.split(strip_roles(flat)) if p]


def ends_with_unit(name: str) -> bool:
    """True when a name ends like a responsible body (…局, …政府, …各单位), asides aside."""
    return _TRAILING_ASIDE.sub("", name).endswith(words("unit_body_endings.txt"))


def is_unit_cell(text: str) -> bool:
    """True when the whole text reads as a 落实单位 cell: names of bodies and role words only."""
    text = re.sub(r"\s+", "", text)
    if not text or text[-1] in "。！？":
        return False
    names = _names(text)
    if not names:
        return bool(text) and not strip_roles(text).strip("、，,；;")
    return all(ends_with_unit(n) and len(n) <= 24 for n in names)


def is_role_only(text: str) -> bool:
    """True when text is nothing but role words (the tail "落实" of a split cell)."""
    return bool(text) and not strip_roles(re.sub(r"\s+", "", text)).strip("、，,；;")


def unit_cell_closed(text: str) -> bool:
    """True when a (partial) unit cell reads as complete: it ends with a body or a final role word."""
    text = re.sub(r"\s+", "", text).rstrip("。")
    if not text or text[-1] in "、，,；;":
        return False
    ending = next((p for p in _role_phrases() if text.endswith(p)), None)
    if ending:
        return ending not in words("unit_open_phrases.txt")
    names = _names(text)
    return bool(names) and ends_with_unit(names[-1])
