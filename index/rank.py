"""Rank items for a query with BM25Plus, two interchangeable ways.

BM25Plus rather than BM25Okapi: Okapi's idf log((N-n+0.5)/(n+0.5)) is zero or negative for a
term found in half the items or more (rank-bm25 then substitutes a floor), which in a corpus
where every region has the same task makes common but decisive words vanish. BM25Plus's idf
log((N+1)/n) stays positive, and its delta keeps long items from losing only for being long.

- `BM25` is rank-bm25 itself, the reference: it holds every item's tokens in memory and walks
  them all for each query term (fine for thousands of items, ~200 ms at 100k).
- `Scorer` is the same formula over postings stored at ingest: per term, the items holding it
  and how often (`Postings`), and per item its length. A query reads only its own terms' rows
  and finds the exact top k without adding up every posting: the terms that cannot lift an
  item past the k-th best score found so far are only looked up for the items that can
  (MaxScore), so a common word costs a lookup per candidate rather than a pass over a million
  items.
Both give the same scores up to the constant rank-bm25 adds to every item (delta * idf of each
query term, matching or not), which is left out here so that 0 means "no match".
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, repeat

K1, B, DELTA = 1.5, 0.75, 1.0  # rank-bm25's BM25Plus defaults
NUMPY_ABOVE = 5_000  # postings to add up (or item ids in the index) before numpy is worth importing
SMALL = 64  # postings a dict adds up faster than numpy's fixed costs
DENSE_SHARE = 5  # a term in more than one item of this many is stored as a count per item id (1 byte
#                  an item) rather than as ids and counts (5 bytes a posting)
SAMPLE = 256  # items of the most decisive term scored in full first, to bound the k-th best score
FLOOR_OF = 16_384  # candidates whose k-th best score is taken as the floor after each term
SEARCH_COST = 8  # postings spread over item ids in the time one item's count is searched for
SPREAD_BYTES = 32  # bytes of a spread array zeroed in the time one posting is spread
SLACK = 1e-9  # relative margin on every bound: sums in another order differ in the last bits
CHUNK = 1 << 21  # postings the builder collects before sorting them by term


def idf(size: int, df: int) -> float:
    """BM25Plus idf; an unseen term (df 0) counts as found in half an item, the rarest there is."""
    return math.log((size + 1) / (df or 0.5))


def length_norm(length: int, average: float) -> float:
    """The length part of BM25's denominator for an item of this many tokens."""
    return K1 * (1 - B + B * length / average)


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


@dataclass(frozen=True)
class Postings:
    """One term's postings as stored: the items holding it and how often.

    Sparse: `ids` (uint32, ascending) and one count per id. Dense (a term in more than one item
    of DENSE_SHARE): no ids, a count for every item id from 0 up (0 where it is absent).
    Counts are uint8, or uint16 when `wide`. `top` is the largest weight the term gives any
    item, an upper bound for pruning.
    """

    df: int
    dense: bool
    wide: bool
    ids: bytes
    counts: bytes
    top: float

    @property
    def nbytes(self) -> int:
        """Bytes held."""
        return len(self.ids) + len(self.counts)

    def pairs(self) -> Iterator[tuple[int, int]]:
        """(item id, count) of every item holding the term, in id order."""
        counts = array("H" if self.wide else "B", self.counts)
        if self.dense:
            return ((i, c) for i, c in enumerate(counts) if c)
        return zip(array("I", self.ids), counts)

    def holds(self, item_id: int) -> bool:
        """True when the item holds the term."""
        width = 2 if self.wide else 1
        if self.dense:
            at = item_id * width
            return at < len(self.counts) and any(self.counts[at : at + width])
        ids = memoryview(self.ids).cast("I")
        at = bisect_left(ids, item_id)
        return at < len(ids) and ids[at] == item_id


Ranges = tuple[tuple[int, int], ...]  # inclusive item-id ranges a search is restricted to
Terms = Sequence[tuple[int, Postings]]  # (times in the query, postings) per query term, in query order


@dataclass(frozen=True)
class Counted:
    """A plan's items counted for the postings, in words of the plan's own numbering.

    `terms` are the plan's distinct words; per item, `sizes` says how many of them it holds,
    and `numbers`/`counts` list them (an index into terms) with how often; `lengths` are the
    items' token counts. The builder then only maps the plan's numbers to the index's.
    Arrays of int32 (lengths uint32).
    """

    terms: list[str]
    numbers: object
    counts: object
    sizes: object
    lengths: object

    @classmethod
    def of(cls, token_lists: Sequence[Sequence[str]]) -> Counted:
        """Count each item's tokens."""
        local: dict[str, int] = {}
        numbered = [tuple(local.setdefault(t, len(local)) for t in tokens) for tokens in token_lists]
        return cls.of_numbers(numbered, list(local))

    @classmethod
    def of_numbers(cls, items: Sequence[Sequence[int]], terms: Sequence[str]) -> Counted:
        """Count each item's tokens, given as numbers into terms (which may hold words no item has)."""
        import numpy as np

        lengths = np.fromiter(map(len, items), dtype=np.uint32, count=len(items))
        flat = np.fromiter(chain.from_iterable(items), dtype=np.int64, count=int(lengths.sum()))
        # One sort of (item, term) keys counts every item's terms at once.
        width = max(len(terms), 1)
        keys = np.repeat(np.arange(len(items), dtype=np.int64) * width, lengths) + flat
        pairs, counts = np.unique(keys, return_counts=True)
        item_of, term_of = np.divmod(pairs, width)
        held, numbers = np.unique(term_of, return_inverse=True)
        return cls([terms[t] for t in held.tolist()], numbers.astype(np.int32), counts.astype(np.int32),
                   np.bincount(item_of, minlength=len(items)).astype(np.int32), lengths)


class PostingsBuilder:
    """Collects counted items at ingest, in id order, and yields each term's Postings."""

    def __init__(self) -> None:
        self._vocabulary: dict[str, int] = {}
        self._pending: list[tuple[object, object, object]] = []  # (term numbers, ids, counts), numpy, unsorted
        self._held = 0  # postings pending
        self._sorted: list[tuple[object, object, object]] = []  # the same, sorted by term, in chunks of CHUNK or so
        self.lengths = array("I")  # tokens per item id (0 where no item)
        self.size = 0
        self._tokens = 0

    def add(self, item_id: int, tokens: Sequence[str]) -> None:
        """Count one item's tokens (ids must come in ascending order)."""
        self.add_counted(item_id, Counted.of([tokens]))

    def add_counted(self, first: int, counted: Counted) -> None:
        """Add items numbered first, first + 1, … (above every id added before), counted already."""
        import numpy as np

        if first < len(self.lengths):
            raise ValueError(f"item {first} added after item {len(self.lengths) - 1}")
        self.lengths.extend(repeat(0, first - len(self.lengths)))
        self.lengths.frombytes(np.asarray(counted.lengths, dtype=np.uint32).tobytes())
        self.size += len(counted.lengths)
        self._tokens += int(np.sum(counted.lengths, dtype=np.int64))
        vocabulary = self._vocabulary
        mapping = np.array([vocabulary.setdefault(t, len(vocabulary)) for t in counted.terms], dtype=np.int32)
        ids = np.repeat(np.arange(first, first + len(counted.sizes), dtype=np.uint32), counted.sizes)
        self._pending.append((mapping[counted.numbers], ids, counted.counts))
        self._held += len(ids)
        if self._held >= CHUNK:
            self._flush()

    @property
    def average_length(self) -> float:
        """Mean tokens per item (1 for an empty index, so that no division fails)."""
        return self._tokens / self.size if self.size and self._tokens else 1.0

    def _flush(self) -> None:
        """Sort the pending postings by term (ids stay ascending within a term) and set them aside."""
        import numpy as np

        if not self._pending:
            return
        terms, ids, counts = (np.concatenate(column) for column in zip(*self._pending))
        # A stable sort of 16-bit keys is a radix sort, several times faster than on 32 bits.
        order = np.argsort(terms.astype(np.uint16) if len(self._vocabulary) <= 1 << 16 else terms, kind="stable")
        self._sorted.append((terms[order], ids[order], counts[order]))
        self._pending, self._held = [], 0

    def rows(self) -> Iterator[tuple[str, Postings]]:
        """(term, postings) of every term, weights' upper bounds computed for this index's size."""
        import numpy as np

        self._flush()
        norms = length_norm(np.frombuffer(self.lengths, dtype=np.uint32), self.average_length)
        span = len(self.lengths)
        # Where each term's postings lie in each sorted chunk.
        chunks = []
        for terms, ids, counts in self._sorted:
            starts = np.searchsorted(terms, np.arange(len(self._vocabulary) + 1))
            chunks.append((starts, ids, counts))
        for term, number in self._vocabulary.items():
            ids = np.concatenate([c[1][c[0][number] : c[0][number + 1]] for c in chunks])
            counts = np.concatenate([c[2][c[0][number] : c[0][number + 1]] for c in chunks])
            weight = idf(self.size, len(ids)) * (K1 + 1)
            top = float((weight * counts / (norms[ids] + counts)).max())
            wide = bool(counts.max() > 255)
            dtype = np.uint16 if wide else np.uint8
            if len(ids) * DENSE_SHARE > span:
                dense = np.zeros(span, dtype=dtype)
                dense[ids] = counts
                yield term, Postings(len(ids), True, wide, b"", dense.tobytes(), top)
            else:
                yield term, Postings(len(ids), False, wide, ids.tobytes(), counts.astype(dtype).tobytes(), top)


class Scorer:
    """The exact top k over stored postings, for an index of `size` items with these item lengths."""

    def __init__(self, size: int, lengths: bytes, average: float) -> None:
        self.size = size
        self.average = average
        self._lengths = array("I", lengths)
        self._norms = None  # numpy array of every item's length norm, made on first use

    def weight(self, df: int) -> float:
        """A term's idf times (k1 + 1): its weight in an item that holds it infinitely often."""
        return idf(self.size, df) * (K1 + 1)

    def top(self, terms: Terms, k: int, ranges: Ranges | None = None) -> list[tuple[int, float]]:
        """The k best (item id, score), best first, ties to the lower id.

        An item's score is the sum over the query terms it holds, in query order, of
        count * weight * tf / (norm + tf). Every path below adds an item's weights in that same
        order, so each gives the same sums to the last bit and the same top k.
        """
        if k <= 0 or not terms:
            return []
        postings = sum(p.df for _, p in terms)
        if postings > NUMPY_ABOVE or (postings > SMALL and len(self._lengths) > NUMPY_ABOVE):
            return self._top_numpy(terms, k, ranges)
        scores: dict[int, float] = {}
        for count, p in terms:
            weight = self.weight(p.df)
            for item_id, tf in p.pairs():
                w = weight * tf / (length_norm(self._lengths[item_id], self.average) + tf)
                scores[item_id] = scores.get(item_id, 0.0) + (w * count if count > 1 else w)
        ranked = sorted((i for i in scores if ranges is None or _inside(i, ranges)), key=lambda i: (-scores[i], i))
        return [(i, scores[i]) for i in ranked[:k]]

    # --- numpy: MaxScore -------------------------------------------------------------------------

    def _numpy_norms(self):  # noqa: ANN202 - numpy array
        """Every item's length norm, indexed by item id."""
        import numpy as np

        if self._norms is None:
            self._norms = length_norm(np.frombuffer(self._lengths, dtype=np.uint32), self.average)
        return self._norms

    def _top_numpy(self, terms: Terms, k: int, ranges: Ranges | None) -> list[tuple[int, float]]:
        """The exact top k by MaxScore: terms that cannot lift a new item into the top k are only looked up.

        Any k items' full scores bound the final k-th best from below (a floor). A first floor comes
        from some items that hold the most decisive terms together. The terms whose bounds (the most
        each adds to any score) add up to less than it are "loose": an item holding only those cannot
        reach the top k. The other terms bring in their items, all at once (one bincount of their
        weights). The floor then rises to the k-th best full score of the items with the highest
        sums, and the items whose sum plus the loose terms' bounds cannot reach it are dropped. The
        loose terms are looked up for the rest, the most decisive first; after each, the floor rises
        to the k-th best sum so far, and the candidates that cannot reach it with the bounds of the
        terms still to come are dropped. A top-k item is never dropped: its sum so far plus those
        bounds is at least its score. The survivors are scored in full, each term added in query
        order, so the sums are those of a full sort.
        """
        import numpy as np

        bounds = [count * p.top for count, p in terms]
        order = sorted(range(len(terms)), key=lambda j: -bounds[j])
        floor = self._sample_floor(np, terms, order, k, ranges)
        loose, total = set(), 0.0  # terms whose bounds add up to less than the floor: only looked up
        for j in sorted(order, key=lambda j: -terms[j][1].df / bounds[j]):  # the most items per bound first
            if (total + bounds[j]) * (1 + SLACK) < floor * (1 - SLACK):
                loose.add(j)
                total += bounds[j]
        looked = [j for j in order if j in loose]
        after = [sum(bounds[j] for j in looked[i:]) for i in range(len(looked) + 1)]
        candidates, sums = self._brought(np, [terms[j] for j in order if j not in loose], ranges,
                                         floor * (1 - SLACK) / (1 + SLACK) - after[0])
        if len(candidates) > k:
            some = max(k, SAMPLE)  # the items with the highest sums, scored in full
            highest = candidates[np.argpartition(sums, len(sums) - some)[-some:]] if len(sums) > some else candidates
            floor = max(floor, _kth(np, self._full(np, terms, np.sort(highest)), k))
        for at, j in enumerate([None, *looked]):
            if j is not None:
                count, p = terms[j]
                sums += self._weights(np, count, p, candidates, _lookup(np, p, candidates))
            if len(candidates) > k:
                # The k-th best of any of them bounds the final k-th best too: of many, a share will do.
                floor = max(floor, _kth(np, sums[:: 1 + len(sums) // FLOOR_OF], k))
                keep = (sums + after[at]) * (1 + SLACK) >= floor * (1 - SLACK)
                candidates, sums = candidates[keep], sums[keep]
        scores = self._full(np, terms, candidates)
        if len(candidates) > k:  # keep every item tied with the k-th, so the lower ids can win the tie
            tied = scores >= _kth(np, scores, k)
            candidates, scores = candidates[tied], scores[tied]
        best = np.lexsort((candidates, -scores))[:k]
        return [(int(candidates[i]), float(scores[i])) for i in best]

    def _brought(self, np, terms: Terms, ranges: Ranges | None, least: float):  # noqa: ANN001, ANN202 - numpy
        """(ids, sums): the items holding one of these terms whose sum of their weights is at least `least`, ascending."""
        held = [_held(np, p, ranges) for _, p in terms]
        weights = [self._weights(np, count, p, ids, tf) for (count, p), (ids, tf) in zip(terms, held)]
        if len(terms) == 1:
            keep = weights[0] >= least
            return held[0][0][keep], weights[0][keep]
        sums = np.bincount(np.concatenate([ids for ids, _ in held]), np.concatenate(weights), minlength=len(self._lengths))
        candidates = np.flatnonzero(sums >= least if least > 0 else sums > 0).astype(np.uint32)
        return candidates, sums[candidates]

    def _sample_floor(self, np, terms: Terms, order: list[int], k: int, ranges: Ranges | None) -> float:  # noqa: ANN001
        """The k-th best full score of some items that hold the most decisive terms together (0 if few).

        Any k items' scores bound the final k-th best from below; the items that hold the most
        decisive term and, as far as k of them do, the next ones too usually come close to it,
        so that the common terms need not bring in their items at all. An even sample of the
        first term's items is narrowed so, and up to SAMPLE of what is left scored in full.
        """
        ids, _ = _held(np, terms[order[0]][1], ranges)
        ids = ids[:: 1 + len(ids) // (8 * SAMPLE)]
        for j in order[1:]:
            if len(ids) <= SAMPLE:
                break
            held = _lookup(np, terms[j][1], ids) > 0
            if np.count_nonzero(held) >= k:
                ids = ids[held]
        ids = ids[:: max(1, len(ids) // SAMPLE)]
        return _kth(np, self._full(np, terms, ids), k) if len(ids) >= k else 0.0

    def _weights(self, np, count: int, p: Postings, ids, tf):  # noqa: ANN001, ANN202 - numpy
        """count * weight * tf / (norm + tf) for these items and counts (0 where tf is 0)."""
        w = self.weight(p.df) * tf / (self._numpy_norms()[ids] + tf)
        return w * count if count > 1 else w

    def _full(self, np, terms: Terms, ids):  # noqa: ANN001, ANN202 - numpy
        """The full scores of these items (sorted ids), each term added in query order."""
        sums = np.zeros(len(ids))
        for count, p in terms:
            sums += self._weights(np, count, p, ids, _lookup(np, p, ids))
        return sums


def _held(np, p: Postings, ranges: Ranges | None):  # noqa: ANN001, ANN202 - numpy
    """(ids, counts) of the items holding the term, inside the ranges."""
    counts = _counts(np, p)
    if p.dense:
        ids = _restrict(np, np.flatnonzero(counts).astype(np.uint32), ranges)
        return ids, counts[ids]
    ids = np.frombuffer(p.ids, dtype=np.uint32)
    if ranges is None:
        return ids, counts
    keep = _restrict_mask(np, ids, ranges)
    return ids[keep], counts[keep]


def _counts(np, p: Postings):  # noqa: ANN001, ANN202 - numpy
    """The stored counts as an array (one per id, or one per item id when dense)."""
    return np.frombuffer(p.counts, dtype=np.uint16 if p.wide else np.uint8)


def _lookup(np, p: Postings, ids):  # noqa: ANN001, ANN202 - numpy
    """How often each of these items holds the term (0 where it does not)."""
    counts = _counts(np, p)
    if p.dense:
        return counts[ids]
    held = np.frombuffer(p.ids, dtype=np.uint32)
    if len(ids) * SEARCH_COST > len(held) + int(held[-1]) // SPREAD_BYTES:
        return _spread(np, held, counts)[np.minimum(ids, held[-1])] * (ids <= held[-1])
    at = np.minimum(np.searchsorted(held, ids), len(held) - 1)
    return np.where(held[at] == ids, counts[at], 0)


def _spread(np, ids, counts):  # noqa: ANN001, ANN202 - numpy
    """The counts by item id, up to the largest of these ids (0 for the others): faster to read many
    items' counts off than to search for each."""
    spread = np.zeros(int(ids[-1]) + 1, dtype=counts.dtype)
    spread[ids] = counts
    return spread


def _kth(np, values, k: int) -> float:  # noqa: ANN001 - numpy
    """The k-th largest value (the smallest, when there are fewer)."""
    if len(values) <= k:
        return float(values.min()) if len(values) else 0.0
    return float(np.partition(values, len(values) - k)[len(values) - k])


def _restrict_mask(np, ids, ranges: Ranges | None):  # noqa: ANN001, ANN202 - numpy
    """Which of these sorted ids lie inside the ranges."""
    if ranges is None:
        return np.ones(len(ids), dtype=bool)
    keep = np.zeros(len(ids), dtype=bool)
    for lo, hi in ranges:
        start, end = np.searchsorted(ids, (lo, hi + 1))
        keep[start:end] = True
    return keep


def _restrict(np, ids, ranges: Ranges | None):  # noqa: ANN001, ANN202 - numpy
    """The sorted ids inside the ranges."""
    return ids if ranges is None else ids[_restrict_mask(np, ids, ranges)]


def _inside(item_id: int, ranges: Ranges) -> bool:
    """True when the id lies in one of the ranges."""
    return any(lo <= item_id <= hi for lo, hi in ranges)
