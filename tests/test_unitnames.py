"""Unit names in questions, however they are written, matched against the names the plans use."""

from __future__ import annotations

import pytest

from bot.answer import Answerer
from index.unitnames import UnitNames

# Names as the bundled plans' index holds them (a sample of `Engine.unit_names()`).
NAMES = [
    "市财政局", "财政局", "市卫生健康局", "市发展改革局", "市人力资源社会保障局", "区司法局", "市司法局",
    "市政府办公室", "市政务服务数据管理局", "区经济促进和旅游局（政务服务数据管理局）", "经发局",
    "区发展和财政局", "市市场监管局", "市住房城乡建设局", "公共服务中心", "党政办",
]
PLACES = ["湛江", "湛江市", "开平", "开平市", "汕头", "汕头市", "汕头市政府", "红海湾", "红海湾区"]


@pytest.fixture(scope="module")
def units() -> UnitNames:
    """The matcher over the sample names."""
    return UnitNames(NAMES)


@pytest.mark.parametrize(
    ("written", "names"),
    [
        ("市财政局", ("市财政局", "财政局")),  # exact, and the level-less name of another plan
        ("财政局", ("市财政局", "财政局")),
        ("区司法局", ("区司法局",)),
        ("市司法局", ("市司法局",)),  # 市 never matches 区
        ("卫健局", ("市卫生健康局",)),  # unit_abbreviations.txt and the in-order rule
        ("发改局", ("市发展改革局",)),
        ("人社局", ("市人力资源社会保障局",)),
        ("人力资源和社会保障局", ("市人力资源社会保障局",)),  # 和 ignored
        ("住建局", ("市住房城乡建设局",)),
        ("市监局", ("市市场监管局",)),  # unit_aliases.txt
        ("市场监管局", ("市市场监管局",)),  # 市场 is no level 市 + 场
        ("公服中心", ("公共服务中心",)),
        ("政数局", ("区经济促进和旅游局（政务服务数据管理局）", "市政务服务数据管理局")),  # a bracketed second name
        ("发展和财政局", ("区发展和财政局",)),
        ("教育局", ()),
        ("气象局", ()),
    ],
)
def test_lookup(units: UnitNames, written: str, names: tuple[str, ...]) -> None:
    """A name without its place finds the indexed names it stands for."""
    assert units.lookup(written) == names


@pytest.mark.parametrize(
    ("question", "span", "place", "names"),
    [
        ("开平市财政局负责哪些工作？", "开平市财政局", "开平", ("市财政局", "财政局")),
        ("湛江市财政局承担哪些政务公开任务？", "湛江市财政局", "湛江", ("市财政局", "财政局")),
        ("汕头卫健局要干啥", "汕头卫健局", "汕头", ("市卫生健康局",)),
        ("红海湾区司法局负责哪些任务？", "红海湾区司法局", "红海湾", ("区司法局",)),
        ("汕头市政府办公室负责哪些工作", "汕头市政府办公室", "汕头", ("市政府办公室",)),
        ("市司法局负责哪些工作？", "市司法局", "", ("市司法局",)),
        ("汕头市政府公报电子化是谁牵头？", None, None, None),
    ],
)
def test_find_in_a_question(
    units: UnitNames, question: str, span: str | None, place: str | None, names: tuple[str, ...] | None
) -> None:
    """The longest unit name in a question, its place in front split off."""
    match = units.find(question, PLACES)
    found = (match.span, match.place, match.names) if match else (None, None, None)
    assert found == (span, place, names)


def test_a_long_question_of_endings_is_read_quickly(units: UnitNames) -> None:
    """500 characters of name endings find no unit (and do not try every span against every place)."""
    assert units.find("局" * 500, PLACES) is None


# --- over the bundled plans ------------------------------------------------------------------

ZHANJIANG_FINANCE = [("zhanjiang-2021", n) for n in ("7", "8", "9", "34", "38")]
KAIPING_FINANCE = [("kaiping-2021", n) for n in ("7", "8", "9", "10", "43")]
SHANTOU_HEALTH = [("shantou-2021", n) for n in ("10", "11", "12", "33", "40")]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("湛江市财政局承担哪些政务公开任务？", ZHANJIANG_FINANCE),
        ("湛江财政局要干啥", ZHANJIANG_FINANCE),
        ("湛江市财政局的政务公开工作", ZHANJIANG_FINANCE),
        ("湛江市财政局负责的事项", ZHANJIANG_FINANCE),
        ("湛江市财政局", ZHANJIANG_FINANCE),
        ("开平市财政局负责哪些工作？", KAIPING_FINANCE),  # 开平 writes 财政局
        ("开平财政局", KAIPING_FINANCE),
        ("汕头卫健局要干啥", SHANTOU_HEALTH),
        ("汕头市卫生健康局负责什么", SHANTOU_HEALTH),
        ("湛江人社局的政务公开工作", [("zhanjiang-2021", "34")]),
        ("湛江发改局负责的事项", [("zhanjiang-2021", n) for n in ("3", "4", "5", "34", "38", "41")]),
    ],
)
def test_unit_questions_list_exactly_its_items(answerer: Answerer, question: str, expected: list[tuple[str, str]]) -> None:
    """However the unit and its question are worded, the answer lists exactly that unit's items there."""
    answer = answerer.ask(question)
    assert answer.query.intent == "unit"
    assert sorted((h.item.doc, h.item.number) for h in answer.hits) == sorted(expected)


def test_lead_items_come_first_in_a_listing(answerer: Answerer) -> None:
    """湛江 市财政局 leads 7, 8 and 9 and takes part in 34 and 38: the lead items come first."""
    [group] = answerer.ask("湛江市财政局负责哪些工作？").listing
    assert [(e.hit.item.number, e.lead) for e in group.items] == [("7", True), ("8", True), ("9", True), ("34", False), ("38", False)]


def test_a_unit_of_several_regions_is_listed_per_region(answerer: Answerer) -> None:
    """财政局 with no place: each region's own 财政局 items, under that region."""
    answer = answerer.ask("财政局负责哪些工作？")
    groups = {g.region: sorted(e.hit.item.number for e in g.items) for g in answer.listing}
    assert groups == {
        "汕头市": sorted(["7", "8", "9", "33", "37"]),
        "湛江市": sorted(["7", "8", "9", "34", "38"]),
        "开平市": sorted(["7", "8", "9", "10", "43"]),
    }


@pytest.mark.parametrize("question", ["湛江市财政局负责的地方政府债务信息公开谁牵头？", "汕头市政府公报电子化是谁牵头？"])
def test_a_question_about_a_task_is_searched_even_when_it_names_a_unit(answerer: Answerer, question: str) -> None:
    """A unit with more to the question than its work is a search, not a listing."""
    assert answerer.ask(question).query.intent == "who"


def test_the_unit_command_takes_a_place_and_an_abbreviation(answerer: Answerer) -> None:
    """/unit 汕头卫健局 lists 汕头's 卫生健康局 items, headed by the name the plan uses."""
    answer = answerer.unit("汕头卫健局")
    assert sorted((h.item.doc, h.item.number) for h in answer.hits) == SHANTOU_HEALTH
    assert answer.query.unit == "市卫生健康局"
