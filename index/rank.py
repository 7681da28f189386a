"""Rank items for a query with BM25Plus, two interchangeable ways.

BM25Plus rather than BM25Okapi: Okapi's idf log((N-n+0.5)/(n+0.5)) is zero or negative for a
term found in half the items or more (rank-bm25 then substitutes a floor), which in a corpus
where every region has the same task makes common but decisive words vanish. BM25Plus's idf
log((N+1)/n) stays positive, and its delta keeps long items from losing only for being long.

- `BM25` is rank-bm25 itself, the reference: it holds every item's tokens in memory and walks
  them all for each query term (fine for thousands of items, ~200 ms at 100k).
- `Postings` is the same formula precomputed at ingest: per term, the ids of the items that
  contain it and each item's weight, stored in SQLite. A query reads only its own terms'
  rows and adds them up, so it costs milliseconds at 100k items and nothing to load.
Both give the same scores up to the constant rank-bm25 adds to every item (delta * idf of each
query term, matching or not), which is left out here so that 0 means "no match".
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

K1, B, DELTA = 1.5, 0.75, 1.0  # rank-bm25's BM25Plus defaults
NUMPY_ABOVE = 5_000  # postings to add up (or item ids in the index) before numpy is worth importing
SMALL = 64  # postings a dict adds up faster than numpy's fixed costs
DENSE_SHARE = 32  # above one posting per this many ids, sum over every id rather than sort the postings
SAMPLE = 10_000  # items sampled to bound the k-th best score before picking the top k


def idf(size: int, df: int) -> float:
    """BM25Plus idf; an unseen term (df 0) counts as found in half an item, the rarest there is."""
    return math.log((size + 1) / (df or 0.5))


class BM25:
    """rank-bm25's BM25Plus over tokens held in memory (the reference scorer)."""

    def __init__(self, corpus: Sequence[Sequence[str]]) -> None:
        from rank_bm25 import BM25Plus

        self.size = len(corpus)
        self._bm25 = BM25Plus([list(tokens) or [""] for tokens in corpus]) if corpus else None

    def scores(self, query: Sequence[str]) -> list[float]:
        """One score per item, 0 for an item matching no query term."""
        known = [t for t in query if self._bm25 is not None and t in self._bm25.idf]
        if not known:
            return [0.0] * self.size
        floor = sum(self._bm25.delta * self._bm25.idf[t] for t in known)
        return [float(s) - floor for s in self._bm25.get_scores(known)]


@dataclass
class PostingsBuilder:
    """Collects (item id, tokens) at ingest and yields each term's postings with their weights."""

    ids: dict[str, array] = field(default_factory=dict)
    tfs: dict[str, array] = field(default_factory=dict)
    lengths: dict[int, int] = field(default_factory=dict)

    def add(self, item_id: int, tokens: Sequence[str]) -> None:
        """Count one item's tokens."""
        self.lengths[item_id] = len(tokens)
        for term, tf in Counter(tokens).items():
            self.ids.setdefault(term, array("i")).append(item_id)
            self.tfs.setdefault(term, array("i")).append(tf)

    @property
    def size(self) -> int:
        """Items counted."""
        return len(self.lengths)

    @property
    def average_length(self) -> float:
        """Mean tokens per item."""
        return sum(self.lengths.values()) / self.size if self.size else 0.0

    def rows(self) -> Iterator[tuple[str, int, bytes, bytes]]:
        """(term, df, item ids as int32 bytes, weights as float64 bytes) per term."""
        size, avgdl = self.size, self.average_length or 1.0
        for term, ids in self.ids.items():
            weight = idf(size, len(ids)) * (K1 + 1)
            weights = array("d", (
                weight * tf / (K1 * (1 - B + B * self.lengths[i] / avgdl) + tf)
                for i, tf in zip(ids, self.tfs[term])
            ))
            yield term, len(ids), ids.tobytes(), weights.tobytes()


Ranges = tuple[tuple[int, int], ...]  # inclusive item-id ranges a search is restricted to


def top_scores(rows: Iterable[tuple[int, bytes, bytes]], k: int, ranges: Ranges | None = None) -> list[tuple[int, float]]:
    """The k best (item id, score) from (query-term count, ids, weights) rows, best first.

    An item's score is the sum of its weights over the query terms; ties go to the lower id.
    Every way of adding them up below adds an item's weights in the same order, so each gives
    the same sums to the last bit and the same top k.
    """
    rows = list(rows)
    if k <= 0:
        return []
    postings = sum(len(ids) for _, ids, _ in rows) // 4
    last = max((memoryview(ids).cast("i")[-1] for _, ids, _ in rows if ids), default=0)
    # numpy pays above a few dozen postings, once loaded: an index of more than NUMPY_ABOVE ids
    # has it loaded at start-up (Engine), a small one only for a query that long.
    if postings > NUMPY_ABOVE or (postings > SMALL and last > NUMPY_ABOVE):
        return _top_numpy(rows, k, ranges, dense=postings * DENSE_SHARE > last)
    scores: dict[int, float] = {}
    for count, ids, weights in rows:
        for item_id, weight in zip(array("i", ids), array("d", weights)):
            scores[item_id] = scores.get(item_id, 0.0) + count * weight
    ranked = sorted((i for i in scores if ranges is None or _inside(i, ranges)), key=lambda i: (-scores[i], i))
    return [(i, scores[i]) for i in ranked[:k] if scores[i] > 0]


def _inside(item_id: int, ranges: Ranges) -> bool:
    """True when the id lies in one of the ranges."""
    return any(lo <= item_id <= hi for lo, hi in ranges)


def _top_numpy(rows: list[tuple[int, bytes, bytes]], k: int, ranges: Ranges | None, dense: bool) -> list[tuple[int, float]]:
    """top_scores with numpy: sums over every id up to the largest (dense), else over the ids found."""
    import numpy as np

    ids = np.concatenate([np.frombuffer(i, dtype=np.int32) for _, i, _ in rows])
    weights = np.concatenate([np.frombuffer(w, dtype=np.float64) * c if c > 1 else np.frombuffer(w, dtype=np.float64)
                              for c, _, w in rows])
    if dense:
        found, sums = None, np.bincount(ids, weights=weights)
    else:  # few postings among many ids: sort them rather than zero and scan an array over all ids
        found, where = np.unique(ids, return_inverse=True)
        sums = np.bincount(where, weights=weights)
    if ranges is not None:
        _restrict(np, sums, found, ranges)
    floor = _floor(np, sums, rows, k) if dense else 0.0
    candidates = np.flatnonzero(sums >= floor) if floor > 0 else np.flatnonzero(sums > 0)
    best = _pick(np, sums, candidates if found is None else found[candidates], candidates, k)
    return [(int(i if found is None else found[i]), float(sums[i])) for i in best]


def _restrict(np, sums, found, ranges: Ranges) -> None:  # noqa: ANN001 - numpy types
    """Zero the sums outside the id ranges; found holds each sum's id, or is None when sums are indexed by id."""
    keep = np.zeros(len(sums), dtype=bool)
    for lo, hi in ranges:
        start, end = (lo, hi + 1) if found is None else np.searchsorted(found, (lo, hi + 1))
        keep[start:end] = True
    sums[~keep] = 0.0


def _pick(np, sums, ids, candidates, k: int):  # noqa: ANN001, ANN202 - numpy types
    """The k best of the candidate positions (their item ids given): highest sum first, ties to the lower id."""
    if len(candidates) > k:  # keep every item tied with the k-th, so the lower ids can win the tie
        kth = np.partition(sums[candidates], len(candidates) - k)[len(candidates) - k]
        tied = sums[candidates] >= kth
        candidates, ids = candidates[tied], ids[tied]
    return candidates[np.lexsort((ids, -sums[candidates]))][:k]


def _floor(np, sums, rows: list[tuple[int, bytes, bytes]], k: int) -> float:  # noqa: ANN001 - numpy types
    """A lower bound of the k-th best of sums indexed by id, or 0 when there are too few items to sample.

    The k-th best score of any k or more distinct items bounds the k-th best overall from below,
    so only the items scoring at least that need partitioning. The items are an even sample of
    all ids (every step-th) plus those of the rarest query term, which usually puts the bound near
    the top. Rarest ids already in the stride are left out: an item counted twice could lift the
    bound above the true k-th score and lose hits.
    """
    if len(sums) <= SAMPLE:
        return 0.0
    step = len(sums) // SAMPLE
    rarest = np.frombuffer(min(rows, key=lambda row: len(row[1]))[1], dtype=np.int32)[:SAMPLE]
    sample = sums[np.concatenate([np.arange(0, len(sums), step), rarest[rarest % step != 0]])]
    return float(np.partition(sample, len(sample) - k)[len(sample) - k]) if len(sample) >= k else 0.0
