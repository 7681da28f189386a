"""Split a responsibility cell into the bodies it names, lead or other, in the order written.

A cell is a run of clauses separated by semicolons, commas or full stops. Within a clause, names are
split at the enumeration comma and at conjunctions that follow a complete name. A lead marker makes
every name since the start of its clause lead; a "label:" opening a clause gives the whole clause
its role. A name's level prefix carries on to the bare names after it. The word lists live in
index/data/unit_*.txt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import cache, lru_cache

from index.lexicon import words
from index.models import LEAD, OTHER, Unit, Units
from index.text import simplified

_OPEN = "（("
_CLOSE = "）)"
_CLAUSE_BREAKS = ("；", ";", "，", ",", "。")
_CLAUSE_BREAK_CHARS = "".join(_CLAUSE_BREAKS)
_LIST_BREAK = "、"
_LABEL = re.compile(r"([^（(：:]+)[：:]")
_ASIDE = re.compile(r"[（(][^（()）]*[）)]$")
_FULL_WIDTH = str.maketrans("()", "（）")
KEPT = 1 << 15  # clauses and names whose reading is remembered: cells share them (市直各单位按职责分工落实 …)


@cache
def _words(name: str) -> tuple[str, ...]:
    """Entries of index/data/<name>.txt, longest first."""
    return tuple(sorted(set(words(f"{name}.txt")), key=lambda entry: (-len(entry), entry)))


@cache
def _own_place() -> re.Pattern[str]:
    """Pattern for a name opening with a place: listed, or two or three characters and a level."""
    levels = "|".join(map(re.escape, _words("unit_levels")))
    return re.compile("|".join([*map(re.escape, _words("unit_places")), rf"\w{{2,3}}(?:{levels})"]))


@cache
def _tails() -> tuple[str, ...]:
    """Lead markers and non-body phrases together, longest first."""
    tails = _words("unit_lead_markers") + _words("unit_tail_phrases")
    return tuple(sorted(tails, key=len, reverse=True))


@cache
def _marks(breaks: tuple[str, ...]) -> re.Pattern[str]:
    """Every position where a bracket stands or a break starts (a lookahead: breaks may overlap)."""
    return re.compile(f"(?=([{re.escape(_OPEN + _CLOSE)}]|{'|'.join(map(re.escape, breaks))}))")


def _cut(text: str, breaks: tuple[str, ...], accept: Callable[[str, str], bool]) -> Iterator[str]:
    """The non-empty parts of text split at the breaks outside brackets that accept(text_before, break)
    allows, cut as they are asked for (a cell that is no unit cell is given up at its first name).

    Only the positions of brackets and break starts are visited (a character-by-character walk
    was most of the time of reading a large plan); a break is the first of breaks found there.
    """
    depth = start = 0
    for mark in _marks(breaks).finditer(text):
        at, found = mark.start(), mark.group(1)
        if at < start:
            continue  # inside the break just cut
        if found in _OPEN:
            depth += 1
        elif found in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and accept(text[start:at], found):
            if at > start:
                yield text[start:at]
            start = at + len(found)
    if start < len(text):
        yield text[start:]


@cache
def _opening(entries: tuple[str, ...]) -> re.Pattern[str]:
    """The first of the entries that a text starts with (as next(e for e in entries if text.startswith(e)))."""
    return re.compile("|".join(map(re.escape, entries)))


@cache
def _closing(entries: tuple[str, ...]) -> re.Pattern[str]:
    """The longest of the entries that a text ends with."""
    return re.compile(f"(?:{'|'.join(map(re.escape, entries))})\\Z")


def _ending(entries: tuple[str, ...], text: str) -> str:
    """The first of the entries, longest first, that text ends with, or ""."""
    found = _closing(entries).search(text)
    return found.group(0) if found else ""


def _unwrap(text: str) -> str:
    """Drop one pair of brackets enclosing the whole text."""
    if text[:1] not in _OPEN or text[-1:] not in _CLOSE:
        return text
    depth = 0
    for i, char in enumerate(text):
        depth += (char in _OPEN) - (char in _CLOSE)
        if depth == 0:
            return text[1:-1] if i == len(text) - 1 else text
    return text


def _ends_like_body(text: str) -> bool:
    """Whether text ends with a body's name ending, ignoring a bracketed aside."""
    return _ASIDE.sub("", text).endswith(_words("unit_body_endings"))


def _clauses(text: str) -> Iterator[str]:
    """Unwrap a cell and split it at clause breaks outside brackets."""
    unwrapped = _unwrap(text.rstrip(_CLAUSE_BREAK_CHARS))
    if not _has_bracket(unwrapped):  # most cells: every break cuts, as one split does
        return filter(None, _split_at(unwrapped, _CLAUSE_BREAKS))
    return _cut(unwrapped, _CLAUSE_BREAKS, lambda _before, _found: True)


def _split_at(text: str, breaks: tuple[str, ...]) -> list[str]:
    """text cut at every break (single characters): each turned into the first, then one str.split
    (faster than a regex split, which reads each character at ~50 instructions)."""
    for other in breaks[1:]:
        text = text.replace(other, breaks[0])
    return text.split(breaks[0])


def _has_bracket(text: str) -> bool:
    """Whether text holds a bracket (str's own search: a regex reads each character at ~50 instructions)."""
    return "（" in text or "(" in text or "）" in text or ")" in text


def _names(clause: str) -> Iterator[str]:
    """Split a clause at enumeration commas and at conjunctions that follow a complete name."""
    breaks = (_LIST_BREAK, *_words("unit_conjunctions"))
    return _cut(clause, breaks, _splits_names)


def _splits_names(before: str, found: str) -> bool:
    """Whether a break splits names: a list comma always, a conjunction after a full name."""
    return found == _LIST_BREAK or _ends_like_body(before)


def _peel(segment: str) -> tuple[str, bool]:
    """Peel non-body phrases off a segment's end; report whether one was a lead marker."""
    lead = False
    while found := _ending(_tails(), segment):
        lead = lead or found in _words("unit_lead_markers")
        segment = segment[: -len(found)]
    return segment, lead


def _label(clause: str) -> tuple[str, str]:
    """Split a leading "label:" off a clause; return the role it gives and the rest."""
    match = _LABEL.match(clause)
    if match is None:
        return OTHER, clause
    lead = any(marker in match.group(1) for marker in _words("unit_lead_markers"))
    return (LEAD if lead else OTHER), clause[match.end() :]


@lru_cache(maxsize=KEPT)
def _clause_roles(clause: str) -> tuple[tuple[str, str], ...]:
    """(name, role) of each name in a clause: names up to a lead marker lead, the rest take the clause's role."""
    role, body = _label(clause)
    named: list[tuple[str, str]] = []
    pending: list[str] = []
    for segment in _names(body):
        name, lead = _peel(segment)
        pending += [name] if name else []
        if lead:
            named += [(each, LEAD) for each in pending]
            pending = []
    return (*named, *((each, role) for each in pending))


@lru_cache(maxsize=KEPT)
def _level(name: str) -> str:
    """The level marker a name starts with, or "" when it has none."""
    if name.startswith(_words("unit_level_lookalikes")):
        return ""
    found = _opening(_words("unit_levels")).match(name)
    return found.group(0) if found else ""


def is_collective(name: str) -> bool:
    """Whether a name stands for a group of bodies rather than one body."""
    return any(marker in name for marker in _words("unit_collective"))


@lru_cache(maxsize=KEPT)  # the same bodies are named in cell after cell
def unit_from_name(name: str, role: str, prefix: str = "") -> Unit:
    """Build a Unit, carrying the list's level prefix onto a bare, non-collective name."""
    collective = is_collective(name)
    written = "".join(name.split()).translate(_FULL_WIDTH)
    bare = not collective and not _level(written) and not _own_place().match(written)
    normalized = (prefix if bare else "") + written
    return Unit(name=name, normalized=normalized, role=role, collective=collective)


def _written_names(cell: str) -> Iterator[tuple[str, str]]:
    """(name as written, role) of each body a cell names, in order, read one clause at a time.

    The cell is read in simplified characters (the word lists are simplified) and every name is
    cut from the cell as written: the conversion maps one character to one character.
    """
    return _names_as_written("".join(cell.split()))


def _names_as_written(raw: str) -> Iterator[tuple[str, str]]:
    """_written_names of a cell without whitespace."""
    plain = simplified(raw)
    named = _plain_names(plain)
    return named if plain == raw else _as_written(named, raw, plain)  # most cells are written in simplified


def _plain_names(plain: str) -> Iterator[tuple[str, str]]:
    """(name, role) of each body a cell in simplified characters names, one clause at a time."""
    return (pair for clause in _clauses(plain) for pair in _clause_roles(clause))


def _as_written(named: Iterator[tuple[str, str]], raw: str, plain: str) -> Iterator[tuple[str, str]]:
    """Each (name, role) read in plain, the name cut from raw where plain has it."""
    at = 0
    for name, role in named:
        at = plain.find(name, at)
        written = raw[at : at + len(name)] if at >= 0 else name
        at = max(at, 0) + len(name)
        yield written, role


@lru_cache(maxsize=KEPT)
def _carried_level(normalized: str) -> str:
    """The level a body's name hands on to the bare names after it (市 of 市教育局)."""
    return _level(simplified(normalized))


@lru_cache(maxsize=8192)  # plans repeat the same few cells hundreds of times
def split_units(cell: str) -> Units:
    """Split a responsibility cell into lead and other bodies, in the order written."""
    members: list[Unit] = []
    prefix = ""
    for written, role in _written_names(cell):
        members.append(unit_from_name(written, role, prefix))
        prefix = prefix if members[-1].collective else _carried_level(members[-1].normalized)
    return Units(raw="".join(cell.split()), members=tuple(members))


@lru_cache(maxsize=8192)  # rows repeat the same unit cells
def units_from_cells(cells: tuple[tuple[str, str | None], ...]) -> Units:
    """One Units from several unit cells of a row, each with the role its column gives (None: as written)."""
    filled = [(cell, role) for cell, role in cells if cell.strip()]
    members = [unit if not role or role == unit.role else replace(unit, role=role)
               for cell, role in filled for unit in split_units(cell).members]
    return Units(raw=" | ".join("".join(cell.split()) for cell, _ in filled), members=tuple(members))


_SENTENCE_STOP = re.compile("[。！？!?]")


def _has_sentence_stop(text: str) -> bool:
    """_SENTENCE_STOP.search(text) by str's own search, for a whole cell (a regex reads each character
    at ~50 instructions)."""
    return "。" in text or "！" in text or "？" in text or "!" in text or "?" in text
_MAX_BODY = 30  # characters in the longest body name seen (…等数字经济工作领导小组成员单位)
_MAX_WEAK = 12  # a name ending in a weak ending (处, 科 …) is a body only up to this length


@lru_cache(maxsize=KEPT)
def is_body_name(name: str) -> bool:
    """Whether a name reads as a responsible body: a body ending, or a weak one on a short name."""
    core = _ASIDE.sub("", simplified("".join(name.split()))).removesuffix("等")
    core = _ASIDE.sub("", core)
    if not 2 <= len(core) <= _MAX_BODY or _SENTENCE_STOP.search(core):
        return False
    if core.endswith(_words("unit_body_endings")):
        return True
    return len(core) <= _MAX_WEAK and core.endswith(_words("unit_weak_endings"))


def reads_as_units(text: str) -> bool:
    """Whether a whole cell or bracket names responsible bodies (with role words and labels) and nothing else."""
    return flat_reads_as_units("".join(text.split()))


def flat_reads_as_units(flat: str) -> bool:
    """reads_as_units of a text without whitespace (a cell's kind is read from it so already)."""
    flat = flat.rstrip("；;，,。")
    if not flat or len(flat) > 400 or _has_sentence_stop(flat):
        return False  # before the conversion: simplified() changes ideographs only, one for one
    plain = simplified(flat)
    # a cell with no traditional character is simplified already: spared a second conversion
    names = _plain_names(plain) if plain == flat else _names_as_written(plain)
    named = False
    for name, _ in names:  # stops at the first name that is no body: most cells are requirements
        if not is_body_name(name):
            return False
        named = True
    return named
