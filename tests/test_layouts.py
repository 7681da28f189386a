"""Plan layouts one at a time: small made-up 分工方案 tables in every shape the parsers claim to read.

Each fixture is a literal in the style of a 政务公开工作要点分工方案 (invented wording, not a
published plan); the expected numbers, tasks, texts, units and deadlines are literals too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from index.corpus import Parsed, ingest
from index.errors import InputError, UnknownLayout
from index.models import Document, Item
from index.parse import parse_layout
from make_fixtures import make_docx, make_html, make_pdf

# (number, task, text, lead units, other units, deadline)
Row = tuple[str, str, str, tuple[str, ...], tuple[str, ...], str | None]
Tables = list[list[list[str]]]


def rows(items: list[Item]) -> list[Row]:
    """What a reader of the plan checks for each item."""
    return [(i.number, i.task, i.text, i.units.lead, i.units.others, i.deadline) for i in items]


def parse(text: str, tables: Tables | None = None) -> tuple[str, list[Item]]:
    """Layout name and items of a fixture."""
    return parse_layout(text, tables or [], "fixture")


# --- pipe table, one row per line; a merged task cell only on its group's first row ----------

FINANCE_TRAILING = """\
某区2024年政务公开工作要点分工方案
工作任务 | 具体要求 | 责任单位 | 完成时限 |
做好财政信息公开 | 1.全面公开部门预算和决算，细化公开到功能分类项级科目。 | 区财政局 | 2024年6月底前 |
2.持续深化政府债务信息公开，定期公开政府债务限额、余额和使用安排。 | 区财政局牵头，区审计局配合 | 2024年12月底前 |
3.及时公开惠民惠农财政补贴资金发放信息。 | 各街道办事处 | 长期工作 |
推进基层政务公开 | 4.动态更新基层政务公开标准目录，推动目录事项集中展示。 | 区政府办公室 | 2024年10月底前 |
5.规范村（居）务公开，推动村（社区）公开栏规范化建设。 | 区民政局、各街道办事处 | 持续推进 |
公开方式：主动公开
"""
FINANCE_BOTH_SIDES = """\
| 工作任务 | 具体要求 | 责任单位 | 完成时限 |
| 做好财政信息公开 | 1.全面公开部门预算和决算，细化公开到功能分类项级科目。 | 区财政局 | 2024年6月底前 |
| 2.持续深化政府债务信息公开，定期公开政府债务限额、余额和使用安排。 | 区财政局牵头，区审计局配合 | 2024年12月底前 |
| 3.及时公开惠民惠农财政补贴资金发放信息。 | 各街道办事处 | 长期工作 |
| 推进基层政务公开 | 4.动态更新基层政务公开标准目录，推动目录事项集中展示。 | 区政府办公室 | 2024年10月底前 |
| 5.规范村（居）务公开，推动村（社区）公开栏规范化建设。 | 区民政局、各街道办事处 | 持续推进 |
"""
# As a web page's table is often pasted: markdown, with a |---| rule under the header.
FINANCE_MARKDOWN = """\
| 工作任务 | 具体要求 | 责任单位 | 完成时限 |
|---|---|---|---|
| 做好财政信息公开 | 1.全面公开部门预算和决算，细化公开到功能分类项级科目。 | 区财政局 | 2024年6月底前 |
| 2.持续深化政府债务信息公开，定期公开政府债务限额、余额和使用安排。 | 区财政局牵头，区审计局配合 | 2024年12月底前 |
| 3.及时公开惠民惠农财政补贴资金发放信息。 | 各街道办事处 | 长期工作 |
| 推进基层政务公开 | 4.动态更新基层政务公开标准目录，推动目录事项集中展示。 | 区政府办公室 | 2024年10月底前 |
| 5.规范村（居）务公开，推动村（社区）公开栏规范化建设。 | 区民政局、各街道办事处 | 持续推进 |
"""
FINANCE_ROWS: list[Row] = [
    ("1", "做好财政信息公开", "全面公开部门预算和决算，细化公开到功能分类项级科目。", (), ("区财政局",), "2024年6月底前"),
    ("2", "做好财政信息公开", "持续深化政府债务信息公开，定期公开政府债务限额、余额和使用安排。",
     ("区财政局",), ("区审计局",), "2024年12月底前"),
    ("3", "做好财政信息公开", "及时公开惠民惠农财政补贴资金发放信息。", (), ("各街道办事处",), "长期工作"),
    ("4", "推进基层政务公开", "动态更新基层政务公开标准目录，推动目录事项集中展示。", (), ("区政府办公室",), "2024年10月底前"),
    ("5", "推进基层政务公开", "规范村（居）务公开，推动村（社区）公开栏规范化建设。", (), ("区民政局", "各街道办事处"), "持续推进"),
]


@pytest.mark.parametrize(
    "text",
    [FINANCE_TRAILING, FINANCE_BOTH_SIDES, FINANCE_MARKDOWN],
    ids=["trailing-pipes", "pipes-both-sides", "markdown-rule"],
)
def test_pipe_rows_with_merged_first_cell(text: str) -> None:
    layout, items = parse(text)
    assert layout == "pipe rows"
    assert rows(items) == FINANCE_ROWS


# Rows with no deadline yet: the empty 完成时限 cell shows only by its delimiters, and a task is
# written as a sentence (ending in 。, as a requirement is).
EMPTY_LAST_CELL = """\
序号 | 工作任务 | 具体要求 | 落实单位 | 完成时限 |
3 | 加强机构队伍建设。 | 加大惠民惠农政策和资金发放信息公开力度，确保落实到位，健全政策解读工作机制。 | 各区县政府、市直相关部门 |  |
4 | 继续抓好政府信息公开条例贯彻落实。 | 为企业和群众提供“一号答”“一站式”的政策咨询综合服务，加强队伍建设，各政府信息公开工作主管部门要加强日常指导监督，切实抓好公共卫生科普工作，从严把握不予公开范围。 | 各街道办事处；区直（含驻区）各单位 |  |
7 | 落实《政府信息公开条例》 | 及时了解掌握社会公众对政策执行效果的反馈与评价，实现一网通查、一网通答、一网通办、一网通管，有针对性地加强各级各类应急预案的宣传培训，2021年底前县级以上政府门户网站全部支持互联网协议第6版。 | 各区县、各部门 | 2021年12月前 |
"""


def test_pipe_row_with_empty_last_cell_keeps_its_columns() -> None:
    layout, items = parse(EMPTY_LAST_CELL)
    assert layout == "pipe rows"
    assert [(i.number, i.task, i.text, i.units.raw, [u.name for u in i.units.members], i.deadline) for i in items] == [
        ("3", "加强机构队伍建设", "加大惠民惠农政策和资金发放信息公开力度，确保落实到位，健全政策解读工作机制。",
         "各区县政府、市直相关部门", ["各区县政府", "市直相关部门"], None),
        ("4", "继续抓好政府信息公开条例贯彻落实",
         "为企业和群众提供“一号答”“一站式”的政策咨询综合服务，加强队伍建设，各政府信息公开工作主管部门要加强日常指导监督，"
         "切实抓好公共卫生科普工作，从严把握不予公开范围。",
         "各街道办事处；区直（含驻区）各单位", ["各街道办事处", "区直（含驻区）各单位"], None),
        ("7", "落实《政府信息公开条例》",
         "及时了解掌握社会公众对政策执行效果的反馈与评价，实现一网通查、一网通答、一网通办、一网通管，"
         "有针对性地加强各级各类应急预案的宣传培训，2021年底前县级以上政府门户网站全部支持互联网协议第6版。",
         "各区县、各部门", ["各区县", "各部门"], "2021年12月前"),
    ]


# A merged task cell left out of the row's copy, its cells moved left, the row still as wide as the
# header: its cells fit the columns better moved right, so they are placed by their kinds.
MERGED_CELL_LEFT_OUT = """\
工作任务 | 具体要求 | 责任单位 | 完成时限 |
做好财政信息公开 | 1.全面公开部门预算和决算，细化公开到功能分类项级科目。 | 区财政局 | 2024年6月底前 |
2.持续深化政府债务信息公开，定期公开政府债务限额、余额和使用安排。 | 区财政局牵头，区审计局配合 | 2024年12月底前 |  |
"""


def test_pipe_row_moved_left_under_a_merged_cell() -> None:
    assert rows(parse(MERGED_CELL_LEFT_OUT)[1]) == FINANCE_ROWS[:2]


# --- pipe text, one cell per line ---------------------------------------------------------------

CELLS_PIPE_ENDED = """\
某区2024年政务公开工作要点分工方案
工作任务 |
具体要求 |
责任单位 |
完成时限 |
做好财政信息公开 |
1.全面公开部门预算和决算，细化公开到功能分类项级科目和经济分类款级科目。 |
区财政局 |
2024年6月底前 |
2.持续深化政府债务信息公开，定期公开本区政府债务限额、余额和使用安排。 |
区财政局牵头，区审计局配合 |
2024年12月底前 |
推进基层政务公开 |
3.动态更新基层政务公开标准目录，推动目录事项在街道便民服务中心集中展示。 |
各街道办事处 |
长期工作 |
4.规范村（居）务公开，推动村（社区）公开栏规范化建设，及时更新公开内容。 |
区民政局、各街道办事处 |
持续推进 |
公开方式：主动公开
"""
CELLS_LONE_PIPES = """\
工作任务
|
具体要求
|
责任单位
|
完成时限
|
做好财政信息公开
|
1.全面公开部门预算和决算，细化公开到功能分类项级科目和经济分类款级科目。
|
区财政局
|
2024年6月底前
|
2.持续深化政府债务信息公开，定期公开本区政府债务限额、余额和使用安排。
|
区财政局牵头，区审计局配合
|
2024年12月底前
|
推进基层政务公开
|
3.动态更新基层政务公开标准目录，推动目录事项在街道便民服务中心集中展示。
|
各街道办事处
|
长期工作
|
4.规范村（居）务公开，推动村（社区）公开栏规范化建设，及时更新公开内容。
|
区民政局、各街道办事处
|
持续推进
"""
CELLS_ROWS: list[Row] = [
    ("1", "做好财政信息公开", "全面公开部门预算和决算，细化公开到功能分类项级科目和经济分类款级科目。",
     (), ("区财政局",), "2024年6月底前"),
    ("2", "做好财政信息公开", "持续深化政府债务信息公开，定期公开本区政府债务限额、余额和使用安排。",
     ("区财政局",), ("区审计局",), "2024年12月底前"),
    ("3", "推进基层政务公开", "动态更新基层政务公开标准目录，推动目录事项在街道便民服务中心集中展示。",
     (), ("各街道办事处",), "长期工作"),
    ("4", "推进基层政务公开", "规范村（居）务公开，推动村（社区）公开栏规范化建设，及时更新公开内容。",
     (), ("区民政局", "各街道办事处"), "持续推进"),
]


@pytest.mark.parametrize("text", [CELLS_PIPE_ENDED, CELLS_LONE_PIPES], ids=["cells-end-in-pipe", "lone-pipe-lines"])
def test_one_cell_per_line(text: str) -> None:
    layout, items = parse(text)
    assert layout == "cell per line"
    assert rows(items) == CELLS_ROWS


# 群团 bodies (区总工会, 区妇联, 区残联) end in no word of unit_body_endings.txt; the pipes say
# where their cells are anyway.
MASS_ROWS: list[Row] = [
    ("1", "做好民生领域信息公开", "及时公开困难职工帮扶救助政策、申请条件和办理流程，做好政策解读。",
     (), ("区总工会", "区妇联"), "2024年9月底前"),
    ("2", "做好民生领域信息公开", "公开残疾人就业补贴和托养服务补助政策，方便群众查询办理。", (), ("区残联",), "长期工作"),
    ("3", "推进基层政务公开", "动态更新基层政务公开标准目录，推动目录事项在街道便民服务中心集中展示。",
     (), ("各街道办事处",), "2024年10月底前"),
]
MASS_PIPE_ROWS = """\
工作任务 | 具体要求 | 责任单位 | 完成时限 |
做好民生领域信息公开 | 1.及时公开困难职工帮扶救助政策、申请条件和办理流程，做好政策解读。 | 区总工会、区妇联 | 2024年9月底前 |
2.公开残疾人就业补贴和托养服务补助政策，方便群众查询办理。 | 区残联 | 长期工作 |
推进基层政务公开 | 3.动态更新基层政务公开标准目录，推动目录事项在街道便民服务中心集中展示。 | 各街道办事处 | 2024年10月底前 |
"""
MASS_CELLS = """\
工作任务 |
具体要求 |
责任单位 |
完成时限 |
做好民生领域信息公开 |
1.及时公开困难职工帮扶救助政策、申请条件和办理流程，做好政策解读。 |
区总工会、区妇联 |
2024年9月底前 |
2.公开残疾人就业补贴和托养服务补助政策，方便群众查询办理。 |
区残联 |
长期工作 |
推进基层政务公开 |
3.动态更新基层政务公开标准目录，推动目录事项在街道便民服务中心集中展示。 |
各街道办事处 |
2024年10月底前 |
"""


@pytest.mark.parametrize("text", [MASS_PIPE_ROWS, MASS_CELLS], ids=["row-per-line", "cell-per-line"])
def test_mass_organisation_units(text: str) -> None:
    _, items = parse(text)
    assert rows(items) == MASS_ROWS


# --- header names that vary ----------------------------------------------------------------------

HEADER_CASES = [
    pytest.param(
        """\
工作任务 | 具体要求 | 落实单位 | 完成时限 |
加强政策解读 | 1.坚持政策文件与解读材料同步组织、同步审签、同步部署。 | 市政府办公室牵头，市直各单位按职责分工落实 | 长期工作 |
""",
        [("1", "加强政策解读", "坚持政策文件与解读材料同步组织、同步审签、同步部署。",
          ("市政府办公室",), ("市直各单位",), "长期工作")],
        id="luoshidanwei-wanchengshixian",
    ),
    pytest.param(
        """\
主要任务 | 工作要求 | 责任部门 | 时限要求 |
回应社会关切 | 1.健全政务舆情收集、研判、处置和回应机制。 | 县委网信办、县政府办公室 | 持续推进 |
""",
        [("1", "回应社会关切", "健全政务舆情收集、研判、处置和回应机制。",
          (), ("县委网信办", "县政府办公室"), "持续推进")],
        id="zerenbumen-shixianyaoqiu",
    ),
    pytest.param(
        """\
工作任务 | 具体要求 | 责任处室 | 完成时限 |
优化营商环境信息公开 | 1.公开涉企行政事业性收费目录清单。 | 价格处、收费管理处 | 2024年6月底前 |
""",
        [("1", "优化营商环境信息公开", "公开涉企行政事业性收费目录清单。",
          (), ("价格处", "收费管理处"), "2024年6月底前")],
        id="zerenchushi",
    ),
    pytest.param(
        """\
序号 | 重点任务 | 具体措施 | 责任科室 | 完成时间 | 备注 |
1 | 规范依申请公开 | 严格执行依申请公开登记、审核、办理、答复、归档流程。 | 办公室牵头，各科室配合 | 长期 | 常态化工作 |
2 | 规范依申请公开 | 按时编制发布本局政府信息公开工作年度报告。 | 综合科主办、法规科协办 | 2025年1月31日前 | 按模板编制 |
3 | 规范依申请公开 | 做好依申请公开答复文书的合法性审查。 | 法规科牵头，办公室、综合科负责 | 及时 |  |
""",
        [
            ("1", "规范依申请公开", "严格执行依申请公开登记、审核、办理、答复、归档流程。", ("办公室",), ("各科室",), "长期"),
            ("2", "规范依申请公开", "按时编制发布本局政府信息公开工作年度报告。", ("综合科",), ("法规科",), "2025年1月31日前"),
            ("3", "规范依申请公开", "做好依申请公开答复文书的合法性审查。", ("法规科",), ("办公室", "综合科"), "及时"),
        ],
        id="xuhao-zerenkeshi-wanchengshijian-beizhu",
    ),
    pytest.param(
        """\
序号 | 工作任务 | 具体要求 | 牵头单位 | 配合单位 | 责任领导 | 时限要求 | 备注 |
1 | 推进政务公开标准化 | 梳理本部门政务公开事项标准目录并动态更新。 | 县政府办公室 | 县司法局、县政务服务中心 | 王建国 | 2024年9月底前 | 新增 |
2 | 推进政务公开标准化 | 在县政府门户网站集中发布现行有效的规范性文件。 | 县司法局 |  | 李明 | 2024年12月底前 |  |
3 | 加强公开平台建设 | 完善政府信息公开专栏栏目设置，及时清理空白栏目。 | 县政务服务中心 | 各乡镇人民政府 | 张华 | 长期坚持 | 另行通知 |
""",
        [
            ("1", "推进政务公开标准化", "梳理本部门政务公开事项标准目录并动态更新。",
             ("县政府办公室",), ("县司法局", "县政务服务中心"), "2024年9月底前"),
            ("2", "推进政务公开标准化", "在县政府门户网站集中发布现行有效的规范性文件。", ("县司法局",), (), "2024年12月底前"),
            ("3", "加强公开平台建设", "完善政府信息公开专栏栏目设置，及时清理空白栏目。",
             ("县政务服务中心",), ("各乡镇人民政府",), "长期坚持"),
        ],
        id="qiantou-peihe-zerenlingdao",
    ),
    # The same two header families, one cell per line (a web table copied cell by cell).
    pytest.param(
        """\
工作任务 |
具体要求 |
牵头单位 |
配合单位 |
责任领导 |
完成时限 |
推进政务公开标准化规范化 |
1.梳理本部门政务公开事项标准目录，明确公开内容、公开时限和公开方式并动态更新。 |
县政府办公室 |
县司法局、县政务服务中心 |
王建国 |
2024年9月底前 |
2.在县政府门户网站集中发布现行有效的规范性文件，并标注文件的有效性状态。 |
县司法局 |
各乡镇人民政府 |
李明 |
2024年12月底前 |
""",
        [
            ("1", "推进政务公开标准化规范化", "梳理本部门政务公开事项标准目录，明确公开内容、公开时限和公开方式并动态更新。",
             ("县政府办公室",), ("县司法局", "县政务服务中心"), "2024年9月底前"),
            ("2", "推进政务公开标准化规范化", "在县政府门户网站集中发布现行有效的规范性文件，并标注文件的有效性状态。",
             ("县司法局",), ("各乡镇人民政府",), "2024年12月底前"),
        ],
        id="cell-per-line-qiantou-peihe-zerenlingdao",
    ),
    pytest.param(
        """\
序号 |
工作任务 |
具体要求 |
责任单位 |
完成时间 |
备注 |
1 |
推进政务公开标准化规范化 |
梳理本部门政务公开事项标准目录，明确公开内容、公开时限和公开方式并动态更新。 |
县政府办公室 |
2024年9月底前 |
新增任务 |
2 |
加强政府信息管理 |
在县政府门户网站集中发布现行有效的规范性文件，并标注文件的有效性状态。 |
县司法局 |
2024年12月底前 |
 |
""",
        [
            ("1", "推进政务公开标准化规范化", "梳理本部门政务公开事项标准目录，明确公开内容、公开时限和公开方式并动态更新。",
             (), ("县政府办公室",), "2024年9月底前"),
            ("2", "加强政府信息管理", "在县政府门户网站集中发布现行有效的规范性文件，并标注文件的有效性状态。",
             (), ("县司法局",), "2024年12月底前"),
        ],
        id="cell-per-line-xuhao-beizhu",
    ),
]


@pytest.mark.parametrize(("text", "expected"), HEADER_CASES)
def test_header_names(text: str, expected: list[Row]) -> None:
    """Every known header wording finds its column; 责任领导 (a person) and 备注 never become units."""
    _, items = parse(text)
    assert rows(items) == expected


def test_lead_and_other_columns_in_a_word_table() -> None:
    """牵头单位 + 配合单位 columns from a .docx-style table; the 责任领导 name is not a unit."""
    table = [
        ["序号", "工作任务", "具体要求", "牵头单位", "配合单位", "责任领导", "时限要求"],
        ["1", "推进政务公开标准化", "梳理本部门政务公开事项标准目录并动态更新。", "县政府办公室",
         "县司法局、\n县政务服务中心", "王建国", "2024年9月底前"],
    ]
    layout, items = parse("", [table])
    assert layout == "table rows"
    assert rows(items) == [("1", "推进政务公开标准化", "梳理本部门政务公开事项标准目录并动态更新。",
                            ("县政府办公室",), ("县司法局", "县政务服务中心"), "2024年9月底前")]
    assert items[0].units.raw == "县政府办公室 | 县司法局、县政务服务中心"  # the two cells as printed


# --- numbering: three levels, restarting per section, none at all -----------------------------

HEADER = ["工作任务", "具体要求", "责任单位", "完成时限"]

NUMBERING_CASES = [
    # 一、 in the task cell, 1. in the text cell, restarting under each 一、.
    pytest.param(
        """\
工作任务 | 具体要求 | 责任单位 | 完成时限 |
一、深化财政信息公开 | 1.全面公开部门预算，细化到功能分类项级科目。 | 区财政局 | 2024年6月底前 |
2.全面公开部门决算和“三公”经费决算。 | 区财政局 | 2024年9月底前 |
二、推进基层政务公开 | 1.动态更新基层政务公开标准目录。 | 各街道办事处 | 2024年10月底前 |
2.规范村（居）务公开栏的设置和更新。 | 区民政局 | 长期工作 |
""",
        None,
        [
            ("一、1", "深化财政信息公开", "全面公开部门预算，细化到功能分类项级科目。", (), ("区财政局",), "2024年6月底前"),
            ("一、2", "深化财政信息公开", "全面公开部门决算和“三公”经费决算。", (), ("区财政局",), "2024年9月底前"),
            ("二、1", "推进基层政务公开", "动态更新基层政务公开标准目录。", (), ("各街道办事处",), "2024年10月底前"),
            ("二、2", "推进基层政务公开", "规范村（居）务公开栏的设置和更新。", (), ("区民政局",), "长期工作"),
        ],
        id="restart-per-section",
    ),
    # Three levels in a Word table: 一、 section rows merged across, （一） tasks, 1. items.
    pytest.param(
        "",
        [[
            HEADER,
            ["一、深化重点领域信息公开"],
            ["（一）做好财政信息公开", "1.全面公开部门预算和决算。\n2.定期公开政府债务限额和余额。", "区财政局", "2024年6月底前"],
            ["（二）做好就业信息公开", "3.及时公开就业补贴政策和申领条件。", "区人力资源社会保障局", "长期工作"],
            ["二、加强政策解读回应"],
            ["（一）加强政策解读", "1.政策文件与解读材料同步起草、同步审签、同步发布。", "区政府办公室", "长期工作"],
        ]],
        [
            ("一、1", "（一）做好财政信息公开", "全面公开部门预算和决算。", (), ("区财政局",), "2024年6月底前"),
            ("一、2", "（一）做好财政信息公开", "定期公开政府债务限额和余额。", (), ("区财政局",), "2024年6月底前"),
            ("一、3", "（二）做好就业信息公开", "及时公开就业补贴政策和申领条件。", (), ("区人力资源社会保障局",), "长期工作"),
            ("二、1", "（一）加强政策解读", "政策文件与解读材料同步起草、同步审签、同步发布。", (), ("区政府办公室",), "长期工作"),
        ],
        id="three-levels-section-rows-in-table",
    ),
    # The same three levels pasted as a pipe table: a section row is one lone cell.
    pytest.param(
        """\
| 工作任务 | 具体要求 | 责任单位 | 完成时限 |
| 一、深化重点领域信息公开 |
| （一）做好财政信息公开 | 1.全面公开部门预算和决算。 | 区财政局 | 2024年6月底前 |
| （二）做好就业信息公开 | 2.及时公开就业补贴政策和申领条件。 | 区人力资源社会保障局 | 长期工作 |
| 二、加强政策解读回应 |
| （一）加强政策解读 | 1.政策文件与解读材料同步起草、同步审签、同步发布。 | 区政府办公室 | 长期工作 |
""",
        None,
        [
            ("一、1", "（一）做好财政信息公开", "全面公开部门预算和决算。", (), ("区财政局",), "2024年6月底前"),
            ("一、2", "（二）做好就业信息公开", "及时公开就业补贴政策和申领条件。", (), ("区人力资源社会保障局",), "长期工作"),
            ("二、1", "（一）加强政策解读", "政策文件与解读材料同步起草、同步审签、同步发布。", (), ("区政府办公室",), "长期工作"),
        ],
        id="three-levels-section-rows-in-pipes",
    ),
    # Section rows pasted with their empty cells kept.
    pytest.param(
        """\
| 工作任务 | 具体要求 | 责任单位 | 完成时限 |
| 一、深化重点领域信息公开 | | | |
| （一）做好财政信息公开 | 1.全面公开部门预算和决算。 | 区财政局 | 2024年6月底前 |
| 二、加强政策解读回应 | | | |
| （一）加强政策解读 | 1.政策文件与解读材料同步起草、同步审签、同步发布。 | 区政府办公室 | 长期工作 |
""",
        None,
        [
            ("一、1", "（一）做好财政信息公开", "全面公开部门预算和决算。", (), ("区财政局",), "2024年6月底前"),
            ("二、1", "（一）加强政策解读", "政策文件与解读材料同步起草、同步审签、同步发布。", (), ("区政府办公室",), "长期工作"),
        ],
        id="three-levels-section-rows-with-empty-cells",
    ),
    # 一、 and （一） both in the task cell; the items are 1. 2. 3. through the table.
    pytest.param(
        "",
        [[
            HEADER,
            ["一、深化重点领域信息公开\n（一）做好财政信息公开", "1.全面公开部门预算和决算。\n2.定期公开政府债务限额和余额。", "区财政局", "2024年6月底前"],
            ["一、深化重点领域信息公开\n（二）做好就业信息公开", "3.及时公开就业补贴政策和申领条件。", "区人力资源社会保障局", "长期工作"],
        ]],
        [
            ("1", "深化重点领域信息公开（一）做好财政信息公开", "全面公开部门预算和决算。", (), ("区财政局",), "2024年6月底前"),
            ("2", "深化重点领域信息公开（一）做好财政信息公开", "定期公开政府债务限额和余额。", (), ("区财政局",), "2024年6月底前"),
            ("3", "深化重点领域信息公开（二）做好就业信息公开", "及时公开就业补贴政策和申领条件。",
             (), ("区人力资源社会保障局",), "长期工作"),
        ],
        id="two-levels-in-task-cell",
    ),
    # （一）（二） items inside the 具体要求 cell, restarting under each 一、 task.
    pytest.param(
        "",
        [[
            HEADER,
            ["一、深化财政信息公开", "（一）全面公开部门预算和决算。（二）定期公开政府债务限额和余额。", "区财政局", "2024年6月底前"],
            ["二、加强政策解读回应", "（一）政策文件与解读材料同步发布。\n（二）每季度至少举办一次政策吹风会。", "区政府办公室", "长期工作"],
        ]],
        [
            ("一、（一）", "深化财政信息公开", "全面公开部门预算和决算。", (), ("区财政局",), "2024年6月底前"),
            ("一、（二）", "深化财政信息公开", "定期公开政府债务限额和余额。", (), ("区财政局",), "2024年6月底前"),
            ("二、（一）", "加强政策解读回应", "政策文件与解读材料同步发布。", (), ("区政府办公室",), "长期工作"),
            ("二、（二）", "加强政策解读回应", "每季度至少举办一次政策吹风会。", (), ("区政府办公室",), "长期工作"),
        ],
        id="chinese-numbered-items-in-text-cell",
    ),
    # No number anywhere: numbered by position.
    pytest.param(
        """\
工作任务 | 具体要求 | 责任部门 | 完成时限 |
深化财政信息公开 | 全面公开部门预算，细化到功能分类项级科目。 | 区财政局 | 2024年6月底前 |
深化财政信息公开 | 全面公开部门决算和“三公”经费决算。 | 区财政局 | 2024年9月底前 |
推进基层政务公开 | 动态更新基层政务公开标准目录。 | 各街道办事处 | 2024年10月底前 |
""",
        None,
        [
            ("1", "深化财政信息公开", "全面公开部门预算，细化到功能分类项级科目。", (), ("区财政局",), "2024年6月底前"),
            ("2", "深化财政信息公开", "全面公开部门决算和“三公”经费决算。", (), ("区财政局",), "2024年9月底前"),
            ("3", "推进基层政务公开", "动态更新基层政务公开标准目录。", (), ("各街道办事处",), "2024年10月底前"),
        ],
        id="no-numbers",
    ),
    # Numbers only in a 序号 column.
    pytest.param(
        """\
序号 | 工作任务 | 具体要求 | 责任单位 | 完成时限 |
1 | 加强政策解读 | 政策文件与解读材料同步起草、同步审签、同步发布。 | 区政府办公室 | 长期工作 |
2 | 每季度至少举办一次政策吹风会。 | 区发展改革局 | 2024年12月底前 |
3 | 推进基层政务公开 | 动态更新基层政务公开标准目录。 | 各街道办事处 | 2024年10月底前 |
""",
        None,
        [
            ("1", "加强政策解读", "政策文件与解读材料同步起草、同步审签、同步发布。", (), ("区政府办公室",), "长期工作"),
            ("2", "加强政策解读", "每季度至少举办一次政策吹风会。", (), ("区发展改革局",), "2024年12月底前"),
            ("3", "推进基层政务公开", "动态更新基层政务公开标准目录。", (), ("各街道办事处",), "2024年10月底前"),
        ],
        id="seq-column-merged-task",
    ),
]


@pytest.mark.parametrize(("text", "tables", "expected"), NUMBERING_CASES)
def test_numbering(text: str, tables: Tables | None, expected: list[Row]) -> None:
    _, items = parse(text, tables)
    assert rows(items) == expected


SECTION_GRID = [
    HEADER,
    ["一、深化重点领域信息公开", "", "", ""],
    ["（一）做好财政信息公开", "1.全面公开部门预算和决算。", "区财政局", "2024年6月底前"],
    ["二、加强政策解读回应", "", "", ""],
    ["（一）加强政策解读", "1.政策文件与解读材料同步发布。", "区政府办公室", "长期工作"],
]
SECTION_MERGES = [(1, 0, 1, 3), (3, 0, 3, 3)]  # each section row is one cell across the table


@pytest.mark.parametrize(
    ("maker", "suffix"), [(make_docx, ".docx"), (make_html, ".html"), (make_pdf, ".pdf")], ids=["docx", "html", "pdf"]
)
def test_section_rows_merged_across_in_files(maker: Callable[..., Path], suffix: str, tmp_path: Path) -> None:
    """A 一、 row spanning the whole table heads its section; it is not an item and not a deadline."""
    result = ingest([maker(SECTION_GRID, tmp_path / f"plan{suffix}", SECTION_MERGES)])
    assert result.errors == []
    assert rows(result.parsed[0].items) == [
        ("一、1", "（一）做好财政信息公开", "全面公开部门预算和决算。", (), ("区财政局",), "2024年6月底前"),
        ("二、1", "（一）加强政策解读", "政策文件与解读材料同步发布。", (), ("区政府办公室",), "长期工作"),
    ]


# --- bullets, half-width punctuation, traditional characters ----------------------------------

WRITING_CASES = [
    pytest.param(
        "",
        [[
            HEADER,
            ["做好财政信息公开", "●全面公开部门预算和决算。\n●定期公开政府债务限额和余额。", "区财政局", "2024年6月底前"],
            ["推进基层政务公开", "●动态更新基层政务公开标准目录。", "各街道办事处", "长期工作"],
        ]],
        [
            ("1", "做好财政信息公开", "全面公开部门预算和决算。", (), ("区财政局",), "2024年6月底前"),
            ("2", "做好财政信息公开", "定期公开政府债务限额和余额。", (), ("区财政局",), "2024年6月底前"),
            ("3", "推进基层政务公开", "动态更新基层政务公开标准目录。", (), ("各街道办事处",), "长期工作"),
        ],
        id="bullets-one-per-line",
    ),
    pytest.param(
        """\
工作任务 | 具体要求 | 责任单位 | 完成时限 |
做好财政信息公开 | ●全面公开部门预算和决算。●定期公开政府债务限额和余额。 | 区财政局 | 2024年6月底前 |
""",
        None,
        [
            ("1", "做好财政信息公开", "全面公开部门预算和决算。", (), ("区财政局",), "2024年6月底前"),
            ("2", "做好财政信息公开", "定期公开政府债务限额和余额。", (), ("区财政局",), "2024年6月底前"),
        ],
        id="bullets-in-one-line",
    ),
    pytest.param(
        """\
工作任务 | 具体要求 | 责任单位 | 完成时限 |
做好财政信息公开 | (1)公开部门预算,细化到功能分类项级科目。 | 各县(市、区)政府(管委会);市财政局牵头,市直各单位按职责分工落实 | 2024年6月底前 |
做好财政信息公开 | (2)公开政府债务限额和余额信息。 | 市财政局,市审计局 | 2024年12月底前 |
""",
        None,
        [
            ("（1）", "做好财政信息公开", "公开部门预算,细化到功能分类项级科目。",
             ("市财政局",), ("各县(市、区)政府(管委会)", "市直各单位"), "2024年6月底前"),
            ("（2）", "做好财政信息公开", "公开政府债务限额和余额信息。", (), ("市财政局", "市审计局"), "2024年12月底前"),
        ],
        id="half-width-brackets-and-commas",
    ),
    pytest.param(
        """\
工作任务 | 具体要求 | 责任单位 | 完成时限 |
做好財政信息公開 | 1.全面公開部門預算和決算。 | 市財政局牽頭，市直各單位按職責分工落實 | 2024年6月底前 |
加強政策解讀 | 2.政策文件與解讀材料同步發佈。 | 市政府辦公室主辦、市發展改革局協辦 | 長期 |
""",
        None,
        [
            ("1", "做好財政信息公開", "全面公開部門預算和決算。", ("市財政局",), ("市直各單位",), "2024年6月底前"),
            ("2", "加強政策解讀", "政策文件與解讀材料同步發佈。", ("市政府辦公室",), ("市發展改革局",), "長期"),
        ],
        id="traditional-cells",
    ),
    pytest.param(
        """\
工作任務 | 具體要求 | 責任單位 | 完成時限 |
做好財政信息公開 | 1.全面公開部門預算和決算。 | 市財政局牽頭，市直各單位按職責分工落實 | 2024年6月底前 |
""",
        None,
        [("1", "做好財政信息公開", "全面公開部門預算和決算。", ("市財政局",), ("市直各單位",), "2024年6月底前")],
        id="traditional-header",
    ),
]


@pytest.mark.parametrize(("text", "tables", "expected"), WRITING_CASES)
def test_writing_styles(text: str, tables: Tables | None, expected: list[Row]) -> None:
    """Cells are stored as written: half-width punctuation and traditional characters kept."""
    _, items = parse(text, tables)
    assert rows(items) == expected


# --- unit cells ------------------------------------------------------------------------------

UNITS_TABLE = """\
工作任务 | 具体要求 | 责任科室 | 完成时限 |
规范依申请公开 | 1.严格执行依申请公开登记、审核、办理、答复、归档流程。 | 办公室牵头，各科室配合 | 长期 |
规范依申请公开 | 2.按时编制发布本局政府信息公开工作年度报告。 | 综合科主办、法规科协办 | 2025年1月31日前 |
规范依申请公开 | 3.做好依申请公开答复文书的合法性审查。 | 法规科牵头，办公室、综合科负责 | 及时 |
"""


@pytest.mark.parametrize(
    ("number", "raw", "lead", "others"),
    [
        ("1", "办公室牵头，各科室配合", ("办公室",), ("各科室",)),
        ("2", "综合科主办、法规科协办", ("综合科",), ("法规科",)),
        ("3", "法规科牵头，办公室、综合科负责", ("法规科",), ("办公室", "综合科")),
    ],
    ids=["qiantou-peihe", "zhuban-xieban", "qiantou-fuze"],
)
def test_unit_cell_roles(number: str, raw: str, lead: tuple[str, ...], others: tuple[str, ...]) -> None:
    _, items = parse(UNITS_TABLE)
    item = next(i for i in items if i.number == number)
    assert (item.units.raw, item.units.lead, item.units.others) == (raw, lead, others)


# --- an empty unit cell: reported, and not filled from a neighbour ---------------------------

EMPTY_UNIT_CASES = [
    pytest.param(
        """\
工作任务 | 具体要求 | 责任单位 | 完成时限 |
做好财政信息公开 | 1.全面公开部门预算和决算，细化到功能分类项级科目。 | 区财政局 | 2024年6月底前 |
2.持续深化政府债务信息公开，定期公开政府债务限额和余额。 |  | 2024年9月底前 |
推进基层政务公开 | 3.动态更新基层政务公开标准目录，推动目录事项集中展示。 | 各街道办事处 | 2024年10月底前 |
""",
        None,
        id="pipe-rows",
    ),
    pytest.param(
        "",
        [[
            HEADER,
            ["做好财政信息公开", "1.全面公开部门预算和决算，细化到功能分类项级科目。", "区财政局", "2024年6月底前"],
            ["做好财政信息公开", "2.持续深化政府债务信息公开，定期公开政府债务限额和余额。", "", "2024年9月底前"],
            ["推进基层政务公开", "3.动态更新基层政务公开标准目录，推动目录事项集中展示。", "各街道办事处", "2024年10月底前"],
        ]],
        id="word-table",
    ),
    pytest.param(
        """\
工作任务 |
具体要求 |
责任单位 |
完成时限 |
做好财政信息公开 |
1.全面公开部门预算和决算，细化到功能分类项级科目。 |
区财政局 |
2024年6月底前 |
2.持续深化政府债务信息公开，定期公开政府债务限额和余额。 |
 |
2024年9月底前 |
推进基层政务公开 |
3.动态更新基层政务公开标准目录，推动目录事项集中展示。 |
各街道办事处 |
2024年10月底前 |
""",
        None,
        id="cell-per-line",
    ),
]
EMPTY_UNIT_ROWS: list[Row] = [
    ("1", "做好财政信息公开", "全面公开部门预算和决算，细化到功能分类项级科目。", (), ("区财政局",), "2024年6月底前"),
    ("2", "做好财政信息公开", "持续深化政府债务信息公开，定期公开政府债务限额和余额。", (), (), "2024年9月底前"),
    ("3", "推进基层政务公开", "动态更新基层政务公开标准目录，推动目录事项集中展示。", (), ("各街道办事处",), "2024年10月底前"),
]


@pytest.mark.parametrize(("text", "tables"), EMPTY_UNIT_CASES)
def test_empty_unit_cell_is_reported_not_borrowed(text: str, tables: Tables | None) -> None:
    layout, items = parse(text, tables)
    parsed = Parsed(Document(id="fixture", title="某区2024年政务公开工作要点分工方案"), items, layout)
    assert rows(items) == EMPTY_UNIT_ROWS
    assert items[1].units.raw == ""
    assert parsed.without_unit == ["2"]


# --- files: encodings through ingest -------------------------------------------------------------

ENCODED_PLAN = """\
某县2024年政务公开工作要点分工方案
工作任务 | 具体要求 | 责任单位 | 完成时限 |
做好财政信息公开 | 1.全面公开部门预算和决算，细化到功能分类项级科目。 | 县财政局 | 2024年6月底前 |
2.持续深化政府债务信息公开，定期公开政府债务限额和余额。 | 县财政局牵头，县审计局配合 | 2024年12月底前 |
推进基层政务公开 | 3.动态更新基层政务公开标准目录，推动目录事项集中展示。 | 各乡镇人民政府 | 长期工作 |
"""


@pytest.mark.parametrize(
    "data",
    [ENCODED_PLAN.encode("gb18030"), b"\xef\xbb\xbf" + ENCODED_PLAN.encode("utf-8")],
    ids=["gb18030", "utf-8-bom"],
)
def test_encoded_pipe_table_file(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "mouxian-2024.txt"
    path.write_bytes(data)
    result = ingest([path])
    assert result.errors == []
    [parsed] = result.parsed
    assert (parsed.document.id, parsed.layout, parsed.without_unit) == ("mouxian-2024", "text: pipe rows", [])
    assert rows(parsed.items) == [
        ("1", "做好财政信息公开", "全面公开部门预算和决算，细化到功能分类项级科目。", (), ("县财政局",), "2024年6月底前"),
        ("2", "做好财政信息公开", "持续深化政府债务信息公开，定期公开政府债务限额和余额。",
         ("县财政局",), ("县审计局",), "2024年12月底前"),
        ("3", "推进基层政务公开", "动态更新基层政务公开标准目录，推动目录事项集中展示。", (), ("各乡镇人民政府",), "长期工作"),
    ]


# --- how many fixture items got a unit ---------------------------------------------------------


def _every_fixture() -> list[tuple[str, Tables | None]]:
    """Every plan fixture of this module as (text, tables)."""
    texts = [FINANCE_TRAILING, FINANCE_BOTH_SIDES, FINANCE_MARKDOWN, CELLS_PIPE_ENDED, CELLS_LONE_PIPES,
             UNITS_TABLE, ENCODED_PLAN, MASS_PIPE_ROWS, MASS_CELLS] + [p.values[0] for p in HEADER_CASES]
    with_tables = [p.values[:2] for p in NUMBERING_CASES + WRITING_CASES + EMPTY_UNIT_CASES]
    return [(t, None) for t in texts] + [(t, tables) for t, tables in with_tables]


def test_share_of_fixture_items_with_a_unit() -> None:
    """All fixture items name a unit except the three empty-cell ones (one per EMPTY_UNIT_CASES shape)."""
    total = with_unit = 0
    for text, tables in _every_fixture():
        try:
            _, items = parse(text, tables)
        except InputError:  # a fixture the parser cannot read counts as no items
            continue
        total += len(items)
        with_unit += sum(1 for i in items if i.units.members)
    print(f"fixture items with a unit: {with_unit}/{total} = {with_unit / total:.1%}")
    assert (with_unit, total) == (90, 93)


def test_two_blocks_of_two_labelled_lines_are_the_least_key_value_table() -> None:
    """Four labelled lines, each holding its colon, are enough (fewer colons give the layout up unread)."""
    text = "工作任务：公开预算\n责任单位：市财政局\n\n工作任务：公开决算\n责任单位：市审计局\n"
    layout, items = parse_layout(text, [], "kv")
    assert layout == "key/value blocks"
    assert [(i.number, i.text, i.units.raw, i.line) for i in items] == [
        ("1", "公开预算", "市财政局", 1), ("2", "公开决算", "市审计局", 4)]
    with pytest.raises(UnknownLayout):
        parse_layout(text.replace("责任单位：市审计局", "责任单位 市审计局"), [], "kv")
