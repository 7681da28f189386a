"""Answers hold as plans accumulate: the five bundled plans, then copies of the city plans
under other places' names (tests/grown.py), at 10, 20 and 50 plans.

Every dev question answered at five plans must still be answered, from the same task, when
the same tasks are repeated by every new region's plan.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.answer import Answer, Answerer
from grown import CORPUS, grow
from index.engine import Engine, build_index
from index.store import Store

DEV = Path(__file__).parent / "data" / "dev.jsonl"
SIZES = (10, 20, 50)


@pytest.fixture(scope="session")
def grown(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Answerer, dict[str, str]]]:
    """An answerer over each grown corpus, built once per session, with each copy's source plan."""
    built = {}
    for size in SIZES:
        folder = tmp_path_factory.mktemp(f"grown{size}")
        sources = grow(folder / "copies", size)
        build_index(Store(folder / "index.db"), [CORPUS, folder / "copies"])
        built[size] = (Answerer(Engine.open(folder / "index.db")), sources)
    return built


def dev_questions() -> list[str]:
    """The dev questions the plans answer (not the out-of-scope ones), in file order."""
    records = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["q"] for r in records if r["kind"] != "none"]


def origin(answer: Answer, sources: dict[str, str]) -> set[tuple[str, str]]:
    """(plan, item number) of every item of an answer, a copy counted as the plan it copies."""
    return {(sources.get(h.item.doc, h.item.doc), h.item.number) for h in answer.hits}


def test_the_grown_corpora_hold_the_copies(grown: dict[int, tuple[Answerer, dict[str, str]]]) -> None:
    """Each grown index holds its number of plans, the copies under their new places."""
    for size, (answerer, sources) in grown.items():
        assert len(answerer.engine.documents) == size
        assert len(sources) == size - 5
    regions = grown[50][0].regions()
    assert {"茂名市", "阳江市", "云浮市", "汕尾市肇庆经济开发区"} <= set(regions)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("question", dev_questions())
def test_answered_at_five_plans_is_answered_from_the_same_task(
    answerer: Answerer, grown: dict[int, tuple[Answerer, dict[str, str]]], size: int, question: str
) -> None:
    """The best item at N plans is one the five-plan answer gave (a copy counts as its source)."""
    small = answerer.ask(question)
    assert not small.no_answer
    large_answerer, sources = grown[size]
    large = large_answerer.ask(question)
    assert not large.no_answer
    if small.listing:
        assert origin(large, sources) == origin(small, {})
    else:
        best = (sources.get(large.best.item.doc, large.best.item.doc), large.best.item.number)
        assert best in origin(small, {})


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("question", ["今天天气怎么样？", "怎么办理社保卡？", "如何申请驾照？", "政务公开是什么？", "政府网站怎么投诉？"])
def test_out_of_scope_stays_not_covered(grown: dict[int, tuple[Answerer, dict[str, str]]], size: int, question: str) -> None:
    """A question the plans do not cover stays refused however many plans repeat their tasks."""
    assert grown[size][0].ask(question).no_answer


def test_a_task_every_region_has_is_one_task_with_all_their_regions(grown: dict[int, tuple[Answerer, dict[str, str]]]) -> None:
    """At 50 plans, 规章集中公开 is answered once, with every other city plan's copy as the same task."""
    answerer = grown[50][0]
    answer = answerer.ask("谁负责规章集中公开？")
    docs = [answer.best.item.doc] + [h.item.doc for task in answer.elsewhere for h in task.hits]
    regions = {answerer.region_of(answer.best.item.doc)} | {r for task in answer.elsewhere for r in task.regions}
    assert len([d for d in docs if d != "jinping-2020"]) == len(set(docs) - {"jinping-2020"}) == 49  # 4 + 45 copies
    assert {"茂名市", "湛江市", "汕头市", "开平市", "汕尾市红海湾经济开发区"} <= regions
