"""完成时限 read into due dates: 2021年9月前 -> 2021-09-30, 年底前 -> the plan year's 12-31.

The same reading serves plans at ingest (`read_due`: an item's dates and whether it is ongoing
work) and questions ("9月前要完成哪些？": `mentions` of the question, each a period that
`Mention.period` resolves against a plan's year). The words are in index/data/deadline_words.toml.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

from index.lexicon import table
from index.segment import normalize

_CN = {c: i for i, c in enumerate("零一二三四五六七八九十", 0)}


@dataclass(frozen=True)
class Mention:
    """A time a text names (a day, a month, a quarter, a part of a year), maybe without its year."""

    year: int | None  # as written; None when the plan's year (or one named before) is meant
    offset: int  # years after that year (明年 = 1)
    months: tuple[int, int]  # the first and last month of the period
    days: tuple[int, int | None]  # its first day and last day (None: the end of the month)
    before: bool  # written as a deadline (前, 以前, 之前 …) rather than as a period

    def period(self, year: int) -> tuple[date, date]:
        """The first and last day of the period, in the year given when it names none."""
        at = (self.year or year) + self.offset
        last = self.days[1] or monthrange(at, self.months[1])[1]
        return date(at, self.months[0], self.days[0]), date(at, self.months[1], last)


@dataclass(frozen=True)
class Due:
    """When an item is due: its dates (ISO, earliest first) and whether it is ongoing work."""

    dates: tuple[str, ...] = ()
    ongoing: bool = False


def read_due(deadline: str | None, text: str, year: int | None) -> Due:
    """An item's due dates from its 完成时限, or from deadline dates in its text when it has none.

    A date without a year takes the last year named before it in the same cell, else the plan's
    ("2021年2月公布预算…8月公布决算" is due 2021-02-28 and 2021-08-31).
    """
    if deadline:
        return _deadline_due(deadline, year)
    dates = _dates(text, year, deadlines_only=True)  # the text's dates written as deadlines (…前)
    return Due(dates) if dates else _NOT_DUE  # most items' text names none: one value for all of them


_NOT_DUE = Due()


@lru_cache(maxsize=4096)  # plans repeat their deadline cells
def _deadline_due(deadline: str, year: int | None) -> Due:
    """The Due of a 完成时限 cell."""
    folded = normalize(deadline)  # once, not once per word
    return Due(_dates(deadline, year, deadlines_only=False), any(w in folded for w in _words()["ongoing"]))


def _dates(source: str, year: int | None, deadlines_only: bool) -> tuple[str, ...]:
    """The last days of the periods source names (ISO, earliest first), each in the last year named before it."""
    dates: set[str] = set()
    carried = year
    for mention in mentions(source):
        carried = mention.year or carried
        if carried is None or (deadlines_only and not mention.before):
            continue
        dates.add(mention.period(carried)[1].isoformat())
    return tuple(sorted(dates))


def mentions(text: str) -> list[Mention]:
    """Every time named in text, in order."""
    text = normalize(text)
    if not _anchor().search(text):
        return []  # most text names no time: spared the search for the whole pattern at every character
    found = []
    for match in _pattern().finditer(text):
        after = text[match.end():]
        before = any(after.startswith(w) for w in _words()["before"])
        found.append(_mention(match, before))
    return found


def _mention(match: re.Match[str], before: bool) -> Mention:
    """The Mention a match of _pattern stands for."""
    words = _words()
    year = int(match["year"]) if match["year"] else None
    offset = words["relative_years"].get(match["rel"] + "年", 0) if match["rel"] else 0
    if match["part"]:
        first, last = words["year_parts"][match["part"]]
        return Mention(year, offset, (first, last), (1, None), before)
    month = _number(match["month"])
    if match["day"]:
        day = int(match["day"])
        return Mention(year, offset, (month, month), (day, day), before)
    part = match["mpart"] or ""
    last = words["month_parts"].get(part) if part not in words["month_end"] else None
    return Mention(year, offset, (month, month), (1, last), before)


def without_times(text: str) -> str:
    """Text with every time it names taken out (normalized)."""
    return _pattern().sub(" ", normalize(text))


@cache
def _words() -> dict:
    """The deadline words (index/data/deadline_words.toml)."""
    return table("deadline_words.toml")


@cache
def _pattern() -> re.Pattern[str]:
    """Years, months, days and parts of years as plans and questions write them."""
    words = _words()
    relative = "|".join(re.escape(w.removesuffix("年")) for w in sorted(words["relative_years"], key=len, reverse=True))
    parts = "|".join(map(re.escape, sorted(words["year_parts"], key=len, reverse=True)))
    month_parts = "|".join(map(re.escape, sorted([*words["month_parts"], *words["month_end"]], key=len, reverse=True)))
    prefix = rf"(?:(?P<year>(?:19|20)\d{{2}})|(?P<rel>{relative}))?\s*年?\s*"
    month = r"(?P<month>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])\s*月份?"
    day = r"(?:(?P<day>[12]\d|3[01]|0?[1-9])\s*[日号])?"
    return re.compile(rf"{prefix}(?:(?P<part>{parts})|{month}{day}(?P<mpart>{month_parts})?)")


@cache
def _anchor() -> re.Pattern[str]:
    """What every match of _pattern holds: 月, or a part of a year (年底 …)."""
    return re.compile("|".join(["月", *map(re.escape, _words()["year_parts"])]))


def _number(text: str) -> int:
    """A month number written in digits or in Chinese (九, 十二)."""
    if text.isdigit():
        return int(text)
    if text.startswith("十"):
        return 10 + (_CN[text[1]] if len(text) > 1 else 0)
    return _CN[text]
