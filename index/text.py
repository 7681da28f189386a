"""Small text helpers shared by the parsers: decoding, width, joining wrapped lines, t2s."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from index.errors import BadEncoding
from index.lexicon import pairs

# PDF extraction turns the brackets of 〔2021〕 into „ ‟; fix them before anything else.
_CHAR_FIXES = str.maketrans({"„": "〔", "‟": "〕", "\u3000": " ", "\xa0": " ", "\ufeff": ""})
_LATIN = r"[A-Za-z0-9]"
_SPACE_BETWEEN_LATIN = re.compile(rf"(?<={_LATIN})\s+(?={_LATIN})")
_SPACES = re.compile(r"\s+")
# str.splitlines() also breaks at these; an editor does not, so line numbers counted with it drift.
_NOT_BREAKS = str.maketrans(dict.fromkeys("\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029", " "))


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
    return text.replace("\r\n", "\n").translate(_NOT_BREAKS)


def lines(text: str) -> list[str]:
    """The lines of a text as an editor numbers them (never str.splitlines())."""
    return one_break(text).split("\n")


def clean_line(line: str) -> str:
    """Repair extraction artefacts in one line and strip it."""
    return line.translate(_CHAR_FIXES).strip()


def width(text: str) -> float:
    """Display width in full-width characters (a Latin letter or digit counts one half)."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.5 for c in text)


def join_wrapped(parts: list[str]) -> str:
    """Join wrapped lines into one string, dropping whitespace except between Latin words."""
    joined = "".join(p.strip() for p in parts)
    joined = _SPACE_BETWEEN_LATIN.sub("\x00", joined)
    return _SPACES.sub("", joined).replace("\x00", " ")


@cache
def _t2s() -> dict[int, str]:
    """Traditional -> simplified character table (index/data/t2s_chars.txt)."""
    return {ord(t): s for t, s in pairs("t2s_chars.txt") if len(t) == 1}


def simplified(text: str) -> str:
    """Text with traditional characters replaced by simplified ones (for matching, not storing)."""
    return text.translate(_t2s())


def squash(text: str) -> str:
    """Remove all whitespace (for comparisons that ignore it)."""
    return _SPACES.sub("", text)
