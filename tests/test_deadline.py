"""Deadlines as dates: 完成时限 read into due dates at ingest, questions about what falls due, `policyqa due`.

Deadline cells are literals from corpus/ and from the gold of tests/data/plans; items and units
are those of corpus/ (tests/data/items.jsonl).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.answer import Answer, Answerer
from bot.cli import cli
from bot.dialogue import Dialogue
from bot.render import render_answer
from index.deadline import Due, read_due


@pytest.mark.parametrize(
    ("deadline", "year", "due"),
    [
        ("2021年9月前", 2021, Due(("2021-09-30",))),
        ("2021年12月前", 2021, Due(("2021-12-31",))),
        ("2022年1月前", 2021, Due(("2022-01-31",))),
        ("年底前", 2021, Due(("2021-12-31",))),
        ("2020年底前", 2020, Due(("2020-12-31",))),
        ("第三季度", 2021, Due(("2021-09-30",))),
        ("三季度前", 2023, Due(("2023-09-30",))),
        ("6月底前", 2021, Due(("2021-06-30",))),
        ("12月底前", 2022, Due(("2022-12-31",))),
        ("2024年10月", 2024, Due(("2024-10-31",))),
        ("上半年", 2021, Due(("2021-06-30",))),
        ("10月中旬前", 2021, Due(("2021-10-20",))),
        ("2021年2月公布预算，8月公布决算", 2021, Due(("2021-02-28", "2021-08-31"))),
        ("2021年9月前完成现有规划文件主动公开；长期工作", 2021, Due(("2021-09-30",), ongoing=True)),
        ("长期坚持", 2021, Due(ongoing=True)),
        ("持续推进", 2021, Due(ongoing=True)),
        ("长期工作", 2021, Due(ongoing=True)),
        ("常态化", 2021, Due(ongoing=True)),
        ("每年度", 2021, Due(ongoing=True)),
        ("全年", 2022, Due(ongoing=True)),
        ("视情况而定", 2021, Due()),
        ("年底前", None, Due()),
    ],
)
def test_deadline_cells_are_read_into_dates(deadline: str, year: int | None, due: Due) -> None:
    """A 完成时限 cell gives its due dates in the plan's year, or ongoing, or nothing (kept as written)."""
    assert read_due(deadline, "", year) == due


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("全面推进规章集中统一公开，2021年底前将本地区现行有效规章通过政府门户网站的政府信息公开专栏集中公开。", ("2021-12-31",)),
        ("全面公开基层政务公开标准目录，需于2021年12月1日前完成主动公开基层政务公开标准目录。", ("2021-12-01",)),
        ("围绕2023年为民办实事项目——打造“社会大美育”100个示范服务点", ()),
        ("政策文件发布后3天内，公开政策解读信息", ()),
    ],
)
def test_a_date_in_the_text_counts_only_as_a_deadline(text: str, due: tuple[str, ...]) -> None:
    """With the deadline column empty, a date in the text counts when it is written as one (…前)."""
    assert read_due(None, text, 2021).dates == due


@pytest.mark.parametrize(
    ("doc", "number", "due", "ongoing"),
    [
        ("zhanjiang-2021", "26", ("2021-09-30",), False),  # 2021年9月前 (its text's 2021年底前 does not count)
        ("zhanjiang-2021", "2", ("2021-09-30",), True),
        ("zhanjiang-2021", "34", (), True),
        ("honghaiwan-2021", "26", ("2021-12-31",), False),  # no deadline column: 2021年底前将… in the text
        ("kaiping-2021", "40", ("2021-12-01",), False),
        ("jinping-2020", "金平区 一", ("2020-12-31",), False),
        ("shantou-2021", "9", (), False),
    ],
)
def test_ingest_stores_due_dates(answerer: Answerer, doc: str, number: str, due: tuple[str, ...], ongoing: bool) -> None:
    """Items come back from the index with the dates read at ingest."""
    item = answerer.engine.item(doc, number)
    assert item is not None and (item.due, item.ongoing) == (due, ongoing)


def items(answer: Answer) -> list[tuple[str, str]]:
    """(doc, number) of every item of an answer, in order."""
    return [(h.item.doc, h.item.number) for h in answer.hits]


ZHANJIANG_SEPTEMBER = ["1", "2", "15", "26", "27", "31", "49", "50"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("9月前要完成哪些？", [("zhanjiang-2021", n) for n in ZHANJIANG_SEPTEMBER]),
        ("湛江今年底前到期的任务", [("zhanjiang-2021", n) for n in [*ZHANJIANG_SEPTEMBER, "3", "4", "5", "7", "8", "9",
                                                                  "30", "32", "33", "43", "44", "45", "46", "47"]]),
        ("开平年底前要完成什么", [("kaiping-2021", "40"), ("kaiping-2021", "32")]),
        ("湛江市司法局9月前要完成什么", [("zhanjiang-2021", "26")]),
        ("市财政局年底前要完成什么", [("zhanjiang-2021", "7"), ("zhanjiang-2021", "8"), ("zhanjiang-2021", "9")]),
    ],
)
def test_questions_about_what_falls_due(answerer: Answerer, question: str, expected: list[tuple[str, str]]) -> None:
    """A time, a place or a unit, and nothing else: the items due by then, the earliest first."""
    answer = Dialogue(answerer).reply(question)
    assert answer.query.intent == "due"
    assert items(answer) == expected


def test_nothing_due_says_so(answerer: Answerer) -> None:
    """市财政局 has nothing due by the third quarter (its dated items are due 2021-12-31): said plainly."""
    answer = Dialogue(answerer).reply("市财政局三季度要完成什么")
    assert (answer.query.intent, answer.query.unit, answer.hits) == ("due", "市财政局", ())
    assert render_answer(answer, answerer.engine.documents).startswith("已收录的方案里没有在所问时间前到期的条目")


def test_a_question_with_a_topic_is_searched(answerer: Answerer) -> None:
    """A date inside a question about a task does not turn it into a listing."""
    answer = Dialogue(answerer).reply("湛江政府网站支持IPv6要在什么时候前完成？")
    assert answer.query.intent == "when" and items(answer)[0] == ("zhanjiang-2021", "32")


def test_a_due_question_followed_up_in_another_place(answerer: Answerer) -> None:
    """那开平呢？ after 9月前要完成哪些？ asks the same in 开平: nothing is due there by September."""
    dialogue = Dialogue(answerer)
    dialogue.reply("9月前要完成哪些？")
    elsewhere = dialogue.reply("那开平呢？")
    assert (elsewhere.query.intent, elsewhere.hits, elsewhere.context.place) == ("due", (), "开平")
    year_end = dialogue.reply("开平年底前要完成什么")
    assert items(dialogue.reply("第二个")) == [("kaiping-2021", "32")] and len(year_end.hits) == 2


def due_lines(index_db: Path, *args: str) -> list[str]:
    """Output lines of `policyqa due` over the session's index (exit code 0)."""
    result = CliRunner().invoke(cli, ["due", "--db", str(index_db), *args])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_due_command_lists_by_date(index_db: Path, clean_env: Path) -> None:
    """`policyqa due` filters by date, region and unit, earliest first."""
    september = due_lines(index_db, "--before", "2021-09-30", "--region", "湛江")
    assert [line.split("  ")[1] for line in september] == [f"zhanjiang-2021 {n}" for n in ZHANJIANG_SEPTEMBER]
    assert september[3] == ("2021-09-30  zhanjiang-2021 26  各县（市、区）政府（管委会）、市政府办公室、市政务服务数据管理局、"
                            "市司法局  时限：2021年9月前")
    finance = due_lines(index_db, "--unit", "市财政局")
    assert [line.split("  ")[:2] for line in finance] == [["2021-12-31", f"zhanjiang-2021 {n}"] for n in "789"]
    assert len(due_lines(index_db)) == 38
    assert due_lines(index_db, "--region", "开平")[0].startswith("2021-12-01  kaiping-2021 40  ")


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["--region", "北京"], "no plan for region '北京'", 1),
        (["--unit", "火星局"], "no unit '火星局'", 1),
        (["--before", "2021-13-01"], "Invalid value for '--before'", 2),
    ],
)
def test_due_command_bad_input(index_db: Path, clean_env: Path, args: list[str], message: str, code: int) -> None:
    """An unknown region or unit, or a bad date: one line saying what, no traceback."""
    result = CliRunner().invoke(cli, ["due", "--db", str(index_db), *args])
    assert result.exit_code == code and message in result.output and "Traceback" not in result.output
