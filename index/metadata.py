"""Guess a plan's metadata from its text: title line, document number 〔YYYY〕, year, region."""

from __future__ import annotations

import re

from index.lexicon import words

_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}〔(\d{4})〕\d+\s*号")
_YEAR = re.compile(r"(20\d{2})\s*年")
_TITLE_WORDS = ("工作要点", "分工方案", "实施方案", "方案", "要点", "通知", "计划")
_REGION = re.compile(r"^(.{2,20}?(?:自治区|省|市|自治州|州|盟|区|县|旗|镇|乡|街道|开发区|新区|管委会))(?=\d{4}|关于|人民政府|政府|办公)")
_ISSUER = re.compile(r"^(.{2,30}?(?:人民政府办公室|人民政府办公厅|人民政府|办公室|办公厅))(?:关于|转发|印发)")
MAX_TITLE = 80
MIN_FIRST_LINE = 6  # a shorter line before a title is a label (附件1), not its first half
HEAD_LINES = 60  # lines the metadata is looked for in
HEAD_CHARS = 8192  # characters that hold them in most plans


def guess_metadata(text: str) -> dict[str, str | int]:
    """What the text says about itself: title, number, year, region, issuer (only what is found)."""
    lines = [re.sub(r"[#*\s]+", "", line).replace("„", "〔").replace("‟", "〕") for line in _head(text)]
    lines = [line for line in lines if re.search(r"[\u4e00-\u9fff]", line)]  # markdown rules, page marks out
    found: dict[str, str | int] = {}
    title = next((_unwrapped_title(lines, i) for i, line in enumerate(lines) if _is_title(line)), "")
    if title:
        found["title"] = title
    # The plan's own number stands on a line of its own; one inside a sentence cites another document.
    number = next((m for m in map(_NUMBER.fullmatch, lines) if m), None)
    if number:
        found["number"] = number.group(0).replace(" ", "")
    year = _YEAR.search(title) or (number and re.match(r".*?〔(\d{4})〕", number.group(0)))
    if year:
        found["year"] = int(year.group(1))
    region = _REGION.match(title) or _place_prefix(title)
    if region:
        found["region"] = region if isinstance(region, str) else region.group(1)
    issuer = _ISSUER.match(title)
    if issuer:
        found["issuer"] = issuer.group(1)
    return found


def _head(text: str) -> list[str]:
    """text.splitlines()[:HEAD_LINES], from the first characters when they hold more lines than that
    (then the first lines all end in them): a large plan is not split to its end for its head."""
    lines = text[:HEAD_CHARS].splitlines()
    return lines[:HEAD_LINES] if len(lines) > HEAD_LINES else text.splitlines()[:HEAD_LINES]


def _unwrapped_title(lines: list[str], i: int) -> str:
    """The title ending on line i, with its first line when it wrapped onto two."""
    before = lines[i - 1] if i > 0 else ""
    wrapped = len(before) >= MIN_FIRST_LINE and not _NUMBER.search(before) and _is_title(before + lines[i])
    return before + lines[i] if wrapped and not _is_title(before) else lines[i]


def _is_title(line: str) -> bool:
    """True for a line that reads as a plan's title (ends like one, no sentence punctuation)."""
    return (
        len(line) <= MAX_TITLE
        and line.endswith(_TITLE_WORDS)
        and not re.search(r"[，。；：]", line)
        and not re.match(r"^[\d一二三四五六七八九十（(]", line)
    )


def _place_prefix(title: str) -> str:
    """A known place name the title starts with (index/data/unit_places.txt), or ''."""
    return next((p for p in sorted(words("unit_places.txt"), key=len, reverse=True) if title.startswith(p)), "")
