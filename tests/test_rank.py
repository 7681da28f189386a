"""The stored postings rank exactly as rank-bm25, and the query segmenter cuts like the full one."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from bot.answer import Answerer
from index.engine import Engine, build_index, search_text
from index.rank import BM25, Counted, Postings, PostingsBuilder, Ranges, Scorer
from index.store import Store

DATA = Path(__file__).parent / "data"
QUESTIONS = [json.loads(line)["q"] for line in (DATA / "dev.jsonl").read_text(encoding="utf-8").splitlines()]


Rows = dict[str, Postings]


def reference_top(reference: BM25, query: list[str], k: int = 10, scope: Ranges | None = None) -> list[int]:
    """rank-bm25's top k item ids (1-based), ties to the lower id."""
    scores = [round(s, 9) for s in reference.scores(query)]  # sums in another order differ in the last bits
    inside = (i for i, s in enumerate(scores, 1) if s > 0 and (scope is None or any(lo <= i <= hi for lo, hi in scope)))
    return sorted(inside, key=lambda i: (-scores[i - 1], i))[:k]


def postings_top(index: tuple[Scorer, Rows], query: list[str], k: int = 10, scope: Ranges | None = None) -> list[int]:
    """The stored-postings top k item ids (1-based), ordered by score to 9 decimals as reference_top."""
    scorer, rows = index
    scored = scorer.top(query_terms(rows, query), k + 10, scope)
    return [i for i, _ in sorted(scored, key=lambda pair: (-round(pair[1], 9), pair[0]))][:k]


def postings_index(corpus: list[list[str]]) -> tuple[Scorer, Rows]:
    """A scorer and each term's postings as the store keeps them, items numbered from 1."""
    builder = PostingsBuilder()
    for item_id, tokens in enumerate(corpus, 1):
        builder.add(item_id, tokens)
    rows = dict(builder.rows())
    return Scorer(builder.size, builder.lengths.tobytes(), builder.average_length), rows


def query_terms(rows: Rows, tokens: list[str]) -> list[tuple[int, Postings]]:
    """(count, postings) of the known query terms in query order, as the engine passes them."""
    return [(tokens.count(t), rows[t]) for t in dict.fromkeys(tokens) if t in rows]


def test_postings_agree_with_rank_bm25_on_the_corpus(index_db: Path) -> None:
    """For every dev question, the top 10 of both scorers on the same tokens are the same items."""
    engine = Engine.open(index_db)
    corpus = list(Store(index_db).all_tokens().values())
    assert len(corpus) == 242
    index, reference = postings_index(corpus), BM25(corpus)
    for question in QUESTIONS:
        query = engine.segmenter.tokens(question)
        assert postings_top(index, query) == reference_top(reference, query), question


def test_engine_answers_the_same_with_either_ranker(index_db: Path) -> None:
    """The rank-bm25 setting and the stored postings give the same answers to the dev questions."""
    fast, reference = Answerer(Engine.open(index_db)), Answerer(Engine.open(index_db, "rank-bm25"))
    for question in QUESTIONS:
        first = [(h.item.doc, h.item.number) for h in fast.ask(question).hits]
        second = [(h.item.doc, h.item.number) for h in reference.ask(question).hits]
        assert first == second, question


def test_query_segmenter_cuts_plan_text_like_the_full_dictionary(index_db: Path) -> None:
    """The small stored vocabulary cuts every item exactly as jieba's full dictionary did at ingest."""
    engine = Engine.open(index_db)
    store = Store(index_db)
    bags = store.all_tokens()
    for item_id, item in store.items_by_id(list(bags)).items():
        assert sorted(engine.segmenter.tokens(search_text(item), normalized=True)) == sorted(bags[item_id]), item.number


def test_query_segmenter_loads_from_the_index_not_the_full_dictionary(index_db: Path) -> None:
    """The query process's dictionary is the plans' vocabulary: thousands of words, not 350,000."""
    vocabulary = Store(index_db).meta()["vocabulary"].splitlines()
    assert 500 < len(vocabulary) < 5000
    assert "规章 " in "\n".join(vocabulary)


def test_segmenting_on_two_cores_gives_the_same_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ingest split over two processes stores the same tokens and vocabulary as one process."""
    import index.engine as engine_module

    stored = {}
    for workers, threshold in ((1, 10**9), (2, 0)):
        monkeypatch.setattr(engine_module, "PARALLEL_ABOVE", threshold)
        monkeypatch.setattr(engine_module, "SURVEY_PARALLEL_ABOVE", threshold)
        db = tmp_path / f"w{workers}.db"
        build_index(Store(db), [Path(__file__).parent.parent / "corpus"])
        stored[workers] = (Store(db).all_tokens(), Store(db).meta()["vocabulary"])
    assert len(stored[1][0]) == 242
    assert {"做好", "各类", "规划", "主动"} <= set(stored[1][0][1])
    assert stored[2] == stored[1]


def zipf_corpus(size: int, seed: int) -> list[list[str]]:
    """size items of 3-24 words drawn Zipf-like from 3,000 (common words in most items, rare ones in few).

    Lengths repeat and tf is mostly 1, so many items score exactly the same: ties are common.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    lengths = rng.integers(3, 25, size)
    words = (rng.zipf(1.3, int(lengths.sum())) - 1) % 3000
    return [[f"w{w}" for w in item] for item in np.split(words, np.cumsum(lengths)[:-1])]


def random_query(rng: random.Random, corpus: list[list[str]], size: int) -> tuple[list[str], int, Ranges | None]:
    """Query tokens (common, rare, repeated or unknown words), a k, and sometimes a scope."""
    tokens = [rng.choice(rng.choice(corpus)) for _ in range(rng.randint(0, 3))]  # by frequency: common
    tokens += [f"w{rng.randrange(3000)}" for _ in range(rng.randint(0, 3))]  # uniform: mostly rare
    tokens += rng.sample(tokens, min(len(tokens), rng.randint(0, 1))) + ["没有"] * rng.randint(0, 1)
    scope = None
    if rng.random() < 0.25:
        cuts = sorted(rng.sample(range(1, size + 1), 4))
        scope = ((cuts[0], cuts[1]), (cuts[2], cuts[3]))[: rng.randint(1, 2)]
    return tokens, rng.choice((1, 3, 10, 10, 50)), scope


def full_sort(scorer: Scorer, terms: list[tuple[int, Postings]], k: int, scope: Ranges | None) -> list[tuple[int, float]]:
    """Every item's score: each posting's weight summed with numpy in query order, then all of them sorted."""
    import numpy as np

    sums = np.zeros(len(scorer._lengths))
    for count, p in terms:
        ids, tf = (np.array(column, dtype=np.int64) for column in zip(*p.pairs()))
        weights = scorer.weight(p.df) * tf / (scorer._numpy_norms()[ids] + tf)
        np.add.at(sums, ids, weights * count if count > 1 else weights)
    ids = np.arange(len(sums))
    keep = sums > 0
    if scope is not None:
        keep &= np.any([(ids >= lo) & (ids <= hi) for lo, hi in scope], axis=0)
    ranked = ids[keep][np.lexsort((ids[keep], -sums[keep]))]
    return [(int(i), float(sums[i])) for i in ranked[:k]]


def test_top_k_equals_a_full_sort_on_thousands_of_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    """3,000 random queries at 4 sizes: the top k is exactly a full sort's, ids and scores, whichever way it is found.

    The sizes and queries make every path run: few postings or a small index (a dict in
    Python); numpy, where each term either brings its items in as candidates (stored sparse
    or dense) or, once it cannot lift a new item into the top k, is only looked up for them
    (searched for few candidates, spread over the item ids for many).
    """
    import index.rank as rank

    calls: Counter[str] = Counter()
    held, lookup, spread, full = rank._held, rank._lookup, rank._spread, rank.Scorer._full

    def held_spy(np, p, ranges):  # noqa: ANN001, ANN202 - counts what ran
        calls["dense term brought in" if p.dense else "sparse term brought in"] += 1
        return held(np, p, ranges)

    def lookup_spy(np, p, ids):  # noqa: ANN001, ANN202
        calls["lookups"] += 1
        return lookup(np, p, ids)

    def spread_spy(np, ids, counts):  # noqa: ANN001, ANN202
        calls["term spread over item ids"] += 1
        return spread(np, ids, counts)

    def full_spy(self, np, terms, ids):  # noqa: ANN001, ANN202
        calls["numpy"] += 1
        calls["lookups"] -= len(terms)  # the final scoring looks every term up: not a term looked up only
        return full(self, np, terms, ids)

    monkeypatch.setattr(rank, "_held", held_spy)
    monkeypatch.setattr(rank, "_lookup", lookup_spy)
    monkeypatch.setattr(rank, "_spread", spread_spy)
    monkeypatch.setattr(rank.Scorer, "_full", full_spy)
    paths: Counter[str] = Counter()
    rng = random.Random(15)
    for size in (3_000, 9_000, 15_000, 45_000):
        corpus = zipf_corpus(size, seed=size)
        scorer, rows = postings_index(corpus)
        for _ in range(750):
            tokens, k, scope = random_query(rng, corpus, size)
            chosen, before = query_terms(rows, tokens), Counter(calls)
            assert scorer.top(chosen, k, scope) == full_sort(scorer, chosen, k, scope), (size, tokens, k, scope)
            ran = calls - before
            paths["python"] += bool(chosen) and not ran["numpy"]
            paths.update(path for path in ran if path != "lookups")
            paths["term looked up only"] += ran["lookups"] > 0
    assert min(paths.values()) >= 100, paths
    assert set(paths) == {"python", "numpy", "sparse term brought in", "dense term brought in", "term looked up only",
                          "term spread over item ids"}


def test_postings_are_dense_for_common_terms_and_sparse_for_rare_ones() -> None:
    """A term in more than one item of five is a count per item id; both layouts answer the same questions."""
    scorer, rows = postings_index([["common", "rare"], ["common"], ["common", "common"], ["other"], ["other"],
                                   ["other"], ["other"], ["other"], ["other"], ["other"], ["other"]])
    assert rows["common"].dense and not rows["rare"].dense
    assert rows["common"].df == 3 and list(rows["common"].pairs()) == [(1, 1), (2, 1), (3, 2)]
    assert [rows["common"].holds(i) for i in (0, 1, 3, 4, 11, 12)] == [False, True, True, False, False, False]
    assert list(rows["rare"].pairs()) == [(1, 1)] and rows["rare"].holds(1) and not rows["rare"].holds(2)


def test_top_k_equals_rank_bm25_on_random_queries() -> None:
    """300 random queries over 12,000 items: the same top k as rank-bm25's scores sorted (ties to the lower id)."""
    rng = random.Random(16)
    size = 12_000
    corpus = zipf_corpus(size, seed=16)
    index, reference = postings_index(corpus), BM25(corpus)
    for _ in range(300):
        tokens, k, scope = random_query(rng, corpus, size)
        assert postings_top(index, tokens, k, scope) == reference_top(reference, tokens, k, scope), tokens


def test_ties_go_to_the_lower_id_on_large_postings() -> None:
    """20,000 items with equal scores: the top 5 are ids 1-5, as rank-bm25's order would give."""
    scorer, rows = postings_index([["same", "x"]] * 20_000)
    assert [i for i, _ in scorer.top([(1, rows["same"])], 5)] == [1, 2, 3, 4, 5]
    assert [i for i, _ in scorer.top([(1, rows["same"]), (2, rows["x"])], 3, ((7, 9), (100, 200)))] == [7, 8, 9]


def test_counted_lists_each_items_terms_with_their_counts() -> None:
    """Counted.of: per item its distinct terms (numbers into the plan's terms) and how often; empty items too."""
    counted = Counted.of([["公开", "政务", "公开"], [], ["政务", "规章"]])
    terms = [counted.terms[n] for n in counted.numbers]
    assert list(zip(terms, counted.counts.tolist())) == [("公开", 2), ("政务", 1), ("政务", 1), ("规章", 1)]
    assert counted.sizes.tolist() == [2, 0, 2]
    assert counted.lengths.tolist() == [3, 0, 2]
