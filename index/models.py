"""Frozen values passed between the core's stages."""

from __future__ import annotations

from dataclasses import dataclass, field

LEAD = "lead"
OTHER = "other"


@dataclass(frozen=True)
class Document:
    """One plan document and what the catalog (or a guess) says about it."""

    id: str
    title: str
    region: str = ""
    level: str = ""
    year: int | None = None
    issuer: str = ""
    number: str = ""
    date: str = ""
    source: str = ""


@dataclass(frozen=True)
class Unit:
    """One responsible body named in a unit cell."""

    name: str  # as written in the cell, e.g. "教育局"
    normalized: str  # for lookup, shared prefix carried through, e.g. "市教育局"
    role: str  # LEAD or OTHER
    collective: bool = False  # 市直各单位, 各县（市、区）政府（管委会）, 有关单位 …


@dataclass(frozen=True)
class Units:
    """A whole 落实单位 cell and the bodies it names, lead first."""

    raw: str
    members: tuple[Unit, ...] = ()

    @property
    def lead(self) -> tuple[str, ...]:
        """Names marked 牵头 (or 主办), as written."""
        return tuple(u.name for u in self.members if u.role == LEAD)

    @property
    def others(self) -> tuple[str, ...]:
        """Every other name in the cell, as written."""
        return tuple(u.name for u in self.members if u.role == OTHER)


@dataclass(frozen=True)
class Item:
    """One numbered item of a plan: what must be done, by whom, by when."""

    doc: str
    number: str  # as printed: "26", or "国务院 五（三）" for a prose paragraph
    task: str  # the 工作任务 it falls under (for prose: the paragraph's heading)
    text: str  # the requirement, wrapping removed
    units: Units = field(default_factory=lambda: Units(""))
    deadline: str | None = None
    line: int = 0  # 1-based source line where the item starts
    position: int = 0  # order within the document, from 1
    due: tuple[str, ...] = ()  # ISO dates the deadline (or the text) names, earliest first (index/deadline.py)
    ongoing: bool = False  # the deadline says ongoing work: 长期坚持, 常态化 …
    corrected: bool = False  # units or deadline set by a person (corpus/corrections.toml), not as read


@dataclass(frozen=True)
class Hit:
    """One ranked search result."""

    item: Item
    score: float
    matched_terms: tuple[str, ...] = ()
