"""What falls due: the items with a due date, by unit, region and date, for `policyqa due` and GET /api/due."""

from __future__ import annotations

from bot.answer import Answerer
from index.models import Item


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
