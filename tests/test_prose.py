"""Tests for the prose-plan parser (一、/（一） paragraphs inside embedded notices)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from index.errors import UnknownLayout
from index.models import Item
from index.parse.prose import actors, deadline, parse_prose

DATA = Path(__file__).parent / "data"
JINPING = Path(__file__).parent.parent / "corpus" / "jinping-2020.txt"
TRUTH_LINES = (DATA / "jinping-sections.jsonl").read_text(encoding="utf-8").splitlines()
TRUTH = [json.loads(line) for line in TRUTH_LINES if line.strip()]
# The truth file's short part names, and the labels the parser derives from each notice's heading.
PART_LABELS = {
    "金平区": "金平区",
    "汕头市": "汕头市",
    "广东省": "广东省",
    "国务院要点": "国务院2020年政务公开工作要点",
}


def squash(text: str) -> str:
    """Remove all whitespace, so wrapping and spacing do not matter."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def jinping() -> list[Item]:
    """The parsed 金平区 2020 notice with its three embedded notices."""
    return parse_prose(JINPING.read_text(encoding="utf-8"), "jinping-2020")


def test_jinping_has_every_paragraph(jinping: list[Item]) -> None:
    """All 40 numbered paragraphs are found, in document order."""
    assert len(jinping) == len(TRUTH) == 40
    assert [item.position for item in jinping] == list(range(1, 41))


@pytest.mark.parametrize("truth", TRUTH, ids=[f"{t['part']}{t['item']}" for t in TRUTH])
def test_jinping_paragraph_matches_truth(jinping: list[Item], truth: dict) -> None:
    """Number, heading, text and acting bodies agree with the hand-checked sections."""
    item = next(i for i in jinping if i.number == f"{PART_LABELS[truth['part']]} {truth['item']}")
    assert item.doc == "jinping-2020"
    assert squash(item.task) == squash(truth["title"])
    assert squash(item.text) == squash(truth["text"])
    assert list(item.units.others) == truth["actors"]
    assert item.units.raw == "、".join(truth["actors"])


def test_jinping_lines_and_deadlines(jinping: list[Item]) -> None:
    """Start lines point at the numbered line; deadlines come from the paragraph text."""
    first, shantou_one, state_three = jinping[0], jinping[5], jinping[18]
    assert (first.number, first.line, first.deadline) == ("金平区 一", 15, "2020年底前")
    assert (shantou_one.number, shantou_one.line) == ("汕头市 一", 41)
    assert (state_three.number, state_three.line) == ("国务院2020年政务公开工作要点 一（三）", 117)
    assert state_three.deadline == "2020年底前"
    assert jinping[1].deadline is None


def test_bold_run_in_heading() -> None:
    """A bold 一、 run-in heading becomes the task; the text holds heading and body, no **."""
    text = "# 汕头市人民政府办公室转发2020年政务公开工作要点的通知\n\n**一、加快推进基层政务公开标准化规范化工作。**各区县政府要切实负起主体责任。\n"
    (item,) = parse_prose(text, "st")
    assert item.number == "汕头市 一"
    assert item.task == "加快推进基层政务公开标准化规范化工作。"
    assert item.text == "加快推进基层政务公开标准化规范化工作。各区县政府要切实负起主体责任。"
    assert item.line == 3


def test_sub_paragraphs_under_heading() -> None:
    """（一） paragraphs under a ## 一、 heading are numbered 一（一）; the heading is an item too."""
    text = (
        "# 湛江市人民政府办公室关于印发2021年政务公开工作要点的通知\n"
        "## 二、围绕“六稳”“六保”加强政策发布解读\n"
        "（一）助力做好“六稳”工作。加大政策解读力度。\n"
        "（二）助力落实“六保”任务。各级政府部门要实时发布相关政策信息。\n"
    )
    items = parse_prose(text, "zj")
    assert [i.number for i in items] == ["湛江市 二", "湛江市 二（一）", "湛江市 二（二）"]
    assert [i.task for i in items] == ["围绕“六稳”“六保”加强政策发布解读", "助力做好“六稳”工作。", "助力落实“六保”任务。"]
    assert items[2].text == "助力落实“六保”任务。各级政府部门要实时发布相关政策信息。"
    assert [i.line for i in items] == [2, 3, 4]


@pytest.mark.parametrize(
    ("heading", "label"),
    [
        ("# 汕头市金平区人民政府办公室文件", "金平区"),
        ("## 汕头市人民政府办公室转发 2020 年 政务公开工作要点的通知", "汕头市"),
        ("# 广东省人民政府办公厅关于转发国务院办公厅 2020年政务公开工作要点的通知", "广东省"),
        ("# 国务院办公厅关于印发 2020 年政务公开 工作要点的通知", "国务院"),
        ("# 汕头市政务服务数据管理局关于印发2021年工作要点的通知", "汕头市政务服务数据管理局"),
        ("# 2021年政务公开工作要点", "2021年政务公开工作要点"),
    ],
)
def test_part_label_from_heading(heading: str, label: str) -> None:
    """A notice heading is labelled by its issuer's last place, or by the issuer itself."""
    (item,) = parse_prose(f"{heading}\n\n一、加强组织领导。\n", "part")
    assert item.number == f"{label} 一"


def test_attached_plan_is_labelled_by_issuer_and_title() -> None:
    """A heading without an issuer (the attached plan) takes the last issuer plus its title."""
    text = (
        "# 国务院办公厅关于印发 2020 年政务公开工作要点的通知\n\n"
        "# 2020 年政务公开工作要点\n\n## 六、强化保障措施\n"
    )
    (item,) = parse_prose(text, "gov")
    assert item.number == "国务院2020年政务公开工作要点 六"


def test_plain_plan_without_markdown() -> None:
    """A plan with no bold and hard-wrapped lines parses the same way."""
    text = (
        "# 汕尾市红海湾经济开发区管委会办公室关于印发2021年政务公开工作要点的通知\n"
        "各街道办事处，区直各部门：\n"
        "现将有关事项通知如下。\n"
        "一、深化重点领域信息公开。区财政局要于2021年6月30日前公开本级预决算，\n"
        "各街道要同步做好\n"
        "基层公开工作。\n"
        "二、加强组织保障。区党政办负责统筹协调。\n"
        "汕尾市红海湾经济开发区管委会办公室\n"
    )
    first, second = parse_prose(text, "hhw")
    assert first.number == "红海湾经济开发区 一"
    assert first.task == "深化重点领域信息公开。"
    assert first.text == (
        "深化重点领域信息公开。区财政局要于2021年6月30日前公开本级预决算，各街道要同步做好基层公开工作。"
    )
    assert (first.units.raw, first.deadline, first.line) == ("区财政局、各街道", "2021年6月30日前", 4)
    assert (second.number, second.units.raw, second.deadline) == ("红海湾经济开发区 二", "区党政办", None)


def test_paragraph_broken_across_blank_line() -> None:
    """A line continues a paragraph that has not ended its sentence; a closing remark does not."""
    text = (
        "# 汕头市金平区人民政府办公室文件\n\n"
        "**五、强化政务公开工作制度保障。**要将《中华人民共和国\n\n"
        "政府信息公开条例》作为学法制度的重要内容。\n\n"
        "各街道、各部门要对照 2020 年政务公开工作要点，认真做好本年度的政务公开工作。\n"
    )
    (item,) = parse_prose(text, "jp")
    assert item.text == "强化政务公开工作制度保障。要将《中华人民共和国政府信息公开条例》作为学法制度的重要内容。"
    assert item.units.raw == ""


def test_units_from_paragraph() -> None:
    """Acting bodies become OTHER units; 各… names are collective."""
    text = "**四、着力强化重点政务信息集中统一公开。**省司法厅要在2020年底前梳理列出现行有效行政规章。各地要建立健全政府公报体制机制。"
    (item,) = parse_prose(text, "gd")
    assert item.units.raw == "省司法厅、各地"
    assert [(u.name, u.role, u.collective) for u in item.units.members] == [
        ("省司法厅", "other", False),
        ("各地", "other", True),
    ]
    assert item.number == "四"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("省司法厅要在2020年底前梳理列出现行有效行政规章和规范性文件。", ["省司法厅"]),
        ("各街道、各单位要进一步提高认识。", ["各街道", "各单位"]),
        ("各区县政府要切实负起基层政务公开标准化规范化工作主体责任。", ["各区县政府"]),
        ("县级以上地方政府要严格落实条例要求。", ["县级以上地方政府"]),
        ("有关地方和部门主要负责人要带头主动发声。", ["有关地方和部门主要负责人"]),
        ("2020年底前，各级政府及其部门建设完成政府信息公开平台。", ["各级政府及其部门"]),
        ("实行垂直管理的政府部门向其上级政府信息公开工作主管部门备案。", ["实行垂直管理的政府部门"]),
        ("各县（市、区）政府应当公开目录。", ["各县（市、区）政府"]),
        ("同时，要强化对政策实施过程的跟踪评估。", []),
        ("确保基层政府对相关工作的内容要求理解到位。", []),
        ("2020年底前，省级和地市级政府门户网站全部支持互联网协议第6版。", []),
    ],
)
def test_actors(text: str, names: list[str]) -> None:
    """The subject before 要/应/负责/牵头, or a clause-initial 各… body, is an actor."""
    assert actors(text) == names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("于 2020 年底前编制完成区、街道两级政府政务公开事项标准目录", "2020年底前"),
        ("省司法厅要在2020年底前梳理列出现行有效行政规章", "2020年底前"),
        ("2021年6月前完成专栏建设，2021年底前全面公开", "2021年6月前"),
        ("于2021年9月30日前报送工作总结", "2021年9月30日前"),
        ("持续推进政务公开标准化规范化工作", None),
    ],
)
def test_deadline(text: str, expected: str | None) -> None:
    """The first 年底前 / 年M月前 / 年M月D日前 phrase is the deadline."""
    assert deadline(text) == expected


def test_no_numbering_is_unknown_layout() -> None:
    """Text without any 一、 or （一） paragraph is refused."""
    with pytest.raises(UnknownLayout):
        parse_prose("# 某区政务公开工作\n\n各街道要认真做好政务公开工作。\n", "none")
