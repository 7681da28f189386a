"""Questions about what falls due ("9月前要完成哪些？", "市财政局三季度要完成什么"), answered from
the due dates read at ingest (index/deadline.py): the items of the place or unit asked whose
due date lies in the period the question names, resolved against each plan's own year.
"""

from __future__ import annotations

from bot.answer import Answer, Answerer, Listed, Query, RegionGroup
from index.deadline import Mention, mentions, without_times
from index.lexicon import table
from index.models import LEAD, Hit, Item
from index.rank import Ranges


def due_answer(answerer: Answerer, text: str, region: str = "", scope: tuple[str, Ranges] | None = None) -> Answer | None:
    """The items due in the period a question names, or None when the question asks something else."""
    found = mentions(text)
    if not found or _topic(answerer, text):
        return None
    query = answerer.understand(text, region, scope)
    items = answerer.engine.of_unit(query.unit, query.allowed) if query.unit else answerer.engine.due_items(query.allowed)
    years = {doc: document.year for doc, document in answerer.engine.documents.items()}
    due = [(d, item) for item in items for d in [_due_within(item, found[-1], years[item.doc])] if d]
    entries = [_listed(item, query.unit) for _, item in sorted(due, key=lambda pair: pair[0])]
    groups: dict[str, list[Listed]] = {}
    for entry in entries:
        groups.setdefault(entry.hit.item.doc, []).append(entry)
    listing = tuple(RegionGroup(answerer.region_of(doc), doc, tuple(group)) for doc, group in groups.items())
    asked = Query(text, "due", query.place, query.allowed, query.unit)
    return Answer(asked, listing=listing) if listing else Answer(asked, suggestions=answerer.examples)


def _topic(answerer: Answerer, text: str) -> bool:
    """True when a question names more than a time, a place and a unit: a topic to search for."""
    words = tuple(table("deadline_words.toml")["question_words"])
    return bool(answerer.topic_tokens(without_times(text), answerer.understand(text), words))


def _due_within(item: Item, asked: Mention, year: int | None) -> str:
    """The item's first due date by the end of the period asked ('' when none): 9月前 and 三季度 mean by 09-30."""
    if year is None and asked.year is None:
        return ""
    last = asked.period(year or 0)[1].isoformat()
    return next((d for d in item.due if d <= last), "")


def _listed(item: Item, unit: str) -> Listed:
    """One due item in the listing, with the role the unit asked about has in it."""
    written = next((u for u in item.units.members if unit and unit in (u.name, u.normalized)), None)
    return Listed(Hit(item, 1.0, ()), written is not None and written.role == LEAD, written.name if written else "")


def falling_due(answerer: Answerer, before: str = "", unit: str = "", region: str = "") -> list[tuple[str, Item]]:
    """(first due date, item), the earliest first, due on or before `before` (ISO date; '' for any).

    Raises ValueError naming an unknown region or unit (with the units it may have meant).
    """
    scope = answerer.scope(region) if region else None
    if unit:
        listed = answerer.unit(unit, region)
        if listed.no_answer and listed.suggestions:
            raise ValueError(f"no unit {unit!r} (did you mean: {'、'.join(listed.suggestions)})")
        items = [hit.item for hit in listed.hits if hit.item.due]
    else:
        items = answerer.engine.due_items(scope[1] if scope else None)
    last = before or "9999-12-31"
    return sorted(((d, item) for item in items for d in item.due[:1] if d <= last), key=lambda pair: pair[0])
