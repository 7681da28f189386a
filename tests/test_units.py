"""Splitting 落实单位 cells into lead and other bodies, checked against the gold items."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.models import LEAD, OTHER, Unit, Units
from index.units import is_collective, split_units, unit_from_name

GOLD_FILE = Path(__file__).parent / "data" / "items.jsonl"
GOLD = [json.loads(line) for line in GOLD_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("gold", GOLD, ids=[f"{g['doc']}-{g['item']}" for g in GOLD])
def test_gold_cells(gold: dict[str, object]) -> None:
    """Every gold cell splits into exactly the gold lead and others."""
    units = split_units(str(gold["units"]))
    assert list(units.lead) == gold["lead"]
    assert list(units.others) == gold["others"]


@pytest.mark.parametrize(
    ("cell", "lead", "others"),
    [
        (
            "各区县政府及市政府办公室分别牵头；市发展改革局、自然资源局和有关单位按职责分工落实",
            ["各区县政府", "市政府办公室"],
            ["市发展改革局", "自然资源局", "有关单位"],
        ),
        (
            "各县（市、区）政府（管委会）;市政府办公室牵头，市直各单位按职责分工落实",
            ["市政府办公室"],
            ["各县（市、区）政府（管委会）", "市直各单位"],
        ),
        (
            "各区县人民政府；市直各单位，市发展改革局、财政局、审计局、市场监管局按职责分工加监管",
            [],
            ["各区县人民政府", "市直各单位", "市发展改革局", "财政局", "审计局", "市场监管局"],
        ),
        (
            "各县（市、区）政府（管委会）;市直各单位。市发展改革局、市财政局按照职责分工强化监管。",
            [],
            ["各县（市、区）政府（管委会）", "市直各单位", "市发展改革局", "市财政局"],
        ),
        ("各街道办事处；区党工委综合办公室牵头、区直其他单位按职责分工落实", ["区党工委综合办公室"], ["各街道办事处", "区直其他单位"]),
        ("区发展和财政局、市工业和信息化局、区城乡建设和管理局", [], ["区发展和财政局", "市工业和信息化局", "区城乡建设和管理局"]),
        ("市卫生健康局、市国资委等部门按职责分工落实", [], ["市卫生健康局", "市国资委"]),
        ("市医保局等市直单位按职责分工落实", [], ["市医保局"]),
        ("财政局 、审计局", [], ["财政局", "审计局"]),
        ("办公室牵头，各科室配合", ["办公室"], ["各科室"]),
        ("市政府办公室主办、市财政局协办", ["市政府办公室"], ["市财政局"]),
        ("市司法局牵头，市公安局、市民政局负责", ["市司法局"], ["市公安局", "市民政局"]),
        ("牵头单位：市政务服务数据管理局；责任单位：市公安局、市民政局", ["市政务服务数据管理局"], ["市公安局", "市民政局"]),
        ("牵头单位:市财政局;配合单位:各区县政府", ["市财政局"], ["各区县政府"]),
        ("（市政府办公室牵头落实）", ["市政府办公室"], []),
        ("(市政府办公室牵头落实,市直各单位配合)", ["市政府办公室"], ["市直各单位"]),
        ("区经济促进和旅游局(政务服务数据管理局)牵头,区直相关单位按职责分工落实", ["区经济促进和旅游局(政务服务数据管理局)"], ["区直相关单位"]),
        ("市政府辦公室牽頭，各區縣政府負責", ["市政府辦公室"], ["各區縣政府"]),
        ("規建局、經發局牽頭", ["規建局", "經發局"], []),
        ("规建局、经发局、党政办", [], ["规建局", "经发局", "党政办"]),
    ],
)
def test_split_rules(cell: str, lead: list[str], others: list[str]) -> None:
    """Separators, trailing phrases, lead markers, labels, brackets and traditional characters."""
    units = split_units(cell)
    assert list(units.lead) == lead
    assert list(units.others) == others


@pytest.mark.parametrize(
    ("cell", "normalized"),
    [
        ("市发展改革局、教育局、科技局按职责分工落实", ["市发展改革局", "市教育局", "市科技局"]),
        ("市发展改革局、商务局、市场监管局牵头", ["市发展改革局", "市商务局", "市市场监管局"]),
        ("市直各单位，市发展改革局、财政局", ["市直各单位", "市发展改革局", "市财政局"]),
        ("市财政局、各区县政府、教育局", ["市财政局", "各区县政府", "市教育局"]),
        ("市发展改革局、自然资源局和有关单位", ["市发展改革局", "市自然资源局", "有关单位"]),
        ("区司法局、红海湾公安分局、区农林水和海洋渔业局、应急管理局", ["区司法局", "红海湾公安分局", "区农林水和海洋渔业局", "区应急管理局"]),
        ("区司法局、市生态环境局红海湾分局", ["区司法局", "市生态环境局红海湾分局"]),
        ("市政府办公室、濠江区人民政府", ["市政府办公室", "濠江区人民政府"]),
        ("各街道办事处；区直（含驻区）各单位", ["各街道办事处", "区直（含驻区）各单位"]),
        ("规建局、经发局、党政办", ["规建局", "经发局", "党政办"]),
        ("区经济促进和旅游局(政务服务数据管理局)", ["区经济促进和旅游局（政务服务数据管理局）"]),
    ],
)
def test_normalized_names(cell: str, normalized: list[str]) -> None:
    """A level prefix carries to bare names; collective and place-led names keep their own form."""
    assert [unit.normalized for unit in split_units(cell).members] == normalized


def test_names_stay_as_written() -> None:
    """Normalizing never changes the name as written."""
    units = split_units("市发展改革局、教育局")
    assert [unit.name for unit in units.members] == ["市发展改革局", "教育局"]
    assert units.raw == "市发展改革局、教育局"


@pytest.mark.parametrize(
    "name",
    [
        "市直各单位",
        "各县（市、区）政府（管委会）",
        "有关单位",
        "市直相关单位",
        "市直其他单位",
        "各区县人民政府",
        "各街道办事处",
        "区直（含驻区）各单位",
        "各科室",
        "各级政府部门",
        "市直单位",
    ],
)
def test_collective_names(name: str) -> None:
    """Names standing for many bodies are collective."""
    assert is_collective(name)


@pytest.mark.parametrize(
    "name",
    ["市政府办公室", "区党工委综合办公室", "红海湾公安分局", "党政办", "公共服务中心", "市直机关工委"],
)
def test_single_bodies(name: str) -> None:
    """Names of one body are not collective."""
    assert not is_collective(name)


@pytest.mark.parametrize(
    ("name", "role", "prefix", "unit"),
    [
        ("教育局", LEAD, "市", Unit("教育局", "市教育局", LEAD, False)),
        ("市场监管局", OTHER, "市", Unit("市场监管局", "市市场监管局", OTHER, False)),
        ("区司法局", OTHER, "市", Unit("区司法局", "区司法局", OTHER, False)),
        ("红海湾公安分局", OTHER, "区", Unit("红海湾公安分局", "红海湾公安分局", OTHER, False)),
        ("市直各单位", OTHER, "市", Unit("市直各单位", "市直各单位", OTHER, True)),
        ("党政办", OTHER, "", Unit("党政办", "党政办", OTHER, False)),
        ("财政 局", OTHER, "市", Unit("财政 局", "市财政局", OTHER, False)),
        ("区直(含驻区)各单位", OTHER, "", Unit("区直(含驻区)各单位", "区直（含驻区）各单位", OTHER, True)),
    ],
)
def test_unit_from_name(name: str, role: str, prefix: str, unit: Unit) -> None:
    """A Unit carries the prefix only onto a bare single body, with brackets made full-width."""
    assert unit_from_name(name, role, prefix) == unit


@pytest.mark.parametrize("cell", ["", "  ", "\u3000"])
def test_empty_cell(cell: str) -> None:
    """An empty cell names nobody."""
    assert split_units(cell) == Units("")
