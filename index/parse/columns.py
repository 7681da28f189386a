"""Column roles: what each column of a table holds, from its header words and from its cells.

Roles: seq (序号), task (a heading or category), text (the requirement), unit, lead_unit, other_unit,
deadline, note. A header name is read exactly (index/data/table_layout.toml [columns]) or by the
words it contains ([header_words]); the cells' kinds overrule it where they clearly disagree.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import cache, lru_cache

from index.lexicon import table
from index.parse.cells import column_role
from index.parse.kinds import Kind
from index.text import simplified

SEQ, TASK, TEXT, UNIT, LEAD, OTHER, DEADLINE, NOTE = (
    "seq", "task", "text", "unit", "lead_unit", "other_unit", "deadline", "note")
UNIT_ROLES = (UNIT, LEAD, OTHER)
MAX_HEADER = 14  # characters of a listed header name, asides removed
MAX_GUESSED = 8  # characters of a header name read by the words it contains
DECISIVE = 0.6  # share of a column's cells of one kind that overrules its header
_ASIDE = re.compile(r"[（(][^（()）]*[）)]")
_BY_KIND = {Kind.SEQ: SEQ, Kind.UNIT: UNIT, Kind.DEADLINE: DEADLINE, Kind.TEXT: TEXT,
            Kind.HEADING: TASK, Kind.SHORT: TASK}
# Which roles take a cell of each kind when a row has to be aligned by its cells' kinds.
ACCEPTS = {
    SEQ: {Kind.SEQ},
    TASK: {Kind.HEADING, Kind.SHORT},
    TEXT: {Kind.TEXT, Kind.SHORT, Kind.HEADING},
    UNIT: {Kind.UNIT},
    LEAD: {Kind.UNIT},
    OTHER: {Kind.UNIT},
    DEADLINE: {Kind.DEADLINE},
    NOTE: set(Kind) - {Kind.EMPTY},
}


@cache
def _header_words() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(role, words) in the order they are tried."""
    return tuple((role, tuple(words)) for role, words in table("table_layout.toml")["header_words"].items())


@lru_cache(maxsize=1 << 14)  # asked of every row's first cells by each layout: short cells repeat
def header_role(name: str) -> str:
    """The role a header name gives its column, or '' when it is not a header name."""
    flat = "".join(name.split())
    if "（" in flat or "(" in flat:  # most names have no aside: spared the regex, which scans a long body cell slowly
        flat = _ASIDE.sub("", flat)
    if not flat or len(flat) > MAX_HEADER:
        return ""
    if role := column_role(flat):
        return role
    if len(flat) > MAX_GUESSED:
        return ""
    plain = simplified(flat)
    return next((role for role, words in _header_words() if any(w in plain for w in words)), "")


def is_header(names: Sequence[str]) -> bool:
    """True when a row of cells reads as a table header: two or more header names, nothing long."""
    roles = []
    for name in names:
        if name.strip():
            roles.append(header_role(name))
            if roles.count("") > 1:
                return False  # a body row: spare its other cells the reading
    return sum(1 for r in roles if r) >= 2 and bool(set(roles) & {TEXT, TASK, *UNIT_ROLES})


def decide(header: list[str], kinds: list[list[Kind]], lengths: list[float]) -> list[str]:
    """Each column's role: its header's, unless its cells clearly say otherwise; one text column."""
    roles = []
    for j, column in enumerate(kinds):
        hinted = header[j] if j < len(header) else ""
        found = Counter(k for k in column if k is not Kind.EMPTY)
        total = sum(found.values())
        best, count = found.most_common(1)[0] if found else (Kind.EMPTY, 0)
        content = _BY_KIND.get(best, "") if total and count >= DECISIVE * total else ""
        if hinted in (TASK, TEXT) and content in (TASK, TEXT):
            roles.append(content)  # a heading column under 工作要求, a requirement column under 工作任务
        elif hinted == NOTE or (hinted and (not content or _agrees(hinted, content))):
            roles.append(hinted)
        else:
            roles.append(content or hinted or NOTE)
    return _one_text(roles, lengths, header)


def _agrees(hinted: str, content: str) -> bool:
    """Whether a header role and the role the cells suggest are compatible."""
    if hinted in UNIT_ROLES:
        return content == UNIT
    return hinted == content


def _one_text(roles: list[str], lengths: list[float], header: list[str]) -> list[str]:
    """Keep the text role on the column with the longest cells; with none, the longest task column.
    Another column of requirements is a note, unless its header names tasks (tasks written as sentences)."""
    texts = [j for j, r in enumerate(roles) if r == TEXT] or [j for j, r in enumerate(roles) if r == TASK]
    if not texts:
        return roles
    keep = max(texts, key=lambda j: lengths[j])
    out = list(roles)
    for j in texts:
        out[j] = TEXT if j == keep else (NOTE if roles[j] == TEXT and header[j:j + 1] != [TASK] else TASK)
    return out
