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
# NEAR_SAME as a ratio of integers, for an exact test on set sizes: Jaccard(x, y) <= min/max of
# their sizes, so two sets whose sizes differ that much cannot be near-identical.
NEAR_RATIO = (3, 5)
assert NEAR_RATIO[0] / NEAR_RATIO[1] == NEAR_SAME


@lru_cache(maxsize=65_536)
def folded(text: str) -> str:
    """The text normalized and without whitespace: what verbatim copies share."""
    return squash(normalize(text))


@lru_cache(maxsize=65_536)
def bigrams(text: str) -> frozenset[str]:
    """The character bigrams of text, normalized and without whitespace."""
    flat = folded(text)
    return frozenset(flat[i : i + 2] for i in range(len(flat) - 1))


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of two texts' character bigrams, in [0, 1]."""
    return _jaccard(bigrams(a), bigrams(b))


def _jaccard(x: frozenset[str], y: frozenset[str]) -> float:
    """|x ∩ y| / |x ∪ y|, 1.0 for two empty sets."""
    if not x and not y:
        return 1.0
    shared = len(x & y)
    return shared / (len(x) + len(y) - shared)


def near_identical(a: Hit, b: Hit) -> bool:
    """True when two hits' items say the same thing."""
    return _near(bigrams(a.item.text), bigrams(b.item.text))


def _near(x: frozenset[str], y: frozenset[str]) -> bool:
    """True when two texts' bigrams are near-identical: similarity() at least NEAR_SAME, the sizes tested first."""
    small, large = (len(x), len(y)) if len(x) <= len(y) else (len(y), len(x))
    if small * NEAR_RATIO[1] < large * NEAR_RATIO[0]:  # min/max < NEAR_SAME, so Jaccard is too
        return False
    return _jaccard(x, y) >= NEAR_SAME


def cluster(hits: list[Hit], limit: int | None = None) -> list[list[Hit]]:
    """Hits grouped into tasks, in rank order: each joins the first task whose best hit it repeats.

    Verbatim copies are matched by their text alone, so a task copied by hundreds of plans
    costs one comparison per distinct wording. With a limit, grouping stops at the first hit that
    would open one task more: the tasks so far and their best hits are those of the full grouping,
    only their members further down are left out.
    """
    tasks: list[list[Hit]] = []
    heads: list[frozenset[str]] = []  # the bigrams of each task's best hit, looked up once
    by_text: dict[str, list[Hit]] = {}
    for hit in hits:
        key = folded(hit.item.text)
        home = by_text.get(key)
        if home is None:
            mine = bigrams(hit.item.text)
            home = next((task for task, head in zip(tasks, heads) if _near(head, mine)), None)
            if home is None:
                if limit is not None and len(tasks) >= limit:
                    break
                home = []
                tasks.append(home)
                heads.append(mine)
        home.append(hit)
        by_text.setdefault(key, home)
    return tasks
