"""Unit names in a question, matched against the names the indexed plans use.

A question names a body as the plans write it (市财政局), with or without a level (财政局), with
its place in front (开平市财政局 = 开平 + 财政局), or by a common abbreviation (卫健局 = 卫生健康局,
by rule or by index/data/unit_abbreviations.txt, whole-name aliases in unit_aliases.txt). The
rules, in order of trust:

1. the name itself, a level character (市/区/县/镇/省) in front being optional on either side,
   though two different levels never match (市司法局 is not 区司法局);
2. 和 ignored (人力资源和社会保障局 = 人力资源社会保障局), and a bracketed second name counts
   as a name of its own (区经济促进和旅游局（政务服务数据管理局）);
3. short forms written out (index/data/unit_abbreviations.txt);
4. an abbreviation by rule: same first character, same ending, its characters in order in the
   full name, and at least three characters (人社局 ~ 人力资源社会保障局).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from index.lexicon import words
from index.segment import normalize

LEVELS = "省市区县镇"
MIN_ABBREVIATION = 3  # characters an abbreviation needs before the in-order rule applies
_BRACKETED = re.compile(r"[（(]([^（）()]+)[）)]")


@dataclass(frozen=True)
class UnitMatch:
    """A unit named in a question: the text naming it and the indexed names it stands for."""

    span: str  # as the question writes it (normalized), place included
    place: str  # the place written in front of it, '' when none
    names: tuple[str, ...]  # names as the index holds them, most exact first


def _split_level(name: str) -> tuple[str, str]:
    """(level character, the rest) of a name; ('', name) when it starts with none."""
    if len(name) > MIN_ABBREVIATION and name[0] in LEVELS:
        return name[0], name[1:]
    return "", name


def _body(name: str) -> str:
    """A name as compared: 和 dropped."""
    return name.replace("和", "")


def _in_order(short: str, full: str) -> bool:
    """True when every character of short occurs in full, in order."""
    found = iter(full)
    return all(char in found for char in short)


class UnitNames:
    """The indexed unit names, looked up the ways a question may write them."""

    def __init__(self, names: Iterable[str]) -> None:
        """names: every unit name the index holds."""
        self.names = sorted({n for n in names if len(n) >= 2})
        self._by_body: dict[str, list[tuple[str, str]]] = {}  # body -> [(level, name as indexed)]
        for name in self.names:
            folded = normalize(name)
            for alias in [_BRACKETED.sub("", folded), *_BRACKETED.findall(folded)]:
                level, rest = _split_level(alias)
                self._by_body.setdefault(_body(rest), []).append((level, name))
                self._by_body.setdefault(_body(alias), []).append(("", name))
        self._aliases = self._alias_table()
        self._endings = tuple({normalize(w) for w in words("unit_body_endings.txt")} | set(self._aliases))
        self._longest = max(map(len, [*self.names, *self._aliases, ""]))

    def _alias_table(self) -> dict[str, str]:
        """Whole-name aliases (index/data/unit_aliases.txt) -> the name they stand for."""
        table: dict[str, str] = {}
        for line in words("unit_aliases.txt"):
            key, _, rest = line.partition(":")
            for alias in rest.split(","):
                if alias.strip():
                    table[normalize(alias.strip())] = normalize(key.strip())
        return table

    @cached_property
    def _expansions(self) -> list[tuple[str, str]]:
        """(short form, full form) of index/data/unit_abbreviations.txt, longest short form first."""
        pairs = []
        for line in words("unit_abbreviations.txt"):
            full, _, shorts = line.partition(":")
            pairs += [(normalize(s.strip()), normalize(full.strip())) for s in shorts.split(",") if s.strip()]
        return sorted(pairs, key=lambda p: -len(p[0]))

    @cached_property
    def _by_shape(self) -> dict[tuple[str, str], list[str]]:
        """Bodies by (first character, last character), for the in-order abbreviation rule."""
        shapes: dict[tuple[str, str], list[str]] = {}
        for body in self._by_body:
            if body:
                shapes.setdefault((body[0], body[-1]), []).append(body)
        return shapes

    def lookup(self, written: str) -> tuple[str, ...]:
        """The indexed names a unit name (without its place) stands for, most exact first."""
        written = normalize(written)
        for name in dict.fromkeys([self._aliases.get(written, written), written]):
            for level, rest in dict.fromkeys([_split_level(name), ("", name)]):  # 市场监管局 is no 市 + 场监管局
                for variant in self._variants(rest):
                    found = self._named(level, variant) or self._abbreviated(level, variant)
                    if found:
                        return found
        return ()

    def _variants(self, rest: str) -> list[str]:
        """The name as written, then with its short forms written out."""
        variants = [_body(rest)]
        for short, full in self._expansions:
            if short in rest:
                variants.append(_body(rest.replace(short, full, 1)))
        return variants

    def _named(self, level: str, body: str) -> tuple[str, ...]:
        """Names with this body and a compatible level."""
        found = [name for lvl, name in self._by_body.get(body, []) if not (level and lvl and lvl != level)]
        return tuple(dict.fromkeys(found))

    def _abbreviated(self, level: str, short: str) -> tuple[str, ...]:
        """Names whose body the short form abbreviates (rule 4)."""
        if len(short) < MIN_ABBREVIATION:
            return ()
        bodies = [b for b in self._by_shape.get((short[0], short[-1]), []) if len(b) > len(short) and _in_order(short, b)]
        return tuple(dict.fromkeys(n for b in bodies for n in self._named(level, b)))

    def find(self, text: str, places: Iterable[str] = ()) -> UnitMatch | None:
        """The longest unit name in text, with a place alias in front or not (None when none)."""
        text = normalize(text)
        places = _shortest_first(tuple(places))
        reach = self._longest + max(map(len, [*places, ""]))
        best: UnitMatch | None = None
        for end in range(len(text), 0, -1):
            if not text[:end].endswith(self._endings):
                continue
            for start in range(max(0, end - reach), end - 1):
                span = text[start:end]
                if best is not None and len(span) <= len(best.span):
                    break
                match = self._match(span, places)
                if match:
                    best = match
                    break
        return best

    def _match(self, span: str, places: list[str]) -> UnitMatch | None:
        """The span as a unit name: whole, or as a place followed by a unit name."""
        names = self.lookup(span)
        if names:
            return UnitMatch(span, "", names)
        for place in places:  # shortest place first: 湛江 + 市司法局 before 湛江市 + 司法局
            if span.startswith(place) and len(span) > len(place) + 1:
                names = self.lookup(span[len(place):])
                if names:
                    return UnitMatch(span, place, names)
        return None


@lru_cache(maxsize=64)
def _shortest_first(places: tuple[str, ...]) -> list[str]:
    """Place names normalized, each once, the shortest first (the same few lists for every question: made once)."""
    return sorted({normalize(p) for p in places if p}, key=len)
