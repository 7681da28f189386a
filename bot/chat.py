"""The terminal chat: the same dialogue as the bot, in plain text on stdin/stdout."""

from __future__ import annotations

from typing import TextIO

from bot.answer import Answerer
from bot.render import render_answer, render_item

def help_text(answerer: Answerer) -> str:
    """What can be asked and typed, with the example questions of index/data/examples.txt."""
    examples = "\n".join(f"· {q}" for q in answerer.examples)
    return f"""可以直接提问，例如：
{examples}
命令：
/region 地区名   只看该地区的方案（/region all 取消；/region 列出地区）
/unit 单位名     该单位负责的全部条目
/item 文档 编号  一个条目的全文，如 /item {answerer.item_example}
/help  本说明    /quit  退出"""


def run_chat(answerer: Answerer, stdin: TextIO, stdout: TextIO, prompt: str = "问> ") -> None:
    """Read questions and commands until end of input or /quit, answering each."""
    region = ""
    documents = answerer.engine.documents
    stdout.write(f"政策问答 · 已收录 {len(documents)} 份方案。输入 /help 查看用法。\n")
    while True:
        stdout.write(prompt)
        stdout.flush()
        line = stdin.readline()
        if not line:
            stdout.write("\n")
            return
        text = line.strip()
        if text in ("/quit", "/exit"):
            return
        reply, region = _reply(answerer, text, region)
        if reply:
            stdout.write(reply + "\n\n")


def _reply(answerer: Answerer, text: str, region: str) -> tuple[str, str]:
    """The reply to one line, and the region remembered after it."""
    documents = answerer.engine.documents
    command, _, argument = text.partition(" ")
    argument = argument.strip()
    if not text:
        return "", region
    if command == "/help":
        return help_text(answerer), region
    if command == "/region":
        return _region(answerer, argument, region)
    if command == "/unit":
        if not argument:
            return "用法：/unit 单位名，如 /unit 市司法局", region
        return render_answer(answerer.unit(argument, region), documents), region
    if command == "/item":
        doc, _, number = argument.partition(" ")
        item = answerer.engine.item(doc, number.strip())
        if item is None:
            return f"没有找到条目：{argument or '（空）'}。用法：/item 文档 编号，如 /item {answerer.item_example}", region
        return render_item(item, documents[doc]), region
    if command.startswith("/"):
        return f"不认识的命令 {command}。输入 /help 查看用法。", region
    return render_answer(answerer.ask(text, region), documents), region


def _region(answerer: Answerer, argument: str, region: str) -> tuple[str, str]:
    """Show, set or clear the remembered region."""
    regions = answerer.regions()
    if not argument:
        current = f"当前地区：{region}" if region else "当前不限地区"
        return f"{current}。可选：{'、'.join(regions)}（/region all 不限）", region
    match = answerer.pick_region(argument)
    if match == "":
        return "已取消地区限制。", ""
    if match is None:
        return f"没有 {argument} 的方案。可选：{'、'.join(regions)}", region
    return f"已选定地区：{match}。之后的问题只看该地区的方案。", match
