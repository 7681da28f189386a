"""The engine: the stored index loaded once, searched many times. No I/O beyond the database."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from index.corpus import IngestResult, ingest
from index.errors import EmptyCorpus
from index.models import Document, Hit, Item
from index.rank import BM25, Ranker
from index.segment import Segmenter
from index.store import Store


def harvest(items: Iterable[Item]) -> set[str]:
    """Words for the tokenizer's dictionary from the items: the units' names."""
    return {name for item in items for u in item.units.members for name in (u.name, u.normalized)}


def build_index(
    store: Store,
    paths: Iterable[Path],
    everything: bool = True,
    progress: Callable[[Path], None] | None = None,
    overrides: dict | None = None,
) -> IngestResult:
    """Parse plan files and store them, re-tokenizing the whole index in one transaction.

    With everything=True the index is rebuilt from these files alone; otherwise they are added,
    replacing documents with the same id and keeping the rest.
    """
    result = ingest(paths, progress, overrides)
    new_ids = {p.document.id for p in result.parsed}
    kept: list[tuple[Document, list[Item]]] = []
    if not everything:
        old = {}
        for item, _ in store.items():
            old.setdefault(item.doc, []).append(item)
        kept = [(d, old.get(d.id, [])) for d in store.documents() if d.id not in new_ids]
    plans = kept + [(p.document, p.items) for p in result.parsed]
    if not plans and everything and result.errors:
        return result  # nothing good to store: keep the previous index answering
    segmenter = Segmenter(harvest(i for _, items in plans for i in items))
    store.replace(
        plans,
        lambda item: segmenter.tokens(f"{item.task} {item.text}"),
        {"dictionary": "\n".join(segmenter.extra_words), "fingerprint": segmenter.fingerprint},
        everything=True,
    )
    return result


class Engine:
    """Items, documents and a ranker over the stored tokens."""

    def __init__(self, store: Store, segmenter: Segmenter | None = None) -> None:
        self.store = store
        meta = store.meta()
        self.documents = {d.id: d for d in store.documents()}
        if not self.documents:
            raise EmptyCorpus(f"the index {store.path} holds no documents (run `policyqa ingest`)")
        self.segmenter = segmenter or Segmenter(meta.get("dictionary", "").split("\n"))
        rows = store.items()
        self.items = [item for item, _ in rows]
        tokens = [t for _, t in rows]
        if meta.get("fingerprint") != self.segmenter.fingerprint:
            tokens = [self.segmenter.tokens(f"{i.task} {i.text}") for i in self.items]
        self.token_sets = [frozenset(t) for t in tokens]
        self.ranker: Ranker = BM25(tokens)
        self._by_key = {(i.doc, i.number): i for i in self.items}

    @classmethod
    def open(cls, db: str | Path) -> Engine:
        """Load the engine from a database file."""
        return cls(Store(db))

    def item(self, doc: str, number: str) -> Item | None:
        """One item by document and number as printed, or None."""
        return self._by_key.get((doc, number))

    def search(self, tokens: list[str], k: int = 10, allowed: set[int] | None = None) -> list[Hit]:
        """The k best items for query tokens (only items indexed in allowed, when given)."""
        scores = self.ranker.scores(tokens)
        if allowed is not None:
            mask = np.zeros(len(self.items), dtype=bool)
            mask[list(allowed)] = True
            scores = np.where(mask, scores, 0.0)
        order = np.argsort(-scores, kind="stable")[:k]
        query = set(tokens)
        return [
            Hit(self.items[i], float(scores[i]), tuple(sorted(query & self.token_sets[i])))
            for i in order
            if scores[i] > 0
        ]

    def coverage(self, tokens: list[str], hit: Hit) -> float:
        """Share of the query's weight (idf) that the hit's item contains."""
        query = set(tokens)
        total = sum(self.ranker.idf(t) for t in query)
        return sum(self.ranker.idf(t) for t in hit.matched_terms) / total if total else 0.0
