"""Rank items for a query: BM25 behind a small interface, so the engine can be swapped.

BM25Plus is used rather than BM25Okapi: Okapi's idf log((N-n+0.5)/(n+0.5)) is zero or negative
for a term found in half the items or more (and rank-bm25 then substitutes a floor), which
in a corpus where every region has the same task makes common but decisive words vanish.
BM25Plus's idf log((N+1)/n) stays positive, and its delta keeps long items from being
pushed below short ones only for being long.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

import numpy as np
from rank_bm25 import BM25Plus


class Ranker(Protocol):
    """What the engine needs from a ranking backend."""

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """One score per item, in the order the items were given."""

    def idf(self, token: str) -> float:
        """How rare a token is (an unseen token counts as the rarest)."""


class BM25(Ranker):
    """rank-bm25's BM25Plus over the stored item tokens."""

    def __init__(self, corpus: Sequence[Sequence[str]]) -> None:
        self.size = len(corpus)
        self._bm25 = BM25Plus([list(tokens) or [""] for tokens in corpus]) if corpus else None

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """BM25Plus scores of every item for the query tokens."""
        if self._bm25 is None or not query:
            return np.zeros(self.size)
        known = [t for t in query if t in self._bm25.idf]
        if not known:
            return np.zeros(self.size)
        # rank-bm25 adds delta * idf to every item, matching or not; take it off so 0 means no match.
        floor = sum(self._bm25.delta * self._bm25.idf[t] for t in known)
        return self._bm25.get_scores(known) - floor

    def idf(self, token: str) -> float:
        """BM25Plus idf of a token; unseen tokens get the idf of a term in half an item."""
        if self._bm25 is None:
            return 0.0
        return self._bm25.idf.get(token, math.log((self.size + 1) / 0.5))
