"""Distinct tasks among ranked hits: items of different plans that say the same thing.

Local plans copy the provincial text item by item, so one task appears once per region. The
answer's margin test and its 'elsewhere' groups count such near-identical items once.
"""

from __future__ import annotations

from functools import lru_cache

from index.models import Hit
from index.segment import normalize
from index.text import squash

# Character-bigram Jaccard at which two items are one task: the smallest round value that never
# joins two items of one plan (distinct tasks by construction) in the five bundled plans, whose
# closest same-plan pair is just under 0.6, while 218 pairs of different plans reach it
# (`benchmarks/growth.py --similarity` prints these figures). No question set is involved.
NEAR_SAME = 0.6


@lru_cache(maxsize=65_536)
def bigrams(text: str) -> frozenset[str]:
    """The character bigrams of text, normalized and without whitespace."""
    folded = squash(normalize(text))
    return frozenset(folded[i : i + 2] for i in range(len(folded) - 1))


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of two texts' character bigrams, in [0, 1]."""
    x, y = bigrams(a), bigrams(b)
    return len(x & y) / len(x | y) if x or y else 1.0


def near_identical(a: Hit, b: Hit) -> bool:
    """True when two hits' items say the same thing."""
    return similarity(a.item.text, b.item.text) >= NEAR_SAME


def cluster(hits: list[Hit]) -> list[list[Hit]]:
    """Hits grouped into tasks, in rank order: each joins the first task whose best hit it repeats.

    Verbatim copies are matched by their text alone, so a task copied by hundreds of plans
    costs one comparison per distinct wording.
    """
    tasks: list[list[Hit]] = []
    by_text: dict[str, list[Hit]] = {}
    for hit in hits:
        key = squash(normalize(hit.item.text))
        home = by_text.get(key) or next((task for task in tasks if near_identical(task[0], hit)), None)
        if home is None:
            home = []
            tasks.append(home)
        home.append(hit)
        by_text.setdefault(key, home)
    return tasks
