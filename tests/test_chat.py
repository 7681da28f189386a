"""The terminal chat: run_chat driven with in-memory stdin/stdout, and `policyqa chat`."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.answer import Answerer
from bot.chat import run_chat
from bot.cli import cli

TITLES = {
    "shantou-2021": "汕头市2021年政务公开工作要点分工方案",
    "honghaiwan-2021": "汕尾市红海湾经济开发区2021年政务公开工作要点分工方案",
    "zhanjiang-2021": "湛江市2021年政务公开工作要点分工方案",
    "jinping-2020": "汕头市金平区人民政府办公室转发市2020年政务公开工作要点的通知",
    "kaiping-2021": "开平市2021年政务公开工作要点分工",
}
ZHANJIANG_26 = (
    "全面推进规章集中统一公开，2021年底前将本地区现行有效规章通过政府门户网站的政府信息公开专栏集中公开。"
    "市政府门户网站设立专题专栏，集中展示全市现行有效规章，方便公众查询使用。"
)


def chat(answerer: Answerer, *lines: str) -> list[str]:
    """Run a chat over lines and return the replies, one per prompt ('' for a silent line)."""
    out = io.StringIO()
    run_chat(answerer, io.StringIO("".join(f"{line}\n" for line in lines)), out, prompt="问> ")
    return [reply.strip() for reply in out.getvalue().split("问> ")[1:]]


def titles_in(text: str) -> set[str]:
    """The documents whose title appears in text."""
    return {doc for doc, title in TITLES.items() if f"《{title}》" in text}


def test_question_gets_its_answer(answerer: Answerer) -> None:
    """A plain question is answered with the best item whole and the other regions after it."""
    reply = chat(answerer, "湛江政府网站支持IPv6要在什么时候前完成？")[0]
    assert "《湛江市2021年政务公开工作要点分工方案》" in reply
    assert "完成时限：2021年12月前" in reply
    assert "市政务服务数据管理局" in reply


def test_question_without_place_answers_every_region(answerer: Answerer) -> None:
    """Without a remembered region the four 2021 plans answer 规章集中公开."""
    reply = chat(answerer, "谁负责规章集中公开？")[0]
    assert {"shantou-2021", "honghaiwan-2021", "zhanjiang-2021", "kaiping-2021"} <= titles_in(reply)


@pytest.mark.parametrize(
    ("place", "region", "question", "doc"),
    [
        ("湛江", "湛江市", "谁负责规章集中公开？", "zhanjiang-2021"),
        ("开平", "开平市", "谁负责规章集中公开？", "kaiping-2021"),
        ("红海湾", "汕尾市红海湾经济开发区", "谁负责规章集中公开？", "honghaiwan-2021"),
        ("湛江", "湛江市", "政府网站支持IPv6要在什么时候前完成？", "zhanjiang-2021"),
        ("汕头", "汕头市", "政务新媒体清理整合谁负责？", "shantou-2021"),
        ("金平", "汕头市金平区", "谁负责规章集中公开？", "jinping-2020"),
    ],
    ids=["zhanjiang", "kaiping", "honghaiwan", "zhanjiang-when", "shantou-new-media", "jinping"],
)
def test_region_is_remembered(answerer: Answerer, place: str, region: str, question: str, doc: str) -> None:
    """After /region, a question naming no place is answered from that region's plan only."""
    confirm, reply = chat(answerer, f"/region {place}", question)[:2]
    assert f"已选定地区：{region}" in confirm
    assert titles_in(reply) == {doc}


def test_region_all_clears_the_region(answerer: Answerer) -> None:
    """/region all forgets the region: the next question is answered from every region again."""
    replies = chat(answerer, "/region 湛江", "/region all", "谁负责规章集中公开？")
    assert replies[1] == "已取消地区限制。"
    assert {"shantou-2021", "honghaiwan-2021", "zhanjiang-2021", "kaiping-2021"} <= titles_in(replies[2])


def test_unknown_region_keeps_the_current_one(answerer: Answerer) -> None:
    """/region with a place that has no plan says so and keeps the remembered region."""
    replies = chat(answerer, "/region 湛江", "/region 北京", "谁负责规章集中公开？")
    assert replies[1].startswith("没有 北京 的方案")
    assert titles_in(replies[2]) == {"zhanjiang-2021"}


def test_unit_in_remembered_region(answerer: Answerer) -> None:
    """/unit 市司法局 after /region 湛江 lists the four 湛江 items of 市司法局."""
    reply = chat(answerer, "/region 湛江", "/unit 市司法局")[1]
    lines = reply.splitlines()
    assert lines[0] == "市司法局 负责以下 4 项："
    assert len(lines) == 5
    for line, number in zip(lines[1:], ("26", "34", "39", "40")):
        assert line.startswith(f"· 《湛江市2021年政务公开工作要点分工方案》（湛府办〔2021〕15号） 第{number}项")


def test_unit_without_name_shows_usage(answerer: Answerer) -> None:
    """/unit alone explains how to use it."""
    assert chat(answerer, "/unit")[0].startswith("用法：/unit 单位名")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/item zhanjiang-2021 26", ["工作任务：做好政务信息管理工作", f"原文：{ZHANJIANG_26}", "完成时限：2021年9月前"]),
        ("/item zhanjiang-2021 32", ["原文：2021年底前县级以上政府门户网站全部支持互联网协议第6版。", "完成时限：2021年12月前"]),
        ("/item kaiping-2021 15", ["责任单位：公共服务中心"]),
    ],
)
def test_item_shows_the_item(answerer: Answerer, command: str, expected: list[str]) -> None:
    """/item DOC NUMBER shows that item whole."""
    reply = chat(answerer, command)[0]
    for text in expected:
        assert text in reply


@pytest.mark.parametrize("command", ["/item zhanjiang-2021 999", "/item nowhere-2021 1", "/item"])
def test_missing_item_says_so(answerer: Answerer, command: str) -> None:
    """/item for an item that does not exist says so and shows the usage."""
    assert chat(answerer, command)[0].startswith("没有找到条目")


@pytest.mark.parametrize("command", ["/foo", "/regoin 湛江", "/start"])
def test_unknown_command_gets_help_hint(answerer: Answerer, command: str) -> None:
    """An unknown command is named and /help suggested."""
    reply = chat(answerer, command)[0]
    assert reply == f"不认识的命令 {command.split()[0]}。输入 /help 查看用法。"


def test_help(answerer: Answerer) -> None:
    """/help lists the commands."""
    reply = chat(answerer, "/help")[0]
    for command in ("/region", "/unit", "/item", "/quit"):
        assert command in reply


def test_end_of_input_ends_cleanly(answerer: Answerer) -> None:
    """End of input after a question ends the chat without an error."""
    out = io.StringIO()
    run_chat(answerer, io.StringIO("谁负责规章集中公开？\n"), out)
    assert out.getvalue().endswith("问> \n")
    assert out.getvalue().count("问> ") == 2


def test_quit_ends_the_chat(answerer: Answerer) -> None:
    """/quit ends the chat: later lines are not read."""
    out = io.StringIO()
    run_chat(answerer, io.StringIO("/quit\n谁负责规章集中公开？\n"), out)
    assert out.getvalue().count("问> ") == 1
    assert "规章" not in out.getvalue()


@pytest.mark.parametrize("line", ["", "   ", "😀😀😀", "规章" * 2500])
def test_odd_lines_do_not_end_the_chat(answerer: Answerer, line: str) -> None:
    """Empty and odd lines are answered (or ignored) and the chat goes on."""
    replies = chat(answerer, line, "湛江方案第31条是什么？")
    assert "第31项" in replies[1]


def test_policyqa_chat_command(index_db: Path, clean_env: Path) -> None:
    """`policyqa chat --db X` answers a question from standard input and exits 0."""
    result = CliRunner().invoke(cli, ["chat", "--db", str(index_db)], input="谁负责规章集中公开？\n")
    assert result.exit_code == 0, result.output
    assert "《湛江市2021年政务公开工作要点分工方案》" in result.output
    assert "市司法局" in result.output
    assert "Traceback" not in result.output


# --- scripted: one message per line on a pipe ---------------------------------------------------


def chat_process(index_db: Path, clean_env: Path, lines: list[str], *options: str) -> subprocess.CompletedProcess:
    """`python -m bot chat` as its own process, the lines on a pipe (not a terminal)."""
    root = Path(__file__).parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--db", str(index_db), *options],
        input="".join(f"{line}\n" for line in lines), capture_output=True, text=True, env=env, cwd=clean_env,
        timeout=300,
    )


def test_chat_json_on_a_pipe_follows_up(index_db: Path, clean_env: Path) -> None:
    """One JSON object per message: the ask --json fields plus what each follow-up carried over."""
    lines = ["谁负责规章集中公开？", "那湛江呢？", "", "它什么时候完成？", "/region 开平", "谁负责规章集中公开？", "还有吗"]
    done = chat_process(index_db, clean_env, lines, "--json")
    assert done.returncode == 0, done.stderr
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(replies) == 6  # the empty line is no message
    first, place, when, region, kaiping, more = replies
    assert first["context"] is None and first["answers"][0]["doc"] == "honghaiwan-2021"
    assert (place["query"], place["answers"][0]["doc"], place["answers"][0]["item"]) == ("那湛江呢？", "zhanjiang-2021", "26")
    assert place["context"] == {"kind": "place", "place": "湛江", "topic": "规章集中公开", "text": "按上一问理解为：湛江 · 规章集中公开"}
    assert [(a["doc"], a["item"], a["deadline"]) for a in when["answers"]] == [("zhanjiang-2021", "26", "2021年9月前")]
    assert (when["intent"], when["context"]["item"]) == ("when", "zhanjiang-2021 26")
    assert region == {"query": "/region 开平", "reply": "已选定地区：开平市。之后的问题只看该地区的方案。"}
    assert {a["doc"] for a in kaiping["answers"]} == {"kaiping-2021"} and kaiping["answers"][0]["item"] == "32"
    assert more["context"]["kind"] == "more" and {a["doc"] for a in more["answers"]} == {"kaiping-2021"}
    assert set(first) >= {"query", "intent", "filters", "no_answer", "answers", "context"}


def test_chat_text_on_a_pipe_prints_one_answer_per_message(index_db: Path, clean_env: Path) -> None:
    """Without a terminal: no banner, no prompt, each answer followed by one blank line."""
    done = chat_process(index_db, clean_env, ["第二个", "谁负责规章集中公开？", "那湛江呢？"])
    assert done.returncode == 0, done.stderr
    hint, first, place = done.stdout.rstrip("\n").split("\n\n")
    assert hint == "这句话像是接着上一问的追问，但前面还没有可以接着的问题。请先完整地问一句，例如“谁负责规章集中公开？”"
    assert first.startswith("《汕尾市红海湾经济开发区2021年政务公开工作要点分工方案》 第26项")
    assert place.startswith("按上一问理解为：湛江 · 规章集中公开\n《湛江市2021年政务公开工作要点分工方案》（湛府办〔2021〕15号） 第26项")
    assert "问>" not in done.stdout and "Traceback" not in done.stderr
