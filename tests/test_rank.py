"""The stored postings rank exactly as rank-bm25, and the query segmenter cuts like the full one."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from bot.answer import Answerer
from index.engine import Engine, build_index, search_text
from index.rank import BM25, PostingsBuilder, top_scores
from index.store import Store

DATA = Path(__file__).parent / "data"
QUESTIONS = [json.loads(line)["q"] for line in (DATA / "dev.jsonl").read_text(encoding="utf-8").splitlines()]


def reference_top(corpus: list[list[str]], query: list[str], k: int = 10) -> list[int]:
    """rank-bm25's top k item ids (1-based), ties to the lower id."""
    scores = [round(s, 9) for s in BM25(corpus).scores(query)]  # sums in another order differ in the last bits
    ranked = sorted((i for i, s in enumerate(scores) if s > 0), key=lambda i: (-scores[i], i))
    return [i + 1 for i in ranked[:k]]


def postings_top(corpus: list[list[str]], query: list[str], k: int = 10) -> list[int]:
    """The stored-postings top k item ids (1-based)."""
    builder = PostingsBuilder()
    for item_id, tokens in enumerate(corpus, 1):
        builder.add(item_id, tokens)
    rows = {term: (ids, weights) for term, _, ids, weights in builder.rows()}
    counts = {t: query.count(t) for t in set(query) if t in rows}
    scored = top_scores(((c, *rows[t]) for t, c in counts.items()), k + 10)
    return [i for i, _ in sorted(scored, key=lambda pair: (-round(pair[1], 9), pair[0]))][:k]


def test_postings_agree_with_rank_bm25_on_the_corpus(index_db: Path) -> None:
    """For every dev question, the top 10 of both scorers on the same tokens are the same items."""
    engine = Engine.open(index_db)
    corpus = [tokens for _, tokens in Store(index_db).items()]
    assert len(corpus) == 242
    for question in QUESTIONS:
        query = engine.segmenter.tokens(question)
        assert postings_top(corpus, query) == reference_top(corpus, query), question


def test_postings_agree_with_rank_bm25_on_a_synthetic_corpus() -> None:
    """On 3,000 recombined items, where common terms sit in most items, the top 10 still agree."""
    rng = random.Random(7)
    words = [f"w{i}" for i in range(400)]
    common = ["公开", "政务", "信息"]
    corpus = [rng.sample(words, rng.randint(3, 30)) + rng.sample(common, rng.randint(1, 3)) for _ in range(3000)]
    for _ in range(50):
        query = rng.sample(words, 3) + [rng.choice(common)]
        assert postings_top(corpus, query) == reference_top(corpus, query), query


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
    for item, tokens in Store(index_db).items():
        assert engine.segmenter.tokens(search_text(item)) == tokens, item.number


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
        stored[workers] = ([t for _, t in Store(db).items()], Store(db).meta()["vocabulary"])
    assert len(stored[1][0]) == 242
    assert stored[1][0][0][:4] == ["做好", "各类", "规划", "主动"]
    assert stored[2] == stored[1]


def test_top_k_over_many_items_matches_a_full_sort() -> None:
    """Above the numpy threshold the bounded top-k picks exactly the items a full sort would."""
    from array import array

    rng = random.Random(3)
    size = 60_000
    rows = []
    for df in (40_000, 25_000, 300, 12):  # common terms and rare ones
        ids = sorted(rng.sample(range(1, size), df))
        rows.append((1, array("i", ids).tobytes(), array("d", (rng.uniform(0.1, 3.0) for _ in ids)).tobytes()))
    totals: dict[int, float] = {}
    for _, ids, weights in rows:
        for i, w in zip(array("i", ids), array("d", weights)):
            totals[i] = totals.get(i, 0.0) + w
    expected = sorted(totals, key=lambda i: (-totals[i], i))[:50]
    assert [i for i, _ in top_scores(rows, 50)] == expected
    scoped = sorted((i for i in totals if 1000 <= i <= 2000), key=lambda i: (-totals[i], i))[:10]
    assert [i for i, _ in top_scores(rows, 10, ((1000, 2000),))] == scoped


def test_ties_go_to_the_lower_id_on_large_postings() -> None:
    """20,000 items with equal scores: the top 5 are ids 1-5, as rank-bm25's order would give."""
    from array import array

    ids = array("i", range(1, 20_001)).tobytes()
    weights = array("d", [1.5] * 20_000).tobytes()
    assert [i for i, _ in top_scores([(1, ids, weights)], 5)] == [1, 2, 3, 4, 5]
