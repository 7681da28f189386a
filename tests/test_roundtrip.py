"""Gold rows of a real plan written as .docx, .html and .pdf tables, then ingested and asked about.

The rows are zhanjiang-2021 items 1-7 (tests/data/items.jsonl), laid out as the published table:
工作任务 / 具体要求 / 落实单位 / 完成时限, task cells merged down their rows, items 3-5 in one
row whose 具体要求 cell holds all three (they share one unit cell and one deadline).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli
from index.corpus import ingest
from index.models import Item
from index.text import squash
from make_fixtures import make_docx, make_html, make_pdf

GOLD_FILE = Path(__file__).parent / "data" / "items.jsonl"
TITLE = "测试市2021年政务公开工作要点分工方案"

TASK_1 = "做好各类规划主动公开"
TEXT_1 = ("县级以上各级人民政府主动公开国民经济和社会发展第十四个五年规划纲要、国土空间规划、专项规划和区域规划等，"
          "做好历史规划（计划）的归集整理和主动公开工作。")
UNITS_1 = "各县（市、区）政府（管委会）；市政府办公室牵头，市直各单位按职责分工落实"
TEXT_2 = "加强数据互联互通工作，全市各级政府门户网站要归集整理本地区主动公开的各类规划，集中发布规划原文和政策解读等相关信息。"
UNITS_2 = "各县（市、区）政府（管委会）；市政务服务数据管理局牵头，市直各单位按职责分工落实"
DEADLINE_1 = "2021年9月前完成现有规划文件主动公开；长期工作"
TASK_3 = "做好市场规则标准和监管执法信息公开"
TEXT_3 = "主动公开全国统一的市场准入负面清单，及时根据调整情况做好更新发布。"
TEXT_4 = "及时公开建设高标准市场体系行动方案的落实举措。"
TEXT_5 = "强化行政执法信息公开，加强反垄断与反不正当竞争执法信息公开工作。"
UNITS_3 = "各县（市、区）政府（管委会）;市发展改革局、市商务局、市市场监管局牵头，市直各单位按职责分工落实"
TASK_6 = "做好财政信息公开"
TEXT_6 = "积极推进部门所属单位预算、决算及相关报表公开。"
UNITS_6 = "各县（市、区）政府（管委会）、市直各单位"
TEXT_7 = ("持续深化地方政府债务信息公开，通过集中统一平台定期公开地方政府债务限额、余额、发行、品种、期限、利率、"
          "偿还计划、偿债资金来源等信息。")
UNITS_7 = "各县（市、区）政府（管委会）;市财政局牵头，市直各单位按职责分工落实"
COUNTIES = "各县（市、区）政府（管委会）"
CITY_UNITS = "市直各单位"

# (number, task, text, raw unit cell, lead, others, deadline), copied from tests/data/items.jsonl.
GOLD = [
    ("1", TASK_1, TEXT_1, UNITS_1, ["市政府办公室"], [COUNTIES, CITY_UNITS], DEADLINE_1),
    ("2", TASK_1, TEXT_2, UNITS_2, ["市政务服务数据管理局"], [COUNTIES, CITY_UNITS], DEADLINE_1),
    ("3", TASK_3, TEXT_3, UNITS_3, ["市发展改革局", "市商务局", "市市场监管局"], [COUNTIES, CITY_UNITS], "2021年12月前"),
    ("4", TASK_3, TEXT_4, UNITS_3, ["市发展改革局", "市商务局", "市市场监管局"], [COUNTIES, CITY_UNITS], "2021年12月前"),
    ("5", TASK_3, TEXT_5, UNITS_3, ["市发展改革局", "市商务局", "市市场监管局"], [COUNTIES, CITY_UNITS], "2021年12月前"),
    ("6", TASK_6, TEXT_6, UNITS_6, [], [COUNTIES, CITY_UNITS], "长期工作"),
    ("7", TASK_6, TEXT_7, UNITS_7, ["市财政局"], [COUNTIES, CITY_UNITS], "2021年12月前"),
]

# The published table: unit cells broken after the county clause as printed; the merged cells'
# covered positions are "".
GRID = [
    ["工作任务", "具体要求", "落实单位", "完成时限"],
    [TASK_1, f"1.{TEXT_1}", "各县（市、区）政府（管委会）；\n市政府办公室牵头，市直各单位按职责分工落实", DEADLINE_1],
    ["", f"2.{TEXT_2}", "各县（市、区）政府（管委会）；\n市政务服务数据管理局牵头，市直各单位按职责分工落实", ""],
    [TASK_3, f"3.{TEXT_3}\n4.{TEXT_4}\n5.{TEXT_5}",
     "各县（市、区）政府（管委会）;\n市发展改革局、市商务局、市市场监管局牵头，市直各单位按职责分工落实", "2021年12月前"],
    [TASK_6, f"6.{TEXT_6}", UNITS_6, "长期工作"],
    ["", f"7.{TEXT_7}", "各县（市、区）政府（管委会）;\n市财政局牵头，市直各单位按职责分工落实", "2021年12月前"],
]
# Task 1 over items 1-2 with their shared deadline; task 6 over items 6-7.
MERGES = [(1, 0, 2, 0), (1, 3, 2, 3), (4, 0, 5, 0)]

Maker = Callable[..., Path]
FORMATS = [
    pytest.param(make_docx, ".docx", "docx-table: table rows", id="docx"),
    pytest.param(make_html, ".html", "html-table: table rows", id="html"),
    pytest.param(make_pdf, ".pdf", "pdf-table: table rows", id="pdf"),
]


def gold_rows(items: list[Item]) -> list[tuple]:
    """Items in the shape of GOLD, whitespace removed from the texts (a PDF wraps them)."""
    return [
        (i.number, squash(i.task), squash(i.text), i.units.raw, list(i.units.lead), list(i.units.others),
         squash(i.deadline or ""))
        for i in items
    ]


def test_gold_literals_match_the_gold_file() -> None:
    """The literals above are the gold rows of zhanjiang-2021 items 1-7, unchanged."""
    records = [json.loads(line) for line in GOLD_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    wanted = [r for r in records if r["doc"] == "zhanjiang-2021" and r["item"] in {"1", "2", "3", "4", "5", "6", "7"}]
    assert [(r["item"], r["task"], r["text"], r["units"], r["lead"], r["others"], r["deadline"]) for r in wanted] == GOLD


@pytest.mark.parametrize(("maker", "suffix", "layout"), FORMATS)
def test_table_file_gives_the_gold_items(maker: Maker, suffix: str, layout: str, tmp_path: Path) -> None:
    path = maker(GRID, tmp_path / f"test-plan{suffix}", MERGES, title=TITLE)
    result = ingest([path], overrides={"id": "test-plan", "region": "测试市"})
    assert result.errors == []
    [parsed] = result.parsed
    assert (parsed.document.id, parsed.document.region, parsed.layout) == ("test-plan", "测试市", layout)
    assert parsed.without_unit == []
    assert gold_rows(parsed.items) == GOLD


# --- the command line over such a file --------------------------------------------------------------


def run(*args: str) -> Result:
    """Invoke `policyqa` in-process."""
    return CliRunner().invoke(cli, list(args))


def doc_counts(db: Path) -> dict[str, int]:
    """Items per document in the index, from `policyqa items --json`."""
    result = run("items", "--db", str(db), "--json")
    assert result.exit_code == 0, result.output
    counts: dict[str, int] = {}
    for entry in json.loads(result.output):
        counts[entry["doc"]] = counts.get(entry["doc"], 0) + 1
    return counts


def test_cli_ingest_then_ask(clean_env: Path) -> None:
    """A .docx ingested by the CLI answers a who-question; re-ingesting the same id replaces only it."""
    db = clean_env / "index.db"
    other = make_html(GRID[:3], clean_env / "other.html", [(1, 0, 2, 0), (1, 3, 2, 3)], title="另一市政务公开工作要点")
    plan = make_docx(GRID, clean_env / "plan.docx", MERGES, title=TITLE)

    first = run("ingest", "--db", str(db), str(other), "--doc-id", "other-plan", "--region", "另一市")
    assert first.exit_code == 0, first.output
    ingested = run("ingest", "--db", str(db), str(plan), "--doc-id", "test-plan", "--region", "测试市")
    assert ingested.exit_code == 0, ingested.output
    assert "test-plan (docx-table: table rows): 7 items, 0 without a unit, 7 with a deadline" in ingested.stderr
    assert doc_counts(db) == {"other-plan": 2, "test-plan": 7}

    asked = run("ask", "--db", str(db), "--json", "在测试市谁负责公开市场准入负面清单？")
    assert asked.exit_code == 0, asked.output
    top = json.loads(asked.output)["answers"][0]
    assert (top["doc"], top["region"], top["item"]) == ("test-plan", "测试市", "3")
    assert top["lead_units"] == ["市发展改革局", "市商务局", "市市场监管局"]
    assert top["other_units"] == [COUNTIES, CITY_UNITS]
    assert top["deadline"] == "2021年12月前"

    # Items 1-2 are in both plans: the place in the question picks this one.
    shared = run("ask", "--db", str(db), "--json", "在测试市谁负责历史规划的归集整理？")
    assert shared.exit_code == 0, shared.output
    top = json.loads(shared.output)["answers"][0]
    assert (top["doc"], top["item"], top["lead_units"]) == ("test-plan", "1", ["市政府办公室"])

    again = run("ingest", "--db", str(db), str(plan), "--doc-id", "test-plan", "--region", "测试市")
    assert again.exit_code == 0, again.output
    assert doc_counts(db) == {"other-plan": 2, "test-plan": 7}
