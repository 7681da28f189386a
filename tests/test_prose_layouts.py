"""Prose layouts seen in published plans: stated units, three numbering levels, bullets, plain text.

The fixtures are invented in the style of a 政务公开工作要点; expected values are written out by hand.
"""

from __future__ import annotations

import pytest

from index.models import Item
from index.parse.prose import parse_prose

# A title line, then 一、/（一）/1. with each item's units on a line of their own.
THREE_LEVELS = """某市2022年政务公开工作要点

为进一步做好政务公开工作,制定本要点。

一、深化重点领域信息公开
（一）推进财政信息公开
1.全面公开部门预决算。市直各部门要于2022年6月底前公开本部门预决算。
市财政局牵头落实
2.规范政府采购信息公开。
（市财政局牵头，各区政府配合）
(二)推进社会救助信息公开
1、公开低保审批结果,按月更新。
责任单位：市民政局
二、加强公开平台建设
1.优化政府网站栏目。
牵头单位：市政务服务数据管理局；责任单位：市直各部门
2.办好政府公报，按期出版。（市政府办公室负责落实）
各区、各部门要结合实际抓好落实。
"""

# Units in a parenthetical ending a paragraph; other parentheticals stay in the text.
PARENTHETICALS = """2022年政务公开工作要点
一、推进交通运输信息公开。及时公开城市轨道交通建设进展情况（市交通委负责落实）。
二、做好统计信息发布。按季度发布主要经济指标解读材料（牵头单位：市发展改革委；责任单位：市财政局、市统计局）。
三、修订信息公开指南。对照《政府信息公开指南（2021年版）》和《依申请公开办理规范（试行）》更新本机关指南（责任单位：各区政府）
四、推进年度计划公开。年度重点工作（计划）于2022年3月底前向社会公开，市发展改革委负责汇总。
"""

# Three sentences of one paragraph, each with its own units.
SENTENCES = """2022年某区政务公开工作要点
三、加强重点领域公开
（二）推进公共服务信息公开。公开义务教育招生入学政策（区教育局负责）。2022年9月底前公开医疗机构收费标准（区卫生健康局牵头，各街道办事处配合）。定期更新养老服务机构名录（责任单位：区民政局）。
"""

# Traditional characters, half-width brackets and commas.
TRADITIONAL = """二〇二二年政務公開工作要點
一、推進教育領域信息公開
(一)公開學校招生政策,及時發布招生計劃(市教育局牽頭落實)。
(二)公開學生資助信息,按學期公布資助名單。
(區政府辦牽頭,各街道配合)
二、深化政策解讀
(一)做好政策解讀,各部門要同步發布解讀材料。
"""

# Bullets under numbered headings, counted within each parent.
BULLETS = """2022年政务公开工作要点
一、优化政务服务公开
（一）公开办事指南
● 公开高频事项办事指南。（市政务服务数据管理局负责）
● 公开“一件事”主题服务清单。（市政务服务数据管理局牵头，市直各部门配合）
（二）公开收费目录清单
● 动态更新涉企收费目录清单。（市发展改革委负责）
二、加强组织保障
◆ 建立政务公开工作台账。（市政府办公室负责）
◆ 开展政务公开培训。（市政府办公室牵头，各区政府配合）
"""

# Bullets with no numbered parent at all.
TOP_BULLETS = """区政务公开重点任务
■ 更新政府信息公开指南。（区政府办负责）
• 公开年度政府信息公开工作报告，2022年1月31日前完成（区政府办牵头，各部门配合）。
"""

FIXTURES = {
    "three-levels": THREE_LEVELS,
    "parentheticals": PARENTHETICALS,
    "sentences": SENTENCES,
    "traditional": TRADITIONAL,
    "bullets": BULLETS,
    "top-bullets": TOP_BULLETS,
}

# (number, task, text, lead, others, deadline) for every item of each fixture, in order.
EXPECTED = {
    "three-levels": [
        (
            "一（一）1",
            "全面公开部门预决算。",
            "全面公开部门预决算。市直各部门要于2022年6月底前公开本部门预决算。",
            ["市财政局"],
            [],
            "2022年6月底前",
        ),
        ("一（一）2", "规范政府采购信息公开。", "规范政府采购信息公开。", ["市财政局"], ["各区政府"], None),
        ("一（二）1", "公开低保审批结果,按月更新。", "公开低保审批结果,按月更新。", [], ["市民政局"], None),
        ("二1", "优化政府网站栏目。", "优化政府网站栏目。", ["市政务服务数据管理局"], ["市直各部门"], None),
        ("二2", "办好政府公报，按期出版。", "办好政府公报，按期出版。", [], ["市政府办公室"], None),
    ],
    "parentheticals": [
        ("一", "推进交通运输信息公开。", "推进交通运输信息公开。及时公开城市轨道交通建设进展情况。", [], ["市交通委"], None),
        (
            "二",
            "做好统计信息发布。",
            "做好统计信息发布。按季度发布主要经济指标解读材料。",
            ["市发展改革委"],
            ["市财政局", "市统计局"],
            None,
        ),
        (
            "三",
            "修订信息公开指南。",
            "修订信息公开指南。对照《政府信息公开指南（2021年版）》和《依申请公开办理规范（试行）》更新本机关指南",
            [],
            ["各区政府"],
            None,
        ),
        (
            "四",
            "推进年度计划公开。",
            "推进年度计划公开。年度重点工作（计划）于2022年3月底前向社会公开，市发展改革委负责汇总。",
            [],
            ["市发展改革委"],
            "2022年3月底前",
        ),
    ],
    "sentences": [
        (
            "三（二）-1",
            "推进公共服务信息公开。",
            "推进公共服务信息公开。公开义务教育招生入学政策。",
            [],
            ["区教育局"],
            None,
        ),
        (
            "三（二）-2",
            "推进公共服务信息公开。",
            "2022年9月底前公开医疗机构收费标准。",
            ["区卫生健康局"],
            ["各街道办事处"],
            "2022年9月底前",
        ),
        ("三（二）-3", "推进公共服务信息公开。", "定期更新养老服务机构名录。", [], ["区民政局"], None),
    ],
    "traditional": [
        ("一（一）", "公開學校招生政策,及時發布招生計劃。", "公開學校招生政策,及時發布招生計劃。", ["市教育局"], [], None),
        ("一（二）", "公開學生資助信息,按學期公布資助名單。", "公開學生資助信息,按學期公布資助名單。", ["區政府辦"], ["各街道"], None),
        ("二（一）", "做好政策解讀,各部門要同步發布解讀材料。", "做好政策解讀,各部門要同步發布解讀材料。", [], ["各部門"], None),
    ],
    "bullets": [
        ("一（一）-1", "公开高频事项办事指南。", "公开高频事项办事指南。", [], ["市政务服务数据管理局"], None),
        (
            "一（一）-2",
            "公开“一件事”主题服务清单。",
            "公开“一件事”主题服务清单。",
            ["市政务服务数据管理局"],
            ["市直各部门"],
            None,
        ),
        ("一（二）-1", "动态更新涉企收费目录清单。", "动态更新涉企收费目录清单。", [], ["市发展改革委"], None),
        ("二-1", "建立政务公开工作台账。", "建立政务公开工作台账。", [], ["市政府办公室"], None),
        ("二-2", "开展政务公开培训。", "开展政务公开培训。", ["市政府办公室"], ["各区政府"], None),
    ],
    "top-bullets": [
        ("1", "更新政府信息公开指南。", "更新政府信息公开指南。", [], ["区政府办"], None),
        (
            "2",
            "公开年度政府信息公开工作报告，2022年1月31日前完成。",
            "公开年度政府信息公开工作报告，2022年1月31日前完成。",
            ["区政府办"],
            ["各部门"],
            "2022年1月31日前",
        ),
    ],
}


def parse(name: str) -> list[Item]:
    """The items of one fixture."""
    return parse_prose(FIXTURES[name], name)


def summary(item: Item) -> tuple[str, str, str, list[str], list[str], str | None]:
    """The compared fields of an item."""
    units = item.units
    return item.number, item.task, item.text, list(units.lead), list(units.others), item.deadline


@pytest.mark.parametrize("name", list(EXPECTED))
def test_fixture_items(name: str) -> None:
    """Every item of a fixture, in order, with its number, task, text, units and deadline."""
    assert [summary(item) for item in parse(name)] == EXPECTED[name]


@pytest.mark.parametrize("name", list(FIXTURES))
def test_every_fixture_item_has_units(name: str) -> None:
    """Each item names at least one responsible body; positions count from 1."""
    items = parse(name)
    assert all(item.units.members for item in items)
    assert [item.position for item in items] == list(range(1, len(EXPECTED[name]) + 1))


def test_statement_lines_are_not_text() -> None:
    """Statement lines stay out of every item's text; items start on their numbered lines."""
    items = parse("three-levels")
    assert [item.line for item in items] == [7, 9, 12, 15, 17]
    assert items[1].units.raw == "市财政局牵头，各区政府配合"
    assert items[3].units.raw == "牵头单位：市政务服务数据管理局；责任单位：市直各部门"


def test_sentences_share_their_paragraph_line() -> None:
    """Sentence items of one paragraph point at the paragraph's line."""
    assert [item.line for item in parse("sentences")] == [3, 3, 3]


@pytest.mark.parametrize(
    ("paragraph", "text", "lead", "others"),
    [
        ("一、推进公开。公开线路调整信息（市交通委负责落实）。", "推进公开。公开线路调整信息。", [], ["市交通委"]),
        (
            "一、推进公开。公开价格信息（牵头单位：市发展改革委；责任单位：市财政局、市统计局）。",
            "推进公开。公开价格信息。",
            ["市发展改革委"],
            ["市财政局", "市统计局"],
        ),
        ("一、推進公開。公開招生信息(市教育局牽頭落實)。", "推進公開。公開招生信息。", ["市教育局"], []),
        ("一、推进公开。公开征收信息。（责任单位：各区政府）", "推进公开。公开征收信息。", [], ["各区政府"]),
        ("一、推进公开（区政府办牵头，各部门配合）。公开审批结果。", "推进公开。公开审批结果。", ["区政府办"], ["各部门"]),
    ],
)
def test_unit_parenthetical_is_removed(paragraph: str, text: str, lead: list[str], others: list[str]) -> None:
    """A sentence-final unit parenthetical leaves the text and becomes the paragraph's units."""
    (item,) = parse_prose(paragraph, "paren")
    assert (item.number, item.text, list(item.units.lead), list(item.units.others)) == ("一", text, lead, others)


@pytest.mark.parametrize("aside", ["（试行）", "（2021年版）", "（计划）", "（以下简称《要点》）"])
def test_other_parenthetical_stays(aside: str) -> None:
    """A parenthetical that names no responsible body stays in the text."""
    (item,) = parse_prose(f"一、印发实施细则{aside}。市司法局负责解释。", "aside")
    assert item.text == f"印发实施细则{aside}。市司法局负责解释。"
    assert list(item.units.others) == ["市司法局"]


def test_explicit_units_beat_inferred_actors() -> None:
    """A stated unit replaces the bodies a sentence tells to act."""
    (item,) = parse_prose("一、公开预算。各部门要公开预算。\n责任单位：市财政局\n", "explicit")
    assert (item.units.raw, list(item.units.others)) == ("责任单位：市财政局", ["市财政局"])


def test_heading_with_own_text_stays_an_item() -> None:
    """A numbered heading with children is an item only when it says more than its heading."""
    text = "一、加强组织领导。各区要明确分管负责人。\n（一）健全机制。区政府办要建立台账。\n二、强化培训\n（一）开展培训。区人社局要组织培训。\n"
    assert [item.number for item in parse_prose(text, "heads")] == ["一", "一（一）", "二（一）"]


def test_closing_remark_is_not_a_statement() -> None:
    """An unnumbered closing sentence after the last item is neither text nor units."""
    text = "一、公开预算。\n（区财政局负责）\n各部门要结合实际抓好落实。\n"
    (item,) = parse_prose(text, "closing")
    assert (item.text, item.units.raw) == ("公开预算。", "区财政局负责")


def test_markdown_part_keeps_its_prefix() -> None:
    """With a # notice heading the numbers keep their part prefix; without one they have none."""
    text = "# 某市人民政府办公室关于印发2022年政务公开工作要点的通知\n一、公开预算（市财政局负责）。\n"
    (item,) = parse_prose(text, "part")
    assert item.number == "某市 一"
    assert parse_prose(text.split("\n", 1)[1], "plain")[0].number == "一"
