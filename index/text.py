"""Small text helpers shared by the parsers: decoding, width, joining wrapped lines, t2s."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache
from pathlib import Path

from index.errors import BadEncoding
from index.lexicon import pairs

_FEW = 12  # characters a table may have to be searched for with str's own search


def _translation(table: dict[int, str]) -> Callable[[str], str]:
    """str.translate(table), only for text holding one of its characters: translate looks every
    character up in the table, a search of their class is many times faster (most text holds none).
    Characters beyond the BMP are searched as one range (a class lists those one by one). A table of
    a few characters in the BMP is searched with str's own search, a few times faster again than a
    regex (which reads each character at some 50 instructions)."""
    listed = "".join(chr(c) for c in sorted(table) if c <= 0xFFFF)
    if len(listed) == len(table) <= _FEW:
        return lambda text: text.translate(table) if any(char in text for char in listed) else text
    holds = re.compile(f"[{re.escape(listed)}\U00010000-\U0010FFFF]").search
    return lambda text: text.translate(table) if holds(text) else text


# PDF extraction turns the brackets of 〔2021〕 into „ ‟; fix them before anything else.
_CHAR_FIXES = _translation(str.maketrans({"„": "〔", "‟": "〕", "\u3000": " ", "\xa0": " ", "\ufeff": ""}))
_LATIN = r"[A-Za-z0-9]"
_SPACE_BETWEEN_LATIN = re.compile(rf"(?<={_LATIN})\s+(?={_LATIN})")
# str.splitlines() also breaks at these; an editor does not, so line numbers counted with it drift.
_NOT_BREAKS = _translation(str.maketrans(dict.fromkeys("\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029", " ")))


def decode(data: bytes, path: str | Path | None = None) -> str:
    """Decode a plan file: UTF-8 (with or without BOM), else GB18030; refuse anything else."""
    errors = []
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            errors.append(exc)
    line = data[: errors[0].start].count(b"\n") + 1  # where it stops being UTF-8
    raise BadEncoding("not UTF-8 or GB18030 text (convert it to UTF-8)", path, line)


def one_break(text: str) -> str:
    """Text whose only line break is "\\n", as an editor counts lines: "\\r\\n" is one, U+2029 none."""
    return _NOT_BREAKS(text.replace("\r\n", "\n"))


def lines(text: str) -> list[str]:
    """The lines of a text as an editor numbers them (never str.splitlines())."""
    return one_break(text).split("\n")


def clean_line(line: str) -> str:
    """Repair extraction artefacts in one line and strip it."""
    return _CHAR_FIXES(line).strip()


def width(text: str) -> float:
    """Display width in full-width characters (a Latin letter or digit counts one half)."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.5 for c in text)


def join_wrapped(parts: list[str]) -> str:
    """Join wrapped lines into one string, dropping whitespace except between Latin words."""
    joined = "".join(map(str.strip, parts))
    if len(joined.split(maxsplit=1)) > 1:  # whitespace inside (the stripped parts have none at their ends)
        joined = squash(_SPACE_BETWEEN_LATIN.sub("\x00", joined))
    return joined.replace("\x00", " ")


@cache
def t2s_table() -> dict[int, str]:
    """Traditional -> simplified characters (index/data/t2s_chars.txt), a str.translate table."""
    return {ord(t): s for t, s in pairs("t2s_chars.txt") if len(t) == 1}


@cache
def _t2s() -> Callable[[str], str]:
    """simplified(), made once."""
    return _translation(t2s_table())


def simplified(text: str) -> str:
    """Text with traditional characters replaced by simplified ones (for matching, not storing)."""
    return _t2s()(text)


def squash(text: str) -> str:
    """Remove all whitespace (for comparisons that ignore it); str.split() splits at exactly the
    characters \\s matches, and is faster than a regex substitution."""
    return "".join(text.split())
