"""`policyqa ask` and `policyqa eval` through click's CliRunner, over the session's index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli

DEV = Path(__file__).parent / "data" / "dev.jsonl"
ANSWER_KEYS = {
    "doc", "title", "region", "year", "item", "task", "text", "units",
    "lead_units", "other_units", "deadline", "due", "due_dates", "ongoing", "corrected", "score", "matched_terms",
}


@pytest.fixture
def run(index_db: Path, clean_env: Path):
    """Invoke the CLI with --db pointing at the session's index."""

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(cli, [*args, "--db", str(index_db)], input=input)

    return invoke


def answers(result: Result) -> list[tuple[str, str]]:
    """(doc, item) of every answer in a one-question --json output."""
    return [(a["doc"], a["item"]) for a in json.loads(result.output)["answers"]]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("谁负责规章集中公开？", ["规章", "市司法局", "区司法局", "党政办", "《湛江市2021年政务公开工作要点分工方案》"]),
        ("湛江政府网站支持IPv6要在什么时候前完成？", ["2021年12月前", "市政务服务数据管理局"]),
        ("湛江市司法局负责哪些工作？", ["市司法局 负责以下 4 项"]),
        ("今天天气怎么样？", ["没有找到相关内容"]),
    ],
)
def test_ask_prints_the_answer(run, question: str, expected: list[str]) -> None:
    """The plain-text answer names the item's words, units and deadline."""
    result = run("ask", question)
    assert result.exit_code == 0, result.output
    for text in expected:
        assert text in result.output


def test_ask_json_shape(run) -> None:
    """--json prints one object with the documented keys, each answer with its documented keys."""
    result = run("ask", "--json", "谁负责规章集中公开？")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"query", "intent", "filters", "no_answer", "answers", "best", "same_plan", "elsewhere", "listing"}
    assert data["query"] == "谁负责规章集中公开？"
    assert data["intent"] == "who"
    assert data["filters"] == {}
    assert data["no_answer"] is False
    assert data["answers"]
    for entry in data["answers"]:
        assert set(entry) == ANSWER_KEYS
    assert data["answers"][0] == data["best"]
    grouped = [data["best"], *data["same_plan"], *(e for task in data["elsewhere"] for e in task["items"])]
    assert grouped == data["answers"]
    assert data["listing"] == []


def test_ask_json_values(run) -> None:
    """The JSON entry for 湛江 第26项 carries the gold units, deadline and catalog fields."""
    result = run("ask", "--json", "湛江市规章集中统一公开由哪些单位落实？")
    first = json.loads(result.output)["answers"][0]
    assert first["doc"] == "zhanjiang-2021"
    assert first["item"] == "26"
    assert first["title"] == "湛江市2021年政务公开工作要点分工方案"
    assert first["region"] == "湛江市"
    assert first["year"] == 2021
    assert first["lead_units"] == []
    assert first["other_units"] == ["各县（市、区）政府（管委会）", "市政府办公室", "市政务服务数据管理局", "市司法局"]
    assert first["deadline"] == "2021年9月前"


def test_ask_json_no_answer(run) -> None:
    """A question outside the plans gives no_answer true and no answers."""
    data = json.loads(run("ask", "--json", "如何申请驾照？").output)
    assert data["no_answer"] is True
    assert data["answers"] == []


def test_ask_json_reads_questions_from_stdin(run) -> None:
    """`ask --json -` answers one question per input line, in order, skipping blank lines."""
    result = run("ask", "--json", "-", input="谁负责规章集中公开？\n\n湛江方案第31条是什么？\n今天天气怎么样？\n")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 3
    data = [json.loads(line) for line in lines]
    assert [d["query"] for d in data] == ["谁负责规章集中公开？", "湛江方案第31条是什么？", "今天天气怎么样？"]
    assert [d["intent"] for d in data] == ["who", "item", "who"]
    assert [d["no_answer"] for d in data] == [False, False, True]
    assert (data[1]["answers"][0]["doc"], data[1]["answers"][0]["item"]) == ("zhanjiang-2021", "31")


@pytest.mark.parametrize(
    ("option", "value", "question", "doc", "first"),
    [
        ("--doc", "zhanjiang-2021", "谁负责规章集中公开？", "zhanjiang-2021", "26"),
        ("--doc", "zhanjiang-2021", "第31条是什么？", "zhanjiang-2021", "31"),
        ("--region", "开平", "谁负责规章集中公开？", "kaiping-2021", "32"),
        ("--region", "湛江市", "政府网站支持IPv6要在什么时候前完成？", "zhanjiang-2021", "32"),
        ("--doc", "honghaiwan-2021", "谁负责规章集中公开？", "honghaiwan-2021", "26"),
    ],
    ids=["doc-zhanjiang", "doc-item-number", "region-kaiping", "region-zhanjiang", "doc-honghaiwan"],
)
def test_ask_restricted(run, option: str, value: str, question: str, doc: str, first: str) -> None:
    """--doc and --region keep only that plan's answers."""
    result = run("ask", "--json", option, value, question)
    assert result.exit_code == 0, result.output
    found = answers(result)
    assert found[0] == (doc, first)
    assert {d for d, _ in found} == {doc}


@pytest.mark.parametrize(
    ("option", "value", "question", "doc"),
    [
        ("--doc", "zhanjiang-2021", "汕头市政府公报电子化是谁牵头？", "zhanjiang-2021"),
        ("--region", "开平", "汕头市政府公报电子化是谁牵头？", "kaiping-2021"),
    ],
    ids=["doc-zhanjiang", "region-kaiping"],
)
def test_ask_restriction_beats_a_place_in_the_question(run, option: str, value: str, question: str, doc: str) -> None:
    """--doc / --region ('only this document / region') hold even when the question names another place."""
    result = run("ask", "--json", option, value, question)
    assert result.exit_code == 0, result.output
    assert {d for d, _ in answers(result)} <= {doc}


@pytest.mark.parametrize(
    ("region", "doc"),
    [
        ("汕头市", "shantou-2021"),
        ("汕头市金平区", "jinping-2020"),
        ("汕尾市红海湾经济开发区", "honghaiwan-2021"),
        ("开平市", "kaiping-2021"),
        ("湛江市", "zhanjiang-2021"),
    ],
    ids=["shantou", "jinping", "honghaiwan", "kaiping", "zhanjiang"],
)
def test_ask_region_as_the_catalog_names_it(run, region: str, doc: str) -> None:
    """Every region written as in corpus/catalog.toml restricts the answers to its plan."""
    result = run("ask", "--json", "--region", region, "谁负责规章集中公开？")
    assert result.exit_code == 0, result.output
    found = answers(result)
    assert found
    assert {d for d, _ in found} == {doc}


def test_ask_unknown_doc_is_an_error(run) -> None:
    """An unknown --doc is refused with a message, not answered from every plan."""
    result = run("ask", "--doc", "beijing-2021", "谁负责规章集中公开？")
    assert result.exit_code != 0
    assert "beijing-2021" in result.output


def test_ask_unknown_region_does_not_answer_from_other_regions(run) -> None:
    """--region 北京 (no such plan) must not silently answer from every region."""
    result = run("ask", "--json", "--region", "北京", "谁负责规章集中公开？")
    assert result.exit_code != 0 or answers(result) == []


def test_eval_prints_the_metrics(run) -> None:
    """`eval dev.jsonl` prints one line per headline metric and exits 0."""
    result = run("eval", str(DEV))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for name in ("top1", "cross_region_recall", "unit_recall", "unit_precision", "no_answer"):
        line = next((ln for ln in lines if ln.startswith(name + " ")), None)
        assert line is not None, name
        assert line.endswith("%")
    assert "questions            46" in lines
    assert "no_answer            100.0%" in lines


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("", "没有找到相关内容"),
        ("   ", "没有找到相关内容"),
        ("😀😀😀", "没有找到相关内容"),
        ("<b>谁负责</b><script>alert(1)</script>", "没有找到相关内容"),
        ("规章" * 2500, "规章"),
        ("湛江政府网站支持IPv6要在什么时候前完成？" + "。" * 5000, "2021年12月前"),
    ],
    ids=["empty", "spaces", "emoji", "html", "5000-chars", "5000-chars-padding"],
)
def test_ask_odd_input_exits_cleanly(run, question: str, expected: str) -> None:
    """Odd questions exit 0 with an answer or 'not covered', never a traceback."""
    result = run("ask", question)
    assert result.exit_code == 0, result.output
    assert result.exception is None
    assert "Traceback" not in result.output
    assert expected in result.output


@pytest.mark.parametrize(("question", "no_answer"), [("", True), ("规章" * 2500, False)], ids=["empty", "5000-chars"])
def test_ask_json_odd_input_exits_cleanly(run, question: str, no_answer: bool) -> None:
    """--json of an empty or a 5,000-character question is still one well-formed object."""
    result = run("ask", "--json", question)
    assert result.exit_code == 0, result.output
    assert result.exception is None
    data = json.loads(result.output)
    assert data["no_answer"] is no_answer
    assert (data["answers"] == []) is no_answer
